"""What each member owes for exercise E as of date A (spécification §3).

Vectorised: members, subscriptions and barème rows are joined as tables, never
looped over one by one. Every charge keeps the Excel row of the barème line it
applies, so an auditor can trace each euro.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from schemas import CONSULTATIONS, SheetSpec

from ..check.validate import TARIFF_KEY, Checked, split_codes
from ..core.anomalies import Anomaly
from ..core.columns import CHARGE, SIREN
from ..core.model import Period
from ..core.rules import (
    active_in,
    bracket_covers,
    consultations_of,
    dissolution_date,
    effective_withdrawal,
    has_bracket,
    in_exercise,
    is_coordinator,
    live_on,
    r1_exemption,
    takes_part,
    valid_on,
    with_start,
)
from ..core.wording import deliberations, voted_exemption
from ..read.normalise import DTYPES, Table

CHARGE_COLUMNS = list(CHARGE)  # declared in columns.py
RULES = {
    (2, False): "Type 2, forfait annuel par membre (R7)",
    (2, True): "Type 2, forfait annuel par prestation (R6, R7)",
    (1, False): "Type 1, par membre participant (R5)",
    (1, True): "Type 1, par prestation couverte (R5, R6)",
}


def bareme_reference(line: int) -> str:
    """How a charge names the barème row it applies: the sheet and the Excel row."""
    return f"Bareme, ligne {int(line)}"


@dataclass
class Due:
    charges: pd.DataFrame
    dissolution: pd.Timestamp | None
    active_members: int
    consultations: list[str]


# The columns the computation reads: a row with an error in one of them is left out.
READS = {
    "membres": (SIREN, "categorie", "population", "commune_rattachement", "date_adhesion",
                "date_notification_retrait", "role"),
    "souscriptions": (SIREN, "prestation", "date_debut", "date_fin"),
    "bareme": (*TARIFF_KEY, "montant"),
    "consultations": ("code", "debut_adhesion", "fin_adhesion", "date_lancement",
                      "prestations"),
    "exonerations": (SIREN, "type_frais", "exercice"),
}
NEEDED = ("membres", "souscriptions", "bareme")


@dataclass(frozen=True)
class Doubt:
    """What rows left out for their errors may have changed: a coverage error there
    would be a consequence of an error already reported, so it is not raised."""

    members: frozenset[str] = frozenset()
    tariffs: frozenset[tuple[object, object]] = field(default_factory=frozenset)

    def covers(self, siren: str, type_frais: int, categorie: str) -> bool:
        return siren in self.members or any(
            t in (None, type_frais) and c in (None, categorie) for t, c in self.tariffs)


def sound_rows(checked: dict[str, Checked]) -> tuple[dict[str, Table] | None, Doubt]:
    """The tables restricted to the rows the computation can trust, and the doubt the
    left-out rows cast; ``None`` when a needed sheet could not be read at all."""
    if any(name not in checked for name in NEEDED):
        return None, Doubt()
    tables = {name: c.rows(*READS[name]) for name, c in checked.items() if name in READS}
    if "consultations" not in tables:  # type 2 is still computed, for its coverage errors
        tables["consultations"] = empty_table(CONSULTATIONS)
    members: set[str] = set()
    for name in ("souscriptions", "exonerations"):
        if name in checked:
            left_out = checked[name].table.frame.drop(tables[name].frame.index)
            members |= set(left_out[SIREN].dropna())
    bareme = checked["bareme"]
    dropped: pd.Index[int] = bareme.table.frame.index.difference(tables["bareme"].frame.index)
    doubt = {(bareme.trusted(row, "type_frais"), bareme.trusted(row, "categorie"))
             for row in dropped}
    return tables, Doubt(frozenset(members), frozenset(doubt))


def empty_table(spec: SheetSpec) -> Table:
    frame = pd.DataFrame({name: pd.Series(dtype=DTYPES.get(kind, object))
                          for name, kind in spec.columns.items()})
    return Table(spec, "", spec.sheet, frame, frame, {}, 1)


def compute(tables: dict[str, Table], period: Period, doubt: Doubt | None = None
            ) -> tuple[Due, list[Anomaly]]:
    doubt = doubt or Doubt()
    members_table = tables["membres"]
    members = members_table.frame.assign(
        retrait_effectif=lambda f: effective_withdrawal(f["date_notification_retrait"]),
    )
    members = members.assign(membre_ligne=members.index)
    subscriptions = with_start(tables["souscriptions"].frame, members)
    tariffs = tables["bareme"].frame.assign(bareme_ligne=tables["bareme"].frame.index)
    exemptions = tables["exonerations"].frame if "exonerations" in tables else None
    dissolution = dissolution_date(members)
    active = active_in(members, period.year, period.as_of, dissolution)

    problems: list[Anomaly] = []
    parts = []
    type2, missing = _type2(members, active, subscriptions, tariffs, exemptions, period)
    parts.append(type2)
    problems += _coverage_errors(members_table, missing, 2, doubt)
    launched = consultations_of(tables["consultations"].frame, period, dissolution)
    for consultation in launched.itertuples():
        type1, missing = _type1(members, subscriptions, tariffs, exemptions, consultation,
                                period)
        parts.append(type1)
        problems += _coverage_errors(members_table, missing, 1, doubt)
    charges = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    charges = _finish(charges, period)
    due = Due(charges, dissolution, int((active & ~is_coordinator(members)).sum()),
              list(launched["code"]))
    return due, problems


def _type2(members: pd.DataFrame, active: pd.Series, subscriptions: pd.DataFrame,
           tariffs: pd.DataFrame, exemptions: pd.DataFrame | None, period: Period
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type 2: the per-member rows and one per subscribed service in the year, unless
    exempt (R1 or a voted exemption) — then listed at 0 with the motif."""
    eligible = members[active & ~is_coordinator(members)].copy()
    motif = r1_exemption(members, active)[eligible.index]
    voted, voted_by = voted_exemptions(exemptions, 2, period.year)
    eligible["motif"] = motif.astype(object).fillna(eligible[SIREN].map(voted).astype(object))
    eligible["exoneration_deliberation"] = eligible[SIREN].map(voted_by)
    valid = valid_on(tariffs, 2, period.first_day)
    in_year = subscriptions[in_exercise(subscriptions, period)]
    services = in_year[[SIREN, "prestation"]].merge(eligible, on=SIREN)
    charges, missing = _price(eligible, services, valid, context=period.first_day)
    charges = charges.assign(type_frais=2, consultation="", consultation_deliberation=None)
    return charges, missing


