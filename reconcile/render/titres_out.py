"""Lay out the month's titres to issue: ``titres_a_emettre_AAAA-MM.xlsx`` always, and
``PESALR2_AAAA-MM_T<n>.xml`` when the parameters allow it and the file passes the schema.
See spécification §4.16.

Both are made here as documents (bytes) and written by the run layer like the report
(temporary file, then rename; an identical rerun leaves them untouched; a different
previous version goes to ``historique/``). What could not be built is said as a
warning, never as a failure of the month's run.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from schemas import CATEGORIES

from ..compute.issuance import Proposal
from ..compute.numbering import Numbering
from ..core.anomalies import CATALOGUE, WARNING, Anomaly, file_problem
from ..core.columns import SIREN
from ..core.model import Document, Period
from ..core.vocabulary import Nature
from ..core.wording import euros
from ..read.acquits import DOMAINS
from ..read.parameters import PES_ALLER, PES_REDUCTIONS, SHEET, Parameters
from ..read.pes_sent import parse_sent
from ..read.pes_xsd import XSD_VERSION
from .layout import fitted_table
from .pes_aller import (
    DOSSIER,
    Aller,
    addresses,
    build,
    problems,
    without_address,
)
from .pes_rules import broken_rules
from .report import created_at
from .xlsx import Book, Col, cells

COLUMNS = [
    Col("SIREN", width=11), Col("Membre", width=30), Col("Catégorie", width=14),
    Col("Exercice", "int", 9), Col("Type de frais", "int", 8), Col("Consultation", width=13),
    Col("Montant", "euro", 13), Col("Objet", width=70), Col("Nature", width=12),
    Col("Titres d'origine", width=14), Col("Bordereau", "int", 10),
    Col("N° de titre", "int", 10),
]
ACQUIT_COLUMNS = [
    Col("Acquit", width=24), Col("Flux (NomFic)", width=26), Col("Date", width=11),
    Col("Domaine", width=12), Col("État", width=10), Col("Exercice", width=9),
    Col("Bordereau", width=10), Col("Pièce", width=9), Col("Ligne", width=7),
    Col("Code", width=22), Col("Libellé", width=70),
]
NATURE_COLOURS: dict[str, str] = {Nature.ISSUE: "#FFE699", Nature.SUPPLEMENT: "#F8CBAD",
                                  Nature.REDUCTION: "#C6E0B4", Nature.CANCELLATION: "#9BC2E6"}


@dataclass(frozen=True)
class Plan:
    """What will be written, computed before the report (which states it); a value made
    once by ``plan``."""

    month: str
    proposal: Proposal
    aller: Aller | None = None
    summary: str = ""  # the Synthèse line about the PES Aller
    notices: tuple[str, ...] = ()  # for the screen
    warnings: tuple[Anomaly, ...] = ()
    keep: bool = False  # the month's PES Aller already written stays as it is
    acquits: pd.DataFrame | None = None  # the reception's acquits read this month


def plan(proposal: Proposal, parameters: Parameters, period: Period, month: str,
         numbering: Numbering | None = None, written: bytes | None = None,
         reissue: bool = False, members: pd.DataFrame | None = None,
         today: dt.date | None = None, members_file: str = "membres.xlsx",
         acquits: pd.DataFrame | None = None) -> Plan:
    """What to write. ``numbering``: where numbers go on (``numbering.next_numbers``);
    ``written``: the month's PES Aller already in the reports folder, replaced only when
    ``reissue`` (``--reemettre``) or when this run would write the same titres;
    ``members`` gives the debtors' addresses; ``today`` is the day of writing (the PES
    Aller's DteStr), the wall clock unless a test pins it."""
    summary, notices, warnings = "", list[str](), list[Anomaly]()
    aller: Aller | None = None
    keep = False
    missing = parameters.missing(PES_ALLER)
    if (proposal.lines["montant"] < 0).any():
        missing += parameters.missing(PES_REDUCTIONS)
    known = addresses(members) if members is not None else {}
    homeless = without_address(proposal.lines, known) if not proposal.lines.empty else []
    if proposal.lines.empty:
        summary = "non écrit : aucun titre à émettre"
    elif missing:
        summary = f"non écrit : paramètre(s) manquant(s) : {', '.join(missing)}"
        if len(missing) < len(PES_ALLER):  # set up in part: a warning; not at all: no
            warnings.append(parameters.missing_anomaly(missing, "PES Aller non écrit",
                                                       WARNING))
    elif homeless:
        listed = ", ".join(f"{name} ({siren})" for siren, name in homeless)
        summary = (f"non écrit : {len(homeless)} débiteur(s) sans adresse complète "
                   f"dans membres (adresse, code postal, ville) : {listed}")
        warnings += [_homeless(members, members_file, siren, name)
                     for siren, name in homeless]
    else:
        day = today or dt.date.today()  # read once: the file and its check agree
        built = build(proposal.lines, parameters, period, month, day, known, numbering)
        invalid = problems(built.data)
        broken = broken_rules(built.data, day)
        if invalid or broken:  # a bug of ours: say it, never hand over a rejected file
            summary = "non écrit : non conforme au schéma ou au dossier technique"
            if invalid:
                warnings.append(file_problem(built.name, "pes-invalide",
                                             version=XSD_VERSION,
                                             problems="; ".join(invalid[:3])))
            if broken:
                warnings.append(file_problem(built.name, "pes-regle", detail=(
                    f"PES Aller non écrit : contraire au {DOSSIER} ({'; '.join(broken[:3])})")))
        elif written is not None and not _same_emission(written, built.data) and not reissue:
            keep = True
            summary = (f"non réécrit : le PES Aller de {month} est déjà écrit ; le "
                       "réémettre (option --reemettre) seulement s'il n'a pas été intégré")
            warnings.append(file_problem(built.name, "pes-aller-deja-ecrit", detail=(
                "PES Aller du mois déjà écrit et différent de celui de cette exécution : "
                "conservé tel quel ; s'il n'a pas été intégré par le comptable, relancer "
                "avec --reemettre pour le remplacer (ses numéros seront réutilisés)")))
        else:
            aller = built
            reduction = ""
            if built.next_reduction is not None and any(k == "02" for k, _ in
                                                        built.bordereaux):
                reduction = (f" (bordereau de réductions et d'annulations : "
                             f"{built.next_reduction})")
            following = (f"prochain_bordereau = {built.next_bordereau}"
                         + (f", prochain_bordereau_02 = {built.next_reduction}" if reduction
                            else "") + f" et prochain_titre = {built.next_titre}")
            summary = (f"{built.name} : {built.pieces} titre(s), {built.lines} "
                       f"ligne(s) ; après son intégration, prochain numéro de "
                       f"bordereau {built.next_bordereau}{reduction} et prochain "
                       f"numéro de titre {built.next_titre}, à reporter dans la "
                       f"feuille {SHEET} ({following})")
            notices.append(
                f"PES Aller : {built.pieces} titre(s), {built.lines} ligne(s) ; après son "
                f"intégration, mettre dans la feuille {SHEET} du barème {following}")
            for line in built.skipped:
                warnings.append(file_problem(built.name, "reduction-hors-pes", line=line))
            # A parameter below a number already used: said of the file that skipped it
            # (no file written, no number issued: nothing to say).
            warnings += [file_problem(built.name, "numero-deja-utilise",
                                      detail=f"Numéro déjà utilisé : {clash}")
                         for clash in (numbering.clashes if numbering else [])]
    if aller is None and not proposal.lines.empty:
        notices.append(f"PES Aller {summary}")
    told = acquit_lines(acquits)
    if told:
        summary += " ; acquits d'Hélios : " + " ; ".join(told)
        notices += [f"Acquit d'Hélios : {line}" for line in told]
    if len(proposal.held):
        notices.append(f"{len(proposal.held)} ligne(s) retenue(s) sous le seuil de "
                       f"recouvrement ({euros(proposal.threshold)})")
    return Plan(month, proposal, aller, summary, tuple(notices), tuple(warnings), keep,
                acquits)


