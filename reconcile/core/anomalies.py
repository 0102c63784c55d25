"""Problems found in the inputs, as values rather than exceptions.

Every stage returns the anomalies it found; the pipeline gathers them and one
renderer writes them, whether the run goes on (warnings only) or stops (any error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .catalogue import CATALOGUE, ERROR, WARNING, Anomaly, Kind

__all__ = ["CATALOGUE", "ERROR", "WARNING", "Anomaly", "Kind"]


def shown(value: Any) -> str:
    """The value as the officer typed it, for the `Valeur` column."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def prominent(anomalies: Sequence[Anomaly]) -> list[Anomaly]:
    """The warnings the catalogue marks as changing what the figures mean."""
    return [a for a in anomalies if a.is_prominent]


def file_problem(name: str, code: str, *, value: Any = "", **values: Any) -> Anomaly:
    """A problem of a whole file (no sheet, row or column)."""
    return CATALOGUE[code].at(name, value=value, **values)


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
