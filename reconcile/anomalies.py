"""Problems found in the inputs, as values rather than exceptions.

Every stage returns the anomalies it found; the pipeline gathers them and one
renderer writes them, whether the run goes on (warnings only) or stops (any error).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .catalogue import ERROR, WARNING, undeclared

# Tests (and anyone who sets RECONCILE_STRICT_CODES) refuse an anomaly whose code the
# catalogue does not declare; a production run never fails for it.
STRICT = bool(os.environ.get("RECONCILE_STRICT_CODES"))

__all__ = ["ERROR", "WARNING", "Anomaly"]


@dataclass(frozen=True, order=True)
class Anomaly:
    """One problem, located as the officer would find it in Excel.

    ``row`` is the row number Excel shows (header = 1), ``None`` for a whole-file or
    whole-sheet problem; ``column`` is the header as written in the file (or the
    expected name when the column is missing).
    """

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    severity: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if STRICT:
            problem = undeclared(self.code, self.severity)
            if problem:
                raise ValueError(problem)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def shown(value: Any) -> str:
    """The value as the officer typed it, for the `Valeur` column."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


# Warnings that change what the figures mean: shown on screen and in the Synthèse,
# never only in the Anomalies sheet.
PROMINENT = frozenset({"colonne-absente", "fichier-ressemblant",
                       "fichier-modifie-pendant-lecture"})


def prominent(anomalies: Sequence[Anomaly]) -> list[Anomaly]:
    return [a for a in anomalies if a.code in PROMINENT]


def file_problem(name: str, code: str, message: str, severity: str = ERROR,
                 value: str = "") -> Anomaly:
    """A problem of a whole file (no sheet, row or column)."""
    return Anomaly(name, "", None, "", value, severity, code, message)


def counts_by_code(anomalies: list[Anomaly]) -> dict[str, int]:
    """How many anomalies of each catalogue code (for the journal), codes sorted."""
    counts: dict[str, int] = {}
    for a in anomalies:
        counts[a.code] = counts.get(a.code, 0) + 1
    return dict(sorted(counts.items()))


def has_errors(anomalies: list[Anomaly]) -> bool:
    return any(a.is_error for a in anomalies)


def sort_key(a: Anomaly) -> tuple:
    """Errors first, then by file, sheet, row (whole-sheet problems first) and column."""
    return (a.severity != ERROR, a.file, a.sheet, a.row or 0, a.column, a.code, a.message)


class InputError(Exception):
    """Stops the reading of one file; carries the anomaly that explains why."""

    def __init__(self, anomaly: Anomaly):
        super().__init__(anomaly.message)
        self.anomaly = anomaly
