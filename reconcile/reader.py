"""Find the input workbooks and read their sheets into raw grids, safely.

Only this module opens input files. Each file is read once into memory: the same
bytes are hashed (audit), parsed (python-calamine, ~5× faster than openpyxl) and
copied into the report's snapshot, so the auditor holds exactly what was read.

Before a byte reaches the parser the file is checked (see ``../docs/securite.md``):
size, zip structure, decompressed size and ratio (zip bombs), DTD/entities, and the
used range (a two-cell xlsx can make calamine allocate ~550 GB and abort). ``.xls``
and ``.ods`` are parsed in a forked child with a memory cap, whose death we report
instead of dying with it.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import re
import resource
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine
from defusedxml import ElementTree

from .anomalies import ERROR, WARNING, Anomaly, InputError

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What a damaged archive raises while it is read (zlib.error: a corrupt deflate stream).
ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
                zlib.error, NotImplementedError, KeyError, RuntimeError)


@dataclass(frozen=True)
class Limits:
    """What a real input never exceeds; past it we refuse instead of exhausting memory."""

    max_file_bytes: int = 100 * 2**20
    max_unzipped_bytes: int = 1024 * 2**20
    max_ratio: int = 100
    max_rows: int = 1_000_000
    max_columns: int = 200
    child_memory_bytes: int = 4 * 2**30


# Never read more than this into memory, whatever the limits (a file this large is
# refused by its size alone; see ``locate``).
READ_CEILING = 2 * 2**30


@dataclass(frozen=True)
class InputFile:
    stem: str
    path: Path
    data: bytes = field(repr=False)
    size: int = -1  # on disk; -1: len(data). Set when the file was too large to read.

    @property
    def bytes_on_disk(self) -> int:
        return len(self.data) if self.size < 0 else self.size

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class RawSheet:
    """A sheet's cells from A1, as the parser returned them; row i is Excel row i+1."""

    file: str
    name: str
    rows: list[list[Any]]
    hidden: bool = False
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    # Merged ranges, 0-based inclusive (first row, first column, last row, last column).
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def locate(
    folder: Path, stem: str, limits: Limits | None = None
) -> tuple[InputFile | None, list[Anomaly]]:
    """The one workbook of ``folder`` whose stem is ``stem`` (case-insensitive).

    A file larger than the size limit (``limits``; without them, ``READ_CEILING``) is
    not read: ``read_workbook`` refuses it by its size.
    """
    matches = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in EXTENSIONS
        and p.stem.lower() == stem
        and not p.name.startswith(("~$", ".~lock"))
    )
    if not matches:
        return None, []
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        return None, [
            _file_error(
                matches[0].name,
                "fichier-double",
                f"plusieurs fichiers « {stem} » : {names} ; n'en garder qu'un dans le dossier",
                value=names,
            )
        ]
    path = matches[0]
    ceiling = min(READ_CEILING, limits.max_file_bytes) if limits else READ_CEILING
    size = path.stat().st_size
    if size > ceiling:
        return InputFile(stem, path, b"", size), []
    with path.open("rb") as handle:
        data = handle.read(ceiling + 1)  # the file may have grown since stat()
    if len(data) > ceiling:
        return InputFile(stem, path, b"", len(data)), []
    return InputFile(stem, path, data), []


def read_workbook(source: InputFile, limits: Limits) -> list[RawSheet]:
    """Every sheet of ``source``; raises ``InputError`` when the file cannot be read."""
    data = source.data
    limit = min(limits.max_file_bytes, READ_CEILING)
    if source.bytes_on_disk > limit or source.size >= 0:
        raise InputError(
            _file_error(
                source.name,
                "fichier-trop-gros",
                f"fichier de {source.bytes_on_disk / 2**20:.1f} Mo, au-delà de la limite de "
                f"{limit / 2**20:.0f} Mo (option --max-fichier-mo)",
            )
        )
    if not data:
        raise InputError(_file_error(source.name, "fichier-vide", "fichier vide (0 octet)"))
    suffix = source.path.suffix.lower()
    if data.startswith(ZIP_MAGIC):
        archive = _open_zip(source, limits)
        if suffix in (".xlsx", ".xlsm") or "xl/workbook.xml" in archive.namelist():
            bad_cells = _scan_xlsx(source, archive, limits)
            return _parse(source, limits, bad_cells)
        bad_cells = _scan_ods(source, archive)
        sheets = _parse_in_child(source, limits)
        for sheet in sheets:
            sheet.bad_cells = bad_cells.get(sheet.name, {})
        return sheets
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise InputError(_password_error(source.name))
        bad_cells = _scan_xls(data)
        sheets = _parse_in_child(source, limits)
        for sheet in sheets:
            sheet.bad_cells = bad_cells.get(sheet.name, {})
        return sheets
    kind = "texte ou CSV" if _looks_like_text(data) else "d'un format inconnu"
    raise InputError(
        _file_error(
            source.name,
            "pas-un-classeur",
            f"ce fichier n'est pas un classeur Excel ou LibreOffice (contenu {kind}) : "
            "l'ouvrir dans Excel ou LibreOffice et l'enregistrer au format .xlsx",
        )
    )


