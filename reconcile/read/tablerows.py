"""Rows of a table that officers add or hide: total rows (skipped) and hidden rows (read),
choix C-8 and C-9.

A ``Total`` or ``Sous-total`` row under a table (or between its groups) is not a
record: read as one it would give a pile of errors (no SIREN, no category…) or, worse,
a sum counted twice. It is recognised by its shape — its first text cell starts with
the word « total » or « sous-total » (case and accents aside) and every other cell is a
number, a formula or blank — and skipped with a warning that names the row. Rows hidden
by hand or by a filter are read like the others; the Contrôle sheet counts them.
"""

from __future__ import annotations

from typing import Any

from ..core.anomalies import CATALOGUE, Anomaly
from .cells import CellError, is_blank, parse_cents, plain_name
from .reader import RawSheet


def total_label(cells: list[Any]) -> str | None:
    """The label of a total row (« Total général »), ``None`` for any other row."""
    for label_at, cell in enumerate(cells):  # noqa: B007 (used after the loop)
        if isinstance(cell, str) and cell.strip():
            break
    else:
        return None
    label = cell.strip()
    # The usual row, cheaply (a national sheet has 170,000; many names start « Saint »).
    if label[:5].lower() != "total" and label[:4].lower() != "sous":
        return None
    words = plain_name(label).split("_")
    if words[0] not in ("total", "soustotal") and words[:2] != ["sous", "total"]:
        return None
    others = (c for i, c in enumerate(cells) if i != label_at)
    return label if all(_sum_like(c) for c in others) else None


def _sum_like(value: Any) -> bool:
    """Blank, a number, or a formula or number kept as text (a CSV cell)."""
    if is_blank(value):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("="):
            return True
        if text[:1].isalpha():  # a word, not a number (and no exception to pay for)
            return False
        try:
            parse_cents(value)
            return True
        except CellError:
            return False
    return False


def total_row_warning(sheet: RawSheet, row: int, label: str) -> Anomaly:
    return CATALOGUE["ligne-total"].at(sheet.file, sheet.name, row, value=label, line=row,
                                       label=label)


def hidden_rows_warning(sheet: RawSheet) -> Anomaly:
    count = sheet.hidden_rows
    rows = ("1 ligne masquée (à la main ou par un filtre) est lue" if count == 1 else
            f"{count} lignes masquées (à la main ou par un filtre) sont lues")
    return CATALOGUE["lignes-masquees"].at(sheet.file, sheet.name, value=count, rows=rows)
