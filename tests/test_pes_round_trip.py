"""Three exercises month by month with PES round trips (issue 18, held out by a year of
PES exchanges): every PES Aller the tool writes is answered by a v5.19 PES Retour of that
flow (tests/pes_files.py ``retour_519``), dropped in the inputs with an acquit before the
next month, as a centre de gestion lives it.

The groupement is ``workbooks.base()`` (type 2: Commune A 100 €, Commune B 500 €,
Syndicat 200 €, EPCI 1 000 €, CCAS exonerated (R1); from 2026 the consultation C2026 adds
type 1: 30, 30, 5, 20 and 40 €). The plan, and what is checked by hand:

* 2025-03 — bordereau 01 n° 41, titres 1201 (A), 1202 (B), 1203 (S), 1204 (E) of 2025.
  Hélios rejects 1202, takes the rest in charge on 25/03/2025; A pays 100 € on 10/04/2025;
  the same flow carries a P503 (75 € received from the EPCI), a line of another product
  (bordereau 45, titre 1300 of the budget) and a private person.
* 2025-11 — only B's 500 € again: bordereau 46, titre 1301 (never 41 nor 1202, nor
  the other product's bordereau 45 and titre 1300 that the Retour shows on the budget).
* 2026-03 — a new exercise restarts at the parameters: bordereau 41, titres 1201–1204 of
  2026 (two lines each, 5 € of the CCAS held under the threshold). Taken in charge on
  25/03/2026; the EPCI pays 500 € of its type-2 line on 27/03/2026.
* 2026-11 — the EPCI is exonerated of type 1 for 2026 (voted): a titre correctif on
  bordereau 02 n° 7, linked to line 1 of titre 1204 of 2026; a flow of 15/10/2026 says
  titre 1203 of 2026 (Syndicat) is cancelled (EtatPce 05 in v5.19): 220 € again, on
  bordereau 42, titre 1205 of 2026. The acquit rejects bordereau 02 n° 7.
* 2026-12 — the rejected titre correctif is proposed again; Évolutions against 2026-11.
* 2026-03 rerun after all this gives 2026-03's figures (as a run with only the flows
  known then).
* 2027-02 — a third exercise: bordereau 41, titre 1201 of 2027 again; the 2025 and 2026
  titres in Exercices antérieurs, prescribed four years after their prise en charge.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from lxml import etree
from pes_files import SAFE, retour_519
from test_pes import PARAMETERS, write_inputs
from test_pes_real import acquit_of
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    EPCI,
    SYNDICAT,
    Result,
    base,
    euros,
    run,
    write_book,
)

pytestmark = pytest.mark.slow
NAMES = {COMMUNE_A: "Commune A", COMMUNE_B: "Commune B", SYNDICAT: "Syndicat S",
         EPCI: "EPCI E", CCAS_A: "CCAS de A"}


def sent(folder: Path, month: str) -> tuple[Path, list[dict]]:
    """The month's PES Aller and its lines: exercice, TypBord, IdBord, IdPce, IdLigne,
    SIREN, CodProdLoc, cents, and the RattachPiece of a titre correctif."""
    found = sorted(folder.glob(f"PESALR2_{month}_T*.xml"))
    assert len(found) == 1, found
    root = etree.fromstring(found[0].read_bytes(), SAFE)
    lines = []
    for bordereau in root.iter("Bordereau"):
        bloc = bordereau.find("BlocBordereau")
        for piece in bordereau.iterfind("Piece"):
            for ligne in piece.iterfind("LigneDePiece"):
                info = ligne.find("BlocLignePiece/InfoLignePiece")
                link = ligne.find("BlocLignePiece/RattachPiece")
                lines.append({
                    "exer": int(bloc.find("Exer").get("V")),
                    "typbord": bloc.find("TypBord").get("V"),
                    "bord": int(bloc.find("IdBord").get("V")),
                    "pce": int(piece.find("BlocPiece/IdPce").get("V")),
                    "ligne": int(info.find("IdLigne").get("V")),
                    "siren": ligne.find("Tiers/InfoTiers/IdTiers").get("V"),
                    "code": info.find("CodProdLoc").get("V"),
                    "cents": int(Decimal(info.find("MtHT").get("V")) * 100),
                    "link": None if link is None else tuple(
                        link.find(n).get("V") for n in ("ExerRat", "IdPceOrig",
                                                        "IdLigneOrig"))})
    return found[0], lines


def answer(lines: list[dict], pec: str, etat: dict[str, str] | None = None,
           paid: dict[tuple[str, str], tuple[str, str]] | None = None) -> list[dict]:
    """Hélios' v5.19 answer to ``lines`` (``sent``): each titre taken in charge on
    ``pec`` unless ``etat`` (SIREN → EtatPce) says otherwise; ``paid``: (SIREN, code) →
    (date, amount) of an EncaissementEmargement."""
    pieces: dict[tuple[int, int], dict] = {}
    for li in lines:
        piece = pieces.setdefault((li["exer"], li["pce"]), {
            "exer": li["exer"], "bord": li["bord"], "typbord": li["typbord"],
            "pce": str(li["pce"]), "pec": pec, "lines": [],
            "etat": (etat or {}).get(li["siren"], "02")})
        money = (paid or {}).get((li["siren"], li["code"]))
        piece["lines"].append({
            "ligne": li["ligne"], "code": li["code"], "mt": f"{li['cents'] / 100:.2f}",
            "tiers": ("02", li["siren"]), "nom": NAMES[li["siren"]].upper(),
            "emas": [("01", *money)] if money else []})
    return list(pieces.values())


STRANGERS = [  # a real flow carries every titre of the budget, not only ours
    # another product of the same budget, numbered beyond us by the finance software:
    # bordereau 45 and titre 1300 of 2025 are used numbers of the budget
    {"exer": 2025, "bord": 45, "pce": "1300", "pec": "2025-03-20", "lines": [
        {"code": "300", "mt": "61.00", "tiers": ("02", COMMUNE_A)}]},
    {"exer": 2025, "bord": 9, "pce": "89", "pec": "2025-03-20", "lines": [
        {"code": "GC2", "mt": "12.00", "cat": "01", "nom": "DUPONT JEAN"}]},  # a person
    {"exer": 2025, "typbord": "05", "bord": 1, "pce": "900123", "pec": "", "lines": [
        {"mt": "75.00", "tiers": ("01", EPCI + "00011"), "nom": "EPCI E",
         "emas": [("01", "2025-03-12", "75.00")]}]},  # P503: money before any titre
]


def write(folder: Path, exonerations: list[dict] | None = None) -> Path:
    """The inputs (addresses, Parametres) and, when voted, the Exonerations sheet."""
    inputs = base()
    write_inputs(folder, inputs)
    if exonerations:
        write_book(folder / "bareme.xlsx", {
            "Bareme": inputs.bareme, "Consultations": inputs.consultations,
            "Exonerations": exonerations,
            "Parametres": [{"Paramètre": k, "Valeur": v} for k, v in PARAMETERS.items()]})
    return folder


def month(folder: Path, reports: Path, which: str, extra: list[str] | None = None
          ) -> dict:
    """Run ``which`` and keep what it wrote before a later run replaces it."""
    result = run(folder, reports, month=which, extra=extra)
    assert result.status == 0, result.err
    return {"result": result, "out": result.out,
            **{name: result.sheet(name) for name in SHEETS if name in sheet_names(result)}}


SHEETS = ("Rapprochement", "Restes à recouvrer", "Exercices antérieurs", "Évolutions",
          "Anomalies", "Synthèse")


def sheet_names(result: Result) -> list[str]:
    return pd.ExcelFile(result.report_path, engine="calamine").sheet_names


def figures(rows: pd.DataFrame) -> list[tuple]:
    """(SIREN, exercice, type, dû, titré, encaissé, reste, statut, titres) of the
    Rapprochement, in cents."""
    return sorted((r["SIREN"], int(r["Exercice"]), int(r["Type de frais"]),
                   euros(r["Montant dû"]), euros(r["Montant titré"]), euros(r["Encaissé"]),
                   euros(r["Reste à recouvrer"]), r["Statut"], str(r["Titres"] or ""))
                  for _, r in rows.iterrows())


def outstanding(rows: pd.DataFrame) -> list[tuple]:
    """(exercice, numéro, SIREN, type, montant, encaissé, prescription, base) of the
    Restes à recouvrer."""
    return sorted((int(r["Exercice"]), str(r["Numéro"]), r["SIREN"], int(r["Type de frais"]),
                   euros(r["Montant"]), euros(r["Encaissé"]),
                   pd.Timestamp(r["Date de prescription"]).date(),
                   r["Base de la prescription"]) for _, r in rows.iterrows())


EXONERATED = [{"SIREN": EPCI, "Type frais": 1, "Exercice": 2026, "Motif": "convention"}]


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("year")
    folder, reports = write(tmp / "in"), tmp / "out"
    done: dict = {"folder": folder, "reports": reports}

    done["2025-03"] = month(folder, reports, "2025-03")
    xml, lines = sent(reports / "2025-03", "2025-03")
    done["sent 2025-03"] = lines
    (folder / "PES2R_2025-03.xml").write_bytes(retour_519(
        answer(lines, "2025-03-25", etat={COMMUNE_B: "04"},
               paid={(COMMUNE_A, "GC2"): ("2025-04-10", "100.00")}) + STRANGERS,
        day="2025-03-28"))
    (folder / "ACQUIT_2025-03.xml").write_bytes(acquit_of(xml.name, "41", accepted=True))

    done["2025-11"] = month(folder, reports, "2025-11")
    xml, lines = sent(reports / "2025-11", "2025-11")
    done["sent 2025-11"] = lines
    (folder / "PES2R_2025-11.xml").write_bytes(retour_519(
        answer(lines, "2025-11-25"), day="2025-11-28"))

    done["2026-03"] = month(folder, reports, "2026-03")
    xml, lines = sent(reports / "2026-03", "2026-03")
    done["sent 2026-03"] = lines
    (tmp / "sent").mkdir()
    done["2026-03 aller"] = Path(shutil.copy(xml, tmp / "sent"))
    march = answer(lines, "2026-03-25", paid={(EPCI, "GC2"): ("2026-03-27", "500.00")})
    (folder / "PES2R_2026-03.xml").write_bytes(retour_519(march, day="2026-03-28"))
    # In October Hélios says the Syndicat's titre of 2026 is cancelled (05 in v5.19).
    october = [p for p in answer(lines, "2026-03-25", etat={SYNDICAT: "05"})
               if p["lines"][0]["tiers"][1] == SYNDICAT]
    (folder / "PES2R_2026-10.xml").write_bytes(retour_519(october, day="2026-10-15"))

    write(folder, EXONERATED)
    done["2026-11"] = month(folder, reports, "2026-11")
    xml, lines = sent(reports / "2026-11", "2026-11")
    done["sent 2026-11"] = lines
    # Reception rejects the bordereau 02 (acquit), takes bordereau 42 in charge; in
    # December Commune A pays the type-1 line of its titre 1201 of 2026.
    (folder / "ACQUIT_2026-11.xml").write_bytes(acquit_of(xml.name, "7", accepted=False))
    december = answer([li for li in lines if li["typbord"] == "01"], "2026-11-25") + [
        p for p in answer(done["sent 2026-03"], "2026-03-25",
                          paid={(COMMUNE_A, "GC1"): ("2026-12-03", "30.00")})
        if p["pce"] == "1201"]
    (folder / "PES2R_2026-12.xml").write_bytes(retour_519(december, day="2026-12-10"))
    done["2026-12"] = month(folder, reports, "2026-12", extra=["--relances"])
    done["sent 2026-12"] = sent(reports / "2026-12", "2026-12")[1]
    # January: the titre correctif sent again in December is taken in charge.
    (folder / "PES2R_2027-01.xml").write_bytes(retour_519(
        answer(done["sent 2026-12"], "2027-01-08"), day="2027-01-12"))
    done["2026-03 rerun"] = month(folder, reports, "2026-03")
    done["2027-02"] = month(folder, reports, "2027-02", extra=["--relances"])
    done["2026-12 rerun"] = month(folder, reports, "2026-12")
    done["sent 2027-02"] = sent(reports / "2027-02", "2027-02")[1]

    # March 2026 as it was known then: the same inputs, only the flows of that time.
    then = write(tmp / "then", EXONERATED)
    for name in ("PES2R_2025-03.xml", "PES2R_2025-11.xml", "PES2R_2026-03.xml",
                 "ACQUIT_2025-03.xml"):
        (then / name).write_bytes((folder / name).read_bytes())
    for which in ("2025-03", "2025-11"):  # what was sent then (type 1 known from it)
        (tmp / "then-out" / which).mkdir(parents=True)
        shutil.copy(sent(reports / which, which)[0], tmp / "then-out" / which)
    (tmp / "then-out" / "2026-03").mkdir()
    shutil.copy(done["2026-03 aller"], tmp / "then-out" / "2026-03")
    done["2026-03 then"] = month(then, tmp / "then-out", "2026-03")
    return done


def numbers(lines: list[dict]) -> set[tuple]:
    return {(li["exer"], li["typbord"], li["bord"], li["pce"]) for li in lines}


def test_numbering_follows_per_exercise_and_bordereau_type_and_never_reuses(year):
    assert numbers(year["sent 2025-03"]) == {(2025, "01", 41, n) for n in range(1201, 1205)}
    # B's 500 € again, after the other product's bordereau 45 and titre 1300
    assert numbers(year["sent 2025-11"]) == {(2025, "01", 46, 1301)}
    assert numbers(year["sent 2026-03"]) == {(2026, "01", 41, n) for n in range(1201, 1205)}
    assert numbers(year["sent 2026-11"]) == {(2026, "01", 42, 1205), (2026, "02", 7, 1206)}
    # December: the titre correctif again, after every number already used in 2026
    assert numbers(year["sent 2026-12"]) == {(2026, "02", 8, 1207)}
    assert numbers(year["sent 2027-02"]) == {(2027, "01", 41, n) for n in range(1201, 1205)}
    pieces = [(li["exer"], li["pce"]) for key, lines in year.items()
              if key.startswith("sent") for li in lines if li["ligne"] == 1]
    assert len(pieces) == len(set(pieces)) == 4 + 1 + 4 + 2 + 1 + 4
    bordereaux = {(li["exer"], li["typbord"], li["bord"], key) for key, lines in year.items()
                  if key.startswith("sent") for li in lines}
    assert len({b[:3] for b in bordereaux}) == len(bordereaux)  # one month per IdBord


def test_the_titre_correctif_is_linked_to_the_original_line(year):
    [correctif] = [li for li in year["sent 2026-11"] if li["typbord"] == "02"]
    assert (correctif["siren"], correctif["code"], correctif["cents"]) == (EPCI, "GC1", 4000)
    assert correctif["link"] == ("2026", "1204", "1")  # line 1 of titre 1204 of 2026
    again = year["sent 2026-12"]
    assert [(li["siren"], li["cents"], li["link"]) for li in again] == [
        (EPCI, 4000, ("2026", "1204", "1"))]


def test_each_month_gives_the_hand_computed_figures(year):
    conforme, issue, indu = "conforme", "à émettre", "indu"
    assert figures(year["2025-03"]["Rapprochement"]) == [
        (COMMUNE_A, 2025, 2, 10000, 0, 0, 0, issue, ""),
        (COMMUNE_B, 2025, 2, 50000, 0, 0, 0, issue, ""),
        (SYNDICAT, 2025, 2, 20000, 0, 0, 0, issue, ""),
        (EPCI, 2025, 2, 100000, 0, 0, 0, issue, "")]
    # B's titre rejected; A's 100 € of 10/04 counted; the P503, the other product and
    # the private person are not titres of ours
    assert figures(year["2025-11"]["Rapprochement"]) == [
        (COMMUNE_A, 2025, 2, 10000, 10000, 10000, 0, conforme, "1201"),
        (COMMUNE_B, 2025, 2, 50000, 0, 0, 0, issue, ""),
        (SYNDICAT, 2025, 2, 20000, 20000, 0, 20000, conforme, "1203"),
        (EPCI, 2025, 2, 100000, 100000, 0, 100000, conforme, "1204")]
    anomalies = year["2025-11"]["Anomalies"]
    p503 = anomalies[anomalies["Code"] == "encaissement-sans-titre"]
    assert len(p503) == 1 and "75,00" in p503.iloc[0]["Message"]
    assert "900123" in p503.iloc[0]["Message"]
    skipped = anomalies[anomalies["Code"] == "pes-retour-hors-perimetre"]
    assert skipped["Valeur"].tolist() == ["2"]
    assert not any("DUPONT" in str(v) for v in anomalies.to_numpy().ravel())
    # 2026: a new exercise; the 2025 titre n° 1201 never counts for 2026
    assert figures(year["2026-03"]["Rapprochement"]) == [
        (COMMUNE_A, 2026, 1, 3000, 0, 0, 0, issue, ""),
        (COMMUNE_A, 2026, 2, 10000, 0, 0, 0, issue, ""),
        (COMMUNE_B, 2026, 1, 3000, 0, 0, 0, issue, ""),
        (COMMUNE_B, 2026, 2, 50000, 0, 0, 0, issue, ""),
        (CCAS_A, 2026, 1, 500, 0, 0, 0, issue, ""),
        (SYNDICAT, 2026, 1, 2000, 0, 0, 0, issue, ""),
        (SYNDICAT, 2026, 2, 20000, 0, 0, 0, issue, ""),
        (EPCI, 2026, 1, 4000, 0, 0, 0, issue, ""),
        (EPCI, 2026, 2, 100000, 0, 0, 0, issue, "")]
    # November: 1203 cancelled in October (05 is « annulé » in v5.19), the EPCI exonerated
    november = figures(year["2026-11"]["Rapprochement"])
    assert november == [
        (COMMUNE_A, 2026, 1, 3000, 3000, 0, 3000, conforme, "1201"),
        (COMMUNE_A, 2026, 2, 10000, 10000, 0, 10000, conforme, "1201"),
        (COMMUNE_B, 2026, 1, 3000, 3000, 0, 3000, conforme, "1202"),
        (COMMUNE_B, 2026, 2, 50000, 50000, 0, 50000, conforme, "1202"),
        (CCAS_A, 2026, 1, 500, 0, 0, 0, issue, ""),
        (SYNDICAT, 2026, 1, 2000, 0, 0, 0, issue, ""),
        (SYNDICAT, 2026, 2, 20000, 0, 0, 0, issue, ""),
        (EPCI, 2026, 1, 0, 4000, 0, 4000, indu, "1204"),
        (EPCI, 2026, 2, 100000, 100000, 50000, 50000, conforme, "1204")]
    # December: 1205 taken in charge, A's 30 € collected on 1201 of 2026; the titre
    # correctif was rejected at reception: the 40 € are still owed back
    assert figures(year["2026-12"]["Rapprochement"]) == [
        (COMMUNE_A, 2026, 1, 3000, 3000, 3000, 0, conforme, "1201"),
        *november[1:5],
        (SYNDICAT, 2026, 1, 2000, 2000, 0, 2000, conforme, "1205"),
        (SYNDICAT, 2026, 2, 20000, 20000, 0, 20000, conforme, "1205"),
        *november[7:]]


def test_evolutions_name_the_titre_of_its_exercise(year):
    """December against November: the 30 € collected on titre 1201 of 2026 (never the
    2025 titre n° 1201, collected in 2025), the Syndicat's lines now titled."""
    changes = year["2026-12"]["Évolutions"]
    rows = sorted((r["Nature"], r["SIREN"], r["Type de frais"], r["Consultation"],
                   euros(r["Avant"]), euros(r["Après"]), str(r["Titre"] or ""))
                  for _, r in changes.iterrows())
    # the titre's two lines summed (130 € → 100 €): no type nor consultation is shown
    # for it, since 130 € is not what its type-1 line owed
    assert rows == [
        ("rapprochement modifié", SYNDICAT, 1, "C2026", 0, 2000, ""),
        ("rapprochement modifié", SYNDICAT, 2, None, 0, 20000, ""),
        ("titre encaissé", COMMUNE_A, None, None, 13000, 10000, "1201 (2026)")]