def _type1(members: pd.DataFrame, subscriptions: pd.DataFrame, tariffs: pd.DataFrame,
           exemptions: pd.DataFrame | None, consultation: Any, period: Period
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type 1, for one consultation: each member (coordinator aside) that joined by the
    end of its adhesion window (R5), not withdrawn on launch day, with a subscription to
    a covered service not ended before launch."""
    launch = consultation.date_lancement
    covered = split_codes(consultation.prestations)
    eligible = members[takes_part(members, consultation.fin_adhesion, launch)].copy()
    taking_part = subscriptions[
        subscriptions["prestation"].isin(covered)
        & live_on(subscriptions, launch)
        & subscriptions[SIREN].isin(eligible[SIREN])
    ]
    services = taking_part[[SIREN, "prestation"]].drop_duplicates()
    eligible = eligible[eligible[SIREN].isin(services[SIREN])]
    voted, voted_by = voted_exemptions(exemptions, 1, period.year)
    eligible["motif"] = eligible[SIREN].map(voted)
    eligible["exoneration_deliberation"] = eligible[SIREN].map(voted_by)
    services = services.merge(eligible, on=SIREN)
    valid = valid_on(tariffs, 1, launch)
    charges, missing = _price(eligible, services, valid, context=launch,
                              consultation=consultation.code)
    return charges.assign(type_frais=1, consultation=consultation.code,
                          consultation_deliberation=getattr(consultation, "deliberation",
                                                            None)), missing


def _price(eligible: pd.DataFrame, services: pd.DataFrame, valid: pd.DataFrame,
           context: pd.Timestamp, consultation: str | None = None
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join members (per-member rows) and their services (per-service rows) to the
    barème by category and population bracket.

    Never a silent 0 (spécification §3.7): a member that no row prices — its category has no
    row, or only rows for services it does not take, or its population fits no bracket
    of its category (per member) or of its category and service (per service), or it
    has no population where the rows have brackets — is reported, unless it is exempt
    (then listed at 0 with its motif).
    """
    member_rows = valid[valid["prestation"].isna()]
    service_rows = valid[valid["prestation"].notna()]
    per_member = _match(eligible, member_rows, ["categorie"]).assign(prestation="")
    per_service = _match(services, service_rows, ["categorie", "prestation"])
    charges = pd.concat([per_member, per_service], ignore_index=True)

    priced_services = set(zip(per_service[SIREN], per_service["prestation"], strict=True))
    with_service_rows = services.merge(
        service_rows[["categorie", "prestation"]].drop_duplicates(), on=["categorie",
                                                                        "prestation"])
    service_gap = [(s, p) not in priced_services for s, p in zip(
        with_service_rows[SIREN], with_service_rows["prestation"], strict=True)]
    unpriced = (
        (eligible["categorie"].isin(member_rows["categorie"])
         & ~eligible[SIREN].isin(per_member[SIREN]))
        | eligible[SIREN].isin(with_service_rows.loc[service_gap, SIREN])
        | ~eligible[SIREN].isin(charges[SIREN])  # its category's rows all miss it
    )
    exempt = eligible["motif"].notna()
    nothing = exempt & ~eligible[SIREN].isin(charges[SIREN])
    charges = pd.concat(
        [charges, eligible[nothing].assign(prestation="", bareme_ligne=pd.NA, montant=0,  # type: ignore[arg-type,list-item]
                                           libelle="")],
        ignore_index=True,
    )
    missing = eligible[unpriced & ~exempt].assign(
        contexte=context, consultation_code=consultation,
        sans_population=lambda f: f["population"].isna() & f["categorie"].isin(
            valid.loc[has_bracket(valid["population_min"], valid["population_max"]),
                      "categorie"]),
    )
    return charges, missing


def _match(left: pd.DataFrame, tariffs: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    keep = ["bareme_ligne", "population_min", "population_max", "montant", "libelle",
            "deliberation", *on]
    pairs = left.merge(tariffs[keep], on=on, how="inner")
    return pairs[bracket_covers(pairs["population"], pairs["population_min"],
                                pairs["population_max"])]


def voted_exemptions(exemptions: pd.DataFrame | None, type_frais: int, year: int
                      ) -> tuple[pd.Series, pd.Series]:
    """SIREN → the motif a member reads, and SIREN → the exemption's délibération."""
    if exemptions is None or exemptions.empty:
        return pd.Series(dtype=object), pd.Series(dtype=object)
    rows = exemptions[
        (exemptions["type_frais"] == type_frais)
        & (exemptions["exercice"].isna() | (exemptions["exercice"] == year))
    ]
    rows = rows.drop_duplicates(SIREN)
    voted_by = _column(rows, "deliberation")
    return (voted_exemption(rows["motif"], voted_by).set_axis(rows[SIREN]),
            voted_by.set_axis(rows[SIREN]))


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """An optional column, blank when the sheet does not have it."""
    if name in frame:
        return frame[name].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def _coverage_errors(members: Table, missing: pd.DataFrame, type_frais: int,
                     doubt: Doubt) -> list[Anomaly]:
    problems = []
    item: Any  # a row of ``missing``: its columns as attributes
    for item in missing.itertuples():
        if doubt.covers(item.siren, type_frais, item.categorie):
            continue
        day = item.contexte.strftime("%d/%m/%Y")
        what = (f"de type 1 valable le {day} (lancement de la consultation "
                f"{item.consultation_code})" if item.consultation_code else
                f"de type 2 valable le {day}")
        if item.sans_population:
            problems.append(members.anomaly(
                item.membre_ligne, "population", "population-manquante",
                f"population manquante : les lignes du barème {what} pour la catégorie "
                f"« {item.categorie} » dépendent de la population"))
        else:
            population = "" if pd.isna(item.population) else f", population {item.population}"
            problems.append(members.anomaly(
                item.membre_ligne, "categorie", "bareme-non-couvert", what=what,
                category=item.categorie, population=population))
    return problems


def _finish(charges: pd.DataFrame, period: Period) -> pd.DataFrame:
    if charges.empty:
        return pd.DataFrame(columns=CHARGE_COLUMNS)
    exempt = charges["motif"].notna()
    charges = charges.assign(
        membre=charges["nom"],
        exercice=period.year,
        tarif=charges["montant"].where(charges["bareme_ligne"].notna()).astype("Int64"),
        montant=charges["montant"].where(~exempt, 0).astype("int64"),
        motif=charges["motif"].fillna(""),
        bareme_libelle=charges["libelle"].fillna(""),
        bareme_ligne=charges["bareme_ligne"].astype("Int64"),
        regle=[RULES[(t, p != "")] for t, p in zip(charges["type_frais"], charges["prestation"],
                                                  strict=True)],
        deliberation=deliberations(_column(charges, "deliberation"),
                                   _column(charges, "consultation_deliberation"),
                                   _column(charges, "exoneration_deliberation"), exempt),
    )
    charges = charges[CHARGE_COLUMNS].sort_values(
        [SIREN, "type_frais", "consultation", "prestation", "bareme_ligne"],
        kind="stable", na_position="first",
    )
    return charges.reset_index(drop=True)
