"""A month stated in memory, for rules and stages (as beancount's ``load_doc`` states a
ledger inline, or sqlite-utils' fixtures an in-memory database).

``state(inputs)`` takes the same ``workbooks.Inputs`` the on-disk tests write, turns each
sheet into the cells the workbook reader returns (numbers as floats, dates as dates,
blanks as ``""``) and runs the real stages from normalisation on: validation, charges,
reconciliation. No file is written or read, so a rule is checked in milliseconds;
tests whose subject is reading or writing files keep ``workbooks.run``.
``tests/test_month.py`` checks that both ways give the same tables (choix C-104).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from workbooks import SHEET_HEADERS, Inputs

from reconcile.check.validate import without_repeats
from reconcile.compute.asof import titres_as_of
from reconcile.compute.charges import Due
from reconcile.compute.reconciliation import reconcile
from reconcile.core.anomalies import Anomaly
from reconcile.core.model import Period, period_of
from reconcile.read.intake import Found, normalise
from reconcile.read.reader import InputFile, RawSheet
from reconcile.run import pipeline


@dataclass(frozen=True)
class Month:
    """What the stages made of the stated tables: every anomaly, the charges (``None``
    when a needed sheet was unusable) and the reconciliation lines of the exercise."""

    period: Period
    anomalies: list[Anomaly]
    due: Due | None
    lines: pd.DataFrame | None

    @property
    def errors(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.is_error]

    def codes(self) -> list[str]:
        return [a.code for a in self.anomalies]

    @property
    def charges(self) -> pd.DataFrame:
        assert self.due is not None, self.errors
        return self.due.charges

    def charges_of(self, siren: str, type_frais: int | None = None) -> pd.DataFrame:
        frame = self.charges[self.charges["siren"] == siren]
        return frame if type_frais is None else frame[frame["type_frais"] == type_frais]

    def line(self, siren: str, type_frais: int, consultation: str = "") -> pd.Series:
        assert self.lines is not None, self.errors
        lines = self.lines
        found = lines[(lines["siren"] == siren) & (lines["type_frais"] == type_frais)
                      & (lines["consultation"] == consultation)]
        assert len(found) == 1, found
        return found.iloc[0]


def cell(value: Any) -> Any:
    """A value as the workbook reader returns it from an .xlsx cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def grid(sheet: str, rows: list[dict]) -> list[list[Any]]:
    """The sheet's cells from A1: its headers (the keys of its rows, in order), then
    one line per row."""
    headers: list[str] = []
    for row in rows:
        headers += [h for h in row if h not in headers]
    if not rows:
        headers = SHEET_HEADERS.get(sheet, [])
    return [list(headers), *[[cell(row.get(h)) for h in headers] for row in rows]]


def found(inputs: Inputs) -> Found:
    """The read stage's value, as if the four workbooks had been read from a folder."""
    books = {"membres": {"Membres": inputs.membres},
             "souscriptions": {"Souscriptions": inputs.souscriptions},
             "bareme": {"Bareme": inputs.bareme, "Consultations": inputs.consultations,
                        "Exonerations": inputs.exonerations}}
    if inputs.titres is not None:
        books["titres"] = {"Titres": inputs.titres}
    files, sheets = [], {}
    for stem, book in books.items():
        name = f"{stem}.xlsx"
        files.append(InputFile(stem, Path(name), b""))
        sheets[stem] = [RawSheet(name, sheet, grid(sheet, rows), format="classeur .xlsx")
                        for sheet, rows in book.items() if rows is not None]
    return Found(tuple(files), sheets, frozenset(), ())


def state(inputs: Inputs, month: str = "2026-11") -> Month:
    """Run the month's stages on ``inputs`` held in memory (nothing touches the disk)."""
    period = period_of(month)
    tables, anomalies = normalise(found(inputs))
    validated, problems = pipeline.validate_inputs(tables, period, anomalies)
    anomalies = without_repeats([*anomalies, *problems])
    due, problems = pipeline.compute_charges(validated, period)
    anomalies = without_repeats([*anomalies, *problems])
    if due is None or any(a.is_error for a in anomalies):
        return Month(period, anomalies, due, None)
    xlsx = validated.inputs.tables.get("titres")
    titres, _ = titres_as_of(xlsx.frame if xlsx else None, period.as_of)
    lines = reconcile(due.charges, titres, validated.inputs.tables["membres"].frame,
                      period.year)
    return Month(period, anomalies, due, lines)
