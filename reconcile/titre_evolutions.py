"""Titres newly collected and newly overdue since last month's report (sheet `Évolutions`).

Last month's `Restes à recouvrer` sheet is read back as it was written: a titre whose
reste has gone down was (partly) collected, or reduced by an annulation; a titre now
overdue by more than the reminder delay that was not overdue then (or not listed) is
newly overdue.
"""

from __future__ import annotations

import pandas as pd
from python_calamine import CalamineWorkbook

from .columns import Header as H
from .columns import Sheet
from .readback import as_cents, as_text, sheet_frame
from .receivables import overdue, with_restes
from .vocabulary import Change

SHEET = Sheet.RECEIVABLES
COLLECTED, REDUCED, LATE = Change.COLLECTED, Change.REDUCED, Change.LATE


def changes(previous: CalamineWorkbook, titres: pd.DataFrame | None,
            outstanding: pd.DataFrame, delay: int) -> pd.DataFrame:
    """Rows in the Évolutions sheet's columns (amounts in integer cents); empty when
    last month's report has no `Restes à recouvrer` sheet (written by an older version)."""
    before = sheet_frame(previous, SHEET)
    if before is None:
        return pd.DataFrame()
    before = pd.DataFrame({
        "Titre": before[H.NUMBER].map(str), H.SIREN: before[H.SIREN].map(str),
        H.MEMBER: as_text(before[H.MEMBER]),
        H.TYPE: before[H.TYPE].astype("int64"),
        H.CONSULTATION: as_text(before[H.CONSULTATION]),
        "Avant": as_cents(before[H.REMAINING]), "Encaissé avant": as_cents(before[H.COLLECTED]),
        "Âge avant": before[H.AGE].map(lambda v: None if v in (None, "") else int(v)),
    }).drop_duplicates("Titre")
    return pd.concat([_collected(before, titres), _late(before, outstanding, delay)],
                     ignore_index=True)


def _collected(before: pd.DataFrame, titres: pd.DataFrame | None) -> pd.DataFrame:
    """Titres whose reste went down: collected, or reduced by an annulation."""
    if titres is None or titres.empty:
        return pd.DataFrame()
    now = with_restes(titres).assign(numero=lambda f: f["numero"].astype(str))
    now = now.drop_duplicates("numero").set_index("numero")
    both = before[before["Titre"].isin(now.index)].copy()
    both["Après"] = both["Titre"].map(now["reste"]).astype("int64")
    both = both[both["Après"] < both["Avant"]]
    more = both["Titre"].map(now["encaisse"]).astype("int64") > both["Encaissé avant"]
    return both.assign(Nature=more.map({True: COLLECTED, False: REDUCED}).astype(object),
                       Différence=both["Après"] - both["Avant"], Prestation="",
                       **{"Statut avant": "", "Statut après": ""})


def _late(before: pd.DataFrame, outstanding: pd.DataFrame, delay: int) -> pd.DataFrame:
    late = overdue(outstanding, delay)
    known = before.set_index("Titre")
    was_late = {t for t, age in known["Âge avant"].items() if age is not None and age > delay}
    late = late[~late["numero"].isin(was_late)]
    avant = late["numero"].map(known["Avant"])
    return pd.DataFrame({
        "Nature": LATE, "SIREN": late["siren"], "Membre": late["membre"],
        "Type de frais": late["type_frais"], "Consultation": late["consultation"],
        "Prestation": "", "Avant": avant.astype("Int64"), "Après": late["reste"],
        "Différence": (late["reste"] - avant.fillna(late["reste"])).astype("int64"),
        "Statut avant": "", "Statut après": f"plus de {delay} jours",
        "Titre": late["numero"],
    })
