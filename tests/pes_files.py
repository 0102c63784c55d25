"""PES V2 files for the tests: PES Retour recette built from plain records (or from the
PES Aller we wrote, as Hélios would answer it), validated against the vendored 2.0 XSD.

A record is one titre (Piece): {"exer", "bord", "pce", "etat", "rej", "lines": [...]},
each line {"ligne", "objet", "code", "mt", "tiers": (nature, id), "recos": [(date, mt)],
"tot"}. Amounts are strings as in the file (``"150.00"``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lxml import etree

RETOUR = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour"
XSD = (Path(__file__).parent / "fixtures" / "pes" / "xsd-retour-2.0" / "PES_V2" / "Rev0"
       / "PES_V2_RecetteRetour_Autonome.xsd")
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _v(parent, name: str, value) -> etree._Element:
    element = etree.SubElement(parent, name)
    element.set("V", str(value))
    return element


def _retour_head(version: str, kind: str, day: str, header: dict | None,
                 entete: dict[str, str]) -> tuple[etree._Element, etree._Element]:
    """A PES_Retour's envelope, EnTetePES (``header`` over the defaults) and its
    PES_RecetteRetour with the EnTeteRecette ``entete``: the root and the recette."""
    values = {"IdPost": "078000", "IdColl": "20004000000012", "CodCol": "123",
              "CodBud": "01", **(header or {})}
    root = etree.Element(f"{{{RETOUR}}}PES_Retour", nsmap={"n": RETOUR})
    params = etree.SubElement(etree.SubElement(root, "Enveloppe"), "Parametres")
    _v(params, "Version", version)
    _v(params, "TypFic", kind)
    _v(params, "NomFic", f"{kind}_{day}.xml")
    head = etree.SubElement(root, "EnTetePES")
    _v(head, "DteStr", day)
    for name in ("IdPost", "IdColl", "CodCol", "CodBud"):
        _v(head, name, values[name])
    recette = etree.SubElement(root, "PES_RecetteRetour")
    block = etree.SubElement(recette, "EnTeteRecette")
    for name, value in entete.items():
        _v(block, name, value)
    return root, recette


def retour(pieces: list[dict], day: str = "2026-11-30", encoding: str = "UTF-8",
           header: dict[str, str] | None = None) -> bytes:
    """``header``: the budget's EnTetePES values (IdPost, IdColl, CodCol, CodBud)."""
    root, recette = _retour_head("2", "PERET2", day, header, {"IdVer": "2", "NatInf": "2"})
    bordereaux: dict[tuple, list[dict]] = {}
    for piece in pieces:
        key = (piece.get("exer", 2026), piece.get("bord", 1), piece.get("typbord", "01"))
        bordereaux.setdefault(key, []).append(piece)
    for (exer, bord, typbord), of_bord in bordereaux.items():
        block = etree.SubElement(recette, "Bordereau")
        bloc = etree.SubElement(block, "BlocBordereau")
        _v(bloc, "Exer", exer)
        _v(bloc, "IdBord", bord)
        _v(bloc, "DteBordEm", piece_date(of_bord))
        _v(bloc, "TypBord", typbord)
        _v(bloc, "NbrPce", len(of_bord))
        total = sum(Decimal(line["mt"].replace(",", ".")) for p in of_bord
                    for line in p["lines"])
        _v(bloc, "MtBordHt", f"{total:.2f}")
        for piece in of_bord:
            element = etree.SubElement(block, "Piece")
            bp = etree.SubElement(element, "BlocPiece")
            _v(bp, "IdPce", piece["pce"])
            _v(bp, "TypPce", "01")
            _v(bp, "NatPce", piece.get("natpce", "01"))
            if piece.get("objet"):
                _v(bp, "ObjPce", piece["objet"])
            _v(bp, "EtatPce", piece.get("etat", "02"))
            if piece.get("etat") == "04":
                _v(bp, "DtePceRej", "2026-11-20")
                _v(bp, "CodInst-Rej", piece.get("rej", "05"))
            else:
                _v(bp, "DtePcePec", "2026-11-10")
            for line in piece["lines"]:
                _line(element, line)
    return etree.tostring(etree.ElementTree(root), xml_declaration=True, encoding=encoding,
                          pretty_print=True)


