"""A titre is (exercice, numéro), a line (exercice, numéro, ligne) — issue 18 item 1.

Hélios numbers titres per exercise and a piece has several lines: each place that
matches titres is tested with a 2026 titre n° 2 beside a 2024 titre n° 2 (and a titre
of two lines), so that a match by number alone fails here.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import xlsxwriter
from lxml import etree
from pes_files import SAFE
from test_pes import write_inputs
from workbooks import CCAS_A, COMMUNE_A, SYNDICAT, D, base, euros, read_sheet, run

from reconcile.compute.reconciliation import reconcile
from reconcile.compute.titre_evolutions import SHEET, changes
from reconcile.read.pes_retour import duplicates
from reconcile.read.readback import read_sheets


def _titre(numero, who, exercice, montant, ligne=None, type_frais=2, code=None,
           encaisse=None, emis=None):
    return {"Numéro": numero, "Ligne": ligne, "SIREN": who, "Exercice": exercice,
            "Type frais": type_frais, "Consultation": code, "Montant": montant,
            "Date émission": emis or D(2026, 4, 1), "Montant encaissé": encaisse,
            "Date encaissement": None}


def test_same_number_in_two_exercises_and_lines_of_one_titre_are_read(tmp_path, capsys):
    inputs = base()
    inputs.titres = [
        _titre("2", COMMUNE_A, 2026, 100),
        _titre("2", COMMUNE_A, 2024, 50, emis=D(2024, 4, 1)),
        _titre("7", SYNDICAT, 2026, 200, ligne=1),
        _titre("7", SYNDICAT, 2026, 20, ligne=2, type_frais=1, code="C2026"),
    ]
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    assert "en-double" not in set(result.sheet("Anomalies")["Code"].dropna())
    rows = result.reconciliation()
    line = {(r["SIREN"], r["Type de frais"]): r for _, r in rows.iterrows()}
    assert euros(line[(COMMUNE_A, 2)]["Montant titré"]) == 10000  # not 150 €: 2024 apart
    assert line[(COMMUNE_A, 2)]["Titres"] == "2"
    assert line[(SYNDICAT, 2)]["Titres"] == "7" and line[(SYNDICAT, 1)]["Titres"] == "7"
    restes = result.sheet("Restes à recouvrer")
    of_a = restes[restes["SIREN"] == COMMUNE_A]
    assert sorted(zip(of_a["Exercice"], of_a["Numéro"].map(str), strict=True)) == [(2024, "2"),
                                                                       (2026, "2")]


def test_only_the_full_key_is_a_duplicate(tmp_path, capsys):
    inputs = base()
    inputs.titres = [
        _titre("7", SYNDICAT, 2026, 200, ligne=1),
        _titre("7", SYNDICAT, 2026, 20, ligne=1, type_frais=1, code="C2026"),
        _titre("8", SYNDICAT, 2026, 20),
        _titre("8", SYNDICAT, 2026, 20),
        _titre("8", SYNDICAT, 2025, 20),
    ]
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    double = errors[errors["Code"] == "en-double"]
    assert sorted(zip(double["Ligne"], double["Colonne"], strict=True)) == [(3, "Ligne"),
                                                                             (5, "Numéro")]
    assert "titre 7 de 2026 ligne 1 en double (déjà ligne 2)" in double["Message"].iloc[0]


def test_reconciliation_names_a_titre_of_several_lines_once():
    charges = pd.DataFrame([{"siren": COMMUNE_A, "exercice": 2026, "type_frais": 2,
                             "consultation": "", "montant": 10000}])
    titres = pd.DataFrame([
        {"numero": "2", "siren": COMMUNE_A, "exercice": 2026, "type_frais": 2,
         "consultation": None, "montant": 6000, "montant_encaisse": 0},
        {"numero": "2", "siren": COMMUNE_A, "exercice": 2026, "type_frais": 2,
         "consultation": None, "montant": 4000, "montant_encaisse": 0},
        {"numero": "2", "siren": COMMUNE_A, "exercice": 2024, "type_frais": 2,
         "consultation": None, "montant": 9999, "montant_encaisse": 0},
    ])
    members = pd.DataFrame({"siren": [COMMUNE_A], "nom": ["Commune A"]})
    row = reconcile(charges, titres, members, 2026).iloc[0]
    assert (row["titre"], row["titres"], row["statut"]) == (10000, "2", "conforme")


RESTES = ["SIREN", "Membre", "Exercice", "Numéro", "Date d'émission", "Montant", "Encaissé",
          "Reste", "Âge", "Tranche", "Date de prescription", "Type de frais", "Consultation"]


def _previous(rows: list[tuple]) -> bytes:
    """Last month's `Restes à recouvrer` as the report writes it: (exercice, numéro,
    montant, encaissé, reste, âge) in euros."""
    data = io.BytesIO()
    book = xlsxwriter.Workbook(data, {"in_memory": True})
    sheet = book.add_worksheet("Restes à recouvrer")
    for column, header in enumerate(RESTES):
        sheet.write_string(0, column, header)
    for r, (exercice, numero, montant, encaisse, reste, age) in enumerate(rows, start=1):
        values = [COMMUNE_A, "Commune A", exercice, numero, "", montant, encaisse, reste,
                  age, "", "", 2, ""]
        for c, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()
    return data.getvalue()


def _now(rows: list[tuple]) -> pd.DataFrame:
    """(exercice, numéro, montant, encaissé) in cents, dated 01/04 of the exercise."""
    return pd.DataFrame([{"numero": n, "siren": COMMUNE_A, "exercice": e, "type_frais": 2,
                          "consultation": None, "montant": m, "montant_encaisse": c,
                          "date_emission": pd.Timestamp(e, 4, 1)} for e, n, m, c in rows])


def _restes(data: bytes) -> pd.DataFrame | None:
    """Last month's `Restes à recouvrer`, read back as the read layer does."""
    return read_sheets(data, (SHEET,))[SHEET]


