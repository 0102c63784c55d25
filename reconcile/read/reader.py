"""Find the input workbooks and read their sheets into raw grids, safely.

Only this module finds input files, and ``disk.take`` reads them. Each file is read
once into memory: the same bytes are hashed (audit), parsed (python-calamine, ~5×
faster than openpyxl) and copied into the report's snapshot, so the auditor holds
exactly what was read.

Before a byte reaches the parser the file is checked (see ``../docs/securite.md``):
size, zip structure, decompressed size and ratio (zip bombs), DTD/entities; then
``prescan`` checks the used range and finds the error cells calamine would read as
empty. ``.xls`` and ``.ods`` are pre-scanned and parsed in a forked child with a
memory cap, whose death we report instead of dying with it.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import resource
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from ..core.anomalies import CATALOGUE, Anomaly, InputError, file_problem
from .cells import plain_name
from .csvinput import read_csv
from .disk import take
from .prescan import (
    ZIP_FAILURES,
    Findings,
    corrupt_error,
    entities_error,
    refuse_range,
    scan_ods,
    scan_xls,
    scan_xlsx,
)

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    changed: bool = False  # moved while it was read (``disk.take``): the run warns

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
    hidden_rows: int = 0  # rows holding a value that are hidden or filtered out (read)
    format: str = ""  # how the file was read, for the Contrôle sheet


def locate(
    folder: Path, stem: str, limits: Limits | None = None, required: bool = True
) -> tuple[InputFile | None, list[Anomaly]]:
    """The one workbook of ``folder`` whose stem is ``stem`` (case-insensitive).

    Look-alikes (``membres (1).xlsx``, ``membres - Copie.xlsx``, ``Membres 2026.xlsx``,
    ``membres.txt``) are never silently ignored: a warning names each when the file is
    there; when it is not, the « absent » error names them — an error even for an
    optional file, whose silent absence would change every status.

    A file larger than the size limit (``limits``; without them, ``READ_CEILING``) is
    not read: ``read_workbook`` refuses it by its size.
    """
    try:
        candidates = sorted(p for p in folder.iterdir()
                            if not p.name.startswith(("~$", ".~lock")))
    except OSError as error:
        return None, [unlistable(folder, error)]
    named = [p for p in candidates if p.suffix.lower() in EXTENSIONS and p.stem.lower() == stem]
    broken = [p for p in named if not p.is_file() and p.is_symlink()]
    if broken:
        return None, [file_problem(p.name, "lien-casse", detail=_broken_link(p))
                      for p in broken]
    matches = [p for p in named if p.is_file()]
    alikes = [p.name for p in candidates
              if p not in named and p.is_file() and _looks_like(p, stem)]
    if not matches:
        return None, _absent(folder, stem, alikes, required)
    problems = [
        file_problem(name, "fichier-ressemblant", value=name,
                     detail=f"{name} ignoré : seul {matches[0].name} est lu. Vérifier lequel "
                            "est à jour.")
        for name in alikes]
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        return None, [*problems, file_problem(matches[0].name, "fichier-double", value=names,
                                              stem=stem, names=names)]
    found, unreadable = read_input(matches[0], stem, limits)
    return found, [*problems, *unreadable]


def read_input(path: Path, stem: str, limits: Limits | None = None
               ) -> tuple[InputFile | None, list[Anomaly]]:
    """The file's bytes, read up to the size limit (``limits``; without them,
    ``READ_CEILING``): a larger file comes back empty with its size, for ``too_large``
    to refuse; an unreadable one (no permission, a disk error) is an anomaly."""
    ceiling = min(READ_CEILING, limits.max_file_bytes) if limits else READ_CEILING
    try:
        taken = take(path, ceiling)
    except OSError as error:
        return None, [file_problem(path.name, "fichier-illisible", why=_why(error))]
    if not taken.data and taken.size > ceiling:
        return InputFile(stem, path, b"", taken.size, taken.changed), []
    return InputFile(stem, path, taken.data, changed=taken.changed), []


def changed_warning(name: str) -> Anomaly:
    """A file that moved while it was read (spécification §2.5, §4.7): the bytes used
    and hashed are one read's, but maybe not the version the officer meant."""
    return file_problem(name, "fichier-modifie-pendant-lecture", value=name, detail=(
        f"Le fichier {name} a été modifié ou remplacé pendant sa lecture : le rapport est "
        "calculé sur une seule lecture complète du fichier, dont l'empreinte est dans "
        "Contrôle, mais l'enregistrement était peut-être en cours. Relancer quand plus "
        "personne n'enregistre ce fichier."))


