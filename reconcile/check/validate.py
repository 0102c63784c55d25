"""Check the typed tables: pandera schemas per sheet, then the cross-sheet rules of
spécification §2.

Returns anomalies (never raises for bad input). Each anomaly points at the cell an
officer has to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from schemas import CATEGORIES, PRESTATIONS
from schemas.codes import NEED_COMMUNE, NEED_POPULATION

from ..core.anomalies import ERROR, Anomaly
from ..core.catalogue import UNREADABLE
from ..core.columns import SIREN
from ..core.rules import adhesion_of
from ..read.cells import parse_code
from ..read.normalise import Table

FAR_FUTURE = pd.Timestamp("2262-04-01")
UNREADABLE_CODES = frozenset(UNREADABLE.values())


@dataclass(frozen=True)
class Checked:
    """A table and the cells already found wrong in it (Excel row, column key).

    Every check looks only at the rows whose cells *it uses* are sound: a bad cell is
    reported once, at its place, and never hides another check nor breeds a second
    error elsewhere."""

    table: Table
    failed: frozenset[tuple[int, str]]

    def rows(self, *columns: str) -> Table:
        """The table restricted to the rows whose ``columns`` all read well."""
        bad = {row for row, column in self.failed if column in columns}
        if not bad:
            return self.table
        frame = self.table.frame
        return replace(self.table, frame=frame[~frame.index.isin(sorted(bad))])

    def readable(self, column: str) -> set:
        """Every value of ``column`` that was read (for lookups from other sheets)."""
        return set(self.table.frame[column].dropna())

    def unread(self, column: str) -> bool:
        """Some cell of ``column`` could not be read at all (its value is unknown)."""
        values = self.table.frame[column]
        return any(c == column and pd.isna(values.get(row)) for row, c in self.failed)

    def trusted(self, row: int, column: str) -> object:
        """A cell's value, or ``None`` when an error points at it."""
        value = self.table.frame.at[row, column]
        return None if (row, column) in self.failed or pd.isna(value) else value  # type: ignore[arg-type]


def failed_cells(table: Table, anomalies: list[Anomaly]) -> frozenset[tuple[int, str]]:
    """The cells of ``table`` that an error points at."""
    key_of = {written: key for key, written in table.headers.items()}
    rows = set(table.frame.index)
    return frozenset(
        (a.row, key_of.get(a.column, a.column))
        for a in anomalies
        if a.is_error and a.row is not None and a.row in rows
        and a.file == table.file and a.sheet == table.sheet
    )


def validate(tables: dict[str, Table], reported: list[Anomaly]
             ) -> tuple[list[Anomaly], dict[str, Checked]]:
    """Every problem of every table at once: pandera schemas (``lazy=True``), then the
    cross-sheet rules on the cells that read well. ``reported`` holds what reading
    already found (unreadable cells). Returns the new anomalies and, per table, every
    cell now known to be wrong."""
    problems: list[Anomaly] = []
    for table in tables.values():
        problems += schema_problems(table)
    known = [*reported, *problems]
    checked = {name: Checked(t, failed_cells(t, known)) for name, t in tables.items()}
    members = checked.get("membres")
    if members is not None:
        problems += member_problems(members)
    members_known = members is not None and not members.unread(SIREN)
    if members is not None and "souscriptions" in checked:
        problems += subscription_problems(checked["souscriptions"], members, members_known)
    if "bareme" in checked:
        problems += tariff_overlaps(checked["bareme"].rows(*TARIFF_KEY))
    if "consultations" in checked:
        problems += consultation_problems(checked["consultations"].rows("prestations"))
        if members is not None:
            problems += adhesion_window_warnings(
                members.rows("date_adhesion", "role"),
                checked["consultations"].rows("debut_adhesion", "fin_adhesion"))
    if "exonerations" in checked and members is not None and members_known:
        problems += not_members(
            checked["exonerations"].rows(SIREN), members, "exoneration-siren-inconnu")
    if "titres" in checked and "consultations" in checked:
        problems += titre_problems(checked["titres"].rows("type_frais", "consultation"),
                                   checked["consultations"].readable("code"))
    if "titres" in checked:
        problems += titre_keys(checked["titres"].rows("exercice", "numero", "ligne"))
    if "titres" in checked and members is not None and members_known:
        # reconciled as « membre inconnu », but no statement is addressed to it
        problems += not_members(
            checked["titres"].rows(SIREN), members, "titre-hors-membres")
    known = [*reported, *problems]
    return problems, {name: Checked(t, failed_cells(t, known)) for name, t in tables.items()}


