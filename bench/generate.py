"""Generate benchmark inputs (spécification §2 formats) from the real open data in data/.

National scale: every commune (34,875) and EPCI (1,255) with its real SIREN and
population; generated CCAS for communes of 1,500+ inhabitants, caisses des écoles for
5,000+, 3,000 syndicats and a coordinator, all with generated Luhn-valid SIRENs
(prefix 99, used by no body of data/). Other scales sample the real bodies
proportionally (below national) or replicate them with generated SIRENs (above).

The workbooks are written with xlsxwriter in ``constant_memory`` mode (row by row,
dates as serial numbers with a date format) and cached under
``bench/out/inputs/<hash>/``: the hash covers the parameters, this file and the data
files, so a rerun with the same parameters skips generation.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import xlsxwriter
from stdnum import luhn

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = Path(__file__).resolve().parent / "out"
D = dt.date
SERVICES = ["marches_publics", "actes", "flux_comptables", "certificats", "convocations",
            "parapheur"]
EXCEL_EPOCH = D(1899, 12, 30)
SYNDICATS = 3000
CCAS_FROM, CAISSE_FROM = 1500, 5000
# Join dates: before the first adhesion period, or inside one (no R5 warning).
OLD_JOINS = [D(2015, 1, 1), D(2017, 6, 1), D(2019, 1, 1), D(2020, 9, 1)]
WINDOW_JOINS = [D(2021, 3, 15), D(2024, 11, 20), D(2026, 1, 20), D(2026, 6, 1)]


@dataclass(frozen=True)
class Params:
    membres: int | None = None  # None: national (every real body once)
    seed: int = 2026

    def digest(self) -> str:
        h = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode())
        h.update(Path(__file__).read_bytes())
        for name in ("communes.csv", "epci.csv"):
            stat = (DATA / name).stat()
            h.update(f"{name}:{stat.st_size}".encode())
        return h.hexdigest()[:12]


class SirenPool:
    """Generated SIRENs: 99 + a 6-digit permutation + Luhn digit (1,000,000 distinct)."""

    STRIDE = 737_373  # coprime with 10**6: i → i·STRIDE mod 10**6 is a permutation

    def __init__(self, taken: set[str], seed: int):
        self.taken = taken
        self.next = seed * 7919 % 10**6
        self.used = 0

    def __call__(self) -> str:
        while True:
            if self.used >= 10**6:
                raise RuntimeError("plus de SIREN générés disponibles")
            body = f"99{self.next * self.STRIDE % 10**6:06d}"
            self.next = (self.next + 1) % 10**6
            self.used += 1
            siren = body + luhn.calc_check_digit(body)
            if siren not in self.taken:
                self.taken.add(siren)
                return siren


def real_bodies() -> tuple[list[dict], list[dict]]:
    with open(DATA / "communes.csv", encoding="utf-8") as handle:
        communes = list(csv.DictReader(handle))
    with open(DATA / "epci.csv", encoding="utf-8") as handle:
        epcis = list(csv.DictReader(handle))
    return communes, epcis


def national_size(communes: list[dict], epcis: list[dict]) -> int:
    pops = [int(c["population"] or 0) for c in communes]
    return (len(communes) + len(epcis) + SYNDICATS + 1
            + sum(p >= CCAS_FROM for p in pops) + sum(p >= CAISSE_FROM for p in pops))


def scaled(rng: random.Random, bodies: list[dict], factor: float, new_siren, label: str):
    """``factor`` × bodies: whole copies (the first one real, the others with generated
    SIRENs and a « réplique n » suffix), plus a proportional sample of the remainder."""
    whole, part = int(factor), factor - int(factor)
    out = []
    for copy in range(whole):
        for b in bodies:
            out.append(b if copy == 0 else {**b, "siren": new_siren(),
                                             "nom": f"{b['nom']} ({label} {copy})"})
    extra = rng.sample(bodies, round(part * len(bodies)))
    extra.sort(key=lambda b: b["siren"])
    for b in extra:
        out.append(b if whole == 0 else {**b, "siren": new_siren(),
                                         "nom": f"{b['nom']} ({label} {whole})"})
    return out


def serial(day: D) -> int:
    return (day - EXCEL_EPOCH).days


class Sheet:
    """Row-by-row writer for xlsxwriter's constant_memory mode."""

    def __init__(self, workbook, name: str, headers: list[str]):
        self.sheet = workbook.add_worksheet(name)
        self.date = workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.euro = workbook.add_format({"num_format": '#,##0.00 "€"'})
        bold = workbook.add_format({"bold": True})
        for column, header in enumerate(headers):
            self.sheet.write_string(0, column, header, bold)
            self.sheet.set_column(column, column, 18)
        self.row = 0

    def add(self, values) -> None:
        self.row += 1
        r, sheet = self.row, self.sheet
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, D):
                sheet.write_number(r, c, serial(value), self.date)
            elif isinstance(value, float):
                sheet.write_number(r, c, value, self.euro)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)


