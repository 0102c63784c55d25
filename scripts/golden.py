"""The sample report, flattened to text, for the golden test (tests/test_golden.py).

    .venv/bin/python scripts/golden.py            # rewrite tests/golden/sample_2026-11.txt
    .venv/bin/python scripts/golden.py --check    # exit 1 if it differs

Runs ``reconcile run`` on the bundled ``inputs/`` into a temporary folder and writes
every sheet of the report as tab-separated text: a change to any figure, header,
status or sheet shows as a readable diff. What depends on the machine (the versions
of Python and libraries in Contrôle) is left out.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import python_calamine as calamine

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"
GOLDEN = ROOT / "tests" / "golden" / f"sample_{MONTH}.txt"
MACHINE = ("python", "reconcile", "pandas", "numpy", "pandera", "python-calamine", "xlrd",
           "defusedxml", "lxml", "xlsxwriter", "python-stdnum")


def flatten(report: Path) -> str:
    """Every sheet, every row, as text (numbers as Excel stores them)."""
    workbook = calamine.CalamineWorkbook.from_path(str(report))
    lines = []
    for name in workbook.sheet_names:
        lines.append(f"## {name}")
        for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=True):
            cells = ["" if c is None else str(c) for c in row]
            if name == "Contrôle" and cells and cells[0] in MACHINE:
                continue
            lines.append("\t".join(cells).rstrip("\t"))
    return "\n".join(lines) + "\n"


def sample_dump() -> str:
    from reconcile.cli.main import main

    with tempfile.TemporaryDirectory() as folder:
        status = main(["run", "--mois", MONTH, "--inputs", str(ROOT / "inputs"),
                       "--reports", folder])
        if status != 0:
            raise SystemExit(f"the sample run exited {status}")
        return flatten(Path(folder) / MONTH / f"rapprochement_{MONTH}.xlsx")


if __name__ == "__main__":
    dump = sample_dump()
    if "--check" in sys.argv:
        sys.exit(0 if GOLDEN.read_text(encoding="utf-8") == dump else 1)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(dump, encoding="utf-8")
    print(f"{GOLDEN.relative_to(ROOT)} : {dump.count(chr(10))} lignes")
