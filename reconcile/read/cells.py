"""Cell values as officers type them → typed values (spécification §2.7).

Each parser takes one raw value (as python-calamine returns it: str, int, float,
bool, date, datetime…) and returns the typed value, or raises ``CellError`` with a
French message. Empty cells never reach a parser. Parsers are applied once per
distinct value (see ``convert``), so a 170,000-row column costs what its distinct
values cost.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from stdnum import luhn

from schemas.codes import CATEGORIES, PRESTATIONS, ROLES


class CellError(ValueError):
    """A value that cannot be read; the message is French and says what to do."""


SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
AMOUNT = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?$")
INTEGER = re.compile(r"^[+-]?\d+$")
# Far beyond any real value, far below int64 (typed columns, sums of a million rows):
# the largest number of 12 digits (spécification §2.7: « plus de 12 chiffres est une erreur »).
MAX_INTEGER = 10**12 - 1
MAX_CENTS = 10**11  # one billion euros


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return isinstance(value, float) and value != value  # NaN


BLANKS = " \t\r\n\u00a0\u202f\u2007"
SPACE_CHARACTERS = " \u00a0\u202f\u2007"


def clean_text(value: Any, strip: str = BLANKS) -> str:
    """Text with surrounding blanks (spaces, non-breaking ones, tabs, line breaks) removed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(strip)


def parse_text(value: Any) -> str:
    """Free text (names, labels, motifs): only surrounding *spaces* are removed
    (spécification §2.7), so what was typed — a leading tab or carriage return included —
    reaches the reports exactly as typed (as text, never as a formula: see
    ``reconcile.render.xlsx``)."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return clean_text(value, SPACE_CHARACTERS)


def without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def plain_name(text: str) -> str:
    """Lower case, accents removed, every run of other characters turned into ``_``
    (spécification §2.6): ``"Date adhésion "`` → ``date_adhesion``."""
    return re.sub(r"[^a-z0-9]+", "_", without_accents(text)).strip("_")


def _code_form(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", without_accents(clean_text(value)))


# The label of each code (as the templates' dropdowns show it) → the code.
CODE_OF_LABEL = {_code_form(label): code for codes in (CATEGORIES, PRESTATIONS, ROLES)
                 for code, label in codes.items()}


def parse_code(value: Any) -> str:
    """A coded value (catégorie, prestation, rôle), without case or accents, spaces and
    hyphens as ``_`` (« Caisse des écoles » → ``caisse_des_ecoles``); its label, as the
    templates' dropdowns offer it, means the code (« Parapheurs électroniques » →
    ``parapheur``); anything else is kept, so that a stray sign (``-actes``) is still
    an unknown code."""
    form = _code_form(value)
    return CODE_OF_LABEL.get(form, form)


FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def parse_date(value: Any) -> dt.date:
    """Excel date, ISO ``2026-03-15`` or French ``15/03/2026``; nothing ambiguous."""
    date = _date(value)
    if not FIRST_DATE <= date <= LAST_DATE:
        raise CellError("date hors des années 1900 à 2199 : faute de frappe ?")
    return date


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip(" \t\r\n\u00a0\u202f").lstrip("'")
        match = ISO_DATE.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
        else:
            match = FRENCH_DATE.match(text)
            if not match:
                raise CellError(
                    f"le texte « {text} » n'est pas une date : écrire JJ/MM/AAAA, "
                    "AAAA-MM-JJ ou une date Excel"
                )
            day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise CellError("date impossible (ce jour n'existe pas)") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(_serial_message(value))
    raise CellError("date attendue : écrire une date Excel, JJ/MM/AAAA ou AAAA-MM-JJ")


EXCEL_EPOCH = dt.date(1899, 12, 30)


def _serial_message(value: float) -> str:
    """A number in a date column is an Excel serial number whose cell lost its date
    format: say so, and which day it would be, rather than guess."""
    shown = int(value) if float(value).is_integer() else value
    try:
        day = (EXCEL_EPOCH + dt.timedelta(days=int(value))).strftime("%d/%m/%Y")
    except (OverflowError, ValueError):
        return f"le nombre {shown} n'est pas une date : écrire JJ/MM/AAAA ou une date Excel"
    return (f"le nombre {shown} est un numéro de série de date Excel sans format de date "
            f"(il correspondrait au {day}) : appliquer le format Date à la cellule ou "
            "écrire JJ/MM/AAAA")


EXCEL_DIGITS = 15


def excel_precision(value: float) -> str:
    """A number as Excel shows it: 15 significant digits, never an exponent.

    Excel stores ``=0,1+0,2`` as 0.30000000000000004 and shows 0,3; the officer typed
    or sees 0,30, so that is the value. A real third decimal (12,345) survives."""
    text = format(value, f".{EXCEL_DIGITS}g")
    return format(Decimal(text), "f") if "e" in text else text


def parse_cents(value: Any) -> int:
    """An amount in euros (number or French text) → integer cents, at most 2 decimals."""
    if isinstance(value, bool):
        raise CellError("montant attendu")
    if isinstance(value, int):
        if abs(value) * 100 > MAX_CENTS:
            raise CellError("montant démesuré : au-delà d'un milliard d'euros")
        return value * 100
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("montant attendu")
        text = excel_precision(value)
    elif isinstance(value, str):
        text = SPACES.sub("", value).lstrip("'")
        for suffix in ("€", "EUR", "eur", "euros", "euro"):
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        if "," in text and "." in text and text.rfind(",") > text.rfind("."):
            text = text.replace(".", "")  # 1.234,56: dots group thousands
        text = text.replace(",", ".")
    else:
        raise CellError("montant attendu")
    match = AMOUNT.match(text)
    if not match:
        raise CellError(f"le texte « {str(value).strip()} » n'est pas un montant : écrire "
                        "par exemple 1234,56 ou 1 234,56 €")
    sign, units, decimals = match.groups()
    decimals = (decimals or "").rstrip("0")
    if len(decimals) > 2:
        raise CellError("montant avec plus de 2 décimales : arrondir au centime")
    if len(units) > 15:
        raise CellError("montant démesuré : au-delà d'un milliard d'euros")
    cents = int(units) * 100 + int(decimals.ljust(2, "0"))
    if cents > MAX_CENTS:
        raise CellError("montant démesuré : au-delà d'un milliard d'euros")
    return -cents if sign == "-" else cents


def parse_integer(value: Any) -> int:
    """A whole number (population, exercice, type de frais), as number or text."""
    number = _integer(value)
    if abs(number) > MAX_INTEGER:
        raise CellError("nombre démesuré (plus de 12 chiffres)")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("nombre entier attendu")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        value = float(excel_precision(value))
        if value.is_integer():
            return int(value)
        raise CellError("nombre entier attendu (sans décimales)")
    if isinstance(value, str):
        text = SPACES.sub("", value).lstrip("'")
        if text.endswith(",0") or text.endswith(".0"):
            text = text[:-2]
        if INTEGER.match(text):
            if len(text) > 16:  # int() refuses past 4,300 digits; nothing real is this long
                raise CellError("nombre démesuré (plus de 12 chiffres)")
            return int(text)
        raise CellError(f"le texte « {value.strip()} » n'est pas un nombre entier : écrire "
                        "seulement des chiffres (par exemple 50000)")
    raise CellError("nombre entier attendu")


def parse_siren(value: Any) -> str:
    """A SIREN as text or number, spaces allowed, left-padded to 9 digits, Luhn-checked."""
    if isinstance(value, bool):
        raise CellError("SIREN attendu (9 chiffres)")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("SIREN attendu (9 chiffres)")
        value = int(value)
    text = SPACES.sub("", str(value)).lstrip("'").replace(".", "")
    if not text.isdigit() or not text.isascii():
        raise CellError("SIREN attendu : 9 chiffres, sans lettres")
    if len(text) == 14:
        raise CellError(
            f"numéro SIRET (14 chiffres) au lieu d'un SIREN : garder les 9 premiers "
            f"chiffres ({text[:9]})"
        )
    if len(text) > 9:
        raise CellError(f"SIREN de {len(text)} chiffres : un SIREN en a 9")
    padded = text.zfill(9)
    if not _luhn_valid(padded):
        if len(text) < 9:
            raise CellError(f"SIREN de {len(text)} chiffres : un SIREN en a 9 (même complété "
                            f"par des zéros à gauche, {padded}, il n'existe pas)")
        raise CellError("ce SIREN n'existe pas (faute de frappe ?) : son dernier chiffre ne "
                        "correspond pas aux autres")
    return padded


def siren_digits(value: Any) -> int:
    """How many digits a SIREN cell holds as typed (before the zeros added on the left):
    fewer than 9 is worth a warning even when the padded number is valid."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return len(SPACES.sub("", str(value)).lstrip("'").replace(".", ""))


