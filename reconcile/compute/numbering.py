"""The next bordereau and titre numbers of a PES Aller: after the highest already used,
so that a number is never issued twice (spécification §4.16, issue 18 item 3).

Hélios numbers titres (``IdPce``) per exercise, and bordereaux (``IdBord``) per exercise
and bordereau type (01 ordinaire, 02 réductions et annulations). The numbers used are
those of the PES Aller files already written in the reports folder (a table with
columns ``exercice``, ``typ_bord``, ``bordereau``, ``titre``, one row per line sent),
those of the titres source (typed or read from a PES Retour: a titre number; a Retour
line also gives its bordereau), those every PES Retour shows on the budget (titres of
other products and of private persons included: the sequences are the budget's) and,
as a floor, ``prochain_bordereau`` (type 01), ``prochain_bordereau_02`` (type 02) and
``prochain_titre`` of `Parametres`. A parameter
below a number already used would issue it again: the run says so and starts after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..read.parameters import SHEET, Parameters

SENT_COLUMNS = ["exercice", "typ_bord", "bordereau", "titre"]
TYPES = ("01", "02")  # ordinary bordereau, réductions and annulations


@dataclass(frozen=True)
class Numbering:
    """Where the exercise's numbering goes on: next ``IdBord`` per type, next ``IdPce``."""

    exercice: int
    bordereau: dict[str, int]
    titre: int
    clashes: list[str] = field(default_factory=list)  # French sentences, one per clash


def next_numbers(exercice: int, sent: pd.DataFrame | None, titres: pd.DataFrame | None,
                 parameters: Parameters, budget: pd.DataFrame | None = None) -> Numbering:
    """The next numbers of ``exercice``: one past the highest used, never below the
    parameters. ``sent``: the lines of the PES Aller already written (``SENT_COLUMNS``);
    ``titres``: the titres source (``numero``, ``exercice``, optional ``id_bord``);
    ``budget``: the numbers the PES Retour show used on the budget, by any product
    (``SENT_COLUMNS``, ``pes_retour.budget_numbers``)."""
    used_titres: list[tuple[int, str]] = []  # (number, where)
    used_bordereaux: dict[str, list[tuple[int, str]]] = {kind: [] for kind in TYPES}
    for table, where in ((budget, "un PES Retour (titres du budget)"),
                         (sent, "un PES Aller déjà écrit")):  # both of SENT_COLUMNS
        if table is None or table.empty:
            continue
        of_year = table[table["exercice"].astype("int64") == exercice]
        for kind, number in zip(of_year["typ_bord"].astype(str), of_year["bordereau"],
                                strict=True):
            used_bordereaux.setdefault(kind, []).append((int(number), where))
        used_titres += [(int(n), where) for n in of_year["titre"]]
    if titres is not None and not titres.empty:
        of_year = titres[titres["exercice"].astype("Int64") == exercice]
        numbers = of_year["numero"].astype(str).str.strip()
        used_titres += [(int(n), "les titres") for n in numbers if n.isdigit()]
        if "id_bord" in of_year:  # a Retour line: its bordereau, typed by its sign
            for bord, amount in zip(of_year["id_bord"].astype(str), of_year["montant"],
                                    strict=True):
                if bord.isdigit():
                    kind = "02" if amount < 0 else "01"
                    used_bordereaux[kind].append((int(bord), "un PES Retour"))
    clashes: list[str] = []
    floor = parameters.get("prochain_titre")
    titre = _next(used_titres, floor, "prochain_titre", f"titre de {exercice}", clashes)
    floors = {"01": "prochain_bordereau", "02": "prochain_bordereau_02"}
    bordereau = {}
    for kind in TYPES:  # no `prochain_bordereau_02`: the 01 floor, as before it existed
        key = floors[kind] if parameters.get(floors[kind]) not in (None, "") else floors["01"]
        bordereau[kind] = _next(used_bordereaux.get(kind, []), parameters.get(key), key,
                                f"bordereau {kind} de {exercice}", clashes)
    return Numbering(exercice, bordereau, titre, clashes)


def _next(used: list[tuple[int, str]], floor: object, key: str, what: str,
          clashes: list[str]) -> int:
    highest, where = max(used, default=(0, ""))
    start = int(str(floor)) if floor not in (None, "") else 1
    if highest >= start:
        if floor not in (None, ""):
            clashes.append(f"{key} = {start} dans la feuille {SHEET}, mais le {what} n° "
                           f"{highest} figure déjà dans {where} : numérotation reprise à "
                           f"{highest + 1}")
        return highest + 1
    return start
