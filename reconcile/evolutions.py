"""What changed since last month's report of the same exercise (sheet `Évolutions`).

Compares this month's charges and reconciliation with the previous month's report
as it was written: new and removed charges, changed amounts, changed statuses or
invoiced / collected amounts — what the officer must look at first.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from . import titre_evolutions
from .layout import fitted_table
from .model import report_name
from .readback import as_cents, as_text, open_report, sheet_frame
from .receivables import DEFAULT_DELAY
from .wording import service_label
from .xlsx import Book, Col, cells

COLUMNS = [
    Col("Nature", width=24), Col("SIREN", width=11), Col("Membre", width=34),
    Col("Type de frais", "int", 8), Col("Consultation", width=14), Col("Prestation", width=16),
    Col("Avant", "euro", 13), Col("Après", "euro", 13), Col("Différence", "euro", 13),
    Col("Statut avant", width=15), Col("Statut après", width=15), Col("Titre", width=16),
]
CHARGE_KEY = ["SIREN", "Type de frais", "Consultation", "Prestation"]
LINE_KEY = ["SIREN", "Type de frais", "Consultation"]


def previous_report(folder: Path, month: str) -> Path | None:
    """Last month's report of the same exercise, if it was produced (none in January)."""
    year, number = (int(p) for p in month.split("-"))
    if number == 1:
        return None
    previous = f"{year}-{number - 1:02d}"
    path = folder.parent / previous / report_name(previous)
    return path if path.is_file() else None


def compare(previous: Path, charges: pd.DataFrame, rows: pd.DataFrame,
            titres: pd.DataFrame | None = None, outstanding: pd.DataFrame | None = None,
            delay: int = DEFAULT_DELAY) -> pd.DataFrame:
    """One row per change; amounts in integer cents. With ``outstanding`` (this month's
    restes à recouvrer), also the titres newly collected and newly overdue."""
    book = open_report(previous.read_bytes())
    before_charges = _read(book, "Charges")
    before_lines = _read(book, "Rapprochement")
    now_charges = pd.DataFrame({
        "SIREN": charges["siren"], "Membre": charges["membre"],
        "Type de frais": charges["type_frais"].astype("int64"),
        "Consultation": charges["consultation"],
        "Prestation": charges["prestation"].map(service_label),
        "Montant": charges["montant"].astype("int64"),
    })
    now_lines = pd.DataFrame({
        "SIREN": rows["siren"], "Membre": rows["membre"],
        "Type de frais": rows["type_frais"].astype("int64"), "Consultation": rows["consultation"],
        "Titré": rows["titre"], "Statut": rows["statut"],
    })
    changes = [_charge_changes(before_charges, now_charges),
               _line_changes(before_lines, now_lines)]
    if outstanding is not None:
        changes.append(titre_evolutions.changes(book, titres, outstanding, delay))
    result = pd.concat([c for c in changes if not c.empty] or [pd.DataFrame(
        columns=[c.header for c in COLUMNS])], ignore_index=True)
    if "Titre" not in result:
        result["Titre"] = None
    return result.sort_values(["Nature", "SIREN", "Type de frais", "Consultation",
                               "Prestation", "Titre"], kind="stable").reset_index(drop=True)


def render(book: Book, changes: pd.DataFrame, previous_month: str) -> None:
    sheet = book.sheet("Évolutions")
    data = [cells(changes[c.header], c.kind) for c in COLUMNS]
    fitted_table(book, sheet, COLUMNS, data)
    if changes.empty:  # an empty table would look like a failure
        book.text(sheet, 1, 0, f"Aucun changement depuis le rapport du mois précédent "
                               f"({previous_month}).", "bold")
    sheet.set_header(f"&LÉvolutions depuis le rapport de {previous_month}")


def _read(book: CalamineWorkbook, sheet: str) -> pd.DataFrame:
    frame = sheet_frame(book, sheet)
    if frame is None:
        frame = pd.DataFrame()
    for column in ("SIREN", "Consultation", "Prestation", "Membre", "Statut"):
        if column in frame:
            frame[column] = as_text(frame[column])
    if "Prestation" in frame:  # an older report wrote codes: compare labels
        frame["Prestation"] = frame["Prestation"].map(service_label)
    frame["Type de frais"] = frame["Type de frais"].astype("int64")
    for column in ("Montant dû", "Montant titré"):
        if column in frame:
            frame[column] = as_cents(frame[column])
    return frame


def _charge_changes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    old = before.groupby(CHARGE_KEY, as_index=False).agg(Membre=("Membre", "first"),
                                                         Avant=("Montant dû", "sum"))
    new = now.groupby(CHARGE_KEY, as_index=False).agg(Membre=("Membre", "first"),
                                                      Après=("Montant", "sum"))
    both = old.merge(new, on=CHARGE_KEY, how="outer", suffixes=("_avant", ""), indicator=True)
    both["Membre"] = both["Membre"].fillna(both["Membre_avant"])
    nature = both["_merge"].map({"left_only": "charge supprimée", "right_only": "nouvelle charge",
                                 "both": "montant modifié"})
    both = both.assign(Nature=nature.astype(str), Avant=both["Avant"].astype("Int64"),
                       Après=both["Après"].astype("Int64"))
    both = both[(both["Nature"] != "montant modifié") | (both["Avant"] != both["Après"])]
    both["Différence"] = both["Après"].fillna(0) - both["Avant"].fillna(0)
    return both.assign(**{"Statut avant": "", "Statut après": ""})


def _line_changes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    old = before[[*LINE_KEY, "Membre", "Montant titré", "Statut"]].rename(
        columns={"Montant titré": "Avant", "Statut": "Statut avant", "Membre": "Membre_avant"})
    new = now.rename(columns={"Titré": "Après", "Statut": "Statut après"})
    both = old.merge(new, on=LINE_KEY, how="inner")
    changed = (both["Statut avant"] != both["Statut après"]) | (both["Avant"] != both["Après"])
    both = both[changed].assign(Nature="rapprochement modifié", Prestation="")
    both["Différence"] = both["Après"] - both["Avant"]
    return both
