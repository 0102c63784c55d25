"""`reconcile run --releves`: one printable statement per member with something to show."""

from __future__ import annotations

import datetime as dt
import time

import openpyxl
import pandas as pd
import pytest
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    COORD,
    EPCI,
    SYNDICAT,
    base,
    euros,
    run,
    siren,
    titre,
)

from reconcile.core.model import period_of
from reconcile.render.statements import statements


def _statements(tmp_path, inputs, capsys, folder="in"):
    result = run(inputs.write(tmp_path / folder), tmp_path / "out", capsys=capsys,
                 extra=["--releves"])
    assert result.status == 0, result.err
    return result, result.folder / "releves"


def _rows(path):
    sheet = openpyxl.load_workbook(path)["Relevé"]
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]


def _section(rows, title):
    """The data rows of the table under ``title`` (header skipped, up to « Total »)."""
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 2
    end = next(i for i in range(start, len(rows)) if rows[i][0] == "Total")
    return rows[start:end], rows[end]


def test_statement_amounts_to_the_cent(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_A, "100,50", encaisse="50,25"),
                     titre("T2", COMMUNE_A, 30, type_frais=1, consultation_="C2026"),
                     titre("T9", COMMUNE_A, 999, exercice=2025),  # another exercise
                     titre("T3", COMMUNE_B, 600)]
    result, folder = _statements(tmp_path, inputs, capsys)
    assert sorted(p.name for p in folder.glob("*.xlsx")) == sorted(
        f"releve_{s}.xlsx" for s in (COMMUNE_A, COMMUNE_B, CCAS_A, SYNDICAT, EPCI))
    assert "5 relevé(s)" in result.out

    sheet, rows = _rows(folder / f"releve_{COMMUNE_A}.xlsx")
    text = [v for r in rows for v in r if isinstance(v, str)]
    assert any(v.startswith("Groupement de commandes – dématérialisation des procédures")
               for v in text)
    # nobody's name is written in the code: without the Parametres keys, the sender
    # is a visible gap, never a made-up organisation
    assert "[à renseigner : clé coordonnateur de la feuille Parametres du barème]" in text
    assert not any("CIG" in v or "Grande Couronne" in v for v in text)
    facts = {r[0]: r[2] for r in rows[:12] if r[0]}
    assert facts["Membre"] == "Commune A" and facts["SIREN"] == COMMUNE_A
    assert facts["Exercice"] == 2026 and facts["Arrêté au"] == dt.datetime(2026, 11, 30)

    totals = _totals(rows)
    assert totals == {  # due 130 € (type 2 100 €, type 1 30 €), titré 130,50 €, paid 50,25 €
        PAY_NOW: 7975,  # 30 € of T2 + (100 € − 50,25 €) of T1, not the 0,50 € over
        TO_INVOICE: 0,
        OVER: 50,
        NET: 7975}  # always due − paid

    lines, total = _section(rows, "Situation par type de frais et consultation")
    got = {(r[0], r[1]): (*(euros(v) for v in r[2:7]), r[8], r[7]) for r in lines}
    assert got == {(1, "C2026 – Consultation C2026"): (3000, 3000, 0, 0, 3000,
                                                      "Titré en totalité.", "T2"),
                   (2, None): (10000, 10050, 0, 5025, 5025,
                               "Titré 0,50 € de trop : une réduction de ce montant est "
                               "proposée.", "T1")}
    assert [euros(v) for v in total[2:7]] == [13000, 13050, 0, 5025, 8025]

    charges, total = _section(rows, "Charges de l'exercice (barème voté)")
    assert [(r[0], r[1], r[2], r[4], euros(r[6])) for r in charges] == [
        (1, "C2026 – Consultation C2026", "par membre", "T1 commune : 30,00 €", 3000),
        (2, None, "par membre", "T2 commune : 100,00 €", 10000)]
    assert [r[3] for r in charges] == [
        "Frais de procédure de la consultation, par membre participant",
        "Forfait annuel de fonctionnement, par membre"]
    assert euros(total[6]) == 13000

    titres, total = _section(rows, "Titres de recettes de l'exercice 2026")
    assert [(r[2], r[3], euros(r[4]), euros(r[5])) for r in titres] == [
        ("T2", dt.datetime(2026, 4, 1), 3000, 0), ("T1", dt.datetime(2026, 4, 1), 10050, 5025)]
    assert (euros(total[4]), euros(total[5])) == (13050, 5025)

    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    formats = {c.number_format for r in sheet.iter_rows() for c in r
               if isinstance(c.value, float | int) and c.column > 2 and c.row > 12}
    assert all("€" in f for f in formats)
    assert {c.number_format for r in sheet.iter_rows() for c in r
            if isinstance(c.value, dt.datetime)} == {"dd/mm/yyyy"}


