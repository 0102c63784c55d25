"""One golden, text-flattened dump of the sample report: any change to a figure,
header, status or sheet of the bundled sample shows here as a readable diff.

After an intended change, regenerate it: ``.venv/bin/python scripts/golden.py``.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))

import pytest
from golden import GOLDEN, sample_dump

pytestmark = pytest.mark.slow  # runs the whole sample month


def test_the_sample_report_matches_its_golden_dump(capsys):
    dump = sample_dump()
    capsys.readouterr()
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = list(difflib.unified_diff(expected.splitlines(), dump.splitlines(), "attendu",
                                     "obtenu", lineterm="", n=1))
    assert not diff, "\n".join(diff[:80])
