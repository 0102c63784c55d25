"""The rejection rules of the dossier technique PES V2 (v5.19) that bear on what our PES
Aller writes, as a table: each rule, where the dossier states it, and its check.

The vendored XSD (2.1.a, 2011) accepts files that a real Hélios reception rejects whole
(no Emetteur, no debtor address, a réduction typed as an ordinary titre…): these checks
hold the dossier's rules against our own output, at every run (a file that breaks one
is not written) and in ``tests/test_pes_rules.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from lxml import etree
from stdnum import luhn

Element: TypeAlias = etree._Element


@dataclass(frozen=True)
class Rule:
    code: str
    rule: str  # the dossier's rule, in its words (French)
    where: str  # dossier file and block that state it
    check: Callable[[Element, dt.date], Iterator[str]]  # yields each breach found


def _v(parent: Element | None, path: str) -> str | None:
    element = None if parent is None else parent.find(path)
    return None if element is None else element.get("V")


def _bordereaux(root: Element) -> list[Element]:
    return list(root.iterfind("PES_RecetteAller/Bordereau"))


def _lines(root: Element) -> Iterator[tuple[Element, Element, Element]]:
    for bordereau in _bordereaux(root):
        for piece in bordereau.iterfind("Piece"):
            for ligne in piece.iterfind("LigneDePiece"):
                yield bordereau, piece, ligne


def _where(bordereau: Element, piece: Element | None = None) -> str:
    text = f"bordereau {_v(bordereau, 'BlocBordereau/IdBord')}"
    return text if piece is None else f"{text}, titre {_v(piece, 'BlocPiece/IdPce')}"


def _amount(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text is not None else None
    except InvalidOperation:
        return None


def _date(text: str | None) -> dt.date | None:
    """A Base_Date (``AAAA-MM-JJ``; ``fromisoformat`` alone would take ``20261130``)."""
    try:
        return dt.date.fromisoformat(text) if text and DAY.fullmatch(text) else None
    except ValueError:
        return None


# -- the checks -------------------------------------------------------------------------


def _emitter(root: Element, today: dt.date) -> Iterator[str]:
    emitter = root.find("Enveloppe/Emetteur")
    if emitter is None or not _v(emitter, "Sigle") or not _v(emitter, "Adresse"):
        yield "Enveloppe/Emetteur (Sigle, Adresse) absent"
    elif len(_v(emitter, "Sigle") or "") > 32 or len(_v(emitter, "Adresse") or "") > 38:
        yield "Emetteur : Sigle de plus de 32 caractères ou Adresse de plus de 38"


def _file(root: Element, today: dt.date) -> Iterator[str]:
    kind, name = _v(root, "Enveloppe/Parametres/TypFic"), _v(root, "Enveloppe/Parametres/NomFic")
    if not (kind or "").strip() or len(kind or "") > 32:
        yield f"Parametres/TypFic « {kind} »"
    if not (name or "").strip() or len(name or "") > 100:
        yield f"Parametres/NomFic « {name} »"


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # Base_Date: AAAA-MM-JJ, nothing else


def _version(root: Element, today: dt.date) -> Iterator[str]:
    if _v(root, "Enveloppe/Parametres/Version") != "2":
        yield "Parametres/Version différent de 2"
    if _v(root, "PES_RecetteAller/EnTeteRecette/IdVer") != "2":
        yield "EnTeteRecette/IdVer différent de 2"


def _header(pattern: str, name: str) -> Callable[[Element, dt.date], Iterator[str]]:
    def check(root: Element, today: dt.date) -> Iterator[str]:
        value = _v(root, f"EnTetePES/{name}") or ""
        if not re.fullmatch(pattern, value):
            yield f"EnTetePES/{name} « {value} »"
    return check


def _structure_date(root: Element, today: dt.date) -> Iterator[str]:
    day = _date(_v(root, "EnTetePES/DteStr"))
    if day != today:
        yield f"DteStr {_v(root, 'EnTetePES/DteStr')} au lieu du jour d'écriture {today}"


def _bordereau_numbers(root: Element, today: dt.date) -> Iterator[str]:
    seen: dict[tuple[str | None, str | None], list[int]] = {}
    for bordereau in _bordereaux(root):
        number = _v(bordereau, "BlocBordereau/IdBord") or ""
        if not re.fullmatch(r"[0-9]{1,7}", number) or int(number) == 0:
            yield f"IdBord « {number} »"
            continue
        key = (_v(bordereau, "BlocBordereau/Exer"), _v(bordereau, "BlocBordereau/TypBord"))
        seen.setdefault(key, []).append(int(number))
    for (exer, kind), numbers in seen.items():
        if sorted(numbers) != list(range(min(numbers), min(numbers) + len(numbers))):
            yield f"IdBord {numbers} non séquentiels pour le type {kind} de {exer}"


def _bordereau_type(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau in _bordereaux(root):
        if _v(bordereau, "BlocBordereau/TypBord") not in ("01", "02", "03", "06"):
            yield f"{_where(bordereau)} : TypBord {_v(bordereau, 'BlocBordereau/TypBord')}"


def _bordereau_totals(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau in _bordereaux(root):
        pieces = list(bordereau.iterfind("Piece"))
        count = _v(bordereau, "BlocBordereau/NbrPce")
        if not pieces or count != str(len(pieces)):
            yield f"{_where(bordereau)} : NbrPce {count} pour {len(pieces)} pièce(s)"
        total = _amount(_v(bordereau, "BlocBordereau/MtBordHt"))
        lines = sum(_amount(_v(li, "BlocLignePiece/InfoLignePiece/MtHT")) or 0
                    for li in bordereau.iterfind("Piece/LigneDePiece"))
        if total is None or total <= 0 or total != lines:
            yield f"{_where(bordereau)} : MtBordHt {total} (somme des lignes {lines})"


def _bordereau_date(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau in _bordereaux(root):
        day = _date(_v(bordereau, "BlocBordereau/DteBordEm"))
        if day is None or day > today:
            yield f"{_where(bordereau)} : DteBordEm {_v(bordereau, 'BlocBordereau/DteBordEm')}"


def _bordereau_ids(root: Element, today: dt.date) -> Iterator[str]:
    ids = [b.get("Id") for b in _bordereaux(root)]
    if None in ids or len(set(ids)) != len(ids):
        yield f"Bordereau@Id absent ou en double : {ids}"


def _piece_numbers(root: Element, today: dt.date) -> Iterator[str]:
    numbers: Counter[tuple[str | None, str | None]] = Counter()
    for bordereau in _bordereaux(root):
        for piece in bordereau.iterfind("Piece"):
            number = _v(piece, "BlocPiece/IdPce") or ""
            if not re.fullmatch(r"[0-9]{1,8}", number) or int(number) == 0:
                yield f"{_where(bordereau)} : IdPce « {number} »"
            numbers[(_v(bordereau, "BlocBordereau/Exer"), number)] += 1
    yield from (f"IdPce {n} de {e} en double" for (e, n), c in numbers.items() if c > 1)


# Annexe 2 (recette): TypPce → NatPce → the bordereau types that may carry the triplet.
ANNEX_2: dict[str, dict[str, set[str]]] = {
    "01": {"01": {"01"}, "02": {"01"}, "03": {"01"}, "04": {"01"}, "05": {"01"},
           "18": {"01"}, "11": {"01"}},
    "02": {"06": {"02"}, "07": {"01"}, "08": {"01"}, "09": {"01"}, "10": {"02"}},
    "03": {"01": {"01"}, "02": {"01"}, "03": {"01"}, "04": {"01"}, "18": {"01"}},
    "04": {"01": {"01"}, "02": {"01"}, "03": {"01"}, "04": {"01"}, "06": {"02"}},
    "05": {"01": {"01"}, "02": {"01"}, "03": {"01"}, "04": {"01"}, "05": {"01"}},
    "06": {"01": {"01"}, "06": {"02"}},
    "07": {"01": {"01"}},
    "10": {"01": {"01"}, "02": {"01"}},
    "11": {"01": {"01"}, "02": {"01"}, "04": {"01"}},
    "12": {"01": {"03"}, "02": {"03"}, "11": {"03"}},
    "14": {"01": {"01"}, "06": {"02"}},
    "15": {"01": {"06"}},
}


def _triplet(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau in _bordereaux(root):
        kind = _v(bordereau, "BlocBordereau/TypBord")
        for piece in bordereau.iterfind("Piece"):
            typ, nat = _v(piece, "BlocPiece/TypPce"), _v(piece, "BlocPiece/NatPce")
            if kind not in ANNEX_2.get(typ or "", {}).get(nat or "", set()):
                yield f"{_where(bordereau, piece)} : TypBord {kind}, TypPce {typ}, NatPce {nat}"


def _line_fields(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau, piece, ligne in _lines(root):
        info = ligne.find("BlocLignePiece/InfoLignePiece")
        number = _v(info, "IdLigne") or ""
        if not re.fullmatch(r"[0-9]{1,6}", number) or int(number) < 1:
            yield f"{_where(bordereau, piece)} : IdLigne « {number} »"
        if not re.fullmatch(r"[0-9A-Za-z]{1,4}", _v(info, "CodProdLoc") or ""):
            yield f"{_where(bordereau, piece)} : CodProdLoc « {_v(info, 'CodProdLoc')} »"
        if not re.fullmatch(r"[0-9]{1,12}", _v(info, "Nature") or ""):
            yield f"{_where(bordereau, piece)} : Nature « {_v(info, 'Nature')} »"
        amount = _amount(_v(info, "MtHT"))
        if amount is None or amount <= 0:
            yield f"{_where(bordereau, piece)} : MtHT « {_v(info, 'MtHT')} »"
        if _v(info, "TvaIntraCom") not in ("0", "1"):
            yield f"{_where(bordereau, piece)} : TvaIntraCom « {_v(info, 'TvaIntraCom')} »"


def _majoration(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau, piece, ligne in _lines(root):
        info = ligne.find("BlocLignePiece/InfoLignePiece")
        majo = _v(info, "Majo")
        if majo not in ("0", "1") or (majo == "0" and (info.find("DteMajo") is not None
                                                        or info.find("TxMajo") is not None)):
            yield f"{_where(bordereau, piece)} : Majo « {majo} »"
        if majo == "1" and _v(ligne, "BlocLignePiece/RattachPiece/NatPceOrig") != "05":
            yield f"{_where(bordereau, piece)} : Majo 1 sans RattachPiece NatPceOrig 05"


def _link(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau, piece, ligne in _lines(root):
        corrective = (_v(bordereau, "BlocBordereau/TypBord"), _v(piece, "BlocPiece/TypPce"),
                      _v(piece, "BlocPiece/NatPce")) == ("02", "02", "06")
        link = ligne.find("BlocLignePiece/RattachPiece")
        if not corrective:
            continue
        if link is None:
            yield f"{_where(bordereau, piece)} : titre correctif sans RattachPiece"
            continue
        if _v(link, "NatPceOrig") not in ("01", "02"):
            yield f"{_where(bordereau, piece)} : NatPceOrig « {_v(link, 'NatPceOrig')} »"
        if _v(link, "ExerRat") != _v(bordereau, "BlocBordereau/Exer"):
            yield f"{_where(bordereau, piece)} : ExerRat {_v(link, 'ExerRat')} ≠ Exer"
        if not re.fullmatch(r"[0-9]{1,13}", _v(link, "IdPceOrig") or ""):
            yield f"{_where(bordereau, piece)} : IdPceOrig « {_v(link, 'IdPceOrig')} »"
        line = _v(link, "IdLigneOrig") or ""
        if not re.fullmatch(r"[0-9]{1,6}", line) or int(line) < 1:
            yield f"{_where(bordereau, piece)} : IdLigneOrig « {line} »"


# Annexe 3: CatTiers → the NatJur it may go with.
ANNEX_3: dict[str, set[str]] = {
    "01": {"01", "02"}, "20": {"07", "08"}, "21": {"09"}, "22": {"09"}, "23": {"09"},
    "24": {"09"}, "25": {"09"}, "26": {"09"}, "27": {"09"}, "28": {"08"}, "29": {"10"},
    "74": {"04"}, "50": {"03", "06"}, "60": {"04"}, "61": {"04"}, "62": {"04"},
    "63": {"04", "11"}, "64": {"04"}, "65": {"04", "05"}, "70": {"05"}, "71": {"05"},
    "72": {"04"}, "73": {"05"},
}


def _debtors(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau, piece, ligne in _lines(root):
        tiers = list(ligne.iterfind("Tiers"))
        if not tiers:
            yield f"{_where(bordereau, piece)} : ligne sans débiteur (Tiers)"
        for one in tiers:
            info = one.find("InfoTiers")
            category, nature = _v(info, "CatTiers"), _v(info, "NatJur")
            if nature not in ANNEX_3.get(category or "", set()):
                yield f"{_where(bordereau, piece)} : CatTiers {category} avec NatJur {nature}"
            if not (_v(info, "Nom") or "").strip() or len(_v(info, "Nom") or "") > 38:
                yield f"{_where(bordereau, piece)} : Nom « {_v(info, 'Nom')} »"
            if category == "01" and not (_v(info, "Civilite") and _v(info, "Prenom")):
                yield f"{_where(bordereau, piece)} : personne physique sans Civilite ni Prenom"
            if _v(info, "TypTiers") == "05":
                yield f"{_where(bordereau, piece)} : TypTiers 05 (réservé aux hôpitaux)"


NAT_ID_TIERS = {f"{n:02d}" for n in range(1, 13)}  # TNatIdTiers: 01 SIRET … 12 NFP


def _debtor_ids(root: Element, today: dt.date) -> Iterator[str]:
    sizes = {"01": 14, "02": 9}
    for bordereau, piece, ligne in _lines(root):
        for info in ligne.iterfind("Tiers/InfoTiers"):
            ident, nature = _v(info, "IdTiers"), _v(info, "NatIdTiers")
            if len(_v(info, "RefTiers") or "") > 30:
                yield f"{_where(bordereau, piece)} : RefTiers de plus de 30 caractères"
            if (ident is None) != (nature is None):
                yield f"{_where(bordereau, piece)} : IdTiers sans NatIdTiers ou l'inverse"
            elif nature is not None and nature not in NAT_ID_TIERS:
                yield f"{_where(bordereau, piece)} : NatIdTiers « {nature} »"
            elif nature in sizes and not (len(ident or "") == sizes[nature]
                                          and (ident or "").isdigit()
                                          and luhn.is_valid((ident or "")[:9])):
                yield f"{_where(bordereau, piece)} : IdTiers « {ident} » (NatIdTiers {nature})"


def _address(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau, piece, ligne in _lines(root):
        for one in ligne.iterfind("Tiers"):
            where = one.find("Adresse")
            if where is None:
                yield f"{_where(bordereau, piece)} : débiteur sans Adresse"
                continue
            if _v(where, "TypAdr") not in ("0", "1", "2"):
                yield f"{_where(bordereau, piece)} : TypAdr « {_v(where, 'TypAdr')} »"
            if not (_v(where, "Adr2") or "").strip() or not (_v(where, "Ville") or "").strip():
                yield f"{_where(bordereau, piece)} : adresse sans Adr2 ou sans Ville"
            if not re.fullmatch(r"[0-9]{5}", _v(where, "CP") or ""):
                yield f"{_where(bordereau, piece)} : CP « {_v(where, 'CP')} »"
            resident, country = _v(where, "CodRes"), _v(where, "CodPays")
            if resident not in ("0", "1") or (resident == "1" and country is None) or (
                    resident == "0" and country not in (None, "100")):
                yield f"{_where(bordereau, piece)} : CodRes {resident}, CodPays {country}"
            for name in ("Adr1", "Adr2", "Adr3", "Ville"):
                if len(_v(where, name) or "") > 38:
                    yield f"{_where(bordereau, piece)} : {name} de plus de 38 caractères"


def _objects(root: Element, today: dt.date) -> Iterator[str]:
    for bordereau, piece, ligne in _lines(root):
        for text in (_v(piece, "BlocPiece/ObjPce"),
                     _v(ligne, "BlocLignePiece/InfoLignePiece/ObjLignePce")):
            if text is not None and len(text) > 160:
                yield f"{_where(bordereau, piece)} : objet de plus de 160 caractères"


BLOCS = "PES_RecetteAller_blocs.txt"
HEADER = "DomaineGlobalAller_blocscommuns.txt, TYPE TEnTetePES"
RULES: tuple[Rule, ...] = (
    Rule("emetteur", "Emetteur 1..1 : carte de visite du partenaire émetteur (Sigle, "
         "Base_Texte32 ; Adresse = nom et version de l'application, Base_Texte38)",
         "DomaineGlobalAller_blocscommuns.txt, TYPE TEnveloppe / TCarteVisite", _emitter),
    Rule("fichier", "TypFic (Base_Texte32) et NomFic (Base_Texte100) obligatoires",
         "DomaineGlobalAller_blocscommuns.txt, TYPE TParametres", _file),
    Rule("version", "Version « doit être valorisé à 2 » ; IdVer « Mettre à 2. A défaut "
         "rejet du flux »", f"DomaineGlobalAller_blocscommuns.txt TParametres ; {BLOCS} "
         "EnTeteRecette", _version),
    Rule("idpost", "IdPost : 6 à 7 chiffres ou 02A/02B suivi de 3 à 4 chiffres ; "
         "valorisation erronée = rejet du flux", HEADER,
         _header(r"[0-9]{6,7}|02[AB][0-9]{3,4}", "IdPost")),
    Rule("idcoll", "IdColl : identifiant national SIRET (Base_Num14)", HEADER,
         _header(r"[0-9]{14}", "IdColl")),
    Rule("codcol", "CodCol : code collectivité sur 3 chiffres (Base_CodeCol3)", HEADER,
         _header(r"[0-9]{3}", "CodCol")),
    Rule("codbud", "CodBud : code budget (Base_CodeBud2)", HEADER,
         _header(r"[0-9A-Z][0-9]", "CodBud")),
    Rule("dtestr", "DteStr : date d'émission de la structure (le jour d'écriture)",
         HEADER, _structure_date),
    Rule("idbord", "IdBord unique par exercice et par type de bordereau ; contrôle de "
         "séquentialité", f"{BLOCS}, TYPE TBlocBordereau", _bordereau_numbers),
    Rule("typbord", "TypBord : seules les valeurs 01, 02, 03, 06 sont possibles",
         f"{BLOCS}, TYPE TBlocBordereau", _bordereau_type),
    Rule("totaux", "NbrPce ≥ 1 ; MtBordHt > 0,00 (somme des lignes) sinon rejet du flux",
         f"{BLOCS}, TYPE TBlocBordereau", _bordereau_totals),
    Rule("dtebordem", "DteBordEm obligatoire, au format date, sinon rejet du flux (jamais "
         "postérieure au jour d'écriture)", f"{BLOCS}, TYPE TBlocBordereau", _bordereau_date),
    Rule("bordereau-id", "Attribut Id du bordereau : unique dans le fichier XML",
         f"{BLOCS}, TYPE TBordereau", _bordereau_ids),
    Rule("idpce", "IdPce (Base_Num8) strictement supérieur à 0, sinon rejet du flux",
         f"{BLOCS}, TYPE TBlocPiece", _piece_numbers),
    Rule("triplet", "TypBord / TypPce / NatPce conforme à la grille triplet de recette, "
         "sinon rejet du bordereau", f"Annexes.txt, Annexe 2 ; {BLOCS} TYPE TBlocPiece",
         _triplet),
    Rule("ligne", "IdLigne ≥ 1 ; CodProdLoc (Base_Alphanum4) ; Nature (Base_Num12) ; "
         "MtHT ni vide ni 0,00, sinon rejet du bordereau ; TvaIntraCom 1..1 (0 ou 1)",
         f"{BLOCS}, TYPE TInfoLignePiece",
         _line_fields),
    Rule("majo", "Majo 0 ou 1 ; à 0, ni DteMajo ni TxMajo ; à 1, RattachPiece NatPceOrig 05",
         f"{BLOCS}, TYPE TInfoLignePiece", _majoration),
    Rule("rattachement", "02 02 06 : RattachPiece complet et obligatoire, NatPceOrig 01 ou "
         "02, ExerRat = Exer du flux, IdLigneOrig ≥ 1", f"{BLOCS}, TYPE TRattachPiece",
         _link),
    Rule("cattiers-natjur", "CatTiers et NatJur : seules les associations de la grille "
         "sont autorisées, sinon rejet du bordereau ; Civilite et Prenom pour CatTiers 01 ; "
         "Nom obligatoire", f"Annexes.txt, Annexe 3 ; {BLOCS} TYPE TInfoTiersRecette",
         _debtors),
    Rule("idtiers", "IdTiers seulement avec NatIdTiers ; NatIdTiers de 01 à 12, toute "
         "autre valeur rejet du bordereau ; SIREN 9, SIRET 14 chiffres, clé valide, sinon "
         "rejet du bordereau ; RefTiers (Base_Texte30)", f"{BLOCS}, TYPE TInfoTiersRecette",
         _debtor_ids),
    Rule("adresse", "Tiers/Adresse 1..1 : TypAdr, Adr2, CP numérique sur 5 caractères, "
         "Ville, CodRes (0 : CodPays absent ou 100), sinon rejet du bordereau",
         f"{BLOCS} TYPE TTiers ; DomaineGlobalAller_blocscommuns.txt TYPE TAdresse",
         _address),
    Rule("objet", "ObjPce, ObjLignePce : Base_Texte160", f"{BLOCS}, TYPE TBlocPiece / "
         "TInfoLignePiece", _objects),
)


def breaches(data: bytes, today: dt.date) -> list[tuple[Rule, str]]:
    """Every (rule, breach) the PES Aller ``data`` commits."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    return [(rule, found) for rule in RULES for found in rule.check(root, today)]


def broken_rules(data: bytes, today: dt.date) -> list[str]:
    """The breaches in words, for the officer (empty: the file follows the dossier)."""
    return [f"{found} ({rule.where})" for rule, found in breaches(data, today)]
