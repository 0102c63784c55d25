"""The titres to issue as a PES Aller recette (``PESALR2``), ready for the finance suite.
See spécification §4.16 and docs/pes.md.

Written to what a real Hélios reception accepts (dossier technique PES V2 v5.19, which
outranks the 2011 XSD where they disagree): ``Enveloppe/Emetteur``; one ordinary
bordereau (TypBord 01, titres ordinaires TypPce 01 / NatPce 01); réductions and
annulations as titres correctifs (TypBord 02, TypPce 02, NatPce 06) each linked to the
original *line* (RattachPiece); ``IdBord`` numbered per bordereau type; every debtor
with its address and a CatTiers/NatJur pair that Annexe 3 allows; ``DteStr`` the day
of writing. The file is still checked against the vendored 2.1.a XSD, and
``tests/test_pes_rules.py`` holds the dossier's rejection rules against it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd
from lxml import etree

import reconcile

from ..compute.issuance import OBJECT_SIZE
from ..compute.numbering import Numbering
from ..core.columns import SIREN
from ..core.model import Period
from ..core.wording import euros, pes_length
from ..read.parameters import Parameters
from ..read.pes_xsd import schema

NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
DOSSIER = "dossier technique PES V2 v5.19 (DGFiP)"
# Enveloppe/Emetteur (mandatory since v5.5): Sigle = the software's publisher (≤ 32),
# Adresse = « name and version of the application » (≤ 38).
EMITTER = ("reconcile", f"reconcile {reconcile.__version__}")
# Member category → (CatTiers, NatJur), only pairs that Annexe 3 allows. NatJur 09
# (collectivité territoriale / EPL / EPS) goes with CatTiers 21–27 only; CatTiers 29
# pairs with NatJur 10 (États étrangers) alone, so a local public establishment is
# filed with the groupements (24, 09); « autre » is a private body (50, association 06).
# The whole of Annexe 3 is pes_rules.ANNEX_3, which checks every file written.
CAT_NAT = {"commune": ("23", "09"), "epci": ("24", "09"), "syndicat": ("24", "09"),
           "caisse_des_ecoles": ("25", "09"), "ccas": ("26", "09"),
           "etablissement_public": ("24", "09"), "autre": ("50", "06")}
# Annexe 2 (recette): (TypBord, TypPce, NatPce) triplets we write, all allowed.
ORDINARY = ("01", "01", "01")  # bordereau de titres, titre ordinaire, fonctionnement
CORRECTIVE = ("02", "02", "06")  # bordereau d'annulation, titre correctif, annul./réduction
LATIN1 = str.maketrans({"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"',
                        "…": "...", "œ": "oe", "Œ": "OE", "€": "EUR", "\u202f": " ",
                        "\u00a0": " "})
ADDRESS_SIZE = 38  # Adr1–Adr3, Ville: Base_Texte38


class Address(NamedTuple):
    """A debtor's postal address, as the `membres` columns give it."""

    street: str  # adresse → Adr2 (numéro et voie), mandatory
    complement: str  # complement_adresse → Adr3 (lieu-dit, complément), optional
    postcode: str  # code_postal → CP, 5 digits
    city: str  # ville → Ville


@dataclass
class Aller:
    data: bytes
    name: str
    pieces: int
    lines: int
    skipped: list[str]  # reductions that cannot be linked to a numeric titre
    next_bordereau: int
    next_titre: int
    next_reduction: int | None = None  # next IdBord of type 02 (None: none written)
    bordereaux: list[tuple[str, int]] = field(default_factory=list)  # (TypBord, IdBord)


def file_name(month: str, first_titre: int | None = None) -> str:
    """``PESALR2_AAAA-MM_T<first IdPce>.xml``: unique per emission, since titre numbers
    never repeat within an exercise (the bare month name is the one of older runs)."""
    return f"PESALR2_{month}.xml" if first_titre is None else \
        f"PESALR2_{month}_T{first_titre}.xml"


def addresses(members: pd.DataFrame) -> dict[str, Address]:
    """Per SIREN, the complete addresses of `membres` (street, postcode, city given)."""
    found: dict[str, Address] = {}
    columns = ("adresse", "complement_adresse", "code_postal", "ville")
    if not set(columns) <= set(members.columns):
        return found
    for siren, *parts in zip(members[SIREN], *(members[c] for c in columns), strict=True):
        street, complement, postcode, city = (
            "" if p is None or (isinstance(p, float) and pd.isna(p)) else str(p).strip()
            for p in parts)
        if street and city and re.fullmatch(r"[0-9]{5}", postcode):
            found[str(siren)] = Address(street, complement, postcode, city)
    return found


