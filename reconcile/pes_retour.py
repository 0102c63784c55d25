"""PES Retour recette files (Hélios → ordonnateur) read as a source of titres.
See spécification §2.10.

Two steps, because the second needs what only validation knows:

* ``find`` / ``read`` (at load time): every ``*.xml`` of the inputs folder whose root is
  ``PES_Retour`` with a ``PES_RecetteRetour``, parsed safely (``xmlsafe``) into one
  ``Line`` per ``LigneDePiece``, each with its source line numbers;
* ``to_titres`` (once the parameters, consultations and as-of date are known): the
  same columns as the `Titres` sheet, plus what Hélios says about each titre (state,
  rejection, recovery step, write-off) for the report and the receivables follow-up.

A line that cannot be mapped is an error located in the XML file (file, element path,
source line), never dropped. See docs/pes.md for the mapping table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
from lxml import etree
from stdnum import luhn

from schemas import TITRES

from .anomalies import CATALOGUE, Anomaly, InputError, file_problem
from .normalise import DTYPES
from .parameters import PES_RETOUR, Parameters
from .reader import InputFile, Limits, read_input, too_large
from .xmlsafe import parse

STEM = "pes_retour"
LINE_PATH = "PES_RecetteRetour/Bordereau/Piece/LigneDePiece"
STATES = {"01": "en instance", "02": "pris en charge", "03": "prise en charge partielle",
          "04": "rejeté", "05": "soldé", "06": "annulé", "07": "prise en compte partielle"}
NOT_INVOICED = ("04", "06")  # rejected, cancelled: the titre does not exist for the debtor
STEPS = {"00": "avis des sommes à payer", "01": "lettre de rappel", "02": "commandement",
         "03": "mise en demeure"}
WRITE_OFF = {"12": "demandée", "18": "prononcée"}  # InfoSuspPour/CodSuspPour
CONSULTATION = re.compile(r"\[([^\[\]]+)\]")
EXTRA_COLUMNS = ["source", "id_bord", "id_ligne", "etat_helios", "motif_rejet",
                 "etape_recouvrement", "admission_non_valeur", "counts_as_invoiced"]


@dataclass(frozen=True)
class Field:
    """One value read from the file and where it was: for messages."""

    value: str
    line: int
    name: str  # path below the LigneDePiece (or the element read), for the Colonne


@dataclass
class Line:
    """One ``LigneDePiece``, as written: nothing is interpreted yet."""

    file: str
    line: int
    flow: str  # EnTetePES/DteStr, orders several flows
    exer: Field | None
    id_bord: str
    typ_bord: str
    id_pce: Field | None
    id_ligne: str
    date_emission: str
    objet: Field | None
    code_produit: Field | None
    tiers: tuple[Field | None, Field | None]  # (NatIdTiers, IdTiers)
    montant: Field | None
    etat: str
    motif_rejet: str
    collections: list[tuple[Field, Field]] = field(default_factory=list)  # (DteReco, MtReco)
    collected_total: Field | None = None
    write_off: str = ""
    step: str = ""


@dataclass
class RetourFile:
    source: InputFile
    lines: list[Line]


def find(folder: Path, limits: Limits) -> tuple[list[RetourFile], list[Anomaly]]:
    """Every PES Retour recette of ``folder``; other XML files are named in a warning."""
    found: list[RetourFile] = []
    problems: list[Anomaly] = []
    for path in sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() == ".xml"):
        source, unreadable = read_input(path, STEM, limits)
        if source is not None and (refused := too_large(source, limits)):
            unreadable.append(refused)
        problems += unreadable
        if source is None or unreadable:
            continue
        try:
            root = parse(path.name, source.data)
        except InputError as error:
            problems.append(error.anomaly)
            continue
        recette = root.find("PES_RecetteRetour")
        if root.tag != "PES_Retour" or recette is None:
            problems.append(file_problem(path.name, "xml-ignore", root=root.tag))
            continue
        found.append(RetourFile(source, read(path.name, root, recette)))
    return found, problems


def read(name: str, root: etree._Element, recette: etree._Element) -> list[Line]:
    flow = _v(root.find("EnTetePES/DteStr"))
    lines = []
    for bordereau in recette.iterfind("Bordereau"):
        bloc = bordereau.find("BlocBordereau")
        exer = _field(bloc, "Exer")
        id_bord = _text(bloc, "IdBord")
        typ_bord = _text(bloc, "TypBord")
        issued = _text(bloc, "DteBordEm")
        for piece in bordereau.iterfind("Piece"):
            bp = piece.find("BlocPiece")
            for ligne in piece.iterfind("LigneDePiece"):
                info = ligne.find("BlocLignePiece/InfoLignePiece")
                tiers = _debtor(ligne)
                objet = _field(info, "ObjLignePce", "InfoLignePiece/") or _field(bp, "ObjPce")
                steps = sorted((_v(s.find("DteEtPce")), _v(s.find("EtPce"))) for s in
                               ligne.iterfind("BlocLignePiece/InfoAmiableContentieux"))
                step = steps[-1][1] if steps else ""
                reason = _text(bp, "CodInst-Rej")
                remark = _text(bp, "ObsEtat")
                lines.append(Line(
                    file=name, line=ligne.sourceline or 0, flow=flow, exer=exer,
                    id_bord=id_bord, typ_bord=typ_bord, id_pce=_field(bp, "IdPce"),
                    id_ligne=_text(info, "IdLigne"),
                    date_emission=_text(bp, "DteAsp") or issued,
                    objet=objet,
                    code_produit=_field(info, "CodProdLoc", "InfoLignePiece/"),
                    tiers=(_field(tiers, "NatIdTiers", "Tiers/InfoTiers/"),
                           _field(tiers, "IdTiers", "Tiers/InfoTiers/")),
                    montant=_field(info, "MtHT", "InfoLignePiece/"),
                    etat=_text(bp, "EtatPce"),
                    motif_rejet=" – ".join(x for x in (reason, remark) if x),
                    collections=[(f, m) for r in ligne.iterfind("Recouvrement")
                                 if (f := _field(r, "DteReco", "Recouvrement/")) is not None
                                 and (m := _field(r, "MtReco", "Recouvrement/")) is not None],
                    collected_total=_field(ligne.find("BlocLignePiece/InfoRecouvrement"),
                                           "MtRecoTot", "InfoRecouvrement/"),
                    write_off=WRITE_OFF.get(
                        _v(ligne.find("BlocLignePiece/InfoSuspPour/CodSuspPour")), ""),
                    step=f"{step} {STEPS.get(step, 'étape de recouvrement')}" if step else "",
                ))
    return lines


def _debtor(ligne: etree._Element) -> etree._Element | None:
    """The main debtor (TypTiers 01), else the first Tiers."""
    infos = list(ligne.iterfind("Tiers/InfoTiers"))
    main = [i for i in infos if _v(i.find("TypTiers")) == "01"]
    return (main or infos or [None])[0]


def _v(element: etree._Element | None) -> str:
    return "" if element is None else (element.get("V") or "").strip()


def _text(parent: etree._Element | None, name: str) -> str:
    """The ``V`` of ``parent``'s child ``name``; blank when either is missing."""
    return "" if parent is None else _v(parent.find(name))


