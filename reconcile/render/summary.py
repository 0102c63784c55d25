"""The on-screen summary of the anomalies, the same for ``check`` and ``run``.

Every error is listed (up to a limit, then where the full list is and how to get it),
each followed by the warnings that explain it — an unknown column next to a missing
one is most often the missing one, misspelt —, then the warnings that change what the
figures mean, and last a count line in French (« 1 erreur, 3 avertissements »).
Lines are built here and printed by ``cli``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.anomalies import Anomaly, prominent
from ..core.wording import plural

SHOWN = 15

# Error code → warning codes that may explain it, on the same file and sheet.
EXPLAINS: dict[str, tuple[str, ...]] = {
    "colonnes-manquantes": ("colonne-inconnue",),
    "feuille-manquante": ("feuille-masquee",),
}


def count_line(anomalies: Sequence[Anomaly]) -> str:
    errors = sum(1 for a in anomalies if a.is_error)
    return f"{plural(errors, 'erreur')}, {plural(len(anomalies) - errors, 'avertissement')}."


def explaining(error: Anomaly, anomalies: Sequence[Anomaly]) -> list[Anomaly]:
    """The warnings that explain ``error`` (``EXPLAINS``)."""
    codes = EXPLAINS.get(error.code, ())
    return [a for a in anomalies if not a.is_error and a.code in codes
            and (a.file, a.sheet) == (error.file, error.sheet)]


def line(a: Anomaly) -> str:
    where = " › ".join(x for x in (a.file, a.sheet, f"ligne {a.row}" if a.row else "",
                                    f"colonne « {a.column} »" if a.column else "") if x)
    value = f" (valeur « {a.value} »)" if a.value else ""
    return f"{a.severity} : {where}{value} : {a.message}"


def summary_lines(anomalies: Sequence[Anomaly], full_list: str | None, how_to_get: str = ""
                  ) -> list[str]:
    """The summary: the errors (or, without any, the warnings) up to ``SHOWN``, each
    error with its explaining warnings; past ``SHOWN``, where the rest is
    (``full_list``, e.g. a file) or else ``how_to_get`` it; the prominent warnings not
    listed yet; the count line."""
    errors = [a for a in anomalies if a.is_error]
    listed = errors or [a for a in anomalies if not a.is_error]
    lines: list[str] = []
    shown: set[Anomaly] = set()
    for a in listed[:SHOWN]:
        lines.append(f"  - {line(a)}")
        shown.add(a)
        for warning in explaining(a, anomalies) if a.is_error else []:
            lines.append(f"      ↳ {line(warning)}")
            shown.add(warning)
    rest = len(listed) - SHOWN
    if rest > 0:
        noun = ("erreur" if errors else "avertissement") + ("s" if rest > 1 else "")
        others = f"  … et {rest} {'autres' if rest > 1 else 'autre'} {noun}"
        lines.append(f"{others} : liste complète dans {full_list}." if full_list
                     else f"{others} : {how_to_get}.")
    lines += [f"  ! {' › '.join(x for x in (a.file, a.sheet) if x)} : {a.message}"
              for a in prominent(anomalies) if a not in shown]
    lines.append(count_line(anomalies))
    return lines
