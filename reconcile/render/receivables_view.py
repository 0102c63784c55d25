"""The report's receivables part: sheets `Exercices antérieurs` and `Restes à recouvrer`,
and the Synthèse's as-of notice, reopened exercises and balance âgée.

Data in, cells out: everything is computed by ``asof``, ``past_exercises`` and
``receivables``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..compute import receivables
from ..compute.asof import AsOf
from ..compute.past_exercises import UNKNOWN_DUE, PastExercises, reconcile_past
from ..compute.receivables import (
    BUCKETS,
    PRESCRIBED,
    SOON,
    STEP,
    WRITE_OFF,
    by_bucket,
    by_exercise,
    prescribing_soon,
    soon_limit,
)
from ..core.columns import SIREN, Sheet
from ..core.columns import Header as H
from ..core.model import Period
from ..read.earlier import Earlier
from .layout import fitted_table
from .xlsx import EURO, Book, Col, cells

CENTRED = "int_centred"  # a whole number, centred in its column
OUTSTANDING = [  # headers read back by titre_evolutions: declared in columns.Header
    # the exercise centred: right-aligned against the left-aligned number, « 2026 » and
    # « 14 » read « 202614 »
    Col(H.SIREN, width=11), Col(H.MEMBER, width=30), Col(H.EXERCISE, CENTRED, 9),
    Col(H.NUMBER, width=16), Col("Date d'émission", "date", 12), Col("Montant", "euro", 13),
    Col(H.COLLECTED, "euro", 13), Col(H.REMAINING, "euro", 13), Col(H.AGE, "int", 8),
    Col("Tranche", width=13), Col("Date de prescription", "date", 13),
    Col("Base de la prescription", width=40),
]
PES_COLUMNS = {STEP: Col("Étape de recouvrement", width=24),
               WRITE_OFF: Col("Admission en non-valeur", width=14)}
TAIL = [Col(H.TYPE, "int", 8), Col(H.CONSULTATION, width=14),
        Col("Annulations imputées", "euro", 13), Col("Alerte", width=28)]
ALERT_COLOURS = {PRESCRIBED: "#FF9999", SOON: "#F8CBAD"}
PRESCRIPTION = Col("Date de prescription", "date", 13)


@dataclass
class Receivables:
    """What the as-of date left out, the reopened exercises and the restes à recouvrer."""

    as_of: AsOf
    past: PastExercises
    outstanding: pd.DataFrame


def build(earlier: Earlier, period: Period, titres: pd.DataFrame | None,
          members: pd.DataFrame, as_of: AsOf) -> Receivables:
    """Reopened exercises (their final reports in ``earlier``) and restes à recouvrer
    from the titres taken as of the date."""
    past = reconcile_past(earlier, period.year, period.as_of, titres, members)
    return Receivables(as_of, past, receivables.outstanding(titres, members, period.as_of))


def final_reports(receivables: Receivables) -> tuple[tuple[str, str, str], ...]:
    """(exercise, report, SHA-256) of every final report read, for the Contrôle sheet."""
    return tuple((str(r.exercise), r.name, r.sha256)
                 for _, r in sorted(receivables.past.reports.items()))


def render_past(book: Book, past: PastExercises, columns: list[Col],
                colours: dict[str, str]) -> None:
    """`Exercices antérieurs`: the Rapprochement's columns, then the prescription date of
    what was due and never invoiced."""
    sheet = book.sheet("Exercices antérieurs")
    rows = past.rows
    data = [list(cells(rows[c], kind)) for c, kind in (
        (SIREN, "text"), ("membre", "text"), ("exercice", "int"), ("type_frais", "int"),
        ("consultation", "text"), ("du", "euro"), ("titre", "euro"), ("ecart", "euro"),
        ("encaisse", "euro"), ("reste", "euro"), ("statut", "text"), ("titres", "text"),
        ("prescription", "date"))]
    fitted_table(book, sheet, [*columns, PRESCRIPTION], data,
                 shade=(10, {**colours, UNKNOWN_DUE: "#D9D9D9"}))


def render_outstanding(book: Book, outstanding: pd.DataFrame) -> None:
    """`Restes à recouvrer`: one row per titre with something left, oldest first."""
    sheet = book.sheet(Sheet.RECEIVABLES)
    if CENTRED not in book.formats:
        book.add_format(CENTRED, {"align": "center"})
    pes = [c for c in PES_COLUMNS if c in outstanding]
    columns = [*OUTSTANDING, *(PES_COLUMNS[c] for c in pes), *TAIL]
    fields = [(SIREN, "text"), ("membre", "text"), ("exercice", "int"), ("numero", "text"),
              ("date_emission", "date"), ("montant", "euro"), ("encaisse", "euro"),
              ("reste", "euro"), ("age", "int"), ("tranche", "text"),
              ("prescription", "date"), ("prescription_base", "text"),
              *((c, "text") for c in pes),
              ("type_frais", "int"), ("consultation", "text"), ("annule", "euro"),
              ("alerte", "text")]
    shown = outstanding.assign(annule=outstanding["annule"].where(outstanding["annule"] != 0))
    data = [list(cells(shown[c], kind)) for c, kind in fields]
    fitted_table(book, sheet, columns, data, shade=(len(columns) - 1, ALERT_COLOURS),
                 total="Total")


def summary_facts(receivables: Receivables) -> list[tuple[str, str]]:
    """Lines for the Synthèse's facts: the as-of rule for titres."""
    return [("Titres pris en compte (date d'arrêté)", receivables.as_of.notice())]


