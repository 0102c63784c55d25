"""Connected to Hélios: PES Retour read as titres, titres to issue as a PES Aller.

The round trip is held out: the PES Aller we write is validated against the vendored
DGFiP schema (2.1.a), answered by a PES Retour built from it (validated against 2.0),
dropped in the inputs, and the rerun must find every line conforme but the rejected one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lxml import etree
from pes_files import SAFE, XSD, from_aller, retour, schema_errors
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    EPCI,
    SYNDICAT,
    base,
    euros,
    read_sheet,
    run,
    titre,
    write_book,
)

from reconcile.cli.main import main
from reconcile.read import pes_retour
from reconcile.read.parameters import read_parameters
from reconcile.read.reader import Limits
from reconcile.render import pes_aller

ROOT = Path(__file__).resolve().parent.parent
PARAMETERS = {
    "siret_coordonnateur": "20004000000012", "id_poste": "078000",
    "code_collectivite": "123", "code_budget": "01", "nature_type_1": "70878",
    "nature_type_2": "70878", "code_produit_type_1": "GC1", "code_produit_type_2": "GC2",
    "prochain_bordereau": 41, "prochain_bordereau_02": 7, "prochain_titre": 1201,
    "seuil_recouvrement": 15,
    "deliberation": "délibération n° 2025-40 du 12/12/2025",
}


ADDRESS = {"Adresse": "1 place de la Mairie", "Complément d'adresse": "Hôtel de ville",
           "Code postal": "78000", "Ville": "VERSAILLES"}


def _lines_of(sheet: pd.DataFrame) -> pd.DataFrame:
    """The rows of a titres-to-issue table, without the total rows written under it."""
    siren_ = sheet["SIREN"].astype(str)
    return sheet[sheet["SIREN"].notna() & ~siren_.str.startswith("Total")].reset_index(
        drop=True)


def write_inputs(folder: Path, inputs=None, parameters: dict | None = PARAMETERS,
                 addressed: bool = True) -> Path:
    """The inputs, every member with an address (the PES Aller needs one per debtor)."""
    inputs = inputs or base()
    if addressed:
        inputs.membres = [{**ADDRESS, **m} for m in inputs.membres]
    inputs.write(folder)
    sheets = {"Bareme": inputs.bareme, "Consultations": inputs.consultations}
    if parameters is not None:
        sheets["Parametres"] = [{"Paramètre": k, "Valeur": v} for k, v in parameters.items()]
    write_book(folder / "bareme.xlsx", sheets)
    return folder


def aller_file(folder: Path) -> Path | None:
    """The month's PES Aller (its name carries its first titre number)."""
    found = sorted(folder.glob("PESALR2_2026-11_T*.xml"))
    assert len(found) <= 1, found
    return found[0] if found else None


def aller_totals(data: bytes) -> dict[tuple[str, int], int]:
    """(SIREN, type) → signed cents, read back from a PES Aller."""
    root = etree.fromstring(data, SAFE)
    types = {"GC1": 1, "GC2": 2}
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for bordereau in root.iter("Bordereau"):
        sign = -1 if bordereau.find("BlocBordereau/TypBord").get("V") == "02" else 1
        for ligne in bordereau.iter("LigneDePiece"):
            siren = ligne.find("Tiers/InfoTiers/IdTiers").get("V")
            kind = types[ligne.find("BlocLignePiece/InfoLignePiece/CodProdLoc").get("V")]
            amount = Decimal(ligne.find("BlocLignePiece/InfoLignePiece/MtHT").get("V"))
            totals[(siren, kind)] += sign * int(amount * 100)
    return dict(totals)


def line_of(root, siren: str, code: str) -> tuple[str, str]:
    """(IdPce, IdLigne) of a member's line of one product code in a PES Aller."""
    for ligne in root.iter("LigneDePiece"):
        info = ligne.find("BlocLignePiece/InfoLignePiece")
        if (ligne.find("Tiers/InfoTiers/IdTiers").get("V") == siren
                and info.find("CodProdLoc").get("V") == code):
            return (ligne.getparent().find("BlocPiece/IdPce").get("V"),
                    info.find("IdLigne").get("V"))
    raise AssertionError((siren, code))


def gaps(result) -> dict[tuple[str, int], int]:
    rows = result.reconciliation()
    found: dict[tuple[str, int], int] = defaultdict(int)
    for r in rows.itertuples():
        if r.Statut not in ("conforme", "membre inconnu"):  # nothing proposed for these
            found[(r.SIREN, int(r._4))] += euros(r._6) - euros(r._7)
    return dict(found)