def _field(parent: etree._Element | None, name: str, prefix: str = "") -> Field | None:
    element = None if parent is None else parent.find(name)
    if element is None or not _v(element):
        return None
    return Field(_v(element), element.sourceline or 0, prefix + name)


# -- mapping to titres ------------------------------------------------------------------


def to_titres(files: list[RetourFile], parameters: Parameters, consultations: set[str],
              as_of: pd.Timestamp) -> tuple[pd.DataFrame | None, list[Anomaly]]:
    """The titres of every file, typed as the `Titres` sheet, plus ``EXTRA_COLUMNS``."""
    if not files:
        return None, []
    missing = parameters.missing(PES_RETOUR)
    if missing:
        return None, [parameters.missing_anomaly(missing, "lecture des PES Retour "
                                                          "(type de frais des lignes)")]
    codes = {parameters["code_produit_type_1"]: 1, parameters["code_produit_type_2"]: 2}
    records: dict[tuple, tuple[str, dict]] = {}
    problems: list[Anomaly] = []
    ordered = sorted((line for f in files for line in f.lines),
                     key=lambda line: (line.flow, line.file))
    for line in ordered:
        record, found = _map(line, codes, consultations, as_of.date())
        problems += found
        if record is None:
            continue
        key = (record["exercice"], record["numero"], record["id_ligne"])
        previous = records.get(key)
        if previous is not None and previous[0] == line.file:
            problems.append(_problem(line, None, "ligne-en-double",
                                     f"titre {record['numero']} ligne {record['id_ligne']} "
                                     "en double dans le fichier"))
        records[key] = (line.file, record)  # a later flow supersedes an earlier one
    frame = pd.DataFrame([r for _, r in records.values()],
                         columns=[*TITRE_COLUMNS, *EXTRA_COLUMNS])
    for name, kind in TITRES.columns.items():  # typed as the titres sheet is
        if kind == "date":
            frame[name] = pd.to_datetime(frame[name]).astype(DTYPES[kind])
        elif kind in DTYPES:
            frame[name] = frame[name].astype(DTYPES[kind])
    frame["counts_as_invoiced"] = frame["counts_as_invoiced"].astype(bool)
    return frame, problems


