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
from corpus import CASES, FILES, Case
from workbooks import MONTH, anomaly_rows, found, run

from reconcile.core.catalogue import CATALOGUE


def fingerprint(folder: Path) -> dict[str, tuple]:
    """Every input's bytes (size, mtime and, below 64 MB, SHA-256)."""
    def of(path: Path) -> tuple:
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.st_size < 2**26 else ""
        return stat.st_size, stat.st_mtime_ns, digest

    return {str(p.relative_to(folder)): of(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def sheet_rows(path: Path, sheet: str) -> list[dict]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    workbook.close()
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


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
        assert case.warnings <= {found(r) for r in rows}
        charges = sheet_rows(result.report_path, "Charges")
        for wanted in case.charges:
            assert any(all(row.get(k) == v for k, v in wanted.items()) for row in charges), (
                wanted, charges)
        return
    written = {p.name for p in month.iterdir()} - {".reconcile.lock"}  # the month's lock
    assert written == {f"anomalies_{MONTH}.xlsx", f"journal_{MONTH}.jsonl"}, written
    assert not list(reports.rglob("rapprochement_*"))
    rows = anomaly_rows(result.anomalies_path)
    assert {found(r) for r in rows if r["Gravité"] == "erreur"} == case.errors
    assert case.warnings <= {found(r) for r in rows if r["Gravité"] == "avertissement"}
    assert all(r["Message"] for r in rows)
    assert "Entrées invalides" in result.err
    assert "Aucun rapprochement n'a été écrit" in result.err


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(c.status == 0 for c in CASES) >= 10  # controls: what must keep working
    assert all(c.errors for c in CASES if c.status == 2)  # each pins its errors
    pinned = {f[0] for c in CASES for f in c.errors | c.warnings}
    assert pinned <= set(CATALOGUE), sorted(pinned - set(CATALOGUE))


# -- unexpected internal failures: status 1, one French line, a log, nothing partial -----


def crash_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("Erreur inattendue")]
    assert len(lines) == 1, err
    return lines[0]


def disk_full_line(err: str, reports: Path) -> str:
    """A full disk is not a defect: one French line that says how much room, no log."""
    lines = [line for line in err.splitlines() if "espace disque insuffisant dans" in line]
    assert len(lines) == 1 and "il faut environ" in lines[0], err
    assert not list(reports.rglob("erreur_*.log"))
    return lines[0]


def assert_nothing_partial(reports: Path) -> None:
    left = sorted(str(p.relative_to(reports)) for p in reports.rglob("*") if p.is_file())
    assert not [p for p in left if p.endswith((".xlsx", ".tmp"))], left
    assert not list(reports.rglob("entrees")), left


def test_internal_failure_exits_1_with_a_log(tmp_path, capsys, monkeypatch):
    from workbooks import base

    import reconcile.run.pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("défaut interne simulé")

    monkeypatch.setattr(reconcile.run.pipeline, "reconcile", boom)
    inputs = base().write(tmp_path / "in")
    before = fingerprint(inputs)
    result = run(inputs, tmp_path / "out", MONTH, capsys)
    assert result.status == 1
    assert "Traceback" not in result.err + result.out
    line = crash_line(result.err)
    assert "Aucun rapport partiel" in line
    log = Path(line.rsplit("Détails : ", 1)[1].strip())
    assert log.is_file()
    details = log.read_text(encoding="utf-8")
    assert "Traceback" in details and "défaut interne simulé" in details
    assert_nothing_partial(tmp_path / "out")
    assert fingerprint(inputs) == before
    journal = (tmp_path / "out" / MONTH / f"journal_{MONTH}.jsonl").read_text(encoding="utf-8")
    assert '"statut": 1' in journal


def test_failure_while_writing_leaves_no_partial_report(tmp_path, capsys, monkeypatch):
    from workbooks import base

    import reconcile.run.pipeline

    def half_written(report, scratch):  # the disk fills while xlsxwriter streams
        (Path(scratch) / "worksheet1.xml").write_bytes(b"<worksheet> half a sheet")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reconcile.run.pipeline, "render_report", half_written)
    result = run(base().write(tmp_path / "in"), tmp_path / "out", MONTH, capsys)
    assert result.status == 1
    assert "Traceback" not in result.err
    disk_full_line(result.err, tmp_path / "out")
    assert_nothing_partial(tmp_path / "out")


