"""An ``argparse`` parser that speaks French and exits with ``EX_USAGE`` (64).

argparse builds its texts (« usage: », « options », « invalid choice », « the following
arguments are required »…) through ``gettext`` at the moment it needs them. While one
of our parsers builds a text, argparse's ``_`` and ``ngettext`` are swapped for lookups
in ``FRENCH`` (the message ids of Python 3.11's argparse) and restored right after, so
no other parser of the process is affected. A message id missing from the table stays
in English rather than failing.

A usage error exits with 64 (``EX_USAGE`` of sysexits.h), not argparse's 2, which means
« entrées invalides » for this tool.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

from ..core.model import EXIT_USAGE

# Section titles end with a space: argparse appends « : » without one.
FRENCH: dict[str, str] = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments ",
    "options": "options ",
    "optional arguments": "options ",
    "subcommands": "commandes ",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "unrecognized arguments: %s": "argument(s) non reconnu(s) : %s",
    "the following arguments are required: %s": "argument(s) obligatoire(s) manquant(s) : %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "expected one argument": "une valeur est attendue après cette option",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "une valeur au moins est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s":
        "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "incompatible avec l'option %s",
    "ignored explicit argument %r": "valeur %r inattendue pour cette option",
    "unexpected option string: %s": "option inattendue : %s",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "choix invalide : %(value)r (choisir parmi %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "commande inconnue %(parser_name)r (commandes : %(choices)s)",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}


def _gettext(message: str) -> str:
    return FRENCH.get(message, message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


@contextlib.contextmanager
def _in_french() -> Iterator[None]:
    """argparse's gettext functions answer in French for the duration of the block."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _gettext, _ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


F = TypeVar("F", bound=Callable[..., Any])


def _french(method: F) -> F:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _in_french():
            return method(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


class FrenchHelpFormatter(argparse.HelpFormatter):
    """Wider help column, and French spacing kept: a line never starts with the « : »,
    « ; » or « » » that French typography puts after a space."""

    def __init__(self, prog: str, **kwargs: Any):
        kwargs.setdefault("max_help_position", 32)
        super().__init__(prog, **kwargs)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return [_unglue(line) for line in textwrap.wrap(_glue(text), width,
                                                              break_on_hyphens=False)]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return _unglue(textwrap.fill(_glue(text), width, initial_indent=indent,
                                     subsequent_indent=indent, break_on_hyphens=False))


GLUE = "\x00"  # not whitespace for textwrap: a space that never breaks


def _glue(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?<=\d) (?=\d{3}\b)", GLUE, text)  # 1 000 000
    return re.sub(r" ([:;!?»])", GLUE + r"\1", text).replace("« ", "«" + GLUE)


def _unglue(text: str) -> str:
    return text.replace(GLUE, " ")


class FrenchArgumentParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose every text is French and whose usage errors exit 64."""

    @_french
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        super().__init__(*args, **kwargs)

    @_french
    def add_subparsers(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().add_subparsers(**kwargs)

    @_french
    def parse_args(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().parse_args(*args, **kwargs)

    @_french
    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().parse_known_args(*args, **kwargs)

    @_french
    def format_usage(self) -> str:
        return super().format_usage()

    @_french
    def format_help(self) -> str:
        return super().format_help()

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """« choix invalide : « x » (choisir parmi « run », « check », « init ») »."""
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(f"« {c} »" for c in action.choices)
            raise argparse.ArgumentError(
                action, f"choix invalide : « {value} » (choisir parmi {choices})")

    @_french
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur : {message}\n"
                              f"Aide : {self.prog} --help\n")


def whole_number(text: str) -> int:
    """A positive whole number (limits in Mo or rows), refused in French otherwise."""
    try:
        number = int(text.replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"« {text} » n'est pas un nombre entier (par exemple 100)") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"« {text} » : indiquer un nombre supérieur à 0")
    return number
