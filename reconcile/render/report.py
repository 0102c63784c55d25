"""Render the month's reconciliation workbook (spécification §4) and the anomalies workbook.

Data in, bytes out: everything here has already been computed; these functions only
lay it out, as a ``Document`` the run layer writes. Sheets and headers: spécification
§4.2 to §4.9, §4.13 and §4.14, in French.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from schemas import CATEGORIES, TYPES_FRAIS

from ..compute.charges import Due, bareme_reference
from ..core.anomalies import Anomaly, prominent, sort_key
from ..core.columns import SIREN, Sheet
from ..core.columns import Header as H
from ..core.model import Document, Period, anomalies_name, period_of, report_name
from ..core.vocabulary import RULED, Status
from ..core.wording import month_label, plain_codes, service_label
from . import evolutions, receivables_view
from .audit import Control
from .layout import LINE_HEIGHT, PADDING, fitted_table, text_width
from .xlsx import Book, Col, cells

CHARGES = [  # the headers are declared in columns.Header: read back from past reports
    Col(H.SIREN, width=11), Col(H.MEMBER, width=30), Col(H.CATEGORY, width=14),
    Col(H.EXERCISE, "int", 9), Col(H.TYPE, "int", 7), Col(H.CONSULTATION, width=13),
    Col(H.SERVICE, width=15), Col(H.TARIFF_LINE, width=15),
    Col(H.DUE, "euro", 13), Col(H.REASON, width=30), Col(H.RULE, width=42),
    Col(H.TARIFF_LABEL, width=30), Col(H.DELIBERATION, width=30),
]
# Shaded where the officer must decide: « à émettre » is routine (the titres to issue
# carry it) and « conforme » needs nothing, so neither is shaded.
STATUS_COLOURS: dict[str, str] = {
    Status.UNDER_INVOICED: "#F8CBAD", Status.OVER_INVOICED: "#F4B183",
    Status.UNDUE: "#FF9999", Status.UNKNOWN_MEMBER: "#D9B3FF"}
RECONCILIATION = [
    Col(H.SIREN, width=11), Col(H.MEMBER, width=34), Col(H.EXERCISE, "int", 9),
    Col(H.TYPE, "int", 8), Col(H.CONSULTATION, width=14),
    Col(H.DUE, "euro", 13), Col(H.INVOICED, "euro", 13), Col(H.GAP, "euro", 13),
    Col(H.COLLECTED, "euro", 13), Col(H.LEFT, "euro", 13),
    Col(H.STATUS, width=17), Col(H.TITRES, width=30),
]
ANOMALIES = [
    Col("Fichier", width=20), Col("Feuille", width=15), Col("Ligne", "int", 8),
    Col("Colonne", width=22), Col("Valeur", width=22), Col("Gravité", width=13),
    Col("Message", width=60), Col("Code", width=24),
]


@dataclass(frozen=True)
class Report:
    """Everything the reconciliation workbook shows, computed before it is rendered.

    Frozen as a value (no field can be replaced); its frames are not copied, and nothing
    after the reconcile stage changes them."""

    month: str
    period: Period
    due: Due
    rows: pd.DataFrame
    warnings: tuple[Anomaly, ...]
    control: Control
    members_count: int
    evolutions: tuple[str, pd.DataFrame] | None = None  # (previous month, changes)
    receivables: receivables_view.Receivables | None = None
    pes_aller: str = ""  # what became of the PES Aller (titres to issue)
    actions: tuple[tuple[str, str], ...] = ()  # what to do this month (actions.py)


def created_at(period: Period) -> dt.datetime:
    """The workbook's pinned creation date: the as-of date, never the wall clock."""
    return dt.datetime(period.as_of.year, period.as_of.month, period.as_of.day)


def dissolution_notice(due: Due, period: Period) -> str:
    if due.dissolution is None:
        return ""
    day = due.dissolution.strftime("%d/%m/%Y")
    if due.dissolution <= period.as_of:
        return (f"GROUPEMENT DISSOUS le {day} (retrait du coordonnateur, R3) : aucune charge "
                "n'est due à compter de cette date.")
    return (f"DISSOLUTION PRÉVUE le {day} (retrait du coordonnateur notifié, R3) : aucune "
            "charge ne sera due à compter de cette date.")


def render_report(report: Report, scratch: str) -> Document:
    """The month's workbook; ``scratch``: the folder its rows stream through."""
    book = Book(created_at(report.period), scratch)
    book.workbook.set_properties({"created": created_at(report.period),
                                  "title": f"Rapprochement {report.month}",
                                  "author": "reconcile"})
    _summary(book, report)
    sheet = book.sheet(Sheet.CHARGES)
    fitted_table(book, sheet, CHARGES, _charge_columns(report.due.charges), total="Total")
    sheet = book.sheet(Sheet.RECONCILIATION)
    data = _reconciliation_columns(report.rows)
    columns = RECONCILIATION
    if "etat_helios" in report.rows:  # PES Retour files were read
        columns = [*RECONCILIATION, Col("État Hélios", width=40)]
        data.append(list(cells(report.rows["etat_helios"])))
    fitted_table(book, sheet, columns, data, shade=(10, STATUS_COLOURS), total="Total")
    write_anomalies_sheet(book, report.warnings)
    report.control.render(book)
    if report.receivables is not None:
        receivables_view.render_past(book, report.receivables.past, RECONCILIATION,
                                     STATUS_COLOURS)
        receivables_view.render_outstanding(book, report.receivables.outstanding)
    if report.evolutions is not None:
        evolutions.render(book, report.evolutions[1], report.evolutions[0])
    return Document(report_name(report.month), book.close())


