"""The numbers used by the PES Aller files already written in the reports folder
(``AAAA-MM/PESALR2_*.xml``, not their ``historique/``): one row per line sent.

A minimal private reader, replaced by ``pes_sent.parse_sent`` at merge (the ``helios``
branch reads the same files with every column); the numbering only needs
``numbering.SENT_COLUMNS`` and the month each file belongs to. Our own files: a file
that cannot be read is a warning naming it, and its numbers are not known.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .anomalies import WARNING, Anomaly, InputError, file_problem
from .xmlsafe import parse

COLUMNS = ["month", "file", "exercice", "typ_bord", "bordereau", "titre"]


def read_sent(reports: Path) -> tuple[pd.DataFrame, dict[str, bytes], list[Anomaly]]:
    """Every line sent, the bytes of each month's file (by month) and the problems."""
    rows: list[dict] = []
    files: dict[str, bytes] = {}
    problems: list[Anomaly] = []
    for path in sorted(reports.glob("[0-9][0-9][0-9][0-9]-[01][0-9]/PESALR2_*.xml")):
        month = path.parent.name
        try:
            data = path.read_bytes()
            root = parse(path.name, data)
        except (OSError, InputError) as error:
            reason = error.anomaly.message if isinstance(error, InputError) else str(error)
            problems.append(file_problem(f"{month}/{path.name}", "pes-aller-illisible",
                                         f"PES Aller déjà écrit illisible ({reason}) : ses "
                                         "numéros ne sont pas connus", WARNING))
            continue
        files[month] = data
        for bordereau in root.iter("Bordereau"):
            bloc = bordereau.find("BlocBordereau")
            if bloc is None:
                continue
            head = {name: _v(bloc, tag) for name, tag in
                    (("exercice", "Exer"), ("typ_bord", "TypBord"), ("bordereau", "IdBord"))}
            for piece in bordereau.iterfind("Piece"):
                rows.append({"month": month, "file": path.name, **head,
                             "titre": _v(piece, "BlocPiece/IdPce")})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    numeric = frame[["exercice", "bordereau", "titre"]].apply(
        lambda c: c.str.fullmatch(r"[0-9]{1,13}")).all(axis=1) if len(frame) else []
    return frame[numeric].reset_index(drop=True) if len(frame) else frame, files, problems


def _v(parent: object, path: str) -> str:
    element = parent.find(path)  # type: ignore[attr-defined]
    return "" if element is None else (element.get("V") or "").strip()
