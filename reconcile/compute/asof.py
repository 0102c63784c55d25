"""The as-of date applies to titres and to what Hélios says of them: a report arrêté au
31/10 counts what was known on 31/10. See spécification §4.5.1 and choix C-43 to C-45.

A titre issued after the as-of date is not counted, and neither is a collection dated
after it (the titres sheet has one ``date_encaissement`` per row, the date of the
collected amount it shows: a later date means that amount was not yet collected on the
as-of date). A titre or a collection without a date counts: the export gives no date to
exclude it on, and dropping it would hide money without a trace. Rerunning an old month
with a newer export therefore gives the same figures, as long as the export does not
rewrite the past.

For a titre read from a PES Retour, a state, a recovery step or a write-off dated after
the as-of date is ignored too: a rejection or an annulation of later gives back the
state before it (« 02 pris en charge » when the prise en charge is dated by then, else
« 01 en instance »), and the titre counts as invoiced; the step shown is the latest
dated by then. A state the file does not date is dated by its flow (``DteStr``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..read.pes_retour import ACTS, LAYOUT_519, STATES


@dataclass(frozen=True)
class AsOf:
    """What the as-of date left out, for the Synthèse."""

    as_of: pd.Timestamp
    titres_after: int = 0  # titres issued after the as-of date, not counted
    collections_after: int = 0  # collections dated after it, not counted
    states_after: int = 0  # Hélios states, steps and write-offs dated after it, ignored

    def notice(self) -> str:
        day = self.as_of.strftime("%d/%m/%Y")
        states = (f", {self.states_after} état(s), étape(s) ou admission(s) en non-valeur "
                  "du PES Retour datés après" if self.states_after else "")
        return (f"titres émis au plus tard le {day} et encaissements datés au plus tard le "
                f"{day} ; un titre ou un encaissement sans date est compté. Non comptés : "
                f"{self.titres_after} titre(s) émis après, {self.collections_after} "
                f"encaissement(s) datés après{states}")


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
    kept, states_after = states_as_of(kept, as_of)
    return kept, AsOf(as_of, int(issued_after.sum()), int(collected_after.sum()), states_after)


def states_as_of(titres: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    """What Hélios had said by ``as_of``: later states, steps and write-offs dropped.
    Returns the titres (a copy when changed) and how many facts were dropped."""
    if "date_etat" not in titres or titres.empty:
        return titres, 0
    taken = titres["date_prise_en_charge"]
    late_taking = taken.notna() & (taken > as_of)
    said = STATES[LAYOUT_519]  # 01 and 02 mean the same in both layouts
    before = pd.Series(f"02 {said['02']}", index=titres.index).where(
        taken.notna() & ~late_taking, f"01 {said['01']}")
    late_state = (titres["date_etat"].notna() & (titres["date_etat"] > as_of)
                  & (titres["etat_helios"] != before))  # the state then is not the same
    late_write_off = titres["date_admission"].notna() & (titres["date_admission"] > as_of)
    given = titres[ACTS].map(lambda found: found if isinstance(found, tuple) else ())
    acts = given.map(lambda found: tuple(
        (day, step) for day, step in found if day is None or pd.Timestamp(day) <= as_of))
    late_acts = acts.map(len) < given.map(len)
    if not (late_state | late_taking | late_write_off | late_acts).any():
        return titres, 0
    titres = titres.copy()
    titres.loc[late_taking, "date_prise_en_charge"] = pd.NaT
    titres.loc[late_state, "etat_helios"] = before[late_state]
    titres.loc[late_state, "motif_rejet"] = ""
    titres.loc[late_state, "counts_as_invoiced"] = True
    titres.loc[late_state, "date_etat"] = pd.NaT
    titres.loc[late_write_off, "admission_non_valeur"] = ""
    titres.loc[late_write_off, "date_admission"] = pd.NaT
    titres[ACTS] = acts
    titres.loc[late_acts, "etape_recouvrement"] = acts[late_acts].map(
        lambda kept: kept[-1][1] if kept else "")
    return titres, int((late_state | late_taking).sum() + late_write_off.sum()
                       + late_acts.sum())
