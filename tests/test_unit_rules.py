"""The fee computation, rule by rule (spécification §1.3 R1–R7, §3), one table per rule.

The fast layer: each rule function of ``reconcile.core.rules`` and ``reconcile.compute.charges`` on
small in-memory frames, then ``charges.compute`` on in-memory tables for the rules that
only show in the charges it lists (R6, R7, exemptions, coverage). Amounts are integer
cents worked out by hand in the tables. test_rules.py checks the same rules on real
workbooks, end to end.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from reconcile.compute import charges as ch
from reconcile.core import rules
from reconcile.core.model import Period, period_of
from reconcile.core.rules import (
    active_in,
    adhesion_of,
    bracket_covers,
    dissolution_date,
    effective_withdrawal,
    is_coordinator,
    r1_exemption,
    takes_part,
)
from reconcile.read.normalise import DTYPES, Table
from schemas import BAREME, CONSULTATIONS, EXONERATIONS, MEMBRES, SOUSCRIPTIONS, SheetSpec

NaT = pd.NaT


def day(text: str | None) -> Any:
    """``"2026-10-30"`` → a Timestamp; ``None`` → NaT."""
    return NaT if text is None else pd.Timestamp(text)


def dates(*texts: str | None) -> pd.Series:
    return pd.Series([day(t) for t in texts], dtype="datetime64[ns]")


def table(*rows: tuple[Any, ...]) -> list[Any]:
    """(id, *values) rows → pytest params with readable ids."""
    return [pytest.param(*row[1:], id=row[0]) for row in rows]


# -- R2 withdrawal: effective date (spécification §3.2) ------------------------------------

@pytest.mark.parametrize(("notice", "effective"), table(
    ("30-october-next-1-january", "2026-10-30", "2027-01-01"),
    ("31-october-one-year-later", "2026-10-31", "2028-01-01"),
    ("1-october", "2026-10-01", "2027-01-01"),
    ("30-september", "2026-09-30", "2027-01-01"),
    ("1-november", "2026-11-01", "2028-01-01"),
    ("1-january", "2026-01-01", "2027-01-01"),
    ("31-december", "2026-12-31", "2028-01-01"),
    ("leap-day", "2024-02-29", "2025-01-01"),
    ("no-notice", None, None),
))
def test_r2_effective_withdrawal(notice: str | None, effective: str | None) -> None:
    got = effective_withdrawal(dates(notice)).iloc[0]
    assert (pd.isna(got) and effective is None) or got == day(effective)


# -- R3 dissolution -----------------------------------------------------------------------

@pytest.mark.parametrize(("roles", "effective", "dissolution"), table(
    ("coordinator-withdraws", ["membre", "coordonnateur"], [None, "2027-01-01"], "2027-01-01"),
    ("coordinator-stays", ["membre", "coordonnateur"], ["2027-01-01", None], None),
    ("no-coordinator", ["membre", "membre"], ["2027-01-01", "2027-01-01"], None),
))
def test_r3_dissolution_date(roles: list[str], effective: list[str | None],
                             dissolution: str | None) -> None:
    members = pd.DataFrame({"role": roles, "retrait_effectif": dates(*effective)})
    got = dissolution_date(members)
    assert (got is None and dissolution is None) or got == day(dissolution)


# -- Active member in E (spécification §3.2): E = 2026 ---------------------------------

@pytest.mark.parametrize(("joined", "effective", "as_of", "dissolution", "active"), table(
    ("joined-long-ago", "2020-01-15", None, "2026-11-30", None, True),
    ("joined-on-as-of-date", "2026-11-30", None, "2026-11-30", None, True),
    ("joined-day-after-as-of", "2026-12-01", None, "2026-11-30", None, False),
    ("joined-31-december", "2026-12-31", None, "2026-12-31", None, True),
    ("joined-next-year", "2027-01-01", None, "2027-01-31", None, False),
    ("left-on-1-january-E", "2020-01-15", "2026-01-01", "2026-11-30", None, False),
    ("leaves-on-1-january-E+1", "2020-01-15", "2027-01-01", "2026-11-30", None, True),
    ("dissolved-on-1-january-E", "2020-01-15", None, "2026-11-30", "2026-01-01", False),
    ("dissolution-announced", "2020-01-15", None, "2026-11-30", "2027-01-01", True),
))
def test_active_in_exercise(joined: str, effective: str | None, as_of: str,
                            dissolution: str | None, active: bool) -> None:
    members = pd.DataFrame({"date_adhesion": dates(joined),
                            "retrait_effectif": dates(effective)})
    dissolved = None if dissolution is None else day(dissolution)
    assert bool(active_in(members, 2026, day(as_of), dissolved).iloc[0]) is active


# -- R4 coordinator -------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "coordinator"), table(
    ("coordinator", "coordonnateur", True), ("member", "membre", False)))
def test_r4_coordinator(role: str, coordinator: bool) -> None:
    assert bool(is_coordinator(pd.DataFrame({"role": [role]})).iloc[0]) is coordinator


# -- R1 exemption (spécification §3.6) ------------------------------------------------------

COMMUNE, GONE, AGGLO, STRANGER, TESTED = "c", "g", "a", "s", "t"


@pytest.mark.parametrize(("categorie", "parent", "exempt"), table(
    ("ccas-of-active-member-commune", "ccas", COMMUNE, True),
    ("caisse-des-ecoles-of-active-member-commune", "caisse_des_ecoles", COMMUNE, True),
    ("ccas-of-commune-not-active", "ccas", GONE, False),
    ("ccas-of-commune-not-member", "ccas", STRANGER, False),
    ("ccas-attached-to-an-epci", "ccas", AGGLO, False),
    ("ccas-without-commune", "ccas", None, False),
    ("syndicat-never-exempt", "syndicat", COMMUNE, False),
    ("etablissement-public-never-exempt", "etablissement_public", COMMUNE, False),
))
def test_r1_exemption(categorie: str, parent: str | None, exempt: bool) -> None:
    members = pd.DataFrame({
        "siren": [COMMUNE, GONE, AGGLO, TESTED],
        "nom": ["Commune A", "Commune B", "Agglo", "Testé"],
        "categorie": ["commune", "commune", "epci", categorie],
        "commune_rattachement": [None, None, None, parent],
    })
    active = pd.Series([True, False, True, True])
    motif = r1_exemption(members, active).iloc[3]
    if exempt:
        assert motif.startswith("Exonéré") and "Commune A" in motif
    else:
        assert motif is None


# -- Population brackets (spécification §3.3): inclusive bounds, no population -----------

@pytest.mark.parametrize(("population", "low", "high", "covered"), table(
    ("zero-in-0-999", 0, 0, 999, True),
    ("upper-bound-inclusive", 999, 0, 999, True),
    ("one-above-upper-bound", 1000, 0, 999, False),
    ("lower-bound-inclusive", 1000, 1000, None, True),
    ("one-below-lower-bound", 999, 1000, None, False),
    ("blank-maximum-unbounded", 2_000_000, 1000, None, True),
    ("single-value-bracket", 500, 500, 500, True),
    ("no-population-row-without-bracket", None, 0, None, True),
    ("no-population-row-with-maximum", None, 0, 999, False),
    ("no-population-row-with-minimum", None, 1, None, False),
))
def test_bracket_covers(population: int | None, low: int, high: int | None,
                        covered: bool) -> None:
    def series(value: int | None) -> pd.Series:
        return pd.Series([value], dtype="Int64")

    got = bracket_covers(series(population), series(low), series(high))
    assert bool(got.iloc[0]) is covered


# -- Barème rows valid on the reference day (spécification §3.3) ------------------------

@pytest.mark.parametrize(("valid_from", "valid_to", "row_type", "asked_type", "on", "valid"),
                         table(
    ("new-price-from-1-january", "2026-01-01", None, 2, 2, "2026-01-01", True),
    ("old-price-ends-31-december", "2020-01-01", "2025-12-31", 2, 2, "2026-01-01", False),
    ("last-day-inclusive", "2020-01-01", "2026-01-01", 2, 2, "2026-01-01", True),
    ("starts-day-after", "2026-01-02", None, 2, 2, "2026-01-01", False),
    ("type-1-on-launch-day", "2026-03-02", None, 1, 1, "2026-03-02", True),
    ("type-1-day-before-its-start", "2026-03-02", None, 1, 1, "2026-03-01", False),
    ("other-type", "2020-01-01", None, 2, 1, "2026-01-01", False),
))
def test_bareme_row_valid_on(valid_from: str, valid_to: str | None, row_type: int,
                             asked_type: int, on: str, valid: bool) -> None:
    tariffs = pd.DataFrame({"type_frais": [row_type], "valable_du": dates(valid_from),
                            "valable_au": dates(valid_to)})
    assert len(rules.valid_on(tariffs, asked_type, day(on))) == int(valid)


# -- Consultations counted in E (spécification §3.5, R3) -------------------------------

@pytest.mark.parametrize(("launch", "month", "dissolution", "counted"), table(
    ("launched-on-as-of-date", "2026-11-30", "2026-11", None, True),
    ("launched-day-after-as-of", "2026-12-01", "2026-11", None, False),
    ("launched-1-january", "2026-01-01", "2026-01", None, True),
    ("launched-last-year", "2025-12-31", "2026-11", None, False),
    ("launched-before-dissolution", "2026-12-31", "2026-12", "2027-01-01", True),
    ("launched-on-dissolution-day", "2027-01-01", "2027-01", "2027-01-01", False),
))
def test_consultations_of_exercise(launch: str, month: str, dissolution: str | None,
                                   counted: bool) -> None:
    frame = pd.DataFrame({"code": ["C"], "date_lancement": dates(launch)})
    dissolved = None if dissolution is None else day(dissolution)
    assert len(rules.consultations_of(frame, period_of(month), dissolved)) == int(counted)


# -- R5 adhesion windows: who takes part in a consultation --------------------------------
# The example of spécification §3.9: window 01/11/2025–31/01/2026, launch 02/03/2026.

@pytest.mark.parametrize(("joined", "effective", "role", "part"), table(
    ("spec-joined-15-january", "2026-01-15", None, "membre", True),
    ("joined-on-last-window-day", "2026-01-31", None, "membre", True),
    ("joined-day-after-window", "2026-02-01", None, "membre", False),
    ("spec-joined-10-february", "2026-02-10", None, "membre", False),
    ("joined-before-window-opened", "2020-01-15", None, "membre", True),
    ("withdrawal-effective-on-launch-day", "2020-01-15", "2026-03-02", "membre", False),
    ("withdrawal-effective-day-after-launch", "2020-01-15", "2026-03-03", "membre", True),
    ("withdrawal-effective-1-january", "2020-01-15", "2026-01-01", "membre", False),
    ("coordinator", "2020-01-15", None, "coordonnateur", False),
))
def test_r5_takes_part(joined: str, effective: str | None, role: str, part: bool) -> None:
    members = pd.DataFrame({"date_adhesion": dates(joined), "retrait_effectif": dates(effective),
                            "role": [role]})
    got = takes_part(members, day("2026-01-31"), day("2026-03-02"))
    assert bool(got.iloc[0]) is part


@pytest.mark.parametrize(("start", "end", "live"), table(
    ("open-ended", "2020-01-15", None, True),
    ("ends-on-launch-day", "2020-01-15", "2026-03-02", True),
    ("ended-day-before-launch", "2020-01-15", "2026-03-01", False),
    ("starts-after-launch-start-not-looked-at", "2026-06-01", None, True),
))
def test_subscription_live_on_launch(start: str, end: str | None, live: bool) -> None:
    subscriptions = pd.DataFrame({"date_debut": dates(start), "date_fin": dates(end)})
    assert bool(rules.live_on(subscriptions, day("2026-03-02")).iloc[0]) is live


# -- Subscriptions counted for type 2 (spécification §3.4) ------------------------------

@pytest.mark.parametrize(("start", "end", "month", "counted"), table(
    ("open-ended", "2020-01-15", None, "2026-11", True),
    ("starts-on-as-of-date", "2026-11-30", None, "2026-11", True),
    ("starts-day-after-as-of", "2026-12-01", None, "2026-11", False),
    ("starts-31-december-in-december", "2026-12-31", None, "2026-12", True),
    ("ends-1-january-E", "2020-01-15", "2026-01-01", "2026-11", True),
    ("ended-31-december-before", "2020-01-15", "2025-12-31", "2026-11", False),
    ("starts-next-year", "2027-01-01", None, "2026-12", False),
))
def test_subscription_in_exercise(start: str, end: str | None, month: str,
                                  counted: bool) -> None:
    subscriptions = pd.DataFrame({"date_debut": dates(start), "date_fin": dates(end)})
    assert bool(rules.in_exercise(subscriptions, period_of(month)).iloc[0]) is counted


def test_subscription_start_defaults_to_adhesion() -> None:
    """spécification §2.2: a blank ``date_debut`` is the member's ``date_adhesion``."""
    members = pd.DataFrame({"siren": ["a", "b"], "date_adhesion": dates("2020-01-15",
                                                                        "2024-06-01")})
    subscriptions = pd.DataFrame({"siren": ["b", "a", "x"],
                                  "date_debut": dates(None, "2021-01-01", None)})
    assert list(adhesion_of(subscriptions["siren"], members)) == [
        day("2024-06-01"), day("2020-01-15"), NaT]
    started = rules.with_start(subscriptions, members)["date_debut"]
    assert list(started) == [day("2024-06-01"), day("2021-01-01"), NaT]


