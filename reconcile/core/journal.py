"""The month's append-only run journal: one JSON line per event, never truncated.

`reports/YYYY-MM/journal_YYYY-MM.jsonl` tells, for every run that starts, when it
started (``debut``) and ended (``fin``, with its exit status, whatever it is: report,
invalid inputs, lock busy, interruption, disk full, failure), which inputs (by SHA-256)
it read, and whether the report was written, replaced (and where the previous one
went) or kept.

Every event is a whole line or nothing, even on a full disk or after a crash:

* appends hold ``flock`` on the journal, so concurrent runs never interleave;
* a tail left without its newline (a line cut by an older version, a crash of the
  machine, a hand edit) is closed with a newline first, and a ``journal_repare`` event
  says so, so the next line is never glued to it;
* ``os.write``'s count is checked: a short write is cut back to the previous end;
* ``debut`` reserves room on disk (``fallocate`` keeping the size) for the lines that
  follow it, so a run that could record its start can record its end;
* a run that could not (killed by SIGKILL, machine stopped) gets its ``fin`` from the
  next run of the month that finds its process gone (``close_abandoned``).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Room kept for the events after ``debut`` (a ``fin`` line is ~1 KB; concurrent
# refusals of the same month add a few more).
RESERVE = 16 * 1024
_KEEP_SIZE = 0x01  # FALLOC_FL_KEEP_SIZE: allocate blocks, leave the file's size alone


def journal_path(month_folder: Path, month: str) -> Path:
    return month_folder / f"journal_{month}.jsonl"


def record(month_folder: Path, month: str, event: str, reserve: int = 0,
           **details: Any) -> None:
    """Append one event; raises ``OSError`` when it cannot be written (nothing is).

    ``reserve``: bytes to keep allocated past the line for the events that follow.
    """
    _append(month_folder, month, lambda handle, end: [_line(event, details)], reserve)


def record_start(reports: Path, month: str, inputs: Path, statements: bool) -> None:
    """A run's ``debut``, with room reserved for the lines that follow; written by the
    command line before its slow imports, else by ``pipeline.run``."""
    record(reports / month, month, "debut", reserve=RESERVE, commande="run",
           dossier_entrees=str(inputs), dossier_rapports=str(reports), releves=statements)


def close_abandoned(month_folder: Path, month: str) -> list[int]:
    """Record the ``fin`` of every run whose ``debut`` has none and whose process is
    gone (SIGKILL, a machine stopped): its exit status is unknown (``null``).
    Returns their pids."""
    closed: list[int] = []

    def ends(handle: int, end: int) -> list[bytes]:
        started: dict[int, str] = {}
        for raw in os.pread(handle, end, 0).splitlines():
            try:
                entry = json.loads(raw)
            except ValueError:  # a damaged line: not ours to judge
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("pid"), int):
                continue
            if entry.get("evenement") == "debut":
                started[entry["pid"]] = str(entry.get("horodatage", ""))
            elif entry.get("evenement") == "fin":
                started.pop(entry["pid"], None)
        closed.extend(pid for pid in started if pid != os.getpid() and not _alive(pid))
        return [_line("fin", {"pid": pid, "statut": None, "debut": started[pid],
                              "resultat": "arrêt brutal : processus disparu sans finir "
                                          "(SIGKILL, machine arrêtée)",
                              "constate_par": os.getpid()}) for pid in closed]

    if journal_path(month_folder, month).exists():
        _append(month_folder, month, ends)
    return closed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _append(month_folder: Path, month: str, lines: Callable[[int, int], list[bytes]],
            reserve: int = 0) -> None:
    """Under the journal's ``flock``: close a torn tail, then append ``lines(handle,
    end)`` whole, or nothing."""
    month_folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(journal_path(month_folder, month),
                     os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        end = os.fstat(handle).st_size
        data = b"".join(lines(handle, end))
        if not data:
            return
        if end and os.pread(handle, 1, end - 1) != b"\n":
            data = b"\n" + _line("journal_repare", {
                "detail": "la ligne précédente était incomplète : fermée par un saut de "
                          "ligne"}) + data
        _reserve(handle, end, len(data) + reserve)
        _write_whole(handle, data, end)
        os.fsync(handle)
    finally:
        os.close(handle)


def _line(event: str, details: dict[str, Any]) -> bytes:
    entry = {
        "horodatage": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "evenement": event,
        **details,
    }
    return (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _write_whole(handle: int, data: bytes, end: int) -> None:
    """All of ``data`` or nothing: a short write is retried, then cut back to ``end``."""
    written = 0
    try:
        while written < len(data):
            count = os.write(handle, data[written:])
            if count <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += count
    except BaseException:
        if written:
            with contextlib.suppress(OSError):
                os.ftruncate(handle, end)  # we hold the flock: nobody appended since
        raise


def _reserve(handle: int, offset: int, length: int) -> None:
    """Allocate ``offset``…``offset + length`` without growing the file; ENOSPC and
    EDQUOT are raised, a filesystem that cannot do it is simply not reserved on."""
    fallocate = _fallocate()
    if fallocate is None:
        return
    if fallocate(handle, _KEEP_SIZE, ctypes.c_int64(offset), ctypes.c_int64(length)) == 0:
        return
    code = ctypes.get_errno()
    if code in (errno.ENOSPC, errno.EDQUOT):
        raise OSError(code, os.strerror(code))


_LIBC: list[Any] = []


def _fallocate() -> Any:
    if not _LIBC:
        try:
            function = ctypes.CDLL(None, use_errno=True).fallocate
            function.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)
            _LIBC.append(function)
        except (AttributeError, OSError):  # not Linux/glibc: no reservation
            _LIBC.append(None)
    return _LIBC[0]
