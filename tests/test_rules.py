"""Every rule of spécification §1.3 and §3. The rules themselves are stated in memory
(``month.state``: the real stages, no file); those whose subject is also what the report
shows (a sheet, a message on screen) go through real workbooks written to disk and read
back."""

from __future__ import annotations

import pytest
from month import state
from workbooks import (
    CCAS_A,
    COMMUNE_A,
    COMMUNE_B,
    COORD,
    EPCI,
    SYNDICAT,
    D,
    base,
    charges_of,
    consultation,
    euros,
    member,
    run,
    siren,
    subscription,
    tariff,
)


def type2(result, who):
    rows = charges_of(result, who)
    return rows[rows["Type de frais"] == 2]


def type1(result, who):
    rows = charges_of(result, who)
    return rows[rows["Type de frais"] == 1]


def go(tmp_path, capsys, inputs, month="2026-11"):
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", month, capsys)
    assert result.status == 0, result.err
    return result


# -- R2 withdrawal ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "charged_2026"),
    [(D(2025, 10, 30), False), (D(2025, 10, 31), True), (D(2025, 1, 2), False),
     (D(2026, 10, 30), True), (D(2024, 12, 1), False)],
)
def test_withdrawal_notice_on_30_october_leaves_on_1_january(notice, charged_2026):
    inputs = base()
    inputs.membres[2]["Date notification retrait"] = notice  # commune B
    month = state(inputs)
    assert (len(month.charges_of(COMMUNE_B, 2)) > 0) is charged_2026
    assert (len(month.charges_of(COMMUNE_B, 1)) > 0) is charged_2026


def test_late_notice_still_owes_the_next_exercise_then_stops():
    inputs = base()
    inputs.membres[2]["Date notification retrait"] = D(2026, 10, 31)  # effective 1 Jan 2028
    inputs.consultations.append(consultation("C2027", D(2019, 11, 1), D(2020, 1, 31),
                                             D(2027, 2, 1)))
    assert len(state(inputs, "2027-03").charges_of(COMMUNE_B, 2)) == 1
    assert len(state(inputs, "2027-03").charges_of(COMMUNE_B, 1)) == 1
    assert len(state(inputs, "2028-03").charges_of(COMMUNE_B, 2)) == 0


def test_withdrawal_effective_before_launch_excludes_type_1():
    inputs = base()
    inputs.membres[1]["Date notification retrait"] = D(2025, 6, 1)  # left 1 Jan 2026
    assert state(inputs).charges_of(COMMUNE_A).empty


# -- brackets -----------------------------------------------------------------------


@pytest.mark.parametrize(("population", "amount"), [(0, 100), (999, 100), (1000, 500),
                                                    (250000, 500)])
def test_population_bracket_bounds_are_inclusive(population, amount):
    inputs = base()
    inputs.membres[1]["Population"] = population
    rows = state(inputs).charges_of(COMMUNE_A, 2)
    per_member = rows[rows["prestation"] == ""]
    assert per_member["montant"].tolist() == [amount * 100]
    line = 2 if amount == 100 else 3
    assert per_member["bareme_ligne"].tolist() == [line]


def test_member_without_population_where_rows_have_brackets_is_an_error(tmp_path, capsys):
    inputs = base()
    inputs.membres.append(member(siren(40), "Commune sans population", "commune"))
    inputs.souscriptions.append(subscription(siren(40), "actes"))
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    errors = errors[errors["Gravité"] == "erreur"]
    assert ("membres.xlsx", "Membres", 8, "Population") in {
        tuple(r) for r in errors[["Fichier", "Feuille", "Ligne", "Colonne"]].values
    }
    assert not result.report_path.exists()


def test_member_no_tariff_row_covers_is_an_error_not_a_silent_zero(tmp_path, capsys):
    inputs = base()
    inputs.membres.append(member(siren(41), "Office", "autre"))
    inputs.souscriptions.append(subscription(siren(41), "actes"))
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    row = errors[errors["Ligne"] == 8].iloc[0]
    assert (row["Code"], row["Colonne"], row["Gravité"]) == (
        "bareme-non-couvert", "Catégorie", "erreur")


# -- R1 exemption -------------------------------------------------------------------


