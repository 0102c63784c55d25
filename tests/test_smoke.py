from workbooks import COMMUNE_A, base, charges_of, euros, run


def test_base_inputs_run(tmp_path, capsys):
    inputs = base().write(tmp_path / "in")
    result = run(inputs, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    rows = charges_of(result, COMMUNE_A)
    assert sorted(euros(v) for v in rows["Montant dû"]) == [3000, 10000]
