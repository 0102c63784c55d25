"""One monthly run, top to bottom (``_month``):

    read → normalise → validate → compute → read earlier reports → reconcile
    → plan titres (PES Aller) → build report → render → publish → audit

Reading is done by the read layer only (inputs: ``intake.read``; the reports and PES
Aller already written: ``earlier.read``, ``earlier.read_sent``), each file once; the
stages after it open no file.
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..check.validate import Checked, validate, without_repeats
from ..compute import actions, dunning, helios, issuance
from ..compute.asof import AsOf, titres_as_of
from ..compute.charges import Due, compute, sound_rows
from ..compute.numbering import next_numbers
from ..compute.past_exercises import reopened
from ..compute.reconciliation import reconcile
from ..compute.settings import Options, Settings, decide
from ..core.anomalies import Anomaly, counts_by_code, file_problem, has_errors, sort_key
from ..core.journal import close_abandoned, record, record_start
from ..core.model import (
    EXIT_INVALID,
    EXIT_OK,
    Document,
    Period,
    anomalies_name,
    period_of,
    report_name,
)
from ..core.progress import Progress, quiet
from ..core.safeio import (
    exclusive,
    publish,
    put,
    retire,
    scratch,
    stage,
    sweep,
    temporary_path,
    write_bytes_atomically,
)
from ..read import earlier as earlier_reports
from ..read import pes_retour, pes_sent
from ..read.acquits import parse_files as parse_acquits
from ..read.earlier import Earlier, SentFiles
from ..read.intake import Inputs, SheetCount, normalise, read
from ..read.parameters import Parameters
from ..read.reader import InputFile, Limits, changed_warning
from ..render import evolutions, receivables_view, reminders, statements, titres_out
from ..render.audit import Control
from ..render.report import Report, dissolution_notice, render_anomalies, render_report
from .faults import DiskFull, disk_full, ending, mark_published, space_needed
from .publish import write_family, write_titres


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
    options: Options  # `--relances`, `--delai-relance`

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
    sent: pd.DataFrame | None = None  # the PES Aller lines already written (pes_sent)
    acquits: pd.DataFrame | None = None  # the reception's acquits of them (acquits)
    sent_files: SentFiles = field(default_factory=SentFiles)  # their bytes, read once


@dataclass(frozen=True)
class Known:
    """The titres known at the as-of date (spécification §4.5): from the `Titres` sheet
    and the PES Retour flows, those issued after the date left out (``as_of``)."""

    titres: pd.DataFrame | None
    as_of: AsOf
    every: pd.DataFrame | None = None  # also those after the as-of date: numbers used
    rejected: bool = False  # some titres went back « à émettre » (a rejected bordereau)


@dataclass(frozen=True)
class Reconciled:
    """The reconcile stage's value: what the Rapprochement, the receivables sheets, the
    Évolutions sheet and the titres to issue show."""

    rows: pd.DataFrame
    titres: pd.DataFrame | None
    receivables: receivables_view.Receivables
    proposal: issuance.Proposal  # the titres to issue (§4.16), before any file is built
    changes: tuple[str, pd.DataFrame] | None
    dunning: dunning.Dunning  # what the reminder letters claim (spécification §4.15)


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
    journaled: bool = False,
    reissue: bool = False,
) -> Outcome:
    """The monthly job. Journals its start, then holds its month folder's lock to the
    end; whatever ends it (refusal, interruption, full disk, failure) is journaled with
    its exit status, and what it created but did not publish is removed.
    ``reminders``: also write the reminder letters; ``delai_relance``: the option, see
    ``settings.decide``; ``journaled``: the caller already wrote the ``debut`` (the
    command line does, before its slow imports); ``reissue``: replace the month's PES
    Aller already written (`--reemettre`)."""
    job = Job(month, period_of(month), inputs, reports, limits or Limits(), statements,
              Options(reminders, delai_relance, reissue))
    folder = job.folder
    try:
        if not journaled:
            record_start(reports, month, inputs, statements)
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

    inputs, validated, due, anomalies = _examine(job.inputs, job.limits, period, say, trail,
                                                 job.reports)
    if due is None or has_errors(anomalies):
        return _refuse(job, inputs, anomalies, trail)

    say("rapprochement", f"{len(due.charges)} charges")
    settings = decide(job.options, validated.parameters)
    known = known_titres(validated, period)
    earlier = read_earlier(job.reports, period, known)
    reconciled, problems = reconcile_titres(validated, due, period, known, earlier, settings)
    trail.lap("rapprochement", len(reconciled.rows))

    say("écriture", f"{len(reconciled.rows)} lignes de rapprochement")
    planned, more = plan_titres(validated, reconciled, period, known, settings)
    anomalies = sorted([*anomalies, *problems, *more], key=sort_key)  # the final list
    report = build_report(period, validated, due, reconciled, planned, anomalies, settings,
                          earlier)
    with scratch(folder) as room:  # where the large workbooks stream their rows
        document = render(report, room)
        to_issue = titres_out.documents(period, planned, room)
    published = publish_report(document, folder, month, inputs.files)
    trail.report, trail.report_outcome = published.report, published.how
    retire(folder / anomalies_name(month))  # the inputs are valid now
    issued = publish_titres(folder, to_issue, planned)
    written_statements = publish_statements(job, inputs, due, reconciled, settings, say)
    written_reminders = publish_reminders(job, inputs, reconciled, settings, say)
    trail.lap("écriture", len(due.charges) + len(reconciled.rows))

    outcome = Outcome(
        EXIT_OK, month, tuple(anomalies), tuple(trail.stages), published.report,
        report_outcome=published.how, kept_previous=published.kept_previous,
        dissolution=dissolution_notice(due, period), totals=report_totals(reconciled.rows),
        issued=tuple(issued), statements=tuple(written_statements),
        reminders=tuple(written_reminders),
        notices=tuple(planned.notices))
    audit(job, inputs, published, report, outcome.stages)
    trail.ended = True
    return outcome


def _examine(source: Path, limits: Limits, period: Period, say: Progress, trail: Trail,
             reports: Path | None = None
             ) -> tuple[Inputs, Validated, Due | None, list[Anomaly]]:
    """The first stages, which ``check`` runs too: read → normalise → validate →
    compute. Every anomaly they find, sorted; ``due`` is ``None`` when a needed sheet
    could not be read at all. ``reports``: where the PES Aller already written are."""
    found, anomalies = read(source, limits, say)
    sent_files = earlier_reports.read_sent(reports) if reports is not None else SentFiles()
    sent, unread = pes_sent.parse_files(sent_files)
    acquitted, unread_acquits = parse_acquits(found.acquits)
    anomalies += [*unread, *unread_acquits]
    inputs, problems = normalise(found)
    inputs = replace(inputs, counts=(*inputs.counts, *(
        SheetCount(f.name, "ACQUIT/ElementACQUIT", None,
                   int((acquitted["file"] == f.name).sum()), 0, "acquit PES (XML)")
        for f in found.acquits)))
    anomalies = without_repeats([*anomalies, *problems])
    trail.inputs = inputs.digests
    trail.lap("lecture", inputs.rows)

    say("validation", f"{inputs.rows} lignes")
    validated, problems = validate_inputs(inputs, period, anomalies, sent, acquitted,
                                          sent_files)
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
    anomalies = _examine(inputs, limits, period_of(month), quiet, Trail(), reports)[3]
    if reports is None or not anomalies:
        return anomalies, None
    with exclusive(reports / month):  # a run of the month sweeps its temporaries
        return anomalies, write_anomalies(reports / month, month, anomalies)[0]


# -- the stages --------------------------------------------------------------------------


def validate_inputs(inputs: Inputs, period: Period, known: list[Anomaly],
                    sent: pd.DataFrame | None = None, acquits: pd.DataFrame | None = None,
                    sent_files: SentFiles | None = None) -> tuple[Validated, list[Anomaly]]:
    """Every check on the cells that read well (spécification §2.8), then the Hélios
    side: parameters (§2.9) and PES Retour titres (§2.10). ``known``: what reading
    already found."""
    problems, checked = validate(inputs.tables, known)
    parameters, pes_titres, found = helios.prepare(inputs.tables, list(inputs.pes), period,
                                                   sent)
    return (Validated(inputs, checked, parameters, pes_titres, sent, acquits,
                      sent_files or SentFiles()),
            [*problems, *found])


def compute_charges(validated: Validated, period: Period) -> tuple[Due | None, list[Anomaly]]:
    """What every member owes (spécification §3.2–§3.6), on the sound rows only, so that
    the coverage errors (§3.7) are found even when other cells are wrong; ``None`` when
    a needed sheet could not be read at all."""
    tables, doubt = sound_rows(validated.checked)
    if tables is None:
        return None, []
    return compute(tables, period, doubt)


def known_titres(validated: Validated, period: Period) -> Known:
    """The titres of the `Titres` sheet and of the PES Retour flows, as of the date."""
    xlsx = validated.inputs.tables.get("titres")
    titres = helios.titres_of(xlsx.frame if xlsx else None, validated.pes_titres,
                              xlsx.file if xlsx else "")
    rejected = helios.rejected_titres(validated.acquits, validated.sent)
    titres = helios.mark_rejected(titres, rejected)  # a rejected bordereau: « à émettre »
    return Known(*titres_as_of(titres, period.as_of), every=titres, rejected=bool(rejected))


def read_earlier(reports: Path, period: Period, known: Known) -> Earlier:
    """The earlier reports the month needs, each read once (read layer): last month's
    and the final report of each reopened exercise (spécification §4.8, §4.13)."""
    return earlier_reports.read(reports, period.month,
                                reopened(period.year, period.as_of, known.titres))


def reconcile_titres(validated: Validated, due: Due, period: Period, known: Known,
                     earlier: Earlier, settings: Settings
                     ) -> tuple[Reconciled, list[Anomaly]]:
    """Charges against the titres known at the as-of date (spécification §4.5), past
    exercises and receivables (§4.13, §4.14), the titres to issue (§4.16) and the changes
    since last month's report (§4.8). The earlier reports come read (``earlier``): this
    stage opens no file."""
    titres, as_of = known.titres, known.as_of
    members = validated.inputs.tables["membres"].frame
    delay = settings.delay
    rows = reconcile(due.charges, titres, members, period.year)
    if (validated.pes_titres is not None or known.rejected) and titres is not None:
        rows = rows.assign(etat_helios=helios.states(rows, titres))
    receivables = receivables_view.build(earlier, period, titres, members, as_of)
    proposal = issuance.propose(rows, due.charges, members, titres, validated.parameters)
    changes, problems = _evolutions(earlier, period.month, due, rows,
                                    (titres, receivables.outstanding, delay))
    moved = [changed_warning(r.name) for r in earlier.reports if r.changed]
    letters = dunning.claimable(receivables.outstanding, delay, members,
                                dunning.credits_by_titre(proposal.lines), titres)
    return (Reconciled(rows, titres, receivables, proposal, changes, letters),
            [*moved, *receivables.past.anomalies, *problems, *letters.warnings])


def plan_titres(validated: Validated, reconciled: Reconciled, period: Period, known: Known,
                settings: Settings) -> tuple[titres_out.Plan, list[Anomaly]]:
    """The titres to issue laid out for writing (spécification §4.16): numbered after
    every number already used (the PES Aller already written, the titres source even
    after the as-of date, `Parametres`), then the PES Aller built and checked against
    its schema and the dossier's rules — a render step, like the workbooks, done before
    the report that states it."""
    sent = validated.sent if validated.sent is not None else pes_sent.empty()
    budget = pes_retour.budget_numbers(list(validated.inputs.pes), validated.parameters)
    numbering = next_numbers(period.year, sent[sent["month"] != period.month], known.every,
                             validated.parameters, budget)
    membres = validated.inputs.tables["membres"]
    planned = titres_out.plan(reconciled.proposal, validated.parameters, period,
                              period.month, numbering, validated.sent_files.current(period.month),
                              settings.options.reissue, membres.frame,
                              members_file=membres.file, acquits=validated.acquits)
    return planned, list(planned.warnings)


def build_report(period: Period, validated: Validated, due: Due, reconciled: Reconciled,
                 planned: titres_out.Plan, anomalies: list[Anomaly], settings: Settings,
                 earlier: Earlier) -> Report:
    """Everything the workbook shows, in one frozen value: rendering only lays it out."""
    inputs = validated.inputs
    moved = [f.name for f in inputs.files if f.changed]
    moved += [r.name for r in earlier.reports if r.changed]
    control = Control(period.month, period, inputs.files, inputs.counts,
                      inputs.tables["bareme"].frame,
                      due.charges["bareme_ligne"].dropna().astype(int).value_counts(),
                      receivables_view.final_reports(reconciled.receivables),
                      settings.shown(), tuple(moved), _compared(earlier, reconciled))
    warnings = tuple(a for a in anomalies if not a.is_error)
    todo = actions.month_actions(reconciled.proposal, reconciled.dunning,
                                 len(warnings), reconciled.receivables.outstanding,
                                 reconciled.titres, period.month,
                                 settings.identity.missing(), validated.acquits,
                                 planned.summary)
    return Report(period.month, period, due, reconciled.rows, warnings, control,
                  len(inputs.tables["membres"].frame), reconciled.changes,
                  reconciled.receivables, planned.summary, tuple(todo))


def _compared(earlier: Earlier, reconciled: Reconciled) -> tuple[str, str] | None:
    """Last month's report, named with its digest, when Évolutions was drawn from it."""
    previous = earlier.previous
    if previous is None or reconciled.changes is None:
        return None
    return previous.name, previous.sha256


