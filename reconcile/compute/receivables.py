"""Restes à recouvrer: every titre, of every exercise, with something left to collect.
See spécification §4.14.

Finance officers and the accountant follow receivables by age (balance âgée) and by
prescription date: what is not collected within four years is lost. Ages count days
since emission at the as-of date; a partial collection ages on what remains (the reste
is what sits in a bucket, not the titre's full amount).

Prescription (choix C-46, C-53; spécification §4.14):
* a titre: four years from its prise en charge (CGCT L1617-5 3°: ``DtePcePec`` from the
  PES Retour, the emission date when unknown), to the day; an interrupting act the
  Retour shows (commandement, mise en demeure, saisie, SATD) starts four years again
  from its date. Nothing else is assumed: the date shown is the earliest applicable
  one, never a later one, and the column ``prescription_base`` says which rule and date;
* a due never invoiced: 31 December of the fourth year after its exercise (loi 68-1250,
  four years from 1 January after the year the right arose).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import pandas as pd

from ..core.columns import RECEIVABLE, SIREN
from ..core.vocabulary import Alert
from ..read.parameters import BY_NAME
from .reconciliation import counted

DEFAULT_DELAY = BY_NAME["delai_relance"].default  # days after emission before a reminder
BUCKETS = ("0–30", "31–90", "91–180", "181–365", "plus d'un an")
UNDATED = "date inconnue"
PRESCRIBED = Alert.PRESCRIBED
SOON = Alert.SOON
# Optional columns of titres read from the accountant's PES Retour (another reader).
STEP, WRITE_OFF = "etape_recouvrement", "admission_non_valeur"

COLUMNS = list(RECEIVABLE)  # declared in columns.py
TAKEN, ACTS = "date_prise_en_charge", "actes"  # PES Retour columns (pes_retour)
INTERRUPTING = {"02", "03", "04", "05", "06", "07", "08", "10", "11", "12", "17", "18",
                "19"}  # EtapePce: commandement, mise en demeure, saisies, SATD


def titre_prescription(emitted: pd.Series) -> pd.Series:
    """31 December of the fourth year after the date of emission (NaT when undated): the
    broad rule that decides which past exercises are reopened (§4.13), where one too
    many hides nothing; the date shown for a titre is ``prescription``'s."""
    years = emitted.dt.year + 4
    return pd.to_datetime(years.astype("Int64").astype(str) + "-12-31", errors="coerce")


