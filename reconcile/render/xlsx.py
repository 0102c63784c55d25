"""Writing tables into xlsx safely and reproducibly (xlsxwriter, constant memory).

* Input text is always written as text: xlsxwriter's ``write()`` would turn ``=…``
  into a formula and ``http://…`` into a link, so the workbook is opened with those
  conversions off and text goes through ``write_string`` — with a quote prefix when it
  starts with ``= + - @``, tab or CR, so editing the cell cannot revive a formula.
* The workbook's creation date is pinned, so the same data give the same bytes.
* A book is a value: ``close()`` returns the workbook's bytes and nothing here opens
  a path. A large book streams its rows (constant memory) through xlsxwriter's scratch
  files, in the ``scratch`` folder the run layer makes beside the output — the month
  folder, never the system's temporary folder — and removes however the run ends
  (``safeio.scratch``; the next run of the month removes what a killed one left).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

EURO = '#,##0.00 "€";-#,##0.00 "€";0.00 "€"'
DATE = "dd/mm/yyyy"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
CELL_MARGIN = 1.5  # width units a cell's margins take (see reconcile.render.layout)
MAX_TEXT = 32_767


@dataclass(frozen=True)
class Col:
    """A report column: its header, how values are written, and its width."""

    header: str
    kind: str = "text"  # text | euro (integer cents) | int | date | number
    width: float = 14


class Book:
    """An xlsxwriter workbook with our formats and safe writers."""

    def __init__(self, created: dt.datetime, scratch: str | None = None):
        """``scratch``: the folder (a name, made and removed by the run layer) where a
        workbook that streams its rows (constant memory at national scale: reports,
        titres to issue, templates) keeps xlsxwriter's scratch files; ``None``: built in
        memory, faster for small workbooks (statements, letters). The two modes give
        different bytes (inline or shared strings): each document keeps its own."""
        in_memory = scratch is None
        self._output = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self._output,
            {
                "constant_memory": not in_memory,
                "in_memory": in_memory,
                "tmpdir": scratch,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_date_format": DATE,
            },
        )
        self.workbook.set_properties(
            {"created": created, "author": "reconcile", "title": "Rapprochement"}
        )
        add = self.workbook.add_format
        self.formats = {
            "header": add({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                           "text_wrap": True, "valign": "top", "border": 1}),
            "text": None,
            "quoted": add({"quote_prefix": True}),
            "euro": add({"num_format": EURO}),
            "euro_bold": add({"num_format": EURO, "bold": True}),
            "date": add({"num_format": DATE}),
            "int": None,
            "number": None,
            "title": add({"bold": True, "font_size": 14}),
            "alert": add({"bold": True, "font_size": 12, "font_color": "#C00000"}),
            "alert_wrapped": add({"bold": True, "font_color": "#C00000", "text_wrap": True}),
            "bold": add({"bold": True}),
            "left": add({"align": "left"}),
            "date_left": add({"num_format": DATE, "align": "left"}),
            # A text longer than its column wraps (its row is given the height).
            "wrapped": add({"text_wrap": True}),
            "wrapped_quoted": add({"text_wrap": True, "quote_prefix": True}),
        }

    def add_format(self, name: str, properties: dict) -> None:
        self.formats[name] = self.workbook.add_format(properties)

    def sheet(self, name: str) -> Worksheet:
        worksheet = self.workbook.add_worksheet(name)
        worksheet.set_landscape()
        worksheet.set_paper(9)  # A4
        worksheet.fit_to_pages(1, 0)
        worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        worksheet.set_footer("&L&A&RPage &P / &N")
        return worksheet

    def text(self, worksheet: Worksheet, row: int, column: int, value: Any,
             style: str | None = None) -> None:
        text = _text(value)
        style = style or "text"
        if text.startswith(DANGEROUS_START):
            style = {"text": "quoted", "wrapped": "wrapped_quoted"}.get(style, style)
        worksheet.write_string(row, column, text, self.formats[style])

    def value(self, worksheet: Worksheet, row: int, column: int, value: Any, kind: str,
              style: str | None = None) -> None:
        """Write one cell by kind; blank values leave the cell empty."""
        if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and value != value
        ):
            return
        if kind == "text":
            self.text(worksheet, row, column, value, style)
        elif kind == "euro":
            worksheet.write_number(row, column, int(value) / 100,
                                   self.formats[style or "euro"])
        elif kind == "date":
            worksheet.write_datetime(row, column, _as_datetime(value),
                                     self.formats[style or "date"])
        else:
            worksheet.write_number(row, column, value, self.formats.get(style or ""))

    def colours(self, colours: dict[str, str]) -> dict[str, str]:
        """Register one bold, shaded format per value; returns value → format name."""
        names = {}
        for value, colour in colours.items():
            name = f"shade:{value}"
            if name not in self.formats:
                # bottom-aligned, like every other cell of its row
                self.formats[name] = self.workbook.add_format({"bg_color": colour,
                                                               "bold": True,
                                                               "text_wrap": True})
            names[value] = name
        return names

    def table(self, worksheet: Worksheet, columns: Sequence[Col], rows: Iterable[Sequence[Any]],
              first_row: int = 0, shade: tuple[int, dict[str, str]] | None = None,
              heights: dict[int, float] | None = None) -> int:
        """Header, then rows; frozen header, autofilter, widths, repeated on print.

        Rows hold clean values (see ``cells``): ``str`` for text, ``int`` cents for
        euros, numbers, ``datetime``; ``None`` or ``""`` leaves the cell empty. This is
        the hot loop of a national run (millions of cells): one test and one
        xlsxwriter call per cell.

        ``shade``: (column index, value → colour): that column's cell is shaded by its
        value (statuses, severities), so what needs attention stands out.
        ``heights``: data row index (0 = first data row) → height, for wrapped texts.
        Returns the number of data rows written.
        """
        header = self.formats["header"]
        worksheet.set_row(first_row, 30)
        for index, col in enumerate(columns):
            worksheet.set_column(index, index, col.width)
            worksheet.write_string(first_row, index, col.header, header)
        worksheet.freeze_panes(first_row + 1, 0)
        worksheet.repeat_rows(first_row)
        # A text cell carries no format (one per cell costs xlsxwriter 40 % more),
        # except a text longer than its column, which wraps: only in the rows that
        # ``heights`` makes taller, and there everything stays bottom-aligned.
        plan = [(c.kind, self.formats.get(c.kind)) for c in columns]
        room = [c.width - CELL_MARGIN for c in columns]
        wrapped, wrapped_quoted = self.formats["wrapped"], self.formats["wrapped_quoted"]
        shaded, colours = shade if shade else (-1, {})
        shades = {value: self.formats[name] for value, name in self.colours(colours).items()}
        quoted, date_format = self.formats["quoted"], self.formats["date"]
        write_string, write_number = worksheet.write_string, worksheet.write_number
        row = first_row
        heights = heights or {}
        tall = False
        for row, values in enumerate(rows, start=first_row + 1):
            if heights:
                height = heights.get(row - first_row - 1)
                if height:
                    worksheet.set_row(row, height)
                tall = bool(height)
            for column, value in enumerate(values):
                if value is None or value == "":
                    continue
                kind, fmt = plan[column]
                if column == shaded:
                    fmt = shades.get(value, fmt)
                if kind == "text":
                    long = tall and fmt is None and len(value) > room[column]
                    if value[0] in DANGEROUS_START and fmt is None:
                        fmt = wrapped_quoted if long else quoted
                    elif long:
                        fmt = wrapped
                    write_string(row, column, value, fmt)
                elif kind == "euro":
                    write_number(row, column, value / 100, fmt)
                elif kind == "date":
                    worksheet.write_datetime(row, column, _as_datetime(value), date_format)
                else:
                    write_number(row, column, value, fmt)
        worksheet.autofilter(first_row, 0, row, len(columns) - 1)
        return row - first_row

    def close(self) -> bytes:
        """The workbook's bytes (the same as xlsxwriter writes to a file)."""
        self.workbook.close()
        return self._output.getvalue()


def cells(values: pd.Series, kind: str = "text") -> list[Any]:
    """A column as the clean Python values ``Book.table`` expects: ``None`` for
    missing values, text as ``str`` cut to Excel's 32,767 characters."""
    clean = values.astype(object).where(values.notna(), None).tolist()
    if kind != "text":
        return clean
    return [v if v is None or (type(v) is str and len(v) <= MAX_TEXT) else _text(v)
            for v in clean]


def _text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value.to_pydatetime()
