"""Messages whose wording is itself the requirement.

Everywhere else a test says *which* anomaly a case raises and where — (code, file,
sheet, row, column) — and never quotes its message. The few rows below quote it
because an issue asked for these words, or because the message carries what the
officer must do and nothing else says it. Each row runs a case of ``corpus.py`` and
reads the message back from the anomalies file, at the anomaly the corpus pins.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from corpus import CASES, LOOK_ALIKES, B, M, T
from workbooks import COMMUNE_A, MONTH, anomaly_rows, found, run


class Wording(NamedTuple):
    case: str  # a case of corpus.py
    anomaly: tuple  # (code, file, sheet, row, column), as the corpus pins it
    says: str  # words the message must hold
    never: str = ""  # words it must not hold


WORDINGS = [
    # Issue 12: a text in a number column says what was found.
    Wording("population-min-en-texte", ("valeur-entier", B, "Bareme", 3, "Population min"),
            "le texte « 50 000 et + » n'est pas un nombre entier"),
    # Issue 12: an Excel serial number in a date column says so, and which date it means.
    Wording("date-nombre-sans-format", ("valeur-date", M, "Membres", 4, "Date adhésion"),
            "le nombre 43845 est un numéro de série de date Excel sans format de date "
            "(il correspondrait au 15/01/2020)"),
    # Issue 12: no « clé de Luhn » for the officer.
    Wording("siren-luhn-faux", ("valeur-siren", M, "Membres", 4, "SIREN"),
            "ce SIREN n'existe pas (faute de frappe ?)", never="Luhn"),
    # Issue 12: a missing column lists the headers found and suggests the closest.
    Wording("en-tete-avec-faute", ("colonnes-manquantes", M, "Membres", 1, "Date adhésion"),
            "en-têtes trouvés : « SIREN », « Nom », « Catégorie », « Population », "),
    Wording("en-tete-avec-faute", ("colonnes-manquantes", M, "Membres", 1, "Date adhésion"),
            "« Date adhsion » est-il « Date adhésion »"),
    # The SIREN to keep, when a SIRET was typed.
    Wording("siret-au-lieu-de-siren", ("valeur-siren", M, "Membres", 3, "SIREN"),
            f"garder les 9 premiers chiffres ({COMMUNE_A})"),
    # Issue 9: the « absent » error names the look-alike file found instead.
    *[Wording(f"fichier-ressemblant-seul-{name}", ("fichier-manquant", M, "", None, ""),
              f"mais trouvé : {name}") for name in LOOK_ALIKES],
    Wording("titres-sous-un-nom-ressemblant", ("fichier-manquant", T, "", None, ""),
            "(sans lui, aucun titre ne serait compté), mais trouvé : titres (1).xlsx"),
    # A refused file names the option that lifts the limit.
    Wording("fichier-trop-gros", ("fichier-trop-gros", M, "", None, ""),
            "au-delà de la limite de 1 Mo (option --max-fichier-mo)"),
    Wording("decompresse-trop-gros", ("decompression-excessive", M, "", None, ""),
            "au-delà de la limite de 1 Mo (option --max-decompresse-mo)"),
    Wording("trop-de-lignes", ("plage-trop-grande", M, "Membres", None, ""),
            "au-delà de la limite de 5 lignes (option --max-lignes)"),
    # One member can be uncovered for either type of fee, at the same cell: only the
    # message tells which.
    Wording("membre-non-couvert-type-1", ("bareme-non-couvert", M, "Membres", 8, "Catégorie"),
            "aucune ligne du barème de type 1"),
    Wording("membre-non-couvert-type-2", ("bareme-non-couvert", M, "Membres", 8, "Catégorie"),
            "aucune ligne du barème de type 2"),
]

BY_ID = {case.id: case for case in CASES}


@pytest.mark.parametrize("wording", WORDINGS, ids=[f"{w.case}-{i}" for i, w in enumerate(WORDINGS)])
def test_the_message_says(wording: Wording, tmp_path, capsys):
    case = BY_ID[wording.case]
    assert wording.anomaly in case.errors  # the corpus pins the same anomaly
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    case.build(inputs)
    result = run(inputs, tmp_path / "reports", MONTH, capsys, case.extra)
    messages = [r["Message"] for r in anomaly_rows(result.anomalies_path)
                if found(r) == wording.anomaly]
    assert messages, wording.anomaly
    assert any(wording.says in m for m in messages), messages
    assert not (wording.never and any(wording.never in m for m in messages)), messages
