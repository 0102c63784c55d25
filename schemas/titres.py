"""`titres` — sheet `Titres` (spécification §2.4), the receivables already issued.

A titre is (exercice, numero) — Hélios numbers titres per exercise — and a row is one
line of it (exercice, numero, ligne): the optional ``ligne`` lets a titre of several
lines be typed as it was issued."""

import pandera.pandas as pa
from pandera.pandas import Column

from .checks import not_negative, one_of, within
from .codes import TYPES_FRAIS
from .spec import SheetSpec

TITRES = SheetSpec(
    stem="titres",
    sheet="Titres",
    columns={
        "numero": "text",
        "ligne": "text",
        "siren": "siren",
        "exercice": "integer",
        "type_frais": "integer",
        "consultation": "text",
        "montant": "amount",
        "date_emission": "date",
        "montant_encaisse": "amount",
        "date_encaissement": "date",
    },
    required=("numero", "siren", "exercice", "type_frais", "montant"),
    defaults={"montant_encaisse": 0},
    guarded={"montant_encaisse": "aucun encaissement n'est compté (0 €)"},
    schema=pa.DataFrameSchema(
        {
            # unique on (exercice, numero, ligne), not alone: reconcile.check.validate.titre_keys
            "numero": Column(object),
            "ligne": Column(object, nullable=True),
            "siren": Column(object),
            "exercice": Column(
                "Int64", within(2000, 2100, "exercice hors de 2000–2100")
            ),
            "type_frais": Column("Int64", one_of(TYPES_FRAIS, "type de frais")),
            "consultation": Column(object, nullable=True),
            "montant": Column("Int64"),
            "date_emission": Column("datetime64[ns]", nullable=True),
            "montant_encaisse": Column("Int64", not_negative("montant encaissé")),
            "date_encaissement": Column("datetime64[ns]", nullable=True),
        }
    ),
)
