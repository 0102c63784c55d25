"""Files as officers have them: CSV inputs (« ; » or « , », UTF-8 with or without BOM,
Windows-1252), total rows under a table, hidden and filtered rows (spécification §2.5).

Every case writes real files to disk, runs the real command and reads the report back.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter
from workbooks import (
    COMMUNE_A,
    COMMUNE_B,
    D,
    base,
    read_sheet,
    run,
    siren,
    titre,
    write_book,
    write_csv,
    write_sheet,
)

from reconcile.read.csvinput import decode, separator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def groupement():
    """base() with accents, a € sign, decimals, an exemption and titres: what an export
    from a finance tool holds."""
    inputs = base()
    inputs.membres[2]["Nom"] = "Commune Bé d'Étréchy"
    inputs.bareme[6]["Montant"] = 30.5
    inputs.bareme[6]["Libellé"] = "Forfait procédure 30,50 € (délibération n°2019-04)"
    inputs.exonerations = [{"SIREN": COMMUNE_B, "Type frais": 1, "Exercice": 2026,
                            "Motif": "Exonération votée — commune sinistrée"}]
    inputs.titres = [titre("T1", COMMUNE_B, 500, encaisse=100),
                     titre("T2", COMMUNE_A, 100, encaisse=100)]
    return inputs


def figures(result) -> dict:
    """What the report says, file names aside: Synthèse, Charges, Rapprochement."""
    return {name: result.sheet(name).to_dict("records")
            for name in ("Synthèse", "Charges", "Rapprochement")}


def control_files(result) -> list[dict]:
    """The Contrôle sheet's table of input files."""
    sheet = read_sheet(result.report_path, "Contrôle")
    frame = sheet.to_numpy().tolist()
    start = next(i for i, row in enumerate(frame) if row[0] == "Fichier d'entrée")
    header = frame[start]
    rows = []
    for row in frame[start + 1:]:
        if row[0] is None:
            break
        rows.append(dict(zip(header, row, strict=True)))
    return rows


ENCODINGS = [(";", "utf-8", "UTF-8"), (",", "utf-8", "UTF-8"),
             (";", "utf-8-sig", "UTF-8 avec BOM"), (",", "utf-8-sig", "UTF-8 avec BOM"),
             (";", "cp1252", "Windows-1252"), (",", "cp1252", "Windows-1252")]


@pytest.mark.parametrize(("sep", "encoding", "named"), ENCODINGS,
                         ids=[f"{s}-{e}" for s, e, _ in ENCODINGS])
def test_every_input_as_csv_gives_the_figures_of_the_workbooks(sep, encoding, named,
                                                               tmp_path, capsys):
    inputs = groupement()
    from_xlsx = run(inputs.write(tmp_path / "xlsx"), tmp_path / "r1", capsys=capsys)
    folder = inputs.write_csv(tmp_path / "csv", sep, encoding)
    if encoding == "cp1252":
        assert "é".encode("cp1252") in (folder / "membres.csv").read_bytes()
        assert "€".encode("cp1252") in (folder / "bareme.csv").read_bytes()
    from_csv = run(folder, tmp_path / "r2", capsys=capsys)
    assert from_xlsx.status == from_csv.status == 0, from_csv.err
    assert figures(from_csv) == figures(from_xlsx)
    charges = from_csv.charges()
    assert "Commune Bé d'Étréchy" in set(charges["Membre"])
    assert "Forfait procédure 30,50 € (délibération n°2019-04)" in set(
        charges["Libellé du barème"])
    files = control_files(from_csv)
    assert {f["Fichier d'entrée"] for f in files} == {
        "membres.csv", "souscriptions.csv", "bareme.csv", "consultations.csv",
        "exonerations.csv", "titres.csv"}
    shown = {"\t": "tabulation", ";": "« ; »", ",": "« , »"}[sep]
    assert {f["Format lu"] for f in files} == {f"CSV, séparateur {shown}, {named}"}
    assert {f["Format lu"] for f in control_files(from_xlsx)} == {"classeur .xlsx"}


