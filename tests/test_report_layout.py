"""The report reads well: frozen headers, filters, euro formats, chart, Évolutions."""

from __future__ import annotations

import zipfile

import openpyxl
from workbooks import COMMUNE_B, SYNDICAT, base, euros, member, run, siren, subscription, titre


def test_tables_have_frozen_headers_filters_and_euro_formats(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_B, 100)]
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    workbook = openpyxl.load_workbook(result.report_path)
    for name in ("Charges", "Rapprochement", "Anomalies"):
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1"), name
        assert sheet.print_title_rows == "$1:$1", name
        assert sheet.page_setup.orientation == "landscape", name
    charges = workbook["Charges"]
    assert "€" in charges["I2"].number_format
    reconciliation = workbook["Rapprochement"]
    fills = {reconciliation.cell(r, 11).value: reconciliation.cell(r, 11).fill.fill_type
             for r in range(2, reconciliation.max_row + 1)}
    # shaded only where the officer decides: « à émettre » is routine (titres to issue)
    assert fills["sous-titré"] == "solid" and fills["à émettre"] is None
    inputs.titres = [titre("T1", COMMUNE_B, 500)]
    again = run(inputs.write(tmp_path / "in2"), tmp_path / "out2", capsys=capsys)
    sheet = openpyxl.load_workbook(again.report_path)["Rapprochement"]
    fills = {sheet.cell(r, 11).value: sheet.cell(r, 11).fill.fill_type
             for r in range(2, sheet.max_row + 1)}
    assert fills["conforme"] is None
    with zipfile.ZipFile(result.report_path) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())


def test_evolutions_compares_with_the_previous_month(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_B, 100)]
    folder = inputs.write(tmp_path / "in")
    october = run(folder, tmp_path / "out", "2026-10", capsys)
    assert october.status == 0
    assert "Évolutions" not in openpyxl.load_workbook(october.report_path).sheetnames
    inputs.titres.append(titre("T2", COMMUNE_B, 400))
    inputs.membres.append(member(siren(50), "Syndicat nouveau", "syndicat"))
    inputs.souscriptions.append(subscription(siren(50), "actes"))
    inputs.write(folder)
    november = run(folder, tmp_path / "out", "2026-11", capsys)
    changes = november.sheet("Évolutions")
    got = {(r["Nature"], r["SIREN"], r["Type de frais"]) for _, r in changes.iterrows()}
    assert got == {("nouvelle charge", siren(50), 1), ("nouvelle charge", siren(50), 2),
                   ("rapprochement modifié", COMMUNE_B, 2),
                   ("titre en retard", COMMUNE_B, 2)}  # T2, issued 01/04, new and unpaid
    late = changes[changes["Nature"] == "titre en retard"].iloc[0]
    assert (late["Titre"], euros(late["Après"])) == ("T2 (2026)", 40000)
    line = changes[changes["Nature"] == "rapprochement modifié"].iloc[0]
    assert (euros(line["Avant"]), euros(line["Après"])) == (10000, 50000)
    assert (line["Statut avant"], line["Statut après"]) == ("sous-titré", "conforme")
    assert SYNDICAT not in set(changes["SIREN"])


def test_charges_name_tariffs_in_words_not_codes(tmp_path, capsys):
    """A code typed in a barème label (« Fonctionnement epci ») reads as its label in
    the Charges sheet (issue 19, item 5: labels instead of codes where a person reads)."""
    inputs = base()
    for tariff in inputs.bareme:
        tariff["Libellé"] = f"{tariff['Libellé']} epci caisse_des_ecoles marches_publics"
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    labels = set(result.charges()["Libellé du barème"].dropna())
    assert labels and all("EPCI" in t and "caisse des écoles" in t for t in labels)
    assert not any(code in t for t in labels for code in ("epci", "caisse_des_ecoles",
                                                          "marches_publics"))
