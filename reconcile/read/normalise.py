"""Raw grids → typed tables (spécification §2.6 and §2.7).

A ``Table`` keeps, for every typed value, the Excel row it came from (its index), the
header as the officer wrote it and the raw value, so that any later check can point
at the exact cell.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from schemas import SheetSpec
from schemas.headers import ALIASES, HEADERS

from ..core.anomalies import CATALOGUE, Anomaly, shown
from ..core.catalogue import UNREADABLE
from .cells import (
    CellError,
    convert,
    is_blank,
    parse_cents,
    parse_code,
    parse_date,
    parse_integer,
    parse_siren,
    parse_text,
    plain_name,
    siren_digits,
)
from .csvinput import SNIFF_LINES
from .prescan import column_letters
from .reader import RawSheet
from .tablerows import total_label, total_row_warning

PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": parse_text,
    "code": parse_code,
    "siren": parse_siren,
    "date": parse_date,
    "amount": parse_cents,
    "integer": parse_integer,
}
DTYPES: dict[str, Any] = {"date": "datetime64[ns]", "amount": "Int64", "integer": "Int64"}
HEADER_SEARCH_ROWS = SNIFF_LINES  # also where a CSV's separator is chosen (csvinput)


def normalise_header(text: Any) -> str:
    """``"Date adhésion "`` → ``date_adhesion`` (spécification §2.6)."""
    return plain_name(str(text))


ARTICLES = {"de", "d", "du", "des", "la", "le", "l"}


def without_articles(name: str) -> str:
    return "_".join(p for p in name.split("_") if p not in ARTICLES)


@functools.cache
def aliases_of(sheet: str) -> dict[str, str]:
    """Normalised alias → declared column, for one sheet (``schemas.headers.ALIASES``)."""
    return {without_articles(normalise_header(alias)): column
            for column, aliases in ALIASES.get(sheet, {}).items() for alias in aliases}


def column_name(text: Any, known: dict[str, str], sheet: str = "") -> str:
    """The expected column a header means: its normalised form, that form without
    French articles (« Commune de rattachement » → ``commune_rattachement``), or a
    usual header of finance exports for it (« N° titre » → ``numero``)."""
    name = normalise_header(text)
    if name in known:
        return name
    shorter = without_articles(name)
    if shorter in known:
        return shorter
    return aliases_of(sheet).get(shorter, name)


def header_of(column: str) -> str:
    """The template's header of a declared column, as messages name it."""
    return HEADERS.get(column, column)


@dataclass
class Table:
    """One input sheet, typed; index = the Excel row of each record."""

    spec: SheetSpec
    file: str
    sheet: str
    frame: pd.DataFrame
    raw: pd.DataFrame
    headers: dict[str, str]
    header_row: int

    def anomaly(self, row: int | None, column: str, code: str, detail: str | None = None,
                **values: Any) -> Anomaly:
        """The catalogue's ``code`` at this cell, its value as typed; ``detail`` is the
        sentence of a kind worded at its site (catalogue.DETAIL)."""
        value = ""
        if row is not None and column in self.raw.columns:
            value = shown(self.raw.at[row, column])
        if detail is not None:
            values["detail"] = detail
        # the header as written in the file, else the template's (never the internal name)
        header = self.headers.get(column) or HEADERS.get(column, column)
        return CATALOGUE[code].at(self.file, self.sheet, row, header, value=value, **values)


def pick_sheet(
    sheets: list[RawSheet], spec: SheetSpec, file: str
) -> tuple[RawSheet | None, list[Anomaly]]:
    """The sheet ``spec`` describes: the one with its name, or — for the file's main
    sheet — the workbook's only sheet whatever its name (spécification §2.5)."""
    wanted = normalise_header(spec.sheet)
    named = [s for s in sheets if normalise_header(s.name) == wanted]
    if named:
        return named[0], []
    if len(sheets) == 1 and spec.primary:
        return sheets[0], []
    if spec.optional_sheet:
        return None, []
    found = ", ".join(f"« {s.name} »" for s in sheets) or "aucune"
    return None, [
        CATALOGUE["feuille-manquante"].at(file, spec.sheet, wanted=spec.sheet, found=found)
    ]


