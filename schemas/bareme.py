"""`bareme` — sheets `Bareme`, `Consultations` and optional `Exonerations` (spécification §2.3).

Each sheet may also carry a ``deliberation`` (free text, « n° 2025-42 du 12/12/2025 »):
the vote behind a tariff, a consultation or an exemption, quoted to the members."""

import pandera.pandas as pa
from pandera.pandas import Column

from .checks import not_before, not_negative, one_of, within
from .codes import CATEGORIES, PRESTATIONS, TYPES_FRAIS
from .spec import SheetSpec

BAREME = SheetSpec(
    stem="bareme",
    sheet="Bareme",
    columns={
        "type_frais": "integer",
        "libelle": "text",
        "categorie": "code",
        "population_min": "integer",
        "population_max": "integer",
        "prestation": "code",
        "montant": "amount",
        "valable_du": "date",
        "valable_au": "date",
        "deliberation": "text",
    },
    required=("type_frais", "categorie", "montant", "valable_du"),
    defaults={"population_min": 0},
    guarded={
        "population_min": "chaque ligne commence à 0 habitant",
        "population_max": "aucune tranche n'a de maximum",
        "prestation": "chaque ligne est un tarif par membre, pour toutes les prestations",
        "valable_au": "chaque ligne reste valable sans limite",
    },
    schema=pa.DataFrameSchema(
        {
            "type_frais": Column("Int64", one_of(TYPES_FRAIS, "type de frais")),
            "libelle": Column(object, nullable=True),
            "categorie": Column(object, one_of(CATEGORIES, "catégorie")),
            "population_min": Column("Int64", not_negative("population minimale")),
            "population_max": Column("Int64", not_negative("population maximale"), nullable=True),
            "prestation": Column(object, one_of(PRESTATIONS, "prestation"), nullable=True),
            "montant": Column("Int64", not_negative("montant")),
            "valable_du": Column("datetime64[ns]"),
            "valable_au": Column("datetime64[ns]", nullable=True),
            "deliberation": Column(object, nullable=True),
        },
        checks=[
            not_before(
                "population_max", "population_min", "population maximale inférieure à la minimale"
            ),
            not_before("valable_au", "valable_du", "fin de validité antérieure au début"),
        ],
    ),
)

CONSULTATIONS = SheetSpec(
    stem="bareme",
    sheet="Consultations",
    columns={
        "code": "text",
        "libelle": "text",
        "debut_adhesion": "date",
        "fin_adhesion": "date",
        "date_lancement": "date",
        "prestations": "text",
        "deliberation": "text",
    },
    required=("code", "debut_adhesion", "fin_adhesion", "date_lancement"),
    guarded={"prestations": "chaque consultation couvre les six prestations"},
    primary=False,
    schema=pa.DataFrameSchema(
        {
            "code": Column(object, unique=True, report_duplicates="exclude_first"),
            "libelle": Column(object, nullable=True),
            "debut_adhesion": Column("datetime64[ns]"),
            "fin_adhesion": Column("datetime64[ns]"),
            "date_lancement": Column("datetime64[ns]"),
            "prestations": Column(object, nullable=True),
            "deliberation": Column(object, nullable=True),
        },
        checks=[
            not_before(
                "fin_adhesion", "debut_adhesion", "fin d'adhésion antérieure au début d'adhésion"
            ),
            not_before(
                "date_lancement", "fin_adhesion", "lancement antérieur à la fin d'adhésion"
            ),
        ],
    ),
)

EXONERATIONS = SheetSpec(
    stem="bareme",
    sheet="Exonerations",
    columns={"siren": "siren", "type_frais": "integer", "exercice": "integer", "motif": "text",
             "deliberation": "text"},
    required=("siren", "type_frais", "motif"),
    guarded={"exercice": "chaque exonération vaut pour tous les exercices"},
    optional_sheet=True,
    primary=False,
    schema=pa.DataFrameSchema(
        {
            "siren": Column(object),
            "type_frais": Column("Int64", one_of(TYPES_FRAIS, "type de frais")),
            "exercice": Column(
                "Int64",
                within(2000, 2100, "exercice hors de 2000–2100"),
                nullable=True,
            ),
            "motif": Column(object),
            "deliberation": Column(object, nullable=True),
        }
    ),
)
