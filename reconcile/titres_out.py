"""Write the month's titres to issue: ``titres_a_emettre_AAAA-MM.xlsx`` always, and
``PESALR2_AAAA-MM.xml`` when the parameters allow it and the file passes the schema.
See spécification §4.16.

Both are written like the report (temporary file, then rename; an identical rerun
leaves them untouched; a different previous version goes to ``historique/``). What
could not be written is said as a warning, never as a failure of the month's run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree

from schemas import CATEGORIES

from .anomalies import WARNING, Anomaly
from .issuance import Proposal
from .layout import fitted_table
from .model import Period
from .parameters import PES_ALLER, SHEET, Parameters
from .pes_aller import XSD_VERSION, Aller, build, file_name, problems
from .report import created_at
from .safeio import publish, retire, write_new
from .wording import euros
from .xlsx import Book, Col, cells

COLUMNS = [
    Col("SIREN", width=11), Col("Membre", width=30), Col("Catégorie", width=14),
    Col("Exercice", "int", 9), Col("Type de frais", "int", 8), Col("Consultation", width=13),
    Col("Montant", "euro", 13), Col("Objet", width=70), Col("Nature", width=12),
    Col("Titres d'origine", width=14), Col("Bordereau", "int", 10),
    Col("N° de titre", "int", 10),
]
NATURE_COLOURS = {"à émettre": "#FFE699", "complément": "#F8CBAD", "réduction": "#C6E0B4",
                  "annulation": "#9BC2E6"}


@dataclass
class Plan:
    """What will be written, computed before the report (which states it)."""

    month: str
    proposal: Proposal
    aller: Aller | None = None
    summary: str = ""  # the Synthèse line about the PES Aller
    notices: list[str] = field(default_factory=list)  # for the screen
    warnings: list[Anomaly] = field(default_factory=list)


def plan(proposal: Proposal, parameters: Parameters, period: Period, month: str) -> Plan:
    result = Plan(month, proposal)
    name = file_name(month)
    missing = parameters.missing(PES_ALLER)
    if proposal.lines.empty:
        result.summary = "non écrit : aucun titre à émettre"
    elif missing:
        result.summary = f"non écrit : paramètre(s) manquant(s) : {', '.join(missing)}"
        if len(missing) < len(PES_ALLER):  # set up in part: a warning; not at all: no
            result.warnings.append(parameters.missing_anomaly(missing, "PES Aller non écrit",
                                                              WARNING))
    else:
        aller = build(proposal.lines, parameters, period, month)
        invalid = problems(aller.data)
        if invalid:  # a bug of ours: say it, never hand the accountant a rejected file
            result.summary = "non écrit : non conforme au schéma"
            result.warnings.append(Anomaly(name, "", None, "", "", WARNING, "pes-invalide",
                                           f"PES Aller non écrit : non conforme au schéma "
                                           f"{XSD_VERSION} ({'; '.join(invalid[:3])})"))
        else:
            result.aller = aller
            result.summary = (f"{name} : {aller.pieces} titre(s), {aller.lines} ligne(s) ; "
                              f"après son intégration, prochain numéro de bordereau "
                              f"{aller.next_bordereau} et prochain numéro de titre "
                              f"{aller.next_titre}, à reporter dans la feuille {SHEET} "
                              f"(prochain_bordereau, prochain_titre)")
            result.notices.append(
                f"PES Aller : {aller.pieces} titre(s), {aller.lines} ligne(s) ; après son "
                f"intégration, mettre dans la feuille {SHEET} du barème prochain_bordereau "
                f"= {aller.next_bordereau} et prochain_titre = {aller.next_titre}")
            for line in aller.skipped:
                result.warnings.append(Anomaly(name, "", None, "", "", WARNING,
                                               "reduction-hors-pes",
                                               f"hors du PES Aller, à saisir à la main : "
                                               f"{line}"))
    if result.aller is None and not proposal.lines.empty:
        result.notices.append(f"PES Aller {result.summary}")
    if len(proposal.held):
        result.notices.append(f"{len(proposal.held)} ligne(s) retenue(s) sous le seuil de "
                              f"recouvrement ({euros(proposal.threshold)})")
    return result


def write(folder: Path, period: Period, planned: Plan) -> list[Path]:
    """Both files, atomically (after the report); returns what was written."""
    month = planned.month
    target = folder / f"titres_a_emettre_{month}.xlsx"
    created = created_at(period)
    numbers = pes_numbers(planned.aller.data) if planned.aller is not None else {}
    publish(write_new(target, lambda path: _render(path, planned.proposal, created, month,
                                                   numbers)), target)
    written = [target]
    xml = folder / file_name(month)
    if planned.aller is None:
        retire(xml)  # an earlier one no longer matches this month's gaps
        return written
    data = planned.aller.data

    def render(path: str) -> None:
        Path(path).write_bytes(data)

    publish(write_new(xml, render), xml)
    written.append(xml)
    return written


def pes_numbers(data: bytes) -> dict[tuple[str, bool], tuple[int, int]]:
    """(SIREN, positive) → (bordereau, titre) as the PES Aller just built numbers them:
    one piece per member in each bordereau (titres, then réductions), so the auditor
    goes from a row of the workbook to its piece. Read from the XML itself, never
    numbered twice."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    found: dict[tuple[str, bool], tuple[int, int]] = {}
    for bordereau in root.iter("Bordereau"):
        bloc = bordereau.find("BlocBordereau")
        if bloc is None:
            continue
        number = int(bloc.find("IdBord").get("V"))  # type: ignore[union-attr]
        positive = bloc.find("TypBord").get("V") == "01"  # type: ignore[union-attr]
        for piece in bordereau.iter("Piece"):
            titre = int(piece.find("BlocPiece/IdPce").get("V"))  # type: ignore[union-attr]
            for tiers in piece.iter("IdTiers"):
                found[(str(tiers.get("V")), positive)] = (number, titre)
    return found