def test_exempt_charge_shows_its_motif(tmp_path, capsys):
    _, folder = _statements(tmp_path, base(), capsys)
    _, rows = _rows(folder / f"releve_{CCAS_A}.xlsx")
    charges, total = _section(rows, "Charges de l'exercice (barème voté)")
    exempt = [r for r in charges if r[0] == 2]
    assert euros(exempt[0][6]) == 0
    assert exempt[0][7] == ("Exonéré : CCAS d'une commune membre du groupement (Commune A), "
                            "selon la convention constitutive du groupement.")
    assert euros(total[6]) == 500


PAY_NOW = "À payer maintenant : titres déjà émis, restant dus"
TO_INVOICE = "Reste à titrer : sera facturé par un prochain titre de recettes"
OVER = ("Titré au-delà du dû : le coordonnateur réduira ou annulera ces titres (ne pas "
        "payer ce montant)")
NET = "Solde : total que vous devez pour l'exercice"


def _totals(rows) -> dict[str, int]:
    section = rows[rows.index(next(r for r in rows if r[0] == "Votre solde")) + 1:]
    end = next(i for i, r in enumerate(section) if r[0] is None)
    return {r[0]: euros(r[6]) for r in section[:end]}


def test_no_statement_without_anything_due_or_invoiced(tmp_path, capsys):
    result, folder = _statements(tmp_path, base(), capsys)
    assert not (folder / f"releve_{COORD}.xlsx").exists()  # never charged, no titre
    reconciled = set(result.reconciliation()["SIREN"])
    assert {p.stem.removeprefix("releve_") for p in folder.glob("*.xlsx")} == reconciled


def test_no_statement_for_a_siren_that_is_not_a_member(tmp_path, capsys):
    """Its titre is reconciled (« membre inconnu ») and listed as a warning, but no
    document is addressed to a body outside the groupement."""
    stranger = siren(77)
    inputs = base()
    inputs.titres = [titre("T1", stranger, 40)]
    result, folder = _statements(tmp_path, inputs, capsys)
    lines = result.reconciliation()
    assert lines.loc[lines["SIREN"] == stranger, "Statut"].tolist() == ["membre inconnu"]
    assert not (folder / f"releve_{stranger}.xlsx").exists()
    anomalies = result.sheet("Anomalies")
    warning = anomalies[anomalies["Valeur"] == stranger]
    assert warning[["Code", "Fichier", "Feuille", "Ligne", "Colonne"]].values.tolist() == [
        ["titre-hors-membres", "titres.xlsx", "Titres", 2, "SIREN"]]


def test_what_is_to_invoice_is_apart_from_what_is_to_collect(tmp_path, capsys):
    """Type 2 half invoiced and partly paid, type 1 not invoiced at all."""
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_A, 60, encaisse=25)]
    _, folder = _statements(tmp_path, inputs, capsys)
    _, rows = _rows(folder / f"releve_{COMMUNE_A}.xlsx")
    totals = _totals(rows)
    assert totals == {TO_INVOICE: 7000, PAY_NOW: 3500, NET: 10500}
    lines, _ = _section(rows, "Situation par type de frais et consultation")
    assert {r[0]: (euros(r[4]), euros(r[6])) for r in lines} == {1: (3000, 0), 2: (4000, 3500)}


