"""The titres to issue as a PES Aller recette (``PESALR2``), ready for the finance suite.
See spécification §4.16.

One ordinary bordereau (TypBord 01): one Piece per member, one LigneDePiece per fee type
and consultation. Réductions and annulations go in a bordereau TypBord 02, each line
linked to its original titre (RattachPiece). Numbers start at the parameters
``prochain_bordereau`` / ``prochain_titre``. The file is checked against the vendored
PES V2 2.1.a schema before it is written; the same proposal gives the same bytes
(no clock, sorted input, fixed serialisation, ISO-8859-1 as in the field).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree

from .issuance import OBJECT_SIZE
from .model import Period
from .numbering import TYPES, Numbering
from .parameters import Parameters
from .statements import statement_name
from .wording import euros

NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
XSD = Path(__file__).parent / "xsd" / "pes-aller-2.1.a" / "PES_V2" / "Rev0" / "PES_Aller.xsd"
XSD_VERSION = "PES V2 2.1.a (PES_Aller.xsd, DGFiP)"
# Member category → CatTiers (23 communes, 24 groupements, 25 caisses des écoles,
# 26 CCAS, 29 autres organismes publics).
CAT_TIERS = {"commune": "23", "epci": "24", "syndicat": "24", "caisse_des_ecoles": "25",
             "ccas": "26", "etablissement_public": "29", "autre": "29"}
LATIN1 = str.maketrans({"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"',
                        "…": "...", "œ": "oe", "Œ": "OE", "€": "EUR", "\u202f": " ",
                        "\u00a0": " "})


@dataclass
class Aller:
    data: bytes
    pieces: int
    lines: int
    skipped: list[str]  # reductions that cannot be linked to a numeric titre
    next_bordereau: int
    next_titre: int


def file_name(month: str) -> str:
    return f"PESALR2_{month}.xml"


def build(lines: pd.DataFrame, parameters: Parameters, period: Period, month: str,
          numbering: Numbering | None = None) -> Aller:
    """The PES Aller of ``lines`` (the proposal to issue, signed cents), numbered from
    ``numbering`` (``numbering.next_numbers``: after every number already used, IdBord
    per bordereau type), else from the parameters alone."""
    name = file_name(month)
    root = etree.Element(f"{{{NAMESPACE}}}PES_Aller", nsmap={"n": NAMESPACE})
    envelope = etree.SubElement(root, "Enveloppe")
    settings = etree.SubElement(envelope, "Parametres")
    _v(settings, "Version", "2")
    _v(settings, "TypFic", "PESALR2")
    _v(settings, "NomFic", name)
    header = etree.SubElement(root, "EnTetePES")
    day = period.as_of.strftime("%Y-%m-%d")
    _v(header, "DteStr", day)
    _v(header, "IdPost", parameters["id_poste"])
    _v(header, "IdColl", parameters["siret_coordonnateur"])
    _v(header, "CodCol", parameters["code_collectivite"])
    _v(header, "CodBud", parameters["code_budget"])
    recette = etree.SubElement(root, "PES_RecetteAller")
    _v(etree.SubElement(recette, "EnTeteRecette"), "IdVer", "2")
    if numbering is None:
        numbering = Numbering(period.year, dict.fromkeys(
            TYPES, int(parameters["prochain_bordereau"])), int(parameters["prochain_titre"]))
    bordereaux, titre = dict(numbering.bordereau), numbering.titre
    records: list[Any] = list(lines.sort_values("siren", kind="stable").itertuples(index=False))
    linkable, skipped = [], []
    for r in (r for r in records if r.montant < 0):
        if re.fullmatch(r"[0-9]{1,13}", str(r.origine)):
            linkable.append(r)
        else:
            skipped.append(f"{r.siren} : {r.nature} de {euros(-int(r.montant))} (titre "
                           f"d'origine « {r.origine or 'aucun'} » non numérique)")
    pieces = count = 0
    for kind, part in (("01", [r for r in records if r.montant > 0]), ("02", linkable)):
        if not part:
            continue
        members = [list(group) for _, group in itertools.groupby(part, lambda r: r.siren)]
        block = etree.SubElement(recette, "Bordereau")
        bloc = etree.SubElement(block, "BlocBordereau")
        _v(bloc, "Exer", str(period.year))
        _v(bloc, "IdBord", str(bordereaux[kind]))
        _v(bloc, "DteBordEm", day)
        _v(bloc, "TypBord", kind)
        _v(bloc, "NbrPce", str(len(members)))
        _v(bloc, "MtBordHt", _amount(sum(abs(int(r.montant)) for r in part)))
        for of_member in members:
            first = of_member[0]
            piece = etree.SubElement(block, "Piece")
            bp = etree.SubElement(piece, "BlocPiece")
            _v(bp, "IdPce", str(titre))
            _v(bp, "TypPce", "01")
            _v(bp, "NatPce", "01" if kind == "01" else "06")
            _v(bp, "ObjPce", _text(
                f"Groupement dématérialisation {period.year} - {first.membre} - bases de "
                f"liquidation : relevé {statement_name(first.siren)}"))
            for number, line in enumerate(of_member, start=1):
                _line(piece, line, number, parameters, period.year)
            titre += 1
            pieces += 1
            count += len(of_member)
        bordereaux[kind] += 1
    document = etree.ElementTree(root)
    data = etree.tostring(document, xml_declaration=True, encoding="ISO-8859-1",
                          pretty_print=True)
    return Aller(data, pieces, count, skipped, max(bordereaux.values()), titre)


def _line(piece: etree._Element, line: Any, number: int, parameters: Parameters, year: int
          ) -> None:
    ligne = etree.SubElement(piece, "LigneDePiece")
    bloc = etree.SubElement(ligne, "BlocLignePiece")
    info = etree.SubElement(bloc, "InfoLignePiece")
    _v(info, "IdLigne", str(number))
    _v(info, "ObjLignePce", _text(line.objet))
    _v(info, "CodProdLoc", parameters[f"code_produit_type_{line.type_frais}"])
    _v(info, "Nature", parameters[f"nature_type_{line.type_frais}"])
    _v(info, "Majo", "0")
    _v(info, "TvaIntraCom", "0")
    _v(info, "MtHT", _amount(abs(int(line.montant))))
    if line.montant < 0:
        link = etree.SubElement(bloc, "RattachPiece")
        _v(link, "NatPceOrig", "01")
        _v(link, "ExerRat", str(line.exercice))  # the origin's: titres are per exercise
        _v(link, "IdPceOrig", str(line.origine))
        if str(line.origine_ligne).isdigit():
            _v(link, "IdLigneOrig", str(line.origine_ligne))
    tiers = etree.SubElement(etree.SubElement(ligne, "Tiers"), "InfoTiers")
    _v(tiers, "IdTiers", line.siren)
    _v(tiers, "NatIdTiers", "02")
    _v(tiers, "RefTiers", line.siren)
    _v(tiers, "CatTiers", CAT_TIERS.get(line.categorie, "29"))
    _v(tiers, "NatJur", "09")
    _v(tiers, "TypTiers", "01")
    _v(tiers, "Nom", _text(line.membre or line.siren, 38))


def _v(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, name).set("V", value)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _text(text: str, size: int = OBJECT_SIZE) -> str:
    """Latin-1 text (the encoding of the file), without control characters, cut to
    ``size`` once transliterated (« € » becomes three characters)."""
    kept = unicodedata.normalize("NFC", str(text)).translate(LATIN1)
    if not kept.isprintable():
        kept = "".join(c if c.isprintable() else " " for c in kept)
    kept = kept if len(kept) <= size else kept[: size - 3] + "..."
    return kept.encode("latin-1", "replace").decode("latin-1")


@functools.cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD), parser))


def problems(data: bytes) -> list[str]:
    """What the vendored XSD says about ``data`` (empty: valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    checker = schema()
    if checker.validate(etree.fromstring(data, parser)):
        return []
    return [f"ligne {e.line} : {e.message}" for e in checker.error_log]