def render_anomalies(month: str, anomalies: Sequence[Anomaly], scratch: str) -> Document:
    """The anomalies workbook written instead of the report (spécification §4.9)."""
    book = Book(created_at(period_of(month)), scratch)
    write_anomalies_sheet(book, anomalies)
    return Document(anomalies_name(month), book.close())


def write_anomalies_sheet(book: Book, anomalies: Sequence[Anomaly]) -> None:
    sheet = book.sheet("Anomalies")
    rows = [
        (a.file, a.sheet, a.row, a.column, a.value, a.severity, a.message, a.code)
        for a in sorted(anomalies, key=sort_key)
    ]  # text fields are str by construction (Anomaly)
    data = list(zip(*rows, strict=True)) or [()] * len(ANOMALIES)
    fitted_table(book, sheet, ANOMALIES, data,
                 shade=(5, {"erreur": "#F8CBAD", "avertissement": "#FFE699"}))


def _charge_columns(charges: pd.DataFrame) -> list[list]:
    lines = charges["bareme_ligne"].map(bareme_reference, na_action="ignore")
    labelled = charges.assign(categorie=charges["categorie"].map(lambda c: CATEGORIES.get(c, c)),
                              prestation=charges["prestation"].map(service_label))
    return [*(cells(labelled[c], kind) for c, kind in (
        (SIREN, "text"), ("membre", "text"), ("categorie", "text"), ("exercice", "int"),
        ("type_frais", "int"), ("consultation", "text"), ("prestation", "text"))),
        cells(lines), cells(charges["montant"], "euro"), cells(charges["motif"]),
        cells(charges["regle"]),
        cells(charges["bareme_libelle"].map(plain_codes)),  # « Procédure EPCI », no code
        cells(charges["deliberation"])]


def _reconciliation_columns(rows: pd.DataFrame) -> list[list]:
    return [cells(rows[c], kind) for c, kind in (
        (SIREN, "text"), ("membre", "text"), ("exercice", "int"), ("type_frais", "int"),
        ("consultation", "text"), ("du", "euro"), ("titre", "euro"), ("ecart", "euro"),
        ("encaisse", "euro"), ("reste", "euro"), ("statut", "text"), ("titres", "text"))]


def totals(rows: pd.DataFrame) -> list[tuple]:
    """Per type and overall: due, invoiced, gap, collected, remaining (integer cents)."""
    result = []
    for type_frais in (1, 2, None):
        part = rows if type_frais is None else rows[rows["type_frais"] == type_frais]
        label = "Total" if type_frais is None else f"Type {type_frais} – {TYPES_FRAIS[type_frais]}"
        du, titre, encaisse = (int(part[c].sum()) for c in ("du", "titre", "encaisse"))
        result.append((label, du, titre, titre - du, encaisse, titre - encaisse))
    return result


