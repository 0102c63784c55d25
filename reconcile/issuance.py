"""The titres to issue: what the reconciliation's gaps ask the officer to invoice.
See spécification §4.16.

From each row of the reconciliation (exercise E): « à émettre » → a titre of what is
due, « sous-titré » → a complement, « sur-titré » / « indu » → a réduction or an
annulation of the titres already issued (latest first), each linked to its original
titre. Positive lines of a member whose total is below ``seuil_recouvrement`` are held
back (CGCT D1611-1) and come back next month with the gap. Objects state the bases de
liquidation: type, consultation between brackets, barème lines and the délibération.
Amounts are integer cents, signed (negative for a réduction or an annulation).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .charges import bareme_reference
from .parameters import Parameters
from .reconciliation import KEY, counted
from .wording import SHORT_TYPES, euros

OBJECT_SIZE = 160  # ObjLignePce / ObjPce (PES V2)
COLUMNS = ["siren", "membre", "categorie", "exercice", "type_frais", "consultation",
           "montant", "objet", "nature", "origine", "origine_ligne"]


@dataclass
class Proposal:
    lines: pd.DataFrame  # to issue now, COLUMNS, sorted by SIREN, type, consultation
    held: pd.DataFrame  # below the threshold: COLUMNS, carried to a later month
    threshold: int  # cents


def propose(rows: pd.DataFrame, charges: pd.DataFrame, members: pd.DataFrame,
            titres: pd.DataFrame | None, parameters: Parameters) -> Proposal:
    """Vectorised for the titres to issue (most lines); réductions, rare, in a loop."""
    threshold = int(parameters["seuil_recouvrement"])
    category = members.drop_duplicates("siren").set_index("siren")["categorie"]
    gaps = rows[~rows["statut"].isin(("conforme", "membre inconnu")) & (rows["ecart"] != 0)]
    gaps = gaps.assign(consultation=gaps["consultation"].fillna(""),
                       exercice=gaps["exercice"].astype("int64"),
                       type_frais=gaps["type_frais"].astype("int64"))
    gaps = gaps.merge(_bases(charges), on=KEY, how="left")
    gaps = gaps.assign(basis=gaps["basis"].fillna(""),
                       categorie=gaps["siren"].map(category).fillna(""))
    debits = gaps[gaps["ecart"] < 0]
    issued = debits[["siren", "membre", "categorie", *KEY[1:]]].assign(
        montant=-debits["ecart"],
        nature=np.where(debits["titre"] == 0, "à émettre", "complément"),
        origine="", origine_ligne="")
    issued["objet"] = _objects(issued, issued["nature"], debits["basis"], parameters)
    origins = _origins(titres)
    records: list[dict] = []
    row: Any
    for row in gaps[gaps["ecart"] > 0].itertuples(index=False):
        common = {"siren": row.siren, "membre": row.membre, "categorie": row.categorie,
                  "exercice": row.exercice, "type_frais": row.type_frais,
                  "consultation": row.consultation}
        key = (row.siren, row.exercice, row.type_frais, row.consultation)
        for numero, line, amount, whole in _allocate(int(row.ecart), origins.get(key, [])):
            nature = "annulation" if whole else "réduction"
            records.append({**common, "montant": -amount, "nature": nature,
                            "what": f"{nature} du titre {numero}", "basis": row.basis,
                            "origine": numero, "origine_ligne": line})
    if records:
        credits = pd.DataFrame(records)
        credits["objet"] = _objects(credits, credits["what"], credits["basis"], parameters)
        lines = pd.concat([issued[COLUMNS], credits[COLUMNS]], ignore_index=True)
    else:
        lines = issued[COLUMNS]
    lines = lines.astype({"montant": "int64"}).sort_values(
        ["siren", "type_frais", "consultation", "origine"], kind="stable").reset_index(
        drop=True)
    positive = lines["montant"] > 0
    claimed = lines["montant"].where(positive, 0).groupby(lines["siren"]).transform("sum")
    held = positive & (claimed < threshold)
    return Proposal(lines[~held].reset_index(drop=True), lines[held].reset_index(drop=True),
                    threshold)


def _bases(charges: pd.DataFrame) -> pd.DataFrame:
    """Per (SIREN, exercise, type, consultation): the barème lines applied, in words."""
    applied = charges[charges["montant"] > 0]
    label = applied["bareme_libelle"].where(applied["bareme_libelle"].fillna("") != "",
                                            applied["regle"])
    line = applied["bareme_ligne"].astype("Int64")
    amounts = applied["montant"]  # few distinct lines and amounts: each written once
    reference = line.map({n: bareme_reference(n) for n in line.dropna().unique()})
    words = (label + " (" + reference + ") "
             + amounts.map({a: euros(a) for a in amounts.unique()})).where(line.notna(), label)
    frame = applied[KEY].assign(consultation=applied["consultation"].fillna(""),
                                exercice=applied["exercice"].astype("int64"),
                                type_frais=applied["type_frais"].astype("int64"),
                                basis=words).drop_duplicates()
    joined: dict[tuple, list[str]] = {}  # a dict, not groupby().agg: 20× faster here
    for *key, text in zip(*(frame[c].tolist() for c in (*KEY, "basis")), strict=True):
        joined.setdefault(tuple(key), []).append(text)
    return pd.DataFrame([(*key, " + ".join(texts)) for key, texts in joined.items()],
                        columns=[*KEY, "basis"]).astype({"exercice": "int64",
                                                         "type_frais": "int64"})


def _objects(lines: pd.DataFrame, what: pd.Series, basis: pd.Series,
             parameters: Parameters) -> pd.Series:
    """Each line's object: ``[C2026] Frais de procédure 2026 – complément – barème : …``,
    the consultation first, so that a cut at ``OBJECT_SIZE`` never loses it."""
    head = ("[" + lines["consultation"] + "] ").where(lines["type_frais"] == 1, "")
    text = (head + lines["type_frais"].map(SHORT_TYPES) + " " + lines["exercice"].astype(str)
            + " – " + what.to_numpy())
    basis = pd.Series(basis.to_numpy(), index=lines.index)
    text = text.where(basis == "", text + " – barème : " + basis)
    if parameters.get("deliberation"):
        text = text + " – " + str(parameters["deliberation"])
    return text.where(text.str.len() <= OBJECT_SIZE, text.str[: OBJECT_SIZE - 1] + "…")


def _origins(titres: pd.DataFrame | None) -> dict[tuple, list[tuple[str, str, int]]]:
    """Per key, the positive titres that count, latest first: (number, line, amount)."""
    if titres is None or titres.empty:
        return {}
    frame = counted(titres)
    frame = frame[frame["montant"] > 0]
    lines = frame["id_ligne"] if "id_ligne" in frame else pd.Series("", index=frame.index)
    found: dict[tuple, list[tuple[str, str, int]]] = {}
    for numero, line, siren, exercice, type_frais, consultation, amount in zip(
            frame["numero"].astype(str), lines.fillna("").astype(str), frame["siren"],
            frame["exercice"], frame["type_frais"], frame["consultation"], frame["montant"],
            strict=True):
        key = (siren, int(exercice), int(type_frais),
               "" if consultation is None or pd.isna(consultation) else consultation)
        found.setdefault(key, []).append((numero, line, int(amount)))
    for titres_of_key in found.values():
        titres_of_key.sort(key=lambda t: _natural(t[0]), reverse=True)
    return found


def _natural(numero: str) -> tuple:
    return (1, int(numero), "") if numero.isdigit() else (0, 0, numero)


def _allocate(excess: int, titres: list[tuple[str, str, int]]
              ) -> Iterator[tuple[str, str, int, bool]]:
    """Spread ``excess`` over the titres, latest first: (number, line, amount, whole)."""
    for numero, line, amount in titres:
        if excess <= 0:
            return
        part = min(excess, amount)
        yield numero, line, part, part == amount
        excess -= part
    if excess > 0:  # more invoiced than positive titres: cannot happen with net amounts
        yield "", "", excess, False