# -- Voted exemptions (spécification §3.6) ------------------------------------------------

@pytest.mark.parametrize(("row_type", "row_year", "asked_type", "applies"), table(
    ("same-type-same-exercise", 2, 2026, 2, True),
    ("same-type-every-exercise", 2, None, 2, True),
    ("same-type-other-exercise", 2, 2025, 2, False),
    ("other-type", 1, 2026, 2, False),
    ("type-1-exempted", 1, None, 1, True),
))
def test_voted_exemption_applies(row_type: int, row_year: int | None, asked_type: int,
                                 applies: bool) -> None:
    exemptions = pd.DataFrame({"siren": ["a"], "type_frais": [row_type],
                               "exercice": pd.Series([row_year], dtype="Int64"),
                               "motif": ["Vote du CA"]})
    motifs, _ = ch.voted_exemptions(exemptions, asked_type, 2026)
    assert ("a" in motifs.index) is applies


def test_first_voted_exemption_row_wins() -> None:
    exemptions = pd.DataFrame({"siren": ["a", "a"], "type_frais": [2, 2],
                               "exercice": pd.Series([None, 2026], dtype="Int64"),
                               "motif": ["Premier", "Second"]})
    motifs, _ = ch.voted_exemptions(exemptions, 2, 2026)
    assert motifs["a"].startswith("Exonéré") and motifs["a"].endswith(": Premier")