def _render(path: str, proposal: Proposal, created: dt.datetime, month: str,
            numbers: dict[tuple[str, bool], tuple[int, int]]) -> None:
    book = Book(path, created)
    book.workbook.set_properties({"created": created, "author": "reconcile",
                                  "title": f"Titres à émettre {month}"})
    sheet = book.sheet("Titres à émettre")
    count = fitted_table(book, sheet, COLUMNS, _columns(proposal.lines, numbers),
                         shade=(8, NATURE_COLOURS))
    _total(book, sheet, count + 1, proposal.lines)
    sheet = book.sheet("Sous le seuil")
    sheet.write_string(0, 0, f"Sommes retenues : total dû par le membre inférieur au seuil "
                             f"de recouvrement de {euros(proposal.threshold)} (CGCT D1611-1) ; "
                             "reportées sur un prochain titre.", book.formats["bold"])
    count = fitted_table(book, sheet, COLUMNS, _columns(proposal.held, {}), first_row=2)
    _total(book, sheet, count + 3, proposal.held)
    book.close()


def _total(book: Book, sheet: Any, row: int, lines: pd.DataFrame) -> None:
    """A total row under the table, outside its filter: titres, then réductions."""
    positive = lines["montant"] > 0
    for offset, (label, cents) in enumerate((
            ("Total des titres", int(lines.loc[positive, "montant"].sum())),
            ("Total des réductions et annulations", int(lines.loc[~positive, "montant"].sum())),
            ("Total net", int(lines["montant"].sum())))):
        book.text(sheet, row + 1 + offset, 0, label, "bold")
        book.value(sheet, row + 1 + offset, 6, cents, "euro", "euro_bold")


def _columns(lines: pd.DataFrame, numbers: dict[tuple[str, bool], tuple[int, int]]
             ) -> list[list[Any]]:
    categories = lines["categorie"].map(lambda c: CATEGORIES.get(c, c))
    placed = [numbers.get((str(s), m > 0)) if m > 0 or str(o).isdigit() else None
              for s, m, o in zip(lines["siren"], lines["montant"], lines["origine"],
                                 strict=True)]
    return [cells(lines["siren"]), cells(lines["membre"]), cells(categories),
            *(cells(lines[c], kind) for c, kind in (
                ("exercice", "int"), ("type_frais", "int"), ("consultation", "text"),
                ("montant", "euro"), ("objet", "text"), ("nature", "text"),
                ("origine", "text"))),
            [p[0] if p else None for p in placed], [p[1] if p else None for p in placed]]
