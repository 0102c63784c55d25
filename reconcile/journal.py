"""The month's append-only run journal: one JSON line per event, never truncated.

`reports/YYYY-MM/journal_YYYY-MM.jsonl` tells, for every run, when it started and
ended, which inputs (by SHA-256) it read, its outcome and exit status, and whether
the report was written, replaced (and where the previous one went) or kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any


def journal_path(month_folder: Path, month: str) -> Path:
    return month_folder / f"journal_{month}.jsonl"


def record(month_folder: Path, month: str, event: str, **details: Any) -> None:
    month_folder.mkdir(parents=True, exist_ok=True)
    entry = {
        "horodatage": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "evenement": event,
        **details,
    }
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    handle = os.open(journal_path(month_folder, month), os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                     0o644)
    try:
        os.write(handle, line.encode("utf-8"))
        os.fsync(handle)
    finally:
        os.close(handle)
