"""What an auditor needs to reproduce a run: the `Contrôle` sheet's content.

Each input file's SHA-256 (of the exact bytes read), its sheets and row counts, the
barème rows used, the run's parameters and the versions of the tool and its libraries.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..compute.charges import bareme_reference
from ..core.model import Period
from ..core.rules import WITHDRAWAL_DEADLINE
from ..read.intake import SheetCount
from ..read.reader import InputFile
from .layout import PADDING, fit, row_heights
from .xlsx import Book, Col

# The tool and the libraries it runs with: pyproject's runtime dependencies (a test keeps
# them equal), so an auditor can rebuild the same environment from requirements.lock.
LIBRARIES = ("reconcile", "pandas", "numpy", "pandera", "python-calamine", "xlrd", "defusedxml",
             "lxml", "xlsxwriter", "python-stdnum")


@dataclass(frozen=True)
class Control:
    month: str
    period: Period
    files: tuple[InputFile, ...]
    sheets: tuple[SheetCount, ...]
    tariffs: pd.DataFrame  # barème rows, index = Excel row
    used: pd.Series  # Excel row → number of charges using it
    final_reports: tuple[tuple[str, str, str], ...] = ()  # past exercises
    settings: tuple[tuple[str, str], ...] = ()  # what else changed a figure, and its source
    moved: tuple[str, ...] = ()  # files that changed while they were read (§4.7)
    previous: tuple[str, str] | None = None  # last month's report read back: name, SHA-256

    def parameters(self) -> list[tuple[str, str]]:
        month, day = WITHDRAWAL_DEADLINE
        return [
            ("Mois traité", self.month),
            ("Exercice", str(self.period.year)),
            ("Date d'arrêté (dernier jour du mois)", self.period.as_of.strftime("%d/%m/%Y")),
            ("Date limite de notification du retrait (R2)",
             f"le {day:02d}/{month:02d} (effet au 1er janvier suivant)"),
            ("Barème type 2 appliqué", f"lignes valables au 01/01/{self.period.year}"),
            ("Barème type 1 appliqué", "lignes valables à la date de lancement"),
            *self.settings,
            *([("Fichiers modifiés pendant leur lecture (relancer)", ", ".join(self.moved))]
              if self.moved else []),
            *([("Rapport du mois précédent relu (Évolutions)",
                f"{self.previous[0]} (SHA-256 {self.previous[1]})")] if self.previous else []),
        ]

    def render(self, book: Book) -> None:
        sheet = book.sheet("Contrôle")
        files = [Col("Fichier d'entrée", width=40), Col("SHA-256", width=66),
                 Col("Taille (octets)", "int"), Col("Feuille", width=20),
                 Col("Ligne d'en-tête", "int"), Col("Lignes lues", "int"),
                 Col("dont lignes masquées", "int"), Col("Format lu", width=40)]
        sizes = {f.name: (f.sha256, len(f.data)) for f in self.files}
        file_rows = [
            (c.file, sizes[c.file][0], sizes[c.file][1], c.sheet, c.header_row, c.records,
             c.hidden_rows, c.format)
            for c in self.sheets
        ]
        libraries = [Col("Bibliothèque", width=40), Col("Version", width=66)]
        versions = [("python", platform.python_version())] + [
            (name, _version(name)) for name in LIBRARIES
        ]
        used = [Col("Ligne du barème", width=40), Col("Libellé", width=66),
                Col("Type de frais", "int"), Col("Catégorie", width=20),
                Col("Population minimale", "int"), Col("Population maximale", "int"),
                Col("Prestation", width=20), Col("Montant", "euro"),
                Col("Valable du", "date"), Col("Valable au", "date"),
                Col("Délibération", width=30), Col("Charges qui l'appliquent", "int")]
        tariffs = self.tariffs.loc[self.tariffs.index.isin(self.used.index)]
        used_rows = [
            (bareme_reference(line), t.libelle, t.type_frais, t.categorie, t.population_min,
             t.population_max, t.prestation, t.montant, t.valable_du, t.valable_au,
             getattr(t, "deliberation", None), int(self.used[line]))
            for line, t in zip(tariffs.index, tariffs.itertuples(), strict=True)
        ]
        parameters = [Col("Paramètres", width=48), Col("Valeur", width=66)]
        tables: list[tuple[list[Col], list[tuple]]] = [
            (parameters, list(self.parameters())), (files, file_rows)]
        if self.final_reports:  # the past exercises' dues come from these reports
            finals = [Col("Rapport final (exercice antérieur)", width=34),
                      Col("SHA-256", width=66), Col("Exercice", width=14)]
            tables.append((finals, [(name, digest, exercise)
                                    for exercise, name, digest in self.final_reports]))
        tables += [(libraries, versions), (used, used_rows)]
        widths = _set_widths(sheet, tables)
        row = 0
        sheet.write_string(row, 0, "Contrôle : de quoi reproduire ce rapport",
                           book.formats["title"])
        row += 2
        for columns, rows in tables[:-1]:
            _plain_table(book, sheet, row, columns, rows, widths)
            row += len(rows) + 2
        book.text(sheet, row, 0, "Lignes du barème utilisées", "bold")
        sheet.repeat_rows(row + 1)  # the longest table, last: its header on every page
        _plain_table(book, sheet, row + 1, used, used_rows, widths)


def _set_widths(sheet: Worksheet, tables: list[tuple[list[Col], list]]) -> dict[int, float]:
    """One width per column, wide enough for every table stacked in it."""
    widths: dict[int, float] = {}
    for columns, rows in tables:
        data = [[_clean(v) for v in values] for values in zip(*rows, strict=True)] or [
            []] * len(columns)
        for index, col in enumerate(fit(columns, data)):
            widths[index] = max(widths.get(index, 0), col.width)
    for index, width in widths.items():
        sheet.set_column(index, index, width)
    return widths


def _clean(value: Any) -> Any:
    """A table value as ``fit`` measures it: blanks as None, numbers as Python ints."""
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return int(value) if hasattr(value, "item") and not isinstance(value, str) else value


def _plain_table(book: Book, sheet: Worksheet, first_row: int, columns: list[Col],
                 rows: list[tuple], widths: dict[int, float]) -> None:
    header = book.formats["header"]
    sheet.set_row(first_row, 30)
    for index, col in enumerate(columns):
        sheet.write_string(first_row, index, col.header, header)
    data = [[v if isinstance(v, str) else None for v in values]
            for values in zip(*rows, strict=True)] or [[]] * len(columns)
    placed = [replace(col, width=widths[i]) for i, col in enumerate(columns)]
    heights = row_heights(placed, data)
    room = [col.width - PADDING for col in placed]
    for offset, values in enumerate(rows, start=1):
        if offset - 1 in heights:
            sheet.set_row(first_row + offset, heights[offset - 1])
        for index, (value, col) in enumerate(zip(values, columns, strict=True)):
            style = "wrapped" if isinstance(value, str) and len(value) > room[index] else None
            book.value(sheet, first_row + offset, index, value, col.kind, style)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "inconnue"
