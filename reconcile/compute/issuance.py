"""The titres to issue: what the reconciliation's gaps ask the officer to invoice.
See spécification §4.16 and choix C-95 to C-98.

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

from ..core.columns import SIREN, TITRE_TO_ISSUE
from ..core.columns import WITHDRAWAL_NOTICE as NOTICE
from ..core.rules import effective_withdrawal
from ..core.vocabulary import Nature, Status
from ..core.wording import SHORT_TYPES, basis, deliberation, euros, pes_length, plain_codes
from ..read.parameters import Parameters
from .reconciliation import KEY, counted

OBJECT_SIZE = 160  # ObjLignePce / ObjPce (PES V2)
COLUMNS = list(TITRE_TO_ISSUE)  # declared in columns.py


@dataclass
class Proposal:
    lines: pd.DataFrame  # to issue now, COLUMNS, sorted by SIREN, type, consultation
    held: pd.DataFrame  # below the threshold: COLUMNS, carried to a later month
    threshold: int  # cents


def propose(rows: pd.DataFrame, charges: pd.DataFrame, members: pd.DataFrame,
            titres: pd.DataFrame | None, parameters: Parameters) -> Proposal:
    """Vectorised for the titres to issue (most lines); réductions, rare, in a loop."""
    threshold = int(parameters["seuil_recouvrement"])
    category = members.drop_duplicates(SIREN).set_index(SIREN)["categorie"]
    withdrawn = _withdrawals(members)
    settled = rows["statut"].isin((Status.MATCHED, Status.UNKNOWN_MEMBER))
    gaps = rows[~settled & (rows["ecart"] != 0)]
    gaps = gaps.assign(consultation=gaps["consultation"].fillna(""),
                       exercice=gaps["exercice"].astype("int64"),
                       type_frais=gaps["type_frais"].astype("int64"))
    gaps = gaps.merge(_bases(charges), on=KEY, how="left")
    gaps = gaps.assign(basis=gaps["basis"].fillna(""), exempt=gaps["exempt"].fillna(False),
                       categorie=gaps[SIREN].map(category).fillna(""))
    debits = gaps[gaps["ecart"] < 0]
    issued = debits[[SIREN, "membre", "categorie", *KEY[1:]]].assign(
        montant=-debits["ecart"],
        nature=np.where(debits["titre"] == 0, Nature.ISSUE, Nature.SUPPLEMENT),
        origine="", origine_ligne="")
    said = pd.Series(np.where(debits["titre"] == 0, "", "complément"), index=issued.index)
    issued["objet"] = _objects(issued, said, debits["basis"], parameters)
    origins = _origins(titres)
    records: list[dict] = []
    row: Any
    for row in gaps[gaps["ecart"] > 0].itertuples(index=False):
        common = {SIREN: row.siren, "membre": row.membre, "categorie": row.categorie,
                  "exercice": row.exercice, "type_frais": row.type_frais,
                  "consultation": row.consultation}
        key = (row.siren, row.exercice, row.type_frais, row.consultation)
        why = _why(row, withdrawn.get(str(row.siren)))
        for numero, line, amount, whole in _allocate(int(row.ecart), origins.get(key, [])):
            nature = Nature.CANCELLATION if whole else Nature.REDUCTION
            records.append({**common, "montant": -amount, "nature": nature,
                            "what": f"{nature} du titre {numero} : {why}",
                            "basis": row.basis if row.du else "",
                            "origine": numero, "origine_ligne": line})
    if records:
        credits = pd.DataFrame(records)
        credits["objet"] = _objects(credits, credits["what"], credits["basis"], parameters)
        lines = pd.concat([issued[COLUMNS], credits[COLUMNS]], ignore_index=True)
    else:
        lines = issued[COLUMNS]
    lines = lines.astype({"montant": "int64"}).sort_values(
        [SIREN, "type_frais", "consultation", "origine"], kind="stable").reset_index(
        drop=True)
    positive = lines["montant"] > 0
    claimed = lines["montant"].where(positive, 0).groupby(lines[SIREN]).transform("sum")
    held = positive & (claimed < threshold)
    return Proposal(lines[~held].reset_index(drop=True), lines[held].reset_index(drop=True),
                    threshold)


def _bases(charges: pd.DataFrame) -> pd.DataFrame:
    """Per (SIREN, exercise, type, consultation): the tariffs applied, in the member's
    words (« Procédure commune 1000–4999 hab. 120,00 € »), joined by `` + ``; and
    whether the key holds a waived charge (``exempt``)."""
    waived = charges[charges["motif"].fillna("") != ""]
    exempt_keys = set(zip(waived[SIREN], waived["exercice"].astype("int64"),
                          waived["type_frais"].astype("int64"),
                          waived["consultation"].fillna(""), strict=True))
    applied = charges[charges["montant"] > 0]
    named = applied["bareme_libelle"].fillna("") != ""
    unnamed = applied[~named]
    label = applied["bareme_libelle"].where(named, pd.Series([
        basis(t, p) for t, p in zip(unnamed["type_frais"], unnamed["prestation"].fillna(""),
                                    strict=True)], index=unnamed.index, dtype=object))
    label = label.map({text: plain_codes(text) for text in label.unique()}).astype(object)
    # (object even when nothing is charged: an empty float series cannot take text)
    amounts = applied["montant"]  # few distinct amounts: each written once
    words = label + " " + amounts.map({a: euros(a) for a in amounts.unique()}).astype(object)
    frame = applied[KEY].assign(consultation=applied["consultation"].fillna(""),
                                exercice=applied["exercice"].astype("int64"),
                                type_frais=applied["type_frais"].astype("int64"),
                                basis=words).drop_duplicates()
    joined: dict[tuple, list[str]] = {}  # a dict, not groupby().agg: 20× faster here
    for *key, text in zip(*(frame[c].tolist() for c in (*KEY, "basis")), strict=True):
        joined.setdefault(tuple(key), []).append(text)
    for waived_key in exempt_keys - set(joined):
        joined[waived_key] = []
    return pd.DataFrame([(*key, BASIS_SEPARATOR.join(texts), key in exempt_keys)
                         for key, texts in joined.items()],
                        columns=[*KEY, "basis", "exempt"]).astype({"exercice": "int64",
                                                                   "type_frais": "int64"})


BASIS_SEPARATOR = " + "
STATEMENT = "détail au relevé de compte"


def _objects(lines: pd.DataFrame, what: pd.Series, basis: pd.Series,
             parameters: Parameters) -> pd.Series:
    """Each line's object, written for the member who reads it on the avis des sommes à
    payer: ``[2026-PLAT] Frais de procédure 2026 – Procédure commune 120,00 € –
    délibération n° … – détail au relevé de compte``, within ``OBJECT_SIZE`` characters.
    The consultation code stays first (the PES Retour reader finds it there); tariffs
    that do not fit are left to the statement, whole, never cut inside a word or a
    reference."""
    head = ("[" + lines["consultation"] + "] ").where(lines["type_frais"] == 1, "")
    lead = (head + lines["type_frais"].map(SHORT_TYPES) + " "
            + lines["exercice"].astype(str))
    vote = deliberation(parameters.get("deliberation"))
    built: dict[tuple[str, str, str], str] = {}  # few distinct objects: each built once
    texts = []
    for first, said, bases in zip(lead, what.to_numpy(), basis.to_numpy(), strict=True):
        key = (first, str(said or ""), str(bases or ""))
        if key not in built:
            built[key] = fit_object(first, key[1], [b for b in key[2].split(BASIS_SEPARATOR)
                                                    if b], vote)
        texts.append(built[key])
    return pd.Series(texts, index=lines.index, dtype=object)


def fit_object(lead: str, what: str, bases: list[str], vote: str,
               size: int = OBJECT_SIZE) -> str:
    """The longest object within ``size`` made of whole parts, in order of need: lead
    (consultation, type, exercise), what (complement, réduction and why), the tariffs
    that fit, the délibération, the statement that details the rest. Measured as the
    PES writes it (« € » takes three characters there)."""
    def join(parts: list[str]) -> str:
        return " – ".join(p for p in parts if p)

    kept: list[str] = []
    for part in bases:
        trial = join([lead, what, BASIS_SEPARATOR.join([*kept, part]), vote, STATEMENT])
        if pes_length(trial) > size:
            break
        kept.append(part)
    for candidate in ([lead, what, BASIS_SEPARATOR.join(kept), vote, STATEMENT],
                      [lead, what, BASIS_SEPARATOR.join(kept), STATEMENT],
                      [lead, what, vote, STATEMENT], [lead, what, STATEMENT], [lead, what]):
        text = join(candidate)
        if pes_length(text) <= size:
            return text
    return _cut_at_word(join([lead, what]), size)


def _cut_at_word(text: str, size: int) -> str:
    """Last resort (an over-long consultation code): cut before a word, never inside."""
    cut = text[: size - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


def _withdrawals(members: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """SIREN → date its withdrawal takes effect (R2), for members that notified one."""
    if NOTICE not in members:
        return {}
    notices = pd.to_datetime(members[NOTICE], errors="coerce")
    effect = effective_withdrawal(notices)
    return {str(s): pd.Timestamp(e) for s, e in zip(members[SIREN], effect, strict=True)
            if not pd.isna(e)}


def _why(row: Any, withdrawn: pd.Timestamp | None = None) -> str:
    """Why a titre is reduced or cancelled, in the member's words."""
    if row.du == 0:
        if row.exempt:
            return "exonération"
        if withdrawn is not None and withdrawn <= pd.Timestamp(int(row.exercice), 1, 1):
            return f"retrait effectif au {withdrawn.strftime('%d/%m/%Y')}"
        return "aucune somme due"
    return f"titré au-delà du dû ({euros(int(row.du))} dû)"


def _origins(titres: pd.DataFrame | None) -> dict[tuple, list[tuple[str, str, int]]]:
    """Per key, the positive titres that count, latest first: (number, line, amount)."""
    if titres is None or titres.empty:
        return {}
    frame = counted(titres)
    frame = frame[frame["montant"] > 0]
    # the line of the titre: `ligne` (typed, or IdLigne of a PES Retour line)
    lines = pd.Series("", index=frame.index)
    for column in ("id_ligne", "ligne"):
        if column in frame:
            given = frame[column].fillna("").astype(str)
            lines = given.where(given != "", lines)
    found: dict[tuple, list[tuple[str, str, int]]] = {}
    for numero, line, siren, exercice, type_frais, consultation, amount in zip(
            frame["numero"].astype(str), lines.fillna("").astype(str), frame[SIREN],
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
