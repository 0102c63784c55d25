"""What changed since last month's report of the same exercise (sheet `Évolutions`).

Compares this month's charges and reconciliation with the previous month's report
as it was written: new and removed charges, changed amounts, changed statuses or
invoiced / collected amounts — what the officer must look at first.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..compute import titre_evolutions
from ..compute.receivables import DEFAULT_DELAY
from ..core.columns import SIREN, Header, Sheet
from ..core.vocabulary import Change
from ..core.wording import service_label
from ..read.readback import as_cents, as_text
from .layout import fitted_table
from .xlsx import Book, Col, cells

COLUMNS = [
    Col("Nature", width=24), Col(Header.SIREN, width=11), Col(Header.MEMBER, width=34),
    Col(Header.TYPE, "int", 8), Col(Header.CONSULTATION, width=14),
    Col(Header.SERVICE, width=16),
    Col("Avant", "euro", 13), Col("Après", "euro", 13), Col("Différence", "euro", 13),
    Col("Statut avant", width=15), Col("Statut après", width=15), Col("Titre", width=16),
]
CHARGE_KEY = [Header.SIREN, Header.TYPE, Header.CONSULTATION, Header.SERVICE]
LINE_KEY = [Header.SIREN, Header.TYPE, Header.CONSULTATION]


def compare(previous: Mapping[str, pd.DataFrame | None], charges: pd.DataFrame,
            rows: pd.DataFrame,
            titres: pd.DataFrame | None = None, outstanding: pd.DataFrame | None = None,
            delay: int = DEFAULT_DELAY) -> pd.DataFrame:
    """One row per change, against last month's report (its sheets, as read back by
    ``earlier.read``); amounts in integer cents. With ``outstanding`` (this month's
    restes à recouvrer), also the titres newly collected and newly overdue."""
    before_charges = _read(previous.get(Sheet.CHARGES))
    before_lines = _read(previous.get(Sheet.RECONCILIATION))
    now_charges = pd.DataFrame({
        Header.SIREN: charges[SIREN], Header.MEMBER: charges["membre"],
        Header.TYPE: charges["type_frais"].astype("int64"),
        Header.CONSULTATION: charges["consultation"],
        Header.SERVICE: charges["prestation"].map(service_label),
        "Montant": charges["montant"].astype("int64"),
    })
    now_lines = pd.DataFrame({
        Header.SIREN: rows[SIREN], Header.MEMBER: rows["membre"],
        Header.TYPE: rows["type_frais"].astype("int64"),
        Header.CONSULTATION: rows["consultation"],
        "Titré": rows["titre"], Header.STATUS: rows["statut"],
    })
    changes = [_charge_changes(before_charges, now_charges),
               _line_changes(before_lines, now_lines)]
    if outstanding is not None:
        changes.append(titre_evolutions.changes(previous.get(titre_evolutions.SHEET), titres,
                                                outstanding, delay))
    result = pd.concat([c for c in changes if not c.empty] or [pd.DataFrame(
        columns=[c.header for c in COLUMNS])], ignore_index=True)
    if "Titre" not in result:
        result["Titre"] = None
    return result.sort_values(["Nature", Header.SIREN, Header.TYPE, Header.CONSULTATION,
                               Header.SERVICE, "Titre"], kind="stable").reset_index(drop=True)


def render(book: Book, changes: pd.DataFrame, previous_month: str) -> None:
    sheet = book.sheet("Évolutions")
    data = [cells(changes[c.header], c.kind) for c in COLUMNS]
    fitted_table(book, sheet, COLUMNS, data)
    if changes.empty:  # an empty table would look like a failure
        book.text(sheet, 1, 0, f"Aucun changement depuis le rapport du mois précédent "
                               f"({previous_month}).", "bold")
    sheet.set_header(f"&LÉvolutions depuis le rapport de {previous_month}")


def _read(frame: pd.DataFrame | None) -> pd.DataFrame:
    frame = pd.DataFrame() if frame is None else frame.copy()  # the value read stays as read
    for column in (Header.SIREN, Header.CONSULTATION, Header.SERVICE, Header.MEMBER,
                   Header.STATUS):
        if column in frame:
            frame[column] = as_text(frame[column])
    if Header.SERVICE in frame:  # an older report wrote codes: compare labels
        frame[Header.SERVICE] = frame[Header.SERVICE].map(service_label)
    frame[Header.TYPE] = frame[Header.TYPE].astype("int64")
    for column in (Header.DUE, Header.INVOICED):
        if column in frame:
            frame[column] = as_cents(frame[column])
    return frame


def _charge_changes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    old = before.groupby(CHARGE_KEY, as_index=False).agg(Membre=(Header.MEMBER, "first"),
                                                         Avant=(Header.DUE, "sum"))
    new = now.groupby(CHARGE_KEY, as_index=False).agg(Membre=(Header.MEMBER, "first"),
                                                      Après=("Montant", "sum"))
    both = old.merge(new, on=CHARGE_KEY, how="outer", suffixes=("_avant", ""), indicator=True)
    both[Header.MEMBER] = both[Header.MEMBER].fillna(both["Membre_avant"])
    nature = both["_merge"].map({"left_only": Change.REMOVED_CHARGE,
                                 "right_only": Change.NEW_CHARGE, "both": Change.AMOUNT})
    both = both.assign(Nature=nature.astype(str), Avant=both["Avant"].astype("Int64"),
                       Après=both["Après"].astype("Int64"))
    both = both[(both["Nature"] != Change.AMOUNT) | (both["Avant"] != both["Après"])]
    both["Différence"] = both["Après"].fillna(0) - both["Avant"].fillna(0)
    return both.assign(**{"Statut avant": "", "Statut après": ""})


def _line_changes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    old = before[[*LINE_KEY, Header.MEMBER, Header.INVOICED, Header.STATUS]].rename(
        columns={Header.INVOICED: "Avant", Header.STATUS: "Statut avant",
                 Header.MEMBER: "Membre_avant"})
    new = now.rename(columns={"Titré": "Après", Header.STATUS: "Statut après"})
    both = old.merge(new, on=LINE_KEY, how="inner")
    changed = (both["Statut avant"] != both["Statut après"]) | (both["Avant"] != both["Après"])
    both = both[changed].assign(Nature=Change.LINE, Prestation="")
    both["Différence"] = both["Après"] - both["Avant"]
    return both