def too_large(source: InputFile, limits: Limits) -> Anomaly | None:
    """The refusal of a file over the size limit (``read_input`` did not read it)."""
    limit = min(limits.max_file_bytes, READ_CEILING)
    if source.bytes_on_disk <= limit and source.size < 0:
        return None
    return file_problem(source.name, "fichier-trop-gros",
                        size_mo=source.bytes_on_disk / 2**20, limit_mo=limit / 2**20)


def _looks_like(path: Path, stem: str) -> bool:
    """``membres (1).xlsx``, ``Copie de membres.xlsx``, ``membres.txt``,
    ``membres.xlsx.bak``: the stem is a word of the name (choix C-6). (PES XML files
    are titres sources of their own, not look-alikes.)"""
    if path.suffix.lower() == ".xml":
        return False
    return stem in plain_name(path.name).split("_")


def _absent(folder: Path, stem: str, alikes: list[str], required: bool) -> list[Anomaly]:
    formats = ".xlsx, .xlsm, .xls, .ods ou .csv"
    if not alikes:
        return [file_problem(f"{stem}.xlsx", "fichier-manquant",
                             detail=f"fichier « {stem} » absent du dossier {folder} ({formats})")
                ] if required else []
    names = ", ".join(alikes)
    why = "" if required else " (sans lui, aucun titre ne serait compté)"
    return [file_problem(f"{stem}.xlsx", "fichier-manquant", value=names,
                         detail=f"fichier « {stem} » absent du dossier {folder}{why}, mais "
                                f"trouvé : {names}. Renommer en {stem}.xlsx celui qui est à "
                                f"jour ({formats}).")]


def read_workbook(source: InputFile, limits: Limits) -> list[RawSheet]:
    """Every sheet of ``source``; raises ``InputError`` when the file cannot be read."""
    data = source.data
    refused = too_large(source, limits)
    if refused is not None:
        raise InputError(refused)
    if not data:
        raise InputError(file_problem(source.name, "fichier-vide",
                                      detail="fichier vide (0 octet)"))
    suffix = source.path.suffix.lower()
    if data.startswith(ZIP_MAGIC):
        archive = _open_zip(source, limits)
        if not any(n.startswith("xl/") or n == "content.xml" for n in archive.namelist()):
            raise InputError(file_problem(
                source.name, "pas-un-classeur",
                detail="ce fichier est une archive zip qui ne contient aucun classeur (document "
                "Word ou PowerPoint, dossier compressé…) : l'ouvrir dans Excel ou "
                "LibreOffice et l'enregistrer au format .xlsx"))
        if suffix in (".xlsx", ".xlsm") or "xl/workbook.xml" in archive.namelist():
            findings = scan_xlsx(source.name, archive, limits.max_rows, limits.max_columns)
            return _described(_parse(source, limits, findings), "classeur .xlsx")
        return _described(_parse_in_child(source, limits, lambda: scan_ods(source.name,
                                                                           archive)),
                          "classeur .ods")
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise InputError(_password_error(source.name))
        return _described(_parse_in_child(
            source, limits, lambda: scan_xls(data, limits.max_rows, limits.max_columns)
        ), "classeur .xls")
    if suffix == ".csv":
        rows, name, described = read_csv(source.name, source.stem, data, limits.max_rows,
                                         limits.max_columns)
        return [RawSheet(source.name, name, rows, format=described)]
    if _looks_like_text(data):
        raise InputError(file_problem(
            source.name, "pas-un-classeur",
            detail=f"ce fichier n'est pas un classeur Excel ou LibreOffice (contenu texte ou "
            f"CSV) : si c'est un CSV, le renommer en {source.stem}.csv ; sinon l'ouvrir dans Excel "
            "ou LibreOffice et l'enregistrer au format .xlsx"))
    raise InputError(
        file_problem(
            source.name,
            "pas-un-classeur",
            detail="ce fichier n'est pas un classeur Excel ou LibreOffice (contenu d'un "
            "format inconnu) : l'ouvrir dans Excel ou LibreOffice et l'enregistrer au format "
            ".xlsx",
        )
    )


# -- checks before parsing -------------------------------------------------------------