def render(report: Report, room: str) -> Document:
    """The workbook, as bytes (``room``: the scratch folder its rows stream through);
    written by ``publish_report``."""
    return render_report(report, room)


def publish_report(document: Document, folder: Path, month: str,
                   files: tuple[InputFile, ...]) -> Published:
    """The report in a temporary file beside its target; a copy of the inputs read
    kept; then the report put in place (a different previous one kept)."""
    temporary = stage(report_path(folder, month), document.data)
    try:
        snapshot = _snapshot(folder, files)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    target = report_path(folder, month)
    how, kept = publish(temporary, target)
    return Published(target, how, kept, snapshot)


def publish_statements(job: Job, inputs: Inputs, due: Due, reconciled: Reconciled,
                       settings: Settings, say: Progress) -> list[Path]:
    """`--releves`: one statement per member (spécification §4.10)."""
    if not job.statements:
        return []
    say("relevés", "un relevé par membre")
    consultations = inputs.tables.get("consultations")
    titles = {} if consultations is None else {
        str(code): str(title) for code, title in zip(
            consultations.frame["code"], consultations.frame.get("libelle", []), strict=False)
        if isinstance(title, str) and title}
    return write_family(job.folder, statements.statements(
        job.month, job.period, due.charges, reconciled.rows, reconciled.titres,
        settings.identity, inputs.tables["membres"].frame, titles), statements.PATTERN)


