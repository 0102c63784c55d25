"""Read back a report this tool wrote (last month's, a past exercise's final one): a
sheet as a frame of its cells as written, and the two conversions its columns need.

Only our own reports come through here: their headers are ours, their amounts are euros
with two decimals (read back to integer cents), their texts may have been read as
numbers (a SIREN, a consultation code).
"""

from __future__ import annotations

import io

import pandas as pd
import python_calamine as calamine


def open_report(data: bytes) -> calamine.CalamineWorkbook:
    return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))


def read_sheets(data: bytes, sheets: tuple[str, ...]) -> dict[str, pd.DataFrame | None]:
    """The ``sheets`` of a report from its bytes, parsed once; raises if the bytes are
    not a workbook."""
    book = open_report(data)
    return {sheet: sheet_frame(book, sheet) for sheet in sheets}


def sheet_frame(book: calamine.CalamineWorkbook, sheet: str) -> pd.DataFrame | None:
    """The sheet's table (header on its first row, ending at its first blank row: what
    lies below, such as a total row, is not a line), or ``None`` if it is absent or
    empty."""
    if sheet not in book.sheet_names:
        return None
    grid = book.get_sheet_by_name(sheet).to_python()
    if not grid:
        return None
    end = next((i for i, row in enumerate(grid) if i and all(v in (None, "") for v in row)),
               len(grid))
    return pd.DataFrame(grid[1:end], columns=grid[0], dtype=object)


def as_text(values: pd.Series) -> pd.Series:
    """Blank cells as "", others as text."""
    return values.map(lambda v: "" if v in (None, "") else str(v))


def as_cents(values: pd.Series) -> pd.Series:
    """Euro cells (two decimals) as integer cents; a blank cell is 0."""
    return values.map(lambda v: round(float(v or 0) * 100)).astype("int64")
