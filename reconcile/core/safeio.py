"""Writing outputs so that no run, killed or concurrent, loses or corrupts a report.

* every file is written to a temporary file in its destination folder, flushed, then
  renamed into place (``os.replace`` is atomic on one filesystem);
* a report that already exists and differs is kept, hard-linked into ``historique/``
  under a name saying when it was made (UTC, so names sort in time order wherever the
  machine is), made unique without ever overwriting, before the new one takes the
  canonical name; an identical one is left untouched;
* one run at a time per month folder: ``flock`` on ``reports/AAAA-MM/.reconcile.lock``,
  which the kernel releases if the holder dies (no stale lock to clean by hand). Every
  file a run writes — report, history, snapshot ``entrees/``, statements, and the
  writer's own scratch files — lives in its month folder, so months run side by side.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_NAME = ".reconcile.lock"
HISTORY = "historique"


class Busy(Exception):
    """Another run holds the month folder."""


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s lock (a month folder) or raise ``Busy`` at once."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise Busy(str(folder)) from None
            raise
        with contextlib.suppress(OSError):  # who holds it: a courtesy, even on a full disk
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(handle)


def temporary_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def remove_stale_temporaries(folder: Path) -> None:
    """Leftovers of a killed run (we hold the lock, so none is in use)."""
    if folder.is_dir():
        for path in folder.glob(".*.tmp"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


@contextlib.contextmanager
def scratch(folder: Path) -> Iterator[str]:
    """A scratch folder inside ``folder`` (a month folder) for a writer's temporary files
    (xlsxwriter streaming a large workbook), removed on exit; named ``.*.tmp``, so the
    next run of the month sweeps what a killed one left — never the system's
    temporary folder."""
    folder.mkdir(parents=True, exist_ok=True)
    made = tempfile.mkdtemp(prefix=f".xlsxwriter.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def write_new(target: Path, render: Callable[[str], None]) -> Path:
    """Render into a flushed temporary file beside ``target``; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(target)
    try:
        render(str(temporary))
        _fsync(temporary)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def publish(temporary: Path, target: Path) -> tuple[str, Path | None]:
    """Move ``temporary`` to ``target``, keeping a different previous version.

    Returns ``("nouveau" | "identique" | "remplacé", kept_previous_path)``.
    """
    if target.exists():
        if target.read_bytes() == temporary.read_bytes():
            temporary.unlink()
            return "identique", None
        kept = keep_previous(target)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
        return "remplacé", kept
    os.replace(temporary, target)
    _fsync_dir(target.parent)
    return "nouveau", None


def stage(target: Path, data: bytes) -> Path:
    """``data`` in a flushed temporary file beside ``target`` (``write_new``)."""
    def write(path: str) -> None:
        Path(path).write_bytes(data)

    return write_new(target, write)


def put(target: Path, data: bytes) -> tuple[str, Path | None]:
    """Write ``data`` as ``target`` atomically (``stage`` then ``publish``); returns how
    (« nouveau », « identique », « remplacé ») and where a previous version went."""
    return publish(stage(target, data), target)


def sweep(folder: Path) -> None:
    """Remove every temporary of a month folder and of its subfolders (snapshot,
    statements, letters, their histories), its lock held: what a failed or interrupted
    run created and did not publish, wherever it was writing."""
    for place, _, _ in os.walk(folder):  # links are not followed
        remove_stale_temporaries(Path(place))


def keep_previous(target: Path) -> Path:
    """Hard-link ``target`` into ``historique/`` as ``<stem>_<made at, UTC><suffix>``.

    The time is the file's modification time to the microsecond, in UTC
    (``2026-11-29_101503_123456Z``): names sort in time order. An existing name is
    never overwritten (``os.link`` and ``O_EXCL`` refuse it): a counter is added.
    """
    history = target.parent / HISTORY
    history.mkdir(exist_ok=True)
    made = dt.datetime.fromtimestamp(target.stat().st_mtime_ns / 1e9, dt.UTC)
    stamp = made.strftime("%Y-%m-%d_%H%M%S_%fZ")
    for counter in range(1, 10_000):
        kept = history / f"{target.stem}_{stamp}{f'-{counter}' if counter > 1 else ''}" \
                         f"{target.suffix}"
        try:
            _link_or_copy(target, kept)
            return kept
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "historique : aucun nom libre", str(history))


def _link_or_copy(source: Path, kept: Path) -> None:
    """A hard link; where there are none (another filesystem, a FAT key), a copy made
    beside it then renamed (we hold the month's lock: nobody else names files here)."""
    try:
        os.link(source, kept)
        return
    except FileExistsError:
        raise
    except OSError:
        pass
    def copy_into(path: str) -> None:
        shutil.copyfile(source, path)

    copy = write_new(kept, copy_into)
    if kept.exists():
        copy.unlink()
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(kept))
    os.rename(copy, kept)


def retire(target: Path) -> Path | None:
    """Move an output that no longer applies (e.g. last run's anomalies) to history."""
    if not target.exists():
        return None
    kept = keep_previous(target)
    target.unlink()
    return kept


def write_bytes_atomically(target: Path, data: bytes) -> None:
    temporary = temporary_path(target)
    try:
        temporary.write_bytes(data)
        _fsync(temporary)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(folder)
