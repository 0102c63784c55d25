"""Progress by stage: a live line on a terminal, plain timestamped lines otherwise
(a scheduled run's log)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[str, str], None]
"""``progress(stage, text)``: what a run is doing, for the one who waits for it."""


def quiet(stage: str, text: str) -> None:
    """No progress shown (``check``, tests)."""


def reporter(stream: TextIO | None = None) -> Progress:
    stream = stream or sys.stderr
    live = hasattr(stream, "isatty") and stream.isatty()

    def report(stage: str, text: str) -> None:
        if live:
            stream.write(f"\r\033[K… {stage} : {text}")
            if stage == "écriture":
                stream.write("\n")
        else:
            stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            stream.write(f"{stamp} {stage} : {text}\n")
        stream.flush()

    return report
