"""Per-member statements (`reconcile run --releves`): one printable xlsx per member.
See spécification §4.10.

Every member of the reconciliation (something due, or titres in the exercise) gets
``releves/releve_<SIREN>.xlsx``, an account statement written for the member: sender
and signatory from the ``Parametres`` identity keys (never from the code), the member's
postal address, one balance (to pay now, still to be invoiced, to be reduced or
refunded, and the net: always due − collected), each line's situation in words with
the reason for a zero or reduced amount, its charges with what each pays for, the
tariff's price and the délibération behind it (never a rule code or a barème row
reference), and its titres of the exercise. A SIREN that is not in the membres file
gets no statement (the report's Anomalies sheet lists its titres). The data are those
of the month's report; nothing is recomputed. Money stays integer cents until a cell is
written. Statements are made as documents (bytes); the run layer writes them atomically
(an identical rerun leaves them untouched) and moves the statement of a member that no
longer has anything to show to ``historique/`` (``run.publish``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from schemas import CATEGORIES, TYPES_FRAIS

from ..compute.identity import Identity
from ..compute.reconciliation import counted
from ..core.columns import SIREN
from ..core.columns import WITHDRAWAL_NOTICE as NOTICE
from ..core.model import Document, Period
from ..core.rules import effective_withdrawal
from ..core.vocabulary import Status
from ..core.wording import (
    basis,
    deliberation,
    euros,
    month_label,
    plain_codes,
    postal_address,
    service,
)
from . import layout
from .report import created_at
from .xlsx import EURO, Book

FOLDER = "releves"
PATTERN = f"{FOLDER}/releve_*.xlsx"  # what the month's statements replace
GROUPEMENT = "Groupement de commandes – dématérialisation des procédures"
# Nine columns, A4 landscape once scaled; a text spanning several columns is merged.
WIDTHS = (6, 15, 16, 18, 16, 24, 18, 14, 30)
LAST = len(WIDTHS) - 1


def statements(month: str, period: Period, charges: pd.DataFrame, rows: pd.DataFrame,
               titres: pd.DataFrame | None, identity: Identity | None = None,
               members: pd.DataFrame | None = None, titles: dict[str, str] | None = None
               ) -> Iterator[Document]:
    """One statement per SIREN of ``rows``, by SIREN, each made when asked for (one at a
    time, so that a national run's statements never sit in memory together); they
    replace every ``releves/releve_*.xlsx`` (``PATTERN``) of the month.
    ``identity``: sender and signatory (Parametres); ``members``: postal addresses;
    ``titles``: consultation code → its title."""
    identity = identity or Identity.of(None)
    addresses = (members.drop_duplicates(SIREN).set_index(SIREN)
                 if members is not None else pd.DataFrame())
    created = created_at(period)
    charges_of = _by_siren(charges.sort_values(["type_frais", "consultation", "prestation"],
                                               kind="stable"), CHARGE_FIELDS)
    titres_of = _by_siren(_titres_of_year(titres, period.year), TITRE_FIELDS)
    members = rows[rows["statut"] != Status.UNKNOWN_MEMBER]
    lines_of = _by_siren(members.sort_values(SIREN, kind="stable"), LINE_FIELDS)
    for siren, lines in lines_of.items():
        known = siren in addresses.index
        address = postal_address(addresses.loc[siren] if known else {})
        category = (str(addresses.at[siren, "categorie"])
                    if known and "categorie" in addresses else None)
        statement = Statement(siren, month, period, lines, charges_of.get(siren, []),
                              titres_of.get(siren, []), identity, address, titles or {},
                              category)
        if known and NOTICE in addresses:
            statement.withdrawal = _withdrawal(addresses.at[siren, NOTICE])
        yield Document(f"{FOLDER}/{statement_name(siren)}", statement.render(created))


def _withdrawal(notice: object) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(notice received, withdrawal effective) of a member, R2; ``None`` without one."""
    day = pd.to_datetime(notice, errors="coerce")  # type: ignore[call-overload]
    if pd.isna(day):
        return None
    effect = effective_withdrawal(pd.Series([day]))[0]
    return pd.Timestamp(day), pd.Timestamp(effect)


LINE_FIELDS = ["type_frais", "consultation", "du", "titre", "encaisse", "reste", "statut",
               "titres", "membre"]
CHARGE_FIELDS = ["type_frais", "consultation", "prestation", "bareme_libelle", "montant",
                 "motif", "categorie", "deliberation", "tarif"]
TITRE_FIELDS = ["type_frais", "consultation", "numero", "date_emission", "montant",
                "montant_encaisse", "date_encaissement"]


def _by_siren(frame: pd.DataFrame | None, fields: list[str]) -> dict[str, list[Any]]:
    """SIREN → its records as plain named tuples, in the frame's order: one pass over
    the frame instead of one pandas selection per member."""
    grouped: dict[str, list[Any]] = {}
    if frame is None or frame.empty:
        return grouped
    for siren, record in zip(frame[SIREN].astype(str),
                             frame[fields].itertuples(index=False, name="Record"),
                             strict=True):
        grouped.setdefault(siren, []).append(record)
    return grouped


def _titres_of_year(titres: pd.DataFrame | None, year: int) -> pd.DataFrame | None:
    """The titres the reconciliation counted: those of the exercise."""
    if titres is None or titres.empty:
        return None
    of_year = counted(titres)
    of_year = of_year[of_year["exercice"] == year]
    order = of_year.assign(_numero=of_year["numero"].astype(str))
    return order.sort_values(["type_frais", "_numero"], kind="stable")


def statement_name(siren: object) -> str:
    """A member's statement, as the titres' objects cite it."""
    return f"releve_{file_part(siren)}.xlsx"


def file_part(siren: object) -> str:
    """A SIREN as it can appear in a file name (statements, reminders): never a path."""
    text = str(siren)
    return text if re.fullmatch(r"[0-9A-Za-z]{1,20}", text) else re.sub(r"\W", "_", text)[:40]


def total_row(book: Book, sheet: Worksheet, row: int, amounts: dict[int, int],
              last: int = LAST) -> None:
    """The « Total » row under a table: each amount (cents) in its column, the other
    columns up to ``last`` ruled (the document's « total » and « total_euro » formats)."""
    book.text(sheet, row, 0, "Total", "total")
    for column in range(1, last + 1):
        if column in amounts:
            book.value(sheet, row, column, amounts[column], "euro", "total_euro")
        else:
            sheet.write_blank(row, column, None, book.formats["total"])


def _put(book: Book, sheet: Worksheet, row: int, column: int, value: object,
         style: str | None = None) -> None:
    """Text, unless blank (an empty consultation or motif leaves the cell empty)."""
    if isinstance(value, str) and value:
        book.text(sheet, row, column, value, style)


def _fit(sheet: Worksheet, row: int, texts: dict[int | tuple[int, int], object]) -> None:
    """Row height for wrapped text (column, or merged (first, last) columns → text), as
    the writer cannot measure it."""
    count = 1
    for where, text in texts.items():
        if isinstance(text, str) and text:
            first, last = where if isinstance(where, tuple) else (where, where)
            count = max(count, layout.lines(text, sum(WIDTHS[first:last + 1])))
    if count > 1:
        sheet.set_row(row, layout.LINE_HEIGHT * count)


def header_text(text: str) -> str:
    """Text safe in a page header (``&`` starts a code there)."""
    return text.replace("&", "&&")


def _tariff(charge: Any) -> str:
    """« Commune de 2 000 à 9 999 habitants : 150,00 € » — the price the charge applied,
    also for a waived one."""
    price = "" if charge.tarif is None or pd.isna(charge.tarif) else euros(int(charge.tarif))
    label = plain_codes(charge.bareme_libelle) if isinstance(charge.bareme_libelle, str) else ""
    return " : ".join(x for x in (label, price) if x)


def _cents(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


class Statement:
    """One member's statement, laid out top to bottom on one sheet."""

    def __init__(self, siren: str, month: str, period: Period, lines: list[Any],
                 charges: list[Any], titres: list[Any], identity: Identity | None = None,
                 address: list[str] | None = None, titles: dict[str, str] | None = None,
                 category: str | None = None):
        self.siren, self.month, self.period = siren, month, period
        self.lines, self.charges, self.titres = lines, charges, titres
        self.identity = identity or Identity.of(None)
        self.address, self.titles = address or [], titles or {}
        # the member's category from membres, else that of its charges
        self.category_code = (category if category is not None else
                              str(charges[0].categorie) if charges else "")
        self.withdrawal: tuple[pd.Timestamp, pd.Timestamp] | None = None  # notice, effect

    def consultation(self, code: object) -> str:
        """« 2026-PLAT – Plateformes marchés, actes… »: the code the titres cite, and
        what it is."""
        if not isinstance(code, str) or not code:
            return ""
        title = self.titles.get(code, "")
        return f"{code} – {title}" if title else code

    def render(self, created: dt.datetime) -> bytes:
        book = Book(created)  # one page, in memory: faster than streaming
        book.workbook.set_properties({"created": created, "author": "reconcile",
                                      "title": f"Relevé {self.siren} – exercice "
                                               f"{self.period.year}"})
        book.add_format("label", {"bold": True, "font_color": "#1F4E78"})
        book.add_format("wrap", {"text_wrap": True, "valign": "top"})
        book.add_format("center", {"align": "center", "valign": "top"})
        book.add_format("top_euro", {"num_format": EURO, "valign": "top"})
        book.add_format("total", {"bold": True, "top": 1})
        book.add_format("total_euro", {"bold": True, "top": 1, "num_format": EURO})
        book.add_format("grand_euro", {"bold": True, "num_format": EURO, "font_size": 12})
        book.add_format("grand", {"bold": True, "font_size": 12})
        book.add_format("subtitle", {"bold": True, "font_size": 12, "font_color": "#1F4E78",
                                     "bottom": 1})
        sheet = book.workbook.add_worksheet("Relevé")
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        sheet.center_horizontally()
        # the member's name on every page, should a table run onto the next one
        sheet.set_header(f"&L{header_text(self.member)} – SIREN {self.siren}"
                         f"&RRelevé de compte – exercice {self.period.year}")
        sheet.set_footer(f"&L{header_text(self.identity.say('coordonnateur'))} – arrêté au "
                         f"{self.period.as_of.strftime('%d/%m/%Y')}&RPage &P / &N")
        sheet.hide_gridlines(2)
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        row = self._header(book, sheet)
        row = self._totals(book, sheet, row + 1)
        row = self._lines(book, sheet, row + 1)
        # the titres (short) before the charges (long, their header repeated on every
        # page): no other table runs onto a page under a header that is not its own
        row = self._titres(book, sheet, row + 1)
        row = self._charges(book, sheet, row + 1)
        types = " ; ".join(f"type {code} : {label}" for code, label in TYPES_FRAIS.items())
        legend = (f"Montants en euros. Types de frais – {types}. Reste à titrer : montant dû "
                  "qui fera l'objet d'un prochain titre de recettes. Non encaissé : montant "
                  "des titres déjà émis qui n'a pas encore été encaissé (le solde ci-dessus "
                  "dit ce qui reste à payer).")
        _fit(sheet, row + 1, {(0, LAST): legend})
        sheet.merge_range(row + 1, 0, row + 1, LAST, legend, book.formats["wrap"])
        offset = 1
        for offset, text in enumerate(self.notices(), start=2):
            _fit(sheet, row + offset, {(0, LAST): text})
            sheet.merge_range(row + offset, 0, row + offset, LAST, text, book.formats["wrap"])
        role, name = self.identity.signature()
        book.text(sheet, row + offset + 2, 5, role)
        book.text(sheet, row + offset + 3, 5, name, "bold")
        sheet.print_area(0, 0, row + offset + 3, LAST)
        return book.close()

    @property
    def member(self) -> str:
        return str(self.lines[0].membre)

    def notices(self) -> tuple[str, ...]:
        """The statement is the titres' supporting document (bases de liquidation),
        and tells the member who collects and how to contest them (CGCT L1617-5)."""
        identity = self.identity
        return (
            f"Pièce justificative : ce relevé donne les bases de liquidation des titres de "
            f"recettes de l'exercice {self.period.year} émis à votre nom (charges ci-dessus : "
            "tarif voté par le conseil d'administration et ce que paie chaque montant). L'objet "
            "de chaque titre renvoie à ce relevé.",
            f"Paiement : auprès du comptable public, {identity.say('comptable')}, "
            f"{identity.say('adresse_comptable')}. {identity.payment(self.category_code)} "
            f"Contact : {identity.say('contact')}.",
            identity.recourse(),
        )

    def _header(self, book: Book, sheet: Worksheet) -> int:
        category = CATEGORIES.get(self.category_code, self.category_code)
        book.add_format("bold_wrap", {"bold": True, "text_wrap": True, "valign": "top"})
        book.text(sheet, 0, 0, self.identity.say("coordonnateur"), "title")
        book.text(sheet, 1, 0, GROUPEMENT)
        book.text(sheet, 2, 0, self.identity.say("adresse_coordonnateur"))
        for row, line in enumerate([self.member, *self.address], start=0):
            # the addressee, top right (a window envelope's place), wrapped if long
            _fit(sheet, row, {(6, LAST): line})
            sheet.merge_range(row, 6, row, LAST, "", book.formats["wrap"])
            book.text(sheet, row, 6, line, "bold_wrap" if row == 0 else "wrap")
        row = max(4, len(self.address) + 2)
        book.text(sheet, row, 0, f"Relevé de compte – exercice {self.period.year}", "subtitle")
        for column in range(1, len(WIDTHS)):
            sheet.write_blank(row, column, None, book.formats["subtitle"])
        facts: list[tuple[str, Any]]
        facts = [("Membre", self.member), ("SIREN", self.siren), ("Catégorie", category),
                 ("Exercice", self.period.year), ("Arrêté au", self.period.as_of),
                 ("Période", month_label(self.month))]
        for label, value in facts:
            row += 1
            book.text(sheet, row, 0, label, "label")
            if label == "Arrêté au":
                sheet.write_datetime(row, 2, value.to_pydatetime(), book.formats["date_left"])
            elif isinstance(value, int):
                sheet.write_number(row, 2, value, book.formats["left"])
            elif value:
                book.text(sheet, row, 2, value, "bold" if label == "Membre" else None)
        return row + 1

    def balance(self) -> dict[str, int]:
        """The account's one balance, in cents: what to pay now on the titres issued,
        what is still to be invoiced, what the titres hold beyond the due (to be
        reduced), what was paid beyond the due (to be refunded or set off), and the net
        — always due − collected."""
        pay_now = to_invoice = reduce = credit = 0
        for line in self.lines:
            du, titre, paid = int(line.du), int(line.titre), int(line.encaisse)
            owed = min(titre, du)
            pay_now += max(owed - paid, 0)
            credit += max(paid - owed, 0)
            to_invoice += max(du - titre, 0)
            reduce += max(titre - du, 0)
        return {"pay_now": pay_now, "to_invoice": to_invoice, "reduce": reduce,
                "credit": credit, "net": pay_now + to_invoice - credit}

    def _totals(self, book: Book, sheet: Worksheet, row: int) -> int:
        """One balance block: to pay now, still to be invoiced, to be reduced or
        refunded, and the net the member owes."""
        book.text(sheet, row, 0, "Votre solde", "subtitle")
        for column in range(1, len(WIDTHS)):
            sheet.write_blank(row, column, None, book.formats["subtitle"])
        b = self.balance()
        amounts: list[tuple[str, int, bool]] = [
            ("À payer maintenant : titres déjà émis, restant dus", b["pay_now"], False),
            ("Reste à titrer : sera facturé par un prochain titre de recettes",
             b["to_invoice"], False)]
        if b["reduce"]:
            amounts.append(("Titré au-delà du dû : le coordonnateur réduira ou annulera ces "
                            "titres (ne pas payer ce montant)", b["reduce"], False))
        if b["credit"]:
            amounts.append(("Payé au-delà du dû : à vous rembourser ou à déduire",
                            -b["credit"], False))
        net = b["net"]
        amounts.append(("Solde : total que vous devez pour l'exercice" if net >= 0 else
                        "Solde : le groupement vous doit", abs(net), True))
        for label, cents, grand in amounts:
            row += 1
            if grand:
                sheet.merge_range(row, 0, row, 5, label, book.formats["grand"])
            else:
                sheet.merge_range(row, 0, row, 5, label, book.formats["text"])
            book.value(sheet, row, 6, cents, "euro", "grand_euro" if grand else "euro")
        return row + 1

    def _table_header(self, book: Book, sheet: Worksheet, row: int, titles: list[str],
                      merged: tuple[int, int] | None = None) -> None:
        sheet.set_row(row, 30)
        for column, title in enumerate(titles):
            if merged and column == merged[0]:
                sheet.merge_range(row, merged[0], row, merged[1], title, book.formats["header"])
            elif not merged or column < merged[0]:
                sheet.write_string(row, column, title, book.formats["header"])

    def _lines(self, book: Book, sheet: Worksheet, row: int) -> int:
        book.text(sheet, row, 0, "Situation par type de frais et consultation", "subtitle")
        row += 1
        self._table_header(book, sheet, row, ["Type", "Consultation", "Montant dû",
                                              "Montant titré", "Reste à titrer", "Encaissé",
                                              "Non encaissé", "Titres", "Situation"])
        for line in self.lines:
            row += 1
            situation = self.situation(line)
            consultation = self.consultation(line.consultation)
            _fit(sheet, row, {7: line.titres, 8: situation, 1: consultation})
            sheet.write_number(row, 0, int(line.type_frais), book.formats["center"])
            _put(book, sheet, row, 1, consultation, "wrap")
            to_invoice = max(int(line.du) - int(line.titre), 0)
            for column, cents in enumerate((line.du, line.titre, to_invoice, line.encaisse,
                                            line.reste), start=2):
                book.value(sheet, row, column, int(cents), "euro", "top_euro")
            _put(book, sheet, row, 7, line.titres, "wrap")
            book.text(sheet, row, 8, situation, "wrap")
        row += 1
        totals = [sum(int(getattr(line, f)) for line in self.lines) for f in ("du", "titre")]
        totals.append(sum(max(int(line.du) - int(line.titre), 0) for line in self.lines))
        totals += [sum(int(getattr(line, f)) for line in self.lines)
                   for f in ("encaisse", "reste")]
        total_row(book, sheet, row, dict(enumerate(totals, start=2)))
        return row + 1

    def situation(self, line: Any) -> str:
        """What happens to the line, in the member's words, with the reason for every
        zero or reduced amount."""
        du, titre = int(line.du), int(line.titre)
        waived = [c.motif for c in self.charges if c.type_frais == line.type_frais
                  and (c.consultation or "") == (line.consultation or "") and c.motif]
        why = f" {waived[0]}" if waived else ""
        if not why and du == 0 and self.withdrawal is not None:
            notice, effect = self.withdrawal
            if effect <= pd.Timestamp(self.period.year, 1, 1):
                why = (f" Retrait notifié le {notice.strftime('%d/%m/%Y')}, effectif au "
                       f"{effect.strftime('%d/%m/%Y')} : aucun frais pour l'exercice "
                       f"{self.period.year}.")
        if titre == du:
            return "Titré en totalité." if du else f"Rien à payer.{why}"
        if titre == 0:
            return f"À titrer : {euros(du)}."
        if titre < du:
            return f"Complément à titrer : {euros(du - titre)}."
        if du == 0:
            return f"Rien n'est dû : le titre sera annulé (ne pas le payer).{why}"
        return (f"Titré {euros(titre - du)} de trop : une réduction de ce montant est "
                "proposée.")

    def _charges(self, book: Book, sheet: Worksheet, row: int) -> int:
        book.text(sheet, row, 0, "Charges de l'exercice (barème voté)", "subtitle")
        row += 1
        sheet.repeat_rows(row)  # the longest table: its header on every page
        self._table_header(book, sheet, row, ["Type", "Consultation", "Prestation",
                                              "Ce que paie ce montant", "Tarif du barème",
                                              "Délibération", "Montant dû", "Motif"],
                           merged=(7, LAST))
        total = 0
        fallback = deliberation(self.identity.get("deliberation"))
        for charge in self.charges:
            row += 1
            prestation = service(charge.prestation) if charge.prestation else "par membre"
            paid_for = basis(charge.type_frais, charge.prestation)
            tariff = _tariff(charge)
            # the barème's own vote for a price it fixed; a waived charge keeps its own
            voted = charge.deliberation or (fallback[0].upper() + fallback[1:]
                                            if fallback and not charge.motif else "")
            consultation = self.consultation(charge.consultation)
            _fit(sheet, row, {1: consultation, 2: prestation, 3: paid_for, 4: tariff,
                              5: voted, (7, LAST): charge.motif})
            sheet.write_number(row, 0, int(charge.type_frais), book.formats["center"])
            _put(book, sheet, row, 1, consultation, "wrap")
            book.text(sheet, row, 2, prestation, "wrap")
            book.text(sheet, row, 3, paid_for, "wrap")
            _put(book, sheet, row, 4, tariff, "wrap")
            _put(book, sheet, row, 5, voted, "wrap")
            book.value(sheet, row, 6, int(charge.montant), "euro", "top_euro")
            if isinstance(charge.motif, str) and charge.motif:
                sheet.merge_range(row, 7, row, LAST, "", book.formats["wrap"])
                book.text(sheet, row, 7, charge.motif, "wrap")
            total += int(charge.montant)
        if not self.charges:
            row += 1
            book.text(sheet, row, 0, "Aucune charge due sur l'exercice.")
        row += 1
        total_row(book, sheet, row, {6: total})
        return row + 1

    def _titres(self, book: Book, sheet: Worksheet, row: int) -> int:
        book.text(sheet, row, 0, f"Titres de recettes de l'exercice {self.period.year}",
                  "subtitle")
        row += 1
        self._table_header(book, sheet, row, ["Type", "Consultation", "Numéro",
                                              "Date d'émission", "Montant", "Encaissé",
                                              "Date d'encaissement"])
        montant = encaisse = 0
        for titre in self.titres:
            row += 1
            sheet.write_number(row, 0, int(titre.type_frais), book.formats["center"])
            _put(book, sheet, row, 1, titre.consultation)
            _put(book, sheet, row, 2, str(titre.numero))
            if not pd.isna(titre.date_emission):
                book.value(sheet, row, 3, titre.date_emission, "date")
            book.value(sheet, row, 4, _cents(titre.montant), "euro")
            book.value(sheet, row, 5, _cents(titre.montant_encaisse), "euro")
            if not pd.isna(titre.date_encaissement):
                book.value(sheet, row, 6, titre.date_encaissement, "date")
            montant += _cents(titre.montant)
            encaisse += _cents(titre.montant_encaisse)
        if not self.titres:
            row += 1
            book.text(sheet, row, 0, "Aucun titre émis sur l'exercice.")
        row += 1
        total_row(book, sheet, row, {4: montant, 5: encaisse}, last=6)
        return row + 1