def test_ccas_of_a_member_commune_is_exempt_from_type_2_only(tmp_path, capsys):
    result = go(tmp_path, capsys, base())
    rows = type2(result, CCAS_A)
    assert [euros(v) for v in rows["Montant dû"]] == [0]
    assert rows["Motif"].iloc[0].startswith("Exonéré")
    assert [euros(v) for v in type1(result, CCAS_A)["Montant dû"]] == [500]


def test_ccas_whose_commune_is_not_a_member_pays_type_2():
    inputs = base()
    inputs.membres[3]["Commune rattachement"] = "217800036"  # Ablis: real, not a member
    rows = state(inputs).charges_of(CCAS_A, 2)
    assert rows["montant"].tolist() == [5000]
    assert (rows["motif"] == "").all()


def test_ccas_whose_commune_is_no_longer_a_member_pays_type_2():
    inputs = base()
    inputs.membres[1]["Date notification retrait"] = D(2025, 3, 1)  # A left on 1 Jan 2026
    assert state(inputs).charges_of(CCAS_A, 2)["montant"].tolist() == [5000]


def test_caisse_des_ecoles_of_member_commune_is_exempt():
    inputs = base()
    inputs.membres.append(member(siren(42), "Caisse des écoles de B", "caisse_des_ecoles",
                                 rattachement=COMMUNE_B))
    inputs.souscriptions.append(subscription(siren(42), "actes"))
    inputs.bareme.append(tariff(2, "caisse_des_ecoles", 70))
    inputs.bareme.append(tariff(1, "caisse_des_ecoles", 7))
    month = state(inputs)
    assert month.charges_of(siren(42), 2)["montant"].tolist() == [0]
    assert month.charges_of(siren(42), 1)["montant"].tolist() == [700]


def test_voted_exemption_zeroes_the_charge_with_its_motif(tmp_path, capsys):
    inputs = base()
    inputs.exonerations = [{"SIREN": SYNDICAT, "Type frais": 1, "Exercice": 2026,
                            "Motif": "Délibération du 3 mars"}]
    result = go(tmp_path, capsys, inputs)
    rows = type1(result, SYNDICAT)
    assert [euros(v) for v in rows["Montant dû"]] == [0]
    assert rows["Motif"].iloc[0] == "Exonéré par délibération : Délibération du 3 mars"
    assert [euros(v) for v in type2(result, SYNDICAT)["Montant dû"]] == [20000]


def test_voted_exemption_of_another_exercise_does_not_apply():
    inputs = base()
    inputs.exonerations = [{"SIREN": SYNDICAT, "Type frais": 2, "Exercice": 2025,
                            "Motif": "2025 seulement"}]
    assert state(inputs).charges_of(SYNDICAT, 2)["montant"].tolist() == [20000]


# -- R3, R4 -------------------------------------------------------------------------


def test_coordinator_is_never_charged():
    inputs = base()
    inputs.souscriptions.append(subscription(COORD, "marches_publics"))
    month = state(inputs)
    assert month.charges_of(COORD).empty
    assert month.lines is not None and COORD not in set(month.lines["siren"])


def test_dissolution_stops_every_charge_and_is_announced(tmp_path, capsys):
    inputs = base()
    inputs.membres[0]["Date notification retrait"] = D(2025, 9, 1)  # dissolved 1 Jan 2026
    result = go(tmp_path, capsys, inputs)
    assert result.charges().empty
    summary = result.sheet("Synthèse")
    assert "DISSOUS le 01/01/2026" in " ".join(str(c) for c in summary.columns) + " ".join(
        str(v) for v in summary.iloc[:, 0].tolist())
    assert "DISSOUS" in result.out


def test_announced_dissolution_keeps_current_exercise(tmp_path, capsys):
    inputs = base()
    inputs.membres[0]["Date notification retrait"] = D(2026, 11, 2)  # dissolved 1 Jan 2028
    result = go(tmp_path, capsys, inputs)
    assert len(type2(result, COMMUNE_A)) == 1
    assert len(type1(result, COMMUNE_A)) == 1
    assert "DISSOLUTION PRÉVUE le 01/01/2028" in result.out


