"""The in-memory month (``tests/month.py``) is faithful: the tables it states are the
ones the workbooks written to disk are read into, cell for cell, so a rule checked in
memory holds for the real files."""

from __future__ import annotations

import pandas as pd
import pytest
from month import found, state
from workbooks import SYNDICAT, base, titre

from reconcile.core import columns
from reconcile.core.progress import quiet
from reconcile.read.intake import normalise, read
from reconcile.read.reader import Limits


def _varied():
    inputs = base()
    inputs.exonerations = [{"SIREN": SYNDICAT, "Type frais": 1, "Exercice": 2026,
                            "Motif": "Délibération du 3 mars"}]
    inputs.titres = [titre("T1", SYNDICAT, 200, encaisse=50.5)]
    inputs.membres[1]["Population"] = 999
    return inputs


@pytest.mark.slow
@pytest.mark.parametrize("inputs", [base(), _varied()], ids=["base", "varied"])
def test_memory_states_the_tables_the_workbooks_are_read_into(tmp_path, inputs):
    on_disk, problems = read(inputs.write(tmp_path), Limits(), quiet)
    assert problems == []
    from_disk, disk_anomalies = normalise(on_disk)
    in_memory, memory_anomalies = normalise(found(inputs))
    assert memory_anomalies == disk_anomalies
    assert set(in_memory.tables) == set(from_disk.tables)
    for name, table in from_disk.tables.items():
        pd.testing.assert_frame_equal(in_memory.tables[name].frame, table.frame, obj=name)
        assert in_memory.tables[name].headers == table.headers


def test_a_stated_month_runs_every_computing_stage():
    month = state(_varied())
    assert month.errors == []
    line = month.line(SYNDICAT, 2)
    assert (line["du"], line["titre"], line["encaisse"], line["statut"]) == (
        20000, 20000, 5050, "conforme")
    assert month.charges_of(SYNDICAT, 1)["montant"].tolist() == [0]


def test_a_stated_month_reports_its_anomalies_where_excel_would():
    inputs = base()
    inputs.membres[1]["SIREN"] = "12345"
    month = state(inputs)
    assert [(a.file, a.sheet, a.row, a.column, a.code) for a in month.errors] == [
        ("membres.xlsx", "Membres", 3, "SIREN", "valeur-siren")]


def test_the_stages_give_frames_of_their_declared_shape():
    """The columns declared in reconcile/core/columns.py are those the stages produce."""
    month = state(_varied())
    assert tuple(month.charges.columns) == columns.CHARGE
    assert month.lines is not None
    assert set(month.lines.columns) == set(columns.LINE)
