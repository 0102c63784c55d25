"""Audit trail and safe scheduled runs: reproducible bytes, nothing lost, traceable euros,
snapshot, atomic writes, one run at a time, an append-only journal."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter.core
from workbooks import COMMUNE_B, base, read_sheet, run, titre

ROOT = Path(__file__).resolve().parent.parent


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def inputs(tmp_path):
    data = base()
    data.titres = [titre("T1", COMMUNE_B, 500, encaisse=100)]
    return data.write(tmp_path / "in")


class _Datetimes(type):
    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, dt.datetime)


class _Clock(metaclass=_Datetimes):
    """An injected clock, years ahead, standing for ``datetime`` where xlsxwriter reads
    the wall clock (a workbook's default creation date)."""

    @staticmethod
    def now(tz: dt.tzinfo | None = None) -> dt.datetime:
        return dt.datetime(2031, 5, 17, 8, 30, tzinfo=tz)


def test_same_inputs_give_byte_identical_reports_in_different_folders(inputs, tmp_path,
                                                                      capsys, monkeypatch):
    first = run(inputs, tmp_path / "a", capsys=capsys)
    # Another day by the clock, not by waiting: a wall-clock time in the workbook (its
    # creation date, the default of xlsxwriter) would now differ.
    monkeypatch.setattr(xlsxwriter.core, "datetime", _Clock)
    second = run(inputs, tmp_path / "b", capsys=capsys)
    assert first.status == second.status == 0
    assert sha(first.report_path) == sha(second.report_path)


def test_rerun_changes_nothing_and_is_journaled(inputs, tmp_path, capsys):
    reports = tmp_path / "out"
    first = run(inputs, reports, capsys=capsys)
    before = tree(reports / "2026-11")
    mtime = first.report_path.stat().st_mtime_ns
    second = run(inputs, reports, capsys=capsys)
    assert "inchangé" in second.out
    after = tree(reports / "2026-11")
    journal = "journal_2026-11.jsonl"
    assert {k: v for k, v in after.items() if k != journal} == {
        k: v for k, v in before.items() if k != journal}
    assert first.report_path.stat().st_mtime_ns == mtime
    assert after[journal].startswith(before[journal])  # appended, never truncated
    events = [json.loads(line) for line in after[journal].decode().splitlines()]
    assert [e["evenement"] for e in events] == ["debut", "fin", "debut", "fin"]
    assert events[3]["ecriture"] == "identique"
    assert events[1]["entrees"]["membres.xlsx"] == sha(inputs / "membres.xlsx")


def test_changed_inputs_keep_the_previous_report(inputs, tmp_path, capsys):
    reports = tmp_path / "out"
    first = run(inputs, reports, capsys=capsys)
    old = first.report_path.read_bytes()
    changed = base()
    changed.titres = [titre("T1", COMMUNE_B, 450)]
    changed.write(inputs)
    second = run(inputs, reports, capsys=capsys)
    assert second.status == 0
    assert second.report_path.read_bytes() != old
    history = list((reports / "2026-11" / "historique").glob("rapprochement_*"))
    assert [p.read_bytes() for p in history] == [old]
    assert history[0].name.startswith("rapprochement_2026-11_20")


def test_control_sheet_lists_each_input_with_its_sha256(inputs, tmp_path, capsys):
    result = run(inputs, tmp_path / "out", capsys=capsys)
    cells = [str(c) for c in read_sheet(result.report_path, "Contrôle").values.ravel()]
    for name in ("membres.xlsx", "souscriptions.xlsx", "bareme.xlsx", "titres.xlsx"):
        assert sha(inputs / name) in cells
    assert "2026-11" in cells
    assert any(c.startswith("Bareme, ligne") for c in cells)
    assert "pandas" in cells and "python-calamine" in cells


def test_charges_name_their_bareme_row_and_rule(inputs, tmp_path, capsys):
    charges = run(inputs, tmp_path / "out", capsys=capsys).charges()
    assert charges["Ligne du barème"].str.match(r"^Bareme, ligne \d+$").all()
    assert charges["Règle appliquée"].str.startswith("Type ").all()


def test_snapshot_holds_the_exact_bytes_read(inputs, tmp_path, capsys):
    before = tree(inputs)
    run(inputs, tmp_path / "out", capsys=capsys)
    assert tree(inputs) == before  # copied, never moved or modified
    snapshots = list((tmp_path / "out" / "2026-11" / "entrees").iterdir())
    assert len(snapshots) == 1
    assert tree(snapshots[0]) == before


def test_second_run_while_one_holds_the_lock_exits_3_and_touches_nothing(inputs, tmp_path,
                                                                         capsys):
    reports = tmp_path / "out"
    (reports / "2026-11").mkdir(parents=True)
    handle = os.open(reports / "2026-11" / ".reconcile.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        result = run(inputs, reports, capsys=capsys)
    finally:
        os.close(handle)
    assert result.status == 3
    assert "Une autre exécution est en cours" in result.err
    journal = reports / "2026-11" / "journal_2026-11.jsonl"
    assert sorted(p.name for p in (reports / "2026-11").iterdir()) == [
        ".reconcile.lock", journal.name]  # only the refusal, journaled
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(e["evenement"], e.get("statut")) for e in events] == [("debut", None), ("fin", 3)]
    assert run(inputs, reports, capsys=capsys).status == 0  # released when its holder ends


SLOW_RUN = """
import sys, time
import reconcile.render.xlsx as xlsx
close = xlsx.Book.close
def slow_close(self):
    open(sys.argv[1], "w").close()
    time.sleep(60)
    close(self)
xlsx.Book.close = slow_close
from reconcile.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def test_killed_run_leaves_no_partial_report_and_keeps_the_previous(inputs, tmp_path,
                                                                    capsys):
    reports = tmp_path / "out"
    first = run(inputs, reports, capsys=capsys)
    previous = first.report_path.read_bytes()
    changed = base()
    changed.titres = [titre("T1", COMMUNE_B, 1)]
    changed.write(inputs)
    flag = tmp_path / "writing"
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, str(flag), "run", "--mois", "2026-11", "--inputs",
         str(inputs), "--reports", str(reports)], cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not flag.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert flag.exists(), child.stderr.read() if child.poll() is not None else "no flag"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert first.report_path.read_bytes() == previous
    assert not (reports / "2026-11" / "historique").exists()
    assert not list((reports / "2026-11").glob("rapprochement*.xlsx.*"))
    again = run(inputs, reports, capsys=capsys)  # the lock died with the killed run
    assert again.status == 0
    assert not list((reports / "2026-11").glob(".*.tmp"))
    assert [p.read_bytes() for p in (reports / "2026-11" / "historique").glob(
        "rapprochement_*")] == [previous]


def test_scheduling_files_run_the_previous_month():
    service = (ROOT / "deploy" / "reconcile.service").read_text()
    assert "--mois precedent" in service
    assert "OnCalendar=*-*-01" in (ROOT / "deploy" / "reconcile.timer").read_text()
    assert "--mois precedent" in (ROOT / "deploy" / "crontab").read_text()


def test_previous_month_is_the_one_just_ended():
    import datetime

    from reconcile.cli.main import previous_month

    assert previous_month(datetime.date(2027, 1, 1)) == "2026-12"
    assert previous_month(datetime.date(2026, 3, 31)) == "2026-02"
