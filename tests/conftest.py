"""Markers: ``slow`` is every test that writes files to disk (it asks for ``tmp_path``
or ``tmp_path_factory``, or its module is marked), so ``pytest -m "not slow"`` runs the
rules, stages and units stated in memory alone, in seconds (choix C-104)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ON_DISK = {"tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if ON_DISK & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