def test_round_trip_through_helios(tmp_path, capsys):
    inputs = write_inputs(tmp_path / "in")
    first = run(inputs, tmp_path / "out", capsys=capsys)
    assert first.status == 0, first.err
    xml = aller_file(first.folder)
    data = xml.read_bytes()
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert pes_aller.problems(data) == []  # the vendored PES_Aller.xsd, 2.1.a
    assert "PES Aller : 4 titre(s)" in first.out and "prochain_titre = 1205" in first.out

    # Amounts per member and type = the report's gaps, except what is held back (CCAS A
    # owes 5 € of type 1 only: below the 15 € threshold, it waits for a later month).
    due = gaps(first)
    held = _lines_of(pd.read_excel(first.folder / "titres_a_emettre_2026-11.xlsx",
                                   sheet_name="Sous le seuil", header=2, dtype=object,
                                   engine="calamine"))
    assert due.pop((CCAS_A, 1)) == 500
    assert list(held["SIREN"]) == [CCAS_A] and euros(held["Montant"][0]) == 500
    assert aller_totals(data) == due
    sheet = read_sheet(first.folder / "titres_a_emettre_2026-11.xlsx", "Titres à émettre")
    issued = _lines_of(sheet)
    assert set(issued["Nature"]) == {"à émettre"}
    assert sum(euros(m) for m in issued["Montant"]) == sum(due.values())
    totals = {r["SIREN"]: euros(r["Montant"]) for _, r in sheet.iterrows()
              if str(r["SIREN"]).startswith("Total")}
    assert totals == {"Total des titres": sum(due.values()),
                      "Total des réductions et annulations": 0,
                      "Total net": sum(due.values())}
    # each row names its bordereau and titre in the PES Aller (one piece per member)
    pieces = {(t.find("BlocPiece/IdPce").get("V"),
               t.find("LigneDePiece/Tiers/InfoTiers/IdTiers").get("V"))
              for t in etree.fromstring(data, SAFE).iter("Piece")}
    assert {(str(int(r["N° de titre"])), r["SIREN"]) for _, r in issued.iterrows()} == pieces
    assert set(issued["Bordereau"].astype(int)) == {41}
    type1 = issued[issued["Type de frais"] == 1]
    assert all(o.startswith("[C2026] Frais de procédure 2026") for o in type1["Objet"])
    # written for the member: tariffs in words and prices, never a sheet reference
    assert not any("Bareme" in o or "à émettre" in o for o in issued["Objet"])
    assert all(o.endswith("délibération n° 2025-40 du 12/12/2025 – détail au relevé de "
                          "compte") for o in issued["Objet"])
    assert all(len(o) <= 160 for o in issued["Objet"])

    # Hélios answers: all taken in charge but Commune B's titre, rejected; Commune A's
    # type-2 line partly collected before the as-of date (30 €) and after it (20 €).
    root = etree.fromstring(data, SAFE)
    numbers = {p.find("LigneDePiece/Tiers/InfoTiers/IdTiers").get("V"):
               p.find("BlocPiece/IdPce").get("V") for p in root.iter("Piece")}
    answer = from_aller(data, rejected={numbers[COMMUNE_B]}, recos={
        line_of(root, COMMUNE_A, "GC2"): [("2026-11-15", "30.00"), ("2026-12-05", "20.00")],
        line_of(root, EPCI, "GC2"): [("2026-11-20", "1000.00")]})
    assert schema_errors(answer, XSD) == []  # the vendored PES Retour 2.0 schema
    (inputs / "PERET2_2026-11.xml").write_bytes(answer)

    second = run(inputs, tmp_path / "out2", capsys=capsys)
    assert second.status == 0, second.err
    rows = second.reconciliation()
    assert "État Hélios" in rows.columns
    rejected = rows[rows["SIREN"] == COMMUNE_B]
    assert set(rejected["Statut"]) == {"à émettre"}
    assert all("04 rejeté (motif 05)" in s for s in rejected["État Hélios"])
    others = rows[(rows["SIREN"] != COMMUNE_B) & (rows["SIREN"] != CCAS_A)]
    assert set(others["Statut"]) == {"conforme"}
    assert all("02 pris en charge" in s for s in others["État Hélios"])
    collected = {(r.SIREN, int(r._4)): euros(r.Encaissé) for r in rows.itertuples()}
    assert collected[(COMMUNE_A, 2)] == 3000  # the 20 € of December are not counted yet
    assert collected[(EPCI, 2)] == 100000
    again = _lines_of(read_sheet(second.folder / "titres_a_emettre_2026-11.xlsx",
                                 "Titres à émettre"))
    assert set(again["SIREN"]) == {COMMUNE_B}
    assert set(again["Nature"]) == {"à émettre"}
    control = read_sheet(second.report_path, "Contrôle")
    assert control.astype(str).apply(
        lambda c: c.str.contains("PERET2_2026-11.xml")).any().any()

    # December: the 20 € collected on 5 December now count.
    december = run(inputs, tmp_path / "out3", month="2026-12", capsys=capsys)
    rows = december.reconciliation()
    assert {(r.SIREN, int(r._4)): euros(r.Encaissé)
            for r in rows.itertuples()}[(COMMUNE_A, 2)] == 5000


