"""The reports this tool wrote in earlier months, read once by the read layer.

Past reports are the run's memory: last month's report of the exercise gives the
Évolutions sheet (spécification §4.8), each reopened exercise's final report its dues
(§4.13). Like the inputs, each is read once (``disk.take``) into memory, and the
sheets the month needs are parsed here from those bytes: the digest Contrôle names and
the figures read back come from the same bytes. The compute stages receive these
values (frames), never the reports folder nor a workbook to open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.model import report_name
from ..core.safeio import HISTORY
from .disk import take
from .readback import read_sheets
from .reader import READ_CEILING

# The sheets read back (spécification §4.8, §4.13): last month's for Évolutions, a past
# exercise's final report for its dues.
PREVIOUS_SHEETS = ("Charges", "Rapprochement", "Restes à recouvrer")
FINAL_SHEETS = ("Charges",)


@dataclass(frozen=True, eq=False)  # frames inside: compared by identity
class EarlierReport:
    """One report read back: its month (``2026-10``), its exact bytes and the sheets
    the month needs, parsed from them (``problem``: why they could not be)."""

    month: str
    data: bytes = field(repr=False)
    changed: bool = False  # moved while it was read (``disk.take``)
    sheets: Mapping[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)
    problem: str = ""  # the bytes are not a report this tool can read back

    @property
    def file(self) -> str:
        return report_name(self.month)

    @property
    def name(self) -> str:
        """As Contrôle and the Synthèse name it: ``2026-12/rapprochement_2026-12.xlsx``."""
        return f"{self.month}/{self.file}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def is_december(self) -> bool:
        return self.month.endswith("-12")


@dataclass(frozen=True)
class SentFile:
    """A file this tool wrote and sent on (a PES Aller), read back once: its name under
    the reports folder (``2026-10/PESALR2_2026-10.xml``) and its exact bytes."""

    name: str
    data: bytes = field(repr=False)
    changed: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def month(self) -> str:
        return self.name.split("/")[0]

    @property
    def kept(self) -> bool:
        """A replaced version, kept in its month's ``historique/``."""
        return f"/{HISTORY}/" in self.name


@dataclass(frozen=True)
class Earlier:
    """What the month needs of the reports folder: last month's report of the same
    exercise, each wanted exercise's final report, and the reports that exist but could
    not be read (name → why, in French)."""

    previous: EarlierReport | None = None
    finals: Mapping[int, EarlierReport] = field(default_factory=dict)
    unreadable: Mapping[str, str] = field(default_factory=dict)

    @property
    def reports(self) -> tuple[EarlierReport, ...]:
        return (*((self.previous,) if self.previous else ()), *self.finals.values())


def previous_month(month: str) -> str | None:
    """The month before ``month`` in the same exercise (none in January)."""
    year, number = (int(p) for p in month.split("-"))
    return None if number == 1 else f"{year}-{number - 1:02d}"


def final_month(reports: Path, exercise: int) -> str | None:
    """The month of the latest report of ``exercise`` in the reports folder."""
    found = sorted(p.parent.name for p in reports.glob(f"{exercise}-[01][0-9]/rapprochement_*.xlsx")
                   if p.name == report_name(p.parent.name) and p.is_file())
    return found[-1] if found else None


def read(reports: Path, month: str, exercises: Iterable[int] = ()) -> Earlier:
    """Last month's report and the final report of each of ``exercises``, each read once;
    a report absent is left out, one that cannot be read is named in ``unreadable``."""
    unreadable: dict[str, str] = {}
    previous = None
    before = previous_month(month)
    if before is not None and (reports / before / report_name(before)).is_file():
        previous = _take(reports, before, PREVIOUS_SHEETS, unreadable)
    finals: dict[int, EarlierReport] = {}
    for exercise in sorted(set(exercises)):
        found = final_month(reports, exercise)
        if found is not None and (
                report := _take(reports, found, FINAL_SHEETS, unreadable)) is not None:
            finals[exercise] = report
    return Earlier(previous, finals, unreadable)


def _take(reports: Path, month: str, sheets: tuple[str, ...], unreadable: dict[str, str]
          ) -> EarlierReport | None:
    try:
        taken = take(reports / month / report_name(month), READ_CEILING)
    except OSError as error:
        unreadable[f"{month}/{report_name(month)}"] = error.strerror or str(error)
        return None
    try:
        parsed = read_sheets(taken.data, sheets)
    except Exception as error:  # a damaged or hand-edited report: said by the stage using it
        return EarlierReport(month, taken.data, taken.changed, {}, str(error) or
                             type(error).__name__)
    return EarlierReport(month, taken.data, taken.changed, parsed)


MONTH = "[0-9][0-9][0-9][0-9]-[01][0-9]"
SENT = (f"{MONTH}/PESALR2_*.xml", f"{MONTH}/{HISTORY}/PESALR2_*.xml")


@dataclass(frozen=True)
class SentFiles:
    """The PES Aller already written, each read once: each month's current file, then the
    versions kept in its ``historique/`` (replaced, but perhaps sent too); and those that
    could not be read (name → why)."""

    files: tuple[SentFile, ...] = ()
    unreadable: Mapping[str, str] = field(default_factory=dict)

    def current(self, month: str) -> bytes | None:
        """The bytes of ``month``'s current PES Aller (the latest written), if any."""
        found = [f for f in self.files if f.month == month and not f.kept]
        return found[-1].data if found else None


def read_sent(reports: Path, patterns: tuple[str, ...] = SENT) -> SentFiles:
    """Each PES Aller already written in the reports folder (``patterns``), read once
    for a parser of bytes (``pes_sent.parse_files``)."""
    found: list[SentFile] = []
    unreadable: dict[str, str] = {}
    paths = [path for pattern in patterns for path in sorted(reports.glob(pattern))]
    for path in paths:
        name = path.relative_to(reports).as_posix()
        try:
            taken = take(path, READ_CEILING)
        except OSError as error:
            unreadable[name] = error.strerror or str(error)
            continue
        found.append(SentFile(name, taken.data, taken.changed))
    return SentFiles(tuple(found), unreadable)