def _same_emission(written: bytes, planned: bytes) -> bool:
    """The same titres, whatever the day of writing: dates of the flow and the file's
    name aside (``DteStr``, ``DteBordEm``, ``NomFic``)."""
    return STAMPS.sub(b"", written) == STAMPS.sub(b"", planned)


STAMPS = re.compile(rb'<(DteStr|DteBordEm|NomFic) V="[^"]*"/>')


def acquit_lines(acquits: pd.DataFrame | None) -> list[str]:
    """Per acquit and element: « PESALR2_….xml : bordereau 12 rejeté (code libellé) »,
    accepted elements of one flow in one line."""
    if acquits is None or acquits.empty:
        return []
    lines = []
    for (file, flow), group in acquits.groupby(["file", "nom_fic"], sort=True):
        refused = group[~group["accepte"].astype(bool)]
        heads = group.drop_duplicates(["domaine", "exercice", "bordereau"])
        if refused.empty:
            lines.append(f"{flow or file} accepté ({len(heads)} élément(s), acquit {file})")
            continue
        for _, element in refused.groupby(["domaine", "exercice", "bordereau"], sort=True):
            first = element.iloc[0]
            what = (f"bordereau {first['bordereau']}" if first["bordereau"] else
                    f"flux ({DOMAINS.get(first['domaine'], first['domaine'])})")
            errors = "; ".join(dict.fromkeys(
                (f"pièce {p} : " if p else "") + f"{c} {lab}".strip()
                for p, c, lab in zip(element["piece"], element["code"], element["libelle"],
                                     strict=True) if c or lab))
            lines.append(f"{flow or file} : {what} REJETÉ"
                         + (f" ({errors})" if errors else "") + f" (acquit {file})")
    return lines


