"""The closed sets of values the stages exchange, as enums (spécification §4.5, §4.16).

Each is a ``StrEnum`` whose values are the French labels the reports show: a member
compares equal to its label and prints as it, so frames, workbooks and the golden dump
are byte for byte what the plain strings gave, while code names ``Status.TO_ISSUE``
instead of retyping « à émettre » (choix C-103).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A reconciliation line's ``Statut`` (spécification §4.5), in the order its rules
    are tried: the first that matches wins (``reconciliation.status``)."""

    UNKNOWN_MEMBER = "membre inconnu"
    MATCHED = "conforme"
    TO_ISSUE = "à émettre"
    UNDER_INVOICED = "sous-titré"
    OVER_INVOICED = "sur-titré"
    UNDUE = "indu"
    # A past exercise without a final report: its titres only (spécification §4.13).
    UNKNOWN_DUE = "dû non connu"


# The statuses of §4.5's rules, in their order (not UNKNOWN_DUE, which no rule gives).
RULED = (Status.UNKNOWN_MEMBER, Status.MATCHED, Status.TO_ISSUE, Status.UNDER_INVOICED,
         Status.OVER_INVOICED, Status.UNDUE)


class Nature(StrEnum):
    """What a titre to issue does (spécification §4.16): a new titre, one on top of the
    titres already issued, or a credit that reduces or cancels an issued one."""

    ISSUE = "à émettre"
    SUPPLEMENT = "complément"
    REDUCTION = "réduction"
    CANCELLATION = "annulation"


class Change(StrEnum):
    """A row of the Évolutions sheet: what changed since last month's report
    (spécification §4.8)."""

    NEW_CHARGE = "nouvelle charge"
    REMOVED_CHARGE = "charge supprimée"
    AMOUNT = "montant modifié"
    LINE = "rapprochement modifié"
    COLLECTED = "titre encaissé"
    REDUCED = "titre réduit (annulation)"
    LATE = "titre en retard"


class Alert(StrEnum):
    """The prescription alert of a receivable (spécification §4.14)."""

    PRESCRIBED = "prescrit"
    SOON = "prescrit dans moins de six mois"


class Severity(StrEnum):
    """An anomaly's ``Gravité``: an error stops the run (exit 2), a warning does not."""

    ERROR = "erreur"
    WARNING = "avertissement"
