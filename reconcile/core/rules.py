"""The rules the founding convention fixes (spécification §1.3, R1–R7), one small function each.

They work on whole columns (no loop per member). Rules officers change — amounts,
brackets, exemptions voted case by case, consultations — are data from the barème.
"""

from __future__ import annotations

import pandas as pd

from schemas.codes import EXEMPT_WITH_THEIR_COMMUNE

from .columns import SIREN
from .model import Period
from .wording import commune_exemption

WITHDRAWAL_DEADLINE = (10, 30)  # R2: notice received on or before 30 October


def effective_withdrawal(notice: pd.Series) -> pd.Series:
    """R2 — « informing the coordinator on or before 30 October of that year: the
    withdrawal then takes effect on 1 January of the next year. A notice received
    after 30 October takes effect one year later. »"""
    month, day = WITHDRAWAL_DEADLINE
    late = (notice.dt.month > month) | ((notice.dt.month == month) & (notice.dt.day > day))
    year = notice.dt.year + 1 + late.astype("Int64")
    return pd.to_datetime(
        year.astype("Int64").astype(str).where(notice.notna()) + "-01-01", errors="coerce"
    ).astype("datetime64[ns]")


def dissolution_date(members: pd.DataFrame) -> pd.Timestamp | None:
    """R3 — the groupement is dissolved on the coordinator's effective withdrawal date."""
    coordinator = members[members["role"] == "coordonnateur"]
    if coordinator.empty:
        return None
    date = coordinator["retrait_effectif"].iloc[0]
    return None if pd.isna(date) else date


def active_in(
    members: pd.DataFrame, year: int, as_of: pd.Timestamp, dissolution: pd.Timestamp | None
) -> pd.Series:
    """spécification §3.2 — active in E: joined by min(31 Dec E, A), withdrawal effective after
    1 January E, and E before the dissolution year. R7: no prorata, so one day is enough."""
    first_day = pd.Timestamp(year=year, month=1, day=1)
    last_day = min(pd.Timestamp(year=year, month=12, day=31), as_of)
    joined = members["date_adhesion"] <= last_day
    not_left = members["retrait_effectif"].isna() | (members["retrait_effectif"] > first_day)
    before_dissolution = dissolution is None or first_day < dissolution
    return joined & not_left & before_dissolution


def is_coordinator(members: pd.DataFrame) -> pd.Series:
    """R4 — the coordinator is never charged."""
    return members["role"] == "coordonnateur"


def r1_exemption(members: pd.DataFrame, active: pd.Series) -> pd.Series:
    """R1 — « The caisses des écoles and the CCAS of member communes are exempt from
    type-2 charges. » Their commune must be an active member commune that year.

    Returns the motif for exempt members (in the member's words), ``None`` elsewhere.
    """
    communes = members[active & (members["categorie"] == "commune")]
    name_of = communes.set_index(SIREN)["nom"]
    parent = members["commune_rattachement"]
    exempt = members["categorie"].isin(EXEMPT_WITH_THEIR_COMMUNE) & parent.isin(name_of.index)
    commune = parent.map(name_of).astype(object).fillna("")
    motif = commune_exemption(members["categorie"], commune)
    return motif.astype(object).where(exempt, None)


def in_bracket(population: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """Population brackets are inclusive at both ends; a blank maximum is unbounded."""
    return (population >= low) & (high.isna() | (population <= high))


def has_bracket(low: pd.Series, high: pd.Series) -> pd.Series:
    """A tariff row depends on population when it sets a minimum above 0 or a maximum."""
    return (low > 0) | high.notna()


def bracket_covers(population: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """spécification §3.3 — a tariff row covers a member whose population is in its
    bracket; a member without population is covered only by rows without a bracket."""
    fits = in_bracket(population, low, high).fillna(False).astype(bool)
    return fits | (population.isna() & ~has_bracket(low, high))


def takes_part(members: pd.DataFrame, fin_adhesion: pd.Timestamp, launch: pd.Timestamp
               ) -> pd.Series:
    """R5 (spécification §3.5) — who may take part in a consultation: joined by the last
    day of its adhesion window, withdrawal not in effect on launch day (R2), never the
    coordinator (R4). A covered subscription is still needed (``live_on``)."""
    return (~is_coordinator(members)
            & (members["date_adhesion"] <= fin_adhesion)
            & (members["retrait_effectif"].isna() | (members["retrait_effectif"] > launch)))


def adhesion_of(sirens: pd.Series, members: pd.DataFrame) -> pd.Series:
    """spécification §2.2 — a subscription's ``date_debut`` defaults to the member's
    ``date_adhesion``: each SIREN's adhesion date (NaT if unknown), aligned on ``sirens``."""
    adhesion = members.drop_duplicates(SIREN).set_index(SIREN)["date_adhesion"]
    return pd.Series(adhesion.reindex(sirens).to_numpy(), index=sirens.index)


def with_start(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Subscriptions with their start defaulted to the member's adhesion (spécification §2.2)."""
    return frame.assign(date_debut=frame["date_debut"].fillna(adhesion_of(frame[SIREN],
                                                                          members)))


def in_exercise(subscriptions: pd.DataFrame, period: Period) -> pd.Series:
    """spécification §3.4 — a subscription counts for type 2 when it overlaps
    [1 January E, min(31 December E, A)]: one per-service charge for each such one."""
    return ((subscriptions["date_debut"] <= period.last_day)
            & (subscriptions["date_fin"].isna()
               | (subscriptions["date_fin"] >= period.first_day)))


def live_on(subscriptions: pd.DataFrame, launch: pd.Timestamp) -> pd.Series:
    """spécification §3.5 — a subscription brings its member into a consultation unless it
    ended before the launch (its start is not looked at)."""
    return subscriptions["date_fin"].isna() | (subscriptions["date_fin"] >= launch)


def valid_on(tariffs: pd.DataFrame, type_frais: int, day: pd.Timestamp) -> pd.DataFrame:
    """spécification §3.3: type 2 uses the rows valid on 1 January E, type 1 on the launch date."""
    return tariffs[
        (tariffs["type_frais"] == type_frais)
        & (tariffs["valable_du"] <= day)
        & (tariffs["valable_au"].isna() | (tariffs["valable_au"] >= day))
    ]


def consultations_of(frame: pd.DataFrame, period: Period,
                     dissolution: pd.Timestamp | None) -> pd.DataFrame:
    """spécification §3.5 — the consultations that charge type 1 in E: launched in E, by
    A, and before the dissolution (R3)."""
    launch = frame["date_lancement"]
    keep = (launch.dt.year == period.year) & (launch <= period.as_of)
    if dissolution is not None:
        keep &= launch < dissolution
    return frame[keep].sort_values(["date_lancement", "code"])
