"""Generate the bundled sample in inputs/ (deterministic: same seed, same workbooks).

Real communes and EPCI of the Grande Couronne (78, 91, 95) with their real SIREN and
population, from data/ (INSEE COG and DGCL BANATIC via @etalab/decoupage-administratif
6.0.0). CCAS, caisses des écoles, syndicats and the coordinator's SIREN are
*generated* (Luhn-valid, used by no real body in data/); the barème amounts are
*illustrative*: the amounts voted by the board are not in our sources. Each workbook
says so in its `Notice` sheet.

    python scripts/make_sample.py [DOSSIER]
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from pathlib import Path

import xlsxwriter
from stdnum import luhn
from stdnum.fr import siret

ROOT = Path(__file__).resolve().parent.parent
D = dt.date
SERVICES = ["marches_publics", "actes", "flux_comptables", "certificats", "convocations",
            "parapheur"]


def real_bodies():
    with open(ROOT / "data/communes.csv", encoding="utf-8") as handle:
        everyone = list(csv.DictReader(handle))
    with open(ROOT / "data/epci.csv", encoding="utf-8") as handle:
        epcis = list(csv.DictReader(handle))
    communes = [r for r in everyone if r["departement"] in ("78", "91", "95")]
    sirens = {c["siren"] for c in communes}
    local = [e for e in epcis
             if sum(s in sirens for s in e["communes_membres"].split()) > 3]
    return communes, local, {r["siren"] for r in everyone} | {e["siren"] for e in epcis}


def generated_siren(rng: random.Random, taken: set[str]) -> str:
    while True:
        body = "99" + f"{rng.randrange(10**6):06d}"
        siren = body + luhn.calc_check_digit(body)
        if siren not in taken:
            taken.add(siren)
            return siren


def siret_of(siren: str) -> str:
    """The head office's SIRET of a generated SIREN: the first NIC that makes it valid."""
    return next(siren + f"{nic:05d}" for nic in range(1, 100)
                if siret.is_valid(siren + f"{nic:05d}"))


def town_hall(commune, service="Hôtel de ville"):
    """An illustrative postal address at the commune's town hall. The postal code is
    approximated by the INSEE code (same département, five digits): data/ has no postal
    codes."""
    return ["1 place de la Mairie", service, commune["code_insee"], commune["nom"].upper()[:38]]


def seat(epci, communes):
    """The EPCI's address: the town hall of its first member commune in data/."""
    by_siren = {c["siren"]: c for c in communes}
    first = next(by_siren[s] for s in epci["communes_membres"].split() if s in by_siren)
    return ["1 place de la Mairie", "Siège communautaire", *town_hall(first)[2:]]


def notice(workbook, lines):
    sheet = workbook.add_worksheet("Notice")
    sheet.set_column(0, 0, 110)
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line)


def table(workbook, name, headers, rows, widths=None):
    sheet = workbook.add_worksheet(name)
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    euro = workbook.add_format({"num_format": '#,##0.00 "€"'})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
        sheet.set_column(column, column, (widths or {}).get(header, 16))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, D):
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
            elif isinstance(value, float):
                sheet.write_number(r, c, value, euro)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    sheet.activate() if name in ("Membres", "Souscriptions", "Bareme", "Titres") else None
    return sheet


def book(path):
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    workbook.set_properties({"created": dt.datetime(2026, 11, 1), "author": "reconcile"})
    return workbook