# -- checks before parsing -------------------------------------------------------------


def _open_zip(source: InputFile, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
        entries = archive.infolist()
    except ZIP_FAILURES:
        raise InputError(_corrupt_error(source.name)) from None
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise InputError(
            _file_error(
                source.name,
                "decompression-excessive",
                f"le contenu décompressé ferait {total / 2**20:.0f} Mo, au-delà de la "
                f"limite de {limits.max_unzipped_bytes / 2**20:.0f} Mo "
                "(option --max-decompresse-mo)",
            )
        )
    for entry in entries:
        if entry.file_size > 2**20 and entry.file_size > limits.max_ratio * max(
            entry.compress_size, 1
        ):
            raise InputError(
                _file_error(
                    source.name,
                    "bombe-zip",
                    f"« {entry.filename} » se décompresse "
                    f"{entry.file_size // max(entry.compress_size, 1)} fois (limite "
                    f"{limits.max_ratio}) : fichier suspect, refusé",
                )
            )
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            try:
                head = archive.read(entry)[:4096] if entry.file_size < 2**16 else _head(
                    archive, entry
                )
            except ZIP_FAILURES:
                raise InputError(_corrupt_error(source.name)) from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise InputError(
                    _file_error(
                        source.name,
                        "xml-entites",
                        f"« {entry.filename} » déclare une DTD ou des entités XML, ce "
                        "qu'aucun classeur légitime ne fait : fichier refusé",
                    )
                )
    return archive


def _head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    with archive.open(entry) as stream:
        return stream.read(4096)


VALUED_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,3})(\d+)"[^>/]*>')


def _deep_cell(max_rows: int) -> re.Pattern[bytes]:
    """Valued cells whose row number has as many digits as the first row past the limit
    (few matches, hence fast, whatever the sheet's size)."""
    return re.compile(rb'<c r="[A-Z]+(\d{%d,})"[^>/]*>' % len(str(max_rows + 1)))


ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>/]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>'
)


