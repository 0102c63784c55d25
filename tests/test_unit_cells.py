"""Cell parsing, one table per column kind (spécification §2.7): what a finance officer's
export can hold in a cell → the typed value, or the catalogue code of the unreadable cell.

The fast layer: no workbook on disk, but each cell goes through ``normalise.to_table``
as a one-row sheet holding it in a real column of that kind, so the value, the code and
the place are those a run reports. The end-to-end tests (test_reading.py,
test_bad_inputs.py) check the same cells in real workbooks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from reconcile.read.cells import convert, excel_precision
from reconcile.read.normalise import PARSERS, header_of, to_table
from reconcile.read.reader import RawSheet
from schemas import MEMBRES, TITRES

BLANK = object()  # the cell reads as blank: no value and no anomaly


@dataclasses.dataclass(frozen=True)
class Unreadable:
    """The expected outcome of a bad cell: its catalogue code."""

    code: str


# A real column of each kind: (sheet, column).
COLUMN_OF_KIND = {"siren": (MEMBRES, "siren"), "integer": (MEMBRES, "population"),
                  "date": (MEMBRES, "date_adhesion"), "amount": (TITRES, "montant"),
                  "text": (MEMBRES, "nom"), "code": (MEMBRES, "categorie")}


def read(kind: str, cell: Any) -> tuple[Any, tuple | None, str | None]:
    """(typed value, (code, file, sheet, row, column), message) of ``cell`` in Excel row 2
    of a one-row sheet, read as a run reads it."""
    spec, column = COLUMN_OF_KIND[kind]
    header = [header_of(name) for name in spec.columns]
    row = [cell if name == column else None for name in spec.columns]
    table, problems = to_table(RawSheet("t.xlsx", spec.sheet, [header, row]), spec)
    assert table is not None, problems
    at_cell = [a for a in problems if a.column == header_of(column) and a.is_error]
    if at_cell:
        (a,) = at_cell
        return None, (a.code, a.file, a.sheet, a.row, a.column), a.message
    if 2 not in table.frame.index:  # a blank row is not a record
        return None, None, None
    value = table.frame.at[2, column]
    if pd.isna(value):
        return None, None, None
    if isinstance(value, pd.Timestamp):  # a date column holds days: midnight, no zone
        assert value == value.normalize() and value.tz is None
        return value.date(), None, None
    return (value.item() if isinstance(value, np.generic) else value), None, None


def check(kind: str, cell: Any, expected: Any) -> None:
    value, where, message = read(kind, cell)
    spec, column = COLUMN_OF_KIND[kind]
    if expected is BLANK:
        assert (value, where) == (None, None)
    elif isinstance(expected, Unreadable):
        assert where == (expected.code, "t.xlsx", spec.sheet, 2, header_of(column)), \
            f"read as {value!r}"
        assert message  # a French message says what to do
    else:
        assert where is None, message
        assert value == expected
        assert type(value) is type(expected)


def rows(*table: tuple[str, Any, Any]) -> list[Any]:
    """(id, cell, expected) rows → pytest params with readable ids."""
    return [pytest.param(cell, expected, id=name) for name, cell, expected in table]


BAD_SIREN, BAD_DATE, BAD_AMOUNT, BAD_INTEGER = (
    Unreadable("valeur-siren"), Unreadable("valeur-date"), Unreadable("valeur-montant"),
    Unreadable("valeur-entier"))

# 217 806 462: Luhn 2+3+4+3+0+7+7+2+2 = 30, valid; 012 345 674: 4+5+6+1+4+6+2+2 = 30.
SIREN_CELLS = rows(
    ("text", "217806462", "217806462"),
    ("spaces", "217 806 462", "217806462"),
    ("surrounding-blanks", " 217806462\t", "217806462"),
    ("non-breaking-spaces", "217\u00a0806\u202f462", "217806462"),
    ("dots", "217.806.462", "217806462"),
    ("apostrophe-prefix", "'217806462", "217806462"),
    ("integer-cell", 217806462, "217806462"),
    ("float-cell", 217806462.0, "217806462"),
    ("leading-zero-lost-integer", 12345674, "012345674"),  # read, with a warning (below)
    ("leading-zero-lost-text", "12345674", "012345674"),
    ("leading-zero-kept", "012 345 674", "012345674"),
    # A CSV written from a float column: « points ignorés » makes 10 digits (§2.7).
    ("float-looking-text", "217806462.0", BAD_SIREN),
    ("bad-checksum", "217806463", BAD_SIREN),
    ("siret-14-digits", "21780646200015", BAD_SIREN),
    ("ten-digits", "2178064621", BAD_SIREN),
    ("letter", "21780646A", BAD_SIREN),
    ("negative-number", -217806462, BAD_SIREN),
    ("non-ascii-digits", "٢١٧٨٠٦٤٦٢", BAD_SIREN),
    ("decimal-float", 217806462.5, BAD_SIREN),
    ("boolean", True, BAD_SIREN),
    ("empty", "", BLANK),
    ("spaces-only", "   ", BLANK),
    ("non-breaking-space-only", "\u00a0", BLANK),
    ("none", None, BLANK),
)


@pytest.mark.parametrize(("cell", "expected"), SIREN_CELLS)
def test_siren_cell(cell: Any, expected: Any) -> None:
    check("siren", cell, expected)


def _siren_warnings(cell: Any) -> list[tuple[str, str, str]]:
    header = [header_of(name) for name in MEMBRES.columns]
    row = [cell if name == "siren" else None for name in MEMBRES.columns]
    _, problems = to_table(RawSheet("t.xlsx", MEMBRES.sheet, [header, row]), MEMBRES)
    return [(a.code, a.severity, a.message) for a in problems if a.column == "SIREN"]


@pytest.mark.parametrize(("cell", "found"), [
    # fewer than nine digits, valid once padded: read, and said (a warning)
    ("12344", [("siren-complete", "avertissement", "SIREN de 5 chiffres, lu 000012344 "
                "(complété par des zéros à gauche) : vérifier que c'est bien ce numéro.")]),
    (12345674, [("siren-complete", "avertissement", "SIREN de 8 chiffres, lu 012345674 "
                 "(complété par des zéros à gauche) : vérifier que c'est bien ce numéro.")]),
    # fewer than nine digits and invalid: the message says the length, not the check digit
    ("12345", [("valeur-siren", "erreur", "SIREN de 5 chiffres : un SIREN en a 9 (même "
                "complété par des zéros à gauche, 000012345, il n'existe pas)")]),
    ("217806462", []),
    ("012 345 674", []),  # nine digits typed: nothing to say
])
def test_short_sirens_say_so(cell: Any, found: list) -> None:
    assert _siren_warnings(cell) == found


def test_an_absent_column_is_named_by_its_template_header() -> None:
    from reconcile.read.normalise import Table

    table = Table(MEMBRES, "t.xlsx", "Bareme", pd.DataFrame(), pd.DataFrame(), {}, 1)
    assert table.anomaly(None, "population_min", "bareme-chevauchement", other="m").column == \
        "Population min"


INTEGER_CELLS = rows(
    ("integer-cell", 50000, 50000),
    ("float-cell", 50000.0, 50000),
    ("text", "50000", 50000),
    ("space-thousands", "50 000", 50000),
    ("non-breaking-thousands", "50\u00a0000", 50000),
    ("narrow-nbsp-thousands", "50\u202f000", 50000),
    ("comma-zero", "50000,0", 50000),
    ("point-zero", "50000.0", 50000),
    ("apostrophe-prefix", "'50000", 50000),
    ("plus-sign", "+12", 12),
    ("negative-read-schema-refuses", "-5", -5),
    ("zero", 0, 0),
    ("exponent-float", 1e3, 1000),
    ("excel-noise-float", 2.9999999999999996, 3),
    ("twelve-digits", 999_999_999_999, 999_999_999_999),
    ("thirteen-digits", 1_000_000_000_000, BAD_INTEGER),
    ("thirteen-digits-text", "1000000000000", BAD_INTEGER),
    ("absurdly-long-text", "9" * 5000, BAD_INTEGER),
    ("and-more", "50 000 et +", BAD_INTEGER),
    ("range", "0-999", BAD_INTEGER),
    ("exponent-text", "1e3", BAD_INTEGER),
    ("decimal-float", 1234.5, BAD_INTEGER),
    ("decimal-comma", "5,5", BAD_INTEGER),
    ("boolean", True, BAD_INTEGER),
    ("date", dt.date(2026, 2, 1), BAD_INTEGER),
    ("empty", "", BLANK),
    ("tab-only", "\t", BLANK),
)


@pytest.mark.parametrize(("cell", "expected"), INTEGER_CELLS)
def test_integer_cell(cell: Any, expected: Any) -> None:
    check("integer", cell, expected)


FEB_1 = dt.date(2026, 2, 1)
DATE_CELLS = rows(
    ("excel-date", FEB_1, FEB_1),
    ("excel-datetime-time-ignored", dt.datetime(2026, 2, 1, 14, 30), FEB_1),
    ("french", "01/02/2026", FEB_1),
    ("french-one-digit", "1/2/2026", FEB_1),
    ("iso", "2026-02-01", FEB_1),
    ("iso-midnight", "2026-02-01 00:00:00", FEB_1),
    ("iso-t-midnight", "2026-02-01T00:00", FEB_1),
    ("surrounding-blanks", "\u00a001/02/2026 ", FEB_1),
    ("apostrophe-prefix", "'01/02/2026", FEB_1),
    ("leap-day", "29/02/2024", dt.date(2024, 2, 29)),
    ("first-day-allowed", "01/01/1900", dt.date(1900, 1, 1)),
    ("last-day-allowed", "31/12/2199", dt.date(2199, 12, 31)),
    ("impossible-31-february", "31/02/2026", BAD_DATE),
    ("not-a-leap-year", "29/02/2026", BAD_DATE),
    ("month-13", "01/13/2026", BAD_DATE),
    ("american", "03/15/26", BAD_DATE),
    ("two-digit-year", "15/03/26", BAD_DATE),
    ("dashes", "15-03-2026", BAD_DATE),
    ("iso-with-time", "2026-02-01 13:00", BAD_DATE),
    ("french-with-time", "01/02/2026 10:00", BAD_DATE),
    ("words", "1er février 2026", BAD_DATE),
    ("before-1900", dt.datetime(1899, 12, 31), BAD_DATE),
    ("after-2199", "01/01/2200", BAD_DATE),
    ("excel-serial-integer", 46054, BAD_DATE),
    ("excel-serial-float", 46054.0, BAD_DATE),
    ("boolean", True, BAD_DATE),
    ("empty", "", BLANK),
    ("spaces-only", "  ", BLANK),
)


@pytest.mark.parametrize(("cell", "expected"), DATE_CELLS)
def test_date_cell(cell: Any, expected: Any) -> None:
    check("date", cell, expected)


def test_serial_number_in_a_date_column_names_the_day_it_would_be() -> None:
    """46054 = 45658 (01/01/2025) + 365 + 31: Excel's serial of 01/02/2026."""
    _, where, message = read("date", 46054)
    assert where is not None and where[0] == BAD_DATE.code
    assert message is not None and "01/02/2026" in message