def publish_reminders(job: Job, inputs: Inputs, reconciled: Reconciled, settings: Settings,
                      say: Progress) -> list[Path]:
    """`--relances`: one letter per member with titres overdue by the reminder delay
    (spécification §4.15)."""
    if not job.options.reminders:
        return []
    say("relances", f"titres en retard de plus de {settings.delay} jours")
    return write_family(job.folder, reminders.reminders(
        job.period, reconciled.dunning, inputs.tables["membres"].frame,
        settings.delay, settings.identity), reminders.PATTERN)


def publish_titres(folder: Path, documents: tuple[Document, ...], planned: titres_out.Plan
                   ) -> list[Path]:
    """The titres to issue and the PES Aller (spécification §4.16), after the report."""
    return write_titres(folder, documents, titres_out.pes_pattern(planned.month),
                        planned.keep)


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
           **_previous_entry(report.control.previous),
           etapes={s.name: round(s.seconds, 3) for s in stages})


def _previous_entry(previous: tuple[str, str] | None) -> dict[str, Any]:
    """The journal's ``rapport_precedent`` (name → SHA-256), when Évolutions used it."""
    return {"rapport_precedent": dict([previous])} if previous else {}


def report_path(folder: Path, month: str) -> Path:
    return folder / report_name(month)


