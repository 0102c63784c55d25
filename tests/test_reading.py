"""spécification §2 reading rules that officers rely on every month: codes and headers as typed."""

from workbooks import CCAS_A, COMMUNE_A, base, charges_of, euros, run


def test_codes_are_read_without_case_or_accents(tmp_path, capsys):
    inputs = base()
    inputs.membres[0]["Rôle"] = "Coordonnateur"
    inputs.membres[0]["Catégorie"] = "Établissement public"
    inputs.membres[3]["Catégorie"] = "CCAS"
    inputs.souscriptions[0]["Prestation"] = "Marchés publics"
    inputs.souscriptions[1]["Prestation"] = "  Parapheur "
    inputs.consultations[0]["Prestations"] = "Marchés publics ; actes"
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    assert sorted(euros(v) for v in charges_of(result, COMMUNE_A)["Montant dû"]) == [3000,
                                                                                     10000]
    assert charges_of(result, CCAS_A)["Motif"].str.startswith("Exonéré").any()


def test_headers_with_articles_and_accents_are_recognised(tmp_path, capsys):
    inputs = base()
    for row in inputs.membres:
        row["Commune de rattachement"] = row.pop("Commune rattachement")
        row["DATE D'ADHÉSION"] = row.pop("Date adhésion")
    for row in inputs.bareme:
        row["Type de frais"] = row.pop("Type frais")
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    assert result.sheet("Anomalies").empty


def test_an_unreadable_required_cell_is_reported_once(tmp_path, capsys):
    inputs = base()
    inputs.membres[2]["Date adhésion"] = "31/02/2026"
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    at_cell = errors[(errors["Ligne"] == 4) & (errors["Colonne"] == "Date adhésion")]
    assert at_cell["Code"].tolist() == ["valeur-date"]  # not also « obligatoire-manquant »


def test_a_thirteen_digit_population_is_an_error_at_its_cell(tmp_path, capsys):
    """spécification §2.7: an integer of more than 12 digits is an error; 10**12 has 13."""
    inputs = base()
    inputs.membres[2]["Population"] = 1_000_000_000_000
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = result.anomalies()
    at_cell = errors[(errors["Ligne"] == 4) & (errors["Colonne"] == "Population")]
    assert at_cell["Code"].tolist() == ["valeur-entier"]
