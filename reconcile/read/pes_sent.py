"""The PES Aller files we already wrote, read back: one row per titre line sent.

What was sent is the reference for three things: the next bordereau and titre numbers
(never reuse one), recognising our own lines in a PES Retour by (exercice, IdPce,
IdLigne) — today's Retour no longer returns the line's object, so a type-1 line's
consultation comes from here — and matching an acquit to its file and bordereau.

``parse_sent`` is a pure function of the file's bytes; ``parse_files`` applies it to the
files the read layer took once (``earlier.read_sent``). See docs/pes.md.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pandas as pd

from ..core.anomalies import Anomaly, InputError, file_problem
from ..core.columns import SIREN
from .earlier import SentFiles
from .xmlsafe import parse
from .xmlsafe import value as _v

COLUMNS = ["file", "nom_fic", "dte_str", "exercice", "typ_bord", "bordereau", "titre",
           "ligne", "typ_pce", "nat_pce", SIREN, "code_produit", "type_frais",
           "consultation", "montant", "origine_exercice", "origine", "origine_ligne",
           "current"]
CONSULTATION = re.compile(r"\[([^\[\]]+)\]")
# Our objects name the fee type (issuance.SHORT_TYPES): how a line's type is known
# without the parameters that were in force when it was written.
TYPES = {"Frais de procédure": 1, "Frais de fonctionnement": 2}
PATTERN = "PESALR2_*.xml"


def parse_files(sent: SentFiles) -> tuple[pd.DataFrame, list[Anomaly]]:
    """``parse_sent`` on each file the read layer took (``earlier.read_sent``), with the
    month it belongs to; a version identical to another is counted once."""
    frames, seen = [], set()
    problems = [file_problem(name, "pes-envoye-illisible",
                             detail=f"PES Aller déjà écrit illisible : {why}")
                for name, why in sent.unreadable.items()]
    for file in sent.files:
        if file.data in seen:
            continue
        seen.add(file.data)
        bare = file.name.rsplit("/", 1)[-1]
        frame, found = parse_sent(bare, file.data, current=not file.kept)
        frames.append(frame.assign(month=file.month))
        problems += found
    frame = pd.concat(frames, ignore_index=True) if frames else empty()
    return frame, problems


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=[*COLUMNS, "month"])


def parse_sent(name: str, data: bytes, current: bool = True
               ) -> tuple[pd.DataFrame, list[Anomaly]]:
    """One row per ``LigneDePiece`` of the PES Aller ``data`` (columns ``COLUMNS``):
    amounts in signed integer cents (negative on a bordereau 02), numbers as integers.
    A file that is not a readable PES Aller recette gives no row and a warning."""
    try:
        root = parse(name, data)
    except InputError as error:
        return empty(), [file_problem(
            name, "pes-envoye-illisible",
            detail=f"PES Aller déjà écrit illisible : {error.anomaly.message}")]
    recette = root.find("PES_RecetteAller")
    if root.tag != "PES_Aller" or recette is None:
        return empty(), [file_problem(name, "pes-envoye-illisible",
                                      detail="ce fichier n'est pas un PES Aller de recettes")]
    nom_fic = _v(root.find("Enveloppe/Parametres/NomFic"))
    dte_str = _v(root.find("EnTetePES/DteStr"))
    rows, bad = [], 0
    for bordereau in recette.iterfind("Bordereau"):
        bloc = bordereau.find("BlocBordereau")
        exercice, kind = _int(_v(bloc.find("Exer"))), _v(bloc.find("TypBord"))
        number = _int(_v(bloc.find("IdBord")))
        for piece in bordereau.iterfind("Piece"):
            titre = _int(_v(piece.find("BlocPiece/IdPce")))
            typ_pce, nat_pce = _v(piece.find("BlocPiece/TypPce")), _v(piece.find(
                "BlocPiece/NatPce"))
            for ligne in piece.iterfind("LigneDePiece"):
                info = ligne.find("BlocLignePiece/InfoLignePiece")
                link = ligne.find("BlocLignePiece/RattachPiece")
                cents = _cents(_v(info.find("MtHT")) if info is not None else "")
                line = _int(_v(info.find("IdLigne")) if info is not None else "")
                if None in (exercice, number, titre, line, cents) or info is None:
                    bad += 1
                    continue
                objet = _v(info.find("ObjLignePce"))
                kind_of = next((t for label, t in TYPES.items() if label in objet), None)
                brackets = CONSULTATION.findall(objet)
                rows.append({
                    "file": name, "nom_fic": nom_fic, "dte_str": dte_str,
                    "exercice": exercice, "typ_bord": kind, "bordereau": number,
                    "titre": titre, "ligne": line, "typ_pce": typ_pce, "nat_pce": nat_pce,
                    SIREN: _v(ligne.find("Tiers/InfoTiers/IdTiers")),
                    "code_produit": _v(info.find("CodProdLoc")), "type_frais": kind_of,
                    "consultation": brackets[0].strip() if kind_of == 1 and brackets else "",
                    "montant": -cents if kind == "02" else cents,  # type: ignore[operator]
                    "origine_exercice": _int(_v(link.find("ExerRat"))) if link is not None
                    else None,
                    "origine": _v(link.find("IdPceOrig")) if link is not None else "",
                    "origine_ligne": _v(link.find("IdLigneOrig")) if link is not None else "",
                    "current": current,
                })
    problems = [] if not bad else [file_problem(
        name, "pes-envoye-illisible", detail=f"{bad} ligne(s) de titre sans exercice, "
        "numéro de bordereau, de titre ou de ligne, ou montant lisible : ignorées")]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("exercice", "bordereau", "titre", "ligne", "montant", "type_frais",
                   "origine_exercice"):
        frame[column] = frame[column].astype("Int64")
    return frame, problems


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _cents(text: str) -> int | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)
