"""Every sheet we write prints readably: A4 landscape, fit to the page width, headers
repeated, and no column narrower than what it holds.

The workbooks are the real outputs (report with Évolutions, anomalies file, statements,
templates), read back with openpyxl. A cell's need is measured as a printed text needs
it: about one width unit per character (10 % more in bold, in proportion to the font
size), plus the cell margins. A text that wraps must hold its longest word, and its row
must be tall enough for its lines; a text that does not wrap must fit in its column,
or run over empty cells to its right; a number must always fit (Excel shows ###).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    SYNDICAT,
    base,
    member,
    run,
    siren,
    subscription,
    titre,
)

from reconcile.cli.main import main

LONG_NAME = ("Syndicat intercommunal pour la dématérialisation et l'informatique des "
             "collectivités de Seine-et-Oise")
MARGIN = 1.0  # cell margins, in width units
LINE = 13  # points a line of 11-point text needs at least
MOST_CHARACTERS_PER_UNIT = 1.25  # no font fits more on a line: a safe bound for wrapping
TABLES = {"Charges", "Rapprochement", "Anomalies", "Évolutions", "Membres", "Souscriptions",
          "Bareme", "Consultations", "Exonerations", "Titres"}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """One of every workbook the tool writes, from inputs with long texts."""
    root = tmp_path_factory.mktemp("print")
    inputs = base()
    inputs.membres.append(member(siren(60), LONG_NAME, "syndicat"))
    inputs.souscriptions.append(subscription(siren(60), "actes"))
    for row in inputs.bareme:
        row["Délibération"] = "n° 2025-42 du 12/12/2025"
    inputs.consultations[0]["Délibération"] = "n° 2025-38 du 14/10/2025"
    inputs.exonerations = [{"SIREN": SYNDICAT, "Type frais": 2, "Exercice": 2026,
                            "Motif": "Budget de fonctionnement inférieur à 10 000 € "
                                     "(syndicat sans personnel)",
                            "Délibération": "n° 2026-12 du 10/02/2026"}]
    inputs.titres = [titre("T-2026-0001", COMMUNE_A, "100,50", encaisse="50,25"),
                     titre("T-2026-0002", COMMUNE_A, 30, type_frais=1, consultation_="C2026"),
                     titre("T-2026-0003", COMMUNE_B, 1_234_567),
                     titre("T-2026-0004", siren(77), 40)]
    folder = inputs.write(root / "in")
    assert run(folder, root / "out", "2026-10").status == 0
    november = run(folder, root / "out", "2026-11", extra=["--releves"])
    assert november.status == 0
    bad = base()
    bad.membres[1]["SIREN"] = "123"
    bad.membres[2]["Date adhésion"] = "hier"
    invalid = run(bad.write(root / "bad"), root / "bad_out")
    assert invalid.status == 2
    assert main(["init", str(root / "modeles")]) == 0
    found = {"rapport": november.report_path, "anomalies": invalid.anomalies_path}
    for statement in sorted((november.folder / "releves").glob("*.xlsx")):
        found[statement.stem] = statement
    for template in sorted((root / "modeles").glob("*.xlsx")):
        found[template.stem] = template
    return found


def _sheets(outputs):
    for name, path in outputs.items():
        for sheet in openpyxl.load_workbook(path).worksheets:
            yield f"{name} › {sheet.title}", sheet


def test_every_sheet_prints_on_a4_landscape_fit_to_width(outputs):
    assert {"rapport", "anomalies", "membres", "bareme", "souscriptions", "titres"} <= set(
        outputs)
    assert sum(name.startswith("releve_") for name in outputs) == 6
    seen = set()
    for where, sheet in _sheets(outputs):
        seen.add(sheet.title)
        setup = sheet.page_setup
        assert setup.orientation == "landscape", where
        assert int(setup.paperSize) == 9, where  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
        assert setup.fitToWidth in (None, 1), where  # openpyxl reads an absent 1 as None
        # Synthèse on one page (an absent 1 reads as None); elsewhere pages as needed.
        expected = (None, 1) if sheet.title == "Synthèse" else (0,)
        assert setup.fitToHeight in expected, where
        if sheet.title in TABLES:
            assert sheet.print_title_rows == "$1:$1", where
        elif sheet.title == "Notice":
            assert sheet.print_title_rows, where
    assert {"Synthèse", "Charges", "Rapprochement", "Anomalies", "Contrôle", "Évolutions",
            "Relevé", "Notice", "Membres", "Bareme", "Titres"} <= seen


def _width(sheet, column: int) -> float:
    """A column's width as set (openpyxl keys a run of equal columns by its first)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min and dimension.min <= column <= dimension.max and dimension.width:
            return dimension.width
    return 8.43  # Excel's default


def _shown(cell) -> str:
    """The text a printed cell shows."""
    value = cell.value
    if isinstance(value, dt.datetime):
        return "31/12/2026"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "€" in cell.number_format:
            return f"{value:,.2f} €".replace(",", " ")
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def _factor(cell) -> float:
    size = float(cell.font.sz or 11)
    return (1.1 if cell.font.b else 1.0) * size / 11