def test_the_sample_as_csv_gives_the_same_report_figures(tmp_path, capsys):
    """The bundled sample (inputs/), each sheet exported as Excel's « CSV (séparateur :
    point-virgule) » does (Windows-1252, decimal comma, JJ/MM/AAAA dates)."""
    folder = tmp_path / "csv"
    folder.mkdir()
    for book in sorted((ROOT / "inputs").glob("*.xlsx")):
        workbook = python_calamine.CalamineWorkbook.from_path(str(book))
        for name in workbook.sheet_names:
            stem = book.stem if name.lower() in (book.stem, "bareme") else name.lower()
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            with (folder / f"{stem}.csv").open("w", encoding="cp1252", newline="") as out:
                csv.writer(out, delimiter=";").writerows(
                    [[_excel_text(v) for v in row] for row in rows])
    from_xlsx = run(ROOT / "inputs", tmp_path / "r1", capsys=capsys)
    from_csv = run(folder, tmp_path / "r2", capsys=capsys)
    assert from_xlsx.status == from_csv.status == 0, from_csv.err
    assert figures(from_csv) == figures(from_xlsx)
    assert len(from_csv.charges()) > 500


def _excel_text(value) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", ",")
    return str(value)


def test_a_formula_looking_cell_stays_text(tmp_path, capsys):
    inputs = base()
    inputs.membres[1]["Nom"] = "=1+1"
    folder = inputs.write_csv(tmp_path / "in")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    assert "=1+1" in set(result.charges()["Membre"])  # the text, never 2

    inputs.membres[1]["Population"] = "=400*2"
    folder = inputs.write_csv(tmp_path / "in2")
    result = run(folder, tmp_path / "out2", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    row = errors[(errors["Colonne"] == "Population") & (errors["Gravité"] == "erreur")]
    assert list(row["Ligne"]) == [3] and list(row["Valeur"]) == ["=400*2"]


def test_separator_is_found_below_a_title_and_beside_decimal_commas():
    text = ("Liste des membres, arrêtée au 30/11/2026\n\n"
            "SIREN;Nom;Montant\n990000010;Commune A;1 234,56\n990000028;B;12,5\n")
    assert separator(text) == ";"
    assert separator('SIREN,Nom,Montant\n990000010,"Commune A, centre","1234,56"\n') == ","
    assert separator("une seule colonne\nrien d'autre\n") is None
    assert decode("é".encode()) == ("é", "UTF-8")
    assert decode("\ufeffé".encode()) == ("é", "UTF-8 avec BOM")
    assert decode("é €".encode("cp1252")) == ("é €", "Windows-1252")


# -- total rows --------------------------------------------------------------------------


def _titres_with_total(path: Path, label: str = "Total") -> None:
    """titres.xlsx: T1 500 €, T2 100 €, then a « Total » row whose amounts are SUM()s."""
    rows = [titre("T1", COMMUNE_B, 500, encaisse=100), titre("T2", COMMUNE_A, 100)]
    workbook = xlsxwriter.Workbook(str(path))
    sheet = write_sheet(workbook, "Titres", rows)
    sheet.write_string(4, 0, label)
    sheet.write_formula(4, 5, "=SUM(F2:F3)", None, 600)
    sheet.write_formula(4, 7, "=SUM(H2:H3)", None, 100)
    workbook.close()


@pytest.mark.parametrize("label", ["Total", "TOTAL GÉNÉRAL", "Sous-total 2026"])
def test_a_total_row_under_a_workbook_table_is_skipped_with_a_warning(label, tmp_path,
                                                                      capsys):
    folder = base().write(tmp_path / "in")
    _titres_with_total(folder / "titres.xlsx", label)
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    titled = result.reconciliation()["Montant titré"]
    assert round(sum(float(v) for v in titled) * 100) == 60000  # not 120000
    anomalies = result.sheet("Anomalies")
    total = anomalies[anomalies["Ligne"] == 5]
    assert total[["Code", "Fichier", "Gravité"]].values.tolist() == [
        ["ligne-total", "titres.xlsx", "avertissement"]]
    message = total["Message"].iloc[0]
    assert f"La ligne 5 (« {label} ») est une ligne de total" in message
    assert message.endswith(".")


def test_a_total_row_in_a_csv_is_skipped_with_a_warning(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_B, 500), titre("T2", COMMUNE_A, 100)]
    folder = inputs.write_csv(tmp_path / "in")
    with (folder / "titres.csv").open("a", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=";").writerows([["Sous-total", "", "", "", "", "=SOMME(F2:F3)"],
                                                  ["Total", "", "", "", "", "600,00"]])
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    anomalies = result.sheet("Anomalies")
    totals = anomalies[anomalies["Code"] == "ligne-total"]
    assert list(totals["Ligne"]) == [4, 5]
    assert list(totals["Valeur"]) == ["Sous-total", "Total"]


