"""`bareme` — optional sheet `Parametres`: the settings of the exchange with Hélios.

Two columns, one key per row. Values are read per key (``reconcile.read.parameters``), so
the sheet only declares its shape here; the keys, their kinds and defaults live there.
"""

import pandera.pandas as pa
from pandera.pandas import Column

from .spec import SheetSpec

PARAMETRES = SheetSpec(
    stem="bareme",
    sheet="Parametres",
    columns={"parametre": "code", "valeur": "text"},
    required=("parametre", "valeur"),
    optional_sheet=True,
    primary=False,
    schema=pa.DataFrameSchema(
        {
            "parametre": Column(object, unique=True, report_duplicates="exclude_first"),
            "valeur": Column(object, nullable=True),
        }
    ),
)
