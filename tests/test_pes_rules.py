"""The dossier technique PES V2 v5.19 against what we write: one row per rejection rule
that concerns an element of our PES Aller (``reconcile.render.pes_rules.RULES``: the rule, where
the dossier states it, its check).

Each row must hold on the PES Aller we write (a hand-built proposal covering every
member category and a réduction, and the bundled sample's run), and must catch its own
violation (a mutation of our file per row), so that no row is a check that never fires.
The PES Aller of ``main`` before issue 18 breaks some rows: the table is not vacuous.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from test_pes import write_inputs
from workbooks import COMMUNE_A, base, member, subscription, tariff, titre
from workbooks import siren as fictitious

from reconcile.core.model import period_of
from reconcile.read.parameters import Parameters
from reconcile.render import pes_aller, pes_rules
from reconcile.run.pipeline import run

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "pes"
TODAY = dt.date(2026, 12, 4)
PARAMETERS = Parameters({
    "siret_coordonnateur": "20004000000012", "id_poste": "078000",
    "code_collectivite": "123", "code_budget": "01", "nature_type_1": "70878",
    "nature_type_2": "70878", "code_produit_type_1": "GC1", "code_produit_type_2": "GC2",
    "prochain_bordereau": 41, "prochain_bordereau_02": 7, "prochain_titre": 1201})
SIRENS = {"commune": "217806462", "epci": "200058485", "syndicat": "200067106",
          "caisse_des_ecoles": "267800134", "ccas": "267801231",
          "etablissement_public": "130005481", "autre": "775671357"}


def proposal() -> tuple[pd.DataFrame, dict[str, pes_aller.Address]]:
    """A line per member category, two types for the commune, and a réduction."""
    rows = []
    for category, siren in SIRENS.items():
        rows.append({"siren": siren, "membre": f"Membre {category}", "categorie": category,
                     "exercice": 2026, "type_frais": 2, "consultation": "",
                     "montant": 12_050, "objet": "Frais de fonctionnement 2026 – à émettre",
                     "nature": "à émettre", "origine": "", "origine_ligne": ""})
    rows.append({**rows[0], "type_frais": 1, "consultation": "C2026", "montant": 4_000,
                 "objet": "[C2026] Frais de procédure 2026 – à émettre"})
    rows.append({**rows[1], "montant": -2_500, "nature": "réduction", "origine": "345",
                 "origine_ligne": "2", "objet": "Frais de fonctionnement 2026 – réduction"})
    known = {s: pes_aller.Address("1 place de la Mairie", "Hôtel de ville", "78000",
                                  "VERSAILLES") for s in SIRENS.values()}
    return pd.DataFrame(rows), known


def ours() -> bytes:
    lines, known = proposal()
    return pes_aller.build(lines, PARAMETERS, period_of("2026-11"), "2026-11", TODAY,
                           known).data


def _root(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _set(path: str, value: str, nth: int = 0) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        list(root.iter(path.split("/")[-1]))[nth].set("V", value)
    return mutate


def _drop(name: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for element in list(root.iter(name)):
            element.getparent().remove(element)
    return mutate


def _corrective_as_ordinary(root: etree._Element) -> None:
    """What main wrote: a réduction as TypPce 01 with NatPce 06."""
    for piece in root.iter("Piece"):
        if piece.getparent().find("BlocBordereau/TypBord").get("V") == "02":
            piece.find("BlocPiece/TypPce").set("V", "01")


def _shared_counter(root: etree._Element) -> None:
    """What main wrote: the 02 bordereau numbered after the 01 one (one counter)."""
    bordereaux = list(root.iter("Bordereau"))
    bordereaux[1].find("BlocBordereau/IdBord").set("V", "43")
    bordereaux[0].find("BlocBordereau/IdBord").set("V", "41")
    extra = etree.fromstring(etree.tostring(bordereaux[1]))
    extra.set("Id", "X")
    extra.find("BlocBordereau/IdBord").set("V", "45")
    bordereaux[1].getparent().append(extra)


def _sum_off(root: etree._Element) -> None:
    root.find(".//BlocBordereau/MtBordHt").set("V", "1.00")


def _line_without_link(root: etree._Element) -> None:
    _drop("IdLigneOrig")(root)


def _duplicate_ids(root: etree._Element) -> None:
    for bordereau in root.iter("Bordereau"):
        bordereau.set("Id", "B")


def _second_address_long(root: etree._Element) -> None:
    next(root.iter("Adr2")).set("V", "x" * 39)


MUTATIONS: dict[str, Callable[[etree._Element], None]] = {
    "emetteur": _drop("Emetteur"),
    "fichier": _set("Parametres/NomFic", ""),
    "version": _set("EnTeteRecette/IdVer", "1"),
    "idpost": _set("EnTetePES/IdPost", "78000"),
    "idcoll": _set("EnTetePES/IdColl", "2000400000001"),
    "codcol": _set("EnTetePES/CodCol", "12A"),
    "codbud": _set("EnTetePES/CodBud", "1"),
    "dtestr": _set("EnTetePES/DteStr", "2026-11-30"),
    "idbord": _shared_counter,
    "typbord": _set("BlocBordereau/TypBord", "05"),
    "totaux": _sum_off,
    "dtebordem": _set("BlocBordereau/DteBordEm", "2026-12-31"),
    "bordereau-id": _duplicate_ids,
    "idpce": _set("BlocPiece/IdPce", "123456789"),
    "triplet": _corrective_as_ordinary,
    "ligne": _set("InfoLignePiece/MtHT", "0.00"),
    "majo": _set("InfoLignePiece/Majo", "2"),
    "rattachement": _line_without_link,
    "cattiers-natjur": _set("InfoTiers/NatJur", "10"),
    "idtiers": _set("InfoTiers/IdTiers", "217806463"),
    "adresse": _drop("Adresse"),
    "objet": _set("BlocPiece/ObjPce", "x" * 161),
}


def test_every_rule_has_a_mutation_that_breaks_it():
    assert set(MUTATIONS) == {rule.code for rule in pes_rules.RULES}
    assert all(rule.where and rule.rule for rule in pes_rules.RULES)


@pytest.mark.parametrize("rule", pes_rules.RULES, ids=lambda r: r.code)
def test_our_pes_aller_keeps_the_rule_and_its_breach_is_caught(rule):
    data = ours()
    root = _root(data)
    assert list(rule.check(root, TODAY)) == [], rule.rule
    MUTATIONS[rule.code](root)
    assert list(rule.check(root, TODAY)) != [], f"{rule.code} ne détecte pas sa violation"


# Further breaches each rule must catch (a rule holding several of the dossier's
# conditions is tested on each one).
MORE: list[tuple[str, Callable[[etree._Element], None]]] = [
    ("emetteur", _set("Emetteur/Sigle", "x" * 33)),
    ("emetteur", _set("Emetteur/Adresse", "x" * 39)),
    ("fichier", _set("Parametres/NomFic", "x" * 101)),
    ("fichier", _set("Parametres/TypFic", "")),
    ("dtestr", _set("EnTetePES/DteStr", "20261204")),  # fromisoformat alone takes it
    ("dtebordem", _set("BlocBordereau/DteBordEm", "20261130")),
    ("ligne", _drop("TvaIntraCom")),
    ("ligne", _set("InfoLignePiece/TvaIntraCom", "2")),
    ("idtiers", _set("InfoTiers/NatIdTiers", "13")),
    ("idtiers", _set("InfoTiers/RefTiers", "x" * 31)),
]


@pytest.mark.parametrize(("code", "mutate"), MORE, ids=[f"{c}-{i}" for i, (c, _) in
                                                       enumerate(MORE)])
def test_each_condition_of_a_rule_is_caught(code, mutate):
    rule = next(r for r in pes_rules.RULES if r.code == code)
    root = _root(ours())
    mutate(root)
    assert list(rule.check(root, TODAY)) != [], f"{code} ne détecte pas cette violation"


def test_what_we_write_is_the_dossier_s_shape():
    root = _root(ours())
    assert root.find("Enveloppe/Emetteur/Adresse").get("V").startswith("reconcile ")
    kinds = [(b.get("Id"), b.find("BlocBordereau/TypBord").get("V"),
              b.find("BlocBordereau/IdBord").get("V")) for b in root.iter("Bordereau")]
    assert kinds == [("BORD01-2026-41", "01", "41"), ("BORD02-2026-7", "02", "7")]
    reduction = root.find("PES_RecetteAller/Bordereau[2]/Piece")
    assert [reduction.find(f"BlocPiece/{n}").get("V") for n in ("TypPce", "NatPce")] == [
        "02", "06"]
    link = reduction.find("LigneDePiece/BlocLignePiece/RattachPiece")
    assert [link.find(n).get("V") for n in ("NatPceOrig", "ExerRat", "IdPceOrig",
                                            "IdLigneOrig")] == ["01", "2026", "345", "2"]
    pairs = {i.find("IdTiers").get("V"): (i.find("CatTiers").get("V"),
                                           i.find("NatJur").get("V"))
             for i in root.iter("InfoTiers")}
    assert pairs == {s: pes_aller.CAT_NAT[c] for c, s in SIRENS.items()}
    assert root.find("EnTetePES/DteStr").get("V") == "2026-12-04"
    assert {e.get("V") for e in root.iter("DteBordEm")} == {"2026-11-30"}
    assert pes_aller.problems(ours()) == []  # the 2011 XSD still accepts it


def test_a_bordereau_is_never_dated_after_the_day_of_writing():
    lines, known = proposal()
    early = pes_aller.build(lines, PARAMETERS, period_of("2026-11"), "2026-11",
                            dt.date(2026, 11, 20), known)
    root = _root(early.data)
    assert {e.get("V") for e in root.iter("DteBordEm")} == {"2026-11-20"}
    assert pes_rules.broken_rules(early.data, dt.date(2026, 11, 20)) == []


def test_mains_pes_aller_is_rejected_by_the_dossier():
    data = (FIXTURES / "main_36949a1_PESALR2_2026-11.xml").read_bytes()
    assert pes_aller.problems(data) == []  # the XSD of 2011 accepted it…
    broken = {rule.code for rule, _ in pes_rules.breaches(data, dt.date(2026, 11, 30))}
    assert {"emetteur", "adresse"} <= broken  # … a real reception rejects it whole


def test_the_bundled_sample_follows_every_rule(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "inputs", inputs)
    outcome = run("2026-11", inputs, tmp_path / "reports")
    written = [p for p in outcome.issued if p.name.startswith("PESALR2_")]
    assert [p.name for p in written] == ["PESALR2_2026-11_T345.xml"]
    data = written[0].read_bytes()
    assert pes_rules.broken_rules(data, dt.date.today()) == []
    root = _root(data)
    assert sorted({(b.find("BlocBordereau/TypBord").get("V"),
                    b.find("BlocBordereau/IdBord").get("V")) for b in root.iter("Bordereau")}
                  ) == [("01", "12"), ("02", "3")]
    assert all(t.find("Adresse/CP").get("V").isdigit() for t in root.iter("Tiers"))


@pytest.mark.slow
def test_another_groupement_follows_every_rule(tmp_path, capsys):
    """A run of the tool (not a hand-built proposal) on another groupement: an
    établissement public coordinator, a caisse des écoles of a commune outside the
    groupement (not exonerated), an association (« autre »), an établissement public
    without complement d'adresse, long names with accents, « œ », « – » and « € », and a
    titre typed above the due (a réduction on bordereau 02)."""
    caisse, association, foncier = fictitious(11), fictitious(12), fictitious(13)
    inputs = base()
    long_city = "SAINT-ÉTIENNE-DU-ROUVRAY – QUARTIER DU CŒUR DE VILLE"
    inputs.membres += [
        {**member(caisse, "Caisse des écoles de Saint-Étienne-du-Rouvray – Cœur de ville",
                  "caisse_des_ecoles", rattachement=fictitious(98)),
         "Ville": long_city},
        {**member(association, "Association « Les Amis de l'Œuvre » – Maison des Sœurs "
                  "de la Providence, 5 € l'entrée", "autre"),
         "Complément d'adresse": None},
        {**member(foncier, "Établissement public foncier – Île-de-France",
                  "etablissement_public"),
         "Complément d'adresse": None, "Adresse": "4–14 rue Ferrus, bâtiment « Œ »"},
    ]
    inputs.souscriptions += [subscription(s, "marches_publics")
                             for s in (caisse, association, foncier)]
    inputs.bareme += [tariff(2, "caisse_des_ecoles", 75), tariff(2, "autre", 120),
                      tariff(1, "caisse_des_ecoles", 5), tariff(1, "autre", 15)]
    inputs.titres = [titre("1100", COMMUNE_A, 150.0)]  # 100 € due: 50 € to reduce
    folder = write_inputs(tmp_path / "in", inputs)
    outcome = run("2026-11", folder, tmp_path / "reports")
    written = [p for p in outcome.issued if p.name.startswith("PESALR2_")]
    assert len(written) == 1, (outcome.status, [a.message for a in outcome.anomalies])
    data = written[0].read_bytes()
    assert pes_rules.broken_rules(data, dt.date.today()) == []
    assert pes_aller.problems(data) == []
    root = _root(data)
    debtors = {i.find("IdTiers").get("V"): i for i in root.iter("InfoTiers")}
    pairs = {s: (debtors[s].find("CatTiers").get("V"), debtors[s].find("NatJur").get("V"))
             for s in (caisse, association, foncier)}
    assert pairs == {caisse: ("25", "09"), association: ("50", "06"), foncier: ("24", "09")}
    names = {s: i.find("Nom").get("V") for s, i in debtors.items()}
    assert names[caisse] == "Caisse des écoles de Saint-Étienne-..."  # 38, cut
    assert names[association] == "Association « Les Amis de l'OEuvre ..."
    assert all(len(n) <= 38 for n in names.values())
    addresses = {t.find("InfoTiers/IdTiers").get("V"): t.find("Adresse")
                 for t in root.iter("Tiers")}
    assert addresses[association].find("Adr3") is None
    assert addresses[foncier].find("Adr2").get("V") == "4-14 rue Ferrus, bâtiment « OE »"
    assert addresses[caisse].find("Ville").get("V") == \
        "SAINT-ÉTIENNE-DU-ROUVRAY - QUARTIER..."
    text = data.decode("latin-1")
    assert "€" not in text and "œ" not in text and "–" not in text
    [reduction] = [b for b in root.iter("Bordereau")
                   if b.find("BlocBordereau/TypBord").get("V") == "02"]
    link = reduction.find("Piece/LigneDePiece/BlocLignePiece/RattachPiece")
    assert [link.find(n).get("V") for n in ("ExerRat", "IdPceOrig", "IdLigneOrig")] == [
        "2026", "1100", "1"]
    assert reduction.find("Piece/LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT").get(
        "V") == "50.00"