def book(path: Path):
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                               "strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    workbook.set_properties({"created": dt.datetime(2026, 11, 1), "author": "reconcile bench"})
    return workbook


COMMUNE_BRACKETS = [(0, 499, 120.0, 40.0), (500, 1499, 250.0, 60.0),
                    (1500, 4999, 480.0, 90.0), (5000, 19999, 950.0, 150.0),
                    (20000, 99999, 1900.0, 300.0), (100000, None, 3800.0, 600.0)]
EPCI_BRACKETS = [(0, 14999, 900.0, 200.0), (15000, 49999, 1800.0, 350.0),
                 (50000, 199999, 3200.0, 500.0), (200000, None, 5000.0, 800.0)]
FLAT = [("syndicat", 300.0, 90.0), ("ccas", 120.0, 40.0), ("caisse_des_ecoles", 120.0, 40.0),
        ("etablissement_public", 350.0, 90.0), ("autre", 200.0, 60.0)]
CATEGORIES = ["commune", "epci", "syndicat", "ccas", "caisse_des_ecoles",
              "etablissement_public", "autre"]


def tariffs() -> list[list]:
    rows = []
    for category, brackets in (("commune", COMMUNE_BRACKETS), ("epci", EPCI_BRACKETS)):
        for low, high, t2, t1 in brackets:
            span = f"{low}–{high if high is not None else '+'} hab."
            rows.append([2, f"Fonctionnement {category} {span} (2025)", category, low, high,
                         "", round(t2 / 1.05, 2), D(2025, 1, 1), D(2025, 12, 31)])
            rows.append([2, f"Fonctionnement {category} {span}", category, low, high, "",
                         t2, D(2026, 1, 1), None])
            rows.append([1, f"Procédure {category} {span}", category, low, high, "", t1,
                         D(2025, 1, 1), None])
    for category, t2, t1 in FLAT:
        rows.append([2, f"Fonctionnement {category}", category, None, None, "", t2,
                     D(2025, 1, 1), None])
        rows.append([1, f"Procédure {category}", category, None, None, "", t1,
                     D(2025, 1, 1), None])
    for category in CATEGORIES:
        rows.append([2, "Parapheur électronique : session mutualisée", category, None, None,
                     "parapheur", 45.5, D(2025, 1, 1), None])
        rows.append([1, "Marchés publics : frais de procédure par plateforme", category, None,
                     None, "marches_publics", 35.0, D(2025, 1, 1), None])
    return rows


CONSULTATIONS = [
    ["2021-MP", "Plateforme des marchés publics", D(2021, 3, 1), D(2021, 3, 31),
     D(2021, 5, 3), "marches_publics"],
    ["2025-GLOB", "Remise en concurrence de toutes les plateformes", D(2024, 11, 4),
     D(2024, 12, 13), D(2025, 2, 3), ""],
    ["2026-PLAT", "Plateformes marchés, actes et flux comptables", D(2025, 11, 3),
     D(2026, 1, 30), D(2026, 3, 16), "marches_publics, actes, flux_comptables"],
    ["2026-SIGN", "Certificats, convocations et parapheurs", D(2026, 5, 4), D(2026, 6, 30),
     D(2026, 9, 14), "certificats, convocations, parapheur"],
]


