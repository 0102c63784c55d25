"""Reminder letters claim the run's net position (spécification §4.15): never a sum the
same run cancels or reduces, never a non-member, never a prescribed titre, nothing the
comptable has taken past the amicable stage; and each letter carries what a letter
needs, from the Parametres sheet."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    EPCI,
    SYNDICAT,
    base,
    run,
    siren,
    titre,
    write_book,
)

from reconcile.compute.dunning import claimable, credits_by_titre
from reconcile.compute.receivables import outstanding
from reconcile.read.parameters import read_parameters

AS_OF = pd.Timestamp("2026-11-30")
STRANGER = siren(77)


def _titres(rows):
    return pd.DataFrame(rows, columns=["numero", "siren", "exercice", "type_frais",
                                       "consultation", "montant", "date_emission",
                                       "montant_encaisse", "date_encaissement"]).assign(
        date_emission=lambda f: pd.to_datetime(f["date_emission"]),
        date_encaissement=lambda f: pd.to_datetime(f["date_encaissement"]))


def test_a_letter_claims_the_net_position_matched_on_exercice_and_numero():
    titres = _titres([
        ("10", COMMUNE_A, 2026, 2, None, 15750, "2026-04-01", 0, None),  # cancelled
        ("11", COMMUNE_B, 2026, 2, None, 10000, "2026-04-01", 0, None),  # reduced
        ("11", COMMUNE_B, 2025, 2, None, 10000, "2025-04-01", 0, None),  # same numéro
        ("12", STRANGER, 2026, 2, None, 30000, "2026-04-01", 0, None),  # not a member
        ("3", SYNDICAT, 2021, 2, None, 20000, "2021-03-01", 0, None),  # prescribed
        ("13", EPCI, 2026, 2, None, 5000, "2026-10-15", 0, None),  # not late yet
    ])
    members = pd.DataFrame({"siren": [COMMUNE_A, COMMUNE_B, SYNDICAT, EPCI],
                            "nom": ["Commune A", "Commune B", "Syndicat S", "EPCI E"]})
    lines = pd.DataFrame({"exercice": [2026, 2026], "origine": ["10", "11"],
                          "montant": [-15750, -5450], "nature": ["annulation", "réduction"]})
    credits = credits_by_titre(lines)
    assert credits == {(2026, "10"): 15750, (2026, "11"): 5450}
    dunning = claimable(outstanding(titres, members, AS_OF), 60, members, credits)
    claimed = {(r.exercice, r.numero): (r.reste, r.reduit)
               for r in dunning.claimed.itertuples(index=False)}
    assert claimed == {(2026, "11"): (4550, 5450), (2025, "11"): (10000, 0)}
    assert sorted(dunning.withheld) == sorted([
        (COMMUNE_A, "2026/10", "annulation ou réduction proposée ce mois", 15750),
        (STRANGER, "2026/12", "membre absent du fichier membres", 30000),
        (SYNDICAT, "2021/3", "prescrit", 20000)])
    assert [(a.code, a.severity, a.value) for a in dunning.warnings] == [
        ("relance-prescrit", "avertissement", "3")]  # as in the Numéro column
    assert "Titre 3 (exercice 2021, SIREN" in dunning.warnings[0].message
    assert "prescrit le 01/03/2025" in dunning.warnings[0].message
    assert (dunning.letters, dunning.total) == (1, 14550)


def test_a_reduction_of_one_line_is_not_taken_off_every_line_of_its_titre():
    """Titre 1204 of 2026 has two lines (type 1 of C2026: 40 €; type 2: 1 000 €, 500 €
    paid); the run cancels the 40 € of type 1. Its type-2 line is still owed 500 €, not
    460 € (the 40 € were taken off each line of the titre)."""
    titres = _titres([
        ("1204", EPCI, 2026, 1, "C2026", 4000, "2026-03-25", 0, None),
        ("1204", EPCI, 2026, 2, None, 100000, "2026-03-25", 50000, "2026-03-27")])
    members = pd.DataFrame({"siren": [EPCI], "nom": ["EPCI E"]})
    lines = pd.DataFrame({"exercice": [2026], "origine": ["1204"], "type_frais": [1],
                          "consultation": ["C2026"], "montant": [-4000],
                          "nature": ["annulation"]})
    credits = credits_by_titre(lines)
    assert credits == {(2026, "1204", 1, "C2026"): 4000}
    dunning = claimable(outstanding(titres, members, AS_OF), 60, members, credits)
    assert [(r.numero, r.type_frais, r.reste, r.reduit)
            for r in dunning.claimed.itertuples(index=False)] == [("1204", 2, 50000, 0)]
    assert dunning.withheld == [(EPCI, "2026/1204", "annulation ou réduction proposée ce mois",
                                 4000)]
    # keyed by titre only (lines that do not say their charge): shared, never doubled
    by_titre = claimable(outstanding(titres, members, AS_OF), 60, members,
                         {(2026, "1204"): 4000})
    assert by_titre.total == 50000 + 4000 - 4000


@pytest.mark.parametrize("step, claimed", [
    ("", True), ("00 avis des sommes à payer", True), ("01 lettre de rappel", True),
    ("02 commandement", False), ("03 mise en demeure", False)])
def test_no_letter_past_the_amicable_stage(step, claimed):
    titres = _titres([("5", COMMUNE_A, 2026, 2, None, 10000, "2026-04-01", 0, None)])
    titres["etape_recouvrement"] = step
    members = pd.DataFrame({"siren": [COMMUNE_A], "nom": ["Commune A"]})
    dunning = claimable(outstanding(titres, members, AS_OF), 60, members, {})
    assert (len(dunning.claimed) == 1) is claimed


IDENTITY = {
    "coordonnateur": "Centre de gestion d'essai", "adresse_coordonnateur": "1 rue A, 78000 X",
    "contact": "Service R – 01 02 03 04 05", "ordonnateur": "Jeanne Essai",
    "qualite_ordonnateur": "La Présidente", "comptable": "SGC d'essai",
    "adresse_comptable": "2 rue B, 78000 X", "iban": "FR7630001007941234567890185",
    "bic": "BDFEFRPPCCT", "tribunal_administratif": "Tribunal administratif d'Essai",
    "delai_paiement": 45,
}


def _letter_texts(path):
    sheet = openpyxl.load_workbook(path)["Relance"]
    return [v for r in sheet.iter_rows(values_only=True) for v in r if v is not None]


def test_letters_end_to_end_with_the_identity_of_the_parametres_sheet(tmp_path, capsys):
    """CCAS A is exempt from type 2: its titre is cancelled by the same run, so no
    letter; a titre of a SIREN outside membres: no letter; Commune A over-invoiced by
    50 €: asked 100 €, not 150 €, and told why."""
    inputs = base()
    inputs.membres[1].update({"Adresse": "Place de la Mairie", "Code postal": "78000",
                              "Ville": "Essai"})
    inputs.titres = [titre("1", CCAS_A, 50), titre("2", STRANGER, 300),
                     titre("3", COMMUNE_A, 150)]
    folder = inputs.write(tmp_path / "in")
    write_book(folder / "bareme.xlsx", {
        "Bareme": inputs.bareme, "Consultations": inputs.consultations,
        "Parametres": [{"Paramètre": k, "Valeur": v} for k, v in IDENTITY.items()]})
    result = run(folder, tmp_path / "out", capsys=capsys, extra=["--relances"])
    assert result.status == 0, result.err
    letters = sorted(p.name for p in (result.folder / "relances").glob("*.xlsx"))
    assert letters == [f"relance_{COMMUNE_A}.xlsx"]
    texts = _letter_texts(result.folder / "relances" / letters[0])
    joined = "\n".join(str(t) for t in texts)
    for needed in ("Centre de gestion d'essai", "1 rue A, 78000 X", "Commune A",
                   "Place de la Mairie", "78000 ESSAI", "le 30 novembre 2026",
                   f"REL-2026-11-{COMMUNE_A}", "La Présidente", "Jeanne Essai",
                   "SGC d'essai, 2 rue B, 78000 X", "mandat administratif",
                   "IBAN FR76 3000 1007 9412 3456 7890 185, BIC BDFEFRPPCCT",
                   "régler avant le 14 janvier 2027",  # 45 days after the letter
                   "Service R – 01 02 03 04 05",
                   "Le titre 3 (exercice 2026) fera l'objet d'une réduction de 50,00 €"):
        assert needed in joined, needed
    assert "Il reste à payer 100,00 € au total" in joined
    header = texts.index("Numéro du titre")
    assert texts[header:header + 7] == [
        "Numéro du titre", "Objet", "Date d'émission", "Montant", "Déjà payé",
        "Reste à payer", "Jours depuis l'émission"]
    assert not any("à renseigner" in str(t) for t in texts)


def test_identity_keys_are_checked(tmp_path):
    """IBAN and BIC are checked with python-stdnum: a wrong key is an error at its cell."""
    from reconcile.read.normalise import Table
    from schemas import PARAMETRES

    frame = pd.DataFrame({"parametre": ["iban", "bic", "coordonnateur"],
                          "valeur": ["FR7630001007941234567890184", "BDF", "CDG"]},
                         index=[2, 3, 4])
    table = Table(PARAMETRES, "bareme.xlsx", "Parametres", frame, frame,
                  {"valeur": "Valeur", "parametre": "Paramètre"}, 1)
    parameters, problems = read_parameters(table)
    assert [(a.row, a.column, a.code) for a in problems] == [
        (2, "Valeur", "parametre-invalide"), (3, "Valeur", "parametre-invalide")]
    assert "IBAN invalide" in problems[0].message and "BIC invalide" in problems[1].message
    assert parameters["coordonnateur"] == "CDG"


def test_dates_in_words():
    from reconcile.render.reminders import long_date

    assert long_date(dt.date(2026, 12, 1)) == "1er décembre 2026"
    assert long_date(pd.Timestamp("2027-01-14")) == "14 janvier 2027"


def test_the_synthese_opens_with_what_to_do():
    from reconcile.compute.actions import month_actions
    from reconcile.compute.dunning import Dunning
    from reconcile.compute.issuance import COLUMNS, Proposal

    def lines(*rows):
        return pd.DataFrame([dict(zip(["siren", "montant", "nature"], r, strict=True))
                             for r in rows], columns=COLUMNS)

    proposal = Proposal(lines((COMMUNE_A, 12000, "à émettre"), (COMMUNE_A, 3500, "à émettre"),
                              (COMMUNE_B, 4000, "complément"), (EPCI, -5000, "réduction"),
                              (SYNDICAT, -20000, "annulation")),
                        lines((CCAS_A, 500, "à émettre")), 1500)
    claimed = pd.DataFrame({"siren": [COMMUNE_A, COMMUNE_A, EPCI], "reste": [100, 200, 300]})
    dunning = Dunning(claimed, [(SYNDICAT, "2021/3", "prescrit", 20000),
                                (EPCI, "2026/9", "prescrit", 100)])
    outstanding = pd.DataFrame({"alerte": ["prescrit dans moins de six mois", "", "prescrit"],
                                "reste": [1000, 2000, 4000]})
    titres = pd.DataFrame({"numero": ["7", "7", "8"],
                           "etat_helios": ["04 rejeté", "04 rejeté", "02 pris en charge"]})
    assert month_actions(proposal, dunning, 3, outstanding, titres, "2026-11",
                         ["comptable", "iban"]) == [
        ("Titres à émettre", "3 lignes de titre pour 2 membres : 195,00 € "
                             "(titres_a_emettre_2026-11.xlsx)"),
        ("Réductions et annulations à émettre", "1 réduction, 1 annulation : -250,00 € "
                                                "(titres_a_emettre_2026-11.xlsx)"),
        ("Sommes retenues sous le seuil de recouvrement",
         "1 ligne : 5,00 €, reportées (feuille Sous le seuil)"),
        ("Lettres de relance", "2 membres : 6,00 € à réclamer (option --relances)"),
        ("Titres en retard non relancés", "prescrit : 2"),
        ("Avertissements à examiner", "3 avertissements (feuille Anomalies)"),
        ("Prescription dans les six mois", "1 titre : 10,00 € à recouvrer avant prescription "
                                           "(feuille Restes à recouvrer)"),
        ("Titres prescrits", "1 titre : 40,00 € (feuille Restes à recouvrer)"),
        ("Titres rejetés par le comptable", "1 titre à corriger et réémettre (colonne État "
                                            "Hélios du Rapprochement)"),
        ("Identité des relevés et lettres à compléter", "clés comptable, iban de la feuille "
         "Parametres du barème (imprimées « à renseigner » sinon : comptable ; sans IBAN "
         "ni BIC, aucune coordonnée bancaire n'est imprimée)")]


def test_the_synthese_lists_the_acquits_helios_rejected():
    """A bordereau or flow the reception rejects is on « À faire ce mois » (issue 19, 5);
    accepted elements are not."""
    from reconcile.compute.actions import month_actions
    from reconcile.compute.dunning import Dunning
    from reconcile.compute.issuance import COLUMNS, Proposal
    from reconcile.read.acquits import COLUMNS as ACQUIT

    nothing = pd.DataFrame(columns=COLUMNS)
    rows = [("ack1.xml", "PESALR2_2026-10_T1.xml", "d", "6", False, "2026", "12", "3", "",
             "E12", "tiers inconnu"),
            ("ack1.xml", "PESALR2_2026-10_T1.xml", "d", "6", False, "2026", "12", "4", "",
             "E13", "objet vide"),
            ("ack1.xml", "PESALR2_2026-10_T1.xml", "d", "6", True, "2026", "13", "", "", "", ""),
            ("ack2.xml", "PESALR2_2026-10_T2.xml", "d", "0", False, "", "", "", "", "T1",
             "signature")]
    acquits = pd.DataFrame(rows, columns=ACQUIT)
    found = month_actions(Proposal(nothing, nothing, 1500), Dunning(pd.DataFrame(), []), 0,
                          pd.DataFrame(), None, "2026-11", None, acquits)
    assert found[-1] == (
        "Acquits PES rejetés par Hélios",
        "2 éléments à corriger et renvoyer : PESALR2_2026-10_T1.xml : bordereau 12 "
        "(exercice 2026) ; PESALR2_2026-10_T2.xml : flux entier (feuille Acquits de "
        "titres_a_emettre_2026-11.xlsx)")
    accepted = acquits[acquits["accepte"]]
    assert all(what != "Acquits PES rejetés par Hélios" for what, _ in month_actions(
        Proposal(nothing, nothing, 1500), Dunning(pd.DataFrame(), []), 0, pd.DataFrame(),
        None, "2026-11", None, accepted))


def test_a_private_debtor_is_not_told_to_pay_by_mandat(tmp_path):
    """A member of category « autre » (an association) cannot issue a mandat
    administratif: its letter and statement say virement (issue 19, items 1 and 3)."""
    from reconcile.compute.identity import Identity
    from reconcile.core.model import Period
    from reconcile.render.reminders import Letter

    full = Identity(tuple(IDENTITY.items()))
    bankless = Identity(tuple((k, v) for k, v in IDENTITY.items() if k not in ("iban", "bic")))
    public = full.payment("commune")
    assert "mandat administratif" in public and "IBAN FR76" in public
    private = full.payment("autre")
    assert "mandat" not in private and "virement" in private and "IBAN FR76" in private
    assert "mandat" not in bankless.payment("autre")
    assert "avis des sommes à payer" in bankless.payment("autre")
    assert "virement" not in bankless.payment("ccas")
    titres = pd.DataFrame({"siren": ["992762401"], "exercice": [2026], "numero": ["9"],
                           "type_frais": [2], "consultation": [None], "montant": [6000],
                           "encaisse": [0], "reste": [6000],
                           "date_emission": [pd.Timestamp(2026, 4, 15)], "age": [229],
                           "bordereau": [""], "reduit": [0]})
    path = tmp_path / "relance.xlsx"
    letter = Letter("992762401", titres, Period(2026, pd.Timestamp(2026, 11, 30)), 60, full,
                    ["Association A", "1 chemin B", "91000 C"], category="autre")
    path.write_bytes(letter.render(dt.datetime(2026, 11, 30)))
    joined = "\n".join(str(t) for t in _letter_texts(path))
    assert "mandat" not in joined and "Un organisme de droit privé règle par virement" in joined
    assert "bordereau" not in joined.split("Objet")[-1].lower()  # it cites no bordereau
    period = Period(2026, pd.Timestamp(2026, 11, 30))
    public = tmp_path / "public.xlsx"
    public.write_bytes(Letter("217800150", titres, period, 60, full,
                              ["Commune A", "1 place B", "78000 C"], category="commune").render(
        dt.datetime(2026, 11, 30)))
    said = "\n".join(str(t) for t in _letter_texts(public))
    assert "Le numéro de bordereau qui n'est pas indiqué ci-dessus figure sur l'avis" in said
    known = tmp_path / "known.xlsx"
    known.write_bytes(Letter("217800150", titres.assign(bordereau=["12"]), period, 60, full,
                             ["Commune A", "1 place B", "78000 C"], category="commune").render(
        dt.datetime(2026, 11, 30)))
    assert "n'est pas indiqué" not in "\n".join(str(t) for t in _letter_texts(known))


def test_the_synthese_says_when_the_pes_aller_could_not_be_written():
    """Titres to issue that no PES Aller carries are the month's first thing to fix."""
    from reconcile.compute.actions import month_actions
    from reconcile.compute.dunning import Dunning
    from reconcile.compute.issuance import COLUMNS, Proposal

    lines = pd.DataFrame([{"siren": COMMUNE_A, "montant": 12000, "nature": "à émettre"}],
                         columns=COLUMNS)
    nothing = pd.DataFrame(columns=COLUMNS)
    why = "non écrit : 1 débiteur(s) sans adresse complète dans membres"
    found = month_actions(Proposal(lines, nothing, 1500), Dunning(pd.DataFrame(), []), 1,
                          pd.DataFrame(), None, "2026-11", None, None, why)
    assert found[1] == ("PES Aller non écrit", "1 débiteur(s) sans adresse complète dans "
                        "membres : corriger puis relancer le mois (feuille Anomalies)")
    for fine in ("écrit : PESALR2_2026-11_T345.xml", "non écrit : aucun titre à émettre"):
        said = month_actions(Proposal(lines if "aucun" not in fine else nothing, nothing, 1500),
                             Dunning(pd.DataFrame(), []), 1, pd.DataFrame(), None, "2026-11",
                             None, None, fine)
        assert "PES Aller non écrit" not in dict(said)