def test_crash_in_a_real_process(tmp_path):
    """The exit status and stderr of a real ``python -m reconcile``-like process."""
    import subprocess
    import sys

    from workbooks import base

    inputs = base().write(tmp_path / "in")
    script = (
        "import sys, reconcile.run.pipeline as p\n"
        "def boom(*a, **k):\n"
        "    raise KeyError('colonne interne')\n"
        "p.reconcile = boom\n"
        "from reconcile.cli.main import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "run", "--mois", MONTH, "--inputs", str(inputs),
         "--reports", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    line = crash_line(done.stderr)
    assert Path(line.rsplit("Détails : ", 1)[1].strip()).is_file()
    assert_nothing_partial(tmp_path / "out")


def test_invalid_inputs_in_a_real_process(tmp_path):
    """Exit status 2 and a French summary from a real process, on a hostile file."""
    import subprocess
    import sys

    from workbooks import base

    inputs = base().write(tmp_path / "in")
    (inputs / "membres.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    done = subprocess.run(
        [sys.executable, "-m", "reconcile", "run", "--mois", MONTH, "--inputs", str(inputs),
         "--reports", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Entrées invalides" in done.stderr and "membres.xlsx" in done.stderr


def test_failure_after_the_report_is_rendered_leaves_no_report(tmp_path, capsys, monkeypatch):
    from workbooks import base

    import reconcile.run.pipeline

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reconcile.run.pipeline, "_snapshot", full_disk)
    result = run(base().write(tmp_path / "in"), tmp_path / "out", MONTH, capsys)
    assert result.status == 1
    disk_full_line(result.err, tmp_path / "out")
    assert_nothing_partial(tmp_path / "out")


@pytest.mark.parametrize("case", [c for c in FILES if not c.xfail], ids=lambda c: c.id)
def test_check_command_on_hostile_files(case: Case, tmp_path, capsys):
    """``reconcile check`` reads the same files: same verdict, nothing written."""
    from reconcile.cli.main import main

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    case.build(inputs)
    before = fingerprint(inputs)
    status = main(["check", "--mois", MONTH, "--inputs", str(inputs), *case.extra])
    captured = capsys.readouterr()
    assert status == case.status, captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out
    assert fingerprint(inputs) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"]


def test_a_file_over_the_size_limit_is_never_read(tmp_path, capsys, monkeypatch):
    from workbooks import base

    import reconcile.read.intake

    seen = []
    real = reconcile.read.intake.read_workbook

    def spy(source, limits):
        seen.append((source.name, len(source.data)))
        return real(source, limits)

    monkeypatch.setattr(reconcile.read.intake, "read_workbook", spy)
    inputs = base().write(tmp_path / "in")
    with (inputs / "membres.xlsx").open("r+b") as handle:
        handle.truncate(150 * 2**20)  # sparse: no disk used
    result = run(inputs, tmp_path / "out", MONTH, capsys)
    assert result.status == 2
    assert ("membres.xlsx", 0) in seen, seen


@pytest.mark.parametrize("failing", ["retire", "publish_titres"])
def test_a_full_disk_after_the_report_is_published_says_it_is_in_place(
        failing, tmp_path, capsys, monkeypatch):
    """Once the report is in place, a full disk (retiring the old anomalies file, writing
    the titres to issue) must say so on screen and in the journal, never « intact »."""
    import json

    from workbooks import base

    import reconcile.run.pipeline

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "retire":
        monkeypatch.setattr(reconcile.run.pipeline, "retire", full_disk)
    else:
        monkeypatch.setattr(reconcile.run.pipeline, "publish_titres", full_disk)
    result = run(base().write(tmp_path / "in"), tmp_path / "out", MONTH, capsys)
    assert result.status == 1
    report = tmp_path / "out" / MONTH / f"rapprochement_{MONTH}.xlsx"
    assert report.is_file()
    assert f"le nouveau rapport, complet, était déjà en place ({report})" in \
        disk_full_line(result.err, tmp_path / "out")
    journal = (tmp_path / "out" / MONTH / f"journal_{MONTH}.jsonl").read_text("utf-8")
    end = json.loads(journal.splitlines()[-1])
    assert end["statut"] == 1 and end["ecriture"] == "nouveau", end


def test_a_refused_run_whose_journal_end_fails_still_says_what_it_wrote(
        tmp_path, capsys, monkeypatch):
    """Invalid inputs: the anomalies file is written, then recording ``fin`` fails once;
    the fault handler's own ``fin`` says how the anomalies file was written."""
    import json

    from workbooks import base

    import reconcile.run.pipeline

    real = reconcile.run.pipeline.record
    failed = []

    def record_once_full(folder, month, event, **fields):
        if event == "fin" and fields.get("statut") == 2 and not failed:
            failed.append(True)
            raise OSError(28, "No space left on device")
        return real(folder, month, event, **fields)

    monkeypatch.setattr(reconcile.run.pipeline, "record", record_once_full)
    inputs = base()
    inputs.membres[2]["SIREN"] = "123"
    result = run(inputs.write(tmp_path / "in"), tmp_path / "out", MONTH, capsys)
    assert result.status == 1 and failed
    journal = (tmp_path / "out" / MONTH / f"journal_{MONTH}.jsonl").read_text("utf-8")
    end = json.loads(journal.splitlines()[-1])
    assert end["evenement"] == "fin" and end["ecriture"] == "nouveau", end
