"""Reminder letters (`reconcile run --relances`): one printable xlsx per member with
titres overdue by more than the reminder delay.
See spécification §4.15 and choix C-54 to C-57.

One letter per member claims what ``dunning`` says the member still owes once the run's
own proposals are done (never a sum the same run cancels or reduces, never a prescribed
titre, nothing the comptable has taken to forced recovery, nobody outside ``membres``).
It carries what a letter needs: sender, addressee with address, date, reference, the
titres (exercice, bordereau, numéro), the deadline, who collects and how a public
debtor pays (a mandat citing exercice, bordereau and titre), contact and signatory —
all from the ``Parametres`` sheet (``identity``), never from the code. The letter is
dated at the as-of date, so the same data give the same bytes. Letters are made as
documents (bytes); the run layer writes them atomically (an identical rerun leaves them
untouched) and moves the letter of a member with nothing to claim any more to
``historique/`` (``run.publish``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..compute.dunning import REDUCED, Dunning
from ..compute.identity import PRIVATE, Identity
from ..compute.receivables import delay_and_source
from ..core.columns import SIREN
from ..core.model import Document, Period
from ..core.wording import NARROW_SPACE, SHORT_TYPES, euros, long_date, postal_address
from .report import created_at
from .statements import GROUPEMENT, file_part, header_text, total_row
from .xlsx import EURO, Book

FOLDER = "relances"
PATTERN = f"{FOLDER}/relance_*.xlsx"  # what the month's letters replace
WIDTHS = (10, 10, 10, 24, 11, 12, 12, 13, 12)
LAST = len(WIDTHS) - 1


def reminder_delay(option: int | None = None,
                   parameters: Mapping[str, object] | None = None) -> int:
    """Days after emission beyond which an unpaid titre is reminded (and counted newly
    overdue in Évolutions); see ``receivables.delay_and_source``."""
    return delay_and_source(option, parameters)[0]


def reminders(period: Period, dunning: Dunning, members: pd.DataFrame, delay: int,
              identity: Identity) -> Iterator[Document]:
    """One letter per member with titres to claim, by SIREN, each made when asked for;
    they replace every ``relances/relance_*.xlsx`` (``PATTERN``) of the month."""
    late = dunning.claimed.sort_values([SIREN, "date_emission", "numero"], kind="stable")
    addresses = members.drop_duplicates(SIREN).set_index(SIREN)
    created = created_at(period)
    for siren, titres in late.groupby(SIREN, sort=True):
        member = addresses.loc[siren]
        letter = Letter(str(siren), titres, period, delay, identity,
                        [str(member["nom"]), *postal_address(member)],
                        category=str(member.get("categorie", "") or ""))
        yield Document(f"{FOLDER}/relance_{file_part(siren)}.xlsx", letter.render(created))


def reference(siren: str, period: Period) -> str:
    """The letter's reference, to quote in any reply: relance, month, SIREN."""
    return f"REL-{period.as_of.strftime('%Y-%m')}-{siren}"


def _opening(count: int, day: str, delay: int) -> str:
    if count == 1:
        return ("Sauf erreur de notre part, le titre de recettes ci-dessous, émis pour la "
                "refacturation des frais du groupement de commandes, n'était pas entièrement "
                f"payé au {day}, plus de {delay} jours après son émission.")
    return (f"Sauf erreur de notre part, les {count} titres de recettes ci-dessous, émis pour "
            "la refacturation des frais du groupement de commandes, n'étaient pas entièrement "
            f"payés au {day}, plus de {delay} jours après leur émission.")


def _titre_count(titres: pd.DataFrame) -> int:
    """The titres claimed: one per (exercice, numéro), whatever its lines (a titre of
    two fee types is two rows of the table, one titre on the avis des sommes à payer)."""
    return len(titres.drop_duplicates(["exercice", "numero"]))


def _what(titre: Any) -> str:
    """« Frais de procédure – 2026-PLAT », in the member's words."""
    label = SHORT_TYPES.get(int(titre.type_frais), f"Type {titre.type_frais}")
    return f"{label} – {titre.consultation}" if titre.consultation else label


def _payment(identity: Identity, category: str = "", unknown_bordereau: bool = False
             ) -> list[str]:
    """Who collects and how the debtor pays (a public one by mandat administratif);
    where the bordereau is when the table cannot give it."""
    where = (" Le numéro de bordereau qui n'est pas indiqué ci-dessus figure sur l'avis "
             "des sommes à payer." if unknown_bordereau and category not in PRIVATE else "")
    return [
        f"Seul le comptable public encaisse ces sommes : {identity.say('comptable')}, "
        f"{identity.say('adresse_comptable')}. {identity.payment(category)}{where}",
    ]


