"""Reusable pandera checks. Each carries its anomaly code (``reconcile/core/catalogue.py``)
as its ``name`` and the French message the officer reads as its ``error``: the
validation stage takes the code from the failing check itself, never from its text."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa


def one_of(codes: Iterable[object], what: str) -> pa.Check:
    listed = ", ".join(str(c) for c in codes)
    message = f"{what} : valeur inconnue ; valeurs admises : {listed}"
    return pa.Check.isin(list(codes), name="code-inconnu", error=message)


def not_negative(what: str) -> pa.Check:
    return pa.Check.ge(0, name="negatif",
                       error=f"{what} : valeur négative ; elle doit être positive ou nulle")


def postal_code() -> pa.Check:
    """Five digits, as text: a code typed as a number loses its leading zero."""
    return pa.Check.str_matches(r"^[0-9]{5}$", name="code-postal-invalide",
                                error="code postal : 5 chiffres attendus (saisir la cellule "
                                      "en texte pour garder le zéro de tête, 01000)")


def within(low: int, high: int, message: str) -> pa.Check:
    return pa.Check.in_range(low, high, name="hors-limites", error=message)


def ordered(frame: pd.DataFrame, later: str, earlier: str) -> pd.Series:
    """``later`` is blank, ``earlier`` blank, or ``later`` ≥ ``earlier``."""
    return frame[later].isna() | frame[earlier].isna() | (frame[later] >= frame[earlier])


def not_before(later: str, earlier: str, message: str) -> pa.Check:
    """Row check on ``later`` ≥ ``earlier``. A row check fails on every column of its
    row: the anomaly points at ``later``, which the check keeps as a statistic
    (``check.statistics["later"]``)."""
    return pa.Check(ordered, name="dates-dans-le-desordre", error=message,
                    later=later, earlier=earlier)