def test_the_titre_correctif_taken_in_charge_settles_the_line_it_reduces(year):
    """January 2027: Hélios takes in charge titre correctif 1207 (bordereau 02 n° 8),
    −40 € on line 1 of titre 1204 of 2026. In February the EPCI's 2026 type 1 is
    settled (nothing due, nothing titled), its letter no longer claims the line; a
    rerun of December (before the prise en charge of 08/01/2027) gives December's
    figures again."""
    past = year["2027-02"]["Exercices antérieurs"]
    epci = past[(past["SIREN"] == EPCI) & (past["Exercice"] == 2026)]
    assert sorted((int(r["Type de frais"]), euros(r["Montant dû"]), euros(r["Montant titré"]),
                   r["Statut"]) for _, r in epci.iterrows()) == [
        (1, 0, 0, "conforme"), (2, 100000, 100000, "conforme")]
    rows = letter(year["2027-02"]["result"], EPCI)
    table = [tuple(r[:3]) + tuple(r[5:8]) for r in rows if isinstance(r[0], int)]
    assert table == [(2025, "41", "1204", 1000, 0, 1000), (2026, "41", "1204", 1000, 500, 500)]
    assert figures(year["2026-12 rerun"]["Rapprochement"]) == figures(
        year["2026-12"]["Rapprochement"])