def t2_amount(category: str, population: int | None) -> float:
    brackets = {"commune": COMMUNE_BRACKETS, "epci": EPCI_BRACKETS}.get(category)
    if brackets is None:
        return next(t2 for c, t2, _ in FLAT if c == category)
    for low, high, t2, _ in brackets:
        if population >= low and (high is None or population <= high):
            return t2
    raise ValueError(population)


def generate(params: Params, folder: Path) -> dict:
    """Write membres/souscriptions/bareme/titres.xlsx into ``folder``; return counts."""
    rng = random.Random(params.seed)
    communes, epcis = real_bodies()
    taken = {c["siren"] for c in communes} | {e["siren"] for e in epcis}
    new_siren = SirenPool(taken, params.seed)
    factor = 1.0 if params.membres is None else params.membres / national_size(communes, epcis)
    communes = scaled(rng, communes, factor, new_siren, "réplique")
    epcis = scaled(rng, epcis, factor, new_siren, "réplique")
    folder.mkdir(parents=True, exist_ok=True)

    # --- membres -----------------------------------------------------------------
    coordinator = new_siren()
    members: list[list] = [[coordinator, "CIG Grande Couronne (SIREN fictif)",
                            "etablissement_public", None, None, D(2019, 1, 1), None,
                            "coordonnateur"]]

    def joined() -> D:
        return rng.choice(OLD_JOINS) if rng.random() < 0.8 else rng.choice(WINDOW_JOINS)

    def withdrawal(start: D) -> D | None:
        x = rng.random()
        notice = (D(2025, 10, 30) if x < 0.01  # leaves on 1 Jan 2026: not active in 2026
                  else D(2025, 10, 31) if x < 0.02  # one year later: still owes 2026
                  else D(2026, 5, 2) if x < 0.03 else None)
        return notice if notice is not None and start < notice else None

    for c in communes:
        start = joined()
        members.append([c["siren"], c["nom"], "commune", int(c["population"] or 0), None,
                        start, withdrawal(start), None])
    for e in epcis:
        start = joined()
        members.append([e["siren"], e["nom"], "epci", int(e["population"] or 0), None, start,
                        withdrawal(start), None])
    for c in communes:
        population = int(c["population"] or 0)
        if population >= CCAS_FROM:
            start = joined()
            members.append([new_siren(), f"CCAS de {c['nom']} (fictif)", "ccas", None,
                            c["siren"], start, withdrawal(start), None])
        if population >= CAISSE_FROM:
            start = joined()
            members.append([new_siren(), f"Caisse des écoles de {c['nom']} (fictive)",
                            "caisse_des_ecoles", None, c["siren"], start, withdrawal(start),
                            None])
    for i in range(round(SYNDICATS * factor)):
        start = joined()
        members.append([new_siren(), f"Syndicat intercommunal n° {i + 1} (fictif)",
                        "syndicat", None, None, start, withdrawal(start), None])
    workbook = book(folder / "membres.xlsx")
    sheet = Sheet(workbook, "Membres", ["SIREN", "Nom", "Catégorie", "Population",
                                        "Commune de rattachement", "Date adhésion",
                                        "Date notification retrait", "Rôle"])
    for row in members:
        sheet.add([*row[:7], row[7] or "membre"])
    workbook.close()

    # --- souscriptions --------------------------------------------------------------
    workbook = book(folder / "souscriptions.xlsx")
    sheet = Sheet(workbook, "Souscriptions", ["SIREN", "Prestation", "Date début", "Date fin"])
    counts = [1, 2, 3, 3, 4, 4, 5, 6]  # 3.5 services per member on average
    subscriptions = 0
    for siren, _, _, _, _, start, _, _ in members:
        for service in sorted(rng.sample(SERVICES, rng.choice(counts))):
            x = rng.random()
            if x < 0.02 and start < D(2020, 1, 1):  # two periods, not overlapping
                sheet.add([siren, service, None, D(2022, 12, 31)])
                sheet.add([siren, service, D(2023, 1, 1), None])
                subscriptions += 2
                continue
            if x < 0.07 and start <= D(2025, 12, 31):
                sheet.add([siren, service, None, D(2025, 12, 31)])  # ended before 2026
            elif x < 0.12 and start < D(2026, 7, 1):
                sheet.add([siren, service, D(2026, 7, 1), None])
            else:
                sheet.add([siren, service])
            subscriptions += 1
    workbook.close()

    # --- bareme ---------------------------------------------------------------------
    workbook = book(folder / "bareme.xlsx")
    sheet = Sheet(workbook, "Bareme", ["Type frais", "Libellé", "Catégorie", "Population min",
                                       "Population max", "Prestation", "Montant",
                                       "Valable du", "Valable au"])
    for row in tariffs():
        sheet.add(row)
    sheet = Sheet(workbook, "Consultations", ["Code", "Libellé", "Début adhésion",
                                              "Fin adhésion", "Date lancement", "Prestations"])
    for row in CONSULTATIONS:
        sheet.add(row)
    sheet = Sheet(workbook, "Exonerations", ["SIREN", "Type frais", "Exercice", "Motif"])
    syndicats = [m for m in members if m[2] == "syndicat"]
    exempt = syndicats[::150]
    for m in exempt:
        sheet.add([m[0], 2, 2026, "Délibération du CA : syndicat en cours de dissolution"])
    workbook.close()

    # --- titres ---------------------------------------------------------------------
    workbook = book(folder / "titres.xlsx")
    sheet = Sheet(workbook, "Titres", ["Numéro", "SIREN", "Exercice", "Type frais",
                                       "Consultation", "Montant", "Date émission",
                                       "Montant encaissé", "Date encaissement"])
    number = 0

    def titre(siren, exercice, type_frais, consultation, amount, paid, emitted):
        nonlocal number
        number += 1
        sheet.add([f"T{exercice}-{number:06d}", siren, exercice, type_frais, consultation,
                   float(amount), emitted, float(paid), D(2026, 6, 1) if paid else None])

    for m in members[1:]:
        siren, _, category, population, _, start, _, _ = m
        x = rng.random()
        if x < 0.48:  # type 2 of 2026 (per-member row only: per-service rows → sous-titré)
            base = t2_amount(category, population)
            y = rng.random()
            amount = base - 50 if y < 0.05 else base + 100 if y < 0.08 else base
            paid = amount if y < 0.6 else round(amount / 2, 2) if y < 0.8 else 0.0
            titre(siren, 2026, 2, "", amount, max(paid, 0.0), D(2026, 4, 15))
            if y > 0.995:
                titre(siren, 2026, 2, "", -amount, 0.0, D(2026, 5, 20))  # annulation
        elif x < 0.62 and start <= D(2026, 1, 30):
            titre(siren, 2026, 1, "2026-PLAT", 90.0, 90.0 if x < 0.58 else 0.0,
                  D(2026, 4, 30))
        elif x < 0.625:
            titre(siren, 2025, 2, "", 100.0, 100.0, D(2025, 4, 15))  # previous exercise
    for _ in range(max(1, number // 2000)):
        titre(new_siren(), 2026, 2, "", 300.0, 0.0, D(2026, 4, 15))  # membre inconnu
    workbook.close()
    return {"membres": len(members), "souscriptions": subscriptions,
            "bareme": len(tariffs()), "consultations": len(CONSULTATIONS),
            "exonerations": len(exempt), "titres": number}


def cached_inputs(params: Params, say=print) -> tuple[Path, dict]:
    """The inputs folder for ``params``, generated on first use only."""
    folder = OUT / "inputs" / params.digest()
    meta_file = folder / "meta.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        say(f"Entrées en cache : {folder} ({meta['counts']['membres']} membres)")
        return folder / "xlsx", meta
    say(f"Génération des entrées ({_label(params)}) dans {folder} …")
    began = time.perf_counter()
    staging = folder.with_name(folder.name + ".tmp")
    if staging.exists():
        for p in sorted(staging.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    counts = generate(params, staging / "xlsx")
    meta = {"params": asdict(params), "counts": counts,
            "seconds": round(time.perf_counter() - began, 2),
            "bytes": {p.name: p.stat().st_size for p in (staging / "xlsx").iterdir()}}
    (staging / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    staging.rename(folder)
    say(f"  {counts} en {meta['seconds']} s")
    return folder / "xlsx", meta


def _label(params: Params) -> str:
    return "national" if params.membres is None else f"{params.membres} membres"