AMOUNT_CELLS = rows(
    ("french-text-euro", "1 234,56 €", 123456),
    ("french-nbsp-euro", "1\u202f234,56\u00a0€", 123456),
    ("comma", "1234,56", 123456),
    ("point-one-decimal", "1234.5", 123450),
    ("dot-thousands-comma-decimal", "1.234,56", 123456),
    ("eur-suffix", "1 234,56 EUR", 123456),
    ("euros-suffix", "12 000 euros", 1200000),
    ("integer-cell", 1234, 123400),
    ("float-cell", 1234.56, 123456),
    ("zero-point-one-plus-zero-point-two", 0.1 + 0.2, 30),
    ("fifteen-significant-digits", 1234567.8900000001, 123456789),
    ("exponent-float", 1e3, 100000),
    ("negative-float", -50.0, -5000),
    ("negative-text", "-1 234,56 €", -123456),
    ("plus-sign", "+12", 1200),
    ("trailing-zero-third-decimal", "12,340", 1234),
    ("zero", 0, 0),
    ("one-billion", "1 000 000 000,00", 100_000_000_000),
    ("one-billion-float", 1e9, 100_000_000_000),
    ("above-one-billion", "1 000 000 000,01", BAD_AMOUNT),
    ("above-one-billion-integer", 2_000_000_000, BAD_AMOUNT),
    ("three-decimals-text", "12,345", BAD_AMOUNT),
    ("three-decimals-float", 12.345, BAD_AMOUNT),
    ("dot-is-decimal-not-thousands", "1.234", BAD_AMOUNT),
    ("english-thousands", "1,234.56", BAD_AMOUNT),
    ("euro-before", "€12", BAD_AMOUNT),
    ("accounting-parentheses", "(12,00)", BAD_AMOUNT),
    ("exponent-text", "1e3", BAD_AMOUNT),
    ("words", "douze euros", BAD_AMOUNT),
    ("infinity", float("inf"), BAD_AMOUNT),
    ("boolean", True, BAD_AMOUNT),
    ("date", FEB_1, BAD_AMOUNT),
    ("nan-is-blank", float("nan"), BLANK),
    ("empty", "", BLANK),
    ("non-breaking-space-only", "\u00a0\u00a0", BLANK),
)


