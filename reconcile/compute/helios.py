"""Glue between the pipeline and the exchange with Hélios (PES Retour in, titres out).

Kept apart so that the pipeline only calls a few functions: ``prepare`` (after
validation: parameters, PES Retour lines → titres), ``titres_of`` (the one titres
table the reconciliation reads), ``rejected_titres`` / ``mark_rejected`` (what the
acquits of our PES Aller reject) and ``states`` (the report's `État Hélios` column).
"""

from __future__ import annotations

import pandas as pd

from ..core.anomalies import Anomaly
from ..core.columns import SIREN
from ..core.model import Period
from ..read.acquits import BY_BORDEREAU, WHOLE_FLOW
from ..read.normalise import Table
from ..read.parameters import Parameters, read_parameters
from ..read.pes_retour import ACTS, DATED_COLUMNS, EXTRA_COLUMNS, RetourFile, duplicates, to_titres

KEY = [SIREN, "exercice", "type_frais", "consultation"]


def prepare(tables: dict[str, Table], files: list[RetourFile], period: Period,
            sent: pd.DataFrame | None = None
            ) -> tuple[Parameters, pd.DataFrame | None, list[Anomaly]]:
    """``sent``: the lines of the PES Aller already written (``pes_sent``), by which our
    own lines of a PES Retour are recognised."""
    parameters, problems = read_parameters(tables.get("parametres"))
    codes = set(tables["consultations"].frame["code"].dropna()) \
        if "consultations" in tables else set()
    members = {}
    if "membres" in tables:
        frame = tables["membres"].frame
        members = {str(s): str(n) for s, n in zip(frame[SIREN], frame["nom"], strict=True)
                   if s is not None}
    pes, found = to_titres(files, parameters, codes, period.as_of, members, sent)
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


def rejected_titres(acquits: pd.DataFrame | None, sent: pd.DataFrame | None
                    ) -> dict[tuple[int, int], str]:
    """(exercice, titre) of every titre we sent whose bordereau, or whole flow, an acquit
    rejects → why, in words (codes and labels of the reception)."""
    if acquits is None or acquits.empty or sent is None or sent.empty:
        return {}
    refused = acquits[~acquits["accepte"].astype(bool)]
    found: dict[tuple[int, int], str] = {}
    for _, group in refused.groupby(["file", "nom_fic", "domaine", "exercice", "bordereau"],
                                    sort=True):
        first = group.iloc[0]
        errors = "; ".join(dict.fromkeys(
            f"{c} {lab}".strip() for c, lab in zip(group["code"], group["libelle"], strict=True)
            if c or lab)) or "sans motif"
        mine = sent[(sent["nom_fic"] == first["nom_fic"]) | (sent["file"] == first["nom_fic"])]
        if first["domaine"] not in WHOLE_FLOW:
            if first["domaine"] not in BY_BORDEREAU or not str(first["bordereau"]).isdigit():
                continue
            mine = mine[mine["bordereau"] == int(first["bordereau"])]
            if str(first["exercice"]).isdigit():
                mine = mine[mine["exercice"] == int(first["exercice"])]
        what = "flux" if first["domaine"] in WHOLE_FLOW else f"bordereau {first['bordereau']}"
        for exercice, titre in zip(mine["exercice"], mine["titre"], strict=True):
            found[(int(exercice), int(titre))] = (
                f"{what} rejeté à la réception (acquit {first['file']} : {errors})")
    return found


def mark_rejected(titres: pd.DataFrame | None, rejected: dict[tuple[int, int], str]
                  ) -> pd.DataFrame | None:
    """A titre of a rejected bordereau does not exist for the debtor: it stops counting
    as invoiced (its gap goes back to « à émettre ») and says why."""
    if titres is None or not rejected or titres.empty:
        return titres
    titres = titres.copy()
    for column in EXTRA_COLUMNS:
        if column not in titres:
            titres[column] = True if column == "counts_as_invoiced" else ""
    keys = [(int(e), int(n)) if str(n).isdigit() and not pd.isna(e) else None
            for e, n in zip(titres["exercice"], titres["numero"].astype(str), strict=True)]
    why = pd.Series([rejected.get(k, "") if k else "" for k in keys], index=titres.index)
    hit = why != ""
    titres.loc[hit, "counts_as_invoiced"] = False
    titres.loc[hit, "etat_helios"] = why[hit]
    return titres