@functools.cache
def _luhn_valid(digits: str) -> bool:
    """python-stdnum's Luhn check, remembered: the same SIRENs recur in membres,
    souscriptions and titres (≈ 0.4 s saved on a national run)."""
    return luhn.checksum(digits) == 0


def convert(
    raw: pd.Series, parser: Callable[[Any], Any]
) -> tuple[pd.Series, dict[Any, str]]:
    """Apply ``parser`` to each non-blank cell of ``raw``, once per distinct value.

    Returns the typed series (``None`` where blank or unreadable) and, for each
    unreadable cell's index label, the French message.
    """
    codes, uniques = pd.factorize(raw.array, use_na_sentinel=True)
    results: list[Any] = []
    messages: list[str | None] = []
    for value in uniques:
        result, message = None, None
        if not is_blank(value):
            try:
                result = parser(value)
            except CellError as error:
                message = str(error)
        results.append(result)
        messages.append(message)
    results.append(None)  # code -1: missing
    messages.append(None)
    table = np.empty(len(results), dtype=object)
    table[:] = results
    typed = pd.Series(table[codes], index=raw.index, dtype=object)
    bad = [i for i, message in enumerate(messages) if message is not None]
    problems: dict[Any, str] = {}
    if bad:
        rows = np.flatnonzero(np.isin(codes, bad))
        problems = {raw.index[int(r)]: messages[codes[r]] for r in rows}
    return typed, problems