def report_totals(rows: pd.DataFrame) -> dict[str, int]:
    """Due, invoiced and collected over the Rapprochement, in cents."""
    return {k: int(rows[k].sum()) for k in ("du", "titre", "encaisse")}


def write_anomalies(folder: Path, month: str, anomalies: list[Anomaly]
                    ) -> tuple[Path, str, Path | None]:
    """``anomalies_YYYY-MM.xlsx``, written atomically, a different previous one kept.
    Returns its path, how it was written and where the previous one went."""
    with scratch(folder) as room:
        document = render_anomalies(month, anomalies, room)
    target = folder / document.name
    return (target, *put(target, document.data))


def _evolutions(earlier: Earlier, month: str, due: Due, rows: pd.DataFrame,
                receivables: tuple) -> tuple[tuple[str, pd.DataFrame] | None, list[Anomaly]]:
    """Changes since last month's report of the exercise; a warning if it is unreadable."""
    previous = earlier.previous
    before = earlier_reports.previous_month(month)
    try:
        if previous is None:
            failed = [why for name, why in earlier.unreadable.items()
                      if before is not None and name.startswith(f"{before}/")]
            if not failed:
                return None, []
            raise OSError(failed[0])
        if previous.problem:
            raise ValueError(previous.problem)
        return (previous.month, evolutions.compare(previous.sheets, due.charges, rows,
                                                   *receivables)), []
    except Exception as error:  # an old or hand-edited report must not stop the month
        name = previous.file if previous else report_name(str(before))
        return None, [file_problem(name, "evolutions-illisibles", error=error)]


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
