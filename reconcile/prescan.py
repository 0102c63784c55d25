"""Look at a workbook's cells before the parser does, for what the parser would hide.

python-calamine reads error cells (``#N/A``, ``#REF!``…) and formulas saved without a
value as empty cells, which would turn an error into a silent blank: they are found
here, in the sheet XML (``.xlsx``, ``.ods``) or through xlrd (``.xls``). calamine is a
dense reader: a two-cell sheet with a value in ``XFD1048576`` makes it allocate rows ×
columns (~550 GB) and abort, so the used range is checked here before it parses.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import xlrd
from defusedxml import ElementTree

from .anomalies import ERROR, Anomaly, InputError

# What a damaged archive raises while it is read (zlib.error: a corrupt deflate stream).
ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
                zlib.error, NotImplementedError, KeyError, RuntimeError)

BadCells = dict[str, dict[tuple[int, int], str]]
"""Sheet name → (Excel row, column number) → message, for cells read as empty."""


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
    return Anomaly(name, "", None, "", "", ERROR, "fichier-corrompu",
                   "fichier endommagé ou incomplet (archive illisible) : l'exporter à nouveau")


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
        Anomaly(file, sheet, None, "", "", ERROR, "plage-trop-grande",
                f"la feuille a {where} : supprimer les cellules remplies par erreur loin du "
                "tableau, ou augmenter la limite si le tableau est vraiment si grand")
    )


def _error_message(shown: str) -> str:
    return f"cellule en erreur {shown} : corriger la formule ou saisir la valeur"


# -- xlsx, xlsm ------------------------------------------------------------------------

VALUED_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,3})(\d+)"[^>/]*>')
ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>/]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>'
)


def _deep_cell(max_rows: int) -> re.Pattern[bytes]:
    """Valued cells whose row number has as many digits as the first row past the limit
    (few matches, hence fast, whatever the sheet's size)."""
    return re.compile(rb'<c r="[A-Z]+(\d{%d,})"[^>/]*>' % len(str(max_rows + 1)))


def scan_xlsx(name: str, archive: zipfile.ZipFile, max_rows: int, max_columns: int) -> BadCells:
    """Used range, error cells and formulas without a cached value, per sheet name."""
    found: BadCells = {}
    for sheet, part in _sheet_parts(name, archive).items():
        try:
            xml = archive.read(part)
        except KeyError:
            continue
        except ZIP_FAILURES:
            raise InputError(corrupt_error(name)) from None
        max_column = max((column_index(m) for m, _ in VALUED_WIDE_CELL.findall(xml)), default=1)
        max_row = max((int(r) for r in _deep_cell(max_rows).findall(xml)), default=0)
        refuse_range(name, sheet, max_row, max_column, max_rows, max_columns)
        bad: dict[tuple[int, int], str] = {}
        if b't="e"' in xml:
            for letters, row, value in ERROR_CELL.findall(xml):
                bad[(int(row), column_index(letters))] = _error_message(
                    value.decode(errors="replace"))
        if b"<f" in xml:
            for letters, row in FORMULA_WITHOUT_VALUE.findall(xml):
                bad[(int(row), column_index(letters))] = (
                    "formule sans valeur calculée (fichier produit par un programme) : "
                    "ouvrir et enregistrer le fichier dans Excel ou LibreOffice, ou saisir "
                    "la valeur"
                )
        found[sheet] = bad
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

ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def scan_ods(name: str, archive: zipfile.ZipFile) -> BadCells:
    """Error cells of an OpenDocument spreadsheet.

    Rows and cells may be repeated (``number-rows-repeated``…): positions are counted,
    never expanded. Only parsed when the file holds an error cell at all.
    """
    try:
        content = archive.read("content.xml")
    except KeyError:
        return {}
    except ZIP_FAILURES:
        raise InputError(corrupt_error(name)) from None
    if b'value-type="error"' not in content:
        return {}
    found: BadCells = {}
    table, row, column = "", 0, 0
    cells = (ODS_TABLE + "table-cell", ODS_TABLE + "covered-table-cell")
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(content), ("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == ODS_TABLE + "table":
                    table, row = element.get(ODS_TABLE + "name", ""), 0
                elif tag == ODS_TABLE + "table-row":
                    column = 0
                continue
            if tag in cells:
                if element.get(ODS_CALCEXT + "value-type") == "error":
                    shown = "".join(element.itertext()).strip() or "#ERREUR"
                    found.setdefault(table, {})[(row + 1, column + 1)] = _error_message(shown)
                column += int(element.get(ODS_TABLE + "number-columns-repeated", "1"))
            elif tag == ODS_TABLE + "table-row":
                row += int(element.get(ODS_TABLE + "number-rows-repeated", "1"))
                element.clear()
    except Exception:  # unreadable XML: calamine will say the file is damaged, or not
        return found
    return found


# -- xls -------------------------------------------------------------------------------


class _Discard(io.TextIOBase):
    """xlrd's log (it writes warnings on damaged files even at verbosity 0)."""

    def write(self, text: str) -> int:
        return len(text)


def scan_xls(data: bytes, max_rows: int, max_columns: int) -> BadCells:
    """Error cells of an Excel 97–2003 workbook, read with xlrd (a maintained BIFF
    reader): plain error cells and formulas whose cached result is an error.

    Best effort, never fatal: any xlrd failure gives no finding, and calamine remains
    the judge of whether the file can be read. Only the rows and columns within the
    limits are looked at (calamine refuses the sheet when its range is past them).
    """
    found: BadCells = {}
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=False,
                                  ragged_rows=True, logfile=_Discard())
    except Exception:  # a damaged or encrypted file: calamine will say so, or read it
        return {}
    try:
        for number in range(book.nsheets):
            sheet = book.sheet_by_index(number)
            bad: dict[tuple[int, int], str] = {}
            for row in range(min(sheet.nrows, max_rows)):
                types = sheet.row_types(row)
                if xlrd.XL_CELL_ERROR not in types:
                    continue
                for column in range(min(len(types), max_columns)):
                    if types[column] == xlrd.XL_CELL_ERROR:
                        code = sheet.cell_value(row, column)
                        shown = xlrd.error_text_from_code.get(code, "#ERREUR")
                        bad[(row + 1, column + 1)] = _error_message(shown)
            if bad:
                found[sheet.name] = bad
            book.unload_sheet(number)
    except Exception:  # a damaged sheet: calamine will say so, or read what it can
        return {}
    finally:
        book.release_resources()
    return found