def _scan_xlsx(
    source: InputFile, archive: zipfile.ZipFile, limits: Limits
) -> dict[str, dict[tuple[int, int], str]]:
    """Used range, error cells and formulas without a cached value, per sheet name.

    calamine reads error cells and uncomputed formulas as empty cells, which would
    turn ``#N/A`` into a silent blank; we find them in the XML instead.
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    for sheet, part in _sheet_parts(source, archive).items():
        try:
            xml = archive.read(part)
        except KeyError:
            continue
        except ZIP_FAILURES:
            raise InputError(_corrupt_error(source.name)) from None
        _check_range(source, sheet, xml, limits)
        bad: dict[tuple[int, int], str] = {}
        if b't="e"' in xml:
            for letters, row, value in ERROR_CELL.findall(xml):
                bad[(int(row), _column_index(letters))] = (
                    f"cellule en erreur {value.decode(errors='replace')} : corriger la formule "
                    "ou saisir la valeur"
                )
        if b"<f" in xml:
            for letters, row in FORMULA_WITHOUT_VALUE.findall(xml):
                bad[(int(row), _column_index(letters))] = (
                    "formule sans valeur calculée (fichier produit par un programme) : "
                    "ouvrir et enregistrer le fichier dans Excel ou LibreOffice, ou saisir "
                    "la valeur"
                )
        found[sheet] = bad
    return found


def _check_range(source: InputFile, sheet: str, xml: bytes, limits: Limits) -> None:
    max_column = max((_column_index(m) for m, _ in VALUED_WIDE_CELL.findall(xml)), default=1)
    max_row = max((int(r) for r in _deep_cell(limits.max_rows).findall(xml)), default=0)
    _refuse_range(source.name, sheet, max_row, max_column, limits)


def _refuse_range(file: str, sheet: str, max_row: int, max_column: int,
                  limits: Limits) -> None:
    if max_row > limits.max_rows:
        where = (f"des cellules remplies jusqu'à la ligne {max_row}, au-delà de la limite de "
                 f"{limits.max_rows} lignes (option --max-lignes)")
    elif max_column > limits.max_columns:
        where = (f"des cellules remplies jusqu'à la colonne {_column_letters(max_column)}, "
                 f"au-delà de la limite de {limits.max_columns} colonnes")
    else:
        return
    raise InputError(
        Anomaly(file, sheet, None, "", "", ERROR, "plage-trop-grande",
                f"la feuille a {where} : supprimer les cellules remplies par erreur loin du "
                "tableau, ou augmenter la limite si le tableau est vraiment si grand")
    )


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def _scan_ods(source: InputFile, archive: zipfile.ZipFile) -> dict[str, dict[tuple[int, int], str]]:
    """Error cells of an OpenDocument spreadsheet (calamine reads them as empty).

    Rows and cells may be repeated (``number-rows-repeated``…): positions are counted,
    never expanded. Only parsed when the file holds an error cell at all.
    """
    try:
        content = archive.read("content.xml")
    except KeyError:
        return {}
    except ZIP_FAILURES:
        raise InputError(_corrupt_error(source.name)) from None
    if b'value-type="error"' not in content:
        return {}
    found: dict[str, dict[tuple[int, int], str]] = {}
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
                    found.setdefault(table, {})[(row + 1, column + 1)] = (
                        f"cellule en erreur {shown} : corriger la formule ou saisir la valeur"
                    )
                column += int(element.get(ODS_TABLE + "number-columns-repeated", "1"))
            elif tag == ODS_TABLE + "table-row":
                row += int(element.get(ODS_TABLE + "number-rows-repeated", "1"))
                element.clear()
    except Exception:  # unreadable XML: calamine will say the file is damaged, or not
        return found
    return found


BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
               0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _scan_xls(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Error cells of an Excel 97–2003 workbook (calamine reads them as empty).

    Best effort, never fatal: any surprise in the container or the records gives no
    finding, and calamine remains the judge of whether the file can be read.
    """
    try:
        stream = _cfb_stream(data, ("Workbook", "Book"))
        return _biff_errors(stream) if stream else {}
    except Exception:  # a damaged container: calamine will say so, or read what it can
        return {}


def _cfb_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """One stream of an OLE compound file (MS-CFB), read with bounded chains."""
    sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector not in (512, 4096) or mini != 64:
        return None
    first_dir, = struct.unpack_from("<I", data, 0x30)
    cutoff, first_minifat = struct.unpack_from("<II", data, 0x38)
    first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
    count = (len(data) - 512) // sector + 1
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    next_difat = first_difat
    for _ in range(min(difat_count, count)):
        if next_difat >= count:
            break
        entries = struct.unpack_from(f"<{sector // 4}I", data, 512 + next_difat * sector)
        difat += entries[:-1]
        next_difat = entries[-1]
    fat: list[int] = []
    for number in difat:
        if number < count:
            fat += struct.unpack_from(f"<{sector // 4}I", data, 512 + number * sector)

    def chain(start: int, table: list[int]) -> list[int]:
        found = []
        while start < len(table) and len(found) <= len(table):
            found.append(start)
            start = table[start]
        return found

    def read(start: int) -> bytes:
        return b"".join(data[512 + n * sector: 512 + (n + 1) * sector]
                        for n in chain(start, fat))

    directory = read(first_dir)
    entries = []
    for at in range(0, len(directory) - 127, 128):
        length, kind = struct.unpack_from("<HB", directory, at + 0x40)
        name = directory[at:at + max(length - 2, 0)].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<IQ", directory, at + 0x74)
        entries.append((name, kind, start, size if sector == 4096 else size & 0xFFFFFFFF))
    root = next(e for e in entries if e[1] == 5)
    for name, kind, start, size in entries:
        if kind != 2 or name not in names:
            continue
        if size >= cutoff:
            return read(start)[:size]
        minifat = [n for chunk in [read(first_minifat)] for n in
                   struct.unpack_from(f"<{len(chunk) // 4}I", chunk)]
        ministream = read(root[2])
        return b"".join(ministream[n * mini:(n + 1) * mini]
                        for n in chain(start, minifat))[:size]
    return None


