"""`reconcile check`: validates the inputs, says what is wrong in French, writes nothing
unless asked (`--reports`)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from workbooks import MONTH, base, read_sheet

from reconcile.cli import main


def _main(monkeypatch, argv: list[str]) -> int:
    return main(argv)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def _check(tmp_path, monkeypatch, capsys, inputs, *extra: str):
    """Run `reconcile check` from ``tmp_path`` (so a default reports/ would show)."""
    monkeypatch.chdir(tmp_path)
    folder = inputs.write(tmp_path / "inputs")
    before = _tree(tmp_path)
    status = _main(monkeypatch, ["check", "--mois", MONTH, "--inputs", str(folder), *extra])
    captured = capsys.readouterr()
    return status, captured.out + captured.err, before


def _broken():
    inputs = base()
    inputs.membres[2]["Catégorie"] = "mairie"
    inputs.membres[3]["SIREN"] = "123456789"  # fails the Luhn check
    inputs.souscriptions[1]["Prestation"] = "messagerie"
    return inputs


def test_valid_inputs_exit_0_and_write_nothing(tmp_path, monkeypatch, capsys):
    status, out, before = _check(tmp_path, monkeypatch, capsys, base())
    assert status == 0
    assert f"Entrées valides pour {MONTH}" in out
    assert _tree(tmp_path) == before  # no reports/, no journal, no lock, inputs untouched


def test_invalid_inputs_exit_2_in_french_and_write_nothing(tmp_path, monkeypatch, capsys):
    status, out, before = _check(tmp_path, monkeypatch, capsys, _broken())
    assert status == 2
    assert _tree(tmp_path) == before
    assert "Entrées valides" not in out
    lines = [line for line in out.splitlines() if line.strip().startswith("- erreur :")]
    assert len(lines) >= 3
    assert any("membres.xlsx › Membres › ligne 4 › colonne « Catégorie »" in line
               and "mairie" in line and "catégorie : valeur inconnue" in line for line in lines)
    assert any("colonne « SIREN »" in line and "123456789" in line for line in lines)
    assert any("souscriptions.xlsx" in line and "messagerie" in line for line in lines)
    for english in ("error", "warning", "Traceback", "invalid value", "column"):
        assert english not in out


def test_reports_option_writes_the_anomalies_workbook(tmp_path, monkeypatch, capsys):
    status, out, before = _check(tmp_path, monkeypatch, capsys, _broken(),
                                 "--reports", str(tmp_path / "reports"))
    assert status == 2
    target = tmp_path / "reports" / MONTH / f"anomalies_{MONTH}.xlsx"
    assert f"Anomalies écrites dans {target}" in out
    anomalies = read_sheet(target, "Anomalies")
    assert list(anomalies.columns[:7]) == ["Fichier", "Feuille", "Ligne", "Colonne", "Valeur",
                                           "Gravité", "Message"]
    assert (anomalies["Gravité"] == "erreur").sum() >= 3
    assert "mairie" in set(anomalies["Valeur"])
    assert openpyxl.load_workbook(target).sheetnames == ["Anomalies"]
    new = set(_tree(tmp_path)) - set(before)
    assert {Path(p).name for p in new if (tmp_path / p).is_file()} == {
        target.name, ".reconcile.lock"}  # the month's lock: a run and a check never mix
    assert not (tmp_path / "reports" / MONTH / f"rapprochement_{MONTH}.xlsx").exists()


def test_reports_option_with_valid_inputs_writes_nothing(tmp_path, monkeypatch, capsys):
    status, _, before = _check(tmp_path, monkeypatch, capsys, base(),
                               "--reports", str(tmp_path / "reports"))
    assert status == 0
    assert _tree(tmp_path) == before


def test_warnings_alone_do_not_fail_the_check(tmp_path, monkeypatch, capsys):
    inputs = base()
    for row in inputs.membres:
        row["Commentaire"] = "à revoir"  # unknown column: a warning, not an error
    status, out, _ = _check(tmp_path, monkeypatch, capsys, inputs)
    assert status == 0
    assert "avertissement" in out and "Commentaire" in out
    assert f"Entrées valides pour {MONTH}" in out


def test_check_finds_what_only_the_computation_finds(tmp_path, monkeypatch, capsys):
    """A member no barème row covers is an error (never a silent 0), as in a run."""
    inputs = base()
    inputs.bareme = [row for row in inputs.bareme
                     if not (row["Catégorie"] == "commune" and row["Type frais"] == 2
                             and row["Population min"] == 1000)]
    status, out, before = _check(tmp_path, monkeypatch, capsys, inputs)
    assert status == 2
    assert "membres.xlsx › Membres › ligne 4" in out  # Commune B, population 12000
    assert "aucune ligne du barème de type 2" in out
    assert _tree(tmp_path) == before


def test_missing_inputs_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status = _main(monkeypatch, ["check", "--mois", MONTH, "--inputs",
                                 str(tmp_path / "absent")])
    out = capsys.readouterr().out
    assert status == 2
    assert "dossier des entrées introuvable" in out
    assert list(tmp_path.iterdir()) == []