def _merged(sheet) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, first column) of a merged range → its (first, last) columns."""
    return {(r.min_row, r.min_col): (r.min_col, r.max_col) for r in sheet.merged_cells.ranges}


def _problems(sheet) -> list[str]:
    merged = _merged(sheet)
    problems = []
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None or cell.value == "":
                continue
            text = _shown(cell)
            first, last = merged.get((cell.row, cell.column), (cell.column, cell.column))
            width = sum(_width(sheet, c) for c in range(first, last + 1))
            factor = _factor(cell)
            where = f"{get_column_letter(cell.column)}{cell.row} « {text[:40]} »"
            if cell.alignment.wrap_text:
                longest = max(len(word) for word in text.split()) if text.split() else 0
                if longest * factor + MARGIN > width:
                    problems.append(f"{where}: longest word wider than {width:.1f}")
                room = max(int(width * MOST_CHARACTERS_PER_UNIT / factor), 1)
                count = sum(len(textwrap.wrap(part, room)) or 1 for part in text.split("\n"))
                height = sheet.row_dimensions[cell.row].height or 15
                if count * LINE * factor > height:
                    problems.append(f"{where}: {count} lines in a row {height} high")
                continue
            need = len(text) * factor + MARGIN
            if isinstance(cell.value, int | float | dt.datetime):
                if need > width:
                    problems.append(f"{where}: number needs {need:.1f} > {width:.1f}")
                continue
            # A text that does not wrap may run over the empty cells to its right.
            column = last + 1
            while need > width and column <= sheet.max_column and sheet.cell(
                    cell.row, column).value in (None, ""):
                width += _width(sheet, column)
                column += 1
            if need > width:
                problems.append(f"{where}: needs {need:.1f} > {width:.1f}")
    return problems


def test_no_column_is_narrower_than_what_it_holds(outputs):
    problems = []
    for where, sheet in _sheets(outputs):
        problems += [f"{where} {p}" for p in _problems(sheet)]
    assert problems == [], "\n".join(problems)


def test_the_check_catches_a_narrow_column(outputs, tmp_path):
    """The test above can fail: narrow one column of the report and it does."""
    workbook = openpyxl.load_workbook(outputs["rapport"])
    sheet = workbook["Rapprochement"]
    sheet.column_dimensions["F"].width = 5  # Montant dû
    sheet.column_dimensions["B"].width = 6  # Membre: « intercommunal » no longer fits
    assert any("F" in p.split(" ")[0] for p in _problems(sheet))
    assert any(p.startswith("B") and "longest word" in p for p in _problems(sheet))
    sheet.row_dimensions[2].height = None
    sheet.column_dimensions["B"].width = 12
    assert any("lines in a row" in p for p in _problems(sheet))


def test_long_names_and_motifs_wrap(outputs):
    workbook = openpyxl.load_workbook(outputs["rapport"])
    for title, header in (("Charges", "Membre"), ("Charges", "Motif"),
                          ("Charges", "Délibération"), ("Rapprochement", "Membre"),
                          ("Anomalies", "Message")):
        sheet = workbook[title]
        column = next(c.column for c in sheet[1] if c.value == header)
        width = _width(sheet, column)
        assert width <= 61, (title, header)  # bounded: a longer text wraps
        cells = [sheet.cell(r, column) for r in range(2, sheet.max_row + 1)]
        long = [c for c in cells if c.value and len(c.value) + MARGIN > width]
        assert long and all(c.alignment.wrap_text for c in long), (title, header)
    charges = workbook["Charges"]
    row = next(c.row for c in charges["B"] if c.value == LONG_NAME)
    assert charges.row_dimensions[row].height >= 2 * LINE  # its lines are not cut


def test_control_population_columns_are_told_apart(outputs):
    sheet = openpyxl.load_workbook(outputs["rapport"])["Contrôle"]
    header = next(r for r in sheet.iter_rows() if r[0].value == "Ligne du barème")
    titles = {c.value: c for c in header if c.value}
    low, high = titles["Population minimale"], titles["Population maximale"]
    for cell in (low, high):  # the whole header shows: its lines fit the row
        lines = math.ceil(len(cell.value) * 1.1 / _width(sheet, cell.column))
        assert lines * LINE <= (sheet.row_dimensions[cell.row].height or 15)


def test_empty_evolutions_says_nothing_changed(outputs):
    sheet = openpyxl.load_workbook(outputs["rapport"])["Évolutions"]
    assert sheet["A2"].value == ("Aucun changement depuis le rapport du mois précédent "
                                 "(2026-10).")
    assert sheet.max_row == 2


def test_statements_skip_non_members(outputs):
    names = {n for n in outputs if n.startswith("releve_")}
    assert f"releve_{siren(77)}" not in names
    assert {f"releve_{s}" for s in (COMMUNE_A, COMMUNE_B, CCAS_A, SYNDICAT)} <= names
