"""Property-based tests: on random valid groupements the report's invariants hold; on
random corruptions of valid workbooks the run ends with 0 or 2, never a traceback.

Examples are kept few (each one writes workbooks and runs the real CLI in process).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbooks import (
    COORD,
    D,
    Inputs,
    base,
    consultation,
    member,
    run,
    siren,
    subscription,
    tariff,
    titre,
)

from reconcile.cli.main import main
from schemas import PRESTATIONS

SERVICES = sorted(PRESTATIONS)
CATEGORIES = ["commune", "epci", "syndicat", "ccas", "caisse_des_ecoles",
              "etablissement_public", "autre"]
MONTHS = ["2026-01", "2026-03", "2026-06", "2026-11", "2026-12"]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

cents = st.integers(min_value=0, max_value=5_000_000)
dates = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2027, 6, 30))

pytestmark = pytest.mark.slow  # each example writes workbooks and runs a month


def euros(amount: int) -> float | int:
    """Integer cents → the number an officer types (an int when whole)."""
    return amount // 100 if amount % 100 == 0 else amount / 100


@st.composite
def groupements(draw) -> tuple[Inputs, str]:
    """A random valid groupement: every category priced, no overlaps, codes known."""
    month = draw(st.sampled_from(MONTHS))
    coordinator_leaves = draw(st.sampled_from([None, None, None, D(2026, 6, 1),
                                               D(2025, 3, 1)]))
    members = [member(COORD, "Coordonnateur", "etablissement_public", adhesion=D(2019, 1, 1),
                      role="coordonnateur", retrait=coordinator_leaves)]
    subscriptions = []
    communes = []
    count = draw(st.integers(min_value=1, max_value=12))
    for n in range(count):
        who = siren(100 + n)
        category = draw(st.sampled_from(CATEGORIES))
        population = (draw(st.integers(min_value=0, max_value=300_000))
                      if category in ("commune", "epci") or draw(st.booleans()) else None)
        attached = None
        if category in ("ccas", "caisse_des_ecoles"):
            attached = draw(st.sampled_from([*communes, siren(999)])) if communes else siren(999)
        adhesion = draw(st.sampled_from([D(2020, 1, 15), D(2019, 11, 5), D(2024, 7, 1),
                                         D(2026, 2, 10), D(2026, 9, 1)]))
        notice = draw(st.one_of(st.none(), st.dates(min_value=adhesion,
                                                    max_value=dt.date(2027, 1, 1))))
        members.append(member(who, f"Membre {n}", category, population, attached, adhesion,
                              notice))
        if category == "commune":
            communes.append(who)
        for service in draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3,
                                     unique=True)):
            end = draw(st.one_of(st.none(), st.dates(min_value=adhesion,
                                                     max_value=dt.date(2027, 12, 31))))
            subscriptions.append(subscription(who, service, None, end))
    tariffs = []
    for category in CATEGORIES:
        for type_frais in (1, 2):
            if category in ("commune", "epci"):
                split = draw(st.integers(min_value=1, max_value=100_000))
                tariffs.append(tariff(type_frais, category, euros(draw(cents)), 0, split - 1))
                tariffs.append(tariff(type_frais, category, euros(draw(cents)), split, None))
            else:
                tariffs.append(tariff(type_frais, category, euros(draw(cents))))
            for service in draw(st.lists(st.sampled_from(SERVICES), max_size=2, unique=True)):
                tariffs.append(tariff(type_frais, category, euros(draw(cents)),
                                      prestation=service))
    consultations = []
    for n in range(draw(st.integers(min_value=1, max_value=3))):
        launch = draw(st.dates(min_value=dt.date(2026, 1, 2), max_value=dt.date(2026, 12, 31)))
        services = draw(st.lists(st.sampled_from(SERVICES), max_size=3, unique=True))
        consultations.append(consultation(f"C{n}", D(2019, 11, 1), D(2020, 1, 31), launch,
                                          ", ".join(services)))
    sirens = [m["SIREN"] for m in members]
    exemptions = [{"SIREN": who, "Type frais": draw(st.sampled_from([1, 2])),
                   "Exercice": draw(st.sampled_from([None, 2026, 2025])), "Motif": "Vote"}
                  for who in draw(st.lists(st.sampled_from(sirens[1:]), max_size=3,
                                           unique=True))]
    titres = []
    for n in range(draw(st.integers(min_value=0, max_value=8))):
        who = draw(st.sampled_from([*sirens, siren(998)]))
        amount = draw(st.integers(min_value=-100_000, max_value=3_000_000))
        collected = draw(st.integers(min_value=0, max_value=max(amount, 0)))
        if consultations and draw(st.booleans()):
            code = draw(st.sampled_from([c["Code"] for c in consultations]))
            titres.append(titre(f"T{n:03d}", who, euros(amount), 2026, 1, code,
                                euros(collected)))
        else:
            titres.append(titre(f"T{n:03d}", who, euros(amount), encaisse=euros(collected)))
    return Inputs(members, subscriptions, tariffs, consultations, exemptions, titres), month


def cents_of(value) -> int:
    return round(float(value or 0) * 100)


def sheet_rows(workbook, name: str) -> list[dict]:
    """The table's lines: down to its first blank row, above the total row (a read-only
    workbook may skip the blank row: the « Total » label ends the table too)."""
    rows = list(workbook[name].iter_rows(values_only=True))
    lines = []
    for row in rows[1:]:
        if not any(v not in (None, "") for v in row) or row[0] == "Total":
            break
        lines.append(dict(zip(rows[0], row, strict=False)))
    return lines


def quiet(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue()


@SETTINGS
@given(groupements())
def test_invariants_of_the_report(drawn):
    inputs, month = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = inputs.write(Path(tmp) / "in")
        with redirect_stderr(io.StringIO()), redirect_stdout(io.StringIO()):
            first = run(folder, Path(tmp) / "a", month)
            second = run(folder, Path(tmp) / "b", month)
        assert first.status == 0, first.anomalies().to_dict("records")
        data = first.report_path.read_bytes()
        assert second.report_path.read_bytes() == data, "a rerun gives other bytes"
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        charges = sheet_rows(workbook, "Charges")
        rows = sheet_rows(workbook, "Rapprochement")
        summary = list(workbook["Synthèse"].iter_rows(values_only=True))

    # Écart = titré − dû, reste = titré − encaissé, on every row.
    for row in rows:
        assert cents_of(row["Écart"]) == cents_of(row["Montant titré"]) - cents_of(
            row["Montant dû"])
        assert cents_of(row["Reste à recouvrer"]) == cents_of(row["Montant titré"]) - cents_of(
            row["Encaissé"])
    # Synthèse totals = sums of the rows (by type and overall), to the cent.
    start = next(i for i, r in enumerate(summary) if r[0] == "Montants par type de frais")
    for line in summary[start + 1:start + 4]:
        label = line[0]
        part = [r for r in rows if label == "Total" or label.startswith(
            f"Type {r['Type de frais']} ")]
        for column, header in enumerate(("Montant dû", "Montant titré", "Écart", "Encaissé",
                                         "Reste à recouvrer"), start=1):
            assert cents_of(line[column]) == sum(cents_of(r[header]) for r in part), (label,
                                                                                       header)
    # What is due in Charges is what Rapprochement says is due.
    assert sum(cents_of(c["Montant dû"]) for c in charges) == sum(
        cents_of(r["Montant dû"]) for r in rows)
    # An exempt charge is 0 with a motif starting « Exonéré »; any motif means exempt.
    for charge in charges:
        if charge["Motif"]:
            assert charge["Motif"].startswith("Exonéré")
            assert cents_of(charge["Montant dû"]) == 0
    voted = {(e["SIREN"], e["Type frais"]) for e in inputs.exonerations
             if e["Exercice"] in (None, 2026)}
    for charge in charges:
        if (charge["SIREN"], charge["Type de frais"]) in voted:
            assert cents_of(charge["Montant dû"]) == 0 and charge["Motif"].startswith("Exonéré")
    # The coordinator is never charged.
    assert all(c["SIREN"] != COORD for c in charges)
    assert all(cents_of(r["Montant dû"]) == 0 for r in rows if r["SIREN"] == COORD)


# -- corruptions -------------------------------------------------------------------------

FILES = ["membres.xlsx", "souscriptions.xlsx", "bareme.xlsx", "titres.xlsx"]
SHEETS = {"membres": 6, "souscriptions": 6, "bareme": 11, "consultations": 1}
junk = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-10**15, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.none(),
    st.sampled_from(["#N/A", "=1+1", "31/02/2026", "03/15/26", "1 234,567", "'", "\u00a0",
                     "99000001", "99000001000013", "commune", "coordonnateur", "C2026",
                     "1e308", "-0", "NaN", "inf", "\x00", "\ud7ff", "é" * 300]),
)
cell_edits = st.lists(
    st.tuples(st.sampled_from(sorted(SHEETS)), st.integers(min_value=0, max_value=10),
              st.integers(min_value=0, max_value=9), junk),
    min_size=1, max_size=6)
byte_edits = st.tuples(
    st.sampled_from(FILES),
    st.one_of(
        st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)),
                                            min_size=1, max_size=8)),
        st.tuples(st.just("truncate"), st.floats(0, 1)),
    ))


def corrupt_cells(inputs: Inputs, edits) -> None:
    for sheet, row, column, value in edits:
        rows = getattr(inputs, sheet)
        record = rows[row % len(rows)]
        header = list(record)[column % len(record)]
        record[header] = value


def corrupt_bytes(folder: Path, edit) -> None:
    name, (kind, how) = edit
    path = folder / name
    data = bytearray(path.read_bytes())
    if kind == "truncate":
        data = data[: int(len(data) * how)]
    else:
        for where, mask in how:
            data[min(int(where * len(data)), len(data) - 1)] ^= mask
    path.write_bytes(bytes(data))


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def check_outcome(folder: Path, reports: Path) -> None:
    before = fingerprint(folder)
    status, err = quiet(["run", "--mois", "2026-11", "--inputs", str(folder), "--reports",
                         str(reports)])
    assert status in (0, 2), err
    assert "Traceback" not in err
    assert fingerprint(folder) == before
    if status == 2:
        assert not list(reports.rglob("rapprochement_*"))
        assert (reports / "2026-11" / "anomalies_2026-11.xlsx").is_file()


@SETTINGS
@given(cell_edits)
def test_junk_in_cells_gives_0_or_2(edits):
    inputs = base()
    corrupt_cells(inputs, edits)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            folder = inputs.write(Path(tmp) / "in")
        except Exception:  # a value no spreadsheet can hold (the generator refuses it)
            return
        check_outcome(folder, Path(tmp) / "out")


@SETTINGS
@given(byte_edits)
def test_damaged_bytes_give_0_or_2(edit):
    with tempfile.TemporaryDirectory() as tmp:
        folder = base().write(Path(tmp) / "in")
        corrupt_bytes(folder, edit)
        check_outcome(folder, Path(tmp) / "out")


FIXTURES = Path(__file__).parent / "fixtures"


@SETTINGS
@given(st.sampled_from(["membres.xls", "membres.ods", "membres-erreurs.xls"]),
       st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8))
def test_damaged_xls_and_ods_give_0_or_2(fixture, flips):
    with tempfile.TemporaryDirectory() as tmp:
        folder = base().write(Path(tmp) / "in")
        (folder / "membres.xlsx").unlink()
        target = folder / fixture.replace("-erreurs", "")
        target.write_bytes((FIXTURES / fixture).read_bytes())
        corrupt_bytes(folder, (target.name, ("flip", flips)))
        check_outcome(folder, Path(tmp) / "out")