def to_table(raw: RawSheet, spec: SheetSpec) -> tuple[Table | None, list[Anomaly]]:
    """Find the header row, map the columns, read every cell; ``None`` if unusable."""
    problems: list[Anomaly] = []

    def sheet_problem(code: str, row: int | None = None, column: str = "", value: str = "",
                      **values: Any) -> None:
        problems.append(CATALOGUE[code].at(raw.file, raw.name, row, column, value=value,
                                           **values))

    header_index = _find_header_row(raw.rows, spec)
    if header_index is None:
        expected = ", ".join(f"« {header_of(c)} »" for c in spec.columns)
        sheet_problem(
            "feuille-vide", expected=expected,
            column=", ".join(header_of(c) for c in spec.required),
        )
        return None, problems
    header_cells = raw.rows[header_index]
    header_row = header_index + 1
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: dict[str, int] = {}
    for position, cell in enumerate(header_cells):
        if is_blank(cell):
            continue
        written = str(cell).strip()
        name = column_name(written, spec.columns, spec.sheet)
        if name in positions and _rank(written, spec) != _rank(headers[name], spec):
            # Two usual headers of one column (« Montant TTC » and « Montant HT »): the
            # template's name, else the alias listed first, is read; the other is named.
            kept, dropped = sorted((written, headers[name]), key=lambda h: _rank(h, spec))
            if kept == written:
                positions[name], headers[name] = position, written
            sheet_problem(
                "colonne-synonyme-ignoree", kept=kept, dropped=dropped, name=header_of(name),
                row=header_row, column=dropped, value=dropped,
            )
        elif name in positions:
            sheet_problem(
                "colonne-double", header=written, first=headers[name],
                row=header_row, column=written, value=written,
            )
        elif name in spec.columns:
            positions[name] = position
            headers[name] = written
        else:
            unknown[written] = position
            sheet_problem(
                "colonne-inconnue", header=written,
                row=header_row, column=written, value=written,
            )
    missing = [c for c in spec.required if c not in positions]
    if missing:
        sheet_problem(
            "colonnes-manquantes", detail=_missing_message(missing, headers, unknown, spec),
            row=header_row, column=", ".join(header_of(c) for c in missing),
        )
    if any(p.is_error for p in problems):
        return None, problems

    body = raw.rows[header_index + 1 :]
    excel_rows = range(header_row + 1, header_row + 1 + len(body))
    keep = [i for i, cells in enumerate(body) if not all(is_blank(c) for c in cells)]
    totals = {i: label for i in keep if (label := total_label(body[i])) is not None}
    if totals:  # a Total / Sous-total row: not a record (reconcile/read/tablerows.py)
        problems += [total_row_warning(raw, excel_rows[i], label) for i, label in totals.items()]
        keep = [i for i in keep if i not in totals]
    index = pd.Index([excel_rows[i] for i in keep], name="ligne")
    width = max((len(body[i]) for i in keep), default=0)
    by_column = list(zip(*(_padded(body[i], width) for i in keep), strict=True)) or [()] * width
    raw_columns = {}
    for name in spec.columns:
        at = positions.get(name)
        values = by_column[at] if at is not None and at < width else [None] * len(keep)
        raw_columns[name] = pd.Series(values, index=index, dtype=object)
    raw_frame = pd.DataFrame(raw_columns, index=index)
    for name, meaning in spec.guarded.items():
        if name not in positions:
            like = [h for h, at in unknown.items() if at < width and _resembles(
                h, by_column[at], name, spec)]
            problems.append(_absent(raw, header_row, name, meaning, like))
    table = Table(spec, raw.file, raw.name, pd.DataFrame(index=index), raw_frame, headers,
                  header_row)

    bad_by_column: dict[int, list[tuple[int, str]]] = {}
    for (row, column), message in {**_merged_cells(raw, index, positions),
                                   **raw.bad_cells}.items():
        bad_by_column.setdefault(column - 1, []).append((row, message))
    for name, kind in spec.columns.items():
        typed, unreadable = convert(raw_frame[name], PARSERS[kind])
        for row, message in bad_by_column.get(positions.get(name, -1), []):
            if row in typed.index:
                unreadable[row] = message
                typed.at[row] = None
        for row, message in unreadable.items():
            problems.append(table.anomaly(row, name, UNREADABLE[kind], message))
        if kind == "siren":
            problems += _padded_sirens(table, name, typed)
        if name in spec.defaults:
            default = spec.defaults[name]
            missing_value = raw_frame[name].map(is_blank)
            typed = typed.where(~missing_value, default)
        table.frame[name] = _typed(typed, kind)
    return table, problems


def _padded_sirens(table: Table, name: str, typed: pd.Series) -> list[Anomaly]:
    """A SIREN typed with fewer than 9 digits is read padded with zeros (Excel drops
    them from a number): a warning, so that a truncated number is not taken silently.
    Digits are counted once per distinct value (national scale: 260,000 cells)."""
    raw = table.raw[name].loc[typed.dropna().index]
    codes, distinct = pd.factorize(raw, use_na_sentinel=False)
    digits = pd.Series([siren_digits(v) for v in distinct]).to_numpy()[codes]
    short = digits < 9
    return [table.anomaly(cast(int, row), name, "siren-complete",
                          f"SIREN de {int(count)} chiffres, lu {typed.at[row]} (complété par "
                          "des zéros à gauche) : vérifier que c'est bien ce numéro.")
            for row, count in zip(raw.index[short], digits[short], strict=True)]


