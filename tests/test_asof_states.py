"""The as-of date applies to what Hélios says too (issue 18 item 5, spécification
§4.5.1): a March rerun given November's PES Retour gives March's figures.

The same titres are answered twice by Hélios, as it would have on 31 March and on
30 November 2026 (2009 layout, written to disk and read by the tool): between the two, a
rejection dated 20/10, an annulation (undated: dated by its November flow), a
collection of 15/06, a mise en demeure of 01/09 and a write-off asked on 01/06. Rerun
for March with the November flow, every figure of the Rapprochement and the Restes à
recouvrer must be the one the March flow gives.
"""

from __future__ import annotations

import pandas as pd
import pytest
from lxml import etree
from pes_files import SAFE, retour
from test_pes import line, write_inputs
from workbooks import COMMUNE_A, COMMUNE_B, EPCI, SYNDICAT, euros, run

from reconcile.compute.asof import states_as_of

SHEETS = ("Rapprochement", "Restes à recouvrer")


def _flow(day: str, november: bool) -> bytes:
    pieces = [
        {"pce": "1", "etat": "04" if november else "02", "date": "2026-02-05",
         "lines": [line()]},
        {"pce": "2", "etat": "06" if november else "02", "date": "2026-02-05",
         "lines": [line(tiers=("02", COMMUNE_B), mt="500.00")]},
        {"pce": "3", "date": "2026-02-05", "lines": [line(
            tiers=("02", SYNDICAT), mt="200.00",
            recos=[("2026-02-20", "50.00"), *([("2026-06-15", "150.00")] if november
                                               else [])])]},
        {"pce": "4", "date": "2026-02-05", "lines": [line(tiers=("02", EPCI),
                                                           mt="1000.00")]},
        # a total without detailed collections: known as of its flow only
        {"pce": "5", "date": "2026-02-05", "lines": [line(
            tiers=("02", COMMUNE_A), code="GC1", mt="30.00", objet="[C2026]",
            **({"tot": "30.00"} if november else {}))]},
    ]
    root = etree.fromstring(retour(pieces, day=day), SAFE)
    for piece in root.iter("Piece"):
        bp = piece.find("BlocPiece")
        number = bp.find("IdPce").get("V")
        for old in bp.findall("DtePcePec") + bp.findall("DtePceRej"):
            bp.remove(old)
        etree.SubElement(bp, "DtePcePec").set("V", "2026-02-10")
        if november and number == "1":
            etree.SubElement(bp, "DtePceRej").set("V", "2026-10-20")
        if number == "4":
            bloc = piece.find("LigneDePiece/BlocLignePiece")
            for day_, step in [("2026-03-01", "01"), *([("2026-09-01", "03")] if november
                                                       else [])]:
                act = etree.SubElement(bloc, "InfoAmiableContentieux")
                etree.SubElement(act, "EtPce").set("V", step)
                etree.SubElement(act, "DteEtPce").set("V", day_)
            if november:
                suspension = etree.SubElement(bloc, "InfoSuspPour")
                etree.SubElement(suspension, "CodSuspPour").set("V", "12")
                etree.SubElement(suspension, "DteSuspPour").set("V", "2026-06-01")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _run(tmp_path, name: str, flow: bytes, month: str, capsys):
    folder = write_inputs(tmp_path / name / "in")
    (folder / "retour.xml").write_bytes(flow)
    result = run(folder, tmp_path / name / "out", month=month, capsys=capsys)
    assert result.status == 0, result.err
    return result


def test_march_rerun_with_novembers_flow_gives_marchs_figures(tmp_path, capsys):
    march = _run(tmp_path, "march", _flow("2026-03-31", False), "2026-03", capsys)
    rerun = _run(tmp_path, "rerun", _flow("2026-11-30", True), "2026-03", capsys)
    for sheet in SHEETS:
        pd.testing.assert_frame_equal(march.sheet(sheet), rerun.sheet(sheet), obj=sheet)
    rows = rerun.reconciliation().query("`Type de frais` == 2").set_index("SIREN")
    assert rows.loc[COMMUNE_A, "État Hélios"] == "1 : 02 pris en charge"
    assert rows.loc[COMMUNE_B, "État Hélios"] == "2 : 02 pris en charge"
    assert euros(rows.loc[SYNDICAT, "Encaissé"]) == 5000
    type1 = rerun.reconciliation().query("`Type de frais` == 1").set_index("SIREN")
    assert euros(type1.loc[COMMUNE_A, "Encaissé"]) == 0  # MtRecoTot of a November flow
    assert rows.loc[EPCI, "État Hélios"] == "4 : 02 pris en charge, 01 lettre de rappel"
    restes = rerun.sheet("Restes à recouvrer").set_index("SIREN")
    assert restes.loc[EPCI, "Admission en non-valeur"] in ("", None)
    assert restes.loc[EPCI, "Date de prescription"].date().isoformat() == "2030-02-10"
    assert restes.loc[EPCI, "Base de la prescription"] == (
        "4 ans après prise en charge du 10/02/2026")  # the later mise en demeure: not yet
    synthese = rerun.sheet("Synthèse").astype(str)
    assert synthese.apply(lambda c: c.str.contains(
        "1 encaissement(s) datés après, 4 état(s), étape(s) ou admission(s) en non-valeur "
        "du PES Retour datés après",
        regex=False)).any().any()