def test_the_pes_aller_is_reproducible_and_reductions_are_linked(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("900", COMMUNE_A, 130),  # due 100 €: a réduction of 30 €
                     titre("901", SYNDICAT, 200), titre("902", SYNDICAT, 50)]  # due 200
    folder = write_inputs(tmp_path / "in", inputs)
    one = run(folder, tmp_path / "a", capsys=capsys)
    two = run(folder, tmp_path / "b", capsys=capsys)
    data = aller_file(one.folder).read_bytes()
    assert data == aller_file(two.folder).read_bytes()
    assert pes_aller.problems(data) == []
    root = etree.fromstring(data, SAFE)
    kinds = [b.find("BlocBordereau/TypBord").get("V") for b in root.iter("Bordereau")]
    assert kinds == ["01", "02"]
    links = {(r.getparent().getparent().find("Tiers/InfoTiers/IdTiers").get("V"),
              r.find("IdPceOrig").get("V")) for r in root.iter("RattachPiece")}
    assert links == {(COMMUNE_A, "900"), (SYNDICAT, "902")}
    issued = _lines_of(read_sheet(one.folder / "titres_a_emettre_2026-11.xlsx",
                                  "Titres à émettre"))
    credits = issued[issued["Montant"] < 0].set_index("SIREN")
    assert credits.loc[COMMUNE_A, "Nature"] == "réduction"
    assert euros(credits.loc[COMMUNE_A, "Montant"]) == -3000
    assert credits.loc[SYNDICAT, "Nature"] == "annulation"  # the whole of titre 902
    assert credits.loc[SYNDICAT, "Titres d'origine"] == "902"


def test_without_parameters_no_pes_aller_and_it_is_said(tmp_path, capsys):
    result = run(write_inputs(tmp_path / "in", parameters=None), tmp_path / "out",
                 capsys=capsys)
    assert result.status == 0
    assert aller_file(result.folder) is None
    assert (result.folder / "titres_a_emettre_2026-11.xlsx").exists()
    assert "PES Aller non écrit" in result.out and "siret_coordonnateur" in result.out
    summary = result.sheet("Synthèse").astype(str)
    assert summary.apply(lambda c: c.str.contains("paramètre\\(s\\) manquant")).any().any()
    assert result.sheet("Anomalies").empty  # no Parametres sheet: not set up, no warning
    unused = run(write_inputs(tmp_path / "in3", parameters={"seuil_recouvrement": 20}),
                 tmp_path / "out3", capsys=capsys)
    assert unused.sheet("Anomalies").empty  # no PES key at all: not set up either
    incomplete = run(write_inputs(tmp_path / "in2", parameters={"siret_coordonnateur":
                                                                "20004000000012"}),
                     tmp_path / "out2", capsys=capsys)
    warning = incomplete.sheet("Anomalies").iloc[0]
    assert (warning["Code"], warning["Feuille"], warning["Gravité"]) == (
        "parametre-manquant", "Parametres", "avertissement")
    assert "id_poste" in warning["Valeur"].split(", ")  # the keys still missing


def line(code="GC2", mt="100.00", tiers=("02", COMMUNE_A), objet="", **extra) -> dict:
    return {"code": code, "mt": mt, "tiers": tiers, "objet": objet, **extra}


def test_hand_written_retour_files(tmp_path, capsys):
    """SIRET and SIREN debtors, two files (one ISO-8859-1), collections, a type-1 line
    whose consultation is in the piece's object."""
    folder = write_inputs(tmp_path / "in")
    (folder / "flux-octobre.xml").write_bytes(retour([
        {"pce": "7", "lines": [line(tiers=("01", COMMUNE_A + "00017"), tot="60.00")]},
        {"pce": "8", "objet": "Frais de procédure été [C2026]", "lines": [
            line(code="GC1", mt="30.00", tiers=("02", COMMUNE_A))]},
    ], encoding="ISO-8859-1"))
    (folder / "flux-novembre.xml").write_bytes(retour([
        {"pce": "9", "bord": 2, "lines": [line(mt="500.00", tiers=("02", COMMUNE_B),
                                               recos=[("2026-11-02", "500.00")])]},
    ]))
    assert b"\xe9t\xe9" in (folder / "flux-octobre.xml").read_bytes()  # Latin-1 « été »
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    rows = result.reconciliation().set_index(["SIREN", "Type de frais"])
    assert rows.loc[(COMMUNE_A, 2), "Statut"] == "conforme"
    assert euros(rows.loc[(COMMUNE_A, 2), "Encaissé"]) == 6000  # MtRecoTot, no detail
    assert rows.loc[(COMMUNE_A, 1), "Titres"] == "8"
    assert rows.loc[(COMMUNE_A, 1), "Statut"] == "conforme"
    assert euros(rows.loc[(COMMUNE_B, 2), "Encaissé"]) == 50000


