"""Titres newly collected and newly overdue since last month's report (sheet `Évolutions`).

Last month's `Restes à recouvrer` sheet is read back as it was written: a titre whose
reste has gone down was (partly) collected, or reduced by an annulation; a titre now
overdue by more than the reminder delay that was not overdue then (or not listed) is
newly overdue.
"""

from __future__ import annotations

import pandas as pd

from ..core.columns import SIREN, Sheet
from ..core.columns import Header as H
from ..core.vocabulary import Change
from ..read.readback import as_cents, as_text
from .receivables import overdue, with_restes

SHEET = Sheet.RECEIVABLES
COLLECTED, REDUCED, LATE = Change.COLLECTED, Change.REDUCED, Change.LATE


def changes(before: pd.DataFrame | None, titres: pd.DataFrame | None,
            outstanding: pd.DataFrame, delay: int) -> pd.DataFrame:
    """Rows in the Évolutions sheet's columns (amounts in integer cents), from last
    month's `Restes à recouvrer` sheet as read back (``before``); empty when that report
    has none (written by an older version).

    A titre is (exercice, numéro) — Hélios numbers titres per exercise — and its lines
    are summed: a 2024 titre n° 2 is never taken for the 2026 titre n° 2."""
    if before is None:
        return pd.DataFrame()
    lines = pd.DataFrame({
        H.EXERCISE: before[H.EXERCISE].astype("int64"),
        H.NUMBER: before[H.NUMBER].map(lambda v: str(v).strip()),
        H.SIREN: before[H.SIREN].map(str),
        H.MEMBER: as_text(before[H.MEMBER]),
        H.TYPE: before[H.TYPE].astype("int64"),
        H.CONSULTATION: as_text(before[H.CONSULTATION]),
        "Avant": as_cents(before[H.REMAINING]), "Encaissé avant": as_cents(before[H.COLLECTED]),
        "Âge avant": before[H.AGE].map(lambda v: None if v in (None, "") else int(v)),
    })
    lines = _one_charge(lines, [lines[H.EXERCISE], lines[H.NUMBER]], H.TYPE, H.CONSULTATION)
    titre = lines.groupby([H.EXERCISE, H.NUMBER], sort=False)
    summed = titre[["Avant", "Encaissé avant"]].transform("sum")
    before = lines.assign(**summed).drop_duplicates([H.EXERCISE, H.NUMBER])
    before = before.assign(Titre=label(before[H.EXERCISE], before[H.NUMBER]))
    return pd.concat([_collected(before, titres), _late(before, outstanding, delay)],
                     ignore_index=True)


def _one_charge(frame: pd.DataFrame, titre: list[pd.Series], kind: str, consultation: str
                ) -> pd.DataFrame:
    """A row per titre names its charge (type de frais, consultation) only when all its
    lines are of that charge: a titre of two lines shows both blank, not its first
    line's, whose reste is not the titre's."""
    charge = frame[kind].astype(str) + "|" + frame[consultation].fillna("").astype(str)
    several = charge.groupby(titre).transform("nunique") > 1
    return frame.assign(**{kind: frame[kind].astype("Int64").mask(several),
                           consultation: frame[consultation].mask(several, "")})


def label(exercice: pd.Series, numero: pd.Series) -> pd.Series:
    """How Évolutions name a titre: « 2 (2024) », its number and exercise."""
    return numero.astype(str) + " (" + exercice.astype("int64").astype(str) + ")"


def _per_titre(frame: pd.DataFrame) -> pd.DataFrame:
    """Reste and encaissé summed over each titre's lines, indexed by its label."""
    frame = frame.assign(_label=label(frame["exercice"], frame["numero"].astype(str).str.strip()))
    return frame.groupby("_label")[["reste", "encaisse"]].sum()


def _collected(before: pd.DataFrame, titres: pd.DataFrame | None) -> pd.DataFrame:
    """Titres whose reste went down: collected, or reduced by an annulation."""
    if titres is None or titres.empty:
        return pd.DataFrame()
    now = _per_titre(with_restes(titres))
    both = before[before["Titre"].isin(now.index)].copy()
    both["Après"] = both["Titre"].map(now["reste"]).astype("int64")
    both = both[both["Après"] < both["Avant"]]
    more = both["Titre"].map(now["encaisse"]).astype("int64") > both["Encaissé avant"]
    return both.drop(columns=["Exercice", "Numéro"]).assign(
        Nature=more.map({True: COLLECTED, False: REDUCED}).astype(object),
        Différence=both["Après"] - both["Avant"], Prestation="",
        **{"Statut avant": "", "Statut après": ""})


def _late(before: pd.DataFrame, outstanding: pd.DataFrame, delay: int) -> pd.DataFrame:
    late = overdue(outstanding, delay)
    late = late.assign(_label=label(late["exercice"], late["numero"]))
    late = late.assign(reste=late.groupby("_label")["reste"].transform("sum"))
    late = _one_charge(late, [late["_label"]], "type_frais", "consultation")
    late = late.drop_duplicates("_label")  # a titre's lines share their date: one row
    known = before.set_index("Titre")
    was_late = {t for t, age in known["Âge avant"].items() if age is not None and age > delay}
    late = late[~late["_label"].isin(was_late)]
    avant = late["_label"].map(known["Avant"])
    return pd.DataFrame({
        "Nature": LATE, "SIREN": late[SIREN], "Membre": late["membre"],
        "Type de frais": late["type_frais"], "Consultation": late["consultation"],
        "Prestation": "", "Avant": avant.astype("Int64"), "Après": late["reste"],
        "Différence": (late["reste"] - avant.fillna(late["reste"])).astype("int64"),
        "Statut avant": "", "Statut après": f"plus de {delay} jours",
        "Titre": late["_label"],
    })
