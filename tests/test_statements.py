"""`reconcile run --releves`: one printable statement per member with something to show."""

from __future__ import annotations

import datetime as dt
import time

import openpyxl
import pandas as pd
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    COORD,
    EPCI,
    SYNDICAT,
    base,
    euros,
    run,
    siren,
    titre,
)

from reconcile.pipeline import period_of
from reconcile.statements import write_statements


def _statements(tmp_path, inputs, capsys, folder="in"):
    result = run(inputs.write(tmp_path / folder), tmp_path / "out", capsys=capsys,
                 extra=["--releves"])
    assert result.status == 0, result.err
    return result, result.folder / "releves"


def _rows(path):
    sheet = openpyxl.load_workbook(path)["Relevé"]
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]


def _section(rows, title):
    """The data rows of the table under ``title`` (header skipped, up to « Total »)."""
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 2
    end = next(i for i in range(start, len(rows)) if rows[i][0] == "Total")
    return rows[start:end], rows[end]


def test_statement_amounts_to_the_cent(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_A, "100,50", encaisse="50,25"),
                     titre("T2", COMMUNE_A, 30, type_frais=1, consultation_="C2026"),
                     titre("T9", COMMUNE_A, 999, exercice=2025),  # another exercise
                     titre("T3", COMMUNE_B, 600)]
    result, folder = _statements(tmp_path, inputs, capsys)
    assert sorted(p.name for p in folder.glob("*.xlsx")) == sorted(
        f"releve_{s}.xlsx" for s in (COMMUNE_A, COMMUNE_B, CCAS_A, SYNDICAT, EPCI))
    assert "5 relevé(s)" in result.out

    sheet, rows = _rows(folder / f"releve_{COMMUNE_A}.xlsx")
    text = [v for r in rows for v in r if isinstance(v, str)]
    assert "Groupement de commandes – dématérialisation des procédures" in text
    assert any("CIG Grande Couronne" in v for v in text)
    facts = {r[0]: r[2] for r in rows[:12] if r[0]}
    assert facts["Membre"] == "Commune A" and facts["SIREN"] == COMMUNE_A
    assert facts["Exercice"] == 2026 and facts["Arrêté au"] == dt.datetime(2026, 11, 30)

    totals = {r[0]: euros(r[4]) for r in rows if isinstance(r[4], int | float) and r[0]
              and r[0] != "Total" and r[1] is None}
    assert totals["Montant dû"] == 13000  # type 2 100 € + type 1 30 €
    assert totals["Montant titré"] == 13050
    assert totals["Encaissé"] == 5025
    assert totals["Reste à recouvrer (titré – encaissé)"] == 8025
    assert totals["Écart (titré – dû)"] == 50

    lines, total = _section(rows, "Situation par type de frais et consultation")
    got = {(r[0], r[1]): (euros(r[2]), euros(r[3]), euros(r[4]), euros(r[5]), r[6], r[7])
           for r in lines}
    assert got == {(1, "C2026"): (3000, 3000, 0, 3000, "conforme", "T2"),
                   (2, None): (10000, 10050, 5025, 5025, "sur-titré", "T1")}
    assert [euros(v) for v in total[2:6]] == [13000, 13050, 5025, 8025]

    charges, total = _section(rows, "Charges de l'exercice (barème voté)")
    assert [(r[0], r[1], r[4], r[5], euros(r[6])) for r in charges] == [
        (1, "C2026", "Bareme, ligne 8", "T1 commune", 3000),
        (2, None, "Bareme, ligne 2", "T2 commune", 10000)]
    assert all(r[3] for r in charges)  # the rule applied
    assert euros(total[6]) == 13000

    titres, total = _section(rows, "Titres de recettes de l'exercice 2026")
    assert [(r[2], r[3], euros(r[4]), euros(r[5])) for r in titres] == [
        ("T2", dt.datetime(2026, 4, 1), 3000, 0), ("T1", dt.datetime(2026, 4, 1), 10050, 5025)]
    assert (euros(total[4]), euros(total[5])) == (13050, 5025)

    assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    formats = {c.number_format for r in sheet.iter_rows() for c in r
               if isinstance(c.value, float | int) and c.column > 2 and c.row > 12}
    assert all("€" in f for f in formats)
    assert {c.number_format for r in sheet.iter_rows() for c in r
            if isinstance(c.value, dt.datetime)} == {"dd/mm/yyyy"}


