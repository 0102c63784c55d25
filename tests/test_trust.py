"""A report is right to the cent or not written: the paths that used to give a wrong
figure with exit 0 (issue 9), each on real workbooks written to disk and read back."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from workbooks import COMMUNE_A, COMMUNE_B, D, anomaly_rows, base, euros, run, write_book

from reconcile.read.normalise import column_name, normalise_header, without_articles
from schemas import SHEETS
from schemas.headers import ALIASES


def test_a_warning_from_last_months_report_is_counted_everywhere(tmp_path, capsys):
    """The Évolutions warning is in the Anomalies sheet, the Synthèse count, the screen
    and the journal: every count comes from one final list."""
    inputs = base().write(tmp_path / "in")
    previous = tmp_path / "out" / "2026-10" / "rapprochement_2026-10.xlsx"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"not a workbook")
    result = run(inputs, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    rows = anomaly_rows(result.report_path)
    assert any(r["Fichier"] == "rapprochement_2026-10.xlsx" for r in rows)
    assert synthese(result.report_path)["Avertissements (feuille Anomalies)"] == len(rows)
    assert f"0 erreur, {len(rows)} avertissement{'s' if len(rows) > 1 else ''}." in result.out
    journal = result.folder / "journal_2026-11.jsonl"
    end = [json.loads(line) for line in journal.read_text().splitlines()][-1]
    assert end["avertissements"] == len(rows)


def synthese_rows(path) -> list[tuple]:
    """(column A, column B) of every labelled row of the Synthèse sheet."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    pairs = [(row[0], row[1]) for row in workbook["Synthèse"].iter_rows(values_only=True)
             if row and isinstance(row[0], str)]
    workbook.close()
    return pairs


def synthese(path) -> dict:
    return dict(synthese_rows(path))


# -- headers of finance-suite exports (issue 9, item 1) -----------------------------------


@pytest.mark.parametrize(("sheet", "column", "alias"), [
    (sheet, column, alias) for sheet, columns in ALIASES.items()
    for column, aliases in columns.items() for alias in aliases])
def test_every_alias_means_its_column(sheet, column, alias):
    spec = next(s for s in SHEETS if s.sheet == sheet)
    assert column_name(alias, spec.columns, sheet) == column


def test_no_alias_is_ambiguous():
    for sheet, columns in ALIASES.items():
        spec = next(s for s in SHEETS if s.sheet == sheet)
        seen: dict[str, str] = {}
        for column, aliases in columns.items():
            assert column in spec.columns
            for alias in aliases:
                key = without_articles(normalise_header(alias))
                assert key not in spec.columns or key == column, (sheet, alias)
                assert seen.setdefault(key, column) == column, (sheet, alias)


EXPORT = ["N° titre", "Tiers SIREN", "Exercice", "Type", "Code consultation", "Montant TTC",
          "Date d'émission", "{collected}", "Date de recouvrement"]


def export_titres(folder: Path, collected: str, headers: list[str] = EXPORT) -> None:
    """A titres export as a finance suite writes it: its own headers, two titres."""
    headers = [h.format(collected=collected) for h in headers]
    values = [["2026-0001", COMMUNE_A, 2026, 2, None, 100, D(2026, 4, 1), 60, D(2026, 5, 2)],
              ["2026-0002", COMMUNE_B, 2026, 2, None, 500, D(2026, 4, 1), 500, D(2026, 5, 3)]]
    write_book(folder / "titres.xlsx",
               {"Titres": [dict(zip(headers, row, strict=False)) for row in values]})


@pytest.mark.parametrize("collected", ["Encaissé", "Montant encaissé", "Recouvré", "Payé",
                                       "Montant recouvré"])
def test_a_finance_suite_export_is_read_with_its_collections(tmp_path, capsys, collected):
    inputs = base().write(tmp_path / "in")
    export_titres(inputs, collected)
    result = run(inputs, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    lines = result.reconciliation()
    lines = lines[lines["Type de frais"] == 2].set_index("SIREN")
    assert euros(lines.at[COMMUNE_A, "Encaissé"]) == 6000
    assert euros(lines.at[COMMUNE_A, "Reste à recouvrer"]) == 4000
    assert euros(lines.at[COMMUNE_B, "Reste à recouvrer"]) == 0


@pytest.mark.parametrize("collected", ["Somme acquittée", "Montant soldé"])
def test_an_unrecognised_column_next_to_an_absent_collected_one_is_an_error(
        tmp_path, capsys, collected):
    """Never a silent 0 collected: the unknown column may be the collections."""
    inputs = base().write(tmp_path / "in")
    export_titres(inputs, collected)
    result = run(inputs, tmp_path / "out", capsys=capsys)
    assert result.status == 2
    errors = [r for r in anomaly_rows(result.anomalies_path) if r["Gravité"] == "erreur"]
    assert [(r["Code"], r["Fichier"], r["Feuille"], r["Ligne"], r["Colonne"])
            for r in errors] == [
        ("colonne-non-reconnue", "titres.xlsx", "Titres", 1, "Montant encaissé")]
    # Issue 9: the message names both the column found and the one it may be.
    assert collected in errors[0]["Message"] and "Montant encaissé" in errors[0]["Message"]


def test_an_absent_collected_column_is_a_warning_on_screen_and_in_the_synthese(
        tmp_path, capsys):
    inputs = base().write(tmp_path / "in")
    export_titres(inputs, "Observations", [*EXPORT[:7], "Observations"])
    (inputs / "titres.xlsx").unlink()
    write_book(inputs / "titres.xlsx", {"Titres": [
        {"Numéro": "T1", "SIREN": COMMUNE_A, "Exercice": 2026, "Type frais": 2,
         "Montant": 100, "Observations": "relancé par téléphone"}]})
    result = run(inputs, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    assert "Montant encaissé" in result.out and "absente" in result.out
    attention = [v for k, v in synthese_rows(result.report_path) if k == "Attention"]
    assert any("Montant encaissé" in v for v in attention)


def test_an_export_with_both_ht_and_ttc_reads_ttc_and_says_so(tmp_path, capsys):
    """Two usual headers of one column are no error: the first alias listed is read."""
    inputs = base().write(tmp_path / "in")
    headers = [*EXPORT[:5], "Montant HT", "Montant TTC", *EXPORT[6:]]
    values = [["2026-0001", COMMUNE_A, 2026, 2, None, 80, 100, D(2026, 4, 1), 60,
               D(2026, 5, 2)]]
    write_book(inputs / "titres.xlsx", {"Titres": [
        dict(zip([h.format(collected="Encaissé") for h in headers], row, strict=True))
        for row in values]})
    result = run(inputs, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err
    lines = result.reconciliation()
    line = lines[(lines["SIREN"] == COMMUNE_A) & (lines["Type de frais"] == 2)].iloc[0]
    assert euros(line["Montant titré"]) == 10000
    warnings = [r for r in anomaly_rows(result.report_path)
                if r["Code"] == "colonne-synonyme-ignoree"]
    assert [(r["Ligne"], r["Colonne"]) for r in warnings] == [(1, "Montant HT")]