def test_evolutions_never_announce_a_collection_of_another_exercise():
    # 2024 n° 2 unpaid, 2026 n° 2 now paid: only the 2026 one is collected.
    previous = _restes(_previous([(2024, "2", 50, 0, 50, 900), (2026, "2", 100, 0, 100, 30)]))
    now = _now([(2024, "2", 5000, 0), (2026, "2", 10000, 10000)])
    found = changes(previous, now, pd.DataFrame(columns=["age", "numero", "exercice",
                                                         "reste", "siren", "membre",
                                                         "type_frais", "consultation"]), 60)
    assert [(r["Nature"], r["Titre"], r["Avant"], r["Après"]) for _, r in found.iterrows()] \
        == [("titre encaissé", "2 (2026)", 10000, 0)]


def test_evolutions_sum_the_lines_of_a_titre():
    previous = _restes(_previous([(2026, "2", 30, 0, 30, 30), (2026, "2", 20, 0, 20, 30)]))
    now = pd.concat([_now([(2026, "2", 3000, 0)]), _now([(2026, "2", 2000, 2000)])])
    found = changes(previous, now, pd.DataFrame(columns=["age", "numero", "exercice",
                                                         "reste", "siren", "membre",
                                                         "type_frais", "consultation"]), 60)
    assert [(r["Nature"], r["Titre"], r["Avant"], r["Après"]) for _, r in found.iterrows()] \
        == [("titre encaissé", "2 (2026)", 5000, 3000)]


def test_a_typed_titre_clashes_with_a_retour_only_in_its_own_exercise():
    xlsx = pd.DataFrame({"exercice": [2024, 2026], "numero": ["2", "3"]}, index=[2, 3])
    pes = pd.DataFrame({"exercice": [2026, 2026], "numero": ["2", "3"],
                        "source": ["r.xml", "r.xml"]})
    found = duplicates(xlsx, pes, lambda row, column, code, message: (row, code))
    assert found == [(3, "titre-en-double")]


