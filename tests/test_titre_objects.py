"""Titre objects written for the member (spécification §4.16): within 160 characters,
never cut inside a word or a reference, no internal word, the reason of a réduction or
annulation; what does not fit stays in the statement the object cites."""

from __future__ import annotations

import pytest

from reconcile.compute.issuance import OBJECT_SIZE, STATEMENT, fit_object
from reconcile.core.wording import plain_codes

VOTE = "délibération n° 2025-40 du 12/12/2025"
LEAD = "[2026-PLAT] Frais de procédure 2026"


@pytest.mark.parametrize("what, bases, expected", [
    ("", ["Procédure commune 120,00 €"],
     f"{LEAD} – Procédure commune 120,00 € – {VOTE} – {STATEMENT}"),
    ("complément", ["Procédure commune 120,00 €", "Marchés publics 35,00 €"],
     f"{LEAD} – complément – Procédure commune 120,00 € + Marchés publics 35,00 € – {VOTE} "
     f"– {STATEMENT}"[:0] or None),  # too long with both: see below
    ("annulation du titre 118 : exonération", [],
     f"{LEAD} – annulation du titre 118 : exonération – {VOTE} – {STATEMENT}"),
])
def test_objects_are_whole_parts(what, bases, expected):
    text = fit_object(LEAD, what, bases, VOTE)
    assert len(text) <= OBJECT_SIZE
    if expected:
        assert text == expected
    else:  # the second tariff does not fit: left to the statement, the first kept whole
        assert text == (f"{LEAD} – complément – Procédure commune 120,00 € – {VOTE} – "
                        f"{STATEMENT}")


def test_the_deliberation_is_dropped_whole_before_anything_is_cut():
    long_what = "réduction du titre 14 : titré au-delà du dû (465,50 € dû) " + "x" * 30
    text = fit_object(LEAD, long_what, ["Procédure commune 120,00 €"], VOTE)
    assert text == f"{LEAD} – {long_what} – {STATEMENT}"
    assert "2025-4" not in text  # never « délibération n° 2025-4… »


def test_an_over_long_consultation_is_cut_before_a_word():
    lead = "[" + "CONSULTATION " * 20 + "] Frais de procédure 2026"
    text = fit_object(lead, "", [], VOTE)
    assert len(text) <= OBJECT_SIZE and text.endswith("CONSULTATION…")


@pytest.mark.parametrize("label, plain", [
    ("Procédure caisse_des_ecoles", "Procédure caisse des écoles"),
    ("Fonctionnement epci", "Fonctionnement EPCI"),
    ("Procédure etablissement_public", "Procédure établissement public"),
    ("Frais marches_publics", "Frais Dématérialisation des procédures de marchés publics"),
    ("Procédure commune 0–999 hab.", "Procédure commune 0–999 hab."),
    ("Actes et flux", "Actes et flux"),
    ("epcist", "epcist"),  # a code only as a whole word
])
def test_internal_codes_read_as_labels(label, plain):
    assert plain_codes(label) == plain


def test_bases_of_charges_all_at_zero_are_empty_not_a_failure():
    """A barème whose tariffs are all 0 € (found by test_properties): no text to join."""
    import pandas as pd

    from reconcile.compute.charges import CHARGE_COLUMNS
    from reconcile.compute.issuance import _bases

    charges = pd.DataFrame([{
        "siren": "1", "membre": "m", "categorie": "commune", "exercice": 2026,
        "type_frais": 1, "consultation": "C", "prestation": "", "bareme_ligne": 2,
        "bareme_libelle": "x", "montant": 0, "motif": "", "regle": "", "deliberation": "",
        "tarif": 0}], columns=CHARGE_COLUMNS)
    assert _bases(charges).empty


def test_a_cancellation_after_a_withdrawal_says_so():
    """The reason an annulation gives the member: exemption, withdrawal with its date,
    else nothing due (issue 19, item 4)."""
    from types import SimpleNamespace

    import pandas as pd

    from reconcile.compute.issuance import _why, _withdrawals

    members = pd.DataFrame({"siren": ["217800150", "217802552"],
                            "date_notification_retrait": [pd.Timestamp(2025, 10, 30), None]})
    gone = _withdrawals(members)
    assert gone == {"217800150": pd.Timestamp(2026, 1, 1)}
    nothing = SimpleNamespace(du=0, exempt=False, exercice=2026)
    assert _why(nothing, gone["217800150"]) == "retrait effectif au 01/01/2026"
    assert _why(nothing, None) == "aucune somme due"
    assert _why(SimpleNamespace(du=0, exempt=True, exercice=2026), gone["217800150"]) == \
        "exonération"
    # a withdrawal effective only later does not explain a 2025 cancellation
    assert _why(SimpleNamespace(du=0, exempt=False, exercice=2025),
                gone["217800150"]) == "aucune somme due"
