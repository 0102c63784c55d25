"""The run's stages are values in, ``(value, anomalies)`` out (``reconcile/run/pipeline.py``):
each can be called alone, none changes what it was given, and the report is frozen
before it is rendered."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from reconcile.check.validate import without_repeats
from reconcile.compute.settings import Options, decide
from reconcile.core.anomalies import sort_key
from reconcile.core.model import period_of
from reconcile.core.progress import quiet
from reconcile.read.intake import normalise, read
from reconcile.read.parameters import KEYS, Parameters
from reconcile.read.reader import Limits
from reconcile.run import pipeline

SAMPLE = Path(__file__).parent.parent / "inputs"
MONTH = "2026-11"
PERIOD = period_of(MONTH)


@dataclasses.dataclass
class Called:
    inputs: object
    read_tables: dict[str, pd.DataFrame]
    validated: pipeline.Validated
    due: object
    reconciled: pipeline.Reconciled
    examined: list  # what read, normalise, validate and compute found
    anomalies: list  # the final list
    report: object
    folder: Path


@pytest.fixture(scope="module")
def called(tmp_path_factory) -> Called:
    """The sample, through every stage up to the report object, one call each, the
    anomalies gathered as the run gathers them."""
    folder = tmp_path_factory.mktemp("reports") / MONTH
    found, anomalies = read(SAMPLE, Limits(), quiet)
    inputs, problems = normalise(found)
    read_tables = {name: copy.deepcopy(table.frame) for name, table in inputs.tables.items()}
    anomalies = without_repeats([*anomalies, *problems])
    validated, problems = pipeline.validate_inputs(inputs, PERIOD, anomalies)
    anomalies = without_repeats([*anomalies, *problems])
    due, problems = pipeline.compute_charges(validated, PERIOD)
    assert due is not None
    examined = sorted(without_repeats([*anomalies, *problems]), key=sort_key)
    settings = decide(Options(), validated.parameters)
    known = pipeline.known_titres(validated, PERIOD)
    earlier = pipeline.read_earlier(folder.parent, PERIOD, known)
    reconciled, problems = pipeline.reconcile_titres(validated, due, PERIOD, known, earlier,
                                                     settings)
    planned, more = pipeline.plan_titres(validated, reconciled, PERIOD, known, settings)
    anomalies = sorted([*examined, *problems, *more], key=sort_key)
    report = pipeline.build_report(PERIOD, validated, due, reconciled, planned, anomalies,
                                   settings, earlier)
    return Called(inputs, read_tables, validated, due, reconciled, examined, anomalies, report,
                  folder)


def test_the_stages_find_no_error_in_the_sample(called):
    assert [a for a in called.anomalies if a.is_error] == []


def test_no_stage_changes_the_tables_it_was_given(called):
    for name, frame in called.read_tables.items():
        pd.testing.assert_frame_equal(called.inputs.tables[name].frame, frame, obj=name)


def test_the_reconcile_stage_gives_the_same_value_twice(called):
    """Called again on the same values, the stage answers the same: it kept no state."""
    charges = called.due.charges.copy()
    settings = decide(Options(), called.validated.parameters)
    known = pipeline.known_titres(called.validated, PERIOD)
    again, _ = pipeline.reconcile_titres(called.validated, called.due, PERIOD, known,
                                         pipeline.read_earlier(called.folder.parent, PERIOD,
                                                               known), settings)
    pd.testing.assert_frame_equal(again.rows, called.reconciled.rows)
    pd.testing.assert_frame_equal(called.due.charges, charges)


def test_the_report_is_frozen_before_rendering(called):
    with pytest.raises(dataclasses.FrozenInstanceError):
        called.report.warnings = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        called.report.control.final_reports = ()
    assert isinstance(called.report.warnings, tuple)


def test_the_run_adds_nothing_to_what_the_stages_give(called, tmp_path):
    """``run`` is the stages in sequence: same warnings, same totals, one lap each."""
    outcome = pipeline.run(MONTH, SAMPLE, tmp_path)
    assert outcome.status == 0
    assert outcome.warnings == list(called.report.warnings)
    assert outcome.totals == pipeline.report_totals(called.reconciled.rows)
    assert [s.name for s in outcome.stages] == [
        "lecture", "validation", "calcul", "rapprochement", "écriture"]


def test_check_runs_the_same_first_stages(called):
    anomalies, written = pipeline.check(MONTH, SAMPLE, Limits())
    assert written is None
    assert anomalies == called.examined


@pytest.mark.parametrize(("written", "delay", "option", "expected"), [
    ({}, 60, None, {"Seuil de mise en recouvrement (seuil_recouvrement)": "15,00 € (défaut)",
                    "Code du poste comptable (id_poste)": "non renseigné",
                    "Délai de relance appliqué": "60 jours (défaut)"}),
    ({"seuil_recouvrement": 500, "id_poste": "078000"}, 45, 45,
     {"Seuil de mise en recouvrement (seuil_recouvrement)": "5,00 € (feuille Parametres)",
      "Code du poste comptable (id_poste)": "078000 (feuille Parametres)",
      "Délai de relance appliqué": "45 jours (option --delai-relance)"}),
    ({}, 60, 60, {"Délai de relance appliqué": "60 jours (option --delai-relance)"}),
    ({"delai_relance": 30}, 30, 90, {"Délai de relance appliqué": "30 jours (feuille Parametres)"}),
], ids=["defaults", "sheet-and-option", "option-equal-to-default", "sheet-beats-option"])
def test_control_names_each_setting_applied_and_its_source(written, delay, option, expected):
    """An auditor reads in Contrôle the parameters that changed a figure, and whence."""
    parameters = Parameters({**{k.name: k.default for k in KEYS}, **written},
                            given=set(written))
    settings = decide(Options(delai_relance=option), parameters)
    shown = dict(settings.shown())
    assert settings.delay == delay
    assert {k: shown[k] for k in expected} == expected
    assert all(not k.startswith("Paramètre ") and " " in k.split(" (")[0] for k in shown)


def test_a_month_that_does_not_exist_is_refused_before_anything_is_written(tmp_path):
    """The command line checks the month; a library caller gets the error before the
    journal or the month folder exist."""
    with pytest.raises(ValueError):
        pipeline.run("2026-13", SAMPLE, tmp_path)
    assert list(tmp_path.iterdir()) == []