@pytest.mark.parametrize(("cell", "expected"), AMOUNT_CELLS)
def test_amount_cell_in_cents(cell: Any, expected: Any) -> None:
    check("amount", cell, expected)


TEXT_CELLS = rows(
    ("plain", "Mairie de Vélizy", "Mairie de Vélizy"),
    ("surrounding-spaces", "  Mairie  ", "Mairie"),
    ("non-breaking-spaces", "\u00a0Mairie\u202f", "Mairie"),
    ("leading-tab-kept", "\tMairie", "\tMairie"),
    ("trailing-return-kept", "Mairie\r", "Mairie\r"),
    ("formula-looking-kept", "=1+1", "=1+1"),
    ("integer-float-without-point-zero", 123.0, "123"),
    ("integer", 123, "123"),
    ("decimal", 12.5, "12.5"),
    ("date-french", FEB_1, "01/02/2026"),
    ("empty", "", BLANK),
)


@pytest.mark.parametrize(("cell", "expected"), TEXT_CELLS)
def test_text_cell(cell: Any, expected: Any) -> None:
    check("text", cell, expected)


CODE_CELLS = rows(
    ("code", "commune", "commune"),
    ("capitals", "CCAS", "ccas"),
    ("label-with-accents", "Caisse des écoles", "caisse_des_ecoles"),
    ("hyphen", "établissement-public", "etablissement_public"),
    ("surrounding-blanks", "\u00a0Commune\t", "commune"),
    ("dropdown-label", "Parapheurs électroniques", "parapheur"),
    ("role-label", "Coordonnateur", "coordonnateur"),
    ("stray-sign-stays-unknown", "-actes", "_actes"),
    ("empty", " ", BLANK),
)