TITRE_COLUMNS = list(TITRES.columns)  # the titres sheet's, so both sources concatenate


def _map(line: Line, codes: dict[str, int], consultations: set[str], as_of: dt.date
         ) -> tuple[dict | None, list[Anomaly]]:
    problems: list[Anomaly] = []

    def fail(f: Field | None, code: str, message: str) -> None:
        problems.append(_problem(line, f, code, message))

    exercice = _integer(line.exer, fail, "exercice (Exer)")
    numero = _integer(line.id_pce, fail, "numéro de titre (IdPce)")
    montant = _cents(line.montant, fail, "montant (MtHT)")
    type_frais = None
    if line.code_produit is None:
        fail(None, "code-produit-manquant",
             "ligne sans code produit (CodProdLoc) : impossible de savoir le type de frais")
    else:
        type_frais = codes.get(line.code_produit.value)
        if type_frais is None:
            known = ", ".join(f"{c} (type {t})" for c, t in codes.items())
            fail(line.code_produit, "code-produit-inconnu",
                 f"code produit « {line.code_produit.value} » inconnu : les paramètres "
                 f"code_produit_type_1 et code_produit_type_2 valent {known}")
    consultation = None
    if type_frais == 1:
        found = CONSULTATION.findall(line.objet.value) if line.objet else []
        if not found:
            fail(line.objet, "consultation-manquante",
                 "ligne de type 1 sans code de consultation entre crochets dans l'objet "
                 "(ObjLignePce ou ObjPce), par exemple [C2026]")
        elif found[0].strip() not in consultations:
            fail(line.objet, "consultation-inconnue",
                 f"consultation « {found[0].strip()} » absente de la feuille Consultations "
                 "du barème")
        else:
            consultation = found[0].strip()
    siren = _siren(line, fail)
    if problems or exercice is None or numero is None or montant is None:
        return None, problems
    credit = line.typ_bord == "02"  # a réduction/annulation bordereau lowers the titre
    issued = _date(Field(line.date_emission, line.line, "DteAsp"), fail) \
        if line.date_emission else None
    dated = [(_date(d, fail), _cents(m, fail, "montant encaissé (MtReco)"))
             for d, m in line.collections]
    total = 0 if line.collected_total is None else _cents(
        line.collected_total, fail, "montant encaissé (MtRecoTot)")
    if problems:
        return None, problems
    in_time = [(d, m) for d, m in dated if d is not None and m is not None and d <= as_of]
    if line.collections:
        collected = sum(m for _, m in in_time)
        collected_on = max((d for d, _ in in_time), default=None)
    else:
        collected = total or 0
        collected_on = None
    state = f"{line.etat} {STATES.get(line.etat, 'état inconnu')}" if line.etat else ""
    return {
        "numero": str(numero), "siren": siren, "exercice": exercice,
        "type_frais": type_frais, "consultation": consultation,
        "montant": -montant if credit else montant, "date_emission": issued,
        "montant_encaisse": 0 if credit else collected, "date_encaissement": collected_on,
        "source": line.file, "id_bord": line.id_bord, "id_ligne": line.id_ligne,
        "etat_helios": state, "motif_rejet": line.motif_rejet if line.etat == "04" else "",
        "etape_recouvrement": line.step, "admission_non_valeur": line.write_off,
        "counts_as_invoiced": line.etat not in NOT_INVOICED,
    }, problems


