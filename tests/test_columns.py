"""Names declared once (reconcile/core/columns.py, reconcile/core/vocabulary.py): the report is
written with the headers it is read back by, and the enums print as the labels the
specification gives."""

from __future__ import annotations

import pandas as pd

from reconcile.compute.past_exercises import DUE_COLUMNS
from reconcile.core import columns
from reconcile.core.columns import Header
from reconcile.core.vocabulary import RULED, Alert, Change, Nature, Severity, Status
from reconcile.render.evolutions import CHARGE_KEY, LINE_KEY
from reconcile.render.receivables_view import OUTSTANDING, TAIL
from reconcile.render.report import CHARGES, RECONCILIATION


def _headers(cols: list) -> set[str]:
    return {c.header for c in cols}


def test_what_is_read_back_is_what_the_report_writes():
    assert set(DUE_COLUMNS) <= _headers(CHARGES)
    assert set(CHARGE_KEY) <= _headers(CHARGES)
    assert set(LINE_KEY) <= _headers(RECONCILIATION)
    assert {Header.INVOICED, Header.STATUS} <= _headers(RECONCILIATION)
    read_by_titre_evolutions = {Header.NUMBER, Header.SIREN, Header.MEMBER, Header.TYPE,
                                Header.CONSULTATION, Header.REMAINING, Header.COLLECTED,
                                Header.AGE}
    assert read_by_titre_evolutions <= _headers(OUTSTANDING + TAIL)


def test_every_report_header_is_declared_once():
    declared = [v for k, v in vars(Header).items() if k.isupper()]
    assert len(declared) == len(set(declared))
    assert _headers(CHARGES) | _headers(RECONCILIATION) <= set(declared)
    assert {Header.NUMBER, Header.REMAINING, Header.AGE} <= _headers(OUTSTANDING)


def test_frames_keep_their_declared_columns():
    from reconcile.compute.charges import CHARGE_COLUMNS
    from reconcile.compute.issuance import COLUMNS as TO_ISSUE
    from reconcile.compute.receivables import COLUMNS as RECEIVABLES
    from reconcile.compute.reconciliation import KEY

    assert tuple(CHARGE_COLUMNS) == columns.CHARGE
    assert tuple(TO_ISSUE) == columns.TITRE_TO_ISSUE
    assert tuple(RECEIVABLES) == columns.RECEIVABLE
    assert tuple(KEY) == columns.LINE_KEY


def test_enums_are_the_labels_of_the_specification():
    """A member prints, formats, compares and hashes as its French label, in a frame as
    in a dictionary: the outputs stay byte for byte those of the plain strings."""
    assert [str(s) for s in RULED] == ["membre inconnu", "conforme", "à émettre",
                                       "sous-titré", "sur-titré", "indu"]
    assert f"{Nature.CANCELLATION} du titre 12" == "annulation du titre 12"
    assert {Status.TO_ISSUE: 1}["à émettre"] == 1
    assert pd.Series(["à émettre", "indu"]).isin([Status.TO_ISSUE]).tolist() == [True, False]
    assert Severity.ERROR == "erreur" and Severity.WARNING == "avertissement"
    assert Status.UNKNOWN_DUE not in RULED
    assert pd.Series([Change.LATE]).astype(str).tolist() == ["titre en retard"]
    assert Alert.SOON == "prescrit dans moins de six mois"
