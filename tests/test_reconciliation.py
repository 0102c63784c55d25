"""spécification §4: the report's sheets, headers, statuses and totals, read back from disk;
the status rules themselves stated in memory (``month.state``)."""

from __future__ import annotations

import pytest
from month import state
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    EPCI,
    SYNDICAT,
    base,
    euros,
    run,
    siren,
    titre,
)

CHARGES_HEADERS = ["SIREN", "Membre", "Catégorie", "Exercice", "Type de frais", "Consultation",
                   "Prestation", "Ligne du barème", "Montant dû", "Motif"]
RECONCILIATION_HEADERS = ["SIREN", "Membre", "Exercice", "Type de frais", "Consultation",
                          "Montant dû", "Montant titré", "Écart", "Encaissé",
                          "Reste à recouvrer", "Statut"]


def reconciled(tmp_path, capsys, titres):
    inputs = base()
    inputs.titres = titres
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    return result


def line(result, who, type_frais=2):
    frame = result.reconciliation()
    rows = frame[(frame["SIREN"] == who) & (frame["Type de frais"] == type_frais)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_report_has_the_sheets_and_headers_of_the_spec(tmp_path, capsys):
    result = reconciled(tmp_path, capsys, [])
    import openpyxl

    workbook = openpyxl.load_workbook(result.report_path, read_only=True)
    assert workbook.sheetnames[:5] == ["Synthèse", "Charges", "Rapprochement", "Anomalies",
                                       "Contrôle"]
    assert list(result.charges().columns[:10]) == CHARGES_HEADERS
    assert list(result.reconciliation().columns[:11]) == RECONCILIATION_HEADERS
    assert list(result.sheet("Anomalies").columns) == ["Fichier", "Feuille", "Ligne",
                                                       "Colonne", "Valeur", "Gravité",
                                                       "Message", "Code"]


@pytest.mark.parametrize(
    ("titres", "status"),
    [
        ([titre("T1", COMMUNE_B, 500, encaisse=500)], "conforme"),
        ([], "à émettre"),
        ([titre("T1", COMMUNE_B, 200)], "sous-titré"),
        ([titre("T1", COMMUNE_B, -20)], "sous-titré"),
        ([titre("T1", COMMUNE_B, 650)], "sur-titré"),
        ([titre("T1", COMMUNE_B, 500), titre("T2", COMMUNE_B, -500)], "à émettre"),
        ([titre("T1", COMMUNE_B, 700), titre("T2", COMMUNE_B, -200)], "conforme"),
    ],
)
def test_status_of_a_due_line(titres, status):
    inputs = base()
    inputs.titres = titres
    row = state(inputs).line(COMMUNE_B, 2)
    assert row["statut"] == status
    invoiced = sum(euros(t["Montant"]) for t in titres)
    assert (row["du"], row["titre"], row["ecart"]) == (50000, invoiced, invoiced - 50000)


def test_titre_on_exempt_charge_is_indu():
    inputs = base()
    inputs.titres = [titre("T9", CCAS_A, 50, encaisse=50)]
    row = state(inputs).line(CCAS_A, 2)
    assert (row["statut"], row["du"], row["reste"]) == ("indu", 0, 0)


def test_titre_for_unknown_siren_is_membre_inconnu(tmp_path, capsys):
    stranger = siren(777)
    row = line(reconciled(tmp_path, capsys, [titre("T9", stranger, 80)]), stranger)
    assert row["Statut"] == "membre inconnu"
    assert row["Membre"] is None


def test_exempt_line_without_titre_is_not_listed(tmp_path, capsys):
    frame = reconciled(tmp_path, capsys, []).reconciliation()
    assert frame[(frame["SIREN"] == CCAS_A) & (frame["Type de frais"] == 2)].empty


def test_type_1_titres_are_matched_by_consultation(tmp_path, capsys):
    titres = [titre("T1", EPCI, 40, type_frais=1, consultation_="C2026", encaisse=15.5)]
    row = line(reconciled(tmp_path, capsys, titres), EPCI, type_frais=1)
    assert (row["Consultation"], row["Statut"]) == ("C2026", "conforme")
    assert euros(row["Encaissé"]) == 1550
    assert euros(row["Reste à recouvrer"]) == 4000 - 1550
    assert row["Titres"] == "T1"


def test_titres_of_another_exercise_are_not_reconciled(tmp_path, capsys):
    row = line(reconciled(tmp_path, capsys, [titre("T1", SYNDICAT, 200, exercice=2025)]),
               SYNDICAT)
    assert (euros(row["Montant titré"]), row["Statut"]) == (0, "à émettre")


def test_titres_listed_behind_the_invoiced_amount(tmp_path, capsys):
    titres = [titre("T-02", COMMUNE_A, 60), titre("T-01", COMMUNE_A, 40)]
    row = line(reconciled(tmp_path, capsys, titres), COMMUNE_A)
    assert row["Titres"] == "T-01, T-02"
    assert row["Statut"] == "conforme"


def test_summary_totals_equal_the_sum_of_rows(tmp_path, capsys):
    titres = [titre("T1", COMMUNE_B, 500, encaisse=120.45), titre("T2", EPCI, 999.99)]
    result = reconciled(tmp_path, capsys, titres)
    frame = result.reconciliation()
    summary = result.sheet("Synthèse")
    labels = summary.iloc[:, 0].tolist()
    total = summary.iloc[labels.index("Total")]
    assert euros(total.iloc[1]) == sum(euros(v) for v in frame["Montant dû"])
    assert euros(total.iloc[2]) == sum(euros(v) for v in frame["Montant titré"])
    assert euros(total.iloc[4]) == 120_45
    assert euros(total.iloc[5]) == 500_00 + 999_99 - 120_45