def test_exempt_charge_shows_its_motif(tmp_path, capsys):
    _, folder = _statements(tmp_path, base(), capsys)
    _, rows = _rows(folder / f"releve_{CCAS_A}.xlsx")
    charges, total = _section(rows, "Charges de l'exercice (barème voté)")
    exempt = [r for r in charges if r[0] == 2]
    assert euros(exempt[0][6]) == 0 and exempt[0][7].startswith("Exonéré")
    assert euros(total[6]) == 500


def test_no_statement_without_anything_due_or_invoiced(tmp_path, capsys):
    result, folder = _statements(tmp_path, base(), capsys)
    assert not (folder / f"releve_{COORD}.xlsx").exists()  # never charged, no titre
    reconciled = set(result.reconciliation()["SIREN"])
    assert {p.stem.removeprefix("releve_") for p in folder.glob("*.xlsx")} == reconciled


def test_without_the_option_no_statement(tmp_path, capsys):
    result = run(base().write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0
    assert not (result.folder / "releves").exists()


def test_rerun_leaves_statements_untouched_and_retires_stale_ones(tmp_path, capsys):
    stranger = siren(77)
    inputs = base()
    inputs.titres = [titre("T1", stranger, 40)]
    _, folder = _statements(tmp_path, inputs, capsys)
    _, rows = _rows(folder / f"releve_{stranger}.xlsx")  # membre inconnu: indu shown
    lines, _ = _section(rows, "Situation par type de frais et consultation")
    assert [r[6] for r in lines] == ["membre inconnu"]
    stats = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.xlsx")}
    _statements(tmp_path, inputs, capsys)
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.glob("*.xlsx")} == stats
    inputs.titres = []
    _statements(tmp_path, inputs, capsys)
    assert not (folder / f"releve_{stranger}.xlsx").exists()
    assert [p.name.startswith(f"releve_{stranger}_") for p in (folder / "historique").iterdir()
            ] == [True]
    assert not list(folder.glob(".*.tmp"))


def test_member_text_is_never_a_formula(tmp_path, capsys):
    inputs = base()
    inputs.membres[1]["Nom"] = '=HYPERLINK("http://example.com","x")'
    _, folder = _statements(tmp_path, inputs, capsys)
    sheet = openpyxl.load_workbook(folder / f"releve_{COMMUNE_A}.xlsx")["Relevé"]
    cell = next(c for r in sheet.iter_rows() for c in r
                if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value.startswith("=")


def test_statements_are_fast(tmp_path):
    """A few milliseconds per statement (fsync included), on a large groupement."""
    count = 100
    sirens = [siren(1000 + i) for i in range(count)]
    charges = pd.DataFrame({
        "siren": sirens, "membre": [f"Membre {i}" for i in range(count)],
        "categorie": "commune", "exercice": 2026, "type_frais": 2, "consultation": "",
        "prestation": "", "bareme_ligne": pd.array([2] * count, dtype="Int64"),
        "bareme_libelle": "T2 commune", "montant": 10000, "motif": "",
        "regle": "Type 2, forfait annuel par membre (R7)"})
    rows = pd.DataFrame({
        "siren": sirens, "exercice": 2026, "type_frais": 2, "consultation": "", "du": 10000,
        "titre": 0, "encaisse": 0, "titres": "", "nb_titres": 0,
        "membre": [f"Membre {i}" for i in range(count)], "ecart": -10000, "reste": 0,
        "statut": "à émettre"})
    start = time.perf_counter()
    written = write_statements(tmp_path, "2026-11", period_of("2026-11"), charges, rows, None)
    elapsed = time.perf_counter() - start
    assert len(written) == count
    assert elapsed / count < 0.05, f"{elapsed / count * 1000:.1f} ms per statement"
