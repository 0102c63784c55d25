"""Blank input templates (`reconcile init`): one workbook per input of spécification §2.

Each template has the exact columns of its ``schemas`` declaration, headed as an
officer would write them (they normalise back to the declared names), dropdown lists
on coded columns, date / euro / text formats and validations on 2,000 rows, a frozen
header and a ``Notice`` sheet (ignored by the reader) explaining every column.

Templates are made here as documents (bytes); ``run.publish.write_templates`` writes
them, never over an existing input: a template whose stem is already present in the
folder, in any accepted format, is refused; the file is created by linking a finished
temporary file to its name, which fails if the name appeared meanwhile.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from xlsxwriter.worksheet import Worksheet

from schemas import (
    BAREME,
    CATEGORIES,
    CONSULTATIONS,
    EXONERATIONS,
    MEMBRES,
    PARAMETRES,
    PRESTATIONS,
    ROLES,
    SOUSCRIPTIONS,
    TITRES,
    TYPES_FRAIS,
    SheetSpec,
)
from schemas.codes import NEED_COMMUNE, NEED_POPULATION
from schemas.headers import HEADERS

from ..core.columns import SIREN
from ..core.model import Document
from ..core.wording import category, euros
from ..read.cells import FIRST_DATE, LAST_DATE
from ..read.parameters import KEYS
from .xlsx import DATE, EURO, Book

ROWS = 2_000  # data rows given formats, dropdowns and validations
CREATED = dt.datetime(2026, 1, 1)  # pinned: the same version writes the same bytes
NOTICE = "Notice"


# Coded columns and their allowed values (dropdown lists).
CODES: dict[str, dict] = {
    "categorie": CATEGORIES, "prestation": PRESTATIONS, "role": ROLES,
    "type_frais": TYPES_FRAIS,
}

KIND_LABELS = {
    "siren": "SIREN (9 chiffres)", "text": "texte", "code": "code (liste déroulante)",
    "date": "date jj/mm/aaaa", "amount": "montant en euros", "integer": "nombre entier",
}
# The example member is a real commune, with its real SIREN (data/communes.csv).
EXAMPLE_COMMUNE, EXAMPLE_SIREN, EXAMPLE_POPULATION = "Versailles", "217806462", "84095"
EXAMPLE_DELIBERATION = "n° 2025-42 du 12/12/2025"
LABELLED = ("categorie", "prestation", "role")  # dropdowns show labels, not codes


def _listed(codes: dict) -> str:
    return ", ".join(str(label) for label in codes.values())


# (sheet, column) → (required, rule, example) for the Notice; the required text
# defaults to « oui » / « non » from the declaration.
RULES: dict[tuple[str, str], tuple[str | None, str, str]] = {
    ("Membres", SIREN): (None, "Unique dans le fichier ; 9 chiffres (espaces admis), clé "
                           "de contrôle valide. Un SIRET (14 chiffres) est refusé : n'en garder "
                           "que les 9 premiers.", EXAMPLE_SIREN),
    ("Membres", "nom"): (None, "Nom de l'organisme, tel qu'il figurera sur les relevés.",
                         f"Commune de {EXAMPLE_COMMUNE}"),
    ("Membres", "categorie"): (None, f"Une valeur de la liste : {_listed(CATEGORIES)}.",
                               CATEGORIES["commune"]),
    ("Membres", "population"): (f"pour {' et '.join(map(category, NEED_POPULATION))}",
                                "Entier positif ou nul ; sert aux tranches de population "
                                "du barème.", EXAMPLE_POPULATION),
    ("Membres", "commune_rattachement"): (
        f"pour {' et '.join(map(category, NEED_COMMUNE))}",
        "SIREN de la commune dont dépend l'organisme ; si elle figure dans ce fichier, "
        "elle doit être de catégorie commune (exonération R1).", EXAMPLE_SIREN),
    ("Membres", "date_adhesion"): (None, "Date d'adhésion au groupement.", "15/01/2020"),
    ("Membres", "date_notification_retrait"): (
        None, "Jour où le coordonnateur a reçu la notification de retrait : reçue au plus "
        "tard le 30 octobre, le retrait prend effet le 1er janvier suivant, sinon un an "
        "plus tard (R2). Vide : pas de retrait.", "12/10/2026"),
    ("Membres", "role"): ("non (défaut : membre)",
                          f"{_listed(ROLES)} ; un seul coordonnateur, jamais facturé.",
                          ROLES["membre"]),
    ("Membres", "adresse"): ("pour recevoir des titres par PES Aller",
                             "Numéro et voie (38 caractères au plus) : adresse du débiteur "
                             "des titres, des lettres de relance et des relevés.",
                             "1 place de la Mairie"),
    ("Membres", "complement_adresse"): (None, "Bâtiment, service, lieu-dit (38 caractères au "
                                        "plus).", "Hôtel de ville"),
    ("Membres", "code_postal"): ("pour recevoir des titres par PES Aller",
                                 "5 chiffres, saisis comme du texte pour garder le zéro de "
                                 "tête.", "78000"),
    ("Membres", "ville"): ("pour recevoir des titres par PES Aller",
                           "Localité de destination (38 caractères au plus).", "VERSAILLES"),
    ("Souscriptions", SIREN): (None, "Une ligne par membre et par prestation ; le SIREN "
                                 "doit figurer dans membres.", EXAMPLE_SIREN),
    ("Souscriptions", "prestation"): (None, f"Une valeur de la liste : {_listed(PRESTATIONS)}.",
                                      PRESTATIONS["parapheur"]),
    ("Souscriptions", "date_debut"): ("non (défaut : date d'adhésion)",
                                      "Début de la souscription.", "01/01/2024"),
    ("Souscriptions", "date_fin"): (None, "Fin de la souscription, postérieure au début ; "
                                    "vide : en cours. Deux périodes d'une même prestation "
                                    "ne doivent pas se chevaucher.", "31/12/2026"),
    ("Bareme", "type_frais"): (None, "; ".join(f"{k} = {v}" for k, v in TYPES_FRAIS.items())
                               + ".", "2"),
    ("Bareme", "libelle"): (None, "Libellé du tarif, repris sur les relevés.",
                            "Fonctionnement – commune de moins de 1 000 habitants"),
    ("Bareme", "categorie"): (None, "Catégorie de membre tarifée ; pas de joker : lister "
                              "chaque catégorie facturable.", CATEGORIES["commune"]),
    ("Bareme", "population_min"): ("non (vide = 0)", "Borne basse incluse de la tranche.",
                                   "0"),
    ("Bareme", "population_max"): ("non (vide = sans limite)",
                                   "Borne haute incluse de la tranche.", "999"),
    ("Bareme", "prestation"): (None, "Vide : tarif par membre ; renseignée : tarif par "
                               "prestation souscrite (les deux s'additionnent).", ""),
    ("Bareme", "montant"): (None, "En euros, positif ou nul, 2 décimales au plus.",
                            "150,00"),
    ("Bareme", "valable_du"): (None, "Début de validité. Type 2 : tarif en vigueur au 1er "
                               "janvier de l'exercice ; type 1 : à la date de lancement "
                               "de la consultation.", "01/01/2024"),
    ("Bareme", "valable_au"): (None, "Fin de validité ; vide : sans fin. Deux tarifs "
                               "identiques ne doivent pas se chevaucher.", ""),
    ("Bareme", "deliberation"): (None, "Délibération qui a voté ce tarif (numéro et date), "
                                 "citée sur les relevés des membres.", EXAMPLE_DELIBERATION),
    ("Consultations", "code"): (None, "Code unique de la remise en concurrence.", "C2026"),
    ("Consultations", "libelle"): (None, "Intitulé de la consultation.",
                                   "Parapheurs électroniques 2026"),
    ("Consultations", "debut_adhesion"): (None, "Ouverture de la période d'adhésion.",
                                          "01/11/2025"),
    ("Consultations", "fin_adhesion"): (None, "Clôture de la période d'adhésion : participent "
                                        "les membres ayant adhéré au plus tard ce jour (R5).",
                                        "31/01/2026"),
    ("Consultations", "date_lancement"): (None, "Lancement, après la fin d'adhésion ; fixe "
                                          "l'exercice et le tarif des frais de type 1.",
                                          "02/03/2026"),
    ("Consultations", "prestations"): (None, "Prestations couvertes, séparées par des "
                                       f"virgules ({_listed(PRESTATIONS)}) ; vide : "
                                       "toutes.", f"{PRESTATIONS['parapheur']}, "
                                       f"{PRESTATIONS['convocations']}"),
    ("Consultations", "deliberation"): (None, "Délibération qui a lancé la consultation "
                                        "(numéro et date), citée sur les relevés.",
                                        "n° 2025-38 du 14/10/2025"),
    ("Exonerations", SIREN): (None, "Membre exonéré par délibération.", EXAMPLE_SIREN),
    ("Exonerations", "type_frais"): (None, "Type de frais exonéré (1 ou 2).", "2"),
    ("Exonerations", "exercice"): ("non (vide = tous)", "Année exonérée.", "2026"),
    ("Exonerations", "motif"): (None, "Motif de l'exonération, repris sur les relevés "
                                "(il s'adresse au membre).", "Budget de fonctionnement "
                                "inférieur à 10 000 €"),
    ("Exonerations", "deliberation"): (None, "Délibération qui a voté l'exonération "
                                       "(numéro et date), citée sur les relevés.",
                                       "n° 2026-12 du 10/02/2026"),
    ("Titres", "numero"): (None, "Numéro du titre de recettes, unique dans son exercice.",
                           "T-2026-0042"),
    ("Titres", "ligne"): ("non", "Numéro de la ligne du titre, quand il en a plusieurs.",
                          "1"),
    ("Titres", SIREN): (None, "Membre débiteur.", EXAMPLE_SIREN),
    ("Titres", "exercice"): (None, "Exercice facturé (année).", "2026"),
    ("Titres", "type_frais"): (None, "Type de frais facturé (1 ou 2).", "1"),
    ("Titres", "consultation"): ("pour le type 1", "Code d'une consultation du barème ; "
                                 "vide pour le type 2.", "C2026"),
    ("Titres", "montant"): (None, "En euros ; négatif pour une annulation ou réduction.",
                            "150,00"),
    ("Titres", "date_emission"): (None, "Date d'émission du titre.", "01/04/2026"),
    ("Titres", "montant_encaisse"): ("non (défaut 0)", "Montant encaissé, positif ou nul.",
                                     "150,00"),
    ("Titres", "date_encaissement"): (None, "Date de l'encaissement.", "15/05/2026"),
    ("Parametres", "parametre"): (None, "Nom du paramètre (une ligne par paramètre, voir "
                                  "ci-dessous) ; un paramètre n'est exigé que par la "
                                  "fonction qui s'en sert (PES Retour, PES Aller).",
                                  "seuil_recouvrement"),
    ("Parametres", "valeur"): ("non (vide = défaut ou absent)", "Valeur du paramètre ; "
                               "saisir les codes comme du texte.", "15,00"),
}


@dataclass(frozen=True)
class Template:
    stem: str
    specs: tuple[SheetSpec, ...]
    title: str


TEMPLATES = (
    Template("membres", (MEMBRES,), "Membres du groupement"),
    Template("souscriptions", (SOUSCRIPTIONS,), "Prestations souscrites par chaque membre"),
    Template("bareme", (BAREME, CONSULTATIONS, EXONERATIONS, PARAMETRES),
             "Barème voté, consultations, exonérations et paramètres Hélios"),
    Template("titres", (TITRES,), "Titres de recettes émis et encaissements (facultatif)"),
)


def render(template: Template, scratch: str) -> Document:
    """One template as a document (``<stem>.xlsx``); ``scratch``: the folder its rows
    stream through. ``reconcile init`` writes it (``run.publish.write_templates``)."""
    book = Book(CREATED, scratch)
    book.workbook.set_properties({"created": CREATED, "author": "reconcile",
                                  "title": f"Modèle {template.stem} – {template.title}"})
    styles = _styles(book)
    for spec in template.specs:
        _data_sheet(book, styles, spec)
    _notice(book, styles, template)
    return Document(f"{template.stem}.xlsx", book.close())


def _styles(book: Book) -> dict:
    add = book.workbook.add_format
    book.add_format("wrap", {"text_wrap": True, "valign": "top"})
    return {
        "required": add({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                         "text_wrap": True, "valign": "top", "border": 1}),
        "optional": add({"bold": True, "bg_color": "#9DC3E6", "text_wrap": True,
                         "valign": "top", "border": 1}),
        "siren": add({"num_format": "@"}),
        "text": add({"num_format": "@"}),
        "code": add({"num_format": "@"}),
        "date": add({"num_format": DATE}),
        "amount": add({"num_format": EURO}),
        "integer": add({"num_format": "0"}),
        "title": book.formats["title"],
    }


WIDTHS = {"siren": 13, "date": 13, "amount": 14, "integer": 10, "code": 20, "text": 18}


def _data_sheet(book: Book, styles: dict, spec: SheetSpec) -> None:
    sheet = book.workbook.add_worksheet(spec.sheet)
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.freeze_panes(1, 0)
    sheet.set_row(0, 32)
    for column, (name, kind) in enumerate(spec.columns.items()):
        header = HEADERS[name]
        if name in ("nom", "libelle", "motif"):
            width = 34
        elif name == "deliberation":
            width = len(EXAMPLE_DELIBERATION) + 4
        elif name in CODES:
            width = min(max(len(str(choice)) for choice in _choices(name)) + 4, 60)
        else:
            width = WIDTHS[kind]
        width = max(width, len(header) + 3)
        sheet.set_column(column, column, width, styles[kind])
        style = styles["required" if name in spec.required else "optional"]
        sheet.write_string(0, column, header, style)
        _validate(sheet, column, spec.sheet, name, kind)
    if spec is PARAMETRES:  # one row per key, defaults filled in
        for row, key in enumerate(KEYS, start=1):
            sheet.write_string(row, 0, key.name)
            if key.default is not None:
                default = key.default / 100 if key.name == "seuil_recouvrement" else key.default
                sheet.write_number(row, 1, default)


def _validate(sheet: Worksheet, column: int, sheet_name: str, name: str, kind: str) -> None:
    _, rule, example = RULES[(sheet_name, name)]
    header = HEADERS[name]
    common: dict[str, Any] = {"input_title": header[:32], "error_title": "Saisie invalide",
                              "ignore_blank": True}
    options: dict[str, Any]
    if name in CODES:
        codes = _choices(name)
        if name == "type_frais":
            message = "; ".join(f"{k} = {v}" for k, v in CODES[name].items())
        else:
            message = "Choisir dans la liste."
        options = {"validate": "list", "source": codes, "input_message": message[:255],
                   "error_message": f"Valeur admise : {', '.join(codes)}"[:255]}
    elif kind == "date":
        options = {"validate": "date", "criteria": "between",
                   "minimum": dt.datetime.combine(FIRST_DATE, dt.time()),
                   "maximum": dt.datetime.combine(LAST_DATE, dt.time()),
                   "input_message": f"Date jj/mm/aaaa, par exemple {example or '01/01/2026'}.",
                   "error_message": "Saisir une date au format jj/mm/aaaa."}
    elif kind == "amount" and (sheet_name, name) != ("Titres", "montant"):
        options = {"validate": "decimal", "criteria": ">=", "value": 0,
                   "input_message": rule[:255],
                   "error_message": "Saisir un montant en euros (2 décimales au plus)."}
    elif kind == "integer":
        limits = (2000, 2100) if name == "exercice" else (0, 100_000_000)
        options = {"validate": "integer", "criteria": "between", "minimum": limits[0],
                   "maximum": limits[1], "input_message": rule[:255],
                   "error_message": f"Saisir un nombre entier de {limits[0]} à {limits[1]}."}
    else:
        options = {"validate": "any", "input_message": rule[:255]}
    options.update(common)
    if options["validate"] == "any":
        del options["error_title"]
    sheet.data_validation(1, column, ROWS, column, options)


def _choices(name: str) -> list[str]:
    """What a dropdown offers: the labels (read back as their codes), or the type number."""
    return [str(v) for v in (CODES[name].values() if name in LABELLED else CODES[name])]


NOTICE_WIDTHS = (16, 26, 22, 30, 70, 30)


def _notice(book: Book, styles: dict, template: Template) -> None:
    sheet = book.workbook.add_worksheet(NOTICE)
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    for column, width in enumerate(NOTICE_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, f"Modèle « {template.stem} » – {template.title}", styles["title"])
    lines = [
        "Groupement de commandes – dématérialisation des procédures : le coordonnateur, "
        "l'ordonnateur qui signe et le comptable public sont des clés de la feuille "
        "Parametres du barème.",
        "Saisir une ligne par enregistrement sous les en-têtes, sans les modifier ni insérer "
        "de ligne au-dessus ; cette feuille Notice est ignorée à la lecture.",
        "En-têtes bleu foncé : colonnes obligatoires ; bleu clair : facultatives ou "
        "obligatoires selon le cas (colonne « Obligatoire »).",
        "Dates au format jj/mm/aaaa ; montants en euros avec 2 décimales au plus "
        "(1 234,56) ; SIREN saisis comme du texte pour garder les zéros initiaux.",
        "Vérifier le fichier avant le traitement mensuel : reconcile check --mois AAAA-MM",
    ]
    row = 1
    for line in lines:
        sheet.write_string(row, 0, line)
        row += 1
    row += 1
    header = book.formats["header"]
    for column, title in enumerate(("Feuille", "Colonne", "Type", "Obligatoire", "Règle",
                                    "Exemple")):
        sheet.write_string(row, column, title, header)
    sheet.freeze_panes(row + 1, 0)
    sheet.repeat_rows(row)
    for spec in template.specs:
        for name, kind in spec.columns.items():
            row += 1
            required, rule, example = RULES[(spec.sheet, name)]
            if required is None:
                required = "oui" if name in spec.required else "non"
            sheet_label = spec.sheet + (" (facultative)" if spec.optional_sheet else "")
            texts = (sheet_label, HEADERS[name], KIND_LABELS[kind], required, rule, example)
            # Row height for the wrapped text: the writer cannot measure it.
            height = max(math.ceil(len(t) / (w * 1.1)) for t, w in zip(texts, NOTICE_WIDTHS,
                                                                        strict=True))
            if height > 1:
                sheet.set_row(row, 15 * height)
            for column, text in enumerate(texts):
                if text:
                    book.text(sheet, row, column, text, "wrap")
    if PARAMETRES in template.specs:
        for key in KEYS:
            row += 1
            default = euros(key.default) if key.name == "seuil_recouvrement" else key.default
            required = "non" if default is None else f"non (défaut : {default})"
            sheet.set_row(row, 30)
            for column, text in enumerate((f"{PARAMETRES.sheet} (clé)", key.name, "valeur",
                                           required, key.label, key.example)):
                book.text(sheet, row, column, text, "wrap")
