"""CSV input files, read into the same ``RawSheet`` a workbook gives (spécification §2.5,
choix C-7).

Officers export from other tools in CSV: ``;`` (French Excel) or ``,``, UTF-8 with or
without BOM, or Windows-1252 (Excel's « CSV (séparateur : point-virgule) »). Both are
detected, never asked for, and named in the Contrôle sheet. Every cell stays the text
that was written: nothing is evaluated, so ``=1+1`` is the text ``=1+1``, which the
cell parsers then refuse (a number) or keep (a free text), as in a workbook.

A CSV holds one table: ``bareme.csv`` is the ``Bareme`` sheet, and the barème's other
sheets come as ``consultations.csv`` and ``exonerations.csv`` (see ``companions``).
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from schemas import SHEETS

from ..core.anomalies import CATALOGUE, Anomaly, InputError, file_problem
from .prescan import refuse_range

SEPARATORS = (";", ",", "\t")
SEPARATOR_NAMES = {";": "« ; »", ",": "« , »", "\t": "tabulation"}
SNIFF_LINES = 30  # the header row is looked for in the first 30 rows (normalise.py)


def sheet_name(stem: str) -> str:
    """The sheet a CSV named ``stem`` stands for: the main sheet of that file
    (``membres`` → ``Membres``), or a barème sheet of its own (``consultations``)."""
    for spec in SHEETS:
        if spec.stem == stem and spec.primary:
            return spec.sheet
    for spec in SHEETS:
        if spec.sheet.lower() == stem:
            return spec.sheet
    return stem


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (strict) first, with or without
    BOM, else Windows-1252; ``None``-like failure raises ``UnicodeDecodeError``."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 avec BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "Windows-1252"


def separator(text: str) -> str | None:
    """The separator that splits one of the first lines into the most cells (the
    header row has one cell per column; a title line above it has few): ``;`` wins a
    tie, then ``,``. ``None`` when no line has two cells: the text is not a table."""
    best, widest = None, 1
    for candidate in SEPARATORS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=candidate)
        try:
            width = max((len(row) for _, row in zip(range(SNIFF_LINES), reader,
                                                    strict=False)), default=0)
        except csv.Error:
            continue
        if width > widest:
            best, widest = candidate, width
    return best


def read_csv(name: str, stem: str, data: bytes, max_rows: int, max_columns: int
             ) -> tuple[list[list[str]], str, str]:
    """Rows of text cells, the sheet name and a description of the format read
    (« CSV, séparateur « ; », UTF-8 »). Raises ``InputError`` when it is not a CSV
    or goes past the limits (checked row by row, before it is all in memory)."""
    sheet = sheet_name(stem)
    if b"\x00" in data[:4096]:  # UTF-16 (« Texte Unicode ») or binary
        raise InputError(_not_csv(name, "il contient des octets nuls (texte Unicode UTF-16 "
                                        "ou fichier binaire)"))
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        raise InputError(_not_csv(name, "son encodage n'est ni UTF-8 ni Windows-1252")
                         ) from None
    delimiter = separator(text)
    if delimiter is None:
        raise InputError(_not_csv(name, "aucune de ses 30 premières lignes n'a de "
                                        "séparateur « ; » ou « , »"))
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1  # the line where the record being read starts (a quoted cell spans lines)
    try:
        for row in reader:
            rows.append(row)
            refuse_range(name, sheet, len(rows), len(row), max_rows, max_columns)
            start = reader.line_num + 1
    except csv.Error:
        raise InputError(CATALOGUE["csv-illisible"].at(
            name, sheet, len(rows) + 1,
            detail=f"Fichier CSV illisible à partir de la ligne {start} du fichier : un guillemet "
            "« \" » y ouvre une cellule qui n'est pas refermée correctement ; corriger "
            "cette ligne ou exporter à nouveau le fichier.")) from None
    return rows, sheet, f"CSV, séparateur {SEPARATOR_NAMES[delimiter]}, {encoding}"


def _not_csv(name: str, why: str) -> Anomaly:
    return file_problem(name, "csv-illisible",
                        detail=f"Ce fichier n'est ni un classeur ni un CSV lisible : {why}. "
                        "L'enregistrer au format .xlsx, ou en « CSV UTF-8 » ou « CSV "
                        "(séparateur : point-virgule) ».")


def companions(folder: Path, stem: str, main: str, is_csv: bool
               ) -> tuple[list[Path], list[Anomaly]]:
    """The CSV files that hold the other sheets of ``stem``'s workbook
    (``consultations.csv``, ``exonerations.csv`` for ``bareme``).

    Read only when the main file is itself a CSV; next to a workbook they are ignored
    with a warning (the workbook's own sheets are read), never silently."""
    found: list[Path] = []
    problems: list[Anomaly] = []
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for spec in SHEETS:
        if spec.stem != stem or spec.primary:
            continue
        wanted = f"{spec.sheet.lower()}.csv"
        path = files.get(wanted)
        if not is_csv:
            if path is not None:
                problems.append(file_problem(
                    path.name, "fichier-ressemblant", value=path.name,
                    detail=f"{path.name} ignoré : la feuille {spec.sheet} est lue dans "
                           f"{main}. Supprimer l'un des deux."))
        elif path is not None:
            found.append(path)
        elif not spec.optional_sheet:
            problems.append(CATALOGUE["fichier-manquant"].at(
                wanted, spec.sheet,
                detail=f"Fichier « {wanted} » absent du dossier {folder} : avec {main}, la "
                f"feuille {spec.sheet} du barème se dépose dans un fichier CSV à part, "
                f"nommé {wanted} (ou bien déposer un classeur {stem}.xlsx qui a toutes "
                "ses feuilles)."))
    return found, problems