class Letter:
    """One member's reminder, laid out top to bottom on one A4 portrait page."""

    def __init__(self, siren: str, titres: pd.DataFrame, period: Period, delay: int,
                 identity: Identity, addressee: list[str], category: str = ""):
        self.siren, self.titres, self.period = siren, titres, period
        self.delay, self.identity, self.addressee = delay, identity, addressee
        self.category = category  # the member's category code: how it pays

    @property
    def deadline(self) -> pd.Timestamp:
        days = int(str(self.identity.get("delai_paiement") or 30))
        return self.period.as_of + pd.Timedelta(days=days)

    def _unknown_bordereau(self) -> bool:
        """A titre whose bordereau we do not know (read from the Titres sheet)."""
        if "bordereau" not in self.titres:
            return True
        return bool((self.titres["bordereau"].fillna("").astype(str) == "").any())

    def render(self, created: dt.datetime) -> bytes:
        book = Book(created)  # one page, in memory
        book.workbook.set_properties({"created": created, "author": "reconcile",
                                      "title": f"Relance {self.siren}"})
        book.add_format("wrap", {"text_wrap": True, "valign": "top"})
        book.add_format("center", {"align": "center"})
        book.add_format("label", {"bold": True, "font_color": "#1F4E78"})
        book.add_format("total", {"bold": True, "top": 1})
        book.add_format("total_euro", {"bold": True, "top": 1, "num_format": EURO})
        book.add_format("right", {"align": "right"})
        sheet = book.workbook.add_worksheet("Relance")
        sheet.set_portrait()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        sheet.hide_gridlines(2)
        ref = reference(self.siren, self.period)
        sheet.set_footer(f"&LRéf. {ref} – {header_text(self.addressee[0])}&RPage &P / &N")
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        identity = self.identity
        book.text(sheet, 0, 0, identity.say("coordonnateur"), "title")
        book.text(sheet, 1, 0, GROUPEMENT)
        book.text(sheet, 2, 0, identity.say("adresse_coordonnateur"))
        book.text(sheet, 3, 0, identity.say("contact"))
        for row, line in enumerate(self.addressee, start=5):  # the window of the envelope
            sheet.merge_range(row, 5, row, LAST, "", book.formats["wrap"])
            book.text(sheet, row, 5, line, "bold" if row == 5 else "wrap")
            if len(line) > 40:
                sheet.set_row(row, 30)
        row = 5 + len(self.addressee) + 1
        day = long_date(self.period.as_of)
        for label, value in (("Date", f"le {day}"), ("Référence", ref),
                             ("SIREN", self.siren)):
            book.text(sheet, row, 0, label, "label")
            book.text(sheet, row, 1, value)
            row += 1
        reste = int(self.titres["reste"].sum())
        book.text(sheet, row + 1, 0, "Objet : titres de recettes restant à payer – relance",
                  "bold")
        paragraphs = [
            "Madame, Monsieur,",
            _opening(_titre_count(self.titres), self.period.as_of.strftime("%d/%m/%Y"),
                     self.delay) +
            f" Il reste à payer {euros(reste, NARROW_SPACE)} au total, que nous vous "
            f"remercions de régler avant le {long_date(self.deadline)}.",
        ]
        row = self._paragraphs(book, sheet, row + 3, paragraphs)
        row = self._table(book, sheet, row)
        closing = [*self._reductions(), *_payment(identity, self.category,
                                                  self._unknown_bordereau()),
                   "Si ces sommes ont été payées entre-temps, ne pas tenir compte de ce courrier. "
                   "Faute de paiement, le comptable public pourra engager le recouvrement "
                   "forcé.",
                   f"Pour toute question : {identity.say('contact')}, en rappelant la "
                   f"référence {ref}.",
                   "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations "
                   "distinguées."]
        row = self._paragraphs(book, sheet, row + 1, closing)
        role, name = identity.signature()
        sheet.merge_range(row, 4, row, LAST, role, book.formats["wrap"])
        sheet.set_row(row, 30)
        book.text(sheet, row + 2, 4, name, "bold")
        sheet.print_area(0, 0, row + 2, LAST)
        return book.close()

    def _reductions(self) -> list[str]:
        """Says what the run takes off a titre, so the member sees why less is asked."""
        reduced = self.titres[self.titres[REDUCED] > 0]
        return [f"Le titre {numero} (exercice {exercice}) fera l'objet d'une réduction "
                f"de {euros(int(cents), NARROW_SPACE)} : seul le solde est réclamé."
                for numero, exercice, cents in zip(reduced["numero"], reduced["exercice"],
                                                   reduced[REDUCED], strict=True)]

    def _paragraphs(self, book: Book, sheet: Worksheet, row: int, texts: list[str]) -> int:
        width = sum(WIDTHS) * 1.1
        for text in texts:
            lines = max(1, -(-len(text) // int(width)))
            sheet.set_row(row, 15 * lines + 2)
            sheet.merge_range(row, 0, row, LAST, text, book.formats["wrap"])
            row += 2
        return row

    def _table(self, book: Book, sheet: Worksheet, row: int) -> int:
        titles = ["Exercice", "Bordereau", "Numéro du titre", "Objet", "Date d'émission",
                  "Montant", "Déjà payé", "Reste à payer", "Jours depuis l'émission"]
        sheet.set_row(row, 45)
        sheet.repeat_rows(row)
        for column, title in enumerate(titles):
            sheet.write_string(row, column, title, book.formats["header"])
        titre: Any
        for titre in self.titres.itertuples(index=False):
            row += 1
            sheet.write_number(row, 0, int(titre.exercice), book.formats["center"])
            if getattr(titre, "bordereau", ""):
                book.text(sheet, row, 1, titre.bordereau)
            book.text(sheet, row, 2, titre.numero)
            book.text(sheet, row, 3, _what(titre))
            book.value(sheet, row, 4, titre.date_emission, "date")
            for column, cents in enumerate((titre.montant, titre.encaisse, titre.reste),
                                           start=5):
                book.value(sheet, row, column, int(cents), "euro")
            sheet.write_number(row, 8, int(titre.age))
        row += 1
        total_row(book, sheet, row, {column: int(self.titres[field].sum()) for column, field
                                     in enumerate(("montant", "encaisse", "reste"), start=5)},
                  last=LAST)
        return row + 2
