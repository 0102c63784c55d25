"""Faults leave a clean trail: real ``python -m reconcile run`` processes on the sample
inputs, stopped by SIGTERM and SIGINT at random moments, on a full disk (a real tmpfs),
two months at once; the journal, history and crash logs under damage and collisions.

After every fault: every journal line parses and each run that started has its ``debut``
and its ``fin`` (with the process's exit status), no temporary file is left in the
month folder nor in ``TMPDIR``, no traceback is printed, and the report present is
byte-identical to a complete reference (the previous one, or the new one if the run
got as far as publishing it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from workbooks import run

from reconcile.cli.main import _write_crash_log, main
from reconcile.core import journal
from reconcile.core.safeio import keep_previous

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "inputs"
MONTH = "2026-11"
REPORT = f"rapprochement_{MONTH}.xlsx"
SEED = random.randrange(2**32)  # shown in failures, to replay a storm


def sample(folder: Path, without: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True)
    for path in sorted(SAMPLE.glob("*.xlsx")):
        if path.stem not in without:
            shutil.copy(path, folder / path.name)
    return folder


def spawn(inputs: Path, reports: Path, scratch: Path, month: str = MONTH,
          extra: tuple[str, ...] = ()) -> subprocess.Popen:
    scratch.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "reconcile", "run", "--mois", month, "--inputs", str(inputs),
         "--reports", str(reports), *extra],
        cwd=ROOT, env={**os.environ, "TMPDIR": str(scratch)}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def runs_in(folder: Path, month: str = MONTH) -> dict[int, list[dict]]:
    """The journal by process: every line parses, every run has its start and its end."""
    by_pid: dict[int, list[dict]] = {}
    path = folder / f"journal_{month}.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        event = json.loads(line)
        by_pid.setdefault(event["pid"], []).append(event)
    for pid, events in by_pid.items():
        assert [e["evenement"] for e in events] == ["debut", "fin"], (pid, events)
    return by_pid


def temporaries(*folders: Path) -> list[str]:
    return [str(p) for folder in folders if folder.exists() for p in folder.rglob("*")
            if ".tmp" in p.name or p.name.startswith("tmp")]


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    """Three real processes at once: October and November of the sample in one reports
    folder (A), and November without ``titres`` in another (B)."""
    base = tmp_path_factory.mktemp("references")
    inputs_a, inputs_b = sample(base / "in_a"), sample(base / "in_b", without=("titres",))
    processes = {"2026-10": spawn(inputs_a, base / "a", base / "tmp", "2026-10"),
                 MONTH: spawn(inputs_a, base / "a", base / "tmp"),
                 "b": spawn(inputs_b, base / "b", base / "tmp")}
    for process in processes.values():
        _, err = process.communicate()
        assert process.returncode == 0, err
    return base, processes


@pytest.fixture(scope="module")
def references(side_by_side):
    """The month folder after a complete run on the sample (A), and the report the same
    month gets once ``titres`` is withdrawn (B)."""
    base, _ = side_by_side
    a, b = base / "a" / MONTH, base / "b" / MONTH
    assert (a / REPORT).read_bytes() != (b / REPORT).read_bytes()
    return a, (a / REPORT).read_bytes(), base / "in_b", (b / REPORT).read_bytes()


# -- SIGTERM and SIGINT --------------------------------------------------------------------


def handles_sigterm(pid: int) -> bool:
    """Our handlers are installed (SIGTERM is caught: Python alone does not catch it)."""
    with contextlib.suppress(OSError, StopIteration):
        status = Path(f"/proc/{pid}/status").read_text()
        mask = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
        return bool(int(mask.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def stop_at(process: subprocess.Popen, moment: str, rng: random.Random) -> None:
    """Wait for ``moment`` (start-up, or a stage named on stderr), then a random delay."""
    if moment == "démarrage":
        for _ in range(4000):
            if handles_sigterm(process.pid) or process.poll() is not None:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.6))  # anywhere in the imports, or just after
    else:
        assert process.stderr is not None
        for line in process.stderr:
            if f" {moment} : " in line:
                break
        time.sleep(rng.uniform(0, 0.12))


STORM = (("démarrage", signal.SIGINT), ("lecture", signal.SIGTERM),
         ("validation", signal.SIGKILL), ("écriture", signal.SIGINT),
         ("écriture", signal.SIGTERM), ("écriture", signal.SIGKILL))


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_program_loads_is_journaled(tmp_path, sent):
    """Issue 20 item 7: the signal arrives while ``python -m reconcile`` imports its
    libraries (deterministically: sent to itself in that window, where it is only noted).
    The run stops cleanly and its journal has its start and its end, with the status."""
    inputs = sample(tmp_path / "in")
    reports = tmp_path / "reports"
    program = (
        "import os, signal, sys\n"
        "from reconcile.core import interrupts\n"
        "interrupts.install(defer=True)  # what reconcile/__main__.py does first\n"
        f"os.kill(os.getpid(), {int(sent)})  # while the program loads\n"
        "from reconcile.cli.main import main\n"
        f"sys.exit(main(['run', '--mois', '{MONTH}', '--inputs', r'{inputs}', "
        f"'--reports', r'{reports}']))\n")
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == 128 + sent, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Interrompu ({sent.name}) : arrêt propre")
    (events,) = runs_in(reports / MONTH).values()
    assert events[1]["statut"] == 128 + sent
    assert events[1]["resultat"] == "interrompu"
    assert events[1]["etape"] == "chargement du programme"
    assert not (reports / MONTH / REPORT).exists()


def test_signals_at_random_moments_leave_a_clean_trail(references, tmp_path):
    """SIGTERM and SIGINT: a clean stop, at once. SIGKILL: nothing can run, but the
    previous report is intact, no temporary is outside the month folder, and the next
    run removes what was left and journals the killed run's end."""
    previous_folder, previous, inputs, new = references
    reports, scratch = tmp_path / "reports", tmp_path / "tmp"
    folder = reports / MONTH
    shutil.copytree(previous_folder, folder)
    rng = random.Random(SEED)
    stopped, killed = 0, set()
    # B's PES Aller replaces A's only when re-issuing is asked (spécification §4.16)
    reissue = ("--reemettre",)
    for moment, sent in STORM:
        process = spawn(inputs, reports, scratch, extra=reissue)
        stop_at(process, moment, rng)
        process.send_signal(sent)
        out, err = process.communicate()
        where = f"seed {SEED}, {moment}, {sent.name}: {err}"
        assert "Traceback" not in err + out, where
        assert (folder / REPORT).read_bytes() in (previous, new), where
        for kept in (folder / "historique").glob("*"):
            assert kept.read_bytes() == previous, where
        assert not temporaries(scratch), where  # never in the system's temporary folder
        if sent == signal.SIGKILL:
            killed.add(process.pid)
            continue
        assert process.returncode in (0, 128 + sent), where
        if process.returncode:
            stopped += 1
            lines = [line for line in err.splitlines() if line.startswith("Interrompu")]
            assert len(lines) == 1 and lines[0].startswith(
                f"Interrompu ({sent.name}) : arrêt propre, aucun fichier partiel n'a été "
                "laissé ; "), where
            assert lines[0].endswith("le rapport précédent est intact.") or (
                folder / REPORT).read_bytes() == new, where  # unless it was in place
        if not killed:  # (a killed run's leftovers wait for the next run that gets going)
            assert not temporaries(folder), where
            runs = runs_in(folder)
            if process.pid in runs:  # started: its end says how it ended
                assert runs[process.pid][1]["statut"] == process.returncode, where
    assert stopped >= 3, f"seed {SEED}: the runs ended before the signal"
    again = spawn(inputs, reports, scratch, extra=reissue)
    assert again.wait() == 0
    assert (folder / REPORT).read_bytes() == new
    assert not temporaries(folder, scratch)
    runs = runs_in(folder)  # now complete: the killed runs' ends were journaled
    for pid in killed & set(runs):
        end = runs[pid][1]  # journaled by the next run that got going
        assert end["statut"] is None and end["constate_par"] != pid, end
        assert end["resultat"].startswith("arrêt brutal"), end