# -- R5 adhesion windows and consultations ---------------------------------------------


@pytest.mark.parametrize(("joined", "takes_part"), [(D(2020, 1, 31), True),
                                                    (D(2020, 2, 1), False)])
def test_member_takes_part_when_joined_by_end_of_adhesion_window(joined, takes_part):
    inputs = base()
    inputs.membres[1]["Date adhésion"] = joined
    assert (len(state(inputs).charges_of(COMMUNE_A, 1)) > 0) is takes_part


def test_adhesion_outside_every_window_is_a_warning():
    inputs = base()
    inputs.membres[1]["Date adhésion"] = D(2021, 6, 1)
    month = state(inputs)
    assert [(a.row, a.severity, a.code) for a in month.anomalies] == [
        (3, "avertissement", "adhesion-hors-periode")]


def test_consultation_only_charges_members_with_a_covered_service():
    inputs = base()
    inputs.consultations[0]["Prestations"] = "certificats, parapheur"
    charges = state(inputs).charges
    assert set(charges[charges["type_frais"] == 1]["siren"]) == {COMMUNE_A, EPCI}


def test_subscription_ended_before_launch_does_not_take_part():
    inputs = base()
    inputs.souscriptions[2]["Date fin"] = D(2026, 3, 1)  # B's only service, launch 2 March
    month = state(inputs)
    assert month.charges_of(COMMUNE_B, 1).empty
    assert len(month.charges_of(COMMUNE_B, 2)) == 1  # still active in 2026: a forfait


def test_consultation_after_as_of_date_is_not_charged_yet():
    february = state(base(), "2026-02").charges
    assert february[february["type_frais"] == 1].empty
    march = state(base(), "2026-03").charges
    assert not march[march["type_frais"] == 1].empty


def test_member_joining_after_as_of_date_is_not_active():
    inputs = base()
    inputs.membres[4]["Date adhésion"] = D(2026, 6, 15)  # syndicat
    assert state(inputs, "2026-05").charges_of(SYNDICAT).empty
    assert len(state(inputs, "2026-06").charges_of(SYNDICAT, 2)) == 1


# -- barème validity and per-service rows (R6, R7) -------------------------------------


def test_bareme_change_on_1_january_applies_to_type_2():
    inputs = base()
    inputs.bareme[4]["Valable au"] = D(2025, 12, 31)
    inputs.bareme.append(tariff(2, "epci", 1200, du=D(2026, 1, 1)))
    assert state(inputs).charges_of(EPCI, 2)["montant"].tolist() == [120000]


def test_mid_year_bareme_change_applies_to_type_1_by_launch_date_only(tmp_path, capsys):
    inputs = base()
    inputs.bareme[4]["Valable au"] = D(2026, 6, 30)
    inputs.bareme.append(tariff(2, "epci", 1200, du=D(2026, 7, 1)))
    inputs.bareme[9]["Valable au"] = D(2026, 6, 30)
    inputs.bareme.append(tariff(1, "epci", 55, du=D(2026, 7, 1)))
    inputs.consultations.append(consultation("C2026B", D(2019, 11, 1), D(2020, 1, 31),
                                             D(2026, 9, 1), "certificats"))
    result = go(tmp_path, capsys, inputs)
    assert [euros(v) for v in type2(result, EPCI)["Montant dû"]] == [100000]
    by_consultation = {r["Consultation"]: euros(r["Montant dû"])
                       for _, r in type1(result, EPCI).iterrows()}
    assert by_consultation == {"C2026": 4000, "C2026B": 5500}


def test_per_service_rows_add_up_with_per_member_rows(tmp_path, capsys):
    inputs = base()
    inputs.bareme.append(tariff(2, "commune", 12.34, prestation="parapheur"))
    inputs.bareme.append(tariff(1, "commune", 7.5, prestation="marches_publics"))
    inputs.bareme.append(tariff(1, "commune", 99, prestation="certificats"))
    result = go(tmp_path, capsys, inputs)
    rows = charges_of(result, COMMUNE_A)
    got = sorted((r["Type de frais"], r["Prestation"] or "", euros(r["Montant dû"]))
                 for _, r in rows.iterrows())
    assert got == [(1, "", 3000), (1, "Dématérialisation des procédures de marchés publics",
                                  750), (2, "", 10000), (2, "Parapheurs électroniques", 1234)]
    line = result.reconciliation().query("SIREN == @COMMUNE_A and `Type de frais` == 2")
    assert euros(line["Montant dû"].iloc[0]) == 11234


