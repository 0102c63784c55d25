"""Look at a workbook's cells before the parser does, for what the parser would hide.

python-calamine reads error cells (``#N/A``, ``#REF!``…) and formulas saved without a
value as empty cells, which would turn an error into a silent blank: they are found
here, by parsing the sheet XML (``.xlsx``, ``.ods``: streamed, defused, elements and
attributes matched by local name, so a namespace prefix or another attribute order
changes nothing — never by pattern matching) or through xlrd (``.xls``). calamine is a
dense reader: a two-cell sheet with a value in ``XFD1048576`` makes it allocate rows ×
columns (~550 GB) and abort, so the used range is checked here before it parses.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from defusedxml import ElementTree

from ..core.anomalies import CATALOGUE, Anomaly, InputError, file_problem

# What a damaged archive raises while it is read (zlib.error: a corrupt deflate stream).
ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
                zlib.error, NotImplementedError, KeyError, RuntimeError)

BadCells = dict[str, dict[tuple[int, int], str]]
"""Sheet name → (Excel row, column number) → message, for cells read as empty."""


@dataclass
class Findings:
    """What the pre-scan saw that the parser does not say: the cells read as empty
    (``bad``) and, per sheet name, how many rows holding a value are hidden or
    filtered out (calamine reads them; the Contrôle sheet counts them)."""

    bad: BadCells = field(default_factory=dict)
    hidden: dict[str, int] = field(default_factory=dict)


def column_letters(number: int) -> str:
    """Excel column letters of a 1-based column number: 1 → "A", 27 → "AA"."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: bytes | str) -> int:
    """1-based column number of Excel column letters: "A" → 1, "AA" → 27."""
    index = 0
    for char in letters.decode() if isinstance(letters, bytes) else letters:
        index = index * 26 + ord(char) - 64
    return index


def corrupt_error(name: str) -> Anomaly:
    return file_problem(name, "fichier-corrompu")


def entities_error(name: str, part: str) -> Anomaly:
    return file_problem(name, "xml-entites", part=part)


def refuse_range(file: str, sheet: str, max_row: int, max_column: int,
                 max_rows: int, max_columns: int) -> None:
    """Raise ``InputError`` when a sheet's used range is past the limits."""
    if max_row > max_rows:
        where = (f"des cellules remplies jusqu'à la ligne {max_row}, au-delà de la limite de "
                 f"{max_rows} lignes (option --max-lignes)")
    elif max_column > max_columns:
        where = (f"des cellules remplies jusqu'à la colonne {column_letters(max_column)}, "
                 f"au-delà de la limite de {max_columns} colonnes")
    else:
        return
    raise InputError(
        CATALOGUE["plage-trop-grande"].at(file, sheet, where=where)
    )


def _error_message(shown: str) -> str:
    return f"cellule en erreur {shown} : corriger la formule ou saisir la valeur"


# -- streaming XML ---------------------------------------------------------------------


class _Refused(Exception):
    """The XML declares a DTD or an entity: no workbook does, so the file is refused."""


def _expat() -> Any:
    """A namespace-aware expat parser that refuses any DTD or entity (defused by
    construction: nothing is expanded, nothing fetched). Element names reach the
    handlers as ``namespace}local``: a producer's prefix (``<x:c>``) or its attribute
    order changes nothing."""
    parser: Any = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: Any) -> None:
        raise _Refused

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.buffer_text = True
    return parser


def _local_names(start: Callable[[str, dict[str, str]], None],
                 end: Callable[[str], None], text: Callable[[str], None]) -> Any:
    """An ``_expat()`` parser whose handlers get local names, for small documents."""
    parser = _expat()
    parser.StartElementHandler = lambda name, attrs: start(
        _local(name), {_local(k): v for k, v in attrs.items()})
    parser.EndElementHandler = lambda name: end(_local(name))
    parser.CharacterDataHandler = text
    return parser


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _stream(parser: Any, archive: zipfile.ZipFile, part: str) -> None:
    """Feed a zip member to ``parser`` in chunks: a sheet is never held whole in memory."""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


# -- xlsx, xlsm ------------------------------------------------------------------------

DIGITS = "0123456789"
FORMULA_WITHOUT_VALUE = ("formule sans valeur calculée (fichier produit par un programme) : "
                         "ouvrir et enregistrer le fichier dans Excel ou LibreOffice, ou "
                         "saisir la valeur")