# -- disk full --------------------------------------------------------------------------


@pytest.fixture
def small_disks(tmp_path):
    """Mount small tmpfs filesystems (as root); skip cleanly where mounting is refused."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("monter un tmpfs demande les droits root")
    mounted: list[Path] = []

    def mount(name: str, kib: int) -> Path:
        where = tmp_path / name
        where.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs",
                               str(where)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"tmpfs impossible ici : {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def leave_free(disk: Path, kib: int) -> None:
    """Fill ``disk`` so that about ``kib`` KiB stay free."""
    filler = disk / "remplissage"
    filler.unlink(missing_ok=True)
    stats = os.statvfs(disk)
    size = stats.f_bavail * stats.f_frsize - kib * 1024
    if size > 0:
        handle = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.posix_fallocate(handle, 0, size)
        finally:
            os.close(handle)


def needed_kib(line: str) -> int:
    return int(line.split("il faut environ ", 1)[1].split(" Ko", 1)[0].replace("\u202f", ""))


def test_full_disk_at_every_level_is_one_french_line(references, small_disks, tmp_path):
    previous_folder, previous, inputs, new = references
    levels = (0, 40, 600)  # KiB free; the sample's run needs about 1.5 Mo at its peak
    disks = {}
    for level in levels:
        disk = small_disks(f"disque_{level}", 8 * 1024)
        shutil.copytree(previous_folder, disk / "reports" / MONTH)
        leave_free(disk, level)
        disks[level] = disk
    processes = {level: spawn(inputs, disk / "reports", tmp_path / f"tmp_{level}")
                 for level, disk in disks.items()}
    needs = []
    for level, process in processes.items():
        out, err = process.communicate()
        disk, folder = disks[level], disks[level] / "reports" / MONTH
        assert process.returncode == 1, (level, err)
        assert "Traceback" not in err + out
        lines = [line for line in err.splitlines() if "espace disque insuffisant" in line]
        assert len(lines) == 1 and f"espace disque insuffisant dans {folder} : il faut " \
            "environ" in lines[0], (level, err)
        needs.append(needed_kib(lines[0]))
        assert (folder / REPORT).read_bytes() == previous
        assert not temporaries(folder, tmp_path / f"tmp_{level}")
        assert not list(disk.rglob("erreur_*.log")) and not list(tmp_path.rglob("erreur_*"))
        runs = runs_in(folder)
        if process.pid in runs:
            assert runs[process.pid][1]["statut"] == 1
            assert runs[process.pid][1]["resultat"] == "espace disque insuffisant"
    # The room the message asks for is enough.
    disk = disks[levels[-1]]
    leave_free(disk, max(needs))
    again = spawn(inputs, disk / "reports", tmp_path / "tmp_again",
                  extra=("--reemettre",))  # B's PES Aller replaces A's: asked (§4.16)
    out, err = again.communicate()
    assert again.returncode == 0, err
    assert (disk / "reports" / MONTH / REPORT).read_bytes() == new
    history = (disk / "reports" / MONTH / "historique").glob("rapprochement_*")
    assert [p.read_bytes() for p in history] == [previous]


# -- two months at once, one run per month ----------------------------------------------


def test_months_run_side_by_side_while_a_busy_month_is_refused(side_by_side, tmp_path,
                                                                capsys):
    base, processes = side_by_side  # October and November ran at once in one folder
    reports = base / "a"
    for month in ("2026-10", MONTH):
        assert (reports / month / f"rapprochement_{month}.xlsx").is_file()
        assert runs_in(reports / month, month)[processes[month].pid][1]["statut"] == 0
    assert not temporaries(reports, base / "tmp")
    busy = tmp_path / "reports" / "2026-12"
    busy.mkdir(parents=True)
    handle = os.open(busy / ".reconcile.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(handle, fcntl.LOCK_EX)  # as a run of December would
    try:
        refused = run(base / "in_a", tmp_path / "reports", "2026-12", capsys)
    finally:
        os.close(handle)
    assert refused.status == 3 and "Une autre exécution est en cours" in refused.err
    assert runs_in(busy, "2026-12")[os.getpid()][1]["statut"] == 3
    assert sorted(p.name for p in busy.iterdir()) == [".reconcile.lock",
                                                      "journal_2026-12.jsonl"]


# -- the journal ------------------------------------------------------------------------


def test_a_torn_journal_line_is_closed_before_the_next_event(tmp_path):
    journal.record(tmp_path, MONTH, "debut", reserve=journal.RESERVE)
    path = journal.journal_path(tmp_path, MONTH)
    with path.open("ab") as damaged:
        damaged.write(b'{"horodatage": "2026-11-30T23:5')  # cut by a crash
    journal.record(tmp_path, MONTH, "fin", statut=0)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == '{"horodatage": "2026-11-30T23:5'
    assert [json.loads(line)["evenement"] for line in lines[2:]] == ["journal_repare", "fin"]


def test_a_short_write_leaves_no_partial_line(tmp_path, monkeypatch):
    journal.record(tmp_path, MONTH, "debut")
    path = journal.journal_path(tmp_path, MONTH)
    before = path.read_bytes()
    write, calls = os.write, []

    def full_disk(handle: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return write(handle, bytes(data)[:40])  # what fitted
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal.os, "write", full_disk)
    with pytest.raises(OSError):
        journal.record(tmp_path, MONTH, "fin", statut=0)
    monkeypatch.undo()
    assert path.read_bytes() == before  # cut back: whole line or nothing
    journal.record(tmp_path, MONTH, "fin", statut=1)
    assert [json.loads(line)["evenement"] for line in path.read_text().splitlines()] == [
        "debut", "fin"]


# -- names that sort and never collide ------------------------------------------------------


def test_history_names_are_utc_and_never_collide(tmp_path):
    report = tmp_path / REPORT
    made = 1_795_000_000.25  # 2026-11-18 11:06:40.25 UTC, whatever the local time zone
    kept = []
    for content in (b"first", b"second"):
        fresh = tmp_path / "fresh"
        fresh.write_bytes(content)
        os.utime(fresh, (made, made))
        os.replace(fresh, report)  # as ``publish`` does: a new file, never rewritten in place
        kept.append(keep_previous(report))
    assert [p.name for p in kept] == [
        "rapprochement_2026-11_2026-11-18_110640_250000Z.xlsx",
        "rapprochement_2026-11_2026-11-18_110640_250000Z-2.xlsx"]
    assert [p.read_bytes() for p in kept] == [b"first", b"second"]


def test_crash_logs_never_overwrite_each_other(tmp_path):
    logs = [_write_crash_log(tmp_path, RuntimeError(f"défaut {n}")) for n in range(3)]
    assert len(set(logs)) == 3
    for n, log in enumerate(logs):
        assert log.name.startswith("erreur_") and log.name.endswith(".log")
        assert f"défaut {n}" in log.read_text(encoding="utf-8")


# -- what the machine refuses -----------------------------------------------------------------


@contextlib.contextmanager
def shared_folder():
    """A folder ``nobody`` may enter (``tmp_path`` is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="reconcile-droits-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def as_nobody():
    """Root reads everything: drop to ``nobody`` for a permission to be refused."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def warm_up(folder: Path) -> None:
    """As root: ``nobody`` may be unable to import what a run needs (the interpreter can
    live in root's home; zip needs the cp437 codec, xlsxwriter utf-16)."""
    warm = sample(folder / "warm", without=("membres", "souscriptions"))
    assert main(["check", "--mois", MONTH, "--inputs", str(warm), "--reports",
                 str(folder / "warm_reports")]) == 2


def test_an_unreadable_input_is_named_in_the_anomalies(capsys):
    with shared_folder() as folder:
        inputs = sample(folder / "in")
        warm_up(folder)
        (inputs / "membres.xlsx").chmod(0)
        with as_nobody():
            result = run(inputs, folder / "reports", capsys=capsys)
        assert result.status == 2, result.err
        assert "Traceback" not in result.err
        assert "membres.xlsx" in result.err
        assert "fichier illisible : lecture refusée" in result.err
        assert result.anomalies_path.is_file()


def test_an_unreadable_inputs_folder_is_an_input_error_naming_it(capsys):
    """Issue 20 item 7: the PES Retour search listed the folder without a guard, so an
    inputs folder that cannot be listed ended as « écriture impossible », exit 1. It is
    an input error (exit 2, spécification §2.5) that names the folder, said once."""
    with shared_folder() as folder:
        inputs = sample(folder / "in")
        warm_up(folder)
        inputs.chmod(0o311)  # may be entered, not listed
        try:
            with as_nobody():
                result = run(inputs, folder / "reports", capsys=capsys)
        finally:
            inputs.chmod(0o755)
        assert result.status == 2, result.err
        assert "Traceback" not in result.err and "écriture impossible" not in result.err
        assert f"dossier des entrées illisible ({inputs}) : lecture refusée" in result.err
        assert result.err.count("dossier des entrées illisible") == 1
        assert result.anomalies_path.is_file()


def test_a_read_only_month_folder_is_one_line_and_journaled(capsys):
    with shared_folder() as folder:
        inputs = sample(folder / "in")
        warm_up(folder)
        month = folder / "reports" / MONTH
        month.mkdir(parents=True)
        for name in (f"journal_{MONTH}.jsonl", ".reconcile.lock"):  # from earlier runs
            (month / name).touch(mode=0o666)
            (month / name).chmod(0o666)
        month.chmod(0o555)
        with as_nobody():
            result = run(inputs, folder / "reports", capsys=capsys)
        assert result.status == 1
        assert "Traceback" not in result.err
        assert [line for line in result.err.splitlines() if line.startswith("Arrêt")] == [
            f"Arrêt : écriture impossible dans {month} : permission refusée. Aucun "
            "fichier partiel n'a été laissé ; le rapport précédent est intact."], result.err
        end = runs_in(month)[os.getpid()][1]
        assert (end["statut"], end["resultat"]) == (1, "ecriture impossible")
        assert sorted(p.name for p in month.iterdir()) == [".reconcile.lock",
                                                           f"journal_{MONTH}.jsonl"]
        assert not list(folder.rglob("erreur_*.log"))


def test_symbolic_link_loops_are_called_so(tmp_path, capsys):
    inputs = sample(tmp_path / "in")
    (inputs / "membres.xlsx").unlink()
    (inputs / "membres.xlsx").symlink_to("membres.xlsx")
    result = run(inputs, tmp_path / "reports", capsys=capsys)
    assert result.status == 2
    assert "membres.xlsx est un lien symbolique qui boucle" in result.err
    loop = tmp_path / "boucle"
    loop.symlink_to(loop.name)
    result = run(sample(tmp_path / "in2"), loop, capsys=capsys)
    assert result.status == 1 and "Traceback" not in result.err
    assert [line for line in result.err.splitlines() if "boucle de liens symboliques" in line]
    assert not list(tmp_path.rglob("erreur_*.log"))


def test_a_reports_path_that_is_a_file_is_one_line(tmp_path, capsys):
    reports = tmp_path / "reports"
    reports.write_text("pas un dossier")
    result = run(sample(tmp_path / "in"), reports, capsys=capsys)
    assert result.status == 1
    assert result.err.strip().splitlines() == [
        f"Arrêt : écriture impossible dans {reports} : un élément du chemin est un "
        "fichier, pas un dossier. Aucun fichier partiel n'a été laissé ; le rapport "
        "précédent est intact."]
    assert reports.read_text() == "pas un dossier"


def test_a_run_sweeps_the_temporaries_of_every_subfolder(tmp_path, capsys):
    """A killed run can leave a temporary wherever it was writing (the letters, the
    statements, their histories): the next run of the month removes them all, even
    without --releves or --relances."""
    from workbooks import base

    inputs = base().write(tmp_path / "in")
    month = tmp_path / "out" / MONTH
    left = [month / ".rapprochement.xlsx.1.tmp",
            month / "relances" / ".relance_x.xlsx.1.tmp",
            month / "relances" / "historique" / ".relance_x.xlsx.2.tmp",
            month / "releves" / "historique" / ".releve_x.xlsx.3.tmp"]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    assert run(inputs, tmp_path / "out", capsys=capsys).status == 0
    assert [p for p in left if p.exists()] == []