def piece_date(pieces: list[dict]) -> str:
    return pieces[0].get("date", "2026-11-05")


def _line(piece, line: dict) -> None:
    ligne = etree.SubElement(piece, "LigneDePiece")
    bloc = etree.SubElement(ligne, "BlocLignePiece")
    info = etree.SubElement(bloc, "InfoLignePiece")
    _v(info, "IdLigne", line.get("ligne", 1))
    if line.get("objet"):
        _v(info, "ObjLignePce", line["objet"])
    if line.get("code"):
        _v(info, "CodProdLoc", line["code"])
    _v(info, "Nature", "70878")
    _v(info, "MtHT", line["mt"])
    recos = line.get("recos", [])
    if recos or line.get("tot"):
        reco = etree.SubElement(bloc, "InfoRecouvrement")
        _v(reco, "NbrReco", len(recos))
        _v(reco, "MtRecoTot", line.get("tot") or f"{sum(float(m) for _, m in recos):.2f}")
    if line.get("tiers"):
        nature, ident = line["tiers"]
        tiers = etree.SubElement(etree.SubElement(ligne, "Tiers"), "InfoTiers")
        _v(tiers, "IdTiers", ident)
        _v(tiers, "NatIdTiers", nature)
        _v(tiers, "CatTiers", "23")
        _v(tiers, "NatJur", "09")
        _v(tiers, "TypTiers", "01")
        _v(tiers, "Nom", line.get("nom", "Commune"))
    for number, (day, amount) in enumerate(recos, start=1):
        reco = etree.SubElement(ligne, "Recouvrement")
        _v(reco, "TypFlux", "01")
        _v(reco, "ModRegl", "07")
        _v(reco, "DteReco", day)
        _v(reco, "IdEncaissement", number)
        _v(reco, "MtReco", amount)


def from_aller(aller: bytes, rejected: set[str], recos: dict[tuple[str, str], list]) -> bytes:
    """Hélios' answer to our PES Aller: every titre taken in charge (02) except the
    ``rejected`` numbers (04); ``recos`` (IdPce, IdLigne) → collections."""
    root = etree.fromstring(aller, SAFE)
    pieces = []
    for bordereau in root.iter("Bordereau"):
        bloc = bordereau.find("BlocBordereau")
        for piece in bordereau.iterfind("Piece"):
            bp = piece.find("BlocPiece")
            number = bp.find("IdPce").get("V")
            lines = []
            for ligne in piece.iterfind("LigneDePiece"):
                info = ligne.find("BlocLignePiece/InfoLignePiece")
                tiers = ligne.find("Tiers/InfoTiers")
                line_number = info.find("IdLigne").get("V")
                lines.append({
                    "ligne": line_number, "objet": info.find("ObjLignePce").get("V"),
                    "code": info.find("CodProdLoc").get("V"), "mt": info.find("MtHT").get("V"),
                    "tiers": (tiers.find("NatIdTiers").get("V"), tiers.find("IdTiers").get("V")),
                    "nom": tiers.find("Nom").get("V"),
                    "recos": recos.get((number, line_number), []),
                })
            pieces.append({"exer": int(bloc.find("Exer").get("V")),
                           "bord": int(bloc.find("IdBord").get("V")),
                           "typbord": bloc.find("TypBord").get("V"),
                           "date": bloc.find("DteBordEm").get("V"),
                           "pce": number, "objet": bp.find("ObjPce").get("V"),
                           "natpce": bp.find("NatPce").get("V"),
                           "etat": "04" if number in rejected else "02", "lines": lines})
    budget = {name: root.find(f"EnTetePES/{name}").get("V")
              for name in ("IdPost", "IdColl", "CodCol", "CodBud")}
    return retour(pieces, encoding="ISO-8859-1", header=budget)


