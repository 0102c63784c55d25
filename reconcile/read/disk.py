"""The one place a file's bytes are taken from the disk (spécification §4.7).

Every file a run uses — inputs, PES files, last month's report, past exercises' final
reports — is read here once, whole, into memory; its hash, pre-scan, parse and the copy
kept with the report all come from those bytes, never from the path again. So the
Contrôle sheet's SHA-256 is always the hash of the bytes the figures came from.

The file is read through one descriptor, which pins the file even if another program
replaces it meanwhile. The path's identity, size and modification time are taken before
and after the read: when they differ, the file changed while it was read; that read is
set aside and the file read again (a few times at most), and ``changed`` says so: the
run warns, and the bytes it uses are still those of one single read.

``intercept`` lets a test act deterministically at the reading step (replace the file
between its opening and its read, or after its read), instead of racing on timing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Called with (path, moment): "ouvert" once the file is opened and stat-ed, before a
# byte is read; "lu" once the read is over. Tests only (see ``intercept``).
Hook = Callable[[Path, str], None]
_HOOKS: list[Hook] = []


@dataclass(frozen=True)
class Taken:
    """A file's bytes as read once, with what the disk said around the read."""

    path: Path
    data: bytes = field(repr=False)
    size: int  # on disk when the read began (a file over the ceiling is not read)
    changed: bool = False  # identity, size or modification time moved during the read


def take(path: Path, ceiling: int) -> Taken:
    """``path``'s bytes, as one read saw them. A read during which the file changed
    is set aside and the file read again, ``ATTEMPTS`` times at most: a save in
    progress usually settles, and a torn mix of two versions is never used when a
    clean read follows. ``changed`` stays true if any read saw a change (the run
    warns). A file larger than ``ceiling`` is not read: ``data`` is empty and ``size``
    says why. Raises ``OSError`` when the file cannot be opened or read."""
    moved = False
    for _ in range(ATTEMPTS):
        taken = _take_once(path, ceiling)
        moved = moved or taken.changed
        if not taken.changed:
            break
    return Taken(path, taken.data, taken.size, moved)


ATTEMPTS = 3


def _take_once(path: Path, ceiling: int) -> Taken:
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        before = os.fstat(handle)
        if not stat.S_ISREG(before.st_mode):
            raise IsADirectoryError(errno.EISDIR, "pas un fichier ordinaire", str(path))
        _call(path, "ouvert")
        # Read one byte past the ceiling: the file may have grown since it was opened.
        data = b"" if before.st_size > ceiling else _read_all(handle, ceiling + 1)
        after = os.fstat(handle)
    finally:
        os.close(handle)
    _call(path, "lu")
    size = max(before.st_size, len(data))
    if len(data) > ceiling:
        data = b""
    return Taken(path, data, size, _moved(path, before, after))


def _read_all(handle: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(handle, min(left, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _moved(path: Path, before: os.stat_result, after: os.stat_result) -> bool:
    """Whether the file read (``before``/``after``, by descriptor) or the file the path
    names now differs from what the path named when the read began."""
    try:
        now = os.stat(path)
    except OSError:  # removed or renamed meanwhile
        return True
    start = _mark(before)
    return _mark(after) != start or _mark(now) != start or (now.st_dev, now.st_ino) != (
        before.st_dev, before.st_ino)


def _mark(status: os.stat_result) -> tuple[int, int]:
    return status.st_size, status.st_mtime_ns


def _call(path: Path, moment: str) -> None:
    for hook in tuple(_HOOKS):
        hook(path, moment)


@contextlib.contextmanager
def intercept(hook: Hook) -> Iterator[None]:
    """Call ``hook(path, moment)`` at each reading step while the block runs (tests)."""
    _HOOKS.append(hook)
    try:
        yield
    finally:
        _HOOKS.remove(hook)