TARIFF_KEY = ("type_frais", "categorie", "prestation", "population_min", "population_max",
              "valable_du", "valable_au")


# -- per sheet: pandera --------------------------------------------------------------------

# pandera's own column properties (``nullable``, ``unique``) are not ``Check`` objects
# and have no name of ours: their codes are fixed here. Every declared ``Check`` carries
# its code as its name and its message as its error (schemas/checks.py; choix C-20).
PROPERTIES = {"not_nullable": "obligatoire-manquant", "field_uniqueness": "en-double"}


def schema_problems(table: Table) -> list[Anomaly]:
    """One anomaly per failing cell, coded by the failing check itself: pandera's
    ``failure_cases`` frame shows a check's error text, not its name, so each failure
    is read from the ``SchemaError`` that holds the ``Check`` object."""
    try:
        table.spec.schema.validate(table.frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as errors:
        failures = errors.schema_errors
    problems = []
    for failure in failures:
        check, cases = failure.check, failure.failure_cases
        if ((not isinstance(check, pa.Check) and check not in PROPERTIES)
                or not isinstance(cases, pd.DataFrame) or cases["index"].isna().any()):
            # A missing column or a wrong dtype: normalisation rules both out.
            raise RuntimeError(f"schéma {table.spec.sheet} : {check} ({failure.column_name})")
        code = str(check.name) if isinstance(check, pa.Check) else PROPERTIES[check]
        # A row check fails on every column of its row; keep the one it names.
        pointed = (check.statistics or {}).get("later") if isinstance(check, pa.Check) else None
        for case in cases.to_dict("records"):
            row = int(case["index"])
            column = str(case.get("column", failure.column_name))
            if pointed is None or column == pointed:
                problems.append(table.anomaly(row, column, code,
                                              worded(check, table, row, column)))
    return problems


def worded(check: pa.Check | str, table: Table, row: int, column: str) -> str:
    """The officer's message: a declared check's own, or one for pandera's properties."""
    if isinstance(check, pa.Check):
        return str(check.error)
    if check == "not_nullable":
        return "valeur obligatoire manquante"
    first = table.frame.index[table.frame[column] == table.frame.at[row, column]][0]
    return f"valeur en double (déjà ligne {first}) : chaque valeur doit être unique"


# -- cross-sheet rules ---------------------------------------------------------------------


def member_problems(checked: Checked) -> list[Anomaly]:
    members = checked.table
    problems = []
    frame = checked.rows("categorie", "population").frame
    for row in frame.index[frame["categorie"].isin(NEED_POPULATION) & frame["population"].isna()]:
        problems.append(members.anomaly(
            row, "population", "population-manquante",
            "population obligatoire pour une commune ou un EPCI (elle choisit la tranche du "
            "barème)"))
    frame = checked.rows("categorie", "commune_rattachement").frame
    need_commune = frame["categorie"].isin(NEED_COMMUNE)
    for row in frame.index[need_commune & frame["commune_rattachement"].isna()]:
        problems.append(members.anomaly(
            row, "commune_rattachement", "rattachement-manquant"))
    everyone = checked.rows(SIREN, "categorie").frame
    category_of = everyone.drop_duplicates(SIREN).set_index(SIREN)["categorie"]
    parent_category = frame["commune_rattachement"].map(category_of)
    wrong = frame["commune_rattachement"].notna() & parent_category.isin(CATEGORIES)
    for row in frame.index[wrong & (parent_category != "commune")]:
        problems.append(members.anomaly(
            row, "commune_rattachement", "rattachement-pas-commune",
            category=parent_category[row]))
    frame = checked.rows("role").frame
    coordinators = frame.index[frame["role"] == "coordonnateur"]
    if len(coordinators) > 1:
        rows = ", ".join(str(r) for r in coordinators)
        for row in coordinators:
            problems.append(members.anomaly(
                row, "role", "plusieurs-coordonnateurs", rows=rows))
    return problems


def subscription_problems(checked: Checked, members: Checked,
                          members_known: bool) -> list[Anomaly]:
    """Unknown SIRENs (only when every member SIREN was read: otherwise a reference to
    the unreadable one would look unknown), ends before adhesion, overlaps, members
    without any subscription."""
    subscriptions = checked.table
    problems = []
    if members_known:
        known = members.readable(SIREN)
        frame = checked.rows(SIREN).frame
        problems += [
            subscriptions.anomaly(row, SIREN, "siren-inconnu")
            for row in frame.index[frame[SIREN].notna() & ~frame[SIREN].isin(known)]
        ]
    adhesions = members.rows(SIREN, "date_adhesion").frame
    frame = checked.rows(SIREN, "prestation", "date_debut", "date_fin").frame
    start = frame["date_debut"].fillna(adhesion_of(frame[SIREN], adhesions))
    end = frame["date_fin"].fillna(FAR_FUTURE)
    for row in frame.index[frame["date_debut"].isna() & (frame["date_fin"] < start)]:
        problems.append(subscriptions.anomaly(
            row, "date_fin", "fin-avant-adhesion"))
    order = pd.DataFrame({SIREN: frame[SIREN], "prestation": frame["prestation"],
                          "start": start, "end": end}).dropna(subset=[SIREN, "prestation",
                                                                       "start"])
    order = order.sort_values([SIREN, "prestation", "start", "end"], kind="stable")
    groups = [order[SIREN], order["prestation"]]
    latest_end = order["end"].groupby(groups, sort=False).cummax()
    previous_end = latest_end.groupby(groups, sort=False).shift()
    clash = order.index[order["start"] <= previous_end]
    for row in clash.tolist():
        problems.append(subscriptions.anomaly(
            row, "date_debut", "souscriptions-chevauchees",
            service=f"{frame.at[row, 'prestation']!s}"))
    if checked.unread(SIREN):
        return problems  # a member might be the one an unreadable SIREN meant
    subscribed = checked.readable(SIREN)
    mframe = members.rows(SIREN, "role").frame
    for row in mframe.index[mframe[SIREN].notna() & ~mframe[SIREN].isin(subscribed)
                            & (mframe["role"] != "coordonnateur")]:
        problems.append(members.table.anomaly(row, SIREN, "sans-souscription"))
    return problems


def tariff_overlaps(tariffs: Table) -> list[Anomaly]:
    """Same type, category and service, brackets and validity both overlapping: error."""
    frame = tariffs.frame.dropna(subset=["type_frais", "categorie", "valable_du"])
    frame = frame.assign(prestation_key=frame["prestation"].fillna(""),
                         pmax=frame["population_max"].fillna(np.iinfo(np.int64).max),
                         until=frame["valable_au"].fillna(FAR_FUTURE))
    problems = []
    for _, group in frame.groupby(["type_frais", "categorie", "prestation_key"], sort=True):
        rows: list[Any] = list(group.itertuples())
        for i, a in enumerate(rows):
            for b in rows[:i]:
                if (a.population_min <= b.pmax and b.population_min <= a.pmax
                        and a.valable_du <= b.until and b.valable_du <= a.until):
                    problems.append(tariffs.anomaly(
                        a.Index, "population_min", "bareme-chevauchement", other=b.Index))
    return problems


def consultation_problems(consultations: Table) -> list[Anomaly]:
    problems = []
    for row, text in consultations.frame["prestations"].dropna().items():
        unknown = [c for c in split_codes(text) if c not in PRESTATIONS]
        if unknown:
            problems.append(consultations.anomaly(
                row, "prestations", "prestation-inconnue",  # type: ignore[arg-type]
                unknown=", ".join(unknown), known=", ".join(PRESTATIONS)))
    return problems


def split_codes(text: str | None) -> list[str]:
    """``"actes, parapheur"`` → ``["actes", "parapheur"]``; blank → all six services."""
    if text is None or not str(text).strip():
        return list(PRESTATIONS)
    parts = str(text).replace(";", ",").split(",")
    return [parse_code(p) for p in parts if p.strip()]


def adhesion_window_warnings(members: Table, consultations: Table) -> list[Anomaly]:
    """R5: an adhesion after the first window opened that falls in no window is a warning."""
    windows = consultations.frame.dropna(subset=["debut_adhesion", "fin_adhesion"])
    if windows.empty:
        return []
    first_start = windows["debut_adhesion"].min()
    adhesion = members.frame["date_adhesion"]
    inside = pd.Series(False, index=adhesion.index)
    for start, end in zip(windows["debut_adhesion"], windows["fin_adhesion"], strict=True):
        inside |= (adhesion >= start) & (adhesion <= end)
    outside = adhesion.notna() & (adhesion > first_start) & ~inside
    return [
        members.anomaly(row, "date_adhesion", "adhesion-hors-periode")
        for row in members.frame.index[outside & (members.frame["role"] != "coordonnateur")]
    ]


def not_members(table: Table, members: Checked, code: str) -> list[Anomaly]:
    """A warning at each SIREN of ``table`` that is not a member: it changes no amount
    (an exemption of no one, a titre reconciled as « membre inconnu »)."""
    known = members.readable(SIREN)
    frame = table.frame
    return [table.anomaly(row, SIREN, code)
            for row in frame.index[frame[SIREN].notna() & ~frame[SIREN].isin(known)]]


def titre_problems(titres: Table, codes: set) -> list[Anomaly]:
    frame = titres.frame
    problems = []
    type1 = frame["type_frais"] == 1
    type2 = frame["type_frais"] == 2
    for row in frame.index[type1.fillna(False) & frame["consultation"].isna()]:
        problems.append(titres.anomaly(
            row, "consultation", "consultation-manquante",
            "consultation obligatoire pour un titre de type 1 (frais de procédure)"))
    unknown = type1.fillna(False) & frame["consultation"].notna() & ~frame["consultation"].isin(
        codes)
    for row in frame.index[unknown]:
        problems.append(titres.anomaly(
            row, "consultation", "consultation-inconnue",
            "consultation absente de la feuille Consultations du barème"))
    for row in frame.index[type2.fillna(False) & frame["consultation"].notna()]:
        problems.append(titres.anomaly(
            row, "consultation", "consultation-type-2"))
    return problems


def titre_keys(titres: Table) -> list[Anomaly]:
    """A titre is (exercice, numéro) and a row one of its lines: only the full key
    (exercice, numéro, ligne) must be unique (spécification §2.4) — a 2026 titre n° 2
    beside a 2024 titre n° 2, or two lines of one titre, are not duplicates."""
    frame = titres.frame
    lines = frame["ligne"] if "ligne" in frame else pd.Series(None, index=frame.index)
    key = pd.DataFrame({"exercice": frame["exercice"],
                        "numero": frame["numero"].map(_key_text),
                        "ligne": lines.map(_key_text)})
    key = key[key["exercice"].notna() & (key["numero"] != "")]
    problems = []
    first: dict[tuple, int] = {}
    for row, exercice, numero, ligne in key.itertuples():
        seen = first.setdefault((int(exercice), numero, ligne), row)
        if seen != row:
            what = f"titre {numero} de {int(exercice)}" + (f" ligne {ligne}" if ligne else "")
            problems.append(titres.anomaly(
                row, "ligne" if ligne else "numero", "en-double",
                f"{what} en double (déjà ligne {seen}) : un titre est unique par exercice "
                "et numéro, une ligne de titre par exercice, numéro et ligne"))
    return problems


def _key_text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def without_repeats(problems: list[Anomaly]) -> list[Anomaly]:
    """One anomaly per cell: a value already unreadable is not also « missing »."""
    unreadable = {(a.file, a.sheet, a.row, a.column) for a in problems
                  if a.code in UNREADABLE_CODES}
    seen = set()
    kept = []
    for a in problems:
        key = (a.file, a.sheet, a.row, a.column)
        if a.code == "obligatoire-manquant" and key in unreadable:
            continue
        if (key, a.code, a.message) in seen:
            continue
        seen.add((key, a.code, a.message))
        kept.append(a)
    return kept


__all__ = ["ERROR", "validate"]
