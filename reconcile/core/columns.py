"""Column names, declared once: the internal frames' (``siren``, ``type_frais``…) and
the report's own headers (« SIREN », « Type de frais »…), which the report is written
with and read back by (last month's report for Évolutions, each exercise's final one).

A frame's shape is the tuple of its columns here; the stages build and select frames
by these names rather than retyping them (choix C-103). No logic, no I/O.
"""

from __future__ import annotations

from typing import Final

# -- internal frames: one name per column, the input sheets' names where they come from
SIREN: Final = "siren"
NAME: Final = "nom"  # a member's name as the membres sheet gives it
MEMBER: Final = "membre"  # the same name carried on a computed row
CATEGORY: Final = "categorie"
EXERCISE: Final = "exercice"
TYPE: Final = "type_frais"
CONSULTATION: Final = "consultation"
SERVICE: Final = "prestation"
AMOUNT: Final = "montant"
NUMBER: Final = "numero"
STATUS: Final = "statut"
DUE: Final = "du"
INVOICED: Final = "titre"
COLLECTED: Final = "encaisse"
GAP: Final = "ecart"
LEFT: Final = "reste"
TITRES: Final = "titres"
WITHDRAWAL_NOTICE: Final = "date_notification_retrait"  # membres: R2's notice
TITRE_COUNT: Final = "nb_titres"

# A reconciliation line is keyed by member, exercise, type and consultation (§4.5).
LINE_KEY: Final = (SIREN, EXERCISE, TYPE, CONSULTATION)

# The frames the stages hand each other (their columns in order).
CHARGE: Final = (SIREN, MEMBER, CATEGORY, EXERCISE, TYPE, CONSULTATION, SERVICE,
                 "bareme_ligne", "bareme_libelle", AMOUNT, "motif", "regle", "deliberation",
                 "tarif")  # the barème line's price, kept when the charge is waived
LINE: Final = (*LINE_KEY, DUE, INVOICED, COLLECTED, TITRES, TITRE_COUNT, MEMBER, GAP, LEFT,
               STATUS)
RECEIVABLE: Final = (SIREN, MEMBER, EXERCISE, NUMBER, TYPE, CONSULTATION, "date_emission",
                     AMOUNT, COLLECTED, "annule", LEFT, "age", "tranche", "prescription",
                     "prescription_base", "alerte")
TITRE_TO_ISSUE: Final = (SIREN, MEMBER, CATEGORY, EXERCISE, TYPE, CONSULTATION, AMOUNT,
                         "objet", "nature", "origine", "origine_ligne")


class Header:
    """The report's headers (spécification §4.4, §4.5, §4.14): written by ``report`` and
    ``receivables_view``, read back by ``past_exercises``, ``evolutions`` and
    ``titre_evolutions``."""

    SIREN: Final = "SIREN"
    MEMBER: Final = "Membre"
    CATEGORY: Final = "Catégorie"
    EXERCISE: Final = "Exercice"
    TYPE: Final = "Type de frais"
    CONSULTATION: Final = "Consultation"
    SERVICE: Final = "Prestation"
    TARIFF_LINE: Final = "Ligne du barème"
    DUE: Final = "Montant dû"
    REASON: Final = "Motif"
    RULE: Final = "Règle appliquée"
    TARIFF_LABEL: Final = "Libellé du barème"
    DELIBERATION: Final = "Délibération"
    INVOICED: Final = "Montant titré"
    GAP: Final = "Écart"
    COLLECTED: Final = "Encaissé"
    LEFT: Final = "Reste à recouvrer"
    STATUS: Final = "Statut"
    TITRES: Final = "Titres"
    # the Restes à recouvrer sheet (§4.14), read back for Évolutions' titres
    NUMBER: Final = "Numéro"
    REMAINING: Final = "Reste"
    AGE: Final = "Âge"


class Sheet:
    """The report's sheets that are read back."""

    CHARGES: Final = "Charges"
    RECONCILIATION: Final = "Rapprochement"
    RECEIVABLES: Final = "Restes à recouvrer"
