"""Due versus invoiced versus collected, per (SIREN, exercise, type, consultation)
(spécification §4.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.columns import LINE_KEY, SIREN
from ..core.vocabulary import RULED

KEY = list(LINE_KEY)


def counted(titres: pd.DataFrame) -> pd.DataFrame:
    """The titres that count as invoiced: not one Hélios rejected or cancelled
    (``counts_as_invoiced`` False, PES Retour only; a typed titre always counts)."""
    if "counts_as_invoiced" not in titres:
        return titres
    return titres[titres["counts_as_invoiced"].fillna(True).astype(bool)]


def reconcile(
    charges: pd.DataFrame, titres: pd.DataFrame | None, members: pd.DataFrame, year: int
) -> pd.DataFrame:
    """One row per key due > 0 or with titres in E; amounts in integer cents. Titres are
    those of exercise E (a titre is (exercice, numéro)); a titre of several lines is
    named once in ``titres``."""
    due = charges.groupby(KEY, as_index=False, sort=False).agg(du=("montant", "sum"))
    if titres is None or titres.empty:
        invoiced = pd.DataFrame(columns=[*KEY, "titre", "encaisse", "titres", "nb_titres"])
    else:
        of_year = counted(titres)
        of_year = of_year[of_year["exercice"] == year].assign(
            consultation=lambda f: f["consultation"].fillna(""),
            numero=lambda f: f["numero"].astype(str),
        )
        # numbers in numeric order (9 before 14 before 102), any other text after them
        of_year = of_year.assign(_order=pd.to_numeric(of_year["numero"], errors="coerce"))
        of_year = of_year.sort_values(["_order", "numero"], kind="stable",
                                      na_position="last").drop(columns="_order")
        groups = of_year.groupby(KEY, sort=False)
        invoiced = groups.agg(
            titre=("montant", "sum"),
            encaisse=("montant_encaisse", "sum"),
            titres=("numero", "first"),
            nb_titres=("numero", "size"),
        )
        several = invoiced["nb_titres"] > 1  # join numbers only where there are several
        if several.any():
            joined = of_year.set_index(KEY).loc[invoiced.index[several], "numero"]
            invoiced.loc[several, "titres"] = joined.groupby(level=KEY, sort=False).agg(
                lambda numbers: ", ".join(dict.fromkeys(numbers)))  # a titre's lines: once
        invoiced = invoiced.reset_index()
    for frame in (due, invoiced):
        frame["exercice"] = frame["exercice"].astype("int64")
        frame["type_frais"] = frame["type_frais"].astype("int64")
    rows = due.merge(invoiced, on=KEY, how="outer")
    rows = rows.assign(
        du=rows["du"].fillna(0).astype("int64"),
        titre=rows["titre"].fillna(0).astype("int64"),
        encaisse=rows["encaisse"].fillna(0).astype("int64"),
        titres=rows["titres"].fillna(""),
        nb_titres=rows["nb_titres"].fillna(0).astype("int64"),
    )
    rows = rows[(rows["du"] > 0) | (rows["nb_titres"] > 0)]
    names = members.drop_duplicates(SIREN).set_index(SIREN)["nom"]
    rows = rows.assign(
        membre=rows[SIREN].map(names).fillna(""),
        ecart=rows["titre"] - rows["du"],
        reste=rows["titre"] - rows["encaisse"],
        statut=status(rows["du"], rows["titre"], rows[SIREN].isin(names.index)),
    )
    return rows.sort_values(KEY, kind="stable").reset_index(drop=True)


def status(due: pd.Series, invoiced: pd.Series, known: pd.Series) -> np.ndarray:
    """spécification §4.5 `Statut`, on net amounts, first matching rule wins."""
    return np.select(
        [
            ~known,
            invoiced == due,
            (due > 0) & (invoiced == 0),
            (due > 0) & (invoiced < due),
            (due > 0) & (invoiced > due),
            due == 0,
        ],
        list(RULED),
        default="?",
    )