def test_statement_speaks_plain_french(tmp_path, capsys):
    """No rule code, no barème row reference, no internal code; the délibérations."""
    inputs = base()
    for row in inputs.bareme:
        row["Délibération"] = "n° 2025-42 du 12/12/2025"
    inputs.consultations[0]["Délibération"] = "Délibération n° 2025-38 du 14/10/2025"
    inputs.exonerations = [{"SIREN": SYNDICAT, "Type frais": 2, "Exercice": 2026,
                            "Motif": "Budget inférieur à 10 000 €",
                            "Délibération": "n° 2026-12 du 10/02/2026"}]
    inputs.souscriptions.append({"SIREN": CCAS_A, "Prestation": "Parapheurs électroniques",
                                 "Date début": None, "Date fin": None})
    result, folder = _statements(tmp_path, inputs, capsys)
    texts = []
    for path in folder.glob("*.xlsx"):
        _, rows = _rows(path)
        texts += [v for r in rows for v in r if isinstance(v, str)]
    joined = "\n".join(texts)
    for jargon in ("R1", "R5", "R6", "R7", "Bareme", "ligne ", "caisse_des_ecoles",
                   "marches_publics", "parapheur\n", "Ligne du barème", "Règle"):
        assert jargon not in joined, jargon
    _, rows = _rows(folder / f"releve_{SYNDICAT}.xlsx")
    charges, _ = _section(rows, "Charges de l'exercice (barème voté)")
    type2 = next(r for r in charges if r[0] == 2)
    assert type2[7] == ("Exonéré par délibération n° 2026-12 du 10/02/2026 : Budget inférieur "
                        "à 10 000 €")
    assert type2[5] == "Exonération : n° 2026-12 du 10/02/2026"
    type1 = next(r for r in charges if r[0] == 1)
    assert type1[5] == ("Tarif : n° 2025-42 du 12/12/2025 ; consultation : n° 2025-38 du "
                        "14/10/2025")
    # The auditor's Charges sheet keeps the barème row, and shows the délibération.
    charges = result.charges()
    assert list(charges.columns[:10]) == [
        "SIREN", "Membre", "Catégorie", "Exercice", "Type de frais", "Consultation",
        "Prestation", "Ligne du barème", "Montant dû", "Motif"]
    assert "Délibération" in list(charges.columns[10:])
    row = charges[(charges["SIREN"] == SYNDICAT) & (charges["Type de frais"] == 2)]
    assert row["Délibération"].tolist() == ["Exonération : n° 2026-12 du 10/02/2026"]
    assert charges["Ligne du barème"].dropna().str.startswith("Bareme, ligne").all()
    # The CCAS's « Parapheurs électroniques » (a label, not a code) was accepted: the run
    # succeeded. Its statement names its category by the label.
    _, rows = _rows(folder / f"releve_{CCAS_A}.xlsx")
    assert {r[0]: r[2] for r in rows[:12] if r[0]}["Catégorie"] == "CCAS"


def test_without_the_option_no_statement(tmp_path, capsys):
    result = run(base().write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0
    assert not (result.folder / "releves").exists()


def test_rerun_leaves_statements_untouched_and_retires_stale_ones(tmp_path, capsys):
    stranger = COORD  # never charged: a statement only while it has a titre
    inputs = base()
    inputs.titres = [titre("T1", stranger, 40)]
    _, folder = _statements(tmp_path, inputs, capsys)
    _, rows = _rows(folder / f"releve_{stranger}.xlsx")
    lines, _ = _section(rows, "Situation par type de frais et consultation")
    assert [r[8] for r in lines] == ["Rien n'est dû : le titre sera annulé (ne pas le payer)."]
    stats = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.xlsx")}
    _statements(tmp_path, inputs, capsys)
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.glob("*.xlsx")} == stats
    inputs.titres = []
    _statements(tmp_path, inputs, capsys)
    assert not (folder / f"releve_{stranger}.xlsx").exists()
    assert [p.name.startswith(f"releve_{stranger}_") for p in (folder / "historique").iterdir()
            ] == [True]
    assert not list(folder.glob(".*.tmp"))


