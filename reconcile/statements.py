"""Per-member statements (`reconcile run --releves`): one printable xlsx per member.

Every SIREN of the reconciliation (something due, or titres in the exercise) gets
``releves/releve_<SIREN>.xlsx``: who it is for, its charges with the rule and barème
line applied, its titres of the exercise, and per (type, consultation) line what is
due, invoiced, collected and still to recover, with the status. The data are those of
the month's report; nothing is recomputed. Money stays integer cents until a cell is
written. Files are written atomically and an identical rerun leaves them untouched; a
statement of a member that no longer has anything to show is moved to ``historique/``.
"""

from __future__ import annotations

import math
import re
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from schemas import CATEGORIES, PRESTATIONS, TYPES_FRAIS

from .charges import Period, bareme_reference
from .report import STATUS_COLOURS, created_at, month_label
from .safeio import publish, remove_stale_temporaries, retire, write_new
from .xlsx import DATE, EURO, Book

FOLDER = "releves"
GROUPEMENT = "Groupement de commandes – dématérialisation des procédures"
COORDONNATEUR = "Coordonnateur : CIG Grande Couronne (centre interdépartemental de gestion)"
WIDTHS = (7, 13, 20, 34, 14, 20, 14, 24)  # eight columns, A4 portrait once scaled


def write_statements(folder: Path, month: str, period: Period, charges: pd.DataFrame,
                     rows: pd.DataFrame, titres: pd.DataFrame | None) -> list[Path]:
    """Write one statement per SIREN of ``rows``; returns their paths, by SIREN."""
    target_folder = folder / FOLDER
    remove_stale_temporaries(target_folder)
    created = created_at(period)
    charges_of = _by_siren(charges.sort_values(["type_frais", "consultation", "prestation"],
                                               kind="stable"), CHARGE_FIELDS)
    titres_of = _by_siren(_titres_of_year(titres, period.year), TITRE_FIELDS)
    lines_of = _by_siren(rows.sort_values("siren", kind="stable"), LINE_FIELDS)
    written: list[Path] = []
    for siren, lines in lines_of.items():
        statement = Statement(siren, month, period, lines, charges_of.get(siren, []),
                              titres_of.get(siren, []))
        target = target_folder / f"releve_{_safe(siren)}.xlsx"
        publish(write_new(target, partial(statement.render, created=created)), target)
        written.append(target)
    if target_folder.is_dir():
        for old in sorted(set(target_folder.glob("releve_*.xlsx")) - set(written)):
            retire(old)  # the member has nothing to show any more: keep, out of the way
    return written


LINE_FIELDS = ["type_frais", "consultation", "du", "titre", "encaisse", "reste", "statut",
               "titres", "membre"]
CHARGE_FIELDS = ["type_frais", "consultation", "prestation", "regle", "bareme_ligne",
                 "bareme_libelle", "montant", "motif", "categorie"]
TITRE_FIELDS = ["type_frais", "consultation", "numero", "date_emission", "montant",
                "montant_encaisse", "date_encaissement"]


def _by_siren(frame: pd.DataFrame | None, fields: list[str]) -> dict[str, list[Any]]:
    """SIREN → its records as plain named tuples, in the frame's order: one pass over
    the frame instead of one pandas selection per member."""
    grouped: dict[str, list[Any]] = {}
    if frame is None or frame.empty:
        return grouped
    for siren, record in zip(frame["siren"].astype(str),
                             frame[fields].itertuples(index=False, name="Record"),
                             strict=True):
        grouped.setdefault(siren, []).append(record)
    return grouped


def _titres_of_year(titres: pd.DataFrame | None, year: int) -> pd.DataFrame | None:
    """The titres the reconciliation counted: those of the exercise."""
    if titres is None or titres.empty:
        return None
    of_year = titres[titres["exercice"] == year]
    if "counts_as_invoiced" in of_year:  # rejected or cancelled by Hélios: not invoiced
        of_year = of_year[of_year["counts_as_invoiced"].astype(bool)]
    order = of_year.assign(_numero=of_year["numero"].astype(str))
    return order.sort_values(["type_frais", "_numero"], kind="stable")


def _safe(siren: object) -> str:
    text = str(siren)
    return text if re.fullmatch(r"[0-9A-Za-z]{1,20}", text) else re.sub(r"\W", "_", text)[:40]


def _put(book: Book, sheet, row: int, column: int, value, style: str | None = None) -> None:
    """Text, unless blank (an empty consultation or motif leaves the cell empty)."""
    if isinstance(value, str) and value:
        book.text(sheet, row, column, value, style)