def test_a_rerun_of_an_old_month_gives_that_months_figures(year):
    rerun, then = year["2026-03 rerun"], year["2026-03 then"]
    # the month's PES Aller is kept as it was sent; no number of another file is
    # announced as skipped, since none is issued
    codes = set(rerun["Anomalies"]["Code"])
    assert "pes-aller-deja-ecrit" in codes and "numero-deja-utilise" not in codes
    assert figures(rerun["Rapprochement"]) == figures(then["Rapprochement"])
    assert outstanding(rerun["Restes à recouvrer"]) == outstanding(then["Restes à recouvrer"])
    # by hand: everything taken in charge on 25/03, 500 € of the EPCI on 27/03; the
    # October cancellation and the December collection are not known in March
    syndicat = [f for f in figures(rerun["Rapprochement"]) if f[0] == SYNDICAT]
    assert syndicat == [(SYNDICAT, 2026, 1, 2000, 2000, 0, 2000, "conforme", "1203"),
                        (SYNDICAT, 2026, 2, 20000, 20000, 0, 20000, "conforme", "1203")]
    commune_a = [f for f in figures(rerun["Rapprochement"]) if f[0] == COMMUNE_A]
    assert [f[5] for f in commune_a] == [0, 0]


def test_restes_a_recouvrer_prescribe_four_years_after_prise_en_charge(year):
    rows = outstanding(year["2027-02"]["Restes à recouvrer"])
    d = dt.date
    assert [r[:6] + r[6:7] for r in rows] == [
        (2025, "1203", SYNDICAT, 2, 20000, 0, d(2029, 3, 25)),
        (2025, "1204", EPCI, 2, 100000, 0, d(2029, 3, 25)),
        (2025, "1301", COMMUNE_B, 2, 50000, 0, d(2029, 11, 25)),
        (2026, "1201", COMMUNE_A, 2, 10000, 0, d(2030, 3, 25)),
        (2026, "1202", COMMUNE_B, 1, 3000, 0, d(2030, 3, 25)),
        (2026, "1202", COMMUNE_B, 2, 50000, 0, d(2030, 3, 25)),
        # its type-1 line is cancelled by titre correctif 1207 (taken in charge in January)
        (2026, "1204", EPCI, 2, 100000, 50000, d(2030, 3, 25)),
        (2026, "1205", SYNDICAT, 1, 2000, 0, d(2030, 11, 25)),
        (2026, "1205", SYNDICAT, 2, 20000, 0, d(2030, 11, 25))]
    assert {r[7] for r in rows if r[0] == 2025 and r[1] != "1301"} == {
        "4 ans après prise en charge du 25/03/2025"}