# -- The charges computed (spécification §3.3–§3.7): compute on in-memory tables ---------
# E = 2026, A = 30/11/2026. X is the member under test; the barème, Excel rows 2 to 8:

X, COMMUNE_A, COORD = "x", "ca", "co"
BAREME_ROWS = [
    dict(type_frais=2, categorie="commune", population_max=999, montant=10000),  # row 2
    dict(type_frais=2, categorie="commune", population_min=1000, montant=50000),  # row 3
    dict(type_frais=2, categorie="commune", prestation="marches_publics", montant=3000),
    dict(type_frais=1, categorie="commune", montant=20000),  # row 5
    dict(type_frais=2, categorie="ccas", montant=5000),  # row 6
    dict(type_frais=1, categorie="ccas", montant=8000),  # row 7
    dict(type_frais=2, categorie="syndicat", prestation="actes", montant=1500),  # row 8
]
C2026 = dict(code="C2026", debut_adhesion="2025-11-01", fin_adhesion="2026-01-31",
             date_lancement="2026-03-02")


def frame_table(spec: SheetSpec, records: list[dict[str, Any]]) -> Table:
    """An input sheet as ``normalise`` types it, rows numbered from Excel row 2."""
    index = pd.Index(range(2, 2 + len(records)), name="ligne")
    columns = {}
    for name, kind in spec.columns.items():
        values = [r.get(name, spec.defaults.get(name)) for r in records]
        if kind == "date":
            columns[name] = pd.Series(pd.to_datetime(values), index=index,
                                      dtype="datetime64[ns]")
        else:
            columns[name] = pd.Series(values, index=index, dtype=DTYPES.get(kind, object))
    frame = pd.DataFrame(columns, index=index)
    return Table(spec, f"{spec.stem}.xlsx", spec.sheet, frame, frame, {}, 1)


