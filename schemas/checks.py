"""Reusable pandera checks, each carrying the French message the officer reads."""

from __future__ import annotations

from collections.abc import Iterable

import pandera.pandas as pa


def one_of(codes: Iterable[object], what: str) -> pa.Check:
    listed = ", ".join(str(c) for c in codes)
    message = f"{what} : valeur inconnue ; valeurs admises : {listed}"
    return pa.Check.isin(list(codes), error=message)


def not_negative(what: str) -> pa.Check:
    return pa.Check.ge(0, error=f"{what} : valeur négative ; elle doit être positive ou nulle")


def not_before(later: str, earlier: str, message: str) -> pa.Check:
    """Row check: ``later`` is blank, ``earlier`` blank, or ``later`` ≥ ``earlier``.

    Its name ends with the column the anomaly points at.
    """
    return pa.Check(
        lambda frame: frame[later].isna()
        | frame[earlier].isna()
        | (frame[later] >= frame[earlier]),
        error=message,
        name=f"ordre:{later}",
    )