def schema_errors(data: bytes, xsd: Path) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(xsd), SAFE))
    if schema.validate(etree.fromstring(data, SAFE)):
        return []
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def retour_519(pieces: list[dict], day: str = "2026-11-30", header: dict | None = None
               ) -> bytes:
    """A PES Retour recette in today's layout (dossier technique v5.19): TypRestit,
    BlocPiece/Obj, EtatLigPce, EncaissementEmargement, EtapePce, CodeSuspPour — a probe
    derived from the dossier (no XSD of this version is public).

    A piece: {"exer", "bord", "typbord", "pce", "etat", "pec", "obj", "lines": [...]};
    a line: {"ligne", "code", "mt", "etatlig", "tiers": (nature, id) or None, "cat",
    "nom", "emas": [(orgema, date, mt)], "step": (code, date), "susp": code}."""
    root, recette = _retour_head("1", "PES2R_REC", day, header,
                                 {"TypRestit": "02", "IdVer": "2", "NatInf": "2"})
    for piece in pieces:
        block = etree.SubElement(recette, "Bordereau")
        bloc = etree.SubElement(block, "BlocBordereau")
        _v(bloc, "Exer", piece.get("exer", 2026))
        _v(bloc, "IdBord", piece.get("bord", 1))
        _v(bloc, "TypBord", piece.get("typbord", "01"))
        element = etree.SubElement(block, "Piece")
        bp = etree.SubElement(element, "BlocPiece")
        _v(bp, "IdPce", piece["pce"])
        kind = piece.get("typbord", "01")  # 05: P503; 02: titre correctif (02 02 06)
        _v(bp, "TypPce", {"05": "13", "02": "02"}.get(kind, "01"))
        _v(bp, "NatPce", "06" if kind == "02" else "01")
        if piece.get("obj"):
            _v(bp, "Obj", piece["obj"])
        if piece.get("pec", "2026-11-10"):
            _v(bp, "DtePcePec", piece.get("pec", "2026-11-10"))
        _v(bp, "EtatPce", piece.get("etat", "02"))
        for line in piece["lines"]:
            ligne = etree.SubElement(element, "LigneDePiece")
            bl = etree.SubElement(ligne, "BlocLignePiece")
            info = etree.SubElement(bl, "InfoLignePiece")
            _v(info, "IdLigne", line.get("ligne", 1))
            if line.get("code"):
                _v(info, "CodProdLoc", line["code"])
            _v(info, "EtatLigPce", line.get("etatlig", "04"))
            _v(info, "MtHT", line["mt"])
            if line.get("susp"):
                susp = etree.SubElement(bl, "InfoSuspPour")
                _v(susp, "CodeSuspPour", line["susp"])
                _v(susp, "DteSuspPour", "2026-11-20")
            if line.get("step"):
                step = etree.SubElement(bl, "InfoAmiableContentieux")
                _v(step, "EtapePce", line["step"][0])
                _v(step, "DteEtapePce", line["step"][1])
            tiers = etree.SubElement(etree.SubElement(ligne, "Tiers"), "InfoTiers")
            if line.get("tiers"):
                _v(tiers, "IdTiers", line["tiers"][1])
                _v(tiers, "NatIdTiers", line["tiers"][0])
            _v(tiers, "CatTiers", line.get("cat", "23"))
            _v(tiers, "NatJur", "01" if line.get("cat") == "01" else "09")
            _v(tiers, "Nom", line.get("nom", "COMMUNE"))
            for org, date, mt in line.get("emas", []):
                ema = etree.SubElement(ligne, "EncaissementEmargement")
                _v(ema, "OrgEma", org)
                _v(ema, "DteReco", date)
                _v(ema, "MtReco", mt)
    return etree.tostring(etree.ElementTree(root), xml_declaration=True,
                          encoding="ISO-8859-1", pretty_print=True)
