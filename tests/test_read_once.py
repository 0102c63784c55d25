"""Each input is read once: the Contrôle hash, the figures and the kept copy come from
the same bytes, even when the file is replaced while the run reads (issue 21,
spécification §4.7).

No race on timing: the file is replaced at a chosen reading step. The portable test
acts right after the file is opened, by wrapping the functions that open files (so it
runs unchanged against an older tree); the others use ``disk.intercept``.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine
from workbooks import anomaly_rows, read_sheet, run

from reconcile.core.model import report_name

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "inputs"
MONTH = "2026-11"
FIGURES = ("Charges", "Rapprochement", "Restes à recouvrer")


@pytest.fixture(scope="module")
def version_b(tmp_path_factory) -> bytes:
    """The sample's titres with the first titre's amount changed: other figures. Made
    once (openpyxl stamps each save), so every copy of B has the same bytes."""
    book = openpyxl.load_workbook(SAMPLE / "titres.xlsx")
    sheet = book["Titres"]
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("Montant") + 1)
    cell.value = cell.value + 1000
    path = tmp_path_factory.mktemp("b") / "titres.xlsx"
    book.save(path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def versions(tmp_path_factory, version_b) -> dict[str, tuple[bytes, Path]]:
    """Each version of titres.xlsx → its bytes and the report of a quiet run on it."""
    base = tmp_path_factory.mktemp("versions")
    found = {}
    for name in ("A", "B"):
        inputs = base / name / "inputs"
        shutil.copytree(SAMPLE, inputs)
        if name == "B":
            (inputs / "titres.xlsx").write_bytes(version_b)
        assert run(inputs, base / name / "reports").status == 0
        data = (inputs / "titres.xlsx").read_bytes()
        found[hashlib.sha256(data).hexdigest()] = (data, base / name / "reports" / MONTH)
    assert len(found) == 2
    return found


def control_digest(report: Path, name: str) -> str:
    """The SHA-256 the Contrôle sheet gives for ``name``."""
    book = calamine.CalamineWorkbook.from_path(str(report))
    rows = book.get_sheet_by_name("Contrôle").to_python()
    digests = {row[1] for row in rows if row and row[0] == name}
    assert len(digests) == 1, digests
    return digests.pop()


def kept_copy(month: Path, name: str) -> bytes:
    (copy,) = (month / "entrees").glob(f"*/{name}")
    return copy.read_bytes()


def assert_consistent(month: Path, versions: dict) -> str:
    """The figures are those of the version Contrôle names, and the kept copy is it."""
    report = month / report_name(MONTH)
    digest = control_digest(report, "titres.xlsx")
    assert digest in versions, "Contrôle names bytes that were never on disk"
    data, reference = versions[digest]
    assert kept_copy(month, "titres.xlsx") == data
    for sheet in FIGURES:
        assert read_sheet(report, sheet).equals(
            read_sheet(reference / report_name(MONTH), sheet)), sheet
    return digest


def warned_changed(month: Path) -> list[dict]:
    return [a for a in anomaly_rows(month / report_name(MONTH))
            if a["Code"] == "fichier-modifie-pendant-lecture"]


def test_replaced_right_after_its_opening_the_report_is_of_one_version(
        tmp_path, monkeypatch, versions, version_b, capsys):
    """titres.xlsx (A) is atomically replaced by B the moment the run has opened it:
    every later opening of the path sees B. The run's figures, its Contrôle hash and
    its kept copy must all be of one version (B, the one that settled: the read that
    saw the change is set aside); and the run says the file changed while read."""
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE, inputs)
    target = inputs / "titres.xlsx"
    other = tmp_path / "titres-B.xlsx"
    other.write_bytes(version_b)
    opened: list[str] = []

    def after_opening(path: object) -> None:
        if Path(os.fsdecode(path)) == target:  # type: ignore[arg-type]
            opened.append("titres")
            if len(opened) == 1:
                os.replace(shutil.copy(other, tmp_path / "staged.xlsx"), target)

    real_io_open, real_os_open = io.open, os.open

    def io_open(file, *args, **kwargs):
        handle = real_io_open(file, *args, **kwargs)
        if isinstance(file, str | os.PathLike):
            after_opening(file)
        return handle

    def os_open(path, *args, **kwargs):
        handle = real_os_open(path, *args, **kwargs)
        after_opening(path)
        return handle

    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(os, "open", os_open)
    result = run(inputs, tmp_path / "reports", capsys=capsys)
    monkeypatch.undo()
    assert result.status == 0, result.err
    assert opened, "the run never opened titres.xlsx"
    digest = assert_consistent(result.folder, versions)
    assert versions[digest][0] == target.read_bytes() == version_b  # the settled one
    (warning,) = warned_changed(result.folder)
    assert warning["Fichier"] == "titres.xlsx"
    assert "Le fichier titres.xlsx a été modifié ou remplacé pendant sa lecture" in result.out
    rows = calamine.CalamineWorkbook.from_path(
        str(result.folder / report_name(MONTH))).get_sheet_by_name("Contrôle").to_python()
    assert ["Fichiers modifiés pendant leur lecture (relancer)", "titres.xlsx"] in [
        row[:2] for row in rows]


@pytest.mark.parametrize("moment", ["ouvert", "lu"])
def test_rewritten_in_place_during_its_read_the_report_is_the_bytes_read(
        tmp_path, versions, version_b, moment, capsys):
    """Through the reading step's hook: titres.xlsx rewritten in place (same inode)
    once opened (the read sees B, maybe torn) or once read (it saw A). That read is set
    aside, the next one sees B settled: figures, hash and copy are B's, and the change
    is said."""
    from reconcile.read import disk

    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE, inputs)
    target = inputs / "titres.xlsx"
    other = tmp_path / "titres-B.xlsx"
    other.write_bytes(version_b)
    done: list[Path] = []

    def rewrite(path: Path, step: str) -> None:
        if path == target and step == moment and not done:
            done.append(path)
            with open(target, "r+b") as handle:  # same file, new content
                handle.write(other.read_bytes())
                handle.truncate()
                os.utime(handle.fileno(), ns=(1, 10**9))

    with disk.intercept(rewrite):
        result = run(inputs, tmp_path / "reports", capsys=capsys)
    assert result.status == 0, result.err
    assert done
    digest = assert_consistent(result.folder, versions)
    assert versions[digest][0] == version_b
    assert [w["Fichier"] for w in warned_changed(result.folder)] == ["titres.xlsx"]


def test_a_quiet_run_says_nothing_changed(tmp_path, versions, capsys):
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE, inputs)
    result = run(inputs, tmp_path / "reports", capsys=capsys)
    assert result.status == 0
    assert_consistent(result.folder, versions)
    assert warned_changed(result.folder) == []


def test_take_reads_through_one_descriptor(tmp_path):
    """The unit: a file replaced after its opening is read whole through the descriptor
    but that read is set aside, the new file read and the change flagged; one left
    alone is not flagged; one over the ceiling is not read; one that never settles is
    given as its last read saw it, flagged."""
    from reconcile.read import disk

    path = tmp_path / "f.bin"
    path.write_bytes(b"A" * 10)
    assert disk.take(path, 100) == disk.Taken(path, b"A" * 10, 10, False)

    done: list[Path] = []

    def once(at: Path, step: str) -> None:  # atomically replaced once, after the read
        if step == "lu" and not done:
            done.append(at)
            (tmp_path / "new").write_bytes(b"B" * 3)
            os.replace(tmp_path / "new", at)

    with disk.intercept(once):
        taken = disk.take(path, 100)
    assert (taken.data, taken.changed) == (b"BBB", True)
    assert disk.take(path, 2) == disk.Taken(path, b"", 3, False)
    counter = iter(range(100))

    def always(at: Path, step: str) -> None:
        if step == "ouvert":
            at.write_bytes(b"C" * next(counter))

    with disk.intercept(always):
        taken = disk.take(path, 100)
    assert taken.changed and taken.data == b"C" * (disk.ATTEMPTS - 1)


def test_earlier_reports_and_sent_files_are_read_once_each(tmp_path):
    """The reports folder, read by the read layer: last month's report, the final report
    of each exercise asked for (the latest month of that year), and the PES Aller files
    of the month folders (not ``historique/``), each its exact bytes."""
    from reconcile.read import earlier

    for month in ("2024-11", "2024-12", "2025-06", "2026-10"):
        (tmp_path / month).mkdir()
        (tmp_path / month / report_name(month)).write_bytes(month.encode())
        (tmp_path / month / f"PESALR2_{month}.xml").write_bytes(b"<" + month.encode())
    (tmp_path / "2026-10" / "historique").mkdir()
    (tmp_path / "2026-10" / "historique" / "PESALR2_2026-10.xml").write_bytes(b"old")
    read = earlier.read(tmp_path, "2026-11", [2024, 2025, 2023])
    assert read.previous is not None and read.previous.data == b"2026-10"
    assert {e: r.month for e, r in read.finals.items()} == {2024: "2024-12", 2025: "2025-06"}
    assert read.finals[2024].sha256 == hashlib.sha256(b"2024-12").hexdigest()
    assert read.finals[2024].is_december and not read.finals[2025].is_december
    assert earlier.read(tmp_path, "2026-01").previous is None
    sent = earlier.read_sent(tmp_path)
    assert [(f.name, f.data) for f in sent.files] == [
        *((f"{m}/PESALR2_{m}.xml", b"<" + m.encode())
          for m in ("2024-11", "2024-12", "2025-06", "2026-10")),
        ("2026-10/historique/PESALR2_2026-10.xml", b"old")]  # a replaced one may have gone
    assert sent.unreadable == {}
    assert sent.current("2026-10") == b"<2026-10" and sent.current("2026-11") is None


def test_an_earlier_report_that_cannot_be_read_is_a_warning(tmp_path, capsys):
    """Last month's report and a past exercise's final report refused at their opening
    (a permission, a disk error): the month is still produced, each named in a warning
    (before, the final report's error stopped the run)."""
    from reconcile.read import disk

    reports = tmp_path / "reports"
    refused = []
    for month in ("2026-10", "2025-12"):
        (reports / month).mkdir(parents=True)
        (reports / month / report_name(month)).write_bytes(b"PK")
        refused.append(reports / month / report_name(month))

    def refuse(path: Path, step: str) -> None:
        if path in refused and step == "ouvert":
            raise PermissionError(13, "Permission non accordée", str(path))

    with disk.intercept(refuse):
        result = run(SAMPLE, reports, capsys=capsys)
    assert result.status == 0, result.err
    codes = {(a["Code"], a["Fichier"]) for a in anomaly_rows(result.folder / report_name(MONTH))}
    assert ("evolutions-illisibles", "rapprochement_2026-10.xlsx") in codes
    assert ("rapport-final-illisible", "rapprochement_2025-12.xlsx") in codes


def test_controle_and_journal_name_last_months_report_with_its_digest(tmp_path, capsys):
    """Évolutions is drawn from last month's report: Contrôle names it with the SHA-256
    of the bytes read, and so does the journal."""
    import json

    reports = tmp_path / "reports"
    assert run(SAMPLE, reports, "2026-10", capsys=capsys).status == 0
    previous = reports / "2026-10" / report_name("2026-10")
    digest = hashlib.sha256(previous.read_bytes()).hexdigest()
    result = run(SAMPLE, reports, capsys=capsys)
    assert result.status == 0, result.err
    rows = calamine.CalamineWorkbook.from_path(
        str(result.folder / report_name(MONTH))).get_sheet_by_name("Contrôle").to_python()
    assert ["Rapport du mois précédent relu (Évolutions)",
            f"2026-10/{report_name('2026-10')} (SHA-256 {digest})"] in [r[:2] for r in rows]
    journal = (result.folder / f"journal_{MONTH}.jsonl").read_text(encoding="utf-8")
    end = json.loads(journal.splitlines()[-1])
    assert end["rapport_precedent"] == {f"2026-10/{report_name('2026-10')}": digest}


def test_every_file_a_month_reads_is_opened_once(tmp_path, monkeypatch, capsys):
    """Counted at the operating system's door (``os.open``, ``io.open``): each input,
    an XML file of the inputs folder, last month's report and a past exercise's final
    report are each opened exactly once by a run."""
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE, inputs)
    (inputs / "autre.xml").write_bytes(b"<autre/>")
    reports = tmp_path / "reports"
    assert run(inputs, reports, "2026-10", capsys=capsys).status == 0
    (reports / "2025-12").mkdir()
    shutil.copy(reports / "2026-10" / report_name("2026-10"),
                reports / "2025-12" / report_name("2025-12"))
    watched = [*sorted(inputs.iterdir()), reports / "2026-10" / report_name("2026-10"),
               reports / "2025-12" / report_name("2025-12")]
    opened = dict.fromkeys(watched, 0)
    real_io_open, real_os_open = io.open, os.open

    def count(path: object) -> None:
        if isinstance(path, str | os.PathLike) and Path(os.fsdecode(path)) in opened:
            opened[Path(os.fsdecode(path))] += 1

    def io_open(file, *args, **kwargs):
        count(file)
        return real_io_open(file, *args, **kwargs)

    def os_open(path, *args, **kwargs):
        count(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(os, "open", os_open)
    result = run(inputs, reports, capsys=capsys)
    monkeypatch.undo()
    assert result.status == 0, result.err
    assert opened == dict.fromkeys(watched, 1)
    codes = {a["Code"] for a in anomaly_rows(result.folder / report_name(MONTH))}
    assert {"xml-ignore", "rapport-final-illisible"} <= codes  # read, then judged