def test_lines_that_are_not_ours_are_counted_and_skipped_with_one_warning(tmp_path, capsys):
    """A real flow carries every titre of the budget: another product code, a private
    person without identifier, another budget — counted, never copied, never blocking."""
    folder = write_inputs(tmp_path / "in")
    (folder / "retour.xml").write_bytes(retour([
        {"pce": "7", "lines": [line(), line(code="ZZ9", ligne=2, mt="777.77",
                                            tiers=("02", COMMUNE_B))]},
        {"pce": "8", "lines": [line(code="300", mt="274.05", tiers=None)]},
        {"pce": "9", "lines": [line(mt="55.55", tiers=None)]},
    ]))
    other = retour([{"pce": "3", "lines": [line(mt="99.99")]}])
    (folder / "autre-budget.xml").write_bytes(other.replace(b'CodBud V="01"',
                                                            b'CodBud V="02"'))
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    warnings = result.sheet("Anomalies")
    skipped = warnings[warnings["Code"] == "pes-retour-hors-perimetre"]
    assert sorted(zip(skipped["Fichier"], skipped["Valeur"].astype(int), strict=True)) == [
        ("autre-budget.xml", 1), ("retour.xml", 3)]
    message = skipped[skipped["Fichier"] == "retour.xml"]["Message"].iloc[0]
    assert "2 d'un autre produit" in message and "1 de débiteurs sans SIREN" in message
    rows = result.reconciliation()
    assert set(rows["Titres"].dropna().astype(str)) == {"7"}
    report = " ".join(str(v) for name in ("Rapprochement", "Synthèse")
                      for v in result.sheet(name).to_numpy().ravel())
    for amount in ("777,77", "777.77", "274,05", "55,55", "99,99"):
        assert amount not in report


