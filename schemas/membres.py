"""`membres` — sheet `Membres` (spécification §2.1)."""

import pandera.pandas as pa
from pandera.pandas import Column

from .checks import not_before, not_negative, one_of
from .codes import CATEGORIES, ROLES
from .spec import SheetSpec

MEMBRES = SheetSpec(
    stem="membres",
    sheet="Membres",
    columns={
        "siren": "siren",
        "nom": "text",
        "categorie": "code",
        "population": "integer",
        "commune_rattachement": "siren",
        "date_adhesion": "date",
        "date_notification_retrait": "date",
        "role": "code",
        "adresse": "text",
        "complement_adresse": "text",
        "code_postal": "text",
        "ville": "text",
    },
    required=("siren", "nom", "categorie", "date_adhesion"),
    defaults={"role": "membre"},
    guarded={
        "date_notification_retrait": "aucun retrait n'est pris en compte",
        "role": "aucun membre n'est compté comme coordonnateur (il serait facturé)",
    },
    schema=pa.DataFrameSchema(
        {
            "siren": Column(object, unique=True, report_duplicates="exclude_first"),
            "nom": Column(object),
            "categorie": Column(object, one_of(CATEGORIES, "catégorie")),
            "population": Column("Int64", not_negative("population"), nullable=True),
            "commune_rattachement": Column(object, nullable=True),
            "date_adhesion": Column("datetime64[ns]"),
            "date_notification_retrait": Column(
                "datetime64[ns]",
                nullable=True,
            ),
            "role": Column(object, one_of(ROLES, "rôle")),
            "adresse": Column(object, nullable=True),
            "complement_adresse": Column(object, nullable=True),
            "code_postal": Column(object, nullable=True),
            "ville": Column(object, nullable=True),
        },
        checks=[
            not_before(
                "date_notification_retrait",
                "date_adhesion",
                "notification de retrait antérieure à la date d'adhésion",
            )
        ],
    ),
)