def test_november_run_applies_novembers_states(tmp_path, capsys):
    november = _run(tmp_path, "nov", _flow("2026-11-30", True), "2026-11", capsys)
    rows = november.reconciliation().query("`Type de frais` == 2").set_index("SIREN")
    assert rows.loc[COMMUNE_A, "État Hélios"].startswith("1 : 04 rejeté")
    assert rows.loc[COMMUNE_A, "Statut"] == "à émettre"
    assert rows.loc[COMMUNE_B, "État Hélios"] == "2 : 06 annulé"
    assert euros(rows.loc[SYNDICAT, "Encaissé"]) == 20000
    type1 = november.reconciliation().query("`Type de frais` == 1").set_index("SIREN")
    assert euros(type1.loc[COMMUNE_A, "Encaissé"]) == 3000
    assert rows.loc[EPCI, "État Hélios"] == "4 : 02 pris en charge, 03 mise en demeure"
    restes = november.sheet("Restes à recouvrer").set_index("SIREN")
    assert restes.loc[EPCI, "Admission en non-valeur"] == "demandée"
    assert restes.loc[EPCI, "Date de prescription"].date().isoformat() == "2030-09-01"
    assert restes.loc[EPCI, "Base de la prescription"] == (
        "4 ans après mise en demeure du 01/09/2026 (acte interruptif)")


def _day(text):
    return pd.Timestamp(text) if text else pd.NaT


STATE_ROWS = [
    # (id, state, motif, prise en charge, date of state, write-off, its date, acts,
    #  → state, counts, write-off, step), as of 31/03/2026
    ("rejected-later", "04 rejeté", "05", "2026-02-10", "2026-10-20", "", "", (),
     "02 pris en charge", True, "", ""),
    ("cancelled-in-a-later-flow", "06 annulé", "", "", "2026-11-30", "", "", (),
     "01 en instance", True, "", ""),
    ("taken-later", "02 pris en charge", "", "2026-04-15", "2026-04-15", "", "", (),
     "01 en instance", True, "", ""),
    ("rejected-by-then", "04 rejeté", "05", "", "2026-03-31", "", "", (),
     "04 rejeté", False, "", ""),
    ("write-off-later", "02 pris en charge", "", "2026-02-10", "2026-02-10", "prononcée",
     "2026-06-01", (), "02 pris en charge", True, "", ""),
    ("write-off-by-then", "02 pris en charge", "", "2026-02-10", "2026-02-10", "demandée",
     "2026-03-01", (), "02 pris en charge", True, "demandée", ""),
    ("acts-by-then-only", "02 pris en charge", "", "2026-02-10", "2026-02-10", "", "",
     ((pd.Timestamp("2026-03-01").date(), "01 lettre de rappel"),
      (pd.Timestamp("2026-09-01").date(), "03 mise en demeure")),
     "02 pris en charge", True, "", "01 lettre de rappel"),
]


@pytest.mark.parametrize(("state", "motif", "taken", "dated", "write_off", "written_off",
                          "acts", "then", "counts", "write_off_then", "step"),
                         [pytest.param(*row[1:], id=row[0]) for row in STATE_ROWS])
def test_states_as_of_table(state, motif, taken, dated, write_off, written_off, acts, then,
                            counts, write_off_then, step):
    titres = pd.DataFrame({
        "etat_helios": [state], "motif_rejet": [motif], "counts_as_invoiced": [
            not state.startswith(("04", "06"))],
        "date_prise_en_charge": [_day(taken)], "date_etat": [_day(dated)],
        "admission_non_valeur": [write_off], "date_admission": [_day(written_off)],
        "actes": [acts], "etape_recouvrement": [acts[-1][1] if acts else ""]})
    got, _ = states_as_of(titres, pd.Timestamp("2026-03-31"))
    row = got.iloc[0]
    assert (row["etat_helios"], bool(row["counts_as_invoiced"]),
            row["admission_non_valeur"], row["etape_recouvrement"]) == (
        then, counts, write_off_then, step)
    if then != state:
        assert row["motif_rejet"] == ""
