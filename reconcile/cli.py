"""Command line: ``reconcile run | check | init``. Parses options, calls the library,
prints a French summary and returns the exit status of SPEC §4. The only module that
prints or exits."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import traceback
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_BUSY = 0, 1, 2, 3
SHOWN_ERRORS = 15


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INVALID
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("Interrompu : aucun rapport partiel n'a été laissé.", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:  # the one place that turns a bug into one readable line
        log = _write_crash_log(getattr(args, "reports", None), error)
        print(f"Erreur inattendue ({type(error).__name__} : {error}). Aucun rapport partiel "
              f"n'a été écrit. Détails : {log}", file=sys.stderr)
        return EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reconcile",
        description="Refacturation et rapprochement du groupement de commandes.",
    )
    commands = parser.add_subparsers(dest="command", metavar="commande")

    run = commands.add_parser("run", help="calculer les charges et écrire le rapprochement")
    _common(run)
    run.add_argument("--reports", type=Path, default=Path("reports"),
                     help="dossier des rapports (défaut : reports/)")
    run.add_argument("--releves", action="store_true",
                     help="écrire aussi un relevé par membre (reports/AAAA-MM/releves/)")
    run.add_argument("--mesures", type=Path, metavar="FICHIER.json",
                     help="écrire la durée, la mémoire et les lignes de chaque étape")
    run.set_defaults(handler=_run)

    check = commands.add_parser("check", help="valider les fichiers d'entrée, sans rien écrire")
    _common(check)
    check.add_argument("--reports", type=Path, default=None,
                       help="écrire aussi anomalies_AAAA-MM.xlsx dans ce dossier")
    check.set_defaults(handler=_check)

    init = commands.add_parser("init", help="écrire des modèles vierges des fichiers d'entrée")
    init.add_argument("dossier", nargs="?", type=Path, default=Path("inputs"),
                      help="dossier où écrire les modèles (défaut : inputs/)")
    init.set_defaults(handler=_init)
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--mois", type=_month, default=dt.date.today().strftime("%Y-%m"),
                         help="mois traité, AAAA-MM, ou « precedent » pour le mois écoulé "
                         "(exécution planifiée le 1er) ; défaut : le mois en cours")
    command.add_argument("--inputs", type=Path, default=Path("inputs"),
                         help="dossier des fichiers d'entrée (défaut : inputs/)")
    command.add_argument("--max-fichier-mo", type=int, default=100,
                         help="taille maximale d'un fichier d'entrée, en Mo (défaut : 100)")
    command.add_argument("--max-decompresse-mo", type=int, default=1024,
                         help="taille décompressée maximale d'un classeur, en Mo (défaut : 1024)")
    command.add_argument("--max-lignes", type=int, default=1_000_000,
                         help="nombre maximal de lignes d'une feuille (défaut : 1 000 000)")


def _month(text: str) -> str:
    if text.lower() in ("precedent", "précédent"):
        return previous_month(dt.date.today())
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"mois invalide « {text} » : écrire AAAA-MM, "
                                         "par exemple 2026-11")
    return text


def previous_month(today: dt.date) -> str:
    """The month a run scheduled on the 1st processes: the one just ended."""
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def _limits(args):
    from .reader import Limits

    return Limits(max_file_bytes=args.max_fichier_mo * 2**20,
                  max_unzipped_bytes=args.max_decompresse_mo * 2**20,
                  max_rows=args.max_lignes)


def _run(args) -> int:
    from .pipeline import run
    from .progress import reporter
    from .safeio import Busy

    try:
        outcome = run(args.mois, args.inputs, args.reports, _limits(args), reporter(),
                      statements=args.releves)
    except Busy:
        return _busy(args.reports)
    if args.mesures:
        _write_measures(args.mesures, outcome)
    _print_outcome(outcome)
    return outcome.status


def _check(args) -> int:
    from .anomalies import has_errors
    from .pipeline import check

    anomalies, written = check(args.mois, args.inputs, _limits(args), args.reports)
    _print_anomalies(anomalies)
    if written is not None:
        print(f"Anomalies écrites dans {written}")
    if has_errors(anomalies):
        return EXIT_INVALID
    print(f"Entrées valides pour {args.mois} ({len(anomalies)} avertissement(s)).")
    return EXIT_OK


def _busy(reports: Path) -> int:
    print(f"Une autre exécution est en cours sur le dossier {reports} : rien n'a été "
          "fait. Réessayer quand elle sera terminée.", file=sys.stderr)
    return EXIT_BUSY


def _init(args) -> int:
    from .templates import write_templates

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


def _print_outcome(outcome) -> None:
    if outcome.status == EXIT_INVALID:
        errors = outcome.errors
        print(f"Entrées invalides : {len(errors)} erreur(s), {len(outcome.warnings)} "
              f"avertissement(s). Aucun rapprochement n'a été écrit.", file=sys.stderr)
        _print_anomalies(outcome.anomalies, sys.stderr)
        print(f"Liste complète : {outcome.anomalies_file}", file=sys.stderr)
        return
    if outcome.dissolution:
        print(f"!!! {outcome.dissolution}")
    written = {"nouveau": "écrit", "remplacé": "écrit (l'ancienne version est conservée dans "
               f"{outcome.kept_previous})", "identique": "inchangé (mêmes entrées, même résultat)"}
    print(f"Rapport {written[outcome.report_outcome]} : {outcome.report}")
    totals = outcome.totals
    print(f"Dû {_euros(totals['du'])}, titré {_euros(totals['titre'])}, encaissé "
          f"{_euros(totals['encaisse'])}, reste à recouvrer "
          f"{_euros(totals['titre'] - totals['encaisse'])}.")
    if outcome.warnings:
        print(f"{len(outcome.warnings)} avertissement(s) : voir la feuille Anomalies.")
    for notice in outcome.notices:
        print(notice)
    if outcome.issued:
        print(f"Titres à émettre : {', '.join(str(p) for p in outcome.issued)}")
    if outcome.statements:
        print(f"{len(outcome.statements)} relevé(s) par membre dans "
              f"{outcome.statements[0].parent}")


def _print_anomalies(anomalies, stream=None) -> None:
    stream = stream or sys.stdout
    errors = [a for a in anomalies if a.is_error] or anomalies
    for a in errors[:SHOWN_ERRORS]:
        where = " › ".join(x for x in (a.file, a.sheet, f"ligne {a.row}" if a.row else "",
                                        f"colonne « {a.column} »" if a.column else "") if x)
        value = f" (valeur « {a.value} »)" if a.value else ""
        print(f"  - {a.severity} : {where}{value} : {a.message}", file=stream)
    if len(errors) > SHOWN_ERRORS:
        print(f"  … et {len(errors) - SHOWN_ERRORS} autre(s).", file=stream)


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units:,}".replace(",", "\u202f") + f",{rest:02d} €"


def _write_measures(path: Path, outcome) -> None:
    import json

    path.write_text(json.dumps([s.__dict__ for s in outcome.stages], indent=2) + "\n",
                    encoding="utf-8")


def _write_crash_log(reports: Path | None, error: Exception) -> Path:
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    text = "".join(traceback.format_exception(error))
    for folder in (reports, Path(tempfile.gettempdir())):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            log = folder / f"erreur_{stamp}.log"
            log.write_text(text, encoding="utf-8")
            return log
        except OSError:
            continue
    return Path("(journal impossible à écrire)")
