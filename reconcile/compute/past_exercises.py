"""Earlier exercises reconciled again against today's titres (sheet `Exercices antérieurs`).
See spécification §4.13 and choix C-47 to C-50.

What a past exercise owed is taken from that exercise's final report — the latest
``rapprochement_AAAA-MM.xlsx`` of that year in the reports folder, normally December's
— read back from its Charges sheet, never recomputed from today's member data
(populations, memberships and the barème have changed since). An exercise is reopened
until its dues prescribe (31 December of the fourth year after it, loi 68-1250), and
also while one of its titres is not prescribed. An exercise without a report shows only
its titres, with the status « dû non connu ».
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from ..core import columns as C
from ..core.anomalies import CATALOGUE, Anomaly
from ..core.columns import SIREN
from ..core.columns import Header as H
from ..core.model import report_name
from ..core.vocabulary import Status
from ..read.earlier import Earlier
from ..read.readback import as_cents, as_text
from .receivables import due_prescription, titre_prescription
from .reconciliation import reconcile

UNKNOWN_DUE = Status.UNKNOWN_DUE
DUE_COLUMNS = (H.SIREN, H.MEMBER, H.EXERCISE, H.TYPE, H.CONSULTATION, H.DUE)


@dataclass(frozen=True)
class FinalReport:
    exercise: int
    month: str  # of the report (normally December's)
    sha256: str  # of the bytes its dues were read from

    @property
    def name(self) -> str:
        return f"{self.month}/{report_name(self.month)}"

    @property
    def is_december(self) -> bool:
        return self.month.endswith("-12")


@dataclass(frozen=True)
class PastExercises:
    """The reopened exercises reconciled: a value made once by ``reconcile_past``."""

    rows: pd.DataFrame  # reconciliation rows of every reopened exercise (+ prescription)
    exercises: tuple[int, ...] = ()
    reports: Mapping[int, FinalReport] = field(default_factory=dict)  # read-only view
    anomalies: tuple[Anomaly, ...] = ()
    unreadable: Mapping[int, str] = field(default_factory=dict)  # exercise → report's name

    @property
    def without_report(self) -> list[int]:
        return [e for e in self.exercises if e not in self.reports]

    def notices(self) -> list[str]:
        """One line per reopened exercise, for the Synthèse."""
        lines = []
        for exercise in self.exercises:
            report = self.reports.get(exercise)
            if exercise in self.unreadable:
                lines.append(f"{exercise} : rapport {self.unreadable[exercise]} illisible, "
                             "dû non connu (voir Anomalies)")
            elif report is None:
                lines.append(f"{exercise} : aucun rapport de l'exercice, dû non connu")
            else:
                late = "" if report.is_december else " (pas de rapport de décembre)"
                lines.append(f"{exercise} : dû repris du rapport {report.name}{late}")
        return lines


def reopened(year: int, as_of: pd.Timestamp, titres: pd.DataFrame | None) -> list[int]:
    """Earlier exercises whose dues, or one of whose titres, are not prescribed."""
    exercises = {e for e in range(year - 4, year) if due_prescription(e) >= as_of}
    if titres is not None and not titres.empty:
        earlier = titres[titres["exercice"] < year]
        alive = titre_prescription(earlier["date_emission"])
        alive = alive.isna() | (alive >= as_of)
        exercises |= {int(e) for e in earlier.loc[alive, "exercice"].dropna()}
    return sorted(exercises)


def read_dues(frame: pd.DataFrame | None, exercise: int) -> pd.DataFrame:
    """The Charges sheet of a report (as read back by ``earlier.read``), as charges
    (integer cents); raises if it is not one."""
    if frame is None or not set(DUE_COLUMNS) <= set(frame.columns):
        raise ValueError("feuille Charges sans les colonnes attendues")
    charges = pd.DataFrame({
        C.SIREN: as_text(frame[H.SIREN]), C.NAME: as_text(frame[H.MEMBER]),
        C.EXERCISE: frame[H.EXERCISE].astype("int64"),
        C.TYPE: frame[H.TYPE].astype("int64"),
        C.CONSULTATION: as_text(frame[H.CONSULTATION]),
        C.AMOUNT: as_cents(frame[H.DUE]),
    })
    if (charges["exercice"] != exercise).any():
        raise ValueError(f"des charges n'appartiennent pas à l'exercice {exercise}")
    return charges


def reconcile_past(earlier: Earlier, year: int, as_of: pd.Timestamp,
                   titres: pd.DataFrame | None, members: pd.DataFrame) -> PastExercises:
    """Every reopened exercise reconciled: its final report's dues (read once by the read
    layer, ``earlier.finals``) against today's titres."""
    exercises = tuple(reopened(year, as_of, titres))
    reports: dict[int, FinalReport] = {}
    unreadable: dict[int, str] = {}
    anomalies: list[Anomaly] = []
    parts = []
    for exercise in exercises:
        dues, found = _dues(earlier, exercise)
        if isinstance(found, FinalReport):
            reports[exercise] = found
        elif found is not None:
            unreadable[exercise] = found.file_name
            anomalies.append(found.anomaly)
        names = pd.concat([members[[SIREN, "nom"]], dues[[SIREN, "nom"]]])
        rows = reconcile(dues, titres, names, exercise)
        if exercise not in reports:
            rows = rows.assign(statut=UNKNOWN_DUE, du=pd.NA, ecart=pd.NA)  # type: ignore[arg-type]
            rows["prescription"] = pd.NaT
        else:
            uninvoiced = rows["du"] > rows["titre"]
            rows["prescription"] = pd.Series(
                due_prescription(exercise), index=rows.index).where(uninvoiced, pd.NaT)  # type: ignore[call-overload]
        parts.append(rows)
    if parts:
        every = pd.concat(parts, ignore_index=True)
    else:
        every = pd.DataFrame(columns=[SIREN, "membre", "exercice", "type_frais",
                                      "consultation", "du", "titre", "ecart", "encaisse",
                                      "reste", "statut", "titres", "prescription"])
    return PastExercises(every, exercises, MappingProxyType(reports), tuple(anomalies),
                         MappingProxyType(unreadable))


@dataclass(frozen=True)
class _Unreadable:
    file_name: str  # « 2025-12/rapprochement_2025-12.xlsx »
    anomaly: Anomaly


def _dues(earlier: Earlier, exercise: int) -> tuple[pd.DataFrame, FinalReport | _Unreadable | None]:
    """An exercise's dues from its final report, and where they came from: the report,
    why it could not be read, or ``None`` (no report: the dues are not known)."""
    empty = pd.DataFrame({SIREN: pd.Series(dtype=object), "nom": pd.Series(dtype=object),
                          "exercice": pd.Series(dtype="int64"),
                          "type_frais": pd.Series(dtype="int64"),
                          "consultation": pd.Series(dtype=object),
                          "montant": pd.Series(dtype="int64")})
    report = earlier.finals.get(exercise)
    failed = {name: why for name, why in earlier.unreadable.items()
              if name.startswith(f"{exercise}-")}
    if report is None and not failed:
        return empty, None
    try:
        if report is None or report.problem:
            raise ValueError(report.problem if report else next(iter(failed.values())))
        dues = read_dues(report.sheets.get("Charges"), exercise)
    except Exception as error:  # a damaged or hand-edited report must not stop the month
        name = report.name if report is not None else next(iter(failed))
        return empty, _Unreadable(name, CATALOGUE["rapport-final-illisible"].at(
            name.split("/")[-1], "Charges", exercise=exercise, error=error))
    return dues, FinalReport(exercise, report.month, report.sha256)
