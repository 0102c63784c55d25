"""« Hostile and broken inputs never hurt »: every case of the corpus (``corpus.py``).

Whatever is dropped in ``inputs/``, the run answers with a precise French message,
exits 2, writes only ``anomalies_YYYY-MM.xlsx`` and the month's journal, leaves every
input byte-identical and never shows a traceback. Controls (same data, other formats
and layouts) must exit 0.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from corpus import CASES, Case
from workbooks import MONTH, run

ANOMALY_HEADERS = ["Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Gravité", "Message"]


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def anomaly_rows(path: Path, sheet: str = "Anomalies") -> list[dict]:
    """The anomalies as written, read back with openpyxl (not with our own reader)."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    workbook.close()
    assert list(rows[0][:7]) == ANOMALY_HEADERS
    return [dict(zip(ANOMALY_HEADERS, row[:7], strict=True)) for row in rows[1:]]


def where(row: dict) -> tuple:
    return (row["Fichier"] or "", row["Feuille"] or "", row["Ligne"], row["Colonne"] or "")


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)]
                 if c.xfail else []) for c in CASES])
def test_bad_input(case: Case, tmp_path, capsys):
    inputs, reports = tmp_path / "inputs", tmp_path / "reports"
    inputs.mkdir()
    case.build(inputs)
    before = fingerprint(inputs)
    capsys.readouterr()

    result = run(inputs, reports, MONTH, capsys, case.extra)

    assert "Traceback" not in result.err + result.out
    assert fingerprint(inputs) == before, "an input was modified"
    assert result.status == case.status, result.err
    month = reports / MONTH
    if case.status == 0:
        rows = anomaly_rows(result.report_path)
        assert case.warnings <= {where(r) for r in rows}
        return
    written = {p.name for p in month.iterdir()}
    assert written == {f"anomalies_{MONTH}.xlsx", f"journal_{MONTH}.jsonl"}, written
    assert not list(reports.rglob("rapprochement_*"))
    rows = anomaly_rows(result.anomalies_path)
    errors = [r for r in rows if r["Gravité"] == "erreur"]
    assert {where(r) for r in errors} == case.errors
    warnings = {where(r) for r in rows if r["Gravité"] == "avertissement"}
    assert case.warnings <= warnings
    assert all(r["Message"] for r in rows)
    if case.message:
        assert any(case.message in r["Message"] for r in errors), [r["Message"] for r in errors]
    assert "Entrées invalides" in result.err
    assert "Aucun rapprochement n'a été écrit" in result.err


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(c.status == 0 for c in CASES) >= 10  # controls: what must keep working