def _merged_cells(raw: RawSheet, index: pd.Index,
                  positions: dict[str, int]) -> dict[tuple[int, int], str]:
    """(Excel row, column number) → message, for the hidden part of a merged range that
    covers a data cell: only its first cell holds a value, the others read as blank."""
    found: dict[tuple[int, int], str] = {}
    rows = index.to_numpy()
    for first_row, first_col, last_row, last_col in raw.merged:
        anchor = f"{column_letters(first_col + 1)}{first_row + 1}"
        message = (f"cellule fusionnée avec {anchor} : défusionner les cellules et saisir la "
                   "valeur sur chaque ligne")
        low, high = rows.searchsorted(first_row + 1), rows.searchsorted(last_row + 1, "right")
        for position in positions.values():
            if not first_col <= position <= last_col:
                continue
            for row in rows[low:high]:
                if (int(row), position) != (first_row + 1, first_col):
                    found[(int(row), position + 1)] = message
    return found


def _padded(cells: list[Any], width: int) -> list[Any]:
    return cells if len(cells) == width else [*cells, *[None] * (width - len(cells))]


def _find_header_row(rows: list[list[Any]], spec: SheetSpec) -> int | None:
    """The first row holding every required column, else the one holding the most
    (choix C-3)."""
    best, best_count = None, 0
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {column_name(c, spec.columns, spec.sheet) for c in cells if not is_blank(c)}
        count = len(names & set(spec.columns))
        if set(spec.required) <= names:
            return index
        if count > best_count:
            best, best_count = index, count
    if best is None:
        return next((i for i, cells in enumerate(rows) if not all(map(is_blank, cells))), None)
    return best


def _typed(values: pd.Series, kind: str) -> pd.Series:
    dtype = DTYPES.get(kind)
    if dtype is None:
        return values.astype(object)
    if kind == "date":
        return pd.to_datetime(values, errors="raise").astype(dtype)
    return pd.Series(pd.array(values.tolist(), dtype=dtype), index=values.index)


# Tokens too common to tell two headers apart.
GENERIC = {"date", "montant", "n", "no", "num", "numero", "code", "total", "mt", "nb"}


def _resembles(header: str, values: tuple, column: str, spec: SheetSpec) -> bool:
    """Could this unrecognised column be the absent ``column``? Yes when a significant
    word of its header is (nearly) one of the column's names, or when most of its
    values read as that column's kind (amounts for an amount…)."""
    names = {column, normalise_header(header_of(column)),
             *(a for a, c in aliases_of(spec.sheet).items() if c == column)}
    wanted = {t for n in names for t in n.split("_") if t not in GENERIC | ARTICLES}
    words = {t for t in normalise_header(header).split("_") if t not in GENERIC | ARTICLES}
    if any(w == t or (min(len(w), len(t)) >= 4 and
                      difflib.SequenceMatcher(None, w, t).ratio() >= 0.8)
           for w in words for t in wanted):
        return True
    kind = spec.columns[column]
    sample = [v for v in values if not is_blank(v)][:50]
    if kind not in ("amount", "date", "integer") or not sample:
        return False
    read = sum(1 for v in sample if _reads(PARSERS[kind], v))
    return read * 2 > len(sample)


def _reads(parser: Callable[[Any], Any], value: Any) -> bool:
    try:
        parser(value)
        return True
    except CellError:
        return False


def _absent(raw: RawSheet, header_row: int, column: str, meaning: str,
            like: list[str]) -> Anomaly:
    """An absent column that changes amounts: an error when an unrecognised column may
    be it, else a warning saying what its absence means (shown on screen and in the
    Synthèse, never only in the Anomalies sheet)."""
    header = header_of(column)
    if like:
        found = ", ".join(f"« {h} »" for h in like)
        return CATALOGUE["colonne-non-reconnue"].at(
            raw.file, raw.name, header_row, header, value=", ".join(like), found=found,
            header=header, meaning=meaning)
    return CATALOGUE["colonne-absente"].at(raw.file, raw.name, header_row, header,
                                           header=header, meaning=meaning)


def _missing_message(missing: list[str], known: dict[str, str], unknown: dict[str, int],
                     spec: SheetSpec) -> str:
    """Missing columns by their template headers, the headers found, and for each
    missing column the unrecognised header closest to it (« N° titre » → « Numéro »)."""
    def quoted(names: Iterable[str]) -> str:
        return ", ".join(f"« {n} »" for n in names)

    found = [*known.values(), *unknown] or ["aucun"]
    text = (f"colonne(s) obligatoire(s) manquante(s) : {quoted(header_of(c) for c in missing)}"
            f" ; en-têtes trouvés : {quoted(found)}")
    hints = []
    for column in missing:
        names = [column, normalise_header(header_of(column)),
                 *(a for a, c in aliases_of(spec.sheet).items() if c == column)]
        close = [h for h in unknown if difflib.get_close_matches(
            without_articles(normalise_header(h)), names, n=1, cutoff=0.6)]
        if close:
            hints.append(f"« {close[0]} » est-il « {header_of(column)} » ? renommer l'en-tête")
    return text + "".join(f" ; {hint}" for hint in hints)


def _rank(header: str, spec: SheetSpec) -> int:
    """0 for a declared column's own name, else 1 + the alias's place in its list."""
    name = normalise_header(header)
    if name in spec.columns or without_articles(name) in spec.columns:
        return 0
    aliases = list(aliases_of(spec.sheet))
    key = without_articles(name)
    return 1 + aliases.index(key) if key in aliases else len(aliases) + 1