def test_unmappable_lines_are_errors_never_dropped(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    (folder / "retour.xml").write_bytes(retour([
        {"pce": "7", "lines": [line(tiers=None)]},
        {"pce": "8", "lines": [line(code="GC1", objet="sans consultation")]},
        {"pce": "9", "lines": [line(code="GC1", objet="[C1999] inconnue")]},
        {"pce": "10", "lines": [line(tiers=("01", "123"))]},
        {"pce": "11", "lines": [line(mt="12,50", tiers=("02", COMMUNE_B))]},
        {"pce": "12", "lines": [line(tiers=("02", EPCI), tot="1.234",
                                     recos=[("30/11/2026", "1.00")])]},
    ]))
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    found = sorted(map(tuple, result.anomalies()[["Code", "Valeur"]].values.tolist()))
    assert found == sorted([("pes-retour-hors-perimetre", "1"),  # no debtor id: not ours
                            ("consultation-manquante", "sans consultation"),
                            ("consultation-inconnue", "[C1999] inconnue"),
                            ("debiteur-invalide", "123"),
                            ("valeur-invalide", "12,50"), ("valeur-invalide", "1.234"),
                            ("valeur-invalide", "30/11/2026")])


def test_a_titre_in_both_sources_is_an_error(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("7", COMMUNE_A, 100)]
    folder = write_inputs(tmp_path / "in", inputs)
    (folder / "retour.xml").write_bytes(retour([{"pce": "7", "lines": [line()]}]))
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    assert "titre-en-double" in set(errors["Code"])


def test_pes_retour_needs_the_product_codes(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", parameters={"seuil_recouvrement": 15})
    (folder / "retour.xml").write_bytes(retour([{"pce": "7", "lines": [line()]}]))
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    assert "code_produit_type_1, code_produit_type_2" in result.err


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<n:PES_Retour xmlns:n="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour">&lol2;
</n:PES_Retour>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://example.invalid/pes.dtd"><PES_Retour/>"""


@pytest.mark.parametrize(("data", "code"), [
    (BOMB, "xml-dtd"), (EXTERNAL, "xml-dtd"),
    (b"<PES_Retour><PES_RecetteRetour>", "xml-illisible"), (b"\x00\x01binaire", "xml-illisible")])
def test_hostile_or_damaged_xml_is_refused_in_french(tmp_path, capsys, data, code):
    folder = write_inputs(tmp_path / "in")
    (folder / "retour.xml").write_bytes(data)
    before = (folder / "retour.xml").read_bytes()
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    error = result.anomalies().iloc[0]
    assert (error["Code"], error["Fichier"]) == (code, "retour.xml")
    assert "Traceback" not in result.err
    assert (folder / "retour.xml").read_bytes() == before


def test_other_xml_files_are_ignored_with_a_warning(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    (folder / "notes.xml").write_bytes(b"<?xml version='1.0'?><notes/>")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0
    warnings = result.sheet("Anomalies")
    assert warnings[["Code", "Fichier"]].values.tolist() == [["xml-ignore", "notes.xml"]]


def test_an_oversized_xml_is_refused(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    (folder / "retour.xml").write_bytes(b"<PES_Retour>" + b" " * (2**20 + 10) + b"</PES_Retour>")
    result = run(folder, tmp_path / "out", capsys=capsys, extra=["--max-fichier-mo", "1"])
    assert result.status == 2
    assert result.anomalies()[["Code", "Fichier"]].values.tolist() == [
        ["fichier-trop-gros", "retour.xml"]]


def test_bad_parameter_values_are_errors_at_their_cell(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", parameters={
        **PARAMETERS, "code_produit_type_1": "TROP-LONG", "prochain_titre": "abc",
        "inconnu": "x"})
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    located = {(r.Feuille, int(r.Ligne), r.Colonne, r.Gravité) for r in errors.itertuples()}
    assert ("Parametres", 8, "Valeur", "erreur") in located
    assert ("Parametres", 12, "Valeur", "erreur") in located
    assert ("Parametres", 15, "Paramètre", "avertissement") in located


def test_reconciliation_ignores_rejected_titres_but_lists_them(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    (folder / "retour.xml").write_bytes(retour([
        {"pce": "7", "etat": "04", "rej": "12", "lines": [line()]},
        {"pce": "8", "etat": "06", "lines": [line(tiers=("02", COMMUNE_B), mt="500.00")]},
    ]))
    result = run(folder, tmp_path / "out", capsys=capsys, extra=["--releves"])
    rows = result.reconciliation().set_index(["SIREN", "Type de frais"])
    assert rows.loc[(COMMUNE_A, 2), "Statut"] == "à émettre"
    assert rows.loc[(COMMUNE_A, 2), "État Hélios"] == "7 : 04 rejeté (motif 12)"
    assert rows.loc[(COMMUNE_B, 2), "État Hélios"] == "8 : 06 annulé"
    assert euros(rows.loc[(COMMUNE_B, 2), "Montant titré"]) == 0
    assert pd.isna(rows.loc[(COMMUNE_A, 2), "Titres"]) or rows.loc[
        (COMMUNE_A, 2), "Titres"] in ("", None)
    statement = openpyxl.load_workbook(result.folder / "releves" / f"releve_{COMMUNE_A}.xlsx")
    text = [c for row in statement["Relevé"].iter_rows(values_only=True) for c in row]
    assert "Aucun titre émis sur l'exercice." in text  # the rejected titre is not one
    digest = hashlib.sha256((folder / "retour.xml").read_bytes()).hexdigest()
    control = result.sheet("Contrôle").astype(str)
    assert control.apply(lambda c: c.str.fullmatch(digest)).any().any()


def test_the_statement_is_the_supporting_document(tmp_path, capsys):
    result = run(write_inputs(tmp_path / "in"), tmp_path / "out", capsys=capsys,
                 extra=["--releves"])
    assert result.status == 0, result.err
    statement = openpyxl.load_workbook(result.folder / "releves" / f"releve_{COMMUNE_A}.xlsx")
    text = " ".join(str(c) for row in statement["Relevé"].iter_rows(values_only=True)
                    for c in row if c)
    assert "bases de liquidation" in text and "Bareme, ligne" not in text
    assert "deux mois" in text and "L1617-5" in text
    aller = aller_file(result.folder).read_bytes()
    objects = re.findall(rb'<ObjPce V="([^"]*)"', aller)
    assert objects and all(b"d\xe9tail au relev\xe9 de compte 2026" in o for o in objects)
    assert not any(b".xlsx" in o or b"releve_" in o for o in objects)  # no file name


def test_the_piece_object_says_what_the_titre_is_in_words():
    """The avis des sommes à payer shows ObjPce: what is billed or corrected, for whom,
    where the detail is; a long name is shortened before a word (issue 19, item 4)."""
    assert pes_aller.piece_object(2026, "Freneuse", set()) == (
        "Frais du groupement de commandes 2026 - Freneuse - détail au relevé de compte 2026")
    assert pes_aller.piece_object(2026, "CCAS", {"réduction", "annulation"}).startswith(
        "Annulation et réduction de titre - frais du groupement de commandes 2026 - CCAS")
    name = "Syndicat intercommunal à vocation multiple " + "de la vallée " * 12
    text = pes_aller.piece_object(2026, name, {"annulation"})
    assert len(text) <= 160 and text.endswith("… - détail au relevé de compte 2026")
    assert text.split(" - ")[2].rstrip("…") in name and " de la vallée" in text


def test_long_objects_stay_within_the_schema_once_in_latin1(tmp_path, capsys):
    inputs = base()
    for tariff in inputs.bareme:  # « € » and « – » grow when written in ISO-8859-1
        tariff["Libellé"] = "Tarif – " + "très long libellé € " * 10
    result = run(write_inputs(tmp_path / "in", inputs), tmp_path / "out", capsys=capsys)
    data = aller_file(result.folder).read_bytes()
    assert pes_aller.problems(data) == []
    objects = [e.get("V") for e in etree.fromstring(data, SAFE).iter("ObjLignePce")]
    # a tariff too long for the object is left whole to the statement, never cut
    assert objects and all(len(o) <= 160 and o.endswith("détail au relevé de compte")
                           and "très long" not in o for o in objects)
    assert all(o.startswith("[C2026]") for o in objects if "procédure" in o)


def test_round_trip_on_the_bundled_sample(tmp_path, capsys):
    """The sample (its own Parametres; its titres renumbered here with text numbers, as
    some finance suites export them): every gap is in the PES Aller but what is held back
    or must be typed by hand, and Hélios' answer makes every line conforme."""
    folder = tmp_path / "in"
    shutil.copytree(ROOT / "inputs", folder)
    workbook = openpyxl.load_workbook(folder / "titres.xlsx")
    sheet = workbook["Titres"]
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.value = f"T-{cell.value}"
    workbook.save(folder / "titres.xlsx")
    first = run(folder, tmp_path / "out", capsys=capsys)
    assert first.status == 0, first.err
    data = aller_file(first.folder).read_bytes()
    assert pes_aller.problems(data) == []
    book = first.folder / "titres_a_emettre_2026-11.xlsx"
    issued = _lines_of(read_sheet(book, "Titres à émettre"))
    held = _lines_of(pd.read_excel(book, sheet_name="Sous le seuil", header=2, dtype=object,
                                   engine="calamine"))
    by_hand = issued[issued["Montant"] < 0]  # their titres have text numbers (T2026-…)
    assert len(by_hand) and not by_hand["Titres d'origine"].str.fullmatch(r"\d+").any()
    expected = gaps(first)
    for frame in (held, by_hand):
        for r in frame.itertuples():
            expected[(r.SIREN, int(r._5))] -= euros(r.Montant)
    assert aller_totals(data) == {k: v for k, v in expected.items() if v}
    (folder / "PERET2.xml").write_bytes(from_aller(data, rejected=set(), recos={}))
    second = run(folder, tmp_path / "out2", capsys=capsys)
    assert second.status == 0, second.err
    rows = second.reconciliation()
    left = {(r.SIREN, int(r._4)) for r in rows.itertuples() if r.Statut != "conforme"}
    assert left == {(r.SIREN, int(r._5)) for f in (held, by_hand) for r in f.itertuples()} | {
        (r.SIREN, int(r._4)) for r in rows.itertuples() if r.Statut == "membre inconnu"}


def test_check_reports_pes_errors_without_writing(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    (folder / "retour.xml").write_bytes(retour([{"pce": "7", "lines": [
        line(tiers=("02", "123456789"))]}]))  # our product, a SIREN with a wrong key
    status = main(["check", "--mois", "2026-11", "--inputs", str(folder)])
    assert status == 2
    assert "identifiant du débiteur « 123456789 »" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == [
        "bareme.xlsx", "membres.xlsx", "retour.xml", "souscriptions.xlsx", "titres.xlsx"]


def test_parameter_keys_ignore_case_and_spaces(tmp_path, capsys):
    renamed = {k.upper().replace("_", " "): v for k, v in PARAMETERS.items()}
    result = run(write_inputs(tmp_path / "in", parameters=renamed), tmp_path / "out",
                 capsys=capsys)
    assert result.status == 0, result.err
    assert aller_file(result.folder) is not None


HAND_WRITTEN = """<?xml version="1.0" encoding="ISO-8859-1"?>
<PES_Retour xmlns="http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour">
 <Enveloppe><Parametres><Version V="2"/><TypFic V="PERET2"/><NomFic V="x"/></Parametres>
 </Enveloppe>
 <EnTetePES><DteStr V="2026-11-28"/><IdPost V="078000"/><CodCol V="123"/></EnTetePES>
 <PES_RecetteRetour>
  <EnTeteRecette><IdVer V="2"/><NatInf V="2"/></EnTeteRecette>
  <Bordereau>
   <BlocBordereau><Exer V="2026"/><IdBord V="0000031"/><DteBordEm V="2026-06-01"/>
    <TypBord V="01"/><NbrPce V="1"/><MtBordHt V="130.00"/></BlocBordereau>
   <Piece>
    <BlocPiece><IdPce V="0000512"/><TypPce V="01"/><NatPce V="01"/>
     <ObjPce V="Frais du groupement \xe9t\xe9 2026"/><EtatPce V="03"/></BlocPiece>
    <LigneDePiece>
     <BlocLignePiece>
      <InfoLignePiece><IdLigne V="1"/><ObjLignePce V="Proc\xe9dure [C2026]"/>
       <CodProdLoc V="GC1"/><MtHT V="30"/></InfoLignePiece>
      <InfoAmiableContentieux><EtPce V="00"/><DteEtPce V="2026-07-01"/></InfoAmiableContentieux>
      <InfoAmiableContentieux><EtPce V="01"/><DteEtPce V="2026-09-01"/></InfoAmiableContentieux>
     </BlocLignePiece>
     <Tiers><InfoTiers><IdTiers V="{siret}"/><NatIdTiers V="01"/><CatTiers V="23"/>
      <NatJur V="09"/><TypTiers V="01"/><Nom V="Commune A"/></InfoTiers></Tiers>
    </LigneDePiece>
    <LigneDePiece>
     <BlocLignePiece>
      <InfoLignePiece><IdLigne V="2"/><CodProdLoc V="GC2"/><MtHT V="100.00"/></InfoLignePiece>
      <InfoSuspPour><CodSuspPour V="12"/><DteSuspPour V="2026-10-01"/></InfoSuspPour>
     </BlocLignePiece>
     <Tiers><InfoTiers><IdTiers V="{siren}"/><NatIdTiers V="02"/><CatTiers V="23"/>
      <NatJur V="09"/><TypTiers V="01"/><Nom V="Commune A"/></InfoTiers></Tiers>
    </LigneDePiece>
   </Piece>
  </Bordereau>
 </PES_RecetteRetour>
</PES_Retour>
"""


def test_a_hand_written_latin1_file_with_qualified_children(tmp_path):
    """Every element in the default namespace, zero-padded numbers, amounts without
    decimals, two recovery steps, a write-off request: read as Hélios means it."""
    folder = tmp_path / "in"
    folder.mkdir()
    text = HAND_WRITTEN.format(siret=COMMUNE_A + "00017", siren=COMMUNE_A)
    (folder / "PERET2_main.xml").write_bytes(text.encode("latin-1"))
    files, _, problems = pes_retour.find(folder, Limits())
    assert problems == [] and len(files[0].lines) == 2
    parameters = read_parameters(None)[0]
    parameters.values.update(code_produit_type_1="GC1", code_produit_type_2="GC2")
    frame, problems = pes_retour.to_titres(files, parameters, {"C2026"},
                                           pd.Timestamp("2026-11-30"))
    assert problems == []
    first, second = frame.to_dict("records")
    assert (first["numero"], first["id_bord"], first["siren"], first["type_frais"],
            first["consultation"], first["montant"]) == ("512", "0000031", COMMUNE_A, 1,
                                                          "C2026", 3000)
    assert first["etape_recouvrement"] == "01 lettre de rappel"
    assert first["etat_helios"] == "03 prise en charge partielle" and first[
        "counts_as_invoiced"]
    assert (second["type_frais"], second["montant"], second["admission_non_valeur"]) == (
        2, 10000, "demandée")
    assert str(first["date_emission"].date()) == "2026-06-01"


def test_the_reminder_delay_written_in_parametres_wins_over_the_option(tmp_path, capsys):
    """An unpaid titre 243 days old: reminded after 30 days (option), not after the 300
    days the officer wrote in the sheet; the default 60 of an unwritten key is no choice."""
    def letters(parameters: dict, folder: str) -> list[str]:
        inputs = base()
        inputs.titres = [titre("T1", COMMUNE_A, 100)]
        result = run(write_inputs(tmp_path / folder, inputs, parameters), tmp_path / "out",
                     capsys=capsys, extra=["--relances", "--delai-relance", "30"])
        assert result.status == 0, result.err
        return sorted(p.name for p in (result.folder / "relances").glob("relance_*.xlsx"))

    assert letters({**PARAMETERS, "delai_relance": 300}, "sheet") == []
    assert letters(PARAMETERS, "option") == [f"relance_{COMMUNE_A}.xlsx"]


def test_a_debtor_without_address_stops_the_pes_aller_not_the_report(tmp_path, capsys):
    inputs = base()
    inputs.membres = [{**ADDRESS, **m} for m in inputs.membres]
    homeless = [m for m in inputs.membres if m["SIREN"] in (COMMUNE_B, SYNDICAT)]
    for m in homeless:
        m["Adresse"] = None
    inputs.membres[[m["SIREN"] for m in inputs.membres].index(EPCI)]["Code postal"] = None
    result = run(write_inputs(tmp_path / "in", inputs, addressed=False), tmp_path / "out",
                 capsys=capsys)
    assert result.status == 0, result.err
    assert result.report_path.exists() and aller_file(result.folder) is None
    assert (result.folder / "titres_a_emettre_2026-11.xlsx").exists()
    screen = result.out
    summary = " ".join(str(v) for v in result.sheet("Synthèse").to_numpy().ravel())
    for siren_ in (COMMUNE_B, SYNDICAT, EPCI):  # every member concerned, on both
        assert siren_ in screen and siren_ in summary
    warnings = result.sheet("Anomalies")
    concerned = warnings[warnings["Code"] == "adresse-manquante"]
    who = concerned["Message"].map(lambda m: next(s for s in (COMMUNE_B, SYNDICAT, EPCI)
                                                   if f"({s})" in m))
    assert sorted(who) == sorted([COMMUNE_B, SYNDICAT, EPCI])
    # the value shown is the empty cell's, never the SIREN beside « colonne Adresse »
    assert not concerned["Valeur"].fillna("").astype(str).str.strip().any()
    assert set(concerned["Fichier"]) == {"membres.xlsx"} and concerned["Ligne"].notna().all()
    columns = dict(zip(who, concerned["Colonne"], strict=True))
    assert columns == {COMMUNE_B: "Adresse", SYNDICAT: "Adresse", EPCI: "Code postal"}


def test_a_postal_code_typed_as_a_number_is_an_error_at_its_cell(tmp_path, capsys):
    inputs = base()
    inputs.membres = [{**ADDRESS, **m} for m in inputs.membres]
    inputs.membres[1]["Code postal"] = 1000  # 01000 typed as a number
    result = run(write_inputs(tmp_path / "in", inputs, addressed=False), tmp_path / "out",
                 capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    row = errors[errors["Code"] == "code-postal-invalide"].iloc[0]
    assert (row["Feuille"], int(row["Ligne"]), row["Colonne"]) == ("Membres", 3,
                                                                   "Code postal")


@pytest.mark.parametrize(("key", "value"), [
    ("id_poste", "78000"), ("id_poste", "0780000A"), ("code_collectivite", "12A"),
    ("code_collectivite", "1234"), ("code_budget", "1"), ("code_budget", "0A"),
    ("nature_type_1", "7087A"), ("prochain_titre", 123_456_789),
])
def test_parameter_formats_of_the_dossier_are_checked(tmp_path, capsys, key, value):
    result = run(write_inputs(tmp_path / "in", parameters={**PARAMETERS, key: value}),
                 tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    bad = errors[errors["Code"] == "parametre-invalide"]
    assert len(bad) == 1 and bad.iloc[0]["Message"].startswith(key), bad["Message"].tolist()


def test_accepted_parameter_formats(tmp_path, capsys):
    accepted = {**PARAMETERS, "id_poste": "02A1234", "code_budget": "B1",
                "code_collectivite": "012"}
    result = run(write_inputs(tmp_path / "in", parameters=accepted), tmp_path / "out",
                 capsys=capsys)
    assert result.status == 0, result.err
    data = aller_file(result.folder).read_bytes()
    root = etree.fromstring(data, SAFE)
    assert [root.find(f"EnTetePES/{n}").get("V") for n in ("IdPost", "CodCol", "CodBud")] == [
        "02A1234", "012", "B1"]


def test_nothing_held_back_is_said_in_words(tmp_path):
    """No sum under the threshold: « Sous le seuil » says so, no three totals of 0 €."""
    from reconcile.compute.issuance import COLUMNS as LINE_COLUMNS
    from reconcile.compute.issuance import Proposal
    from reconcile.render.titres_out import _render

    empty = pd.DataFrame(columns=LINE_COLUMNS)
    data = _render(str(tmp_path), Proposal(empty, empty, 1500), dt.datetime(2026, 11, 30),
                   "2026-11", {})
    book = openpyxl.load_workbook(io.BytesIO(data))
    said = [v for r in book["Sous le seuil"].iter_rows(values_only=True) for v in r if v]
    assert "Aucune somme retenue ce mois." in said
    assert not any(str(v).startswith("Total") for v in said)
