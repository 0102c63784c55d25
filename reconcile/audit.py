"""What an auditor needs to reproduce a run: the `Contrôle` sheet's content.

Each input file's SHA-256 (of the exact bytes read), its sheets and row counts, the
barème rows used, the run's parameters and the versions of the tool and its libraries.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .charges import Period, bareme_reference
from .reader import InputFile
from .rules import WITHDRAWAL_DEADLINE
from .xlsx import Book, Col

# The tool and the libraries it runs with: pyproject's runtime dependencies (a test keeps
# them equal), so an auditor can rebuild the same environment from requirements.lock.
LIBRARIES = ("reconcile", "pandas", "numpy", "pandera", "python-calamine", "xlrd", "defusedxml",
             "xlsxwriter", "python-stdnum")


@dataclass(frozen=True)
class SheetCount:
    file: str
    sheet: str
    header_row: int
    records: int
    hidden_rows: int = 0  # rows holding a value hidden by hand or by a filter (read)
    format: str = ""  # « classeur .xlsx », « CSV, séparateur « ; », Windows-1252 »


@dataclass
class Control:
    month: str
    period: Period
    files: list[InputFile]
    sheets: list[SheetCount]
    tariffs: pd.DataFrame  # barème rows, index = Excel row
    used: pd.Series  # Excel row → number of charges using it

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
        ]

    def render(self, book: Book) -> None:
        sheet = book.sheet("Contrôle")
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 1, 66)
        bold = "bold"
        row = 0
        sheet.write_string(row, 0, "Contrôle : de quoi reproduire ce rapport",
                           book.formats["title"])
        row += 2
        sheet.write_string(row, 0, "Paramètres", book.formats["header"])
        sheet.write_string(row, 1, "Valeur", book.formats["header"])
        for label, value in self.parameters():
            row += 1
            book.text(sheet, row, 0, label, bold)
            book.text(sheet, row, 1, value)
        row += 2
        columns = [Col("Fichier d'entrée", width=34), Col("SHA-256", width=66),
                   Col("Taille (octets)", "int", 14), Col("Feuille", width=16),
                   Col("Ligne d'en-tête", "int", 10), Col("Lignes lues", "int", 10),
                   Col("dont lignes masquées", "int", 12), Col("Format lu", width=40)]
        sizes = {f.name: (f.sha256, len(f.data)) for f in self.files}
        rows = [
            (c.file, sizes[c.file][0], sizes[c.file][1], c.sheet, c.header_row, c.records,
             c.hidden_rows, c.format)
            for c in self.sheets
        ]
        _plain_table(book, sheet, row, columns, rows)
        row += len(rows) + 2
        columns = [Col("Bibliothèque", width=34), Col("Version", width=66)]
        versions = [("python", platform.python_version())] + [
            (name, _version(name)) for name in LIBRARIES
        ]
        _plain_table(book, sheet, row, columns, versions)
        row += len(versions) + 2
        columns = [Col("Ligne du barème", width=34), Col("Libellé", width=66),
                   Col("Type de frais", "int", 14), Col("Catégorie", width=16),
                   Col("Population min", "int", 10), Col("Population max", "int", 10),
                   Col("Prestation", width=16), Col("Montant", "euro", 12),
                   Col("Valable du", "date", 12), Col("Valable au", "date", 12),
                   Col("Charges qui l'appliquent", "int", 12)]
        tariffs = self.tariffs.loc[self.tariffs.index.isin(self.used.index)]
        used_rows = [
            (bareme_reference(line), t.libelle, t.type_frais, t.categorie, t.population_min,
             t.population_max, t.prestation, t.montant, t.valable_du, t.valable_au,
             int(self.used[line]))
            for line, t in zip(tariffs.index, tariffs.itertuples(), strict=True)
        ]
        book.text(sheet, row, 0, "Lignes du barème utilisées", bold)
        _plain_table(book, sheet, row + 1, columns, used_rows)


def _plain_table(book: Book, sheet: Worksheet, first_row: int, columns: list[Col],
                 rows: list[tuple]) -> None:
    header = book.formats["header"]
    for index, col in enumerate(columns):
        if index > 1:
            sheet.set_column(index, index, col.width)
        sheet.write_string(first_row, index, col.header, header)
    for offset, values in enumerate(rows, start=1):
        for index, (value, col) in enumerate(zip(values, columns, strict=True)):
            book.value(sheet, first_row + offset, index, value, col.kind)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "inconnue"