def test_service_subscription_ended_last_year_is_not_charged():
    inputs = base()
    inputs.bareme.append(tariff(2, "commune", 12.34, prestation="parapheur"))
    inputs.souscriptions[1]["Date fin"] = D(2025, 12, 31)
    assert state(inputs).charges_of(COMMUNE_A, 2)["prestation"].tolist() == [""]


def test_amounts_are_exact_to_the_cent(tmp_path, capsys):
    inputs = base()
    for i in range(30):
        inputs.membres.append(member(siren(100 + i), f"Syndicat {i}", "syndicat"))
        inputs.souscriptions.append(subscription(siren(100 + i), "actes"))
    inputs.bareme[3]["Montant"] = 0.1
    inputs.bareme[8]["Montant"] = "33,33"
    result = go(tmp_path, capsys, inputs)
    reconciliation = result.reconciliation()
    syndicates = reconciliation[reconciliation["Membre"].str.startswith("Syndicat")]
    assert sum(euros(v) for v in syndicates["Montant dû"]) == 31 * 10 + 31 * 3333


def error_cells(result):
    frame = result.anomalies()
    frame = frame[frame["Gravité"] == "erreur"]
    return {tuple(r) for r in frame[["Fichier", "Feuille", "Ligne", "Colonne"]].values}


def test_missing_population_is_an_error_even_when_a_service_row_prices_the_member(
        tmp_path, capsys):
    inputs = base()
    inputs.bareme[3] = tariff(2, "syndicat", 200, 0, 999)
    inputs.bareme.append(tariff(2, "syndicat", 300, 1000, None))
    inputs.bareme.append(tariff(2, "syndicat", 7, prestation="marches_publics"))
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    assert error_cells(result) == {("membres.xlsx", "Membres", 6, "Population")}


def test_population_in_a_bracket_gap_is_an_error_not_a_silent_zero(tmp_path, capsys):
    inputs = base()
    inputs.bareme[0] = tariff(2, "commune", 100, 0, 499)  # commune A (800) falls in a gap
    inputs.bareme.append(tariff(2, "commune", 9, prestation="parapheur"))
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    assert error_cells(result) == {("membres.xlsx", "Membres", 3, "Catégorie")}


def test_each_subscription_overlapping_the_year_gets_its_per_service_row(tmp_path, capsys):
    inputs = base()
    inputs.souscriptions[4]["Date fin"] = D(2026, 3, 31)  # syndicat, marches_publics
    inputs.souscriptions.append(subscription(SYNDICAT, "marches_publics", D(2026, 4, 1)))
    inputs.bareme.append(tariff(2, "syndicat", 7, prestation="marches_publics"))
    rows = type2(go(tmp_path, capsys, inputs), SYNDICAT)
    assert sorted(euros(v) for v in rows["Montant dû"]) == [700, 700, 20000]


def test_members_sheet_with_only_headers_is_an_input_error_not_a_crash(tmp_path, capsys):
    inputs = base()
    inputs.membres = []
    folder = inputs.write(tmp_path / "in")
    from workbooks import write_book

    write_book(folder / "membres.xlsx", {"Membres": [member(COORD, "x", "commune")]})
    import openpyxl

    workbook = openpyxl.load_workbook(folder / "membres.xlsx")
    workbook["Membres"].delete_rows(2)
    workbook.save(folder / "membres.xlsx")
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    assert ("souscriptions.xlsx", "Souscriptions", 2, "SIREN") in error_cells(result)


def test_subscription_ending_before_the_adhesion_it_defaults_to_is_an_error(tmp_path,
                                                                           capsys):
    inputs = base()
    inputs.souscriptions[2]["Date fin"] = D(2019, 12, 31)  # B joined on 15/01/2020
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    assert error_cells(result) == {("souscriptions.xlsx", "Souscriptions", 4, "Date fin")}
