"""A report is right to the cent or not written: the paths that used to give a wrong
figure with exit 0 (issue 9), each on real workbooks written to disk and read back."""

from __future__ import annotations

import json

import openpyxl
from test_bad_inputs import anomaly_rows
from workbooks import base, run


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
    assert f"{len(rows)} avertissement(s)" in result.out
    journal = result.folder / "journal_2026-11.jsonl"
    end = [json.loads(line) for line in journal.read_text().splitlines()][-1]
    assert end["avertissements"] == len(rows)


def synthese(path) -> dict:
    """Label (column A) → value (column B) of the Synthèse sheet."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    pairs = {row[0]: row[1] for row in workbook["Synthèse"].iter_rows(values_only=True)
             if row and isinstance(row[0], str)}
    workbook.close()
    return pairs
