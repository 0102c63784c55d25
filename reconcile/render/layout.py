"""Column widths from content, so that a printed sheet truncates nothing.

Widths are in Excel's unit (about one digit of the default 11-point font). A text
needs about one unit per character, a bold one 10 % more; a header also leaves room
for its filter button and may wrap on two lines (its row is 30 points high); a text
column is bounded and wraps beyond its bound (its cells carry a wrapping format), so
it must at least hold its longest word. Neither Excel nor LibreOffice grows a row for
wrapped text written by a program, so rows holding a text longer than its column get
an explicit height, one line per 15 points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..core.wording import euros
from .xlsx import CELL_MARGIN, Book, Col

PADDING = CELL_MARGIN
FILTER_BUTTON = 2.5  # the autofilter arrow drawn over a header's right end
BOLD = 1.1
DATE_TEXT = len("31/12/2026")


def text_width(text: str, bold: bool = False, size: float = 11) -> float:
    """Width a one-line text needs."""
    return len(text) * (BOLD if bold else 1) * size / 11 + PADDING


def two_lines(text: str) -> int:
    """The shortest longest line when ``text`` is broken in two at a space."""
    words = text.split()
    best = len(text)
    for cut in range(1, len(words)):
        best = min(best, max(len(" ".join(words[:cut])), len(" ".join(words[cut:]))))
    return best


def header_width(header: str) -> float:
    """A header fits on at most two lines, its filter button aside."""
    return two_lines(header) * BOLD + PADDING + FILTER_BUTTON


def content_width(kind: str, values: Sequence[Any]) -> float:
    """Width the widest value of a column needs (texts: their longest word, since text
    columns wrap). One pass in C over the column: national runs have millions of cells."""
    present = [v for v in values if v is not None and v != ""]
    if not present:
        return 0
    if kind == "text":
        return max(map(len, present)) + PADDING
    if kind == "euro":
        # as the euro format shows them: « -1 234 567,89 € »
        return max(len(euros(int(min(present)))), len(euros(int(max(present))))) + PADDING
    if kind == "date":
        return DATE_TEXT + PADDING
    return max(len(str(min(present))), len(str(max(present)))) + PADDING


def word_width(values: Sequence[Any], beyond: float = 0) -> float:
    """Width the longest word needs; only texts longer than ``beyond`` are searched (a
    shorter text cannot hold a longer word), all at once in C."""
    long = {v for v in values if v and len(v) > beyond}  # texts repeat: each once
    return max(map(len, " ".join(long).split()), default=0) + PADDING


def fit(columns: Sequence[Col], data: Sequence[Sequence[Any]]) -> list[Col]:
    """Each column as wide as its content and header need; a text column no wider than
    its declared width (its bound: it wraps beyond), yet as wide as its longest word."""
    fitted = []
    for col, values in zip(columns, data, strict=True):
        need = content_width(col.kind, values)
        if col.kind == "text" and need > col.width:
            need = max(col.width, word_width(values, beyond=col.width - PADDING))
        fitted.append(replace(col, width=math.ceil(max(need, header_width(col.header)))))
    return fitted


LINE_HEIGHT = 15  # points per line of 11-point text
# Letters are narrower than the digit that defines the unit: 10 % more of them fit on a
# line (measured on LibreOffice renders, Carlito = Calibri's metrics); kept prudent.
CHARACTERS_PER_UNIT = 1.1


def lines(text: str, width: float) -> int:
    """How many lines ``text`` takes once wrapped at ``width``, breaking at spaces (a
    word too long for a line is cut): greedy, as spreadsheets wrap; hyphens, where they
    may also break, only make it prudent."""
    room = max(int((width - PADDING) * CHARACTERS_PER_UNIT), 1)
    count = 0
    for part in text.split("\n"):
        count += 1
        used = 0
        for word in part.split():
            size = len(word)
            if used and used + 1 + size <= room:
                used += 1 + size
                continue
            if used:
                count += 1
            count += (size - 1) // room
            used = size - (size - 1) // room * room
    return count


def row_heights(columns: Sequence[Col], data: Sequence[Sequence[Any]]) -> dict[int, float]:
    """Data row index → height, for the rows holding a text longer than its column
    (they are written wrapped; most rows are not). Only those texts are wrapped to
    count their lines, each distinct text once."""
    needed: dict[int, int] = {}
    for col, values in zip(columns, data, strict=True):
        if col.kind != "text":
            continue
        room = col.width - PADDING
        counted: dict[str, int] = {}  # names and rules repeat over many rows
        for index, text in enumerate(values):
            if text and len(text) > room:
                count = counted.get(text)
                if count is None:
                    count = counted[text] = lines(text, col.width)
                if count > needed.get(index, 0):
                    needed[index] = count
    return {index: count * LINE_HEIGHT for index, count in needed.items()}


def fitted_table(book: Book, worksheet: Worksheet, columns: Sequence[Col],
                 data: Sequence[Sequence[Any]], total: str | None = None,
                 **options: Any) -> int:
    """``Book.table`` from column-wise ``data``, with widths from the content and row
    heights for the texts that wrap: how every table we write prints legibly.

    ``total``: the label of a bold row of the euro columns' sums, written after one
    blank row, outside the table and its filter (``readback`` stops a table at its first
    blank row, so a total is never read back as a line)."""
    sums = [sum(v for v in values if isinstance(v, int))
            if col.kind == "euro" and any(isinstance(v, int) for v in values) else None
            for col, values in zip(columns, data, strict=True)] if total else []
    measured = [[*values, sums[i]] if sums and sums[i] is not None else values
                for i, values in enumerate(data)]
    fitted = fit(columns, measured)
    count = book.table(worksheet, fitted, zip(*data, strict=True),
                       heights=row_heights(fitted, data), **options)
    if total and count:
        row = options.get("first_row", 0) + count + 2
        book.text(worksheet, row, 0, total, "bold")
        for column, cents in enumerate(sums):
            if cents is not None:
                book.value(worksheet, row, column, cents, "euro", "euro_bold")
    return count
