"""The run's stages are values in, ``(value, anomalies)`` out (``reconcile/pipeline.py``):
each can be called alone, none changes what it was given, and the report is frozen
before it is rendered."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from reconcile import pipeline
from reconcile.intake import normalise, read
from reconcile.model import period_of
from reconcile.reader import Limits
from reconcile.receivables_view import Options

SAMPLE = Path(__file__).parent.parent / "inputs"
MONTH = "2026-11"


def _frames(tables):
    return {name: copy.deepcopy(table.frame) for name, table in tables.items()}


def _same(before, tables):
    for name, frame in before.items():
        pd.testing.assert_frame_equal(tables[name].frame, frame, obj=name)


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """The sample, through every stage up to the report object, one call each."""
    period = period_of(MONTH)
    folder = tmp_path_factory.mktemp("reports") / MONTH
    found, read_problems = read(SAMPLE, Limits(), lambda stage, text: None)
    inputs, format_problems = normalise(found)
    read_tables = _frames(inputs.tables)
    valid, invalid = pipeline.validate_inputs(inputs, period, [])
    due, uncovered = pipeline.compute_charges(valid, period)
    assert due is not None
    reconciled, late = pipeline.reconcile_titres(valid, due, period, folder, Options())
    anomalies = [*read_problems, *format_problems, *invalid, *uncovered, *late]
    report = pipeline.build_report(MONTH, period, valid, due, reconciled, anomalies)
    return inputs, read_tables, due, reconciled, anomalies, report, folder


def test_the_stages_find_no_error_in_the_sample(stages):
    anomalies = stages[4]
    assert [a for a in anomalies if a.is_error] == []


def test_no_stage_changes_the_tables_it_was_given(stages):
    inputs, read_tables = stages[0], stages[1]
    _same(read_tables, inputs.tables)


def test_the_reconcile_stage_gives_the_same_value_twice(stages):
    """Called again on the same values, the stage answers the same: it kept no state."""
    inputs, _, due, reconciled, _, _, folder = stages
    period = period_of(MONTH)
    valid, _ = pipeline.validate_inputs(inputs, period, [])
    charges = due.charges.copy()
    again, _ = pipeline.reconcile_titres(valid, due, period, folder, Options())
    pd.testing.assert_frame_equal(again.rows, reconciled.rows)
    pd.testing.assert_frame_equal(due.charges, charges)


def test_the_report_is_frozen_before_rendering(stages):
    report = stages[5]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.warnings = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.control.final_reports = ()  # type: ignore[misc]
    assert isinstance(report.warnings, tuple)


def test_the_stages_total_what_the_run_reports(stages, tmp_path, capsys):
    """The stages called one by one give the figures ``run`` gives: the sequence adds
    nothing of its own."""
    reconciled = stages[3]
    outcome = pipeline.run(MONTH, SAMPLE, tmp_path)
    assert outcome.status == 0
    assert outcome.totals == pipeline.report_totals(reconciled.rows)
    assert len(outcome.warnings) == len(stages[5].warnings)
    assert [s.name for s in outcome.stages] == [
        "lecture", "validation", "calcul", "rapprochement", "écriture"]


@pytest.mark.parametrize(("written", "delay", "expected"), [
    ({}, 60, {"Paramètre seuil_recouvrement": "15,00 € (défaut)",
              "Paramètre id_poste": "non renseigné",
              "Délai de relance appliqué": "60 jours (défaut)"}),
    ({"seuil_recouvrement": 500, "id_poste": "078000"}, 45,
     {"Paramètre seuil_recouvrement": "5,00 € (feuille Parametres)",
      "Paramètre id_poste": "078000 (feuille Parametres)",
      "Délai de relance appliqué": "45 jours (option --delai-relance)"}),
    ({"delai_relance": 30}, 30, {"Délai de relance appliqué": "30 jours (feuille Parametres)"}),
], ids=["defaults", "sheet-and-option", "delay-from-sheet"])
def test_control_names_each_setting_applied_and_its_source(written, delay, expected):
    """An auditor reads in Contrôle the parameters that changed a figure, and whence."""
    from reconcile.parameters import KEYS, Parameters

    parameters = Parameters({**{k.name: k.default for k in KEYS}, **written},
                            given=set(written))
    shown = dict(pipeline.settings(parameters, delay))
    assert {k: shown[k] for k in expected} == expected
