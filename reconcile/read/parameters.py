"""The `Parametres` sheet of the barème workbook: settings of the exchange with Hélios.
See spécification §2.9.

Each key has its own kind and limits (those of the PES V2 field it fills), read from
the raw cell so that a code typed as a number keeps its digits. A key is only required
by the feature that uses it: ``missing`` says which ones a feature lacks, and the caller
decides whether that is an error (PES Retour mapping) or a warning (PES Aller not written).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from stdnum import bic, iban  # type: ignore[import-untyped]

from ..core.anomalies import CATALOGUE, ERROR, Anomaly
from .cells import CellError, is_blank, parse_cents, parse_integer, parse_text
from .normalise import Table

SHEET = "Parametres"


@dataclass(frozen=True)
class Key:
    name: str
    label: str  # what the officer reads in the Notice
    parse: Callable[[Any], Any]
    default: Any = None
    example: str = ""


def _code(pattern: str, size: int, what: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = parse_text(value)  # 78000.0 → « 78000 »
        if not re.fullmatch(pattern, text) or not 0 < len(text) <= size:
            raise CellError(f"{what} : {size} caractères au plus ({_rule(pattern)})")
        return text
    return parse


def _rule(pattern: str) -> str:
    return {"[0-9]+": "chiffres", "[0-9A-Za-z]+": "lettres et chiffres"}.get(
        pattern, "texte")


def _format(pattern: str, rule: str) -> Callable[[Any], str]:
    """A code the reception checks character by character (dossier PES V2 v5.19):
    a value it would refuse is an error at its cell, with the rule in French."""
    def parse(value: Any) -> str:
        text = parse_text(value)
        if not re.fullmatch(pattern, text):
            raise CellError(f"{rule} ; lu : « {text} »")
        return text
    return parse


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        number = parse_integer(value)
        if not low <= number <= high:
            raise CellError(f"nombre entier de {low} à {high} attendu")
        return number
    return parse


def _siret(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s", "", str(value))
    if not re.fullmatch(r"[0-9]{14}", text):
        raise CellError("SIRET attendu : 14 chiffres")
    return text


def _iban(value: Any) -> str:
    """An IBAN, checked (ISO 13616 check digits) and grouped by four as printed."""
    text = re.sub(r"\s", "", parse_text(value)).upper()
    if not iban.is_valid(text):
        raise CellError("IBAN invalide (longueur ou clé de contrôle) : le recopier du RIB "
                        "du comptable")
    return str(iban.format(text))


def _bic(value: Any) -> str:
    text = re.sub(r"\s", "", parse_text(value)).upper()
    if not bic.is_valid(text):
        raise CellError("BIC invalide : 8 ou 11 caractères (banque, pays, lieu, agence)")
    return text


def _amount(value: Any) -> int:
    cents = parse_cents(value)
    if cents < 0:
        raise CellError("montant positif ou nul attendu")
    return cents


# Who sends and who collects: printed on every statement and letter (spécification
# §2.9, §4.10, §4.15); nothing of one organisation is written in the code.
IDENTITY_KEYS: tuple[Key, ...] = (
    Key("coordonnateur", "Nom du coordonnateur du groupement, tel qu'il figure en tête "
        "des relevés et des lettres.", _code(r".+", 120, "nom du coordonnateur"),
        example="Centre de gestion de la fonction publique territoriale"),
    Key("adresse_coordonnateur", "Adresse postale du coordonnateur, sur une ligne.",
        _code(r".+", 200, "adresse"), example="1 rue de l'Exemple – 78000 Versailles"),
    Key("contact", "Service à contacter, téléphone et courriel (relevés et lettres).",
        _code(r".+", 160, "contact"),
        example="Service de la refacturation – 01 23 45 67 89 – refacturation@exemple.fr"),
    Key("ordonnateur", "Nom de l'ordonnateur qui signe les relevés et les lettres.",
        _code(r".+", 80, "nom de l'ordonnateur"), example="Jeanne Exemple"),
    Key("qualite_ordonnateur", "Qualité du signataire (« Le Président », « Pour le "
        "Président et par délégation, la Directrice générale »).",
        _code(r".+", 120, "qualité du signataire"), example="Le Président"),
    Key("comptable", "Comptable public qui recouvre les titres (service de gestion "
        "comptable, trésorerie).", _code(r".+", 120, "comptable public"),
        example="Service de gestion comptable de Versailles"),
    Key("adresse_comptable", "Adresse postale du comptable public.",
        _code(r".+", 200, "adresse du comptable"),
        example="2 avenue de l'Exemple – 78000 Versailles"),
    Key("iban", "IBAN du compte du comptable public (virement), vérifié par sa clé.",
        _iban, example="FR76 3000 1007 9412 3456 7890 185"),
    Key("bic", "BIC du compte du comptable public.", _bic, example="BDFEFRPPCCT"),
    Key("tribunal_administratif", "Tribunal administratif compétent pour contester un "
        "titre (délai de deux mois, CGCT L1617-5).",
        _code(r".+", 160, "tribunal administratif"),
        example="Tribunal administratif de Versailles"),
    Key("delai_paiement", "Nombre de jours laissés au membre pour payer après la date "
        "d'une lettre de relance.", _integer(1, 365), default=30, example="30"),
)

KEYS: tuple[Key, ...] = (
    Key("siret_coordonnateur", "SIRET du coordonnateur, ordonnateur des titres (IdColl du "
        "PES).", _siret, example="20004000000012"),
    Key("id_poste", "Code du poste comptable (IdPost) : 6 ou 7 chiffres, ou 02A / 02B "
        "suivi de 3 ou 4 chiffres.",
        _format(r"[0-9]{6,7}|02[AB][0-9]{3,4}", "code du poste comptable : 6 ou 7 chiffres, "
                "ou 02A / 02B suivi de 3 ou 4 chiffres (saisir en texte : 078000)"),
        example="078000"),
    Key("code_collectivite", "Code collectivité attribué par la DGFiP (CodCol) : 3 chiffres.",
        _format(r"[0-9]{3}", "code collectivité : 3 chiffres (saisir en texte : 012)"),
        example="123"),
    Key("code_budget", "Code du budget (CodBud) : 2 caractères, un chiffre ou une majuscule "
        "puis un chiffre.",
        _format(r"[0-9A-Z][0-9]", "code budget : 2 caractères, un chiffre ou une lettre "
                "majuscule puis un chiffre (saisir en texte : 01)"), example="01"),
    Key("nature_type_1", "Compte d'imputation des frais de type 1 (Nature, 12 chiffres au "
        "plus), à fixer avec le comptable.",
        _format(r"[0-9]{1,12}", "compte : 12 chiffres au plus"), example="70878"),
    Key("nature_type_2", "Compte d'imputation des frais de type 2 (Nature).",
        _format(r"[0-9]{1,12}", "compte : 12 chiffres au plus"), example="70878"),
    Key("code_produit_type_1", "Code produit local des frais de type 1 (CodProdLoc) : "
        "reconnaît le type dans les PES Retour.",
        _code(r"[0-9A-Za-z]+", 4, "code produit"), example="GC1"),
    Key("code_produit_type_2", "Code produit local des frais de type 2 (CodProdLoc).",
        _code(r"[0-9A-Za-z]+", 4, "code produit"), example="GC2"),
    Key("prochain_bordereau", "Numéro du prochain bordereau de titres ordinaire (IdBord, "
        "TypBord 01) ; à mettre à jour après l'intégration du PES Aller.",
        _integer(1, 9_999_999), example="12"),
    Key("prochain_bordereau_02", "Numéro du prochain bordereau de réductions et "
        "annulations (IdBord, TypBord 02, numéroté à part) ; à mettre à jour après "
        "l'intégration.", _integer(1, 9_999_999), example="3"),
    Key("prochain_titre", "Numéro du prochain titre (IdPce, 8 chiffres au plus) ; à mettre "
        "à jour après l'intégration du PES Aller.", _integer(1, 99_999_999), example="345"),
    Key("seuil_recouvrement", "Montant en euros sous lequel les sommes dues par un membre "
        "ne sont pas mises en recouvrement mais reportées (CGCT D1611-1).", _amount,
        default=1500, example="15,00"),
    Key("delai_relance", "Nombre de jours après l'émission au-delà duquel un titre non "
        "encaissé est à relancer.", _integer(1, 3650), default=60, example="60"),
    Key("deliberation", "Délibération qui fixe le barème, citée dans l'objet des titres "
        "(facultatif).", _code(r".+", 60, "référence de délibération"),
        example="délibération n° 2025-40 du 12/12/2025"),
    *IDENTITY_KEYS,
)
BY_NAME = {key.name: key for key in KEYS}
PES_ALLER = ("siret_coordonnateur", "id_poste", "code_collectivite", "code_budget",
             "nature_type_1", "nature_type_2", "code_produit_type_1", "code_produit_type_2",
             "prochain_bordereau", "prochain_titre")
# Needed only when the month has réductions or annulations (a bordereau TypBord 02).
PES_REDUCTIONS = ("prochain_bordereau_02",)
PES_RETOUR = ("code_produit_type_1", "code_produit_type_2")


@dataclass
class Parameters:
    """Typed values by key (defaults filled in) and where each was read."""

    values: dict[str, Any] = field(default_factory=dict)
    file: str = "bareme.xlsx"
    given: set[str] = field(default_factory=set)  # the keys the sheet sets (no default)

    def written(self) -> dict[str, Any]:
        """Only the values the officer wrote in the sheet (a default is not a choice)."""
        return {name: self.values[name] for name in sorted(self.given)}

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def missing(self, names: tuple[str, ...]) -> list[str]:
        return [n for n in names if self.values.get(n) is None]

    def missing_anomaly(self, names: list[str], feature: str, severity: str = ERROR
                        ) -> Anomaly:
        """An error when the feature is used (PES Retour), a warning when it is only not
        produced: the catalogue lets the context decide (« parametre-manquant »)."""
        listed = ", ".join(names)
        return CATALOGUE["parametre-manquant"].at(
            self.file, SHEET, None, "parametre", value=listed, severity=severity,
            feature=feature, sheet_name=SHEET, names=listed)


def read_parameters(table: Table | None) -> tuple[Parameters, list[Anomaly]]:
    """The sheet's values, typed; bad values are errors at their cell, unknown keys
    warnings. Without the sheet: the defaults only."""
    parameters = Parameters({k.name: k.default for k in KEYS})
    if table is None:
        return parameters, []
    parameters.file = table.file
    problems: list[Anomaly] = []
    for row, name in table.frame["parametre"].items():
        if name is None:
            continue
        key = BY_NAME.get(name)  # a "code" column: already lower case
        if key is None:
            problems.append(table.anomaly(
                cast(int, row), "parametre", "parametre-inconnu", known=", ".join(BY_NAME)))
            continue
        raw = table.raw.at[row, "valeur"]
        if is_blank(raw):
            continue  # blank: the default, or missing when the feature needs it
        try:
            parameters.values[name] = key.parse(raw)
            parameters.given.add(name)
        except CellError as error:
            problems.append(table.anomaly(cast(int, row), "valeur", "parametre-invalide",
                                          name=name, error=error))
    return parameters, problems
