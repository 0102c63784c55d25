"""`reconcile check`: validates the inputs, says what is wrong in French, writes nothing
unless asked (`--reports`)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from workbooks import MONTH, base, read_sheet, run

from reconcile.cli.main import main
from reconcile.core.anomalies import Anomaly
from reconcile.render.summary import count_line


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


# -- the summary: a count line, every error or where they are, explaining warnings --------

COUNT_LINE = re.compile(r"^(\d+) erreurs?, (\d+) avertissements?\.$")


def _count_line(out: str) -> str:
    return out.rstrip("\n").splitlines()[-1]


@pytest.mark.parametrize(("errors", "warnings", "line"), [
    (0, 0, "0 erreur, 0 avertissement."), (1, 1, "1 erreur, 1 avertissement."),
    (2, 0, "2 erreurs, 0 avertissement."), (0, 3, "0 erreur, 3 avertissements.")])
def test_the_count_line_speaks_french_plurals(errors, warnings, line):
    def anomaly(severity: str, n: int) -> Anomaly:
        code = "valeur-date" if severity == "erreur" else "sans-souscription"
        return Anomaly("membres.xlsx", "Membres", n + 2, "", "", severity, code, "message")

    anomalies = ([anomaly("erreur", n) for n in range(errors)]
                 + [anomaly("avertissement", n) for n in range(warnings)])
    assert count_line(anomalies) == line


def test_check_ends_with_the_count_line_and_lists_every_error(tmp_path, monkeypatch, capsys):
    inputs = _broken()
    for row in inputs.membres:
        row["Commentaire"] = "à revoir"  # one warning
    status, out, _ = _check(tmp_path, monkeypatch, capsys, inputs)
    assert status == 2
    shown = [line for line in out.splitlines() if line.startswith("  - erreur :")]
    assert _count_line(out) == f"{len(shown)} erreur{'s' if len(shown) > 1 else ''}, " \
                               "1 avertissement."
    assert "  … et" not in out  # all of them are on screen


def test_valid_check_ends_with_the_count_line(tmp_path, monkeypatch, capsys):
    status, out, _ = _check(tmp_path, monkeypatch, capsys, base())
    assert status == 0
    assert _count_line(out) == "0 erreur, 0 avertissement."


def _many_errors():
    inputs = base()
    for row in inputs.membres[1:]:
        row["Catégorie"] = "mairie"
    inputs.souscriptions += [{"SIREN": "123456789", "Prestation": "messagerie"}] * 12
    return inputs


def test_past_the_limit_check_says_how_to_get_the_full_list(tmp_path, monkeypatch, capsys):
    status, out, before = _check(tmp_path, monkeypatch, capsys, _many_errors())
    assert status == 2
    total = int(COUNT_LINE.match(_count_line(out)).group(1))
    shown = [line for line in out.splitlines() if line.startswith("  - erreur :")]
    assert total > len(shown) == 15
    assert (f"  … et {total - 15} autres erreurs : pour la liste complète, relancer avec "
            f"--reports DOSSIER (elle est écrite dans DOSSIER/{MONTH}/anomalies_{MONTH}.xlsx)."
            ) in out.splitlines()
    assert _tree(tmp_path) == before

    (tmp_path / "b").mkdir()
    status, out, _ = _check(tmp_path / "b", monkeypatch, capsys, _many_errors(),
                            "--reports", str(tmp_path / "b" / "reports"))
    target = tmp_path / "b" / "reports" / MONTH / f"anomalies_{MONTH}.xlsx"
    assert f"  … et {total - 15} autres erreurs : liste complète dans {target}." in out
    assert len(read_sheet(target, "Anomalies")) == total


def test_an_unknown_column_is_shown_under_the_missing_one(tmp_path, monkeypatch, capsys):
    """« Identifiant » is not a header of membres: the missing SIREN error comes with
    the warning that names it, even when warnings are not listed."""
    inputs = base()
    for row in inputs.membres:
        row["Identifiant"] = row.pop("SIREN")
    inputs.souscriptions[0]["Remarque"] = "x"  # an unknown column elsewhere: not shown
    status, out, _ = _check(tmp_path, monkeypatch, capsys, inputs)
    assert status == 2
    lines = out.splitlines()
    error = next(i for i, line in enumerate(lines) if "manquante" in line)
    assert lines[error].startswith("  - erreur : membres.xlsx › Membres › ligne 1")
    assert lines[error + 1].startswith("      ↳ avertissement : membres.xlsx › Membres")
    assert "« Identifiant »" in lines[error + 1]
    assert "Remarque" not in out
    assert _count_line(out) == "1 erreur, 2 avertissements."


def test_check_and_run_print_the_same_summary(tmp_path, monkeypatch, capsys):
    status, checked, _ = _check(tmp_path, monkeypatch, capsys, _broken())
    assert status == 2
    folder = _broken().write(tmp_path / "again")
    result = run(folder, tmp_path / "reports", capsys=capsys)
    assert result.status == 2

    def summary(text: str) -> list[str]:
        return [line for line in text.splitlines()
                if line.startswith("  ") or COUNT_LINE.match(line)]

    assert summary(result.err) == summary(checked) != []
    assert _count_line(result.err) == _count_line(checked)


def test_a_successful_run_ends_with_the_same_count_line(tmp_path, monkeypatch, capsys):
    inputs = base()
    for row in inputs.membres:
        row["Commentaire"] = "à revoir"
    status, checked, _ = _check(tmp_path, monkeypatch, capsys, inputs)
    result = run(inputs.write(tmp_path / "again"), tmp_path / "reports", capsys=capsys)
    assert status == result.status == 0
    assert _count_line(result.out) == _count_line(checked) == "0 erreur, 1 avertissement."
