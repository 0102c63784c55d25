"""Every exercise's receivables (issue 11) and the as-of date applied to titres (issue 9, 8).

One scenario, run as an officer would over the years with the real CLI: final reports
of 2022, 2023 (October, then no December report) and 2025 (on a modified sample: the
commune A had 1 500 inhabitants then) produced by the tool itself, no report for 2024,
then October and November 2026. Every figure below is computed by hand from the
titres and the barème of ``workbooks.base()``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil

import openpyxl
import pandas as pd
import pytest
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    EPCI,
    SYNDICAT,
    D,
    base,
    consultation,
    euros,
    member,
    read_sheet,
    run,
    siren,
    subscription,
)

from reconcile.compute.asof import titres_as_of
from reconcile.compute.dunning import claimable
from reconcile.compute.identity import Identity
from reconcile.compute.receivables import outstanding, prescription
from reconcile.core.model import Period
from reconcile.render.receivables_view import render_outstanding
from reconcile.render.reminders import reminder_delay, reminders
from reconcile.render.xlsx import Book

LEFT = siren(7)  # a commune that notified its withdrawal in June 2024: gone on 1 Jan 2025
WINDOW = (D(2019, 11, 1), D(2020, 1, 31))


def _titre(numero, who, exercice, montant, emis, encaisse=None, le=None, type_frais=2,
           code=None):
    return {"Numéro": numero, "SIREN": who, "Exercice": exercice, "Type frais": type_frais,
            "Consultation": code, "Montant": montant, "Date émission": emis,
            "Montant encaissé": encaisse, "Date encaissement": le}


# What the finance software knew at the end of October 2026…
OCTOBER_EXPORT = [
    _titre("X22-1", COMMUNE_B, 2022, 500, D(2022, 3, 15)),  # prescribes 31/12/2026
    _titre("X23-1", LEFT, 2023, 100, D(2023, 5, 10), 40, D(2023, 9, 1)),  # partial
    _titre("X24-1", SYNDICAT, 2024, 200, D(2024, 2, 1)),  # 2024: no report
    _titre("X25-1", COMMUNE_A, 2025, 500, D(2025, 2, 10), 500, D(2025, 4, 1)),
    _titre("X25-2", COMMUNE_B, 2025, 500, D(2025, 12, 15)),
    _titre("X25-3", SYNDICAT, 2025, 20, D(2025, 6, 1), 20, D(2025, 6, 30), 1, "C2025"),
    _titre("X26-1", COMMUNE_A, 2026, 100, D(2026, 9, 15)),
    _titre("X26-3", EPCI, 2026, 1000, D(2026, 6, 1), 250, D(2026, 7, 1)),
    _titre("X26-6", CCAS_A, 2026, 5, None, type_frais=1, code="C2026"),  # undated
    _titre("X26-7", SYNDICAT, 2026, 20, D(2026, 7, 15), type_frais=1, code="C2026"),
]
# … and a December export: later titres and later collections, dated.
LATER = {"X25-2": (200, D(2026, 12, 5)), "X26-7": (5, D(2026, 11, 2))}
DECEMBER_EXPORT = [
    {**t, "Montant encaissé": LATER[t["Numéro"]][0], "Date encaissement": LATER[t["Numéro"]][1]}
    if t["Numéro"] in LATER else t for t in OCTOBER_EXPORT
] + [
    _titre("X26-2", COMMUNE_B, 2026, 500, D(2026, 11, 20)),
    _titre("X26-4", SYNDICAT, 2026, 200, D(2026, 12, 10)),  # after 30/11: not counted
]


def _inputs(population_a=800, titres=None):
    inputs = base()
    inputs.membres.append(member(LEFT, "Commune partie", "commune", 500,
                                 retrait=D(2024, 6, 1)))
    inputs.souscriptions.append(subscription(LEFT, "marches_publics"))
    inputs.membres[1]["Population"] = population_a
    inputs.consultations += [consultation("C2023", *WINDOW, D(2023, 9, 4)),
                             consultation("C2025", *WINDOW, D(2025, 3, 3))]
    inputs.titres = titres if titres is not None else DECEMBER_EXPORT
    return inputs


def _ok(result):
    assert result.status == 0, result.err
    return result


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    """The reports folder after the runs of 2022 to November 2026, and those results."""
    root = tmp_path_factory.mktemp("years")
    reports = root / "reports"
    then = _inputs().write(root / "in-2022")
    for month in ("2022-12", "2023-06", "2023-10"):
        _ok(run(then, reports, month))
    _ok(run(_inputs(population_a=1500).write(root / "in-2025"), reports, "2025-12"))
    october_inputs = _inputs(titres=OCTOBER_EXPORT).write(root / "in-oct")
    october = _ok(run(october_inputs, reports, "2026-10"))
    first_october = {s: read_sheet(october.report_path, s) for s in SHEETS}
    now = _inputs().write(root / "in-nov")
    october_again = _ok(run(now, reports, "2026-10"))
    november = _ok(run(now, reports, "2026-11", extra=["--relances"]))
    return {"reports": reports, "inputs": now, "first_october": first_october,
            "october_again": october_again, "november": november}


SHEETS = ("Charges", "Rapprochement", "Exercices antérieurs", "Restes à recouvrer")


def _by(frame, column="Numéro"):
    return {row[column]: row for _, row in frame.iterrows()}


def test_restes_a_recouvrer_hand_computed(years):
    restes = years["november"].sheet("Restes à recouvrer")
    assert list(restes.columns[:11]) == [
        "SIREN", "Membre", "Exercice", "Numéro", "Date d'émission", "Montant", "Encaissé",
        "Reste", "Âge", "Tranche", "Date de prescription"]
    # Oldest first; the undated titre last; X25-1 and X25-3 are paid, X26-4 is after 30/11.
    assert list(restes["Numéro"]) == ["X22-1", "X23-1", "X24-1", "X25-2", "X26-3", "X26-7",
                                      "X26-1", "X26-2", "X26-6"]
    # Prescription: four years after the emission, to the day (no prise en charge date in
    # a typed export; CGCT L1617-5 3°), issue 18 item 7.
    expected = {  # numéro: (reste €, âge, tranche, prescription)
        "X22-1": (500, 1721, "plus d'un an", D(2026, 3, 15)),
        "X23-1": (60, 1300, "plus d'un an", D(2027, 5, 10)),  # 100 − 40 collected
        "X24-1": (200, 1033, "plus d'un an", D(2028, 2, 1)),
        "X25-2": (500, 350, "181–365", D(2029, 12, 15)),  # 200 collected on 05/12: later
        "X26-3": (750, 182, "181–365", D(2030, 6, 1)),
        "X26-7": (15, 138, "91–180", D(2030, 7, 15)),  # 5 collected on 02/11
        "X26-1": (100, 76, "31–90", D(2030, 9, 15)),
        "X26-2": (500, 10, "0–30", D(2030, 11, 20)),
        "X26-6": (5, None, "date inconnue", None),
    }
    for numero, row in _by(restes).items():
        reste, age, bucket, prescription = expected[numero]
        assert euros(row["Reste"]) == reste * 100, numero
        assert row["Âge"] == age, numero
        assert row["Tranche"] == bucket, numero
        got = row["Date de prescription"]
        assert (got.date() if got is not None else None) == prescription, numero
    assert _by(restes)["X23-1"]["Membre"] == "Commune partie"  # withdrew, still owes 2023
    assert _by(restes)["X22-1"]["Alerte"] == "prescrit"
    assert _by(restes)["X23-1"]["Alerte"] == "prescrit dans moins de six mois"
    assert {r["Alerte"] for n, r in _by(restes).items() if n not in ("X22-1", "X23-1")} \
        == {None}
    assert _by(restes)["X22-1"]["Base de la prescription"] == (
        "4 ans après émission du 15/03/2022 (prise en charge inconnue)")


def test_balance_agee_in_the_synthese(years):
    synthese = openpyxl.load_workbook(years["november"].report_path)["Synthèse"]
    rows = [[c.value for c in r] for r in synthese.iter_rows()]
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Balance âgée au 30/11"))
    table = {r[0]: (r[1], round(r[2] * 100)) for r in rows[start + 1:start + 8]}
    assert table == {"0–30 jours": (1, 50000), "31–90 jours": (1, 10000),
                     "91–180 jours": (1, 1500), "181–365 jours": (2, 125000),
                     "plus d'un an": (3, 76000), "date inconnue": (1, 500),
                     "Total": (9, 263000)}
    start = next(i for i, r in enumerate(rows) if r[0] == "Reste à recouvrer par exercice")
    assert rows[start][1:8] == ["0–30", "31–90", "91–180", "181–365", "plus d'un an",
                                "date inconnue", "Total"]
    by_year = {r[0]: [round((v or 0) * 100) for v in r[1:8]] for r in rows[start + 1:start + 6]}
    assert by_year == {2022: [0, 0, 0, 0, 50000, 0, 50000], 2023: [0, 0, 0, 0, 6000, 0, 6000],
                       2024: [0, 0, 0, 0, 20000, 0, 20000], 2025: [0, 0, 0, 50000, 0, 0, 50000],
                       2026: [50000, 10000, 1500, 75000, 0, 500, 137000]}
    soon = next(i for i, r in enumerate(rows)
                if r[0] == "Titres qui se prescrivent d'ici le 31/05/2027")
    assert round(rows[soon][1] * 100) == 6000  # X23-1, 10/05/2027 (X22-1 is prescribed)
    assert synthese.cell(soon + 1, 2).font.color.rgb.endswith("C00000")  # in red
    # 2022 dues never invoiced (A 100, syndicat 200, EPCI 1 000, commune partie 100).
    assert rows[soon + 1][0] == "Dû jamais titré qui se prescrit d'ici le 31/05/2027"
    assert round(rows[soon + 1][1] * 100) == 140000
    texts = [r[0] for r in rows] + [r[1] for r in rows]
    assert "2024 : aucun rapport de l'exercice, dû non connu" in texts
    assert ("2023 : dû repris du rapport 2023-10/rapprochement_2023-10.xlsx (pas de rapport "
            "de décembre)") in texts
    assert "2025 : dû repris du rapport 2025-12/rapprochement_2025-12.xlsx" in texts
    assert "2021 : aucun rapport de l'exercice, dû non connu" not in texts  # prescribed
    notice = next(r[1] for r in rows if r[0] == "Titres pris en compte (date d'arrêté)")
    assert notice.startswith("titres émis au plus tard le 30/11/2026 et encaissements datés "
                             "au plus tard le 30/11/2026 ; un titre ou un encaissement sans "
                             "date est compté")
    assert notice.endswith("1 titre(s) émis après, 1 encaissement(s) datés après")


def _past(result):
    frame = result.sheet("Exercices antérieurs")
    return {(r["Exercice"], r["SIREN"], r["Type de frais"]): r for _, r in frame.iterrows()}


def test_past_exercises_from_their_final_reports(years):
    frame = years["november"].sheet("Exercices antérieurs")
    assert list(frame.columns[:12]) == [
        "SIREN", "Membre", "Exercice", "Type de frais", "Consultation", "Montant dû",
        "Montant titré", "Écart", "Encaissé", "Reste à recouvrer", "Statut", "Titres"]
    past = _past(years["november"])
    assert sorted({k[0] for k in past}) == [2022, 2023, 2024, 2025]

    def check(key, du, titre, encaisse, statut, prescription=None):
        row = past[key]
        assert (euros(row["Montant dû"]) if row["Montant dû"] is not None else None,
                euros(row["Montant titré"]), euros(row["Encaissé"]), row["Statut"]) == (
            du, titre, encaisse, statut), key
        got = row["Date de prescription"]
        assert (got.date() if got is not None else None) == prescription, key

    check((2022, COMMUNE_B, 2), 50000, 50000, 0, "conforme")
    check((2022, COMMUNE_A, 2), 10000, 0, 0, "à émettre", D(2026, 12, 31))
    check((2022, LEFT, 2), 10000, 0, 0, "à émettre", D(2026, 12, 31))
    # 2023: the October report (C2023 launched in September), not June's.
    check((2023, LEFT, 2), 10000, 10000, 4000, "conforme")
    check((2023, LEFT, 1), 3000, 0, 0, "à émettre", D(2027, 12, 31))
    check((2023, EPCI, 1), 4000, 0, 0, "à émettre", D(2027, 12, 31))
    # 2024: no report, only its titre.
    assert [k for k in past if k[0] == 2024] == [(2024, SYNDICAT, 2)]
    check((2024, SYNDICAT, 2), None, 20000, 0, "dû non connu")
    # 2025: dues as the December report says (A had 1 500 inhabitants: 500 €), not 100 €.
    check((2025, COMMUNE_A, 2), 50000, 50000, 50000, "conforme")
    check((2025, COMMUNE_B, 2), 50000, 50000, 0, "conforme")  # collected 05/12/2026: later
    check((2025, SYNDICAT, 1), 2000, 2000, 2000, "conforme")
    check((2025, EPCI, 2), 100000, 0, 0, "à émettre", D(2029, 12, 31))
    assert (2025, LEFT, 2) not in past  # gone on 1 Jan 2025
    assert CCAS_A not in {k[1] for k in past if k[2] == 2}  # exempt (R1): due 0, no titre


def test_controle_names_each_final_report_with_its_sha256(years):
    sheet = openpyxl.load_workbook(years["november"].report_path)["Contrôle"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Rapport final (exercice antérieur)")
    listed = {r[0]: (r[1], r[2]) for r in rows[start + 1:start + 4]}
    reports = years["reports"]
    assert listed == {
        name: (hashlib.sha256((reports / name).read_bytes()).hexdigest(), name[:4])
        for name in ("2022-12/rapprochement_2022-12.xlsx",
                     "2023-10/rapprochement_2023-10.xlsx",
                     "2025-12/rapprochement_2025-12.xlsx")}
    journal = (reports / "2026-11" / "journal_2026-11.jsonl").read_text(encoding="utf-8")
    end = json.loads(journal.splitlines()[-1])
    assert end["rapports_finals"] == {name: digest for name, (digest, _) in listed.items()}


def test_current_exercise_counts_titres_as_of_its_date(years):
    rows = years["november"].reconciliation()
    line = {(r["SIREN"], r["Type de frais"]): r for _, r in rows.iterrows()}
    assert line[(SYNDICAT, 2)]["Statut"] == "à émettre"  # X26-4 issued 10/12
    assert euros(line[(SYNDICAT, 1)]["Encaissé"]) == 500
    assert euros(line[(EPCI, 2)]["Reste à recouvrer"]) == 75000


def test_october_unchanged_when_rerun_with_a_newer_export(years):
    again = years["october_again"]
    for sheet in SHEETS:
        pd.testing.assert_frame_equal(years["first_october"][sheet],
                                      read_sheet(again.report_path, sheet), obj=sheet)
    restes = _by(years["first_october"]["Restes à recouvrer"])
    assert euros(restes["X26-7"]["Reste"]) == 2000  # its 5 € came on 02/11
    assert "X26-2" not in restes


def test_evolutions_reports_titres_newly_collected_and_newly_overdue(years):
    changes = years["november"].sheet("Évolutions")
    titres = changes[changes["Titre"].notna()]
    got = {(r["Nature"], r["Titre"], r["SIREN"],
            None if r["Avant"] is None else euros(r["Avant"]), euros(r["Après"]))
           for _, r in titres.iterrows()}
    assert got == {("titre encaissé", "X26-7 (2026)", SYNDICAT, 2000, 1500),  # 5 € on 02/11
                   ("titre en retard", "X26-1 (2026)", COMMUNE_A, 10000, 10000)}  # 46 → 76 days


def _letter(path):
    sheet = openpyxl.load_workbook(path)["Relance"]
    return [[c for c in r] for r in sheet.iter_rows(values_only=True)]


def test_reminders_for_exactly_the_members_with_titres_overdue(years):
    folder = years["november"].folder / "relances"
    assert sorted(p.name for p in folder.glob("*.xlsx")) == sorted(
        f"relance_{s}.xlsx" for s in (COMMUNE_A, COMMUNE_B, LEFT, SYNDICAT, EPCI))
    # CCAS A owes 5 € on an undated titre: no age, no reminder.
    rows = _letter(folder / f"relance_{COMMUNE_B}.xlsx")
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "Commune B" in text and COMMUNE_B in text
    # X22-1 (taken in charge 15/03/2022) prescribed on 15/03/2026: not claimed (the
    # officer is told, relance-prescrit); X25-2 alone is
    assert "Il reste à payer 500,00 € au total, que nous vous remercions de " \
           "régler avant le 30 décembre 2026." in text  # 30 days: the default delay
    assert "le titre de recettes ci-dessous" in text
    assert "plus de 60 jours après son émission" in text
    assert "Pour toute question : [à renseigner : clé contact de la feuille Parametres du " \
           "barème]" in text  # no sender invented
    header = next(i for i, r in enumerate(rows) if r[2] == "Numéro du titre")
    titres = rows[header + 1:header + 2]
    assert [(r[2], r[0], r[4].date(), r[7], r[8]) for r in titres] == [
        ("X25-2", 2025, D(2025, 12, 15), 500, 350)]
    assert rows[header + 2][0] == "Total" and rows[header + 2][7] == 500
    syndicat = _letter(folder / f"relance_{SYNDICAT}.xlsx")
    header = next(i for i, r in enumerate(syndicat) if r[2] == "Numéro du titre")
    assert [r[2] for r in syndicat[header + 1:header + 3]] == ["X24-1", "X26-7"]
    assert syndicat[header + 3][7] == 215  # 200 + (20 − 5)


def test_reminders_are_deterministic_and_follow_the_delay(years, tmp_path):
    reports = years["reports"]
    folder = reports / "2026-11" / "relances"
    before = {p.name: p.read_bytes() for p in folder.glob("*.xlsx")}
    copy = tmp_path / "reports"
    shutil.copytree(reports, copy)
    again = _ok(run(years["inputs"], copy, "2026-11", extra=["--relances"]))
    assert {p.name: p.read_bytes() for p in (again.folder / "relances").glob("*.xlsx")} == before
    later = _ok(run(years["inputs"], copy, "2026-11",
                    extra=["--relances", "--delai-relance", "1100"]))
    kept = sorted(p.name for p in (later.folder / "relances").glob("*.xlsx"))
    # over 1 100 days: X22-1 (1 721, but prescribed: no letter) and X23-1 (1 300);
    # X24-1 is 1 033 days old
    assert kept == [f"relance_{LEFT}.xlsx"]
    history = later.folder / "relances" / "historique"
    retired = {p.name.split("_")[1] for p in history.iterdir()}
    assert retired == {COMMUNE_A, COMMUNE_B, LEFT, SYNDICAT, EPCI}  # none lost; 2 rewritten
    assert not list((later.folder / "relances").glob(".*.tmp"))


def test_as_of_drops_later_titres_and_collections_and_keeps_undated_ones():
    titres = pd.DataFrame({
        "numero": ["A", "B", "C", "D"], "siren": ["1", "1", "1", "1"],
        "exercice": [2026] * 4, "type_frais": [2] * 4, "consultation": [None] * 4,
        "montant": [1000, 2000, 3000, 4000],
        "date_emission": pd.to_datetime(["2026-10-01", "2026-11-01", None, "2026-09-01"]),
        "montant_encaisse": [500, 0, 3000, 4000],
        "date_encaissement": pd.to_datetime(["2026-11-02", None, None, "2026-10-31"]),
    })
    kept, summary = titres_as_of(titres, pd.Timestamp("2026-10-31"))
    assert list(kept["numero"]) == ["A", "C", "D"]
    assert list(kept["montant_encaisse"]) == [0, 3000, 4000]
    assert (summary.titres_after, summary.collections_after) == (1, 1)
    assert list(titres["montant_encaisse"]) == [500, 0, 3000, 4000]  # input untouched


def _pes_titres():
    return pd.DataFrame({
        "numero": ["P1", "P2", "P3", "P4"], "siren": [COMMUNE_A, COMMUNE_A, EPCI, EPCI],
        "exercice": [2025, 2026, 2025, 2026], "type_frais": [2, 2, 2, 2],
        "consultation": [None] * 4, "montant": [10000, 20000, 30000, 40000],
        "date_emission": pd.to_datetime(["2025-03-01", "2026-02-01", "2025-04-01",
                                         "2026-05-01"]),
        "montant_encaisse": [0, 5000, 0, 0],
        "date_encaissement": pd.to_datetime([None, "2026-03-01", None, None]),
        "source": ["pes"] * 4,
        "etape_recouvrement": ["mise en demeure", "", "saisie administrative", ""],
        "admission_non_valeur": ["", "", "prononcée", "demandée"],
        "counts_as_invoiced": [True, True, True, False],  # P4 rejected by the accountant
    })


def test_pes_columns_shown_and_uncounted_titres_left_out(tmp_path):
    members = pd.DataFrame({"siren": [COMMUNE_A, EPCI], "nom": ["Commune A", "EPCI E"],
                            "role": ["membre", "membre"]})
    as_of = pd.Timestamp("2026-11-30")
    rows = outstanding(_pes_titres(), members, as_of)
    assert list(rows["numero"]) == ["P1", "P3", "P2"]
    path = tmp_path / "restes.xlsx"
    book = Book(dt.datetime(2026, 11, 30))
    render_outstanding(book, rows)
    path.write_bytes(book.close())
    sheet = read_sheet(path, "Restes à recouvrer")
    assert list(sheet.columns[10:14]) == ["Date de prescription", "Base de la prescription",
                                          "Étape de recouvrement", "Admission en non-valeur"]
    assert [(r["Numéro"], r["Étape de recouvrement"], r["Admission en non-valeur"],
             euros(r["Reste"])) for _, r in sheet.iterrows()] == [
        ("P1", "mise en demeure", None, 10000), ("P3", "saisie administrative", "prononcée",
                                                 30000), ("P2", None, None, 15000)]
    # No reminder for a titre whose admission en non-valeur is pronounced, nor for one
    # the comptable has taken to forced recovery (P1: mise en demeure).
    period, nobody = Period(2026, as_of), Identity.of(None)
    dunning = claimable(rows, 60, members, {})
    assert dunning.withheld == [(COMMUNE_A, "2025/P1",
                                 "recouvrement forcé engagé par le comptable", 10000)]
    written = list(reminders(period, dunning, members, 60, nobody))  # documents, no file
    assert [d.name for d in written] == [f"relances/relance_{COMMUNE_A}.xlsx"]
    letter = _letter(io.BytesIO(written[0].data))
    header = next(i for i, r in enumerate(letter) if r[2] == "Numéro du titre")
    assert letter[header + 1][2] == "P2" and letter[header + 2][0] == "Total"
    epci = list(reminders(period, claimable(rows[rows["numero"] != "P1"].assign(
        admission_non_valeur="", etape_recouvrement=""), 60, members, {}),
        members, 60, nobody))
    text = " ".join(str(v) for r in _letter(io.BytesIO(epci[1].data)) for v in r
                    if v is not None)
    assert "le titre de recettes ci-dessous" in text and "après son émission" in text


def test_without_pes_columns_the_sheet_has_none(tmp_path):
    frame = _pes_titres().drop(columns=["etape_recouvrement", "admission_non_valeur",
                                        "counts_as_invoiced", "source"])
    rows = outstanding(frame, pd.DataFrame({"siren": [], "nom": []}), pd.Timestamp("2026-11-30"))
    assert len(rows) == 4 and "etape_recouvrement" not in rows


def test_reminder_delay_option_and_parameter():
    assert reminder_delay() == 60
    assert reminder_delay(90) == 90
    assert reminder_delay(90, {"delai_relance": 30}) == 30
    assert reminder_delay(90, {"delai_relance": None}) == 90


def test_an_unreadable_final_report_is_a_warning_and_its_due_unknown(tmp_path, capsys):
    reports = tmp_path / "reports"
    (reports / "2025-12").mkdir(parents=True)
    (reports / "2025-12" / "rapprochement_2025-12.xlsx").write_bytes(b"not a workbook")
    result = _ok(run(_inputs().write(tmp_path / "in"), reports, "2026-11", capsys))
    anomalies = result.sheet("Anomalies")
    assert [r for r in anomalies[["Code", "Fichier"]].values.tolist()
            if r[0] != "relance-prescrit"] == [  # X22-1, prescribed, told apart
        ["rapport-final-illisible", "rapprochement_2025-12.xlsx"]]
    rows = [[c.value for c in r] for r in
            openpyxl.load_workbook(result.report_path)["Synthèse"].iter_rows()]
    texts = [r[0] for r in rows]
    assert ("2025 : rapport 2025-12/rapprochement_2025-12.xlsx illisible, dû non connu "
            "(voir Anomalies)") in texts
    assert next(r[1] for r in rows if r[0] == "Avertissements (feuille Anomalies)") == 2
    past = _past(result)
    assert {k[0] for k in past} == {2022, 2023, 2024, 2025}
    assert {r["Statut"] for r in past.values()} == {"dû non connu"}


def test_an_annulation_reduces_the_same_charges_titres_oldest_first():
    titres = pd.DataFrame({
        "numero": ["A", "B", "C", "D", "E"], "siren": [EPCI] * 4 + [COMMUNE_A],
        "exercice": [2026] * 5, "type_frais": [2] * 5, "consultation": [None] * 5,
        "montant": [10000, 20000, -25000, 7000, 3000],
        "date_emission": pd.to_datetime(["2026-01-10", "2026-02-10", "2026-03-10",
                                         "2026-04-10", "2026-01-10"]),
        "montant_encaisse": [0, 0, 0, 0, 0],
        "date_encaissement": pd.to_datetime([None] * 5),
    })
    titres.loc[3, "type_frais"] = 1  # another charge: not reduced by C
    titres.loc[3, "consultation"] = "C2026"
    members = pd.DataFrame({"siren": [EPCI, COMMUNE_A], "nom": ["EPCI E", "Commune A"]})
    rows = outstanding(titres, members, pd.Timestamp("2026-11-30"))
    got = {r.numero: (r.reste, r.annule) for r in rows.itertuples()}
    # C (−250 €) cancels A (100 €) then 150 € of B; D (type 1) and E (another member) keep all.
    assert got == {"B": (5000, 15000), "D": (7000, 0), "E": (3000, 0)}


# Prescription of a titre, issue 18 item 7, computed by hand: four years from the prise
# en charge (DtePcePec; the emission date when unknown), to the day; an interrupting act
# (commandement 02, mise en demeure 03, saisies, SATD) dated before the end starts four
# years again from its date; a lettre de rappel (01) or an ASAP (00) does not.
PRESCRIPTIONS = [
    # (id, emission, prise en charge, acts, expected date, expected basis)
    ("taken-in-charge", "2026-04-01", "2026-04-15", (), "2030-04-15",
     "4 ans après prise en charge du 15/04/2026"),
    ("emission-when-not-taken", "2026-04-01", None, (), "2030-04-01",
     "4 ans après émission du 01/04/2026 (prise en charge inconnue)"),
    ("leap-day", "2024-02-29", None, (), "2028-02-29",
     "4 ans après émission du 29/02/2024 (prise en charge inconnue)"),
    ("reminder-does-not-interrupt", "2026-04-01", "2026-04-15",
     (("2027-01-10", "01 lettre de rappel"),), "2030-04-15",
     "4 ans après prise en charge du 15/04/2026"),
    ("formal-notice-interrupts", "2026-04-01", "2026-04-15",
     (("2027-01-10", "01 lettre de rappel"), ("2027-03-01", "03 mise en demeure")),
     "2031-03-01", "4 ans après mise en demeure du 01/03/2027 (acte interruptif)"),
    ("two-acts-the-last-counts", "2026-04-01", "2026-04-15",
     (("2027-03-01", "03 mise en demeure"), ("2030-06-30", "18 SATD bancaire")),
     "2034-06-30", "4 ans après SATD bancaire du 30/06/2030 (acte interruptif)"),
    ("act-on-the-last-day", "2026-04-01", "2026-04-15",
     (("2030-04-15", "02 commandement"),), "2034-04-15",
     "4 ans après commandement du 15/04/2030 (acte interruptif)"),
    ("act-after-prescription-revives-nothing", "2026-04-01", "2026-04-15",
     (("2030-04-16", "02 commandement"),), "2030-04-15",
     "4 ans après prise en charge du 15/04/2026"),
    ("undated", None, None, (), None, ""),
]


@pytest.mark.parametrize(("emitted", "taken", "acts", "date", "basis"),
                         [pytest.param(*row[1:], id=row[0]) for row in PRESCRIPTIONS])
def test_titre_prescription_table(emitted, taken, acts, date, basis):
    frame = pd.DataFrame({"date_emission": pd.to_datetime([emitted]),
                          "date_prise_en_charge": pd.to_datetime([taken]),
                          "actes": [tuple((dt.date.fromisoformat(d), s) for d, s in acts)]})
    dates, bases = prescription(frame)
    assert (None if pd.isna(dates[0]) else dates[0].date().isoformat()) == date
    assert bases[0] == basis