def prescription(titres: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per titre, the date its recovery prescribes and the basis of that date: four
    years from the prise en charge (the emission date when unknown), to the day, started
    again by each interrupting act dated before the period ran out (CGCT L1617-5 3°).
    NaT and "" for a titre without any date. ``titres`` are already as of the as-of date
    (``asof``): a later act is not there."""
    emitted = titres["date_emission"]
    taken = titres[TAKEN] if TAKEN in titres else pd.Series(pd.NaT, index=titres.index)
    known = taken.notna()
    start = taken.where(known, emitted).astype("datetime64[ns]")
    day = start.dt.strftime("%d/%m/%Y")
    basis = ("4 ans après prise en charge du " + day).where(
        known, "4 ans après émission du " + day + " (prise en charge inconnue)")
    dates = start + pd.DateOffset(years=4)  # vectorised: most titres have no act
    if ACTS in titres:
        for at, (found, begin) in enumerate(zip(titres[ACTS], start.tolist(), strict=True)):
            if isinstance(found, tuple) and found and begin is not pd.NaT and begin is not None:
                end, interrupted = _interrupted(pd.Timestamp(begin), found)
                if interrupted:
                    dates.iat[at], basis.iat[at] = end, interrupted
    return dates, basis.where(start.notna(), "").astype(object)


def _interrupted(start: pd.Timestamp, acts: tuple) -> tuple[pd.Timestamp, str]:
    """Four years from ``start``, started again by each interrupting act dated before
    the period then running ran out."""
    end = start + pd.DateOffset(years=4)
    basis = None
    for day, step in sorted((pd.Timestamp(d), s) for d, s in acts if d is not None):
        if step[:2] in INTERRUPTING and start <= day <= end:
            start, end = day, day + pd.DateOffset(years=4)
            basis = f"4 ans après {step[3:]} du {day.strftime('%d/%m/%Y')} (acte interruptif)"
    if basis is None:
        return end, ""
    return end, basis


def due_prescription(exercise: int) -> pd.Timestamp:
    """31 December of the fourth year after the exercise (loi 68-1250)."""
    return pd.Timestamp(year=exercise + 4, month=12, day=31)


def soon_limit(as_of: pd.Timestamp) -> pd.Timestamp:
    """The end of the six months the Synthèse warns about (a month's end, from a
    month's end: 30/11 → 31/05)."""
    limit = as_of + pd.DateOffset(months=6)
    return limit + pd.offsets.MonthEnd(0) if as_of.is_month_end else limit


def bucket(age: pd.Series) -> pd.Series:
    """0–30, 31–90, 91–180, 181–365, plus d'un an; « date inconnue » without a date."""
    cut = pd.cut(age.astype("float64"), [-float("inf"), 30, 90, 180, 365, float("inf")],
                 labels=list(BUCKETS))
    return cut.astype(object).where(age.notna(), UNDATED)


def alert(prescription: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """« prescrit » once the date has passed; a warning in the six months before."""
    passed = prescription.notna() & (prescription < as_of)
    soon = prescription.notna() & ~passed & (prescription <= soon_limit(as_of))
    return pd.Series(np.select([passed, soon], [PRESCRIBED, SOON], default=""),
                     index=prescription.index, dtype=object)


def outstanding(titres: pd.DataFrame | None, members: pd.DataFrame,
                as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per titre with reste > 0 at ``as_of`` (titres already taken as of that
    date, see ``asof``), oldest first. Titres the accountant does not count as invoiced
    (PES Retour: rejected, cancelled…) are left out. PES columns are kept when present."""
    extra = [c for c in (STEP, WRITE_OFF) if titres is not None and c in titres]
    if titres is None or titres.empty:
        return pd.DataFrame(columns=COLUMNS + extra)
    frame = with_restes(titres)
    frame = frame[frame["reste"] > 0]
    names = members.drop_duplicates(SIREN).set_index(SIREN)["nom"]
    age = (as_of - frame["date_emission"]).dt.days.astype("Int64")
    prescribes, basis = prescription(frame)
    frame = frame.assign(
        membre=frame[SIREN].map(names).astype(object).fillna(""),
        numero=frame["numero"].astype(str),
        consultation=frame["consultation"].fillna(""),
        exercice=frame["exercice"].astype("int64"),
        type_frais=frame["type_frais"].astype("int64"),
        age=age,
        tranche=bucket(age),
        prescription=prescribes,
        prescription_base=basis,
        alerte=alert(prescribes, as_of),
    )
    for column in extra:
        frame[column] = frame[column].fillna("").astype(str)
    # numbers in numeric order (2 before 10), text numbers after them
    frame = frame.assign(_age=frame["age"].fillna(-1),
                         _number=pd.to_numeric(frame["numero"].where(
                             frame["numero"].str.fullmatch(r"[0-9]{1,15}")), errors="coerce"))
    frame = frame.sort_values(["_age", "_number", "numero"], ascending=[False, True, True],
                              kind="stable", na_position="last")
    return frame[COLUMNS + extra].reset_index(drop=True)


def with_restes(titres: pd.DataFrame) -> pd.DataFrame:
    """Each counted titre with ``montant``, ``encaisse``, ``annule`` and ``reste`` (cents).

    A negative titre (annulation, réduction) or an over-collected one is a credit on the
    same charge (SIREN, exercise, type, consultation): the export does not say which titre
    it reduces, so it is imputed on that charge's titres, oldest first (as a payment is,
    Code civil art. 1342-10), never on another charge. What a titre gets is in ``annule``.
    """
    frame = counted(titres)
    montant = frame["montant"].fillna(0).astype("int64")
    encaisse = frame["montant_encaisse"].fillna(0).astype("int64")
    frame = frame.assign(montant=montant, encaisse=encaisse, _raw=montant - encaisse,
                         _key=frame["consultation"].fillna("").astype(str),
                         _numero=frame["numero"].astype(str))
    frame = frame.sort_values(["date_emission", "_numero"], kind="stable", na_position="last")
    keys = [frame[SIREN], frame["exercice"], frame["type_frais"], frame["_key"]]
    positive = frame["_raw"].clip(lower=0)
    credit = (-frame["_raw"].clip(upper=0)).groupby(keys, sort=False).transform("sum")
    before = positive.groupby(keys, sort=False).cumsum()
    reste = (before - credit).clip(lower=0).where(lambda r: r < positive, positive)
    frame = frame.assign(reste=reste.astype("int64"),
                         annule=(positive - reste).astype("int64"))
    return frame.drop(columns=["_raw", "_key", "_numero"]).sort_index()


def overdue(outstanding: pd.DataFrame, delay: int) -> pd.DataFrame:
    """Titres left to collect more than ``delay`` days after emission, still claimable."""
    late = outstanding["age"].notna() & (outstanding["age"].fillna(0) > delay)
    if WRITE_OFF in outstanding:
        late &= outstanding[WRITE_OFF] != "prononcée"
    return outstanding[late]


def by_bucket(rows: pd.DataFrame) -> list[tuple[str, int, int]]:
    """(bucket, titres, reste in cents) for each bucket, in order, undated last if any."""
    labels = [*BUCKETS, *([UNDATED] if (rows["tranche"] == UNDATED).any() else [])]
    grouped = rows.groupby("tranche")["reste"].agg(["size", "sum"])
    return [(label, int(cast(int, grouped.loc[label, "size"])) if label in grouped.index else 0,
             int(cast(int, grouped.loc[label, "sum"])) if label in grouped.index else 0)
            for label in labels]


def by_exercise(rows: pd.DataFrame) -> list[tuple[int, list[int], int]]:
    """(exercise, reste per bucket, total) for each exercise with something to collect."""
    labels = [*BUCKETS, *([UNDATED] if (rows["tranche"] == UNDATED).any() else [])]
    table = rows.pivot_table(index="exercice", columns="tranche", values="reste",
                             aggfunc="sum", fill_value=0, observed=False)
    result = []
    for exercise in sorted(table.index):
        amounts = [int(table.loc[exercise, b]) if b in table.columns else 0 for b in labels]
        result.append((int(exercise), amounts, sum(amounts)))
    return result


def prescribing_soon(rows: pd.DataFrame) -> int:
    """Reste of the titres whose prescription falls within the next six months."""
    return int(rows.loc[rows["alerte"] == SOON, "reste"].sum())


def delay_and_source(option: int | None = None,
                     parameters: Mapping[str, object] | None = None) -> tuple[int, str]:
    """The reminder delay and where it comes from, for Contrôle: the ``delai_relance``
    the officer wrote in the `Parametres` sheet, else the ``--delai-relance`` option,
    else 60 days. The one place that decides it."""
    written = parameters.get("delai_relance") if parameters is not None else None
    if written not in (None, ""):
        return int(str(written)), "feuille Parametres"
    if option is None:
        return DEFAULT_DELAY, "défaut"
    return int(option), "option --delai-relance"