def main(folder: Path) -> None:
    rng = random.Random(2026)
    communes, epcis, taken = real_bodies()
    folder.mkdir(parents=True, exist_ok=True)
    chosen = sorted(rng.sample(communes, 190), key=lambda c: c["code_insee"])
    members = chosen[:170]
    outsiders = chosen[170:]  # real communes that are NOT members (their CCAS pay type 2)
    coordinator = generated_siren(rng, taken)
    rows = [[coordinator, "CIG Grande Couronne (SIREN fictif)", "etablissement_public", "",
             "", D(2019, 1, 1), None, "coordonnateur",
             "15 rue Boileau", "", "78000", "VERSAILLES"]]
    windows = [D(2021, 3, 15), D(2022, 6, 1), D(2023, 2, 10), D(2024, 11, 20), D(2026, 1, 20)]
    for i, c in enumerate(members):
        joined = windows[i % 4] if i < 166 else D(2026, 2, 10)
        rows.append([c["siren"], c["nom"], "commune", int(c["population"]), "", joined, None,
                     "membre", *town_hall(c)])
    for e in epcis[:8]:
        rows.append([e["siren"], e["nom"], "epci", int(e["population"]), "", D(2022, 6, 1),
                     None, "membre", *seat(e, communes)])
    for i, c in enumerate(members[:40] + outsiders[:8]):
        rows.append([generated_siren(rng, taken), f"CCAS de {c['nom']} (fictif)", "ccas", "",
                     c["siren"], windows[i % 4], None, "membre",
                     *town_hall(c, "Centre communal d'action sociale")])
    for i, c in enumerate(members[40:60] + outsiders[8:12]):
        rows.append([generated_siren(rng, taken), f"Caisse des écoles de {c['nom']} (fictive)",
                     "caisse_des_ecoles", "", c["siren"], windows[i % 3], None, "membre",
                     *town_hall(c, "Caisse des écoles")])
    for i in range(15):
        rows.append([generated_siren(rng, taken), f"Syndicat intercommunal n° {i + 1} (fictif)",
                     "syndicat", "", "", windows[i % 4], None, "membre",
                     *town_hall(members[60 + i], "Syndicat intercommunal")])
    rows.append([generated_siren(rng, taken), "Office de tourisme intercommunal (fictif)",
                 "etablissement_public", "", "", D(2023, 2, 10), None, "membre",
                 "2 rue de la Gare", "Office de tourisme", *town_hall(members[80])[2:]])
    rows.append([generated_siren(rng, taken), "Association de gestion du refuge (fictif)",
                 "autre", "", "", D(2024, 11, 20), None, "membre",
                 "Chemin du Refuge", "Lieu-dit Les Bruyères", *town_hall(members[90])[2:]])
    # R2 cases: 30 October (leaves 1 Jan next year) vs 31 October (one year later).
    rows[3][6] = D(2025, 10, 30)
    rows[4][6] = D(2025, 10, 31)
    rows[5][6] = D(2026, 4, 2)
    rows[6][5] = D(2025, 8, 14)  # adhesion outside any window: a warning (R5)
    header = ["SIREN", "Nom", "Catégorie", "Population", "Commune de rattachement",
              "Date adhésion", "Date notification retrait", "Rôle", "Adresse",
              "Complément d'adresse", "Code postal", "Ville"]
    workbook = book(folder / "membres.xlsx")
    table(workbook, "Membres", header, rows, {"Nom": 44})
    notice(workbook, [
        "Échantillon de démonstration de reconcile.",
        "Communes et EPCI : réels (78, 91, 95), SIREN et population municipale réels "
        "(INSEE COG, DGCL BANATIC, via @etalab/decoupage-administratif 6.0.0, Licence Ouverte).",
        "CCAS, caisses des écoles, syndicats, établissements et SIREN du coordonnateur : "
        "GÉNÉRÉS (SIREN fictifs, valides au sens de Luhn, n'appartenant à aucun organisme réel).",
        "Adresses ILLUSTRATIVES (hôtel de ville, 1 place de la Mairie) ; le code postal est "
        "approché par le code INSEE de la commune (nos sources n'ont pas les codes postaux).",
    ])
    workbook.close()

    subs = []
    for member in rows[1:]:
        siren, category, joined = member[0], member[2], member[5]
        count = rng.choice([1, 2, 3, 3, 4, 6])
        for service in sorted(rng.sample(SERVICES, count)):
            start, end = None, None
            if rng.random() < 0.1 and joined < D(2025, 12, 31):
                end = D(2025, 12, 31)  # ended before the exercise
            elif rng.random() < 0.08:
                start = D(2026, 7, 1)
            subs.append([siren, service, start, end])
    workbook = book(folder / "souscriptions.xlsx")
    table(workbook, "Souscriptions", ["SIREN", "Prestation", "Date début", "Date fin"], subs)
    notice(workbook, ["Souscriptions générées pour la démonstration (choix à la carte "
                      "tirés au hasard, graine fixe)."])
    workbook.close()

    tariffs = []
    brackets = [(0, 999, 150.0, 80.0), (1000, 4999, 400.0, 120.0), (5000, 19999, 900.0, 250.0),
                (20000, None, 1800.0, 450.0)]
    for low, high, old, _ in brackets:
        tariffs.append([2, f"Fonctionnement commune {low}–{high or '+'} hab. (2025)", "commune",
                        low, high, "", old, D(2025, 1, 1), D(2025, 12, 31)])
    for low, high, old, t1 in brackets:
        tariffs.append([2, f"Fonctionnement commune {low}–{high or '+'} hab.", "commune", low,
                        high, "", round(old * 1.05, 2), D(2026, 1, 1), None])
        tariffs.append([1, f"Procédure commune {low}–{high or '+'} hab.", "commune", low, high,
                        "", t1, D(2025, 1, 1), None])
    for category, t2, t1 in [("epci", 2500.0, 600.0), ("syndicat", 300.0, 90.0),
                             ("ccas", 120.0, 40.0), ("caisse_des_ecoles", 120.0, 40.0),
                             ("etablissement_public", 350.0, 90.0), ("autre", 200.0, 60.0)]:
        tariffs.append([2, f"Fonctionnement {category}", category, "", "", "", t2,
                        D(2025, 1, 1), None])
        tariffs.append([1, f"Procédure {category}", category, "", "", "", t1, D(2025, 1, 1),
                        None])
    for category in ("commune", "epci", "syndicat", "ccas", "caisse_des_ecoles",
                     "etablissement_public", "autre"):
        tariffs.append([2, "Parapheur électronique : session mutualisée", category, "", "",
                        "parapheur", 45.5, D(2025, 1, 1), None])
        tariffs.append([1, "Marchés publics : frais de procédure par plateforme", category, "",
                        "", "marches_publics", 35.0, D(2025, 1, 1), None])
    workbook = book(folder / "bareme.xlsx")
    table(workbook, "Bareme", ["Type frais", "Libellé", "Catégorie", "Population min",
                               "Population max", "Prestation", "Montant", "Valable du",
                               "Valable au"], tariffs, {"Libellé": 50})
    table(workbook, "Consultations", ["Code", "Libellé", "Début adhésion", "Fin adhésion",
                                      "Date lancement", "Prestations"], [
        ["2021-MP", "Plateforme des marchés publics", D(2021, 3, 1), D(2021, 3, 31),
         D(2021, 5, 3), "marches_publics"],
        ["2022-ACT", "Actes et flux comptables", D(2022, 5, 16), D(2022, 6, 30),
         D(2022, 9, 5), "actes, flux_comptables"],
        ["2023-CERT", "Certificats de signature", D(2023, 1, 16), D(2023, 2, 28),
         D(2023, 4, 3), "certificats"],
        ["2025-GLOB", "Remise en concurrence de toutes les plateformes", D(2024, 11, 4),
         D(2024, 12, 13), D(2025, 2, 3), ""],
        ["2026-PLAT", "Plateformes marchés, actes et flux comptables", D(2025, 11, 3),
         D(2026, 1, 30), D(2026, 3, 16), "marches_publics, actes, flux_comptables"],
        ["2026-SIGN", "Certificats, convocations et parapheurs", D(2026, 5, 4), D(2026, 6, 30),
         D(2026, 9, 14), "certificats, convocations, parapheur"],
    ], {"Libellé": 48, "Prestations": 40})
    syndicat = next(r for r in rows if r[2] == "syndicat")
    table(workbook, "Exonerations", ["SIREN", "Type frais", "Exercice", "Motif"], [
        [syndicat[0], 2, 2026, "Délibération du CA du 12/03/2026 : syndicat en cours de "
                               "dissolution"],
    ], {"Motif": 70})
    table(workbook, "Parametres", ["Paramètre", "Valeur"], [
        ["siret_coordonnateur", siret_of(coordinator)], ["id_poste", "078000"],
        ["code_collectivite", "123"], ["code_budget", "01"], ["nature_type_1", "70878"],
        ["nature_type_2", "70878"], ["code_produit_type_1", "GC1"],
        ["code_produit_type_2", "GC2"], ["prochain_bordereau", 12],
        ["prochain_bordereau_02", 3], ["prochain_titre", 345],
        ["seuil_recouvrement", "15,00"], ["delai_relance", 60],
        ["deliberation", "délibération n° 2025-40 du 12/12/2025"],
        # who sends and who collects: FICTITIOUS, as the Notice says
        ["coordonnateur", "Centre de gestion de la fonction publique territoriale "
                          "(coordonnateur fictif)"],
        ["adresse_coordonnateur", "1 rue de l'Exemple – 78000 Versailles"],
        ["contact", "Service de la refacturation – 01 23 45 67 89 – "
                    "refacturation@exemple.fr"],
        ["ordonnateur", "Jeanne Exemple"], ["qualite_ordonnateur", "La Présidente"],
        ["comptable", "Service de gestion comptable de Versailles (fictif)"],
        ["adresse_comptable", "2 avenue de l'Exemple – 78000 Versailles"],
        ["iban", "FR76 3000 1007 9412 3456 7890 185"], ["bic", "BDFEFRPPCCT"],
        # no comma in these values: a CSV copy of the sheet (tests/test_csv.py) would be
        # split on them by the separator detection
        ["tribunal_administratif", "Tribunal administratif de Versailles – 56 avenue de "
                                   "Saint-Cloud – 78011 Versailles Cedex"],
        ["delai_paiement", 30],
    ], {"Paramètre": 24, "Valeur": 60})
    notice(workbook, ["Barème ILLUSTRATIF : les montants votés par le conseil "
                      "d'administration ne figurent pas dans nos sources.",
                      "Il change au 1er janvier 2026 pour le type 2 (hausse de 5 % des "
                      "communes).",
                      "Paramètres Hélios FICTIFS (SIRET du coordonnateur, poste comptable, "
                      "codes) : à remplacer par ceux que donne le comptable.",
                      "Identité FICTIVE (coordonnateur, ordonnateur, comptable, IBAN d'exemple, "
                      "adresses) : à remplacer par "
                      "celle de l'organisme qui utilise l'outil."])
    workbook.close()
    write_titres(folder, rows, rng, taken)