def letter(result: Result, siren: str) -> list[list]:
    path = result.folder / "relances" / f"relance_{siren}.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [[v for v in row if v is not None] for row in book.active.iter_rows(values_only=True)]
    book.close()
    return [row for row in rows if row]


def test_letters_keep_titres_of_two_exercises_apart(year):
    """Commune B owes on titre 1301 of 2025 (bordereau 46) and on the two lines of titre
    1202 of 2026 (bordereau 41): two titres, three rows, 1 030 €."""
    rows = letter(year["2027-02"]["result"], COMMUNE_B)
    table = [tuple(r[:3]) + tuple(r[5:8]) for r in rows if isinstance(r[0], int)]
    assert table == [(2025, "46", "1301", 50000 / 100, 0, 50000 / 100),
                     (2026, "41", "1202", 30, 0, 30),
                     (2026, "41", "1202", 500, 0, 500)]
    opening = next(r[0] for r in rows if str(r[0]).startswith("Sauf erreur"))
    assert "les 2 titres de recettes ci-dessous" in opening
    assert "1\u202f030,00 €" in opening
    # the rejected titre 1202 of 2025 was never a titre: not claimed
    assert not [r for r in rows if r[:3] == [2025, "41", "1202"]]


def test_a_letter_claims_the_line_left_after_the_proposed_annulation(year):
    """December 2026: the EPCI's titre 1204 has two lines; the run proposes again to
    cancel its 40 € of type 1 (bordereau 02 rejected at reception). The letter claims
    the type-2 line for its 500 € left, the type-1 line not at all (it took the 40 €
    off every line of the titre: 460 €), beside titre 1204 of 2025, a titre of the same
    number."""
    rows = letter(year["2026-12"]["result"], EPCI)
    table = [tuple(r[:3]) + tuple(r[5:8]) for r in rows if isinstance(r[0], int)]
    assert table == [(2025, "41", "1204", 1000, 0, 1000), (2026, "41", "1204", 1000, 500, 500)]
    opening = next(r[0] for r in rows if str(r[0]).startswith("Sauf erreur"))
    assert "les 2 titres de recettes ci-dessous" in opening
    assert "1\u202f500,00 €" in opening