def test_member_text_is_never_a_formula(tmp_path, capsys):
    inputs = base()
    inputs.membres[1]["Nom"] = '=HYPERLINK("http://example.com","x")'
    _, folder = _statements(tmp_path, inputs, capsys)
    sheet = openpyxl.load_workbook(folder / f"releve_{COMMUNE_A}.xlsx")["Relevé"]
    cell = next(c for r in sheet.iter_rows() for c in r
                if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s" and cell.value.startswith("=")


def test_statements_are_fast(tmp_path):
    """A few milliseconds per statement (fsync included), on a large groupement."""
    count = 100
    sirens = [siren(1000 + i) for i in range(count)]
    charges = pd.DataFrame({
        "siren": sirens, "membre": [f"Membre {i}" for i in range(count)],
        "categorie": "commune", "exercice": 2026, "type_frais": 2, "consultation": "",
        "prestation": "", "bareme_ligne": pd.array([2] * count, dtype="Int64"),
        "bareme_libelle": "T2 commune", "montant": 10000, "motif": "",
        "regle": "Type 2, forfait annuel par membre (R7)", "deliberation": "",
        "tarif": 10000})
    rows = pd.DataFrame({
        "siren": sirens, "exercice": 2026, "type_frais": 2, "consultation": "", "du": 10000,
        "titre": 0, "encaisse": 0, "titres": "", "nb_titres": 0,
        "membre": [f"Membre {i}" for i in range(count)], "ecart": -10000, "reste": 0,
        "statut": "à émettre"})
    start = time.perf_counter()
    written = list(statements("2026-11", period_of("2026-11"), charges, rows, None))
    elapsed = time.perf_counter() - start
    assert len(written) == count
    assert elapsed / count < 0.05, f"{elapsed / count * 1000:.1f} ms per statement"


def _line(du, titre, encaisse):
    from collections import namedtuple

    Line = namedtuple("Line", ["type_frais", "consultation", "du", "titre", "encaisse",
                               "reste", "statut", "titres", "membre"])
    return Line(2, "", du, titre, encaisse, titre - encaisse, "", "", "M")


@pytest.mark.parametrize("lines, expected", [
    # Freneuse in the sample: 275 € to invoice, 520 € titré for 465,50 € due, 420 € paid
    ([(27500, 0, 0), (46550, 52000, 42000)],
     {"pay_now": 4550, "to_invoice": 27500, "reduce": 5450, "credit": 0, "net": 32050}),
    # an « indu » titre: nothing to pay, the titre will be cancelled
    ([(0, 15750, 0)], {"pay_now": 0, "to_invoice": 0, "reduce": 15750, "credit": 0, "net": 0}),
    # over-titré and paid in full: the excess is owed back
    ([(10000, 15450, 15450)],
     {"pay_now": 0, "to_invoice": 0, "reduce": 5450, "credit": 5450, "net": -5450}),
    # collected beyond the titre (reste negative)
    ([(20000, 10000, 15000)],
     {"pay_now": 0, "to_invoice": 10000, "reduce": 0, "credit": 5000, "net": 5000}),
])
def test_one_balance_always_due_minus_collected(lines, expected):
    from reconcile.render.statements import Statement

    statement = Statement("1", "2026-11", period_of("2026-11"),
                          [_line(*line) for line in lines], [], [])
    balance = statement.balance()
    assert balance == expected
    assert balance["net"] == sum(du - paid for du, _, paid in lines)


def test_statement_prints_the_identity_and_the_address(tmp_path, capsys):
    from workbooks import write_book

    inputs = base()
    inputs.membres[1].update({"Adresse": "1 place de la Mairie", "Complément d'adresse": "BP 3",
                              "Code postal": "78000", "Ville": "Essai"})
    folder = inputs.write(tmp_path / "in")
    write_book(folder / "bareme.xlsx", {
        "Bareme": inputs.bareme, "Consultations": inputs.consultations,
        "Parametres": [{"Paramètre": k, "Valeur": v} for k, v in {
            "coordonnateur": "Centre d'essai", "comptable": "SGC d'essai",
            "tribunal_administratif": "Tribunal administratif d'Essai",
            "ordonnateur": "Jeanne Essai", "qualite_ordonnateur": "La Présidente",
            "deliberation": "délibération n° 2025-40 du 12/12/2025"}.items()]})
    result = run(folder, tmp_path / "out", capsys=capsys, extra=["--releves"])
    assert result.status == 0, result.err
    sheet, rows = _rows(result.folder / "releves" / f"releve_{COMMUNE_A}.xlsx")
    text = [v for r in rows for v in r if isinstance(v, str)]
    assert text[0] == "Centre d'essai"
    assert [
        r[6] for r in rows[:4]] == ["Commune A", "1 place de la Mairie", "BP 3", "78000 ESSAI"]
    assert "Commune A – SIREN" in sheet.oddHeader.left.text  # on every page
    assert any("devant le tribunal administratif d'Essai dans un délai de deux mois" in v
               for v in text)
    assert {"La Présidente", "Jeanne Essai"} <= set(text)
    charges, _ = _section(rows, "Charges de l'exercice (barème voté)")
    # no délibération per tariff in the barème: the barème's own, as the titres cite it
    assert {r[5] for r in charges} == {"Délibération n° 2025-40 du 12/12/2025"}
    _, rows = _rows(result.folder / "releves" / f"releve_{CCAS_A}.xlsx")
    charges, _ = _section(rows, "Charges de l'exercice (barème voté)")
    waived = next(r for r in charges if r[0] == 2)  # R1: by the convention, not the barème
    assert waived[5] is None and waived[7].startswith("Exonéré")
    assert not any("à renseigner : clé coordonnateur" in v for v in text)


def test_every_table_runs_onto_a_page_under_its_own_header(tmp_path, capsys):
    """Only one row range repeats on print (the charges' header, the longest table):
    the charges come last, so no other table's rows can print under it (issue 19, 3)."""
    _, folder = _statements(tmp_path, base(), capsys)
    sheet, rows = _rows(folder / f"releve_{COMMUNE_A}.xlsx")
    titles = [i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith((
        "Situation par type", "Titres de recettes de l'exercice", "Charges de l'exercice"))]
    assert [str(rows[i][0]).split(" ")[0] for i in titles] == ["Situation", "Titres",
                                                               "Charges"]
    repeated = sheet.print_title_rows
    assert repeated == f"${titles[-1] + 2}:${titles[-1] + 2}"  # the charges' header row
    assert rows[titles[-1] + 1][:2] == ["Type", "Consultation"]
    after = rows[titles[-1] + 2:]
    assert not any(r[0] == "Type" for r in after)  # no table header below the charges


def test_a_zero_due_after_a_withdrawal_says_why(tmp_path, capsys):
    """A member whose withdrawal took effect on 1 January owes nothing for the year: the
    statement says so with the dates, not only that its titre will be cancelled
    (issue 19, item 3)."""
    inputs = base()
    gone = next(m for m in inputs.membres if m["SIREN"] == COMMUNE_B)
    gone["Date notification retrait"] = dt.date(2025, 10, 30)
    inputs.titres = [titre("T9", COMMUNE_B, 100)]
    _, folder = _statements(tmp_path, inputs, capsys)
    _, rows = _rows(folder / f"releve_{COMMUNE_B}.xlsx")
    lines, _ = _section(rows, "Situation par type de frais et consultation")
    said = " ".join(str(r[LAST_COLUMN]) for r in lines)
    assert ("Rien n'est dû : le titre sera annulé (ne pas le payer). Retrait notifié le "
            "30/10/2025, effectif au 01/01/2026 : aucun frais pour l'exercice 2026.") in said


LAST_COLUMN = 8  # « Situation »