class _XlsxSheet:
    """One worksheet part, parsed as a stream: the used range (valued cells only) and
    the cells calamine would read as empty — error cells and formulas saved without a
    value —, and the hidden rows that hold a value (``<row hidden="1">``: hidden by
    hand, by a filter or in a collapsed group). Positions follow the ``r`` attributes,
    or the order of rows and cells where a producer leaves them out, as the format
    allows.

    Tuned for size (a national sheet has a million cells): one call per element start,
    none per end; a cell is judged when the next one starts, and text is collected
    only inside the value of an error or formula cell."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.row = 0
        self.column = 0
        self.max_row = 0
        self.max_column = 0
        self.bad: dict[tuple[int, int], str] = {}
        self.type = ""
        self.formula = False
        self.valued = False
        self.text: list[str] | None = None  # the value's text, when it is collected
        self.reference = ""
        self.locals: dict[str, str] = {}
        self.columns: dict[str, int] = {}  # reference letters → column (0: not letters)
        self.hidden_row = False  # the current row is hidden, and not counted yet
        self.hidden_rows = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = self.locals.get(name)
        if local is None:
            local = self.locals[name] = name.rpartition("}")[2]
        if local == "c":
            if self.valued:
                self.close()
            self.reference = attrs.get("r", "")
            self.column += 1
            self.type = attrs.get("t", "n")
            self.formula = False
        elif local == "v" or local == "is":
            self.valued = True
            if self.type == "e" or self.formula:
                self.text = []
                self.parser.CharacterDataHandler = self.text.append
        elif local == "f":
            self.valued = self.formula = True
        elif local == "row":
            self.close()
            number = attrs.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.column = 0
            self.hidden_row = attrs.get("hidden") in ("1", "true")

    def close(self) -> None:
        """Judge the cell just read (if any)."""
        text = self.text
        if text is not None:  # collected for an error or formula cell: stop
            self.parser.CharacterDataHandler = None
            self.text = None
        if not self.valued:
            return  # no cell, or a formatted empty one: not part of the used range
        self.valued = False
        if self.hidden_row:
            self.hidden_rows += 1
            self.hidden_row = False
        reference = self.reference
        if reference:  # "AB12": where the cell says it is
            letters = reference.rstrip(DIGITS)
            column = self.columns.get(letters)
            if column is None:
                column = self.columns[letters] = (
                    0 if not letters.isalpha() else ord(letters.upper()) - 64
                    if len(letters) == 1 else column_index(letters.upper()))
            if column and len(letters) < len(reference):
                self.row = int(reference[len(letters):])
                self.column = column
        if self.row > self.max_row:
            self.max_row = self.row
        if self.column > self.max_column:
            self.max_column = self.column
        if self.type == "e":
            self.bad[(self.row, self.column)] = _error_message(
                "".join(text or ()).strip() or "#ERREUR")
        elif self.formula and self.type != "str" and not "".join(text or ()).strip():
            self.bad[(self.row, self.column)] = FORMULA_WITHOUT_VALUE


def scan_xlsx(name: str, archive: zipfile.ZipFile, max_rows: int, max_columns: int
              ) -> Findings:
    """Used range, error cells, formulas without a cached value and hidden rows, per
    sheet name."""
    found = Findings()
    for sheet, part in _sheet_parts(name, archive).items():
        parser = _expat()
        scan = _XlsxSheet(parser)
        parser.StartElementHandler = scan.start
        try:
            _stream(parser, archive, part)
        except KeyError:
            continue  # a sheet without a part: calamine says what it makes of it
        except _Refused:
            raise InputError(entities_error(name, part)) from None
        except (expat.ExpatError, *ZIP_FAILURES):
            raise InputError(corrupt_error(name)) from None
        scan.close()
        refuse_range(name, sheet, scan.max_row, scan.max_column, max_rows, max_columns)
        found.bad[sheet] = scan.bad
        found.hidden[sheet] = scan.hidden_rows
    return found


def _sheet_parts(name: str, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        raise InputError(corrupt_error(name)) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[sheet.get("name", "")] = part
    return parts


# -- ods -------------------------------------------------------------------------------

class _OdsContent:
    """``content.xml`` of an OpenDocument spreadsheet, parsed as a stream: error cells,
    formulas saved without a value and hidden rows holding a value
    (``table:visibility="collapse"`` or ``"filter"``). Rows and cells may be repeated
    (``number-rows-repeated``…): positions are counted, never expanded."""

    VALUES = ("value", "date-value", "time-value", "boolean-value", "string-value")

    def __init__(self) -> None:
        self.found: BadCells = {}
        self.hidden: dict[str, int] = {}
        self.table, self.row, self.column = "", 0, 0
        self.row_repeat = 1
        self.row_hidden = self.row_valued = False
        self.cell: dict[str, str] | None = None
        self.text_parts: list[str] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "table":
            self.table, self.row = attrs.get("name", ""), 0
        elif name == "table-row":
            self.column = 0
            self.row_repeat = int(attrs.get("number-rows-repeated", "1"))
            self.row_hidden = attrs.get("visibility") in ("collapse", "filter")
            self.row_valued = False
        elif name in ("table-cell", "covered-table-cell"):
            self.cell, self.text_parts = attrs, []

    def text(self, data: str) -> None:
        if self.cell is not None:
            self.text_parts.append(data)

    def end(self, name: str) -> None:
        if name in ("table-cell", "covered-table-cell") and self.cell is not None:
            attrs, shown = self.cell, "".join(self.text_parts).strip()
            where = (self.row + 1, self.column + 1)
            if attrs.get("value-type") == "error":
                self.found.setdefault(self.table, {})[where] = _error_message(
                    shown or "#ERREUR")
            elif "formula" in attrs and not shown and not any(
                    k in attrs for k in self.VALUES):
                self.found.setdefault(self.table, {})[where] = FORMULA_WITHOUT_VALUE
            if shown or any(k in attrs for k in self.VALUES):
                self.row_valued = True
            self.column += int(attrs.get("number-columns-repeated", "1"))
            self.cell = None
        elif name == "table-row":
            if self.row_hidden and self.row_valued:
                self.hidden[self.table] = self.hidden.get(self.table, 0) + self.row_repeat
            self.row += self.row_repeat


def scan_ods(name: str, archive: zipfile.ZipFile) -> Findings:
    """Error cells, formulas without a value and hidden rows of an OpenDocument
    spreadsheet."""
    scan = _OdsContent()
    try:
        _stream(_local_names(scan.start, scan.end, scan.text), archive, "content.xml")
    except KeyError:
        return Findings()
    except _Refused:
        raise InputError(entities_error(name, "content.xml")) from None
    except (expat.ExpatError, *ZIP_FAILURES):
        raise InputError(corrupt_error(name)) from None
    return Findings(scan.found, scan.hidden)


# -- xls -------------------------------------------------------------------------------


class _Discard(io.TextIOBase):
    """xlrd's log (it writes warnings on damaged files even at verbosity 0)."""

    def write(self, text: str) -> int:
        return len(text)