def without_address(lines: pd.DataFrame, known: Mapping[str, Address]) -> list[tuple[str, str]]:
    """(SIREN, name) of every debtor of ``lines`` that has no complete address."""
    debtors = lines.drop_duplicates(SIREN).sort_values(SIREN)
    return [(s, str(m or s)) for s, m in zip(debtors[SIREN], debtors["membre"], strict=True)
            if s not in known]


def build(lines: pd.DataFrame, parameters: Parameters, period: Period, month: str,
          today: dt.date, known: Mapping[str, Address], numbering: Numbering | None = None
          ) -> Aller:
    """The PES Aller of ``lines`` (the proposal to issue, signed cents). ``today`` is the
    day of writing (DteStr); every debtor must be in ``known`` (see ``without_address``).
    Numbered from ``numbering`` (``numbering.next_numbers``: after every number already
    used, IdBord per bordereau type), else from the parameters alone."""
    written = min(today, period.as_of.date())  # a bordereau is never dated ahead
    day = written.strftime("%Y-%m-%d")
    if numbering is None:
        numbering = Numbering(period.year, {
            "01": int(parameters["prochain_bordereau"]),
            "02": int(parameters.get("prochain_bordereau_02")
                      or parameters["prochain_bordereau"])}, int(parameters["prochain_titre"]))
    bordereaux = dict(numbering.bordereau)
    first_titre = titre = numbering.titre
    name = file_name(month, first_titre)
    root = etree.Element(f"{{{NAMESPACE}}}PES_Aller", nsmap={"n": NAMESPACE})
    envelope = etree.SubElement(root, "Enveloppe")
    settings = etree.SubElement(envelope, "Parametres")
    _v(settings, "Version", "2")
    _v(settings, "TypFic", "PESALR2")
    _v(settings, "NomFic", name)
    emitter = etree.SubElement(envelope, "Emetteur")
    _v(emitter, "Sigle", EMITTER[0])
    _v(emitter, "Adresse", EMITTER[1])
    header = etree.SubElement(root, "EnTetePES")
    _v(header, "DteStr", today.strftime("%Y-%m-%d"))
    _v(header, "IdPost", parameters["id_poste"])
    _v(header, "IdColl", parameters["siret_coordonnateur"])
    _v(header, "CodCol", parameters["code_collectivite"])
    _v(header, "CodBud", parameters["code_budget"])
    recette = etree.SubElement(root, "PES_RecetteAller")
    _v(etree.SubElement(recette, "EnTeteRecette"), "IdVer", "2")
    records: list[Any] = list(lines.sort_values(SIREN, kind="stable").itertuples(index=False))
    linkable, skipped = [], []
    for r in (r for r in records if r.montant < 0):
        if int(r.exercice) != period.year:  # a closed exercise is corrected by a mandat
            skipped.append(f"{r.siren} : {r.nature} de {euros(-int(r.montant))} sur un titre "
                           f"de l'exercice {int(r.exercice)} (exercice clos : mandat)")
        elif re.fullmatch(r"[0-9]{1,13}", str(r.origine)):
            linkable.append(r)
        else:
            skipped.append(f"{r.siren} : {r.nature} de {euros(-int(r.montant))} (titre "
                           f"d'origine « {r.origine or 'aucun'} » non numérique)")
    pieces = count = 0
    numbered: list[tuple[str, int]] = []
    for (kind, typ_pce, nat_pce), part in ((ORDINARY, [r for r in records if r.montant > 0]),
                                          (CORRECTIVE, linkable)):
        if not part:
            continue
        number = bordereaux[kind]
        numbered.append((kind, number))
        members = [list(group) for _, group in itertools.groupby(part, lambda r: r.siren)]
        block = etree.SubElement(recette, "Bordereau")
        block.set("Id", f"BORD{kind}-{period.year}-{number}")
        bloc = etree.SubElement(block, "BlocBordereau")
        _v(bloc, "Exer", str(period.year))
        _v(bloc, "IdBord", str(number))
        _v(bloc, "DteBordEm", day)
        _v(bloc, "TypBord", kind)
        _v(bloc, "NbrPce", str(len(members)))
        _v(bloc, "MtBordHt", _amount(sum(abs(int(r.montant)) for r in part)))
        for of_member in members:
            first = of_member[0]
            piece = etree.SubElement(block, "Piece")
            bp = etree.SubElement(piece, "BlocPiece")
            _v(bp, "IdPce", str(titre))
            _v(bp, "TypPce", typ_pce)
            _v(bp, "NatPce", nat_pce)
            _v(bp, "ObjPce", _text(piece_object(
                period.year, str(first.membre), {str(r.nature) for r in of_member}
                if kind == CORRECTIVE[0] else set())))
            for line_number, line in enumerate(of_member, start=1):
                _line(piece, line, line_number, parameters, known[str(line.siren)])
            titre += 1
            pieces += 1
            count += len(of_member)
        bordereaux[kind] += 1
    document = etree.ElementTree(root)
    data = etree.tostring(document, xml_declaration=True, encoding="ISO-8859-1",
                          pretty_print=True)
    return Aller(data, name, pieces, count, skipped, bordereaux["01"], titre,
                 bordereaux["02"], numbered)


