"""The as-of date applies to titres: a report arrêté au 31/10 counts what was known on 31/10.
See spécification §4.5.1 and choix C-43 to C-45.

A titre issued after the as-of date is not counted, and neither is a collection dated
after it (the titres sheet has one ``date_encaissement`` per row, the date of the
collected amount it shows: a later date means that amount was not yet collected on the
as-of date). A titre or a collection without a date counts: the export gives no date to
exclude it on, and dropping it would hide money without a trace. Rerunning an old month
with a newer export therefore gives the same figures, as long as the export does not
rewrite the past.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class AsOf:
    """What the as-of date left out, for the Synthèse."""

    as_of: pd.Timestamp
    titres_after: int = 0  # titres issued after the as-of date, not counted
    collections_after: int = 0  # collections dated after it, not counted

    def notice(self) -> str:
        day = self.as_of.strftime("%d/%m/%Y")
        return (f"titres émis au plus tard le {day} et encaissements datés au plus tard le "
                f"{day} ; un titre ou un encaissement sans date est compté. Non comptés : "
                f"{self.titres_after} titre(s) émis après, {self.collections_after} "
                "encaissement(s) datés après")


def titres_as_of(titres: pd.DataFrame | None, as_of: pd.Timestamp
                 ) -> tuple[pd.DataFrame | None, AsOf]:
    """The titres as they stood on ``as_of``: later titres dropped, later collections
    set to 0 (with their date cleared). The input frame is not modified."""
    if titres is None:
        return None, AsOf(as_of)
    issued_after = titres["date_emission"].notna() & (titres["date_emission"] > as_of)
    kept = titres[~issued_after]
    collected_after = kept["date_encaissement"].notna() & (kept["date_encaissement"] > as_of)
    if collected_after.any():
        kept = kept.copy()
        kept.loc[collected_after, "montant_encaisse"] = 0
        kept.loc[collected_after, "date_encaissement"] = pd.NaT
    return kept, AsOf(as_of, int(issued_after.sum()), int(collected_after.sum()))
