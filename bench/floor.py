"""The I/O floor, run in a fresh child process: ``python -m bench.floor read|write …``.

``read FILE:SHEET …``  reads each sheet with python-calamine (``to_python()``), nothing else.
``write ROWS.pickle OUT.xlsx``  writes the pickled sheets with xlsxwriter in
constant_memory mode: one ``write_string``/``write_number`` per cell, no rule, no format
beyond one number format.

Each prints one JSON line: {"seconds": …, "cpu": …, "cells": …}; the timer starts before the import
of the I/O library (its import is part of the floor) and excludes the pickle load.
"""

from __future__ import annotations

import json
import pickle
import sys
import time


def read(targets: list[str]) -> dict:
    began, cpu = time.perf_counter(), time.process_time()
    from python_calamine import CalamineWorkbook

    cells = 0
    for target in targets:
        path, _, sheet = target.rpartition(":")
        rows = CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python()
        cells += sum(len(r) for r in rows)
    return {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu,
            "cells": cells}


def write(source: str, target: str) -> dict:
    with open(source, "rb") as handle:
        sheets = pickle.load(handle)
    began, cpu = time.perf_counter(), time.process_time()
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target, {"constant_memory": True,
                                            "strings_to_numbers": False,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False})
    euro = workbook.add_format({"num_format": '#,##0.00 "€"'})
    cells = 0
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        write_string, write_number = sheet.write_string, sheet.write_number
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    if value:
                        write_string(r, c, value)
                elif isinstance(value, (int, float)):
                    write_number(r, c, value, euro)
            cells += len(row)
    workbook.close()
    return {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu,
            "cells": cells}


def main(argv: list[str]) -> int:
    command, *rest = argv
    result = read(rest) if command == "read" else write(*rest)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