ADDRESS_PARTS = (("adresse", "Adresse"), ("code_postal", "Code postal"), ("ville", "Ville"))


def _homeless(members: pd.DataFrame | None, file: str, siren: str, name: str) -> Anomaly:
    """The warning for a debtor without a complete address, at its row and first empty
    (or invalid) address cell of `membres`."""
    row, column, value = None, "Adresse", ""
    if members is not None and "adresse" in members:
        found = members[members[SIREN] == siren]
        if len(found):
            row = int(found.index[0])
            record = found.iloc[0]
            column, value = next(((header, str(record.get(key) or "").strip())
                                  for key, header in ADDRESS_PARTS
                                  if not str(record.get(key) or "").strip()
                                  or (key == "code_postal"
                                      and not str(record.get(key)).strip().isdigit())),
                                 (column, value))
    # the value is the cell's (empty, or an invalid postal code), never the SIREN
    return CATALOGUE["adresse-manquante"].at(
        file, "Membres", row, column, value=value, detail=(
            f"PES Aller non écrit : {name} ({siren}) a des titres à émettre mais pas "
            "d'adresse complète (colonnes Adresse, Code postal, Ville) ; Hélios "
            "rejette un débiteur sans adresse"))


def workbook_name(month: str) -> str:
    return f"titres_a_emettre_{month}.xlsx"


def pes_pattern(month: str) -> str:
    """The month's PES Aller, whatever its number: what this run's replaces."""
    return f"PESALR2_{month}*.xml"


def documents(period: Period, planned: Plan, scratch: str) -> tuple[Document, ...]:
    """The workbook of the titres to issue, then the PES Aller when one was built (it
    was checked by ``plan``); ``scratch``: the folder the workbook's rows stream
    through. Written after the report by the run layer, which also moves the month's
    earlier PES Aller to history unless ``planned.keep``."""
    month = planned.month
    numbers = pes_numbers(planned.aller.data) if planned.aller is not None else {}
    workbook = Document(workbook_name(month), _render(
        scratch, planned.proposal, created_at(period), month, numbers, planned.acquits))
    if planned.aller is None:
        return (workbook,)
    return workbook, Document(planned.aller.name, planned.aller.data)


def pes_numbers(data: bytes) -> dict[tuple[str, bool], tuple[int, int]]:
    """(SIREN, positive) → (bordereau, titre) as the PES Aller just built numbers them:
    one piece per member in each bordereau (titres, then réductions), so the auditor
    goes from a row of the workbook to its piece. Read from the XML itself
    (``pes_sent.parse_sent``), never numbered twice."""
    lines, _ = parse_sent("", data)
    return {(str(siren), kind == "01"): (int(bordereau), int(titre))
            for siren, kind, bordereau, titre in zip(
                lines[SIREN], lines["typ_bord"], lines["bordereau"], lines["titre"],
                strict=True)}


def _render(scratch: str, proposal: Proposal, created: dt.datetime, month: str,
            numbers: dict[tuple[str, bool], tuple[int, int]],
            acquits: pd.DataFrame | None = None) -> bytes:
    book = Book(created, scratch)
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
    if proposal.held.empty:  # said in words, not as three totals of 0,00 €
        book.text(sheet, 1, 0, "Aucune somme retenue ce mois.")  # rows in order (streamed)
    count = fitted_table(book, sheet, COLUMNS, _columns(proposal.held, {}), first_row=2)
    if count:
        _total(book, sheet, count + 3, proposal.held)
    if acquits is not None and not acquits.empty:  # what the reception said of our files
        fitted_table(book, book.sheet("Acquits"), ACQUIT_COLUMNS, [
            cells(acquits["file"]), cells(acquits["nom_fic"]), cells(acquits["dte_str"]),
            cells(acquits["domaine"].map(lambda d: DOMAINS.get(d, d))),
            cells(acquits["accepte"].map({True: "accepté", False: "REJETÉ"})),
            *(cells(acquits[c]) for c in ("exercice", "bordereau", "piece", "ligne", "code",
                                          "libelle"))])
    return book.close()


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
              for s, m, o in zip(lines[SIREN], lines["montant"], lines["origine"],
                                 strict=True)]
    return [cells(lines[SIREN]), cells(lines["membre"]), cells(categories),
            *(cells(lines[c], kind) for c, kind in (
                ("exercice", "int"), ("type_frais", "int"), ("consultation", "text"),
                ("montant", "euro"), ("objet", "text"), ("nature", "text"),
                ("origine", "text"))),
            [p[0] if p else None for p in placed], [p[1] if p else None for p in placed]]
