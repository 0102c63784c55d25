"""Which overdue titres a reminder letter may claim, and for how much: the run's net
position. See spécification §4.15.

A letter asks for what the member will still owe once the officer has done what the
same run proposes. So, from the titres overdue by the reminder delay:

* a titre the titres to issue propose to cancel is not claimed, one they reduce is
  claimed for what is left after the réduction (matched on exercice and numéro, and on
  the line's charge — type de frais, consultation — when the titre has several lines);
* a SIREN that is not in ``membres`` gets no letter (its titres are anomalies already);
* a prescribed titre is not claimed: the officer is told instead (an anomaly), since a
  letter cannot revive it;
* a titre the comptable has taken past the amicable stage (PES Retour: commandement or
  mise en demeure) is not claimed by the ordonnateur any more.

Compute only: the letters are written by ``reminders``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from ..core.anomalies import CATALOGUE, Anomaly
from ..core.columns import SIREN
from .receivables import PRESCRIBED, STEP, overdue

# InfoAmiableContentieux/EtPce (docs/pes.md): 00 avis, 01 lettre de rappel are amicable;
# 02 commandement and 03 mise en demeure belong to the comptable's forced recovery.
PAST_AMICABLE = ("02", "03")
FORCED = "commandement|mise en demeure|saisie|opposition"  # a step named without its code
REDUCED = "reduit"  # cents the run proposes to take off the titre


@dataclass(frozen=True)
class Dunning:
    """The titres each letter claims (``claimed``: the outstanding rows, ``reste`` net of
    the proposed réductions, ``reduit`` what was taken off) and why others are not."""

    claimed: pd.DataFrame
    withheld: list[tuple[str, str, str, int]] = field(default_factory=list)
    # (siren, exercice/numéro, reason, reste in cents) for the report
    warnings: list[Anomaly] = field(default_factory=list)

    @property
    def letters(self) -> int:
        return int(self.claimed[SIREN].nunique()) if len(self.claimed) else 0

    @property
    def total(self) -> int:
        return int(self.claimed["reste"].sum()) if len(self.claimed) else 0


def credits_by_titre(lines: pd.DataFrame) -> dict[tuple, int]:
    """Cents the run proposes to cancel or reduce, per line of titre: keyed (exercice,
    numéro, type de frais, consultation) — a titre of ours has one line per charge, and
    a réduction is computed per charge — or (exercice, numéro) when ``lines`` do not
    say their charge."""
    credits: dict[tuple, int] = {}
    if lines.empty:
        return credits
    negative = lines[(lines["montant"] < 0) & (lines["origine"].astype(str) != "")]
    by_charge = {"type_frais", "consultation"} <= set(negative.columns)
    for row in negative.to_dict("records"):
        key: tuple = (int(row["exercice"]), str(row["origine"]))
        if by_charge:
            key += (int(row["type_frais"]), _text(row["consultation"]))
        credits[key] = credits.get(key, 0) - int(row["montant"])
    return credits


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _reduced(late: pd.DataFrame, credits: dict[tuple, int]) -> pd.Series:
    """What each overdue line gets of the credits: a credit goes to the line of its
    charge, or (keyed by titre only) to the titre's lines in turn, never more than a
    line's reste — a réduction of one line of a titre is not taken off each of its
    lines."""
    left = dict(credits)
    reduced: list[int] = []
    for exercice, numero, kind, consultation, reste in zip(
            late["exercice"].tolist(), late["numero"].tolist(), late["type_frais"].tolist(),
            late["consultation"].tolist(), late["reste"].tolist(), strict=True):
        got = 0
        for key in ((int(exercice), numero, int(kind), _text(consultation)),
                    (int(exercice), numero)):
            taken = min(left.get(key, 0), int(reste) - got)
            if taken > 0:
                got += taken
                left[key] -= taken
        reduced.append(got)
    return pd.Series(reduced, index=late.index, dtype="int64")


def claimable(outstanding: pd.DataFrame, delay: int, members: pd.DataFrame,
              credits: dict[tuple, int], titres: pd.DataFrame | None = None
              ) -> Dunning:
    """The overdue titres a letter claims, net of this run's proposals; ``titres`` gives
    each one's bordereau when the PES Retour names it."""
    late = overdue(outstanding, delay)
    late = late.assign(numero=late["numero"].astype(str),
                       exercice=late["exercice"].astype("int64"))
    bordereaux = _bordereaux(titres)
    late = late.assign(bordereau=[bordereaux.get((e, n), "") for e, n in
                                  zip(late["exercice"], late["numero"], strict=True)])
    known = set(members[SIREN].astype(str))
    reduced = _reduced(late, credits)
    net = (late["reste"].astype("int64") - reduced).clip(lower=0)
    step = (late[STEP].astype(str) if STEP in late else pd.Series("", index=late.index))
    forced = step.str[:2].isin(PAST_AMICABLE) | step.str.contains(FORCED, case=False)
    reasons = pd.Series("", index=late.index, dtype=object)
    reasons[net == 0] = "annulation ou réduction proposée ce mois"
    reasons[forced] = "recouvrement forcé engagé par le comptable"
    reasons[late["alerte"] == PRESCRIBED] = "prescrit"
    reasons[~late[SIREN].astype(str).isin(known)] = "membre absent du fichier membres"
    withheld: list[tuple[str, str, str, int]] = []
    warnings: list[Anomaly] = []
    titre: Any
    for row, reason in reasons[reasons != ""].items():
        titre = late.loc[cast(int, row)]
        label = f"{titre['exercice']}/{titre['numero']}"
        withheld.append((str(titre[SIREN]), label, reason, int(titre["reste"])))
        if reason == "prescrit":
            warnings.append(CATALOGUE["relance-prescrit"].at(
                "", "Restes à recouvrer", None, "Numéro", value=str(titre["numero"]),
                detail=(  # the value as the Numéro cell shows it; the exercise is said
                    f"Titre {titre['numero']} (exercice {titre['exercice']}, SIREN "
                    f"{titre['siren']}) prescrit le "
                    f"{titre['prescription'].strftime('%d/%m/%Y')} : aucune lettre de "
                    "relance ; examiner avec le comptable une admission en non-valeur.")))
    claimed = late[reasons == ""].assign(reste=net[reasons == ""],
                                         **{REDUCED: reduced[reasons == ""]})
    return Dunning(claimed, withheld, warnings)


def _bordereaux(titres: pd.DataFrame | None) -> dict[tuple[int, str], str]:
    if titres is None or titres.empty or "id_bord" not in titres:
        return {}
    known = titres[titres["id_bord"].fillna("").astype(str) != ""]
    return {(int(e), str(n)): str(b) for e, n, b in
            zip(known["exercice"], known["numero"], known["id_bord"], strict=True)}
