"""One monthly run, top to bottom: read → validate → compute → reconcile → render → audit.

``run()`` is what the CLI, the scheduler and the tests call. It returns an exit
status (spécification §4.11) and never prints: progress goes to the ``progress`` callback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from schemas import SHEETS

from . import evolutions, helios, issuance, pes_retour, receivables_view, titres_out
from .anomalies import Anomaly, InputError, counts_by_code, has_errors, sort_key
from .asof import titres_as_of
from .audit import Control, SheetCount
from .charges import Due, compute, sound_rows
from .csvinput import companions, sheet_name
from .faults import DiskFull, disk_full, ending, mark_published, space_needed
from .journal import RESERVE, close_abandoned, record
from .model import EXIT_INVALID, EXIT_OK, Period, period_of
from .normalise import Table, pick_sheet, to_table
from .parameters import Parameters
from .reader import (
    InputFile,
    Limits,
    RawSheet,
    folder_problem,
    hidden_sheet_warning,
    locate,
    read_workbook,
)
from .reconciliation import reconcile
from .reminders import reminder_delay, write_reminders
from .report import Report, created_at, dissolution_notice, render_anomalies, render_report
from .safeio import (
    exclusive,
    publish,
    retire,
    sweep,
    temporary_path,
    write_bytes_atomically,
    write_new,
)
from .tablerows import hidden_rows_warning
from .validate import validate, without_repeats

OPTIONAL_FILES = ("titres",)


@dataclass
class Stage:
    name: str
    seconds: float
    peak_rss_mib: float
    rows: int


@dataclass
class Outcome:
    status: int
    month: str
    report: Path | None = None
    anomalies_file: Path | None = None
    report_outcome: str = ""
    kept_previous: Path | None = None
    anomalies: list[Anomaly] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    dissolution: str = ""
    totals: dict[str, int] = field(default_factory=dict)
    statements: list[Path] = field(default_factory=list)
    reminders: list[Path] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # name → SHA-256, once read
    ended: bool = False  # its ``fin`` is in the journal
    issued: list[Path] = field(default_factory=list)  # titres to issue (xlsx, PES Aller)
    notices: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.is_error]

    @property
    def warnings(self) -> list[Anomaly]:
        return [a for a in self.anomalies if not a.is_error]


Progress = Callable[[str, str], None]


@dataclass
class Loaded:
    files: list[InputFile]
    tables: dict[str, Table]
    counts: list[SheetCount]
    anomalies: list[Anomaly]
    pes: list[pes_retour.RetourFile] = field(default_factory=list)
    # Set by ``assess``, which knows the as-of date: parameters and PES Retour titres.
    parameters: Parameters | None = None
    pes_titres: pd.DataFrame | None = None


def load(inputs: Path, limits: Limits, progress: Progress | None = None) -> Loaded:
    """Find, read and type every input sheet; problems come back as anomalies, never
    raised. (Validation is ``assess``.)"""
    say = progress or (lambda stage, text: None)
    anomalies: list[Anomaly] = []
    files: list[InputFile] = []
    tables: dict[str, Table] = {}
    counts: list[SheetCount] = []
    problem = folder_problem(inputs)
    if problem is not None:
        anomalies.append(Anomaly(str(inputs), "", None, "", "", "erreur", "dossier-absent",
                                 problem))
        return Loaded(files, tables, counts, anomalies)
    stems = dict.fromkeys(spec.stem for spec in SHEETS)
    for stem in stems:
        found, problems = locate(inputs, stem, limits, required=stem not in OPTIONAL_FILES)
        anomalies += problems
        if found is None:
            continue
        files.append(found)
        say("lecture", f"{found.name} ({found.bytes_on_disk / 1024:.0f} Ko)")
        try:
            sheets = read_workbook(found, limits)
        except InputError as error:
            anomalies.append(error.anomaly)
            continue
        is_csv = any(s.format.startswith("CSV") for s in sheets)
        extra, reported = _companions(inputs, stem, found, is_csv, limits, files, anomalies)
        sheets += extra
        for spec in (s for s in SHEETS if s.stem == stem):
            raw, problems = pick_sheet(sheets, spec, found.name)
            anomalies += [] if spec.sheet in reported else problems
            if raw is None:
                continue
            if raw.hidden:
                anomalies.append(hidden_sheet_warning(raw))
            if raw.hidden_rows:
                anomalies.append(hidden_rows_warning(raw))
            table, problems = to_table(raw, spec)
            anomalies += problems
            if table is not None:
                tables[spec.sheet.lower()] = table  # "membres", "consultations"…
                counts.append(SheetCount(raw.file, raw.name, table.header_row,
                                         len(table.frame), raw.hidden_rows, raw.format))
    retour, problems = pes_retour.find(inputs, limits)
    anomalies += problems
    for pes in retour:
        say("lecture", f"{pes.source.name} ({pes.source.bytes_on_disk / 1024:.0f} Ko)")
        files.append(pes.source)
        counts.append(SheetCount(pes.source.name, pes_retour.LINE_PATH, None, len(pes.lines),
                                 0, "PES Retour (XML)"))
    return Loaded(files, tables, counts, anomalies, retour)


def _companions(inputs: Path, stem: str, found: InputFile, is_csv: bool, limits: Limits,
                files: list[InputFile], anomalies: list[Anomaly]
                ) -> tuple[list[RawSheet], set[str]]:
    """With ``bareme.csv``, the barème's other sheets: ``consultations.csv``,
    ``exonerations.csv`` (spécification §2.5); their files join ``files``. Also returns
    the sheets whose absence is already reported (file absent or unreadable)."""
    sheets: list[RawSheet] = []
    paths, problems = companions(inputs, stem, found.name, is_csv)
    anomalies += problems
    reported = {a.sheet for a in problems if a.is_error}
    for path in paths:
        sheet = sheet_name(path.stem.lower())
        extra, problems = locate(inputs, path.stem.lower(), limits)
        anomalies += problems
        if extra is None:
            reported.add(sheet)
            continue
        files.append(extra)
        try:
            sheets += read_workbook(extra, limits)
        except InputError as error:
            anomalies.append(error.anomaly)
            reported.add(sheet)
    return sheets, reported


def assess(loaded: Loaded, period: Period, clock: _Clock | None = None
           ) -> tuple[Due | None, list[Anomaly]]:
    """Validate, then compute what is due (which finds barème coverage errors).

    Every check runs, on the cells that read well, so that one run lists everything
    that is wrong; the computation too runs on the sound rows, for its coverage errors.
    ``due`` is ``None`` when there is any error."""
    rows = sum(c.records for c in loaded.counts)
    problems, checked = validate(loaded.tables, loaded.anomalies)
    anomalies = without_repeats([*loaded.anomalies, *problems])
    loaded.parameters, loaded.pes_titres, problems = helios.prepare(loaded.tables, loaded.pes,
                                                                    period)
    anomalies = without_repeats([*anomalies, *problems])
    if clock:
        clock.lap("validation", rows)
    tables, doubt = sound_rows(checked)
    due = None
    if tables is not None:
        due, problems = compute(tables, period, doubt)
        anomalies = without_repeats([*anomalies, *problems])
        if clock:
            clock.lap("calcul", len(due.charges))
    return (None if has_errors(anomalies) else due), anomalies


def check(month: str, inputs: Path, limits: Limits, reports: Path | None = None
          ) -> tuple[list[Anomaly], Path | None]:
    """`reconcile check`: the anomalies a run would find; nothing is written unless
    ``reports`` is given (then only the anomalies file)."""
    anomalies = sorted(assess(load(inputs, limits), period_of(month))[1], key=sort_key)
    if reports is None or not anomalies:
        return anomalies, None
    with exclusive(reports / month):  # a run of the month sweeps its temporaries
        return anomalies, write_anomalies(reports / month, month, anomalies)[0]


def write_anomalies(folder: Path, month: str, anomalies: list[Anomaly]
                    ) -> tuple[Path, str, Path | None]:
    """``anomalies_YYYY-MM.xlsx``, written atomically, a different previous one kept.
    Returns its path, how it was written and where the previous one went."""
    target = folder / f"anomalies_{month}.xlsx"
    created = created_at(period_of(month))
    temporary = write_new(target, lambda path: render_anomalies(path, anomalies, created))
    return (target, *publish(temporary, target))


def run(
    month: str,
    inputs: Path,
    reports: Path,
    limits: Limits | None = None,
    progress: Progress | None = None,
    statements: bool = False,
    reminders: bool = False,
    delai_relance: int | None = None,
) -> Outcome:
    """The monthly job. Journals its start, then holds its month folder's lock to the
    end; whatever ends it (refusal, interruption, full disk, failure) is journaled with
    its exit status, and what it created but did not publish is removed.
    ``reminders``: also write the reminder letters; ``delai_relance``: the option, see
    ``reminders.reminder_delay``."""
    limits = limits or Limits()
    say = progress or (lambda stage, text: None)
    period = period_of(month)
    folder = reports / month
    outcome = Outcome(EXIT_OK, month)
    try:
        record(folder, month, "debut", reserve=RESERVE, commande="run",
               dossier_entrees=str(inputs), dossier_rapports=str(reports), releves=statements)
    except OSError as error:  # not started: nothing to journal, nothing written
        if disk_full(error) is not None:
            raise DiskFull(folder, space_needed(inputs, statements=statements)
                           ) from error
        raise
    options = receivables_view.Options(reminders, delai_relance)
    try:
        with exclusive(folder):
            try:
                return _run_locked(inputs, folder, period, limits, say, statements, outcome,
                                   options)
            except BaseException:
                with contextlib.suppress(OSError):
                    sweep(folder)
                raise
    except BaseException as error:
        if outcome.report is not None:
            mark_published(error, outcome.report)
        status, details = ending(error)
        written: dict[str, Any] = ({"ecriture": outcome.report_outcome}
                                   if outcome.report_outcome else {})
        with contextlib.suppress(OSError):  # whole line or nothing; never hide ``error``
            if not outcome.ended:
                record(folder, month, "fin", statut=status, entrees=outcome.inputs,
                       **written, **details)
        if disk_full(error) is not None:
            rows = {s.name: s.rows for s in outcome.stages}
            raise DiskFull(folder, space_needed(inputs, rows.get("lecture", 0),
                                                rows.get("rapprochement", 0), statements),
                           outcome.report) from error
        raise


def _run_locked(inputs: Path, folder: Path, period: Period, limits: Limits, say: Progress,
                statements: bool, outcome: Outcome,
                options: receivables_view.Options) -> Outcome:
    clock = _Clock(outcome.stages)
    sweep(folder)  # what a killed run left: temporaries of the report, snapshot, history…
    close_abandoned(folder, outcome.month)  # … and its journal without a ``fin``
    loaded = load(inputs, limits, say)
    clock.lap("lecture", sum(c.records for c in loaded.counts))
    outcome.inputs = {f.name: f.sha256 for f in loaded.files}
    say("validation", f"{sum(c.records for c in loaded.counts)} lignes")
    due, anomalies = assess(loaded, period, clock)
    outcome.anomalies = sorted(anomalies, key=sort_key)
    if has_errors(anomalies) or due is None:
        return _stop_on_errors(outcome, folder)
    return _write_report(outcome, loaded, due, folder, period, say, statements, clock,
                         options)


def _write_report(outcome: Outcome, loaded: Loaded, due: Due, folder: Path, period: Period,
                  say: Progress, statements: bool, clock: _Clock,
                  options: receivables_view.Options) -> Outcome:
    month = outcome.month
    say("rapprochement", f"{len(due.charges)} charges")
    xlsx = loaded.tables.get("titres")
    titres = helios.titres_of(xlsx.frame if xlsx else None, loaded.pes_titres,
                              xlsx.file if xlsx else "")
    members = loaded.tables["membres"].frame
    titres, as_of = titres_as_of(titres, period.as_of)
    assert loaded.parameters is not None  # set by assess
    delay = reminder_delay(options.delai_relance, loaded.parameters.written())
    rows = reconcile(due.charges, titres, members, period.year)
    receivables = receivables_view.build(folder.parent, period, titres, members, as_of)
    if loaded.pes_titres is not None and titres is not None:
        rows["etat_helios"] = helios.states(rows, titres)
    planned = titres_out.plan(issuance.propose(rows, due.charges, members, titres,
                                               loaded.parameters), loaded.parameters, period,
                              month)
    clock.lap("rapprochement", len(rows))
    say("écriture", f"{len(rows)} lignes de rapprochement")
    control = Control(month, period, loaded.files, loaded.counts, loaded.tables["bareme"].frame,
                      due.charges["bareme_ligne"].dropna().astype(int).value_counts())
    control.final_reports = receivables_view.final_reports(receivables)
    changes, problems = _evolutions(folder, month, due, rows,
                                    (titres, receivables.outstanding, delay))
    # One final list: every count shown (screen, journal, Synthèse, Anomalies) comes from it.
    outcome.anomalies = sorted([*outcome.anomalies, *receivables.past.anomalies,
                                *planned.warnings, *problems], key=sort_key)
    report = Report(month, period, due, rows, outcome.warnings, control, len(members),
                    changes, receivables, planned.summary)
    target = folder / f"rapprochement_{month}.xlsx"
    temporary = write_new(target, lambda path: render_report(path, report))
    try:
        snapshot = _snapshot(folder, loaded.files)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    outcome.report_outcome, outcome.kept_previous = publish(temporary, target)
    outcome.report = target
    retire(folder / f"anomalies_{month}.xlsx")
    outcome.issued = titres_out.write(folder, period, planned)
    outcome.notices = planned.notices
    if statements:
        from .statements import write_statements

        say("relevés", "un relevé par membre")
        outcome.statements = write_statements(folder, month, period, due.charges, rows, titres)
    if options.reminders:
        say("relances", f"titres en retard de plus de {delay} jours")
        outcome.reminders = write_reminders(folder, period, receivables.outstanding, members,
                                            delay)
    clock.lap("écriture", len(due.charges) + len(rows))
    outcome.dissolution = dissolution_notice(due, period)
    outcome.totals = {k: int(rows[k].sum()) for k in ("du", "titre", "encaisse")}
    record(folder, month, "fin", statut=EXIT_OK, resultat="rapport", entrees=outcome.inputs,
           rapport=str(target),
           ecriture=outcome.report_outcome, version_precedente=str(outcome.kept_previous or ""),
           copie_des_entrees=str(snapshot), avertissements=len(outcome.warnings),
           anomalies_par_code=counts_by_code(outcome.anomalies),
           rapports_finals={name: digest for _, name, digest in control.final_reports},
           etapes={s.name: round(s.seconds, 3) for s in outcome.stages})
    outcome.ended = True
    return outcome


def _evolutions(folder: Path, month: str, due: Due, rows: pd.DataFrame, receivables: tuple
                ) -> tuple[tuple[str, pd.DataFrame] | None, list[Anomaly]]:
    """Changes since last month's report of the exercise; a warning if it is unreadable."""
    previous = evolutions.previous_report(folder, month)
    if previous is None:
        return None, []
    try:
        return (previous.parent.name, evolutions.compare(previous, due.charges, rows,
                                                          *receivables)), []
    except Exception as error:  # an old or hand-edited report must not stop the month
        return None, [Anomaly(previous.name, "", None, "", "", "avertissement",
                              "evolutions-illisibles",
                              f"Le rapport du mois précédent est illisible ({error}) : "
                              "la feuille Évolutions n'est pas produite.")]