def _open_zip(source: InputFile, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
        entries = archive.infolist()
    except ZIP_FAILURES:
        raise InputError(corrupt_error(source.name)) from None
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise InputError(
            file_problem(
                source.name,
                "decompression-excessive",
                size_mo=total / 2**20,
                limit_mo=limits.max_unzipped_bytes / 2**20,
            )
        )
    for entry in entries:
        if entry.file_size > 2**20 and entry.file_size > limits.max_ratio * max(
            entry.compress_size, 1
        ):
            raise InputError(
                file_problem(
                    source.name,
                    "bombe-zip",
                    part=entry.filename,
                    ratio=entry.file_size // max(entry.compress_size, 1),
                    limit=limits.max_ratio,
                )
            )
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            try:
                head = archive.read(entry)[:4096] if entry.file_size < 2**16 else _head(
                    archive, entry
                )
            except ZIP_FAILURES:
                raise InputError(corrupt_error(source.name)) from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise InputError(entities_error(source.name, entry.filename))
    return archive


def _head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    with archive.open(entry) as stream:
        return stream.read(4096)


# -- parsing ---------------------------------------------------------------------------


def _described(sheets: list[RawSheet], described: str) -> list[RawSheet]:
    for sheet in sheets:
        sheet.format = described
    return sheets


def _parse(
    source: InputFile,
    limits: Limits,
    findings: Findings | None = None,
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
            refuse_range(source.name, meta.name, start[0] + sheet.height,
                         start[1] + sheet.width, limits.max_rows, limits.max_columns)
            grid = sheet.to_python(skip_empty_area=False)
            hidden = str(meta.visible).split(".")[-1] != "Visible"
            found = findings or Findings()
            bad = found.bad.get(meta.name, {})
            merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in
                      (sheet.merged_cell_ranges or [])]
            sheets.append(RawSheet(source.name, meta.name, grid, hidden, bad, merged,
                                   found.hidden.get(meta.name, 0)))
        return sheets
    except InputError:
        raise
    except calamine.PasswordError:
        raise InputError(_password_error(source.name)) from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # any parser failure on these bytes (a Rust panic included)
        raise InputError(corrupt_error(source.name)) from None


def _child_parse(source: InputFile, limits: Limits, scan: Callable[[], Findings],
                 connection: Any) -> None:
    memory = limits.child_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        connection.send(("ok", _parse(source, limits, scan())))
    except InputError as error:
        connection.send(("error", error.anomaly))
    except MemoryError:
        connection.send(("crash", None))


def _parse_in_child(
    source: InputFile, limits: Limits, scan: Callable[[], Findings]
) -> list[RawSheet]:
    """Pre-scan (``scan``) then parse with calamine in a forked child: an abort of
    either reader cannot take us down."""
    import multiprocessing  # only for .xls and .ods files: not imported by every run

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_parse, args=(source, limits, scan, sender), daemon=True
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
    raise InputError(file_problem(source.name, "lecteur-arrete"))


# -- helpers ---------------------------------------------------------------------------


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return all(b >= 9 for b in head[:512])


def folder_problem(folder: Path) -> str | None:
    """Why the inputs folder cannot be used, in French; ``None`` if it can."""
    try:
        if folder.is_dir():
            return None
        if folder.is_symlink():
            return _broken_link(folder)
        if folder.exists():
            return f"{folder} n'est pas un dossier"
    except OSError as error:
        return f"dossier des entrées inaccessible ({folder}) : {_why(error)}"
    return f"dossier des entrées introuvable : {folder}"


def folder_unreadable(folder: Path) -> Anomaly | None:
    """The error of an inputs folder that exists but cannot be listed (no permission):
    an input error naming the folder (spécification §2.5), never a failure to write."""
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError as error:
        return unlistable(folder, error)
    return None


def unlistable(folder: Path, error: OSError) -> Anomaly:
    return file_problem(str(folder), "dossier-illisible", folder=folder, why=_why(error))


def _broken_link(path: Path) -> str:
    try:
        path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return (f"{path.name} est un lien symbolique qui boucle (il renvoie, directement "
                    "ou non, vers lui-même) : le remplacer par ce qu'il devait désigner")
    return f"{path.name} est un lien symbolique vers un fichier absent : {os.readlink(path)}"


def _why(error: OSError) -> str:
    return {
        errno.EACCES: "lecture refusée (droits insuffisants pour le compte qui lance "
                      "reconcile)",
        errno.EPERM: "lecture refusée (opération non permise)",
        errno.ELOOP: "boucle de liens symboliques",
        errno.EIO: "erreur d'entrée-sortie du disque",
    }.get(error.errno or 0, error.strerror or str(error))


def _password_error(name: str) -> Anomaly:
    return file_problem(name, "protege-mot-de-passe")


def hidden_sheet_warning(sheet: RawSheet) -> Anomaly:
    return CATALOGUE["feuille-masquee"].at(sheet.file, sheet.name)
