"""``python -m bench.as_installed run …``: ``python -m reconcile run …`` as the officer's
installation runs it.

pandera imports hypothesis whenever it is installed (``pandera.strategies``): a test tool,
pinned in requirements-dev.lock only, so a ``make install`` never has it, but the bench
runs in the development venv, where it costs ~0.4 s of CPU at CIG scale. Its import is
made to fail here as if it were absent; nothing else changes.
"""

from __future__ import annotations

import runpy
import sys

sys.modules["hypothesis"] = None  # type: ignore[assignment]  # « import hypothesis » fails
sys.argv[0] = "reconcile"
runpy.run_module("reconcile", run_name="__main__", alter_sys=True)
