"""PES Retour recette files (Hélios → ordonnateur) read as a source of titres.
See spécification §2.10.

Two steps, because the second needs what only validation knows:

* ``find`` / ``read`` (at load time): every ``*.xml`` of the inputs folder whose root is
  ``PES_Retour`` with a ``PES_RecetteRetour``, parsed safely (``xmlsafe``) into one
  ``Line`` per ``LigneDePiece``, each with its source line numbers;
* ``to_titres`` (once the parameters, consultations and as-of date are known): the
  same columns as the `Titres` sheet, plus what Hélios says about each titre (state,
  rejection, recovery step, write-off) for the report and the receivables follow-up.

Both layouts are read, each code in its own version's meaning: the 2009–2011 one
(the DGFiP's example file) and today's (dossier technique v5.19). A real flow carries
every titre of the budget: lines that are not ours are counted and skipped (one
warning per file, nothing of them copied); one of ours that cannot be mapped is an
error located in the XML file (file, element path, source line). See docs/pes.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
from lxml import etree
from stdnum import luhn

from schemas import TITRES

from ..core.anomalies import CATALOGUE, Anomaly, InputError, file_problem
from ..core.columns import SIREN
from .normalise import DTYPES
from .parameters import PES_RETOUR, Parameters
from .reader import InputFile, Limits, read_input, too_large, unlistable
from .xmlsafe import parse
from .xmlsafe import value as _v

STEM = "pes_retour"
LINE_PATH = "PES_RecetteRetour/Bordereau/Piece/LigneDePiece"
# Each code read in the meaning of the layout that wrote it: the 2009–2011 layout (the
# DGFiP's example file, XSD 2.0) and today's (dossier technique v5.19).
LAYOUT_2009, LAYOUT_519 = "2009", "5.19"
STATES = {
    LAYOUT_2009: {"01": "en instance", "02": "pris en charge",
                  "03": "prise en charge partielle", "04": "rejeté", "05": "soldé",
                  "06": "annulé", "07": "prise en compte partielle"},
    LAYOUT_519: {"01": "en instance", "02": "pris en charge", "03": "prise en charge partielle",
                 "04": "rejeté", "05": "annulé"},
}
NOT_INVOICED = {LAYOUT_2009: ("04", "06"), LAYOUT_519: ("04", "05")}  # rejected, cancelled
LINE_STATES = {"01": "rejetée", "02": "annulée", "03": "mise en instance",
               "04": "non soldée", "05": "soldée", "06": "soldée en non-valeur"}  # v5.19
LINE_NOT_INVOICED = ("01", "02")
STEPS = {"00": "avis des sommes à payer", "01": "lettre de rappel", "02": "commandement",
         "03": "mise en demeure", "04": "saisie attribution", "05": "saisie attribution CAF",
         "06": "saisie vente", "07": "saisie rémunération", "08": "vente",
         "09": "poursuites extérieures", "10": "saisie des coffres forts",
         "11": "saisie des véhicules", "12": "saisie des valeurs mobilières",
         "13": "autorisation de commandement", "14": "autorisation de saisie",
         "16": "phase comminatoire", "17": "SATD employeur", "18": "SATD bancaire",
         "19": "SATD autres tiers"}
WRITE_OFF = {"12": "demandée", "18": "prononcée"}  # CodSuspPour / CodeSuspPour
# Bordereaux that carry no titre of ours: 04 régularisation, 05 P503 (money received
# before any titre: the accountant asks the ordonnateur to issue one).
REQUESTS = ("04", "05")
# EncaissementEmargement/OrgEma that settle a line without money: liste de non-valeur,
# titre correctif (our réduction, already a line of its own), cancelled fees.
NOT_CASH = ("06", "07", "09")
OTHER_BUDGET = "d'un autre budget"
CONSULTATION = re.compile(r"\[([^\[\]]+)\]")
EXTRA_COLUMNS = ["source", "id_bord", "id_ligne", "etat_helios", "motif_rejet",
                 "etape_recouvrement", "admission_non_valeur", "counts_as_invoiced"]
# When each fact became true (spécification §4.5.1: the as-of date applies to states
# too; §4.14: prescription runs from the prise en charge): blank for a typed titre.
DATED_COLUMNS = ["date_prise_en_charge", "date_etat", "date_admission"]
ACTS = "actes"  # ((date, « 03 mise en demeure »), …) oldest first: recovery steps


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
    taken_on: str = ""  # DtePcePec: the prise en charge, start of prescription
    rejected_on: str = ""  # DtePceRej
    pending_on: str = ""  # DtePceInst
    write_off_on: str = ""  # DteSuspPour
    acts: list[tuple[str, str]] = field(default_factory=list)  # (date, EtapePce code)
    layout: str = LAYOUT_2009
    line_state: str = ""  # EtatLigPce (v5.19 only)
    category: str = ""  # CatTiers of the debtor (01: a private person)
    budget: tuple[str, str, str] = ("", "", "")  # the file's (IdColl, CodCol, CodBud)


@dataclass
class RetourFile:
    source: InputFile
    lines: list[Line]


def find(folder: Path, limits: Limits
         ) -> tuple[list[RetourFile], list[InputFile], list[Anomaly]]:
    """Every PES Retour recette of ``folder``, and the acquits of our PES Aller (their
    bytes, for ``acquits.parse_files``): each XML file is read once, here. Other XML
    files are named in a warning."""
    found: list[RetourFile] = []
    acquitted: list[InputFile] = []
    problems: list[Anomaly] = []
    try:
        paths = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() == ".xml")
    except OSError as error:  # an input error naming the folder (§2.5), not a failure
        return [], [], [unlistable(folder, error)]
    for path in paths:
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
        if root.tag == "PES_ACQUIT":  # an acquit of our PES Aller (not of a Retour)
            if b"PES_ACQUIT_RETOUR" not in source.data[:4096]:
                acquitted.append(source)
            continue
        if root.tag != "PES_Retour" or recette is None:
            problems.append(file_problem(path.name, "xml-ignore", root=root.tag))
            continue
        found.append(RetourFile(source, read(path.name, root, recette)))
    return found, acquitted, problems


def layout(root: etree._Element) -> str:
    """Today's layout (v5.19) announces itself by TypRestit, EtatLigPce or
    EncaissementEmargement; without any of them, the 2009–2011 one."""
    recette = root.find("PES_RecetteRetour")
    if recette is not None and recette.find("EnTeteRecette/TypRestit") is not None:
        return LAYOUT_519
    for name in ("EtatLigPce", "EncaissementEmargement", "EtapePce", "CodeSuspPour"):
        if next(root.iter(name), None) is not None:
            return LAYOUT_519
    return LAYOUT_2009


def read(name: str, root: etree._Element, recette: etree._Element) -> list[Line]:
    flow = _v(root.find("EnTetePES/DteStr"))
    budget = (_v(root.find("EnTetePES/IdColl")), _v(root.find("EnTetePES/CodCol")),
              _v(root.find("EnTetePES/CodBud")))
    version = layout(root)
    modern = version == LAYOUT_519
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
                objet = (_field(info, "ObjLignePce", "InfoLignePiece/") or _field(bp, "ObjPce")
                         or _field(bp, "Obj"))
                steps = sorted(
                    (_v(s.find("DteEtapePce" if modern else "DteEtPce")),
                     _v(s.find("EtapePce" if modern else "EtPce")))
                    for s in ligne.iterfind("BlocLignePiece/InfoAmiableContentieux"))
                step = steps[-1][1] if steps else ""
                suspended = ligne.find("BlocLignePiece/InfoSuspPour")
                reason = _text(bp, "CodInst-Rej")
                remark = _text(bp, "ObsEtat")
                paid = "EncaissementEmargement" if modern else "Recouvrement"
                suspension = "CodeSuspPour" if modern else "CodSuspPour"
                lines.append(Line(
                    file=name, line=ligne.sourceline or 0, flow=flow, exer=exer,
                    id_bord=id_bord, typ_bord=typ_bord, id_pce=_field(bp, "IdPce"),
                    id_ligne=_text(info, "IdLigne"),
                    date_emission=_text(bp, "DteAsp") or issued or _text(bp, "DtePcePec"),
                    objet=objet,
                    code_produit=_field(info, "CodProdLoc", "InfoLignePiece/"),
                    tiers=(_field(tiers, "NatIdTiers", "Tiers/InfoTiers/"),
                           _field(tiers, "IdTiers", "Tiers/InfoTiers/")),
                    montant=_field(info, "MtHT", "InfoLignePiece/"),
                    etat=_text(bp, "EtatPce"),
                    motif_rejet=" – ".join(x for x in (reason, remark) if x),
                    collections=[(f, m) for r in ligne.iterfind(paid)
                                 if _v(r.find("OrgEma")) not in NOT_CASH
                                 and (f := _field(r, "DteReco", f"{paid}/")) is not None
                                 and (m := _field(r, "MtReco", f"{paid}/")) is not None],
                    collected_total=_field(ligne.find("BlocLignePiece/InfoRecouvrement"),
                                           "MtRecoTot", "InfoRecouvrement/"),
                    write_off=WRITE_OFF.get(
                        _v(ligne.find(f"BlocLignePiece/InfoSuspPour/{suspension}")), ""),
                    step=f"{step} {STEPS.get(step, 'étape de recouvrement')}" if step else "",
                    taken_on=_text(bp, "DtePcePec"), rejected_on=_text(bp, "DtePceRej"),
                    pending_on=_text(bp, "DtePceInst"),
                    write_off_on=_text(suspended, "DteSuspPour"),
                    acts=[a for a in steps if a[1]],
                    layout=version, line_state=_text(info, "EtatLigPce"),
                    category=_text(tiers, "CatTiers"), budget=budget,
                ))
    return lines


def _debtor(ligne: etree._Element) -> etree._Element | None:
    """The main debtor (TypTiers 01), else the first Tiers."""
    infos = list(ligne.iterfind("Tiers/InfoTiers"))
    main = [i for i in infos if _v(i.find("TypTiers")) == "01"]
    return (main or infos or [None])[0]


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
              as_of: pd.Timestamp, members: dict[str, str] | None = None,
              sent: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, list[Anomaly]]:
    """The titres of every file, typed as the `Titres` sheet, plus ``EXTRA_COLUMNS``.

    A real flow carries every titre of the budget: lines that are not ours (another
    product code, another budget, a debtor without SIREN) are counted and skipped with
    one warning per file, never copied. Ours are recognised first from what we sent
    (``sent``: ``pes_sent`` rows, by exercice, IdPce, IdLigne), then by product code.
    ``members``: SIREN → name, to list P503 requests (money received before a titre)."""
    if not files:
        return None, []
    missing = parameters.missing(PES_RETOUR)
    if missing:
        return None, [parameters.missing_anomaly(missing, "lecture des PES Retour "
                                                          "(type de frais des lignes)")]
    codes = {parameters["code_produit_type_1"]: 1, parameters["code_produit_type_2"]: 2}
    ours = _sent_lines(sent)
    records: dict[tuple, tuple[str, dict]] = {}
    problems: list[Anomaly] = []
    skipped: dict[str, Counter[str]] = {}
    ordered = sorted((line for f in files for line in f.lines),
                     key=lambda line: (line.flow, line.file))
    for line in ordered:
        known = ours.get((_digits(line.exer), _digits(line.id_pce), _digits(line.id_ligne)))
        reason = _not_ours(line, parameters, codes, known)
        if line.typ_bord in REQUESTS and reason != OTHER_BUDGET:
            request = _request(line, members or {})
            if request is None:
                skipped.setdefault(line.file, Counter())["débiteur hors des membres"] += 1
            else:
                problems.append(request)
            continue
        if reason:
            skipped.setdefault(line.file, Counter())[reason] += 1
            continue
        record, found = _map(line, codes, consultations, as_of.date(), known)
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
    for name, counts in sorted(skipped.items()):
        detail = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        problems.append(file_problem(
            name, "pes-retour-hors-perimetre", value=str(sum(counts.values())), detail=(
                f"{sum(counts.values())} ligne(s) qui ne sont pas des titres du groupement "
                f"ignorées ({detail}) : ni leurs débiteurs ni leurs montants ne sont repris")))
    frame = pd.DataFrame([r for _, r in records.values()],
                         columns=[*TITRE_COLUMNS, *EXTRA_COLUMNS, *DATED_COLUMNS, ACTS])
    for name in DATED_COLUMNS:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name, kind in TITRES.columns.items():  # typed as the titres sheet is
        if kind == "date":
            frame[name] = pd.to_datetime(frame[name]).astype(DTYPES[kind])
        elif kind in DTYPES:
            frame[name] = frame[name].astype(DTYPES[kind])
    frame["counts_as_invoiced"] = frame["counts_as_invoiced"].astype(bool)
    return frame, problems


BUDGET_NUMBERS = ["exercice", "typ_bord", "bordereau", "titre"]


def budget_numbers(files: list[RetourFile], parameters: Parameters) -> pd.DataFrame:
    """The numbers the budget has used, as the Retour shows them: (exercice, TypBord,
    IdBord, IdPce) of every titre line of the budget (bordereaux 01 and 02) — ours and
    those that are not ours (another product, a private person): Hélios numbers
    bordereaux per exercise and type and titres per exercise *for the budget*, so a
    number another product used is used (dossier v5.19, TBlocBordereau/IdBord). Lines
    of another budget, P503 and régularisation bordereaux (whose IdPce is an
    encaissement) are left out."""
    rows = set()
    for line in (line for f in files for line in f.lines):
        if line.typ_bord not in ("01", "02") or _not_ours(line, parameters, {}, {}):
            continue
        exer, number = _digits(line.exer), _digits(line.id_pce)
        bordereau = int(line.id_bord) if line.id_bord.isdigit() else None
        if exer is not None and number is not None and bordereau is not None:
            rows.add((exer, line.typ_bord, bordereau, number))
    return pd.DataFrame(sorted(rows), columns=BUDGET_NUMBERS)


def _digits(f: Field | str | None) -> int | None:
    text = f.value if isinstance(f, Field) else (f or "")
    return int(text) if text.isdigit() else None


def _sent_lines(sent: pd.DataFrame | None) -> dict[tuple, dict]:
    """(exercice, titre, ligne) → what we sent on that line (current files first)."""
    if sent is None or sent.empty:
        return {}
    found: dict[tuple, dict] = {}
    for row in sent.sort_values("current", kind="stable").to_dict("records"):
        found[(int(row["exercice"]), int(row["titre"]), int(row["ligne"]))] = row
    return found


def _not_ours(line: Line, parameters: Parameters, codes: dict[str, int],
              known: dict | None) -> str:
    """Why the line is not a titre of the groupement (blank: it is ours)."""
    ident, col, bud = line.budget
    expected = (parameters.get("siret_coordonnateur"), parameters.get("code_collectivite"),
                parameters.get("code_budget"))
    if any(e and v and e != v for e, v in zip(expected, (ident, col, bud), strict=True)):
        return OTHER_BUDGET
    if known is not None:
        return ""
    if line.code_produit is None or line.code_produit.value not in codes:
        return "d'un autre produit"
    nature, ident_field = line.tiers
    if line.category == "01" or ident_field is None or (
            nature is not None and nature.value not in ("01", "02")):
        return "de débiteurs sans SIREN (particuliers)"
    return ""


def _request(line: Line, members: dict[str, str]) -> Anomaly | None:
    """A P503 (or régularisation) line of one of our members: what to issue."""
    ident = line.tiers[1]
    digits = re.sub(r"\s", "", ident.value) if ident is not None else ""
    siren = digits[:9] if len(digits) in (9, 14) else ""
    if siren not in members:
        return None
    amount = _cents(line.montant, lambda *_: None, "") if line.montant else None
    told = euros_text(amount) if amount is not None else "un montant illisible"
    when = next((d.value for d, _ in line.collections), "") or line.date_emission
    number = line.id_pce.value if line.id_pce is not None else "?"
    return CATALOGUE["encaissement-sans-titre"].at(
        line.file, LINE_PATH, line.line, "BlocPiece/IdPce", value=number, detail=(
            f"Hélios a encaissé {told}{f' le {when}' if when else ''} de "
            f"{members[siren]} ({siren}) avant tout titre (bordereau P503, "
            f"encaissement n° {number}) : émettre un titre émis après encaissement "
            f"(TypPce 05) rattaché à cet encaissement (RattachPiece NatPceOrig 03, "
            f"IdPceOrig {number})"))


def euros_text(cents: int) -> str:
    """« 1 234,56 € » (the read layer cannot use the compute layer's wording)."""
    whole = f"{abs(cents) // 100:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{whole},{abs(cents) % 100:02d} €"


TITRE_COLUMNS = list(TITRES.columns)  # the titres sheet's, so both sources concatenate


def _map(line: Line, codes: dict[str, int], consultations: set[str], as_of: dt.date,
         known: dict | None = None) -> tuple[dict | None, list[Anomaly]]:
    problems: list[Anomaly] = []

    def fail(f: Field | None, code: str, message: str) -> None:
        problems.append(_problem(line, f, code, message))

    exercice = _integer(line.exer, fail, "exercice (Exer)")
    numero = _integer(line.id_pce, fail, "numéro de titre (IdPce)")
    montant = _cents(line.montant, fail, "montant (MtHT)")
    type_frais = None
    if known is not None and not pd.isna(known["type_frais"]):  # ours: what we sent
        type_frais = int(known["type_frais"])
    elif line.code_produit is None:
        fail(None, "code-produit-manquant",
             "ligne sans code produit (CodProdLoc) : impossible de savoir le type de frais")
    else:
        type_frais = codes.get(line.code_produit.value)
        if type_frais is None:
            listed = ", ".join(f"{c} (type {t})" for c, t in codes.items())
            fail(line.code_produit, "code-produit-inconnu",
                 f"code produit « {line.code_produit.value} » inconnu : les paramètres "
                 f"code_produit_type_1 et code_produit_type_2 valent {listed}")
    consultation = None
    if type_frais == 1 and known is not None and known["consultation"]:
        if known["consultation"] not in consultations:
            fail(line.id_pce, "consultation-inconnue",
                 f"consultation « {known['consultation']} » (PES Aller {known['file']}) "
                 "absente de la feuille Consultations du barème")
        else:
            consultation = known["consultation"]
    elif type_frais == 1:
        found = CONSULTATION.findall(line.objet.value) if line.objet else []
        if not found:
            fail(line.objet, "consultation-manquante",
                 "ligne de type 1 sans code de consultation entre crochets dans l'objet "
                 "(ObjLignePce ou ObjPce), par exemple [C2026], et absente des PES Aller "
                 "déjà écrits")
        elif found[0].strip() not in consultations:
            fail(line.objet, "consultation-inconnue",
                 f"consultation « {found[0].strip()} » absente de la feuille Consultations "
                 "du barème")
        else:
            consultation = found[0].strip()
    siren = _siren(line, fail) if known is None or line.tiers[1] is not None else str(
        known[SIREN])
    if problems or exercice is None or numero is None or montant is None:
        return None, problems
    credit = line.typ_bord == "02"  # a réduction/annulation bordereau lowers the titre
    issued = _date(Field(line.date_emission, line.line, "DteAsp"), fail) \
        if line.date_emission else None
    dated = [(_date(d, fail), _cents(m, fail, "montant encaissé (MtReco)"))
             for d, m in line.collections]
    total = 0 if line.collected_total is None else _cents(
        line.collected_total, fail, "montant encaissé (MtRecoTot)")
    on = {name: _date(Field(value, line.line, tag), fail) if value else None
          for name, value, tag in (("taken", line.taken_on, "DtePcePec"),
                                   ("rejected", line.rejected_on, "DtePceRej"),
                                   ("pending", line.pending_on, "DtePceInst"),
                                   ("write_off", line.write_off_on, "DteSuspPour"))}
    on["flow"] = _day(line.flow)  # orders flows only: never an error of the line
    acts = tuple((_date(Field(d, line.line, "DteEtapePce"), fail) if d else None,
                  f"{code} {STEPS.get(code, 'étape de recouvrement')}")
                 for d, code in line.acts)
    if problems:
        return None, problems
    in_time = [(d, m) for d, m in dated if d is not None and m is not None and d <= as_of]
    if line.collections:
        collected = sum(m for _, m in in_time)
        collected_on = max((d for d, _ in in_time), default=None)
    else:
        collected = total or 0
        # a total without detail is known as of its flow: dated by it (§4.5.1)
        collected_on = on["flow"] if collected else None
    meanings = STATES[line.layout]
    state = f"{line.etat} {meanings.get(line.etat, 'état inconnu')}" if line.etat else ""
    if line.line_state:
        state += (", " if state else "") + (
            f"ligne {line.line_state} {LINE_STATES.get(line.line_state, 'état inconnu')}")
    return {
        "numero": str(numero), "ligne": line.id_ligne, SIREN: siren, "exercice": exercice,
        "type_frais": type_frais, "consultation": consultation,
        "montant": -montant if credit else montant, "date_emission": issued,
        "montant_encaisse": 0 if credit else collected, "date_encaissement": collected_on,
        "source": line.file, "id_bord": line.id_bord, "id_ligne": line.id_ligne,
        "etat_helios": state, "motif_rejet": line.motif_rejet if line.etat == "04" else "",
        "etape_recouvrement": line.step, "admission_non_valeur": line.write_off,
        "counts_as_invoiced": line.etat not in NOT_INVOICED[line.layout]
        and line.line_state not in LINE_NOT_INVOICED,
        "date_prise_en_charge": on["taken"],
        # a state is dated by its own date when the file gives one, else by the flow's
        "date_etat": {"01": on["pending"], "02": on["taken"], "03": on["taken"],
                      "04": on["rejected"]}.get(line.etat) or on["flow"],
        "date_admission": on["write_off"] if line.write_off else None,
        ACTS: acts,
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


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
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