def _fit(sheet, row: int, texts: dict[int, object]) -> None:
    """Row height for wrapped text (column → text), as the writer cannot measure it."""
    lines = max((math.ceil(len(t) / (WIDTHS[c] * 1.2)) for c, t in texts.items()
                 if isinstance(t, str) and t), default=1)
    if lines > 1:
        sheet.set_row(row, 15 * lines)


def _cents(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


class Statement:
    """One member's statement, laid out top to bottom on one sheet."""

    def __init__(self, siren: str, month: str, period: Period, lines: list[Any],
                 charges: list[Any], titres: list[Any]):
        self.siren, self.month, self.period = siren, month, period
        self.lines, self.charges, self.titres = lines, charges, titres

    def render(self, path: str, created) -> None:
        book = Book(path, created, in_memory=True)  # one page: faster than streaming
        book.workbook.set_properties({"created": created, "author": "reconcile",
                                      "title": f"Relevé {self.siren} – exercice "
                                               f"{self.period.year}"})
        book.add_format("label", {"bold": True, "font_color": "#1F4E78"})
        book.add_format("left", {"align": "left"})
        book.add_format("date_left", {"num_format": DATE, "align": "left"})
        book.add_format("wrap", {"text_wrap": True})
        book.add_format("center", {"align": "center"})
        book.add_format("total", {"bold": True, "top": 1})
        book.add_format("total_euro", {"bold": True, "top": 1, "num_format": EURO})
        book.add_format("grand_euro", {"bold": True, "num_format": EURO, "font_size": 12})
        book.add_format("subtitle", {"bold": True, "font_size": 12, "font_color": "#1F4E78",
                                     "bottom": 1})
        sheet = book.workbook.add_worksheet("Relevé")
        sheet.set_portrait()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.center_horizontally()
        sheet.set_footer(f"&LRelevé {self.siren} – arrêté au "
                         f"{self.period.as_of.strftime('%d/%m/%Y')}&RPage &P / &N")
        sheet.hide_gridlines(2)
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        self.shades = book.colours(STATUS_COLOURS)
        row = self._header(book, sheet)
        row = self._totals(book, sheet, row + 1)
        row = self._lines(book, sheet, row + 1)
        row = self._charges(book, sheet, row + 1)
        row = self._titres(book, sheet, row + 1)
        types = " ; ".join(f"type {code} : {label}" for code, label in TYPES_FRAIS.items())
        legend = (f"Montants en euros. Types de frais – {types}. Statut : conforme (titré = "
                  "dû), à émettre (rien de titré), sous-titré, sur-titré, indu (titré sans "
                  "montant dû).")
        sheet.set_row(row + 1, 45)
        sheet.merge_range(row + 1, 0, row + 1, len(WIDTHS) - 1, legend, book.formats["wrap"])
        for offset, text in enumerate(self.notices(), start=2):
            sheet.set_row(row + offset, 48)
            sheet.merge_range(row + offset, 0, row + offset, len(WIDTHS) - 1, text,
                              book.formats["wrap"])
        sheet.print_area(0, 0, row + offset, len(WIDTHS) - 1)
        book.close()

    def notices(self) -> tuple[str, str]:
        """The statement is the titres' supporting document (bases de liquidation),
        and tells the member how to contest them (CGCT L1617-5)."""
        return (
            f"Pièce justificative : ce relevé donne les bases de liquidation des titres de "
            f"recettes de l'exercice {self.period.year} émis à votre nom (charges ci-dessus : "
            "barème voté, ligne appliquée et règle de calcul). L'objet de chaque titre "
            "renvoie à ce relevé.",
            "Voies et délais de recours : vous pouvez contester un titre de recettes devant "
            "la juridiction compétente dans un délai de deux mois à compter de sa "
            "notification (article L1617-5 du code général des collectivités "
            "territoriales). Passé ce délai, la somme ne peut plus être contestée.",
        )

    def _header(self, book: Book, sheet) -> int:
        member = self.lines[0].membre or "(membre absent du fichier membres)"
        category = ""
        if self.charges:
            code = self.charges[0].categorie
            category = CATEGORIES.get(code, str(code))
        book.text(sheet, 0, 0, GROUPEMENT, "title")
        book.text(sheet, 1, 0, COORDONNATEUR)
        book.text(sheet, 3, 0, f"Relevé de compte – exercice {self.period.year}", "subtitle")
        for column in range(1, len(WIDTHS)):
            sheet.write_blank(3, column, None, book.formats["subtitle"])
        facts = [("Membre", member), ("SIREN", self.siren), ("Catégorie", category),
                 ("Exercice", self.period.year), ("Arrêté au", self.period.as_of),
                 ("Période", month_label(self.month))]
        row = 4
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

    def _totals(self, book: Book, sheet, row: int) -> int:
        book.text(sheet, row, 0, "Totaux de l'exercice", "subtitle")
        du, titre, encaisse = (sum(int(getattr(line, c)) for line in self.lines)
                               for c in ("du", "titre", "encaisse"))
        amounts = [("Montant dû", du), ("Montant titré", titre),
                   ("Écart (titré – dû)", titre - du), ("Encaissé", encaisse),
                   ("Reste à recouvrer (titré – encaissé)", titre - encaisse)]
        for label, cents in amounts:
            row += 1
            grand = label.startswith("Reste")
            book.text(sheet, row, 0, label, "bold" if grand else None)
            book.value(sheet, row, 4, cents, "euro", "grand_euro" if grand else "euro")
        return row + 1

    def _table_header(self, book: Book, sheet, row: int, titles: list[str]) -> None:
        sheet.set_row(row, 30)
        for column, title in enumerate(titles):
            sheet.write_string(row, column, title, book.formats["header"])

    def _lines(self, book: Book, sheet, row: int) -> int:
        book.text(sheet, row, 0, "Situation par type de frais et consultation", "subtitle")
        row += 1
        self._table_header(book, sheet, row, ["Type", "Consultation", "Montant dû",
                                              "Montant titré", "Encaissé",
                                              "Reste à recouvrer", "Statut", "Titres"])
        for line in self.lines:
            row += 1
            _fit(sheet, row, {7: line.titres})
            sheet.write_number(row, 0, int(line.type_frais), book.formats["center"])
            _put(book, sheet, row, 1, line.consultation)
            for column, cents in enumerate((line.du, line.titre, line.encaisse, line.reste),
                                           start=2):
                book.value(sheet, row, column, int(cents), "euro")
            book.text(sheet, row, 6, line.statut, self.shades.get(line.statut))
            _put(book, sheet, row, 7, line.titres, "wrap")
        row += 1
        book.text(sheet, row, 0, "Total", "total")
        for column, field in enumerate(("du", "titre", "encaisse", "reste"), start=2):
            total = sum(int(getattr(line, field)) for line in self.lines)
            book.value(sheet, row, column, total, "euro", "total_euro")
        for column in (1, 6, 7):
            sheet.write_blank(row, column, None, book.formats["total"])
        return row + 1

    def _charges(self, book: Book, sheet, row: int) -> int:
        book.text(sheet, row, 0, "Charges de l'exercice (barème voté)", "subtitle")
        row += 1
        self._table_header(book, sheet, row, ["Type", "Consultation", "Prestation",
                                              "Règle appliquée", "Ligne du barème",
                                              "Libellé du barème", "Montant dû", "Motif"])
        total = 0
        for charge in self.charges:
            row += 1
            prestation = PRESTATIONS.get(charge.prestation, charge.prestation) or "par membre"
            _fit(sheet, row, {2: prestation, 3: charge.regle, 5: charge.bareme_libelle,
                              7: charge.motif})
            sheet.write_number(row, 0, int(charge.type_frais), book.formats["center"])
            _put(book, sheet, row, 1, charge.consultation)
            book.text(sheet, row, 2, prestation, "wrap")
            _put(book, sheet, row, 3, charge.regle, "wrap")
            if not pd.isna(charge.bareme_ligne):
                book.text(sheet, row, 4, bareme_reference(charge.bareme_ligne))
            _put(book, sheet, row, 5, charge.bareme_libelle, "wrap")
            book.value(sheet, row, 6, int(charge.montant), "euro")
            _put(book, sheet, row, 7, charge.motif, "wrap")
            total += int(charge.montant)
        if not self.charges:
            row += 1
            book.text(sheet, row, 0, "Aucune charge due sur l'exercice.")
        row += 1
        book.text(sheet, row, 0, "Total", "total")
        for column in (1, 2, 3, 4, 5, 7):
            sheet.write_blank(row, column, None, book.formats["total"])
        book.value(sheet, row, 6, total, "euro", "total_euro")
        return row + 1

    def _titres(self, book: Book, sheet, row: int) -> int:
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
        book.text(sheet, row, 0, "Total", "total")
        for column in (1, 2, 3, 6):
            sheet.write_blank(row, column, None, book.formats["total"])
        book.value(sheet, row, 4, montant, "euro", "total_euro")
        book.value(sheet, row, 5, encaisse, "euro", "total_euro")
        return row + 1