def compute(x: dict[str, Any] | None = None, subscriptions: list[dict[str, Any]] | None = None,
            others: list[dict[str, Any]] | None = None, tariffs: list[dict[str, Any]] | None = None,
            consultations: list[dict[str, Any]] | None = None,
            exemptions: list[dict[str, Any]] | None = None, month: str = "2026-11"
            ) -> tuple[list[tuple[Any, ...]], list[tuple[str, int | None, str]]]:
    """X's charges as (type, consultation, prestation, cents, motif), and the problems as
    (code, Excel row, column)."""
    member = dict(siren=X, nom="Membre X", categorie="commune", population=999,
                  date_adhesion="2020-01-15") | (x or {})
    tables = {
        "membres": frame_table(MEMBRES, [member, *(others or [])]),
        "souscriptions": frame_table(SOUSCRIPTIONS, subscriptions if subscriptions is not None
                                     else [dict(siren=X, prestation="marches_publics"),
                                           dict(siren=X, prestation="actes")]),
        "bareme": frame_table(BAREME, [dict(valable_du="2020-01-01") | r
                                       for r in (tariffs or BAREME_ROWS)]),
        "consultations": frame_table(CONSULTATIONS, consultations if consultations is not None
                                     else [C2026]),
        "exonerations": frame_table(EXONERATIONS, exemptions or []),
    }
    due, problems = ch.compute(tables, period_of(month))
    mine = due.charges[due.charges["siren"] == X]
    charges = [(int(t), c, p, int(m), motif) for t, c, p, m, motif in zip(
        mine["type_frais"], mine["consultation"], mine["prestation"], mine["montant"],
        mine["motif"], strict=True)]
    return charges, [(p.code, p.row, p.column) for p in problems]


