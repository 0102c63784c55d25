"""The acquits (PES_ACQUIT) that Hélios's reception returns for every flow it receives:
flow accepted or rejected, and per bordereau (and pièce, ligne) the error codes and
labels. Dropped in the inputs folder beside the PES Retour files; see docs/pes.md.

``parse_acquit`` is a pure function of the bytes; ``parse_files`` applies it to the
acquits the read stage found (``pes_retour.find``, which reads each XML file once).
One row per element acknowledged, and one more per error it carries (dossier technique
v5.19, Acquittement).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from lxml import etree

from ..core.anomalies import ERROR, WARNING, Anomaly, InputError, file_problem
from .reader import InputFile
from .xmlsafe import parse
from .xmlsafe import value as _v

ROOT = "PES_ACQUIT"
COLUMNS = ["file", "nom_fic", "dte_str", "domaine", "accepte", "exercice", "bordereau",
           "piece", "ligne", "code", "libelle"]
# DomaineAck (Acquittement_codes): 0 technique, 1 signature technique, 2 signature
# globale, 3 signature bordereau, 4 PJ, 5 dépense, 6 recette…
DOMAINS = {"0": "technique", "1": "signature technique", "2": "signature globale",
           "3": "signature du bordereau", "4": "pièce jointe", "5": "dépense",
           "6": "recette", "7": "rôle", "8": "budget", "9": "état de l'actif",
           "10": "état du passif", "11": "marché", "12": "facture", "99": "paramétrage"}
WHOLE_FLOW = ("0", "1", "2")  # a rejection there rejects every bordereau of the flow
BY_BORDEREAU = ("3", "6")  # bordereau signature, recette: a rejection there is of one bordereau
STEM = "pes_acquit"


def parse_files(files: Sequence[InputFile]) -> tuple[pd.DataFrame, list[Anomaly]]:
    """``parse_acquit`` on each acquit the read stage took (``pes_retour.find`` reads
    every XML file of the inputs folder once and hands the acquits over)."""
    frames: list[pd.DataFrame] = []
    problems: list[Anomaly] = []
    for source in files:
        frame, found = parse_acquit(source.name, source.data)
        frames.append(frame)
        problems += found
    return (pd.concat(frames, ignore_index=True) if frames else empty()), problems


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def parse_acquit(name: str, data: bytes) -> tuple[pd.DataFrame, list[Anomaly]]:
    """The acquit ``data``: one row per ElementACQUIT and per error below it."""
    try:
        root = parse(name, data)
    except InputError as error:
        return empty(), [error.anomaly]
    acquit = root.find("ACQUIT")
    if root.tag != ROOT or acquit is None:
        return empty(), [file_problem(name, "acquit-illisible", severity=ERROR, detail=(
            f"acquit illisible : racine « {root.tag} », {ROOT} avec un bloc ACQUIT attendu"))]
    head = {"file": name, "nom_fic": _v(root.find("Enveloppe/Parametres/NomFic")),
            "dte_str": _v(root.find("EnTetePES/DteStr"))}
    rows: list[dict] = []
    for element in acquit.iterfind("ElementACQUIT"):
        state = _v(element.find("EtatAck"))
        base = {**head, "domaine": _v(element.find("DomaineAck")),
                "accepte": state in ("1", "true"),
                "exercice": _v(element.find("ExerciceBord")),
                "bordereau": _v(element.find("NumBord")), "piece": "", "ligne": "",
                "code": "", "libelle": ""}
        rows.append(base)
        rows += [{**base, **_error(e)} for e in element.iterfind("Erreur")]
        for piece in element.iterfind("DetailPiece"):
            number = _v(piece.find("NumPiece"))
            rows += [{**base, "piece": number, **_error(e)} for e in piece.iterfind("Erreur")]
            for line in piece.iterfind("DetailLigne"):
                rows += [{**base, "piece": number, "ligne": _v(line.find("NumLigne")),
                          **_error(e)} for e in line.iterfind("Erreur")]
    problems: list[Anomaly] = []
    if not rows:
        problems.append(file_problem(name, "acquit-illisible", severity=WARNING,
                                     detail="acquit sans élément (ElementACQUIT)"))
    return pd.DataFrame(rows, columns=COLUMNS), problems


def _error(element: etree._Element) -> dict[str, str]:
    return {"code": _v(element.find("NumAnoAck")), "libelle": _v(element.find("LibelleAnoAck"))}