def scan_xls(data: bytes, max_rows: int, max_columns: int) -> Findings:
    """Error cells of an Excel 97–2003 workbook, read with xlrd (a maintained BIFF
    reader): plain error cells and formulas whose cached result is an error; and its
    hidden rows holding a value (xlrd's ``rowinfo_map``, read with the formatting).

    Best effort, never fatal: any xlrd failure gives no finding, and calamine remains
    the judge of whether the file can be read. Only the rows and columns within the
    limits are looked at (calamine refuses the sheet when its range is past them).
    """
    import xlrd  # only for .xls files: not imported by every run

    found = Findings()
    book = None
    for formatting in (True, False):  # the formatting (hidden rows) only if xlrd can
        try:
            book = xlrd.open_workbook(file_contents=data, on_demand=True,
                                      formatting_info=formatting, ragged_rows=True,
                                      logfile=_Discard())
            break
        except Exception:  # a damaged or encrypted file: calamine will say so, or read it
            continue
    if book is None:
        return found
    try:
        for number in range(book.nsheets):
            sheet = book.sheet_by_index(number)
            bad: dict[tuple[int, int], str] = {}
            hidden = 0
            for row in range(min(sheet.nrows, max_rows)):
                types = sheet.row_types(row)
                info = sheet.rowinfo_map.get(row)
                if info is not None and info.hidden and any(
                        t != xlrd.XL_CELL_EMPTY and t != xlrd.XL_CELL_BLANK for t in types):
                    hidden += 1
                if xlrd.XL_CELL_ERROR not in types:
                    continue
                for column in range(min(len(types), max_columns)):
                    if types[column] == xlrd.XL_CELL_ERROR:
                        code = sheet.cell_value(row, column)
                        shown = xlrd.error_text_from_code.get(code, "#ERREUR")
                        bad[(row + 1, column + 1)] = _error_message(shown)
            if bad:
                found.bad[sheet.name] = bad
            found.hidden[sheet.name] = hidden
            book.unload_sheet(number)
    except Exception:  # a damaged sheet: calamine will say so, or read what it can
        return Findings()
    finally:
        book.release_resources()
    return found