T1 = (1, "C2026", "", 20000, "")  # commune, per member participating
T2 = (2, "", "", 10000, "")  # commune of 0–999 inhabitants, per member
T2_MP = (2, "", "marches_publics", 3000, "")  # per subscription to marches_publics
EXEMPT = "Exonéré"

CHARGES = table(
    ("r6-per-member-and-per-service-add-up-unpriced-service-free", {}, [T1, T2, T2_MP]),
    ("bracket-upper-row-lower-bound", dict(x=dict(population=1000)),
     [T1, (2, "", "", 50000, ""), T2_MP]),
    ("r7-joined-on-as-of-date-pays-the-whole-forfait",
     dict(x=dict(date_adhesion="2026-11-30")), [T2, T2_MP]),
    ("r5-joined-day-after-window", dict(x=dict(date_adhesion="2026-02-01")), [T2, T2_MP]),
    ("r2-notice-30-october-E-1-owes-nothing-in-E",
     dict(x=dict(date_notification_retrait="2025-10-30")), []),
    ("r2-notice-31-october-E-1-owes-E",
     dict(x=dict(date_notification_retrait="2025-10-31")), [T1, T2, T2_MP]),
    ("r4-coordinator-never-charged", dict(x=dict(role="coordonnateur")), []),
    ("r3-dissolved-on-1-january-E",
     dict(others=[dict(siren=COORD, nom="CIG", categorie="etablissement_public",
                       date_adhesion="2015-01-01", role="coordonnateur",
                       date_notification_retrait="2025-03-15")]), []),
    ("two-successive-subscriptions-two-forfaits",
     dict(subscriptions=[dict(siren=X, prestation="marches_publics", date_fin="2026-05-31"),
                         dict(siren=X, prestation="marches_publics",
                              date_debut="2026-06-01")]), [T1, T2, T2_MP, T2_MP]),
    ("subscription-ended-last-year",
     dict(subscriptions=[dict(siren=X, prestation="marches_publics", date_fin="2025-12-31"),
                         dict(siren=X, prestation="actes")]), [T1, T2]),
    ("only-subscription-ended-day-before-launch",
     dict(subscriptions=[dict(siren=X, prestation="marches_publics",
                              date_fin="2026-03-01")]), [T2, T2_MP]),
    ("consultation-covers-none-of-its-services",
     dict(consultations=[C2026 | dict(prestations="convocations, parapheur")]), [T2, T2_MP]),
    ("consultation-launched-after-as-of",
     dict(consultations=[C2026 | dict(date_lancement="2026-12-01")]), [T2, T2_MP]),
    ("price-change-on-1-january-applies-to-type-2",
     dict(tariffs=[BAREME_ROWS[0] | dict(valable_au="2025-12-31"),
                   BAREME_ROWS[0] | dict(valable_du="2026-01-01", montant=11000),
                   *BAREME_ROWS[1:]]), [T1, (2, "", "", 11000, ""), T2_MP]),
    ("price-change-mid-year-waits-for-next-exercise",
     dict(tariffs=[BAREME_ROWS[0] | dict(valable_au="2026-06-30"),
                   BAREME_ROWS[0] | dict(valable_du="2026-07-01", montant=11000),
                   *BAREME_ROWS[1:]]), [T1, T2, T2_MP]),
    ("type-1-price-on-launch-day",
     dict(tariffs=[*BAREME_ROWS[:3], BAREME_ROWS[3] | dict(valable_au="2026-03-01"),
                   BAREME_ROWS[3] | dict(valable_du="2026-03-02", montant=25000),
                   *BAREME_ROWS[4:]]), [(1, "C2026", "", 25000, ""), T2, T2_MP]),
    ("r1-ccas-of-member-commune-type-2-only",
     dict(x=dict(categorie="ccas", population=None, commune_rattachement=COMMUNE_A),
          others=[dict(siren=COMMUNE_A, nom="Commune A", categorie="commune", population=50,
                       date_adhesion="2020-01-15")]),
     [(1, "C2026", "", 8000, ""), (2, "", "", 0, EXEMPT)]),
    ("r1-ccas-of-commune-not-member-pays",
     dict(x=dict(categorie="ccas", population=None, commune_rattachement=COMMUNE_A)),
     [(1, "C2026", "", 8000, ""), (2, "", "", 5000, "")]),
    ("r1-ccas-of-commune-withdrawn-1-january-E-pays",
     dict(x=dict(categorie="ccas", population=None, commune_rattachement=COMMUNE_A),
          others=[dict(siren=COMMUNE_A, nom="Commune A", categorie="commune", population=50,
                       date_adhesion="2020-01-15",
                       date_notification_retrait="2025-10-30")]),
     [(1, "C2026", "", 8000, ""), (2, "", "", 5000, "")]),
    ("voted-exemption-type-2-zeroes-each-type-2-charge",
     dict(exemptions=[dict(siren=X, type_frais=2, exercice=2026, motif="Vote du CA")]),
     [T1, (2, "", "", 0, EXEMPT), (2, "", "marches_publics", 0, EXEMPT)]),
    ("voted-exemption-type-1",
     dict(exemptions=[dict(siren=X, type_frais=1, motif="Vote du CA")]),
     [(1, "C2026", "", 0, EXEMPT), T2, T2_MP]),
    ("exempt-member-no-row-covers-listed-once-at-0",
     dict(x=dict(categorie="autre"), subscriptions=[dict(siren=X, prestation="convocations")],
          consultations=[],
          exemptions=[dict(siren=X, type_frais=2, motif="Vote du CA")]),
     [(2, "", "", 0, EXEMPT)]),
    ("syndicat-per-service-only",
     dict(x=dict(categorie="syndicat", population=None),
          subscriptions=[dict(siren=X, prestation="actes")], consultations=[]),
     [(2, "", "actes", 1500, "")]),
)