Fail = Callable[[Field | None, str, str], None]
"""Records a problem found on a line: (field, code, message)."""


def _siren(line: Line, fail: Fail) -> str | None:
    nature, ident = line.tiers
    if ident is None:
        fail(None, "debiteur-manquant",
             "ligne sans identifiant du débiteur (Tiers/InfoTiers/IdTiers)")
        return None
    digits = re.sub(r"\s", "", ident.value)
    kind = nature.value if nature else ("01" if len(digits) == 14 else "02")
    if kind not in ("01", "02"):
        fail(nature, "debiteur-non-siren",
             f"identifiant du débiteur de nature « {kind} » : seuls un SIRET (01) ou un "
             "SIREN (02) désignent un membre")
        return None
    size = 14 if kind == "01" else 9
    if not re.fullmatch(rf"[0-9]{{{size}}}", digits) or not luhn.is_valid(digits[:9]):
        what = "SIRET (14 chiffres)" if kind == "01" else "SIREN (9 chiffres)"
        fail(ident, "debiteur-invalide",
             f"identifiant du débiteur « {ident.value} » : {what} valide attendu")
        return None
    return digits[:9]


def _integer(f: Field | None, fail: Fail, what: str) -> int | None:
    if f is None:
        fail(None, "valeur-manquante", f"{what} manquant")
        return None
    if not f.value.isdigit():
        fail(f, "valeur-invalide", f"{what} : nombre entier attendu")
        return None
    return int(f.value)


def _cents(f: Field | None, fail: Fail, what: str) -> int | None:
    if f is None:
        fail(None, "valeur-manquante", f"{what} manquant")
        return None
    try:
        amount = Decimal(f.value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        fail(f, "valeur-invalide", f"{what} : montant attendu, point décimal, 2 décimales "
                                   "au plus")
        return None
    return int(amount * 100)


def _date(f: Field, fail: Fail) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f.value)
    except ValueError:
        fail(f, "valeur-invalide", "date attendue au format AAAA-MM-JJ")
        return None


def _problem(line: Line, f: Field | None, code: str, message: str) -> Anomaly:
    where = f.line if f is not None else line.line
    return CATALOGUE[code].at(line.file, LINE_PATH, where, f.name if f else "",
                              value=f.value if f else "", detail=message)


def duplicates(xlsx: pd.DataFrame, pes: pd.DataFrame,
               table_anomaly: Callable[[int, str, str, str], Anomaly]) -> list[Anomaly]:
    """A titre (exercise, number) both typed in `titres` and read from a PES Retour."""
    read = {(int(e), str(n)): s for e, n, s in zip(pes["exercice"], pes["numero"],
                                                    pes["source"], strict=True)}
    problems = []
    for row, exercice, numero in zip(xlsx.index, xlsx["exercice"], xlsx["numero"],
                                     strict=True):
        if pd.isna(exercice) or numero is None:
            continue
        source = read.get((int(exercice), str(numero).strip()))
        if source is not None:
            problems.append(table_anomaly(
                row, "numero", "titre-en-double",
                f"titre {numero} de {int(exercice)} présent aussi dans le PES Retour "
                f"{source} : le retirer de titres (le PES Retour fait foi)"))
    return problems
