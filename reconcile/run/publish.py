"""Writing what the render layer made: the run layer alone puts documents on disk (C-152).

Render returns ``Document`` values (a name relative to the month folder, and bytes);
here they become files through ``core.safeio`` — atomically, an identical rerun leaving
a file untouched, a different previous version kept in ``historique/`` — and the files
a family of documents replaces (the month's statements, letters, PES Aller) that this
run did not make again are moved to history. ``reconcile init`` writes its templates
here too, never over an existing input.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from ..core.model import Document
from ..core.safeio import put, retire, scratch
from ..read.reader import EXTENSIONS
from ..render import templates


def write_family(folder: Path, documents: Iterable[Document], pattern: str) -> list[Path]:
    """Write each document (made one at a time: ``documents`` may be lazy), then move to
    history every file matching ``pattern`` (relative to ``folder``) that this run did
    not write: a member with nothing to show any more. Returns the paths written."""
    written = []
    for document in documents:
        target = folder / document.name
        put(target, document.data)
        written.append(target)
    place = (folder / pattern).parent
    if place.is_dir():
        for old in sorted(set(place.glob(Path(pattern).name)) - set(written)):
            retire(old)  # nothing to show any more: keep it, out of the way
    return written


def write_titres(folder: Path, documents: tuple[Document, ...], pes_pattern: str,
                 keep: bool) -> list[Path]:
    """The titres to issue (spécification §4.16): the workbook, then — unless the month's
    PES Aller already written stays as it is (``keep``) — the earlier PES Aller of the
    month that is not this run's moved to history and this run's written."""
    workbook, *aller = documents
    put(folder / workbook.name, workbook.data)
    written = [folder / workbook.name]
    if keep:  # already written, not to be re-issued without --reemettre
        return written
    current = aller[0].name if aller else None
    for earlier in sorted(folder.glob(pes_pattern)):
        if earlier.name != current:  # no longer this month's emission: kept in history
            retire(earlier)
    for document in aller:
        put(folder / document.name, document.data)
        written.append(folder / document.name)
    return written


def write_templates(folder: Path) -> tuple[list[Path], list[Path]]:
    """`reconcile init`: write every template absent from ``folder``; returns (written,
    refused) where a refused entry is the existing file that kept its place."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    refused: list[Path] = []
    for template in templates.TEMPLATES:
        existing = _existing(folder, template.stem)
        if existing is not None:
            refused.append(existing)
            continue
        with scratch(folder) as room:
            document = templates.render(template, room)
        target = folder / document.name
        if _create(target, document.data):
            written.append(target)
        else:
            refused.append(target)
    return written, refused


def _existing(folder: Path, stem: str) -> Path | None:
    """An input with this stem in any accepted format (as the reader finds it)."""
    return next((p for p in sorted(folder.iterdir())
                 if p.suffix.lower() in EXTENSIONS and p.stem.lower() == stem), None)


def _create(target: Path, data: bytes) -> bool:
    """Write to a temporary file, then link it to ``target``: False if it exists."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
