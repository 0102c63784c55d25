"""`souscriptions` — sheet `Souscriptions` (spécification §2.2)."""

import pandera.pandas as pa
from pandera.pandas import Column

from .checks import not_before, one_of
from .codes import PRESTATIONS
from .spec import SheetSpec

SOUSCRIPTIONS = SheetSpec(
    stem="souscriptions",
    sheet="Souscriptions",
    columns={"siren": "siren", "prestation": "code", "date_debut": "date", "date_fin": "date"},
    required=("siren", "prestation"),
    guarded={
        "date_debut": "chaque souscription commence à l'adhésion du membre",
        "date_fin": "aucune souscription n'est terminée",
    },
    schema=pa.DataFrameSchema(
        {
            "siren": Column(object),
            "prestation": Column(object, one_of(PRESTATIONS, "prestation")),
            "date_debut": Column("datetime64[ns]", nullable=True),
            "date_fin": Column("datetime64[ns]", nullable=True),
        },
        checks=[not_before("date_fin", "date_debut", "date de fin antérieure à la date de début")],
    ),
)
