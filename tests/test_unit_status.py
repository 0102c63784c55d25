"""The reconciliation status and amounts (spécification §4.5), as tables: due, invoiced,
collected and whether the SIREN is a member → status, gap and amount left to collect.

The fast layer: the functions of ``reconcile.compute.reconciliation`` on small in-memory frames,
amounts in integer cents worked out by hand. test_reconciliation.py checks the same
statuses in real reports.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from reconcile.compute.reconciliation import reconcile, status
from reconcile.core.vocabulary import RULED

MEMBER, STRANGER = "217806462", "012345674"
E = 2026


def one_status(due: int, invoiced: int, known: bool = True) -> str:
    result = status(pd.Series([due]), pd.Series([invoiced]), pd.Series([known]))
    return str(result[0])


STATUS_ROWS = [
    # (id, due, invoiced, known, status), cents
    ("unknown-siren", 0, 12000, False, "membre inconnu"),
    ("unknown-siren-even-if-equal", 12000, 12000, False, "membre inconnu"),
    ("equal", 50000, 50000, True, "conforme"),
    ("equal-one-cent", 1, 1, True, "conforme"),
    ("zero-due-titres-cancel-out", 0, 0, True, "conforme"),
    ("nothing-invoiced", 50000, 0, True, "à émettre"),
    ("one-cent-due-nothing-invoiced", 1, 0, True, "à émettre"),
    ("under-invoiced", 50000, 30000, True, "sous-titré"),
    ("one-cent-less", 50000, 49999, True, "sous-titré"),
    ("net-negative-invoiced", 50000, -100, True, "sous-titré"),
    ("one-cent-more", 50000, 50001, True, "sur-titré"),
    ("twice-invoiced", 50000, 100000, True, "sur-titré"),
    ("zero-due-invoiced", 0, 12000, True, "indu"),
    ("zero-due-one-cent-invoiced", 0, 1, True, "indu"),
    ("zero-due-net-negative", 0, -12000, True, "indu"),
]


@pytest.mark.parametrize(("due", "invoiced", "known", "expected"),
                         [pytest.param(*row[1:], id=row[0]) for row in STATUS_ROWS])
def test_status(due: int, invoiced: int, known: bool, expected: str) -> None:
    assert one_status(due, invoiced, known) == expected


def test_every_status_of_the_specification_has_a_row() -> None:
    assert {row[-1] for row in STATUS_ROWS} == set(RULED)


def charges(*rows: tuple[str, int, str, int]) -> pd.DataFrame:
    """(siren, type, consultation, cents) → the Charges frame ``reconcile`` reads."""
    return pd.DataFrame(
        [{"siren": s, "exercice": E, "type_frais": t, "consultation": c, "montant": m}
         for s, t, c, m in rows],
        columns=["siren", "exercice", "type_frais", "consultation", "montant"])


def titres(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """(numero, siren, exercice, type, consultation, cents, collected cents[, counted])."""
    frame = pd.DataFrame(
        [dict(zip(["numero", "siren", "exercice", "type_frais", "consultation", "montant",
                   "montant_encaisse"], row[:7], strict=True)) for row in rows],
        columns=["numero", "siren", "exercice", "type_frais", "consultation", "montant",
                 "montant_encaisse"])
    if any(len(row) > 7 for row in rows):
        frame["counts_as_invoiced"] = [row[7] if len(row) > 7 else True for row in rows]
    return frame


MEMBERS = pd.DataFrame({"siren": [MEMBER], "nom": ["Commune A"]})
COLUMNS = ["siren", "membre", "type_frais", "consultation", "du", "titre", "ecart", "encaisse",
           "reste", "statut", "titres"]

SCENARIOS = [
    pytest.param(
        charges((MEMBER, 2, "", 50000)),
        titres(("T1", MEMBER, E, 2, None, 30000, 10000)),
        [(MEMBER, "Commune A", 2, "", 50000, 30000, -20000, 10000, 20000, "sous-titré", "T1")],
        id="spec-example-due-500-invoiced-300"),
    pytest.param(
        charges((MEMBER, 2, "", 50000)),
        titres(("T2", MEMBER, E, 2, None, -50000, 0), ("T1", MEMBER, E, 2, None, 50000, 0)),
        [(MEMBER, "Commune A", 2, "", 50000, 0, -50000, 0, 0, "à émettre", "T1, T2")],
        id="spec-example-titre-and-its-annulation"),
    pytest.param(
        charges((MEMBER, 2, "", 50000)),
        titres(("T-002", MEMBER, E, 2, None, 30000, 30000),
               ("T-001", MEMBER, E, 2, None, 20000, 5000)),
        [(MEMBER, "Commune A", 2, "", 50000, 50000, 0, 35000, 15000, "conforme",
          "T-001, T-002")],
        id="several-titres-summed-numbers-sorted"),
    pytest.param(
        charges((MEMBER, 2, "", 50000)),
        titres(("T1", MEMBER, E, 2, None, 50000, 60000)),
        [(MEMBER, "Commune A", 2, "", 50000, 50000, 0, 60000, -10000, "conforme", "T1")],
        id="collected-more-than-invoiced"),
    pytest.param(
        charges((MEMBER, 2, "", 50000)),
        titres(("T0", MEMBER, E - 1, 2, None, 50000, 50000)),
        [(MEMBER, "Commune A", 2, "", 50000, 0, -50000, 0, 0, "à émettre", "")],
        id="titre-of-another-exercise-not-reconciled"),
    pytest.param(
        charges((MEMBER, 2, "", 0)),
        titres(),
        [],
        id="exempt-line-without-titre-not-listed"),
    pytest.param(
        charges((MEMBER, 2, "", 0)),
        titres(("T1", MEMBER, E, 2, None, 12000, 0)),
        [(MEMBER, "Commune A", 2, "", 0, 12000, 12000, 0, 12000, "indu", "T1")],
        id="spec-example-exempt-but-invoiced"),
    pytest.param(
        charges(),
        titres(("T9", STRANGER, E, 2, None, 12000, 0)),
        [(STRANGER, "", 2, "", 0, 12000, 12000, 0, 12000, "membre inconnu", "T9")],
        id="spec-example-siren-not-in-membres"),
    pytest.param(
        charges((MEMBER, 1, "C2026", 30000)),
        titres(("T1", MEMBER, E, 1, "C2025", 30000, 0)),
        [(MEMBER, "Commune A", 1, "C2025", 0, 30000, 30000, 0, 30000, "indu", "T1"),
         (MEMBER, "Commune A", 1, "C2026", 30000, 0, -30000, 0, 0, "à émettre", "")],
        id="type-1-matched-by-consultation"),
    pytest.param(
        charges((MEMBER, 1, "C2026", 30000), (MEMBER, 2, "", 50000)),
        titres(("T1", MEMBER, E, 1, "C2026", 30000, 0)),
        [(MEMBER, "Commune A", 1, "C2026", 30000, 30000, 0, 0, 30000, "conforme", "T1"),
         (MEMBER, "Commune A", 2, "", 50000, 0, -50000, 0, 0, "à émettre", "")],
        id="type-1-titre-does-not-pay-type-2"),
    pytest.param(
        charges((MEMBER, 2, "", 50000)),
        titres(("T1", MEMBER, E, 2, None, 50000, 0, False)),
        [(MEMBER, "Commune A", 2, "", 50000, 0, -50000, 0, 0, "à émettre", "")],
        id="titre-rejected-by-helios-not-counted"),
]


@pytest.mark.parametrize(("due", "invoiced", "expected"), SCENARIOS)
def test_reconciliation_rows(due: pd.DataFrame, invoiced: pd.DataFrame,
                             expected: list[tuple[Any, ...]]) -> None:
    rows = reconcile(due, invoiced, MEMBERS, E)
    got = [tuple(r) for r in rows[COLUMNS].itertuples(index=False)]
    assert got == expected


def test_without_titres_file_every_due_line_is_to_be_issued() -> None:
    rows = reconcile(charges((MEMBER, 2, "", 50000)), None, MEMBERS, E)
    assert rows[["du", "titre", "statut"]].values.tolist() == [[50000, 0, "à émettre"]]


def test_titre_numbers_are_listed_in_numeric_order() -> None:
    """« 9, 14, 102 », not the text order « 102, 14, 9 » (issue 19, item 5); a number
    that is not a number comes after the others."""
    rows = reconcile(charges((MEMBER, 2, "", 50000)),
                     titres(("102", MEMBER, E, 2, None, 100, 0),
                            ("T-1", MEMBER, E, 2, None, 100, 0),
                            ("14", MEMBER, E, 2, None, 100, 0),
                            ("9", MEMBER, E, 2, None, 100, 0)), MEMBERS, E)
    assert rows["titres"].tolist() == ["9, 14, 102, T-1"]
