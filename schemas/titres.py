"""`titres` — sheet `Titres` (spécification §2.4), the receivables already issued."""

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
            "numero": Column(object, unique=True, report_duplicates="exclude_first"),
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
