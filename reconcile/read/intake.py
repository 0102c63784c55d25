"""The first two stages of a run: read the files in ``inputs/``, then normalise their
sheets into typed tables (spécification §2).

Each stage takes values and returns ``(value, anomalies)``: a missing, unreadable or
malformed input is an anomaly, never an exception, so that one run lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemas import SHEETS

from ..core.anomalies import Anomaly, InputError, file_problem
from ..core.progress import Progress
from . import pes_retour
from .csvinput import companions, sheet_name
from .normalise import Table, pick_sheet, to_table
from .reader import (
    InputFile,
    Limits,
    RawSheet,
    changed_warning,
    folder_problem,
    folder_unreadable,
    hidden_sheet_warning,
    locate,
    read_workbook,
)
from .tablerows import hidden_rows_warning

OPTIONAL_FILES = ("titres",)

@dataclass(frozen=True)
class SheetCount:
    """One line of the Contrôle sheet's list of what was read."""

    file: str
    sheet: str
    header_row: int | None  # None: not a sheet (a PES Retour XML file)
    records: int
    hidden_rows: int = 0  # rows holding a value hidden by hand or by a filter (read)
    format: str = ""  # « classeur .xlsx », « CSV, séparateur « ; », Windows-1252 »


@dataclass(frozen=True)
class Found:
    """What the read stage found: the files (their exact bytes), their sheets by file
    stem, the sheets whose absence is already reported, and the PES Retour flows."""

    files: tuple[InputFile, ...]
    sheets: dict[str, list[RawSheet]]
    reported: frozenset[str]
    pes: tuple[pes_retour.RetourFile, ...]
    acquits: tuple[InputFile, ...] = ()  # the reception's acquits, for ``acquits``


@dataclass(frozen=True)
class Inputs:
    """The typed tables (``"membres"``, ``"consultations"``…), what was read of each
    sheet and flow (for Contrôle), and the files and flows themselves."""

    files: tuple[InputFile, ...]
    tables: dict[str, Table]
    counts: tuple[SheetCount, ...]
    pes: tuple[pes_retour.RetourFile, ...]

    @property
    def rows(self) -> int:
        return sum(c.records for c in self.counts)

    @property
    def digests(self) -> dict[str, str]:
        return {f.name: f.sha256 for f in self.files}


def read(inputs: Path, limits: Limits, say: Progress) -> tuple[Found, list[Anomaly]]:
    """Locate and parse every expected file (spécification §2.5) and the PES Retour
    flows (§2.10); a file absent, look-alike or unreadable is an anomaly."""
    problem = folder_problem(inputs)
    if problem is not None:
        return Found((), {}, frozenset(), ()), [file_problem(str(inputs), "dossier-absent",
                                                             detail=problem)]
    unlisted = folder_unreadable(inputs)
    if unlisted is not None:  # an input error (exit 2) naming the folder, §2.5
        return Found((), {}, frozenset(), ()), [unlisted]
    anomalies: list[Anomaly] = []
    files: list[InputFile] = []
    sheets: dict[str, list[RawSheet]] = {}
    reported: set[str] = set()
    for stem in dict.fromkeys(spec.stem for spec in SHEETS):
        found, problems = locate(inputs, stem, limits, required=stem not in OPTIONAL_FILES)
        anomalies += problems
        if found is None:
            continue
        say("lecture", f"{found.name} ({found.bytes_on_disk / 1024:.0f} Ko)")
        files.append(found)
        parsed, problems = _parse(found, limits)
        anomalies += problems
        if parsed is None:
            continue
        is_csv = any(s.format.startswith("CSV") for s in parsed)
        extra, more, problems, absent = _companions(inputs, stem, found, is_csv, limits)
        sheets[stem] = parsed + extra
        files += more
        anomalies += problems
        reported |= absent
    retour, acquitted, problems = pes_retour.find(inputs, limits)
    for pes in retour:
        say("lecture", f"{pes.source.name} ({pes.source.bytes_on_disk / 1024:.0f} Ko)")
        files.append(pes.source)
    files += acquitted  # traced like any input (Contrôle, the inputs' snapshot)
    result = Found(tuple(files), sheets, frozenset(reported), tuple(retour),
                   tuple(acquitted))
    moved = [changed_warning(f.name) for f in files if f.changed]
    return result, [*anomalies, *problems, *moved]


def normalise(found: Found) -> tuple[Inputs, list[Anomaly]]:
    """Each expected sheet of each file read, as a typed table with Excel row numbers
    (spécification §2.5–§2.7); hidden sheets and rows are read, with a warning."""
    anomalies: list[Anomaly] = []
    tables: dict[str, Table] = {}
    counts: list[SheetCount] = []
    names = {f.stem: f.name for f in found.files}
    for spec in SHEETS:
        if spec.stem not in found.sheets:
            continue
        raw, problems = pick_sheet(found.sheets[spec.stem], spec, names[spec.stem])
        anomalies += [] if spec.sheet in found.reported else problems
        if raw is None:
            continue
        if raw.hidden:
            anomalies.append(hidden_sheet_warning(raw))
        if raw.hidden_rows:
            anomalies.append(hidden_rows_warning(raw))
        table, problems = to_table(raw, spec)
        anomalies += problems
        if table is not None:
            tables[spec.sheet.lower()] = table
            counts.append(SheetCount(raw.file, raw.name, table.header_row, len(table.frame),
                                     raw.hidden_rows, raw.format))
    counts += [SheetCount(pes.source.name, pes_retour.LINE_PATH, None, len(pes.lines), 0,
                          "PES Retour (XML)") for pes in found.pes]
    return Inputs(found.files, tables, tuple(counts), found.pes), anomalies


def _parse(found: InputFile, limits: Limits) -> tuple[list[RawSheet] | None, list[Anomaly]]:
    """The file's sheets, or ``None`` and why it could not be read."""
    try:
        return read_workbook(found, limits), []
    except InputError as error:
        return None, [error.anomaly]


def _companions(inputs: Path, stem: str, found: InputFile, is_csv: bool, limits: Limits
                ) -> tuple[list[RawSheet], list[InputFile], list[Anomaly], set[str]]:
    """With ``bareme.csv``, the barème's other sheets: ``consultations.csv``,
    ``exonerations.csv`` (spécification §2.5): their sheets, their files, the problems
    met and the sheets whose absence is already reported (file absent or unreadable)."""
    sheets: list[RawSheet] = []
    files: list[InputFile] = []
    paths, anomalies = companions(inputs, stem, found.name, is_csv)
    reported = {a.sheet for a in anomalies if a.is_error}
    for path in paths:
        sheet = sheet_name(path.stem.lower())
        extra, problems = locate(inputs, path.stem.lower(), limits)
        anomalies += problems
        if extra is None:
            reported.add(sheet)
            continue
        files.append(extra)
        parsed, problems = _parse(extra, limits)
        anomalies += problems
        if parsed is None:
            reported.add(sheet)
        else:
            sheets += parsed
    return sheets, files, anomalies, reported