def write_titres(folder: Path, members, rng, taken) -> None:
    """Titres chosen so that every status appears (amounts from the illustrative barème)."""
    communes = [m for m in members if m[2] == "commune"]
    titres = []
    number = 0

    def titre(siren, exercice, type_frais, consultation, amount, paid, emitted=None):
        nonlocal number
        number += 1
        titres.append([str(number), siren, exercice, type_frais, consultation,
                       amount, emitted or D(2026, 4, 15), paid, D(2026, 6, 1) if paid else None])

    def t2_amount(population):
        for low, high, amount in [(0, 999, 157.5), (1000, 4999, 420.0), (5000, 19999, 945.0)]:
            if low <= population <= high:
                return amount
        return 1890.0

    for i, m in enumerate(communes[10:120]):
        base = t2_amount(m[3])
        if i % 11 == 0:
            titre(m[0], 2026, 2, "", base - 50, 0.0)  # sous-titré
        elif i % 13 == 0:
            titre(m[0], 2026, 2, "", base + 100, base)  # sur-titré
        elif i % 17 == 0:
            titre(m[0], 2026, 2, "", base, 0.0)
            titre(m[0], 2026, 2, "", -base, 0.0, D(2026, 5, 20))  # annulation → à émettre
        else:
            titre(m[0], 2026, 2, "", base, base if i % 3 else round(base / 2, 2))
    exempt_ccas = next(m for m in members if m[2] == "ccas")
    titre(exempt_ccas[0], 2026, 2, "", 120.0, 120.0)  # indu: exempt under R1
    titre(members[3][0], 2026, 2, "", 157.5, 0.0)  # indu if that commune left on 1 Jan 2026
    titre(generated_siren(rng, taken), 2026, 2, "", 300.0, 0.0)  # inconnu
    titre(communes[12][0], 2025, 2, "", 150.0, 150.0)  # previous exercise: not reconciled
    workbook = book(folder / "titres.xlsx")
    table(workbook, "Titres", ["Numéro", "SIREN", "Exercice", "Type frais", "Consultation",
                               "Montant", "Date émission", "Montant encaissé",
                               "Date encaissement"], titres)
    notice(workbook, ["Titres de recettes GÉNÉRÉS pour la démonstration : ils produisent "
                      "chaque statut du rapprochement."])
    workbook.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "inputs")
