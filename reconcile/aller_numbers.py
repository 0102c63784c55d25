"""The numbers used by the PES Aller files already written in the reports folder
(``AAAA-MM/PESALR2_*.xml``, not their ``historique/``): one row per piece sent.

A parser of the bytes the read layer took once (``earlier.read_sent``); the numbering
only needs ``numbering.SENT_COLUMNS`` and the month each file belongs to. Our own
files: a file that cannot be read is a warning naming it, and its numbers are not known.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .anomalies import WARNING, Anomaly, InputError, file_problem
from .earlier import SentFile
from .xmlsafe import parse

COLUMNS = ["month", "file", "exercice", "typ_bord", "bordereau", "titre"]


def numbers_sent(files: tuple[SentFile, ...], unsent: Mapping[str, str]
                 ) -> tuple[pd.DataFrame, dict[str, bytes], list[Anomaly]]:
    """Every piece sent, the bytes of each month's file (by month) and the problems
    (``unsent``: the files that could not be read, name → why)."""
    rows: list[dict] = []
    files_by_month: dict[str, bytes] = {}
    problems = [_unreadable(name, why) for name, why in unsent.items()]
    for sent in files:
        month, _, file = sent.name.partition("/")
        try:
            root = parse(file, sent.data)
        except InputError as error:
            problems.append(_unreadable(sent.name, error.anomaly.message))
            continue
        files_by_month[month] = sent.data
        for bordereau in root.iter("Bordereau"):
            bloc = bordereau.find("BlocBordereau")
            if bloc is None:
                continue
            head = {name: _v(bloc, tag) for name, tag in
                    (("exercice", "Exer"), ("typ_bord", "TypBord"), ("bordereau", "IdBord"))}
            for piece in bordereau.iterfind("Piece"):
                rows.append({"month": month, "file": file, **head,
                             "titre": _v(piece, "BlocPiece/IdPce")})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if not len(frame):
        return frame, files_by_month, problems
    numeric = frame[["exercice", "bordereau", "titre"]].apply(
        lambda c: c.str.fullmatch(r"[0-9]{1,13}")).all(axis=1)
    return frame[numeric].reset_index(drop=True), files_by_month, problems


def _unreadable(name: str, why: str) -> Anomaly:
    return file_problem(name, "pes-aller-illisible", f"PES Aller déjà écrit illisible "
                        f"({why}) : ses numéros ne sont pas connus", WARNING)


def _v(parent: object, path: str) -> str:
    element = parent.find(path)  # type: ignore[attr-defined]
    return "" if element is None else (element.get("V") or "").strip()
