"""The anomaly catalogue: one declaration per code, and its documentation current."""

from __future__ import annotations

import re
from pathlib import Path

from reconcile.catalogue import BOTH, CATALOGUE, ERROR, KINDS, WARNING, markdown

DOC = Path(__file__).parent.parent / "docs" / "catalogue.md"


def test_the_documented_catalogue_is_current():
    """Regenerate with: .venv/bin/python -m reconcile.catalogue > docs/catalogue.md"""
    assert DOC.read_text(encoding="utf-8") == markdown()


def test_every_kind_is_complete_and_stable():
    for kind in KINDS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", kind.code), kind.code
        assert kind.severity in (ERROR, WARNING, BOTH)
        assert kind.title and kind.description.endswith("."), kind.code


# The shapes in which the package writes a code: after the severity of an ``Anomaly``,
# as the third argument of ``Table.anomaly``, or first in the file/sheet helpers.
CODE_SITES = re.compile(
    r'(?:ERROR|WARNING|severity),\s*"([a-z0-9-]+)"'
    r'|\.anomaly\(\s*[\w.]+,\s*"[^"]*",\s*"([a-z0-9-]+)"'
    r'|(?:_file_error|_file_problem|sheet_problem|_problem)\(\s*(?:[\w.]+,\s*)?"([a-z0-9-]+)"')


def test_every_code_written_in_the_package_is_declared():
    declared = {k.code for k in KINDS}
    package = Path(__file__).parent.parent / "reconcile"
    used = {code for path in package.glob("*.py")
            for match in CODE_SITES.finditer(path.read_text(encoding="utf-8"))
            for code in match.groups() if code}
    assert len(used) > 40  # the pattern still finds the codes
    assert used <= declared, sorted(used - declared)


def declared_checks():
    """Every pandera ``Check`` of every sheet: (sheet spec, where, check, on rows)."""
    from schemas import SHEETS

    for spec in SHEETS:
        for name, column in spec.schema.columns.items():
            yield from ((spec, f"{spec.sheet}.{name}", c, False) for c in column.checks)
        yield from ((spec, spec.sheet, c, True) for c in spec.schema.checks)


def test_every_pandera_check_is_named_by_its_code():
    """The validation stage takes an anomaly's code from the failing check's name:
    a check named otherwise (pandera's default name, ``isin``…) would write a code
    that the catalogue does not declare."""
    from reconcile.validate import PROPERTIES

    checks = list(declared_checks())
    assert len(checks) >= 20  # the walk still finds the schemas' checks
    for spec, where, check, on_rows in checks:
        assert check.name in CATALOGUE, (where, check.name)
        assert CATALOGUE[check.name].allows(ERROR), (where, check.name)
        assert check.error and check.error != check.name, (where, check)  # the message
        if on_rows:  # a row check names the column its anomaly points at
            assert check.statistics.get("later") in spec.schema.columns, (where, check)
    assert set(PROPERTIES.values()) <= set(CATALOGUE)
