"""Measure the real CLI and the I/O floor, each in a fresh child process.

Wall time is taken around the child (interpreter start-up included). Peak memory is
read two ways: ``ru_maxrss`` of that very child from ``os.wait4`` (the largest resident
set of any process of its tree: the CLI parses workbooks in a forked child) and the
largest *sum* of the tree's resident sets seen by polling psutil every 20 ms (a
pessimistic figure: pages shared after fork are counted twice).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .generate import OUT, ROOT

MONTH = "2026-11"
SHEETS = [("membres.xlsx", "Membres"), ("souscriptions.xlsx", "Souscriptions"),
          ("bareme.xlsx", "Bareme"), ("bareme.xlsx", "Consultations"),
          ("bareme.xlsx", "Exonerations"), ("titres.xlsx", "Titres")]
MIB = 2**20


@dataclass
class Child:
    seconds: float
    cpu: float  # user + system CPU seconds of the child and its reaped children
    status: int
    maxrss_mib: float
    tree_peak_mib: float
    stdout: str
    stderr: str


def measure(command: list[str], poll: float = 0.02) -> Child:
    """Run ``command`` in a fresh child; wall time, exit status and peak memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out_file, err_file = (OUT / "child.out").open("w+b"), (OUT / "child.err").open("w+b")
    peak = [0]
    done = threading.Event()
    began = time.perf_counter()
    child = subprocess.Popen(command, stdout=out_file, stderr=err_file, cwd=ROOT, env=env)

    def watch() -> None:
        try:
            process = psutil.Process(child.pid)
            while not done.is_set():
                try:
                    total = process.memory_info().rss
                    for sub in process.children(recursive=True):
                        with contextlib.suppress(psutil.Error):
                            total += sub.memory_info().rss
                except psutil.Error:
                    break
                peak[0] = max(peak[0], total)
                done.wait(poll)
        except psutil.Error:
            return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    watcher.join()
    texts = []
    for handle in (out_file, err_file):
        handle.seek(0)
        texts.append(handle.read().decode("utf-8", "replace"))
        handle.close()
    maxrss = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Child(seconds, cpu, child.returncode, maxrss, max(peak[0] / MIB, maxrss), *texts)


@dataclass
class RunResult:
    child: Child
    stages: list[dict]
    report: Path
    charges_rows: int = 0
    rapprochement_rows: int = 0
    extra: dict = field(default_factory=dict)


def run_cli(inputs: Path, work: Path, profile: Path | None = None,
            sampler: list[str] | None = None) -> RunResult:
    """One real ``python -m reconcile run`` in a fresh reports folder, as installed by
    ``make install`` (``bench.as_installed``: without the test tools)."""
    reports = work / "reports"
    shutil.rmtree(reports, ignore_errors=True)
    mesures = work / "mesures.json"
    mesures.unlink(missing_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    python = [*(sampler or []), sys.executable]
    if profile is not None and sampler is None:
        python += ["-m", "cProfile", "-o", str(profile)]
    command = [*python, "-m", "bench.as_installed", "run", "--mois", MONTH,  # no hypothesis
               "--inputs", str(inputs), "--reports", str(reports), "--mesures", str(mesures)]
    child = measure(command)
    if child.status != 0:
        raise SystemExit(f"reconcile a échoué (statut {child.status}) :\n{child.stdout}\n"
                         f"{child.stderr[-3000:]}")
    stages = json.loads(mesures.read_text(encoding="utf-8"))
    return RunResult(child, stages, reports / MONTH / f"rapprochement_{MONTH}.xlsx")


def report_rows(report: Path, target: Path) -> dict[str, tuple[int, int]]:
    """Pickle every sheet of every workbook the run wrote in the month's folder (the
    report, the titres to issue) for the write floor: the cells any tool producing these
    outputs must write."""
    from python_calamine import CalamineWorkbook

    sheets = []
    for path in sorted(report.parent.glob("*.xlsx")):
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python()
            sheets.append((f"{len(sheets):02d} {name}"[:31], rows))
    with target.open("wb") as handle:
        pickle.dump(sheets, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {name: (len(rows), max((len(r) for r in rows), default=0)) for name, rows in sheets}


def startup() -> tuple[float, float]:
    """Best of three bare interpreter start-ups: (wall, CPU) seconds."""
    runs = [measure([sys.executable, "-c", "pass"]) for _ in range(3)]
    return min(r.seconds for r in runs), min(r.cpu for r in runs)


def floor(inputs: Path, report: Path, work: Path, repeat: int = 1) -> dict:
    """Read floor (calamine) + write floor (xlsxwriter constant_memory), fresh children;
    with ``repeat`` > 1, the fastest of each part."""
    targets = [f"{inputs / name}:{sheet}" for name, sheet in SHEETS]
    rows_file = work / "floor_rows.pickle"
    shape = report_rows(report, rows_file)
    written = work / "floor_write.xlsx"
    reads, writes = [], []
    for _ in range(max(1, repeat)):
        reads.append(measure([sys.executable, "-m", "bench.floor", "read", *targets]))
        writes.append(measure([sys.executable, "-m", "bench.floor", "write", str(rows_file),
                               str(written)]))
    for child in reads + writes:
        if child.status != 0:
            raise SystemExit(f"mesure du plancher en échec :\n{child.stderr[-3000:]}")
    boot, boot_cpu = startup()

    def fastest(children: list[Child]) -> tuple[dict, Child]:
        timed = [(json.loads(c.stdout.strip().splitlines()[-1]), c) for c in children]
        return min(timed, key=lambda pair: pair[0]["seconds"])

    (a, read), (b, write) = fastest(reads), fastest(writes)
    return {"startup": boot, "read": a["seconds"], "read_cells": a["cells"],
            "read_wall": read.seconds, "read_rss": read.maxrss_mib,
            "write": b["seconds"], "write_cells": b["cells"], "write_wall": write.seconds,
            "write_rss": write.maxrss_mib, "shape": shape,
            "total": boot + a["seconds"] + b["seconds"],
            "cpu": {"startup": boot_cpu, "read": a["cpu"], "write": b["cpu"],
                    "total": boot_cpu + a["cpu"] + b["cpu"]}}