def _line(piece: etree._Element, line: Any, number: int, parameters: Parameters,
          address: Address) -> None:
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
    if line.montant < 0:  # 02 02 06: NatPceOrig 01, ExerRat = Exer, IdLigneOrig ≥ 1
        link = etree.SubElement(bloc, "RattachPiece")
        _v(link, "NatPceOrig", "01")
        _v(link, "ExerRat", str(int(line.exercice)))
        _v(link, "IdPceOrig", str(line.origine))
        # A titre typed in titres.xlsx is one row, so one line: its line is 1.
        origin_line = str(line.origine_ligne)
        _v(link, "IdLigneOrig", origin_line if origin_line.isdigit() and int(origin_line) > 0
           else "1")
    tiers = etree.SubElement(ligne, "Tiers")
    info_tiers = etree.SubElement(tiers, "InfoTiers")
    category, nature = CAT_NAT.get(line.categorie, CAT_NAT["autre"])
    _v(info_tiers, "IdTiers", line.siren)
    _v(info_tiers, "NatIdTiers", "02")
    _v(info_tiers, "RefTiers", line.siren)
    _v(info_tiers, "CatTiers", category)
    _v(info_tiers, "NatJur", nature)
    _v(info_tiers, "TypTiers", "01")
    _v(info_tiers, "Nom", _text(line.membre or line.siren, 38))
    where = etree.SubElement(tiers, "Adresse")
    _v(where, "TypAdr", "0")  # « non précisé »: Hélios keeps a principal one it knows
    _v(where, "Adr2", _text(address.street, ADDRESS_SIZE))
    if address.complement:
        _v(where, "Adr3", _text(address.complement, ADDRESS_SIZE))
    _v(where, "CP", address.postcode)
    _v(where, "Ville", _text(address.city, ADDRESS_SIZE))
    _v(where, "CodRes", "0")


def _v(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, name).set("V", value)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def piece_object(year: int, member: str, corrections: set[str],
                 size: int = OBJECT_SIZE) -> str:
    """The titre's object, read by the member on the avis des sommes à payer: what it
    bills (or that it reduces or cancels earlier titres), the exercise, the member, and
    the statement that gives the bases of liquidation; no file name. A member's name too
    long for ``size`` is shortened before a word, never inside one."""
    if corrections:
        what = (" et ".join(n for n in sorted(corrections) if n in CORRECTION_WORDS)
                or "réduction").capitalize()
        lead = f"{what} de titre - frais du groupement de commandes {year}"
    else:
        lead = f"Frais du groupement de commandes {year}"
    tail = f"détail au relevé de compte {year}"
    words = member.split()
    name = " ".join(words)
    while words and pes_length(f"{lead} - {name} - {tail}") > size:
        words.pop()
        name = " ".join(words) + "…" if words else ""
    return " - ".join(p for p in (lead, name, tail) if p)


CORRECTION_WORDS = ("réduction", "annulation")


def _text(text: str, size: int = OBJECT_SIZE) -> str:
    """Latin-1 text (the encoding of the file), without control characters, cut to
    ``size`` once transliterated (« € » becomes three characters)."""
    kept = unicodedata.normalize("NFC", str(text)).translate(LATIN1)
    if not kept.isprintable():
        kept = "".join(c if c.isprintable() else " " for c in kept)
    kept = kept if len(kept) <= size else kept[: size - 3] + "..."
    return kept.encode("latin-1", "replace").decode("latin-1")


def problems(data: bytes) -> list[str]:
    """What the vendored XSD says about ``data`` (empty: valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    checker = schema()
    if checker.validate(etree.fromstring(data, parser)):
        return []
    return [f"ligne {e.line} : {e.message}" for e in checker.error_log]