@pytest.mark.parametrize(("scenario", "expected"), CHARGES)
def test_charges_of_a_member(scenario: dict[str, Any], expected: list[tuple[Any, ...]]
                             ) -> None:
    charges, problems = compute(**scenario)
    assert problems == []
    assert [(*c[:4], EXEMPT if c[4].startswith(EXEMPT) else c[4]) for c in charges] == expected


def test_r1_prevails_over_a_voted_exemption() -> None:
    """spécification §3.6: when both apply, R1's motif is the one given."""
    charges, _ = compute(
        x=dict(categorie="ccas", population=None, commune_rattachement=COMMUNE_A),
        others=[dict(siren=COMMUNE_A, nom="Commune A", categorie="commune", population=50,
                     date_adhesion="2020-01-15")],
        exemptions=[dict(siren=X, type_frais=2, motif="Vote du CA")])
    motif = next(c[4] for c in charges if c[0] == 2)
    assert "Commune A" in motif and "Vote du CA" not in motif


# Never a silent 0 (spécification §3.7): X is Excel row 2 of Membres; the column is
# named by its template header (the tables here are built without a file header).
COVERAGE = table(
    ("no-population-where-rows-have-brackets", dict(x=dict(population=None)),
     [("population-manquante", 2, "Population")]),
    ("population-in-a-gap-between-brackets",
     dict(x=dict(population=1500),
          tariffs=[BAREME_ROWS[0], BAREME_ROWS[1] | dict(population_min=2000),
                   *BAREME_ROWS[2:]]),
     [("bareme-non-couvert", 2, "Catégorie")]),
    ("category-without-any-row", dict(x=dict(categorie="autre")),
     [("bareme-non-couvert", 2, "Catégorie"), ("bareme-non-couvert", 2, "Catégorie")]),
    ("per-service-rows-only-for-a-service-not-taken",
     dict(x=dict(categorie="syndicat", population=None),
          subscriptions=[dict(siren=X, prestation="marches_publics")], consultations=[]),
     [("bareme-non-couvert", 2, "Catégorie")]),
    ("type-1-row-missing-on-launch-day",
     dict(tariffs=[*BAREME_ROWS[:3], BAREME_ROWS[3] | dict(valable_du="2026-03-03"),
                   *BAREME_ROWS[4:]]),
     [("bareme-non-couvert", 2, "Catégorie")]),
)


@pytest.mark.parametrize(("scenario", "expected"), COVERAGE)
def test_member_no_row_prices_is_an_error(scenario: dict[str, Any],
                                          expected: list[tuple[str, int, str]]) -> None:
    _, problems = compute(**scenario)
    assert problems == expected


def test_period_as_of_is_the_month_last_day() -> None:
    """spécification §3.1: 2026-11 → E 2026, A 30/11/2026; February of a leap year."""
    assert period_of("2026-11") == Period(2026, day("2026-11-30"))
    assert period_of("2024-02") == Period(2024, day("2024-02-29"))