def render_summary(book: Book, sheet: Worksheet, row: int, receivables: Receivables) -> int:
    """Reopened exercises and the balance âgée, from ``row``; returns the next free row."""
    header = book.formats["header"]
    book.add_format("red_euro", {"num_format": EURO, "bold": True, "font_color": "#C00000"})
    book.add_format("red", {"bold": True, "font_color": "#C00000"})
    book.add_format("bold_left", {"bold": True, "align": "left"})
    sheet.set_column(6, 2 + len(BUCKETS), 17)  # the by-exercise table is wider than above
    past, rows = receivables.past, receivables.outstanding
    sheet.write_string(row, 0, "Exercices antérieurs non prescrits", header)
    for line in past.notices() or ["aucun"]:
        row += 1
        book.text(sheet, row, 0, line, "red" if "dû non connu" in line else None)
    row += 2
    as_of = receivables.as_of.as_of.strftime("%d/%m/%Y")
    for column, title in enumerate((f"Balance âgée au {as_of} (âge depuis l'émission)",
                                    "Titres", "Reste à recouvrer")):
        sheet.write_string(row, column, title, header)
    buckets = by_bucket(rows) if len(rows) else [(b, 0, 0) for b in BUCKETS]
    for label, count, cents in buckets:
        row += 1
        book.text(sheet, row, 0, f"{label} jours" if label[0].isdigit() else label)
        sheet.write_number(row, 1, count)
        book.value(sheet, row, 2, cents, "euro")
    row += 1
    book.text(sheet, row, 0, "Total", "bold")
    sheet.write_number(row, 1, sum(b[1] for b in buckets), book.formats["bold"])
    book.value(sheet, row, 2, sum(b[2] for b in buckets), "euro", "euro_bold")
    row += 2
    labels = [b[0] for b in buckets]
    for column, title in enumerate(("Reste à recouvrer par exercice", *labels, "Total")):
        sheet.write_string(row, column, title, header)
    for exercise, amounts, total in by_exercise(rows) if len(rows) else []:
        row += 1
        sheet.write_number(row, 0, exercise, book.formats["bold_left"])
        for column, cents in enumerate([*amounts, total], start=1):
            book.value(sheet, row, column, cents, "euro")
    row += 2
    limit = soon_limit(receivables.as_of.as_of).strftime("%d/%m/%Y")
    book.text(sheet, row, 0, f"Titres qui se prescrivent d'ici le {limit}", "red")
    book.value(sheet, row, 1, prescribing_soon(rows) if len(rows) else 0, "euro", "red_euro")
    row += 1
    book.text(sheet, row, 0, f"Dû jamais titré qui se prescrit d'ici le {limit}", "red")
    book.value(sheet, row, 1, uninvoiced_soon(past, receivables.as_of.as_of), "euro",
               "red_euro")
    return row + 1


def uninvoiced_soon(past: PastExercises, as_of: pd.Timestamp) -> int:
    """What was due in a past exercise, never invoiced, and prescribes within six months."""
    rows = past.rows
    if rows.empty:
        return 0
    soon = rows["prescription"].notna() & (rows["prescription"] >= as_of) & (
        rows["prescription"] <= soon_limit(as_of))
    part = rows[soon]
    return int((part["du"].astype("int64") - part["titre"].astype("int64")).sum())