def test_a_member_whose_name_starts_with_total_is_a_member(tmp_path, capsys):
    """Only a row shaped like a total is skipped: a text other than a number or a
    formula (a category) makes it a record."""
    inputs = base()
    inputs.membres[1]["Nom"] = "Total Énergies"
    folder = inputs.write_csv(tmp_path / "in")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0
    assert "Total Énergies" in set(result.charges()["Membre"])
    assert "ligne-total" not in set(result.sheet("Anomalies")["Code"])


def test_a_total_row_with_text_is_still_read_as_a_record(tmp_path, capsys):
    """« Total » followed by a code is not a sum row: the errors stay errors."""
    inputs = base()
    inputs.souscriptions.append({"SIREN": "Total", "Prestation": "actes"})
    folder = inputs.write_csv(tmp_path / "in")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    anomalies = result.anomalies()
    assert ((anomalies["Ligne"] == 8) & (anomalies["Colonne"] == "SIREN")
            & (anomalies["Gravité"] == "erreur")).any()


# -- hidden and filtered rows ------------------------------------------------------------


def _membres_with_hidden_rows(path: Path) -> None:
    """membres.xlsx with row 4 hidden by hand and rows 6–7 hidden by a filter on
    « Catégorie » (Excel writes both as ``<row hidden="1">``)."""
    rows = base().membres
    workbook = xlsxwriter.Workbook(str(path))
    sheet = write_sheet(workbook, "Membres", rows)
    sheet.autofilter(0, 0, len(rows), len(rows[0]) - 1)
    sheet.filter_column(2, "x != syndicat and x != epci")
    for row in (3, 5, 6):  # 0-based: Excel rows 4, 6 and 7
        sheet.set_row(row, None, None, {"hidden": True})
    workbook.close()


def test_hidden_and_filtered_rows_are_read_and_counted_in_controle(tmp_path, capsys):
    inputs = base()
    folder = inputs.write(tmp_path / "in")
    shown = run(folder, tmp_path / "plain", capsys=capsys)
    _membres_with_hidden_rows(folder / "membres.xlsx")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    for name in ("Charges", "Rapprochement"):  # every hidden member is billed
        assert result.sheet(name).equals(shown.sheet(name))
    counts = {(f["Fichier d'entrée"], f["Feuille"]): f for f in control_files(result)}
    assert counts[("membres.xlsx", "Membres")]["dont lignes masquées"] == 3
    assert counts[("membres.xlsx", "Membres")]["Lignes lues"] == 6
    assert counts[("souscriptions.xlsx", "Souscriptions")]["dont lignes masquées"] == 0
    anomalies = result.sheet("Anomalies")
    warning = anomalies[anomalies["Code"] == "lignes-masquees"]
    assert list(warning["Feuille"]) == ["Membres"]
    assert "3 lignes masquées (à la main ou par un filtre) sont lues comme les autres" in (
        warning["Message"].iloc[0])


@pytest.mark.parametrize("fixture", ["membres-masquees.ods", "membres-masquees.xls"])
def test_hidden_rows_of_ods_and_xls_are_counted(fixture, tmp_path, capsys):
    """Saved by LibreOffice (tests/fixtures/README.md): rows 4 and 6 hidden."""
    folder = base().write(tmp_path / "in")
    (folder / "membres.xlsx").unlink()
    shutil.copyfile(FIXTURES / fixture, folder / f"membres{Path(fixture).suffix}")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    counts = {f["Feuille"]: f for f in control_files(result)}
    assert counts["Membres"]["dont lignes masquées"] == 2
    assert counts["Membres"]["Format lu"] == f"classeur {Path(fixture).suffix}"


def test_a_hidden_empty_row_is_not_counted(tmp_path, capsys):
    inputs = base()
    folder = inputs.write(tmp_path / "in")
    path = folder / "membres.xlsx"
    rows = inputs.membres
    workbook = xlsxwriter.Workbook(str(path))
    sheet = write_sheet(workbook, "Membres", rows)
    for row in range(len(rows) + 1, len(rows) + 20):  # formatted, hidden, empty
        sheet.set_row(row, None, None, {"hidden": True})
    workbook.close()
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    counts = {f["Feuille"]: f for f in control_files(result)}
    assert counts["Membres"]["dont lignes masquées"] == 0


def test_write_book_and_csv_hold_the_same_rows(tmp_path):
    """The CSV writer of the tests writes what the workbook writer writes."""
    rows = [{"SIREN": siren(9), "Nom": "Été", "Date": D(2026, 3, 15), "Montant": 12.5}]
    write_book(tmp_path / "a.xlsx", {"A": rows})
    write_csv(tmp_path / "a.csv", rows)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines() == [
        "SIREN;Nom;Date;Montant", f"{siren(9)};Été;15/03/2026;12,5"]
