"""The core types every stage may import, and nothing else: the run's period and the
coded values of the convention (spécification §1.1, §1.2, §3.1). No stage logic, no I/O.

Import direction (tested in ``tests/test_layers.py``): ``model`` and ``catalogue`` are
the bottom; reading, then checking and computing, then rendering, then the run
(``pipeline``) and the command line sit above, and nothing imports upwards.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import pandas as pd

from schemas.codes import CATEGORIES, PRESTATIONS, ROLES, TYPES_FRAIS

__all__ = ["CATEGORIES", "EXIT_BUSY", "EXIT_FAILURE", "EXIT_INVALID", "EXIT_OK", "EXIT_USAGE",
           "PRESTATIONS", "ROLES", "TYPES_FRAIS", "Document", "Period", "anomalies_name",
           "period_of", "report_name"]

# Exit statuses (spécification §4.11); an interruption exits 128 + the signal's number.
EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_BUSY = 0, 1, 2, 3
EXIT_USAGE = 64  # a command line argparse cannot parse (EX_USAGE of sysexits.h)


@dataclass(frozen=True)
class Period:
    """A run: exercise E and as-of date A (the month's last day)."""

    year: int
    as_of: pd.Timestamp

    @property
    def month(self) -> str:
        """« 2026-11 »: how the month is named in folders, files and the command line."""
        return f"{self.as_of.year:04d}-{self.as_of.month:02d}"

    @property
    def first_day(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year, month=1, day=1)

    @property
    def last_day(self) -> pd.Timestamp:
        return min(pd.Timestamp(year=self.year, month=12, day=31), self.as_of)


@dataclass(frozen=True)
class Document:
    """A file the render layer made, as a value: where it goes, relative to the month
    folder (``releves/releve_….xlsx``, ``/``-separated), and its bytes. Render returns
    documents; the run layer alone writes them (``run.publish``)."""

    name: str
    data: bytes = field(repr=False)


def report_name(month: str) -> str:
    """The month's reconciliation workbook (spécification §4.2)."""
    return f"rapprochement_{month}.xlsx"


def anomalies_name(month: str) -> str:
    """The month's anomalies workbook, written instead of the report (§4.9)."""
    return f"anomalies_{month}.xlsx"


def period_of(month: str) -> Period:
    """``"2026-11"`` → exercise 2026, as of 30 November 2026 (spécification §3.1)."""
    year, number = (int(part) for part in month.split("-"))
    last = calendar.monthrange(year, number)[1]
    return Period(year, pd.Timestamp(year=year, month=number, day=last))