@pytest.mark.parametrize(("cell", "expected"), CODE_CELLS)
def test_code_cell(cell: Any, expected: Any) -> None:
    check("code", cell, expected)


@pytest.mark.parametrize(("number", "shown"), [
    pytest.param(0.1 + 0.2, "0.3", id="float-noise"),
    pytest.param(12.345, "12.345", id="real-third-decimal"),
    pytest.param(1e16, "10000000000000000", id="no-exponent"),
    pytest.param(1234567.8900000001, "1234567.89", id="fifteen-digits"),
])
def test_excel_precision_shows_15_significant_digits(number: float, shown: str) -> None:
    assert excel_precision(number) == shown


def test_each_distinct_value_is_parsed_once_and_each_bad_cell_is_named() -> None:
    """``convert`` keeps the Excel row of each unreadable cell, blanks aside."""
    raw = pd.Series(["1 234,56 €", "x", "", "x", "1 234,56 €"], index=[2, 3, 4, 5, 6],
                    dtype=object)
    seen: list[Any] = []

    def counting(value: Any) -> Any:
        seen.append(value)
        return PARSERS["amount"](value)

    typed, problems = convert(raw, counting)
    assert list(typed) == [123456, None, None, None, 123456]
    assert sorted(problems) == [3, 5]
    assert sorted(seen) == ["1 234,56 €", "x"]  # national runs: millions of cells