def _summary(book: Book, report: Report) -> None:
    sheet = book.sheet("Synthèse")
    sheet.fit_to_pages(1, 1)  # the month at a glance: one page, chart included
    book.add_format("alert_wrap", {"bold": True, "font_size": 12, "font_color": "#C00000",
                                   "text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, f"Rapprochement de la refacturation – {month_label(report.month)}",
                       book.formats["title"])
    row = 1
    notice = dissolution_notice(report.due, report.period)
    if notice:  # over the whole width, wrapped: it must be read, not cut
        sheet.set_row(row, 2 * 17)
        sheet.merge_range(row, 0, row, SUMMARY_LAST, notice, book.formats["alert_wrap"])
        row += 1
    if report.actions:
        row = _actions(book, sheet, row + 1, report.actions)
    period, due, rows = report.period, report.due, report.rows
    facts: list[tuple[str, str | int | dt.datetime]] = [
        ("Période", report.month),
        ("Exercice", period.year),
        ("Date d'arrêté des comptes", period.as_of.to_pydatetime()),
        ("Membres dans le fichier", report.members_count),
        ("Membres actifs sur l'exercice (hors coordonnateur)", due.active_members),
        ("Consultations lancées sur l'exercice", ", ".join(due.consultations) or "aucune"),
        ("Charges calculées", len(due.charges)),
        ("Lignes de rapprochement", len(rows)),
        ("Avertissements (feuille Anomalies)", len(report.warnings)),
        ("Dissolution", notice or "aucune"),
    ]
    if report.pes_aller:
        facts.append(("PES Aller (titres à émettre)", report.pes_aller))
    for warning in prominent(report.warnings):
        facts.append(("Attention", f"{warning.file} › {warning.sheet} : {warning.message}"))
    if report.receivables is not None:
        facts += receivables_view.summary_facts(report.receivables)
    by_type = totals(rows)
    labels = [label for label, _ in facts] + [t[0] for t in by_type]
    sheet.set_column(0, 0, min(max(text_width(t, bold=True) for t in labels), 64))
    sheet.set_column(1, SUMMARY_LAST, SUMMARY_WIDTH)
    text_room = SUMMARY_WIDTH * SUMMARY_LAST - PADDING
    row += 1
    for label, value in facts:
        book.text(sheet, row, 0, label, "bold")
        if isinstance(value, dt.datetime):
            sheet.write_datetime(row, 1, value, book.formats["date_left"])
        elif isinstance(value, int):
            sheet.write_number(row, 1, value, book.formats["left"])
        elif label == "Attention" or len(value) > SUMMARY_WIDTH - PADDING:
            # over the free columns, wrapped; a warning in red
            style = "alert_wrapped" if label == "Attention" else "wrapped"
            sheet.set_row(row, LINE_HEIGHT * math.ceil(len(value) / text_room))
            sheet.merge_range(row, 1, row, SUMMARY_LAST, "", book.formats[style])
            book.text(sheet, row, 1, value, style)
        else:
            book.text(sheet, row, 1, value)
        row += 1
    row += 1
    header = book.formats["header"]
    sheet.set_row(row, 30)
    for column, title in enumerate(("Montants par type de frais", "Montant dû", "Montant titré",
                                    "Écart", "Encaissé", "Reste à recouvrer")):
        sheet.write_string(row, column, title, header)
    header_row = row
    for values in by_type:
        row += 1
        style = "euro_bold" if values[0] == "Total" else "euro"
        book.text(sheet, row, 0, values[0], "bold" if values[0] == "Total" else None)
        for column, cents in enumerate(values[1:], start=1):
            book.value(sheet, row, column, cents, "euro", style)
    _chart(book, sheet, header_row)
    row += 2
    sheet.set_row(row, 30)
    sheet.write_string(row, 0, "Statut", header)
    sheet.write_string(row, 1, "Lignes", header)
    sheet.write_string(row, 2, "Montant dû", header)
    sheet.write_string(row, 3, "Montant titré", header)
    counts: Any  # pandas-stubs cannot type .loc on a MultiIndex column
    counts = rows.groupby("statut")[["du", "titre"]].agg(["size", "sum"]) if len(rows) else None
    for name in RULED:
        row += 1
        book.text(sheet, row, 0, name)
        if counts is not None and name in counts.index:
            sheet.write_number(row, 1, int(counts.loc[name, ("du", "size")]))
            book.value(sheet, row, 2, int(counts.loc[name, ("du", "sum")]), "euro")
            book.value(sheet, row, 3, int(counts.loc[name, ("titre", "sum")]), "euro")
        else:
            sheet.write_number(row, 1, 0)
    row += 1
    book.text(sheet, row, 0, "Total", "bold")
    sheet.write_number(row, 1, len(rows), book.formats["bold"])
    book.value(sheet, row, 2, int(rows["du"].sum()) if len(rows) else 0, "euro", "euro_bold")
    book.value(sheet, row, 3, int(rows["titre"].sum()) if len(rows) else 0, "euro", "euro_bold")
    if report.receivables is not None:  # below the chart (17 rows from header_row + 13)
        receivables_view.render_summary(book, sheet, max(row + 2, header_row + 31),
                                        report.receivables)


SUMMARY_WIDTH, SUMMARY_LAST = 17, 5  # amounts in columns B to F


def _actions(book: Book, sheet: Worksheet, row: int, actions: Sequence[tuple[str, str]]
             ) -> int:
    """« À faire ce mois », first: what the officer acts on, and where the detail is."""
    header = book.formats["header"]
    sheet.merge_range(row, 0, row, SUMMARY_LAST, "À faire ce mois", header)
    text_room = SUMMARY_WIDTH * SUMMARY_LAST - PADDING
    for label, value in actions:
        row += 1
        book.text(sheet, row, 0, label, "bold")
        sheet.merge_range(row, 1, row, SUMMARY_LAST, "", book.formats["wrapped"])
        book.text(sheet, row, 1, value, "wrapped")
        if len(value) > text_room:
            sheet.set_row(row, LINE_HEIGHT * math.ceil(len(value) / text_room))
    return row + 1


def _chart(book: Book, sheet: Worksheet, header_row: int) -> None:
    """Due, invoiced and collected by type: the month at a glance."""
    chart = book.workbook.add_chart({"type": "column"})
    first, last = header_row + 1, header_row + 2
    for column, colour in ((1, "#1F4E78"), (2, "#F4B183"), (4, "#70AD47")):
        chart.add_series({
            "name": ["Synthèse", header_row, column],
            "categories": ["Synthèse", first, 0, last, 0],
            "values": ["Synthèse", first, column, last, column],
            "fill": {"color": colour},
        })
    chart.set_title({"name": "Dû, titré et encaissé par type de frais"})
    chart.set_y_axis({"num_format": '#,##0 "€"', "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 330})
    sheet.insert_chart(header_row + 13, 0, chart)
