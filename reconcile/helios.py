"""Glue between the pipeline and the exchange with Hélios (PES Retour in, titres out).

Kept apart so that the pipeline only calls three functions: ``prepare`` (after
validation: parameters, PES Retour lines → titres), ``titres_of`` (the one titres
table the reconciliation reads) and ``states`` (the report's `État Hélios` column).
"""

from __future__ import annotations

import pandas as pd

from .anomalies import Anomaly
from .model import Period
from .normalise import Table
from .parameters import Parameters, read_parameters
from .pes_retour import ACTS, DATED_COLUMNS, EXTRA_COLUMNS, RetourFile, duplicates, to_titres

KEY = ["siren", "exercice", "type_frais", "consultation"]


def prepare(tables: dict[str, Table], files: list[RetourFile], period: Period
            ) -> tuple[Parameters, pd.DataFrame | None, list[Anomaly]]:
    parameters, problems = read_parameters(tables.get("parametres"))
    codes = set(tables["consultations"].frame["code"].dropna()) \
        if "consultations" in tables else set()
    pes, found = to_titres(files, parameters, codes, period.as_of)
    problems += found
    if pes is not None and "titres" in tables:
        xlsx = tables["titres"]
        problems += duplicates(xlsx.frame, pes, xlsx.anomaly)
    return parameters, pes, problems


def titres_of(xlsx: pd.DataFrame | None, pes: pd.DataFrame | None, xlsx_name: str = ""
              ) -> pd.DataFrame | None:
    """Typed titres and PES Retour titres in one table (the PES columns blank for the
    typed ones, which always count as invoiced)."""
    if pes is None:
        return xlsx
    if xlsx is None or xlsx.empty:
        return pes.reset_index(drop=True)
    typed = xlsx.assign(**{c: "" for c in EXTRA_COLUMNS}).assign(
        source=xlsx_name, counts_as_invoiced=True,
        **{c: pd.Series(pd.NaT, index=xlsx.index, dtype="datetime64[ns]")
           for c in DATED_COLUMNS}, **{ACTS: pd.Series([()] * len(xlsx), index=xlsx.index,
                                                      dtype=object)})
    return pd.concat([typed, pes], ignore_index=True)


def states(rows: pd.DataFrame, titres: pd.DataFrame) -> pd.Series:
    """Per reconciliation row, what Hélios says of its titres: « 12 : 02 pris en charge »,
    with the rejection reason and recovery step when there is one."""
    pes = titres[titres["etat_helios"].astype(str) != ""]
    pes = pes.assign(consultation=pes["consultation"].fillna(""),
                     exercice=pes["exercice"].astype("int64"),
                     type_frais=pes["type_frais"].astype("int64"))
    text = pes["numero"].astype(str) + " : " + pes["etat_helios"].astype(str)
    text = text.where(pes["motif_rejet"] == "", text + " (motif " + pes["motif_rejet"] + ")")
    text = text.where(pes["etape_recouvrement"] == "",
                      text + ", " + pes["etape_recouvrement"])
    joined = text.groupby([pes[k] for k in KEY], sort=True).agg(
        lambda said: " ; ".join(dict.fromkeys(said)))  # a titre's lines: said once
    keys = pd.MultiIndex.from_frame(rows[KEY].assign(
        consultation=rows["consultation"].fillna("")))
    return pd.Series(joined.reindex(keys).fillna("").to_numpy(), index=rows.index)
