"""Command line: ``reconcile run | check | init``. Parses options, calls the library,
prints a French summary and returns the exit status of spécification §4.11. The only module that
prints or exits."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..core.anomalies import Anomaly
    from ..read.reader import Limits
    from ..run.pipeline import Outcome

from ..core import interrupts
from ..core.model import EXIT_BUSY, EXIT_FAILURE, EXIT_INVALID, EXIT_OK, anomalies_name
from .french_argparse import FrenchArgumentParser, whole_number


def main(argv: list[str] | None = None) -> int:
    """SIGTERM and SIGINT stop the command cleanly, with status 143 or 130.

    ``argv`` ``None`` is the program itself (console script, ``python -m``): signals
    stay handled (then ignored) until the process ends. Given ``argv`` (tests, other
    Python code), the caller's handlers are restored on return.
    """
    try:
        # Signals stay noted, not raised, until the command can journal them (``_run``).
        interrupts.install(defer=True)
        return _main(argv)
    except KeyboardInterrupt as stop:
        from ..run.faults import aftermath

        print(f"Interrompu ({interrupts.signal_name(stop)}) : arrêt propre, aucun fichier "
              f"partiel n'a été laissé ; {aftermath(stop)}.", file=sys.stderr)
        return interrupts.status_of(stop)
    finally:
        if argv is None:
            interrupts.ignore()
        else:
            interrupts.restore()


def _main(argv: list[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # a command is required: without one, exit 64
    if args.handler is not _run:
        _interruptible()
    try:
        return args.handler(args)
    except Exception as error:  # the one place that turns a failure into one readable line
        interrupts.ignore()  # the journal has this end: no signal may change it now
        from ..run.faults import message

        line = message(error)
        if line is not None:  # disk full, permissions…: the machine, not a bug
            print(line, file=sys.stderr)
            return EXIT_FAILURE
        log = _write_crash_log(getattr(args, "reports", None), error)
        print(f"Erreur inattendue ({type(error).__name__} : {error}). Aucun rapport partiel "
              f"n'a été écrit. Détails : {log}", file=sys.stderr)
        return EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="reconcile",
        description="Refacturation et rapprochement du groupement de commandes.",
        epilog="Aide d'une commande : reconcile COMMANDE --help. Statuts de sortie : 0 "
               "réussi, 1 erreur inattendue, 2 entrées invalides, 3 verrou occupé, "
               "64 commande mal écrite.",
    )
    commands = parser.add_subparsers(dest="command", metavar="commande", required=True)

    run = commands.add_parser("run", help="calculer les charges et écrire le rapprochement")
    _common(run)
    run.add_argument("--reports", type=Path, default=Path("reports"), metavar="DOSSIER",
                     help="dossier des rapports (défaut : reports/)")
    run.add_argument("--releves", action="store_true",
                     help="écrire aussi un relevé par membre (reports/AAAA-MM/releves/)")
    run.add_argument("--relances", action="store_true",
                     help="écrire aussi une lettre de relance par membre ayant des titres "
                     "impayés depuis plus du délai de relance (reports/AAAA-MM/relances/)")
    run.add_argument("--delai-relance", type=_days, default=None, metavar="JOURS",
                     help="jours après l'émission au-delà desquels un titre impayé est "
                     "relancé (défaut : 60)")
    run.add_argument("--reemettre", action="store_true",
                     help="remplacer le PES Aller du mois déjà écrit (seulement s'il n'a "
                     "pas été intégré par le comptable : ses numéros sont réutilisés)")
    run.add_argument("--mesures", type=Path, metavar="FICHIER.json",
                     help="écrire la durée, la mémoire et les lignes de chaque étape")
    run.set_defaults(handler=_run)

    check = commands.add_parser("check", help="valider les fichiers d'entrée, sans rien écrire")
    _common(check)
    check.add_argument("--reports", type=Path, default=None, metavar="DOSSIER",
                       help="écrire aussi anomalies_AAAA-MM.xlsx dans ce dossier")
    check.set_defaults(handler=_check)

    init = commands.add_parser("init", help="écrire des modèles vierges des fichiers d'entrée")
    init.add_argument("dossier", nargs="?", type=Path, default=Path("inputs"),
                      help="dossier où écrire les modèles (défaut : inputs/)")
    init.set_defaults(handler=_init)
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--mois", type=_month, default=dt.date.today().strftime("%Y-%m"),
                         metavar="AAAA-MM",
                         help="mois traité, AAAA-MM, ou « precedent » pour le mois écoulé "
                         "(exécution planifiée le 1er) ; défaut : le mois en cours")
    command.add_argument("--inputs", type=Path, default=Path("inputs"), metavar="DOSSIER",
                         help="dossier des fichiers d'entrée (défaut : inputs/)")
    command.add_argument("--max-fichier-mo", type=whole_number, default=100, metavar="MO",
                         help="taille maximale d'un fichier d'entrée, en Mo (défaut : 100)")
    command.add_argument("--max-decompresse-mo", type=whole_number, default=1024,
                         metavar="MO",
                         help="taille décompressée maximale d'un classeur, en Mo (défaut : 1024)")
    command.add_argument("--max-lignes", type=whole_number, default=1_000_000, metavar="N",
                         help="nombre maximal de lignes d'une feuille (défaut : 1 000 000)")


def _month(text: str) -> str:
    if text.lower() in ("precedent", "précédent"):
        return previous_month(dt.date.today())
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"mois invalide « {text} » : écrire AAAA-MM, "
                                         "par exemple 2026-11")
    return text


def _days(text: str) -> int:
    """The same range as ``delai_relance`` in the `Parametres` sheet: 1 to 3 650 days."""
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        raise argparse.ArgumentTypeError(f"délai invalide « {text} » : écrire un nombre de "
                                         "jours de 1 à 3 650, par exemple 60")
    return int(text)


def previous_month(today: dt.date) -> str:
    """The month a run scheduled on the 1st processes: the one just ended."""
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def _limits(args: argparse.Namespace) -> Limits:
    from ..read.reader import Limits

    return Limits(max_file_bytes=args.max_fichier_mo * 2**20,
                  max_unzipped_bytes=args.max_decompresse_mo * 2**20,
                  max_rows=args.max_lignes)


def _interruptible() -> None:
    """From now on a signal stops the command at once; one noted while the program was
    loading stops it here."""
    interrupts.install()
    interrupts.checkpoint()


def _run(args: argparse.Namespace) -> int:
    started = _journal_start(args)
    try:
        _interruptible()  # a signal noted while the program loaded: journaled below
        from ..core.progress import reporter
        from ..core.safeio import Busy
        from ..run.pipeline import run  # the slow imports (pandas, pandera, lxml…)
    except BaseException as error:
        if started:
            _journal_loading_end(args, error)
        raise

    report = reporter()

    def progress(stage: str, text: str) -> None:
        interrupts.checkpoint()
        report(stage, text)

    try:
        outcome = run(args.mois, args.inputs, args.reports, _limits(args), progress,
                      statements=args.releves, reminders=args.relances,
                      delai_relance=args.delai_relance, journaled=started,
                      reissue=args.reemettre)
    except Busy as busy:
        interrupts.ignore()
        return _busy(Path(str(busy)))
    interrupts.ignore()  # done and journaled: a late signal must not contradict the journal
    if args.mesures:
        _write_measures(args.mesures, outcome)
    _print_outcome(outcome)
    return outcome.status


def _journal_start(args: argparse.Namespace) -> bool:
    """The run's ``debut``, written before the slow imports so that an interruption
    while the program loads is journaled too (spécification §4.17). ``False`` if the
    journal cannot be written now: ``pipeline.run`` tries again and says why."""
    from ..core.journal import record_start

    try:
        record_start(args.reports, args.mois, args.inputs, args.releves)
    except OSError:
        return False
    return True


def _journal_loading_end(args: argparse.Namespace, error: BaseException) -> None:
    """The ``fin`` of a run stopped before its first stage (while the program loaded)."""
    from ..core.journal import record

    details: dict[str, Any]
    if isinstance(error, KeyboardInterrupt):
        status = interrupts.status_of(error)
        details = {"resultat": "interrompu", "signal": interrupts.signal_name(error),
                   "etape": "chargement du programme"}
    else:
        status, details = EXIT_FAILURE, {"resultat": "erreur inattendue",
                                         "erreur": f"{type(error).__name__}: {error}"}
    with contextlib.suppress(OSError):  # never hide ``error``
        record(args.reports / args.mois, args.mois, "fin", statut=status, entrees={},
               **details)


def _check(args: argparse.Namespace) -> int:
    from ..core.anomalies import has_errors
    from ..core.safeio import Busy
    from ..run.pipeline import check

    try:
        anomalies, written = check(args.mois, args.inputs, _limits(args), args.reports)
    except Busy as busy:
        return _busy(Path(str(busy)))
    valid = not has_errors(anomalies)
    print(f"Entrées valides pour {args.mois}." if valid else
          f"Entrées invalides pour {args.mois} : « run » n'écrirait aucun rapprochement.")
    if written is not None:
        print(f"Anomalies écrites dans {written}")
    month = args.mois
    _print_summary(anomalies, str(written) if written else None,
                   "pour la liste complète, relancer avec --reports DOSSIER (elle est écrite "
                   f"dans DOSSIER/{month}/{anomalies_name(month)})")
    return EXIT_OK if valid else EXIT_INVALID


def _busy(folder: Path) -> int:
    print(f"Une autre exécution est en cours sur le dossier {folder} : rien n'a été "
          "fait. Réessayer quand elle sera terminée.", file=sys.stderr)
    return EXIT_BUSY


def _init(args: argparse.Namespace) -> int:
    from ..run.publish import write_templates

    if args.dossier.exists() and not args.dossier.is_dir():
        print(f"{args.dossier} existe et n'est pas un dossier : indiquer un dossier où "
              "écrire les modèles.", file=sys.stderr)
        return EXIT_INVALID
    written, refused = write_templates(args.dossier)
    for path in written:
        print(f"Modèle écrit : {path}")
    for path in refused:
        print(f"Refusé : {path} existe déjà (il n'est jamais écrasé).", file=sys.stderr)
    return EXIT_INVALID if refused else EXIT_OK


def _print_outcome(outcome: Outcome) -> None:
    from ..core.wording import NARROW_SPACE, euros

    if outcome.status == EXIT_INVALID:
        print("Entrées invalides. Aucun rapprochement n'a été écrit ; liste complète : "
              f"{outcome.anomalies_file}", file=sys.stderr)
        _print_summary(outcome.anomalies, str(outcome.anomalies_file), stream=sys.stderr)
        return
    if outcome.dissolution:
        print(f"!!! {outcome.dissolution}")
    written = {"nouveau": "écrit", "remplacé": "écrit (l'ancienne version est conservée dans "
               f"{outcome.kept_previous})", "identique": "inchangé (mêmes entrées, même résultat)"}
    print(f"Rapport {written[outcome.report_outcome]} : {outcome.report}")
    totals = outcome.totals
    due, invoiced, collected = (euros(totals[k], NARROW_SPACE)
                                for k in ("du", "titre", "encaisse"))
    left = euros(totals["titre"] - totals["encaisse"], NARROW_SPACE)
    print(f"Dû {due}, titré {invoiced}, encaissé {collected}, reste à recouvrer {left}.")
    for notice in outcome.notices:
        print(notice)
    if outcome.issued:
        print(f"Titres à émettre : {', '.join(str(p) for p in outcome.issued)}")
    if outcome.statements:
        print(f"{len(outcome.statements)} relevé(s) par membre dans "
              f"{outcome.statements[0].parent}")
    if outcome.reminders:
        print(f"{len(outcome.reminders)} lettre(s) de relance dans "
              f"{outcome.reminders[0].parent}")
    _print_summary(outcome.anomalies, f"la feuille Anomalies de {outcome.report}")


def _print_summary(anomalies: Sequence[Anomaly], full_list: str | None, how_to_get: str = "",
                   stream: TextIO | None = None) -> None:
    """The summary ``check`` and ``run`` both print (``reconcile/render/summary.py``): the
    errors with the warnings that explain them, where the full list is, the warnings
    that change what the figures mean, and the count line last."""
    from ..render.summary import summary_lines

    for text in summary_lines(anomalies, full_list, how_to_get):
        print(text, file=stream or sys.stdout)


def _write_measures(path: Path, outcome: Outcome) -> None:
    import json

    path.write_text(json.dumps([s.__dict__ for s in outcome.stages], indent=2) + "\n",
                    encoding="utf-8")


def _write_crash_log(reports: Path | None, error: Exception) -> Path:
    """``erreur_<UTC time>Z_<pid>.log``, complete or absent: never an empty log, never one
    run's log over another's."""
    import tempfile
    import traceback

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_%H%M%S")
    text = "".join(traceback.format_exception(error)).encode("utf-8")
    for folder in (reports, Path(tempfile.gettempdir())):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return _write_unique(folder, f"erreur_{stamp}Z_{os.getpid()}", text)
        except OSError:
            continue
    return Path("(journal impossible à écrire)")


def _write_unique(folder: Path, stem: str, data: bytes) -> Path:
    for counter in range(1, 1000):
        path = folder / f"{stem}{f'-{counter}' if counter > 1 else ''}.log"
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path
    raise FileExistsError(folder)
