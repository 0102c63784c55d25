"""Reminder letters (`reconcile run --relances`): one printable xlsx per member with
titres overdue by more than the reminder delay.
See spécification §4.15 and choix C-54 to C-57.

One letter per member groups all its overdue titres (numbers, dates, amounts, what
remains), says in plain French how much is owed and whom to contact. Titres whose
admission en non-valeur was pronounced (PES Retour) are not claimed any more. The
letter is dated at the as-of date, so the same data give the same bytes; files are
written atomically, an identical rerun leaves them untouched, and the letter of a
member with nothing overdue any more is moved to ``historique/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .model import Period
from .receivables import delay_and_source, overdue
from .report import created_at
from .safeio import publish, retire, write_new
from .statements import COORDONNATEUR, GROUPEMENT, file_part
from .wording import NARROW_SPACE, euros
from .xlsx import EURO, Book

FOLDER = "relances"
WIDTHS = (16, 9, 8, 13, 12, 13, 13, 13, 10)


def reminder_delay(option: int | None = None,
                   parameters: Mapping[str, object] | None = None) -> int:
    """Days after emission beyond which an unpaid titre is reminded (and counted newly
    overdue in Évolutions); see ``receivables.delay_and_source``."""
    return delay_and_source(option, parameters)[0]



def write_reminders(folder: Path, period: Period, outstanding: pd.DataFrame,
                    members: pd.DataFrame, delay: int) -> list[Path]:
    """Write one letter per member with overdue titres; returns their paths, by SIREN."""
    target_folder = folder / FOLDER
    late = overdue(outstanding, delay).sort_values(["siren", "date_emission", "numero"],
                                                   kind="stable")
    contact = _contact(members)
    created = created_at(period)
    written: list[Path] = []
    for siren, titres in late.groupby("siren", sort=True):
        letter = Letter(str(siren), titres, period, delay, contact)
        target = target_folder / f"relance_{file_part(siren)}.xlsx"
        publish(write_new(target, partial(letter.render, created=created)), target)
        written.append(target)
    if target_folder.is_dir():
        for old in sorted(set(target_folder.glob("relance_*.xlsx")) - set(written)):
            retire(old)  # nothing overdue any more: keep the old letter, out of the way
    return written


def _contact(members: pd.DataFrame) -> str:
    """The coordinator as named in the members file (the inputs hold no address)."""
    coordinator = members.loc[members["role"] == "coordonnateur", "nom"]
    name = str(coordinator.iloc[0]) if len(coordinator) else "le coordonnateur du groupement"
    return (f"Pour toute question sur ces sommes, contacter le service de la refacturation "
            f"du coordonnateur du groupement : {name}.")


def _opening(count: int, day: str, delay: int) -> str:
    if count == 1:
        return ("Sauf erreur de notre part, le titre de recettes ci-dessous, émis pour la "
                "refacturation des frais du groupement de commandes, n'était pas entièrement "
                f"payé au {day}, plus de {delay} jours après son émission.")
    return (f"Sauf erreur de notre part, les {count} titres de recettes ci-dessous, émis pour "
            "la refacturation des frais du groupement de commandes, n'étaient pas entièrement "
            f"payés au {day}, plus de {delay} jours après leur émission.")


class Letter:
    """One member's reminder, laid out top to bottom on one A4 portrait page."""

    def __init__(self, siren: str, titres: pd.DataFrame, period: Period, delay: int,
                 contact: str):
        self.siren, self.titres, self.period = siren, titres, period
        self.delay, self.contact = delay, contact

    def render(self, path: str, created: dt.datetime) -> None:
        book = Book(path, created, in_memory=True)
        book.workbook.set_properties({"created": created, "author": "reconcile",
                                      "title": f"Relance {self.siren}"})
        book.add_format("wrap", {"text_wrap": True, "valign": "top"})
        book.add_format("center", {"align": "center"})
        book.add_format("label", {"bold": True, "font_color": "#1F4E78"})
        book.add_format("total", {"bold": True, "top": 1})
        book.add_format("total_euro", {"bold": True, "top": 1, "num_format": EURO})
        sheet = book.workbook.add_worksheet("Relance")
        sheet.set_portrait()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        sheet.hide_gridlines(2)
        sheet.set_footer(f"&LRelance {self.siren} – situation au "
                         f"{self.period.as_of.strftime('%d/%m/%Y')}&RPage &P / &N")
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        last = len(WIDTHS) - 1
        reste = int(self.titres["reste"].sum())
        member = str(self.titres["membre"].iloc[0]) or "(membre absent du fichier membres)"
        day = self.period.as_of.strftime("%d/%m/%Y")
        book.text(sheet, 0, 0, GROUPEMENT, "title")
        book.text(sheet, 1, 0, COORDONNATEUR)
        for row, (label, value) in enumerate((("Destinataire", member),
                                              ("SIREN", self.siren), ("Situation au", day)),
                                             start=3):
            book.text(sheet, row, 0, label, "label")
            book.text(sheet, row, 1, value, "bold" if row == 3 else None)
        book.text(sheet, 7, 0, "Objet : titres de recettes restant à payer – relance", "bold")
        paragraphs = [
            "Madame, Monsieur,",
            _opening(len(self.titres), day, self.delay) +
            f" Il reste à payer {euros(reste, NARROW_SPACE)} au total.",
        ]
        row = self._paragraphs(book, sheet, 9, paragraphs)
        row = self._table(book, sheet, row + 1)
        closing = [
            "Pour payer : suivre les indications de l'avis des sommes à payer reçu avec "
            "chaque titre ; le paiement se fait auprès du comptable public indiqué sur "
            "l'avis, en rappelant le numéro du titre.",
            "Si ces sommes ont été payées entre-temps, ne pas tenir compte de ce courrier.",
            self.contact,
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        ]
        row = self._paragraphs(book, sheet, row + 1, closing)
        sheet.print_area(0, 0, row, last)
        book.close()

    def _paragraphs(self, book: Book, sheet: Worksheet, row: int, texts: list[str]) -> int:
        last = len(WIDTHS) - 1
        width = sum(WIDTHS) * 1.1
        for text in texts:
            lines = max(1, -(-len(text) // int(width)))
            sheet.set_row(row, 15 * lines + 2)
            sheet.merge_range(row, 0, row, last, text, book.formats["wrap"])
            row += 2
        return row

    def _table(self, book: Book, sheet: Worksheet, row: int) -> int:
        titles = ["Numéro du titre", "Exercice", "Type de frais", "Consultation",
                  "Date d'émission", "Montant", "Déjà payé", "Reste à payer",
                  "Jours depuis l'émission"]
        sheet.set_row(row, 30)
        for column, title in enumerate(titles):
            sheet.write_string(row, column, title, book.formats["header"])
        titre: Any
        for titre in self.titres.itertuples(index=False):
            row += 1
            book.text(sheet, row, 0, titre.numero)
            sheet.write_number(row, 1, int(titre.exercice), book.formats["center"])
            sheet.write_number(row, 2, int(titre.type_frais), book.formats["center"])
            if titre.consultation:
                book.text(sheet, row, 3, titre.consultation)
            book.value(sheet, row, 4, titre.date_emission, "date")
            for column, cents in enumerate((titre.montant, titre.encaisse, titre.reste),
                                           start=5):
                book.value(sheet, row, column, int(cents), "euro")
            sheet.write_number(row, 8, int(titre.age))
        row += 1
        book.text(sheet, row, 0, "Total", "total")
        for column in (1, 2, 3, 4, 8):
            sheet.write_blank(row, column, None, book.formats["total"])
        for column, field in enumerate(("montant", "encaisse", "reste"), start=5):
            book.value(sheet, row, column, int(self.titres[field].sum()), "euro", "total_euro")
        return row + 1
