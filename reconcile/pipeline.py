"""One monthly run, top to bottom (``_month``):

    read → normalise → validate → compute → reconcile → build report → render → publish → audit

Each stage is a function that takes values and returns ``(value, anomalies)``; the
stages that can find no anomaly (build report, render, publish, audit) return their
value alone. No stage appends to a shared object: the sequence gathers the anomalies
itself, and the report is a frozen value before it is rendered.

``run()`` is what the CLI, the scheduler and the tests call: it wraps the sequence in
what makes it safe (journal, month lock, faults, signals), returns an exit status
(spécification §4.11) and never prints: progress goes to the ``progress`` callback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import actions, dunning, evolutions, helios, issuance, receivables_view, titres_out
from .anomalies import Anomaly, counts_by_code, has_errors, sort_key
from .asof import titres_as_of
from .audit import Control, applied_settings
from .charges import Due, compute, sound_rows
from .faults import DiskFull, disk_full, ending, mark_published, space_needed
from .identity import Identity
from .intake import Inputs, normalise, read
from .journal import RESERVE, close_abandoned, record
from .model import EXIT_INVALID, EXIT_OK, Period, anomalies_name, period_of, report_name
from .parameters import Parameters
from .progress import Progress, quiet
from .reader import InputFile, Limits
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
from .validate import Checked, validate, without_repeats


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    peak_rss_mib: float
    rows: int


@dataclass(frozen=True)
class Outcome:
    """How a run ended, for the command line to say (and the benchmark to measure)."""

    status: int
    month: str
    anomalies: tuple[Anomaly, ...]
    stages: tuple[Stage, ...]
    report: Path | None = None
    anomalies_file: Path | None = None
    report_outcome: str = ""  # « nouveau », « remplacé » or « identique »
    kept_previous: Path | None = None
    dissolution: str = ""
    totals: dict[str, int] = field(default_factory=dict)
    issued: tuple[Path, ...] = ()  # titres to issue (xlsx, PES Aller)
    statements: tuple[Path, ...] = ()
    reminders: tuple[Path, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.is_error]

    @property
    def warnings(self) -> list[Anomaly]:
        return [a for a in self.anomalies if not a.is_error]


@dataclass(frozen=True)
class Job:
    """What a run is asked to do."""

    month: str
    period: Period  # from ``month``, before anything is written
    inputs: Path
    reports: Path
    limits: Limits
    statements: bool  # `--releves`
    options: receivables_view.Options  # `--relances`, `--delai-relance`

    @property
    def folder(self) -> Path:
        return self.reports / self.month


@dataclass
class Trail:
    """What ``run`` must know to journal a run that ends early (interrupted, disk full,
    failure). The sequence records it between stages; no stage sees it."""

    inputs: dict[str, str] = field(default_factory=dict)  # name → SHA-256, once read
    stages: list[Stage] = field(default_factory=list)  # each stage's time, as it ends
    report: Path | None = None  # once published
    report_outcome: str = ""
    ended: bool = False  # its ``fin`` is in the journal
    _start: float = field(default_factory=time.perf_counter)

    def lap(self, name: str, rows: int) -> None:
        """Wall time since the last lap, peak memory so far and rows handled (for the
        journal and the benchmark)."""
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stages.append(Stage(name, now - self._start, peak, rows))
        self._start = now


@dataclass(frozen=True)
class Validated:
    """The validate stage's value: per table, the cells known to be wrong (so that the
    computation uses only the sound rows), and the Hélios side of the inputs."""

    inputs: Inputs
    checked: dict[str, Checked]
    parameters: Parameters
    pes_titres: pd.DataFrame | None


@dataclass(frozen=True)
class Reconciled:
    """The reconcile stage's value: what the Rapprochement, the receivables sheets, the
    Évolutions sheet and the titres to issue show."""

    rows: pd.DataFrame
    titres: pd.DataFrame | None
    receivables: receivables_view.Receivables
    planned: titres_out.Plan
    changes: tuple[str, pd.DataFrame] | None
    reminder_delay: int
    dunning: dunning.Dunning  # what the reminder letters claim (spécification §4.15)
    identity: Identity  # who sends and who collects, from Parametres (§2.9)


@dataclass(frozen=True)
class Published:
    report: Path
    how: str  # « nouveau », « remplacé » or « identique »
    kept_previous: Path | None
    snapshot: Path


# -- the run ----------------------------------------------------------------------------


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
    job = Job(month, period_of(month), inputs, reports, limits or Limits(), statements,
              receivables_view.Options(reminders, delai_relance))
    folder = job.folder
    try:
        record(folder, month, "debut", reserve=RESERVE, commande="run",
               dossier_entrees=str(inputs), dossier_rapports=str(reports), releves=statements)
    except OSError as error:  # not started: nothing to journal, nothing written
        if disk_full(error) is not None:
            raise DiskFull(folder, space_needed(inputs, statements=statements)
                           ) from error
        raise
    trail = Trail()
    try:
        with exclusive(folder):
            try:
                return _month(job, progress or quiet, trail)
            except BaseException:
                with contextlib.suppress(OSError):
                    sweep(folder)
                raise
    except BaseException as error:
        _end_early(job, trail, error)
        raise


def _month(job: Job, say: Progress, trail: Trail) -> Outcome:
    """The stages in order; ``trail`` keeps what an early end must journal."""
    folder, month, period = job.folder, job.month, job.period
    sweep(folder)  # what a killed run left: temporaries of the report, snapshot, history…
    close_abandoned(folder, month)  # … and its journal without a ``fin``

    inputs, validated, due, anomalies = _examine(job.inputs, job.limits, period, say, trail)
    if due is None or has_errors(anomalies):
        return _refuse(job, inputs, anomalies, trail)

    say("rapprochement", f"{len(due.charges)} charges")
    reconciled, problems = reconcile_titres(validated, due, period, folder, job.options)
    anomalies = sorted([*anomalies, *problems], key=sort_key)  # the final list
    trail.lap("rapprochement", len(reconciled.rows))

    say("écriture", f"{len(reconciled.rows)} lignes de rapprochement")
    report = build_report(period, validated, due, reconciled, anomalies, job.options)
    temporary = render(report, folder)
    published = publish_report(temporary, folder, month, inputs.files)
    trail.report, trail.report_outcome = published.report, published.how
    retire(folder / anomalies_name(month))  # the inputs are valid now
    issued = titres_out.write(folder, period, reconciled.planned)
    statements = publish_statements(job, inputs, due, reconciled, say)
    reminders = publish_reminders(job, inputs, reconciled, say)
    trail.lap("écriture", len(due.charges) + len(reconciled.rows))

    outcome = Outcome(
        EXIT_OK, month, tuple(anomalies), tuple(trail.stages), published.report,
        report_outcome=published.how, kept_previous=published.kept_previous,
        dissolution=dissolution_notice(due, period), totals=report_totals(reconciled.rows),
        issued=tuple(issued), statements=tuple(statements), reminders=tuple(reminders),
        notices=tuple(reconciled.planned.notices))
    audit(job, inputs, published, report, outcome.stages)
    trail.ended = True
    return outcome


def _examine(source: Path, limits: Limits, period: Period, say: Progress, trail: Trail
             ) -> tuple[Inputs, Validated, Due | None, list[Anomaly]]:
    """The first stages, which ``check`` runs too: read → normalise → validate →
    compute. Every anomaly they find, sorted; ``due`` is ``None`` when a needed sheet
    could not be read at all."""
    found, anomalies = read(source, limits, say)
    inputs, problems = normalise(found)
    anomalies = without_repeats([*anomalies, *problems])
    trail.inputs = inputs.digests
    trail.lap("lecture", inputs.rows)

    say("validation", f"{inputs.rows} lignes")
    validated, problems = validate_inputs(inputs, period, anomalies)
    anomalies = without_repeats([*anomalies, *problems])
    trail.lap("validation", inputs.rows)

    due, problems = compute_charges(validated, period)
    anomalies = sorted(without_repeats([*anomalies, *problems]), key=sort_key)
    if due is not None:
        trail.lap("calcul", len(due.charges))
    return inputs, validated, due, anomalies


def _refuse(job: Job, inputs: Inputs, anomalies: list[Anomaly], trail: Trail) -> Outcome:
    """spécification §4.9: every error and warning in anomalies_YYYY-MM.xlsx, no
    reconciliation; journaled as a refusal (exit 2)."""
    target, how, kept = write_anomalies(job.folder, job.month, anomalies)
    trail.report_outcome = how
    errors = sum(a.is_error for a in anomalies)
    record(job.folder, job.month, "fin", statut=EXIT_INVALID, resultat="entrees invalides",
           entrees=inputs.digests, anomalies=str(target), erreurs=errors,
           avertissements=len(anomalies) - errors, ecriture=how,
           anomalies_par_code=counts_by_code(anomalies))
    trail.ended = True
    return Outcome(EXIT_INVALID, job.month, tuple(anomalies), tuple(trail.stages),
                   anomalies_file=target, report_outcome=how, kept_previous=kept)


def _end_early(job: Job, trail: Trail, error: BaseException) -> None:
    """Journal a run ended by ``error`` (its status, what it had read and published);
    turn a full disk into ``DiskFull`` with the room a run needs."""
    if trail.report is not None:
        mark_published(error, trail.report)
    status, details = ending(error)
    written: dict[str, Any] = {"ecriture": trail.report_outcome} if trail.report_outcome else {}
    with contextlib.suppress(OSError):  # whole line or nothing; never hide ``error``
        if not trail.ended:
            record(job.folder, job.month, "fin", statut=status, entrees=trail.inputs,
                   **written, **details)
    if disk_full(error) is not None:
        rows = {s.name: s.rows for s in trail.stages}
        raise DiskFull(job.folder, space_needed(job.inputs, rows.get("lecture", 0),
                                                rows.get("rapprochement", 0), job.statements),
                       trail.report) from error


def check(month: str, inputs: Path, limits: Limits, reports: Path | None = None
          ) -> tuple[list[Anomaly], Path | None]:
    """`reconcile check`: the anomalies a run would find (its stages up to the
    computation); nothing is written unless ``reports`` is given (then only the
    anomalies file)."""
    anomalies = _examine(inputs, limits, period_of(month), quiet, Trail())[3]
    if reports is None or not anomalies:
        return anomalies, None
    with exclusive(reports / month):  # a run of the month sweeps its temporaries
        return anomalies, write_anomalies(reports / month, month, anomalies)[0]


# -- the stages --------------------------------------------------------------------------


def validate_inputs(inputs: Inputs, period: Period, known: list[Anomaly]
                    ) -> tuple[Validated, list[Anomaly]]:
    """Every check on the cells that read well (spécification §2.8), then the Hélios
    side: parameters (§2.9) and PES Retour titres (§2.10). ``known``: what reading
    already found."""
    problems, checked = validate(inputs.tables, known)
    parameters, pes_titres, found = helios.prepare(inputs.tables, list(inputs.pes), period)
    return Validated(inputs, checked, parameters, pes_titres), [*problems, *found]


def compute_charges(validated: Validated, period: Period) -> tuple[Due | None, list[Anomaly]]:
    """What every member owes (spécification §3.2–§3.6), on the sound rows only, so that
    the coverage errors (§3.7) are found even when other cells are wrong; ``None`` when
    a needed sheet could not be read at all."""
    tables, doubt = sound_rows(validated.checked)
    if tables is None:
        return None, []
    return compute(tables, period, doubt)


def reconcile_titres(validated: Validated, due: Due, period: Period, folder: Path,
                     options: receivables_view.Options) -> tuple[Reconciled, list[Anomaly]]:
    """Charges against the titres known at the as-of date (spécification §4.5), past
    exercises and receivables (§4.13, §4.14), the titres to issue (§4.16) and the changes
    since last month's report (§4.8). Reads the earlier reports of the reports folder
    (``folder``'s parent): past exercises' final reports and last month's."""
    tables = validated.inputs.tables
    xlsx = tables.get("titres")
    titres = helios.titres_of(xlsx.frame if xlsx else None, validated.pes_titres,
                              xlsx.file if xlsx else "")
    members = tables["membres"].frame
    titres, as_of = titres_as_of(titres, period.as_of)
    delay = reminder_delay(options.delai_relance, validated.parameters.written())
    rows = reconcile(due.charges, titres, members, period.year)
    if validated.pes_titres is not None and titres is not None:
        rows = rows.assign(etat_helios=helios.states(rows, titres))
    receivables = receivables_view.build(folder.parent, period, titres, members, as_of)
    planned = titres_out.plan(issuance.propose(rows, due.charges, members, titres,
                                               validated.parameters), validated.parameters,
                              period, period.month)
    changes, problems = _evolutions(folder, period.month, due, rows,
                                    (titres, receivables.outstanding, delay))
    letters = dunning.claimable(receivables.outstanding, delay, members,
                                dunning.credits_by_titre(planned.proposal.lines), titres)
    return (Reconciled(rows, titres, receivables, planned, changes, delay, letters,
                       Identity.of(validated.parameters)),
            [*receivables.past.anomalies, *planned.warnings, *problems, *letters.warnings])


def build_report(period: Period, validated: Validated, due: Due, reconciled: Reconciled,
                 anomalies: list[Anomaly], options: receivables_view.Options) -> Report:
    """Everything the workbook shows, in one frozen value: rendering only lays it out."""
    inputs = validated.inputs
    settings = applied_settings(validated.parameters, reconciled.reminder_delay,
                                options.delai_relance)
    control = Control(period.month, period, inputs.files, inputs.counts,
                      inputs.tables["bareme"].frame,
                      due.charges["bareme_ligne"].dropna().astype(int).value_counts(),
                      receivables_view.final_reports(reconciled.receivables), settings)
    warnings = tuple(a for a in anomalies if not a.is_error)
    todo = actions.month_actions(reconciled.planned.proposal, reconciled.dunning,
                                 len(warnings), reconciled.receivables.outstanding,
                                 reconciled.titres, period.month,
                                 reconciled.identity.missing())
    return Report(period.month, period, due, reconciled.rows, warnings, control,
                  len(inputs.tables["membres"].frame), reconciled.changes,
                  reconciled.receivables, reconciled.planned.summary, tuple(todo))


def render(report: Report, folder: Path) -> Path:
    """The workbook, in a temporary file next to its target (put in place by
    ``publish_report``)."""
    return write_new(report_path(folder, report.month),
                     lambda path: render_report(path, report))


def publish_report(temporary: Path, folder: Path, month: str,
                   files: tuple[InputFile, ...]) -> Published:
    """Keep a copy of the inputs read, then put the report in place (a different
    previous one kept)."""
    try:
        snapshot = _snapshot(folder, files)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    target = report_path(folder, month)
    how, kept = publish(temporary, target)
    return Published(target, how, kept, snapshot)


def publish_statements(job: Job, inputs: Inputs, due: Due, reconciled: Reconciled,
                       say: Progress) -> list[Path]:
    """`--releves`: one statement per member (spécification §4.10)."""
    if not job.statements:
        return []
    from .statements import write_statements

    say("relevés", "un relevé par membre")
    consultations = inputs.tables.get("consultations")
    titles = {} if consultations is None else {
        str(code): str(title) for code, title in zip(
            consultations.frame["code"], consultations.frame.get("libelle", []), strict=False)
        if isinstance(title, str) and title}
    return write_statements(job.folder, job.month, job.period, due.charges, reconciled.rows,
                            reconciled.titres, reconciled.identity,
                            inputs.tables["membres"].frame, titles)


def publish_reminders(job: Job, inputs: Inputs, reconciled: Reconciled, say: Progress
                      ) -> list[Path]:
    """`--relances`: one letter per member with titres overdue by the reminder delay
    (spécification §4.15)."""
    if not job.options.reminders:
        return []
    say("relances", f"titres en retard de plus de {reconciled.reminder_delay} jours")
    return write_reminders(job.folder, job.period, reconciled.dunning,
                           inputs.tables["membres"].frame, reconciled.reminder_delay,
                           reconciled.identity)


def audit(job: Job, inputs: Inputs, published: Published, report: Report,
          stages: tuple[Stage, ...]) -> None:
    """The audit trail: the journal's ``fin`` line of a run that wrote its report —
    inputs and their digests, what was written, the anomalies per code and the time of
    each stage (spécification §4.12)."""
    record(job.folder, job.month, "fin", statut=EXIT_OK, resultat="rapport",
           entrees=inputs.digests, rapport=str(published.report), ecriture=published.how,
           version_precedente=str(published.kept_previous or ""),
           copie_des_entrees=str(published.snapshot), avertissements=len(report.warnings),
           anomalies_par_code=counts_by_code(list(report.warnings)),
           rapports_finals={name: digest for _, name, digest in report.control.final_reports},
           etapes={s.name: round(s.seconds, 3) for s in stages})


def report_path(folder: Path, month: str) -> Path:
    return folder / report_name(month)


def report_totals(rows: pd.DataFrame) -> dict[str, int]:
    """Due, invoiced and collected over the Rapprochement, in cents."""
    return {k: int(rows[k].sum()) for k in ("du", "titre", "encaisse")}


def write_anomalies(folder: Path, month: str, anomalies: list[Anomaly]
                    ) -> tuple[Path, str, Path | None]:
    """``anomalies_YYYY-MM.xlsx``, written atomically, a different previous one kept.
    Returns its path, how it was written and where the previous one went."""
    target = folder / anomalies_name(month)
    created = created_at(period_of(month))
    temporary = write_new(target, lambda path: render_anomalies(path, anomalies, created))
    return (target, *publish(temporary, target))


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


def _snapshot(folder: Path, files: tuple[InputFile, ...]) -> Path:
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
