"""No formula injection: text from the inputs is never active in a report.

Any input text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return —
and ``http://…`` or ``mailto:`` — appears in every report exactly as typed, as a text
cell: never a formula, never a link. Checked with openpyxl (``data_type == 's'``) and
in the sheets' XML (no ``<f>`` element, no ``<hyperlink>``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from workbooks import (
    COMMUNE_A,
    D,
    base,
    consultation,
    member,
    run,
    siren,
    subscription,
    write_book,
)

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/x","cliquer ici")',
    "=cmd|' /C calc'!A0",
    "+33 1 23 45 67 89",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTabulation en tête",
    "\rRetour chariot en tête",
    "http://evil.example/phishing",
    "mailto:finance@evil.example",
]
CODE = "=C2026+1"
LIBELLE = "@libellé du barème"
MOTIF = "=motif de l'exonération"
HEADERS = ["=EVIL()", "http://evil.example/entete"]


def hostile_inputs():
    inputs = base()
    for n, name in enumerate(DANGEROUS, start=20):
        who = siren(n)
        inputs.membres.append(member(who, name, "commune", 500))
        inputs.souscriptions.append(subscription(who, "actes"))
    for row in inputs.membres:
        row[HEADERS[0]] = "x"
        row[HEADERS[1]] = "y"
    inputs.consultations = [consultation(CODE, D(2019, 11, 1), D(2020, 1, 31),
                                         D(2026, 3, 2))]
    inputs.bareme[0]["Libellé"] = LIBELLE  # commune 0–999: every hostile name uses it
    inputs.exonerations = [{"SIREN": COMMUNE_A, "Type frais": 1, "Exercice": 2026,
                            "Motif": MOTIF}]
    return inputs


def text_cells(path: Path) -> dict[str, list]:
    """Sheet name → every non-empty cell (openpyxl, full mode: data types are exact)."""
    workbook = openpyxl.load_workbook(path)
    cells = {ws.title: [c for row in ws.iter_rows() for c in row if c.value is not None]
             for ws in workbook.worksheets}
    for ws in workbook.worksheets:
        assert not ws._hyperlinks, f"{path.name} › {ws.title}: hyperlink"
        assert all(c.data_type != "f" for c in cells[ws.title]), f"formula in {ws.title}"
    return cells


def assert_inert(path: Path) -> None:
    """The XML itself: no formula element, no hyperlink, no external relationship."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<f[ >/]", data), f"<f> in {name}"
                assert b"<hyperlink" not in data, f"hyperlink in {name}"
            if name.endswith(".rels"):
                assert b"hyperlink" not in data and b'TargetMode="External"' not in data, name


def unescaped(value):
    """openpyxl leaves OOXML's ``_xHHHH_`` escapes (how xlsxwriter stores a carriage
    return in an inline string) as they are; Excel shows the character."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def assert_shown_as_text(cells: dict[str, list], sheet: str, texts: list[str]) -> None:
    values = {unescaped(c.value): c for c in cells[sheet]}
    for text in texts:
        assert text in values, f"{text!r} missing from {sheet}"
        assert values[text].data_type == "s", f"{text!r} in {sheet} is not text"
        if text.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert values[text].quotePrefix, f"{text!r} in {sheet}: no quote prefix"


def test_hostile_text_is_inert_in_the_reconciliation(tmp_path, capsys):
    inputs = hostile_inputs()
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    assert_inert(result.report_path)
    cells = text_cells(result.report_path)
    assert_shown_as_text(cells, "Charges", [*DANGEROUS, CODE, LIBELLE])
    assert_shown_as_text(cells, "Rapprochement", [*DANGEROUS, CODE])
    assert_shown_as_text(cells, "Anomalies", HEADERS)
    motifs = [c.value for c in cells["Charges"] if isinstance(c.value, str) and MOTIF in c.value]
    assert motifs and all(m.startswith("Exonéré") for m in motifs)


@pytest.mark.parametrize("bad", [
    # unreadable cells (found while reading)
    {("membres", 1, "Population"): "@3", ("membres", 2, "Date adhésion"): "\t31/02/2026",
     ("membres", 3, "SIREN"): "-990000010", ("bareme", 1, "Montant"): "=SUM(1;2)",
     ("membres", 4, "Population"): "\rdouze"},
    # readable but wrong values (found by validation)
    {("membres", 1, "Catégorie"): "=1+2", ("souscriptions", 0, "Prestation"): "+cloud",
     ("membres", 3, "Rôle"): "@admin", ("consultations", 0, "Prestations"): "-actes"},
], ids=["cellules-illisibles", "valeurs-invalides"])
def test_hostile_text_is_inert_in_the_anomalies_file(tmp_path, capsys, bad):
    inputs = hostile_inputs()
    for (sheet, index, column), value in bad.items():
        getattr(inputs, sheet)[index][column] = value
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2, result.err
    assert not result.report_path.exists()
    assert_inert(result.anomalies_path)
    cells = text_cells(result.anomalies_path)
    assert_shown_as_text(cells, "Anomalies", [*bad.values(), *HEADERS])


def test_text_written_by_the_report_reads_back_identically(tmp_path, capsys):
    """Round trip through our own reader: a report used as an input is still inert."""
    inputs = hostile_inputs()
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    names = {unescaped(c.value) for c in text_cells(result.report_path)["Charges"]}
    assert set(DANGEROUS) <= names


def test_hostile_text_is_inert_in_every_workbook_written(tmp_path, capsys):
    """Per-member statements (--releves) and next month's Évolutions sheet too."""
    inputs = hostile_inputs()
    folder = inputs.write(tmp_path / "in")
    first = run(folder, tmp_path / "out", "2026-10", capsys, ["--releves"])
    second = run(folder, tmp_path / "out", "2026-11", capsys, ["--releves"])
    assert (first.status, second.status) == (0, 0), second.err
    written = sorted((tmp_path / "out").rglob("*.xlsx"))
    assert len(written) > 4
    for path in written:
        assert_inert(path)
        text_cells(path)
    names = {unescaped(c.value) for cells in text_cells(second.report_path).values()
             for c in cells}
    assert set(DANGEROUS) <= names


def test_hostile_sheet_name_is_inert(tmp_path, capsys):
    """A one-sheet workbook is read whatever its sheet's name: that name is shown."""
    inputs = hostile_inputs()
    inputs.membres[1]["Population"] = "beaucoup"
    folder = inputs.write(tmp_path / "in")
    write_book(folder / "membres.xlsx", {"=1+1 @x": inputs.membres})
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2, result.err
    assert_inert(result.anomalies_path)
    assert_shown_as_text(text_cells(result.anomalies_path), "Anomalies", ["=1+1 @x"])