def _biff_errors(stream: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """BIFF8 records: BOUNDSHEET names each sheet's substream; BOOLERR and FORMULA
    records carry an error value (cached, for a formula)."""
    sheets: dict[int, str] = {}
    found: dict[str, dict[tuple[int, int], str]] = {}
    position, current = 0, ""
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4: position + 4 + length]
        if kind == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            offset, = struct.unpack_from("<I", body, 0)
            chars, high = body[6], body[7] & 1
            raw = body[8: 8 + chars * (2 if high else 1)]
            sheets[offset] = raw.decode("utf-16-le" if high else "latin-1")
        elif kind == 0x0809 and position in sheets:  # BOF of a sheet
            current = sheets[position]
        code = None
        if kind == 0x0205 and len(body) >= 8 and body[7] == 1:  # BOOLERR, an error
            code = body[6]
        elif kind == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
            code = body[8]  # FORMULA whose cached result is an error
        if code is not None and current:
            row, column = struct.unpack_from("<HH", body, 0)
            shown = BIFF_ERRORS.get(code, "#ERREUR")
            found.setdefault(current, {})[(row + 1, column + 1)] = (
                f"cellule en erreur {shown} : corriger la formule ou saisir la valeur"
            )
        position += 4 + length
    return found


def _sheet_parts(source: InputFile, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:
        raise InputError(_corrupt_error(source.name)) from None
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


# -- parsing ---------------------------------------------------------------------------


def _parse(
    source: InputFile,
    limits: Limits,
    bad_cells: dict[str, dict[tuple[int, int], str]] | None = None,
) -> list[RawSheet]:
    sheets = []
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        for meta in workbook.sheets_metadata:
            if str(meta.typ).split(".")[-1] not in ("WorkSheet", "Worksheet"):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            # .xls/.ods have no used-range check before parsing: refuse here, before
            # the dense grid is built (the xlsx range was checked in the XML).
            start = sheet.start or (0, 0)
            _refuse_range(source.name, meta.name, start[0] + sheet.height,
                          start[1] + sheet.width, limits)
            grid = sheet.to_python(skip_empty_area=False)
            hidden = str(meta.visible).split(".")[-1] != "Visible"
            bad = (bad_cells or {}).get(meta.name, {})
            merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in
                      (sheet.merged_cell_ranges or [])]
            sheets.append(RawSheet(source.name, meta.name, grid, hidden, bad, merged))
        return sheets
    except InputError:
        raise
    except calamine.PasswordError:
        raise InputError(_password_error(source.name)) from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # any parser failure on these bytes (a Rust panic included)
        raise InputError(_corrupt_error(source.name)) from None


def _child_parse(source: InputFile, limits: Limits, connection: Any) -> None:
    memory = limits.child_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        connection.send(("ok", _parse(source, limits)))
    except InputError as error:
        connection.send(("error", error.anomaly))
    except MemoryError:
        connection.send(("crash", None))


def _parse_in_child(source: InputFile, limits: Limits) -> list[RawSheet]:
    """Parse with calamine in a forked child: a reader abort cannot take us down."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_parse, args=(source, limits, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        outcome, payload = receiver.recv()
    except EOFError:
        outcome, payload = "crash", None
    child.join()
    if outcome == "ok":
        return payload
    if outcome == "error":
        raise InputError(payload)
    raise InputError(
        _file_error(
            source.name,
            "lecteur-arrete",
            "la lecture de ce fichier a échoué (structure anormale ou trop grande) : "
            "l'ouvrir dans Excel ou LibreOffice et l'enregistrer au format .xlsx",
        )
    )


# -- helpers ---------------------------------------------------------------------------


def _column_index(letters: bytes | str) -> int:
    index = 0
    for char in letters.decode() if isinstance(letters, bytes) else letters:
        index = index * 26 + ord(char) - 64
    return index


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return all(b >= 9 for b in head[:512])


def _file_error(name: str, code: str, message: str, value: str = "") -> Anomaly:
    return Anomaly(name, "", None, "", value, ERROR, code, message)


def _password_error(name: str) -> Anomaly:
    return _file_error(
        name,
        "protege-mot-de-passe",
        "classeur protégé par mot de passe : enregistrer une copie sans mot de passe",
    )


def _corrupt_error(name: str) -> Anomaly:
    return _file_error(
        name,
        "fichier-corrompu",
        "fichier endommagé ou incomplet (archive illisible) : l'exporter à nouveau",
    )


def hidden_sheet_warning(sheet: RawSheet) -> Anomaly:
    return Anomaly(
        sheet.file,
        sheet.name,
        None,
        "",
        "",
        WARNING,
        "feuille-masquee",
        "feuille masquée dans le classeur : elle est lue quand même",
    )
