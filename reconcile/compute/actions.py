"""What the officer has to do this month, first on the Synthèse (spécification §4.3):
titres to issue and their amount, réductions and annulations, sums held below the
threshold, reminder letters, titres not reminded and why, warnings to look at,
prescriptions within six months and titres the comptable rejected.

Compute only: counts and amounts from the run's own values, in words; ``report`` lays
them out. Every line names where the detail is.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ..core.wording import euros, plural
from .dunning import Dunning
from .issuance import Proposal
from .receivables import PRESCRIBED, SOON

NOT_WRITTEN = "non écrit : "  # how titres_out.Plan.summary says the PES Aller is missing
UNPRINTED = ("iban", "bic")  # left out of the documents when blank, not « à renseigner »
REJECTED = "04"  # EtatPce of a titre the comptable rejected (PES Retour)


def month_actions(proposal: Proposal, dunning: Dunning, warnings: int,
                  outstanding: pd.DataFrame, titres: pd.DataFrame | None,
                  month: str, missing_identity: list[str] | None = None,
                  acquits: pd.DataFrame | None = None, pes: str = ""
                  ) -> list[tuple[str, str]]:
    """(what, how much and where) lines, in the order the work is done;
    ``missing_identity``: the identity keys statements and letters would print blank;
    ``acquits``: the reception's acquits read this month (``read.acquits``);
    ``pes``: what became of the PES Aller (``titres_out.Plan.summary``)."""
    lines = proposal.lines
    issued = lines[lines["montant"] > 0]
    credits = lines[lines["montant"] < 0]
    found: list[tuple[str, str]] = []
    workbook = f"titres_a_emettre_{month}.xlsx"
    if len(issued):
        found.append(("Titres à émettre", f"{plural(len(issued), 'ligne')} de titre pour "
                      f"{plural(issued['siren'].nunique(), 'membre')} : "
                      f"{euros(int(issued['montant'].sum()))} ({workbook})"))
    else:
        found.append(("Titres à émettre", "aucun"))
    if pes.startswith(NOT_WRITTEN) and len(lines):  # the titres cannot reach Hélios
        found.append(("PES Aller non écrit", f"{pes[len(NOT_WRITTEN):]} : corriger puis "
                      "relancer le mois (feuille Anomalies)"))
    if len(credits):
        kinds = Counter(credits["nature"])
        found.append(("Réductions et annulations à émettre",
                      f"{plural(kinds.get('réduction', 0), 'réduction')}, "
                      f"{plural(kinds.get('annulation', 0), 'annulation')} : "
                      f"{euros(int(credits['montant'].sum()))} ({workbook})"))
    if len(proposal.held):
        found.append(("Sommes retenues sous le seuil de recouvrement",
                      f"{plural(len(proposal.held), 'ligne')} : "
                      f"{euros(int(proposal.held['montant'].sum()))}, reportées (feuille "
                      "Sous le seuil)"))
    if dunning.letters:
        found.append(("Lettres de relance", f"{plural(dunning.letters, 'membre')} : "
                      f"{euros(dunning.total)} à réclamer (option --relances)"))
    if dunning.withheld:
        reasons = Counter(reason for _, _, reason, _ in dunning.withheld)
        found.append(("Titres en retard non relancés", " ; ".join(
            f"{reason} : {count}" for reason, count in sorted(reasons.items()))))
    if warnings:
        found.append(("Avertissements à examiner",
                      f"{plural(warnings, 'avertissement')} (feuille Anomalies)"))
    if len(outstanding):
        soon = outstanding[outstanding["alerte"] == SOON]
        gone = outstanding[outstanding["alerte"] == PRESCRIBED]
        if len(soon):
            found.append(("Prescription dans les six mois",
                          f"{plural(len(soon), 'titre')} : {euros(int(soon['reste'].sum()))} "
                          "à recouvrer avant prescription (feuille Restes à recouvrer)"))
        if len(gone):
            found.append(("Titres prescrits", f"{plural(len(gone), 'titre')} : "
                          f"{euros(int(gone['reste'].sum()))} (feuille Restes à recouvrer)"))
    if titres is not None and "etat_helios" in titres:
        rejected = titres[titres["etat_helios"].fillna("").astype(str).str.startswith(
            REJECTED)]
        if len(rejected):
            found.append(("Titres rejetés par le comptable",
                          f"{plural(rejected['numero'].nunique(), 'titre')} à corriger et "
                          "réémettre (colonne État Hélios du Rapprochement)"))
    refused = rejected_elements(acquits)
    if refused:
        found.append(("Acquits PES rejetés par Hélios",
                      f"{plural(len(refused), 'élément')} à corriger et renvoyer : "
                      f"{' ; '.join(refused)} (feuille Acquits de {workbook})"))
    if missing_identity:
        printed = [k for k in missing_identity if k not in UNPRINTED]
        said = [f"imprimées « à renseigner » sinon : {', '.join(printed)}"] if printed else []
        if any(k in UNPRINTED for k in missing_identity):
            said.append("sans IBAN ni BIC, aucune coordonnée bancaire n'est imprimée")
        found.append(("Identité des relevés et lettres à compléter",
                      f"clés {', '.join(missing_identity)} de la feuille Parametres du "
                      f"barème ({' ; '.join(said)})"))
    return found


def rejected_elements(acquits: pd.DataFrame | None) -> list[str]:
    """Each element (whole flow, or bordereau) an acquit rejects, in words:
    « PESALR2_….xml : bordereau 12 (exercice 2026) »."""
    if acquits is None or acquits.empty:
        return []
    refused = acquits[~acquits["accepte"].astype(bool)]
    told = []
    for (file, flow, _, exercice, bordereau), _group in refused.groupby(
            ["file", "nom_fic", "domaine", "exercice", "bordereau"], sort=True):
        what = (f"bordereau {bordereau}" + (f" (exercice {exercice})" if exercice else "")
                if bordereau else "flux entier")
        told.append(f"{flow or file} : {what}")
    return list(dict.fromkeys(told))