def test_the_titres_issued_read_back_as_titres_line_by_line(tmp_path, capsys):
    """What the PES Aller issues — one titre per member, one line per type and
    consultation — typed back into titres.xlsx line by line is read without a duplicate
    and reconciles as conforme."""
    inputs = base()
    folder = write_inputs(tmp_path / "in", inputs)
    first = run(folder, tmp_path / "out", capsys=capsys)
    assert first.status == 0, first.err
    root = etree.fromstring(next(first.folder.glob("PESALR2_2026-11_T*.xml")).read_bytes(), SAFE)
    typed = []
    for piece in root.iter("Piece"):
        for ligne in piece.iterfind("LigneDePiece"):
            info = ligne.find("BlocLignePiece/InfoLignePiece")
            kind = {"GC1": 1, "GC2": 2}[info.find("CodProdLoc").get("V")]
            code = info.find("ObjLignePce").get("V")[1:6] if kind == 1 else None
            typed.append(_titre(piece.find("BlocPiece/IdPce").get("V"),
                                ligne.find("Tiers/InfoTiers/IdTiers").get("V"), 2026,
                                float(info.find("MtHT").get("V")),
                                ligne=info.find("IdLigne").get("V"), type_frais=kind,
                                code=code, emis=D(2026, 11, 30)))
    numbers = [t["Numéro"] for t in typed]
    assert len(set(numbers)) < len(numbers)  # several lines under one number
    inputs.titres = typed
    write_inputs(folder, inputs)
    second = run(folder, tmp_path / "out2", capsys=capsys)
    assert second.status == 0, second.err
    rows = second.reconciliation()
    assert set(rows[rows["SIREN"] != CCAS_A]["Statut"]) == {"conforme"}  # CCAS: held back


def test_reduction_letters_and_statements_keep_exercises_apart(tmp_path, capsys):
    """2026 n° 2 (130 €, 100 € due: a réduction of 30 €) beside 2024 n° 2 (50 €): the
    réduction is linked to the 2026 titre only, the reminder lists both titres with
    their exercise, the 2026 statement only the 2026 one."""
    inputs = base()
    inputs.titres = [_titre("2", COMMUNE_A, 2026, 130, ligne="3"),
                     _titre("2", COMMUNE_A, 2024, 50, emis=D(2024, 4, 1))]
    folder = write_inputs(tmp_path / "in", inputs)
    result = run(folder, tmp_path / "out", capsys=capsys, extra=["--relances", "--releves"])
    assert result.status == 0, result.err
    issued = read_sheet(result.folder / "titres_a_emettre_2026-11.xlsx", "Titres à émettre")
    credit = issued[(issued["Montant"] < 0) & ~issued["SIREN"].astype(str).str.startswith("Total")]
    assert [(r["SIREN"], r["Nature"], euros(r["Montant"]), r["Titres d'origine"])
            for _, r in credit.iterrows()] == [(COMMUNE_A, "réduction", -3000, "2")]
    root = etree.fromstring(next(result.folder.glob("PESALR2_2026-11_T*.xml")).read_bytes(), SAFE)
    assert [(r.find("ExerRat").get("V"), r.find("IdPceOrig").get("V"),
             r.find("IdLigneOrig").get("V")) for r in root.iter("RattachPiece")] == [
        ("2026", "2", "3")]  # the typed line of the titre
    letter = openpyxl.load_workbook(result.folder / "relances" / f"relance_{COMMUNE_A}.xlsx")
    rows = [r for r in letter["Relance"].iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[2] == "Numéro du titre")
    assert sorted((r[2], r[0]) for r in rows[header + 1:header + 3]) == [("2", 2024),
                                                                         ("2", 2026)]
    statement = openpyxl.load_workbook(result.folder / "releves" / f"releve_{COMMUNE_A}.xlsx")
    cells = [c for r in statement["Relevé"].iter_rows(values_only=True) for c in r]
    assert 130 in cells and 50 not in cells  # the 2024 titre is not a 2026 titre


def test_a_total_row_is_never_read_back_as_a_line(tmp_path, capsys):
    """Charges, Rapprochement and Restes à recouvrer end with a total row (issue 19,
    item 5), after a blank row; next month's run reads the table only, down to that
    blank row, so the total is never a line of last month."""
    result = run(write_inputs(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    data = result.report_path.read_bytes()
    read = read_sheets(data, ("Charges", "Rapprochement", SHEET))
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert len(read["Charges"]) and len(read["Rapprochement"])
    for name, frame in read.items():
        assert frame is not None, name
        if frame.empty:  # no table line: no total row either
            assert len(list(book[name].iter_rows())) == 1, name
            continue
        grid = [row for row in book[name].iter_rows(values_only=True)]
        assert grid[len(frame) + 1] == (None,) * len(grid[0]) or not any(grid[len(frame) + 1])
        total = grid[len(frame) + 2]
        assert total[0] == "Total", name
        assert "Total" not in set(frame.iloc[:, 0].map(str)), name
        euro = [i for i, v in enumerate(total) if isinstance(v, int | float)]
        assert euro, name
        for column in euro:
            values = [row[column] for row in grid[1:len(frame) + 1]]
            assert round(total[column] * 100) == sum(round((v or 0) * 100) for v in values)