def _stop_on_errors(outcome: Outcome, folder: Path) -> Outcome:
    """spécification §4.9: every error and warning in anomalies_YYYY-MM.xlsx, no reconciliation."""
    target, outcome.report_outcome, outcome.kept_previous = write_anomalies(
        folder, outcome.month, outcome.anomalies)
    outcome.anomalies_file = target
    outcome.status = EXIT_INVALID
    record(folder, outcome.month, "fin", statut=EXIT_INVALID, resultat="entrees invalides",
           entrees=outcome.inputs, anomalies=str(target), erreurs=len(outcome.errors),
           avertissements=len(outcome.warnings), ecriture=outcome.report_outcome,
           anomalies_par_code=counts_by_code(outcome.anomalies))
    outcome.ended = True
    return outcome


def _snapshot(folder: Path, files: list[InputFile]) -> Path:
    """Copy (never move) the exact bytes read under ``entrees/<digest>/``."""
    digest = hashlib.sha256(
        "".join(f"{f.name}:{f.sha256}\n" for f in sorted(files, key=lambda f: f.name)).encode()
    ).hexdigest()[:16]
    target = folder / "entrees" / digest
    if target.is_dir():
        return target
    staging = temporary_path(target)
    staging.mkdir(parents=True)
    try:
        for source in files:
            write_bytes_atomically(staging / source.name, source.data)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.parent.rmdir()  # only if empty: earlier snapshots stay
        raise
    return target


class _Clock:
    """Per-stage wall time, peak memory so far and rows handled (for the benchmark)."""

    def __init__(self, stages: list[Stage]):
        self.stages = stages
        self.start = time.perf_counter()

    def lap(self, name: str, rows: int) -> None:
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stages.append(Stage(name, now - self.start, peak, rows))
        self.start = now
