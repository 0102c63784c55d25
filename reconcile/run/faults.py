"""What the machine, not the inputs nor a bug, did to a run: disk full, no permission,
read-only filesystem, a path that is a file or a symbolic-link loop — and interruptions.

These are facts of life for a scheduled job. Each becomes one French line for the
officer (``message``), an exit status and a journal ``fin`` event (``ending``), never a
traceback nor a crash log: those are kept for defects of the program.
"""

from __future__ import annotations

import errno
import math
from pathlib import Path
from typing import Any

from ..core.interrupts import signal_name, status_of
from ..core.model import EXIT_BUSY, EXIT_FAILURE

FULL = (errno.ENOSPC, errno.EDQUOT)

# Peak disk use of a run, measured on the sample (56 Ko of inputs, 1 283 rows, a 90 Ko
# report): 1.0 to 1.5 Mo, mostly xlsxwriter's uncompressed sheets, held twice while the
# workbook is packaged. Per input byte and per input row, with a margin.
REPORT_PER_INPUT_BYTE = 25
REPORT_PER_INPUT_ROW = 1024
STATEMENT_BYTES = 8 * 1024
MARGIN = 1.25


class DiskFull(Exception):
    """No room left in ``folder``; ``needed`` bytes would let the run through."""

    def __init__(self, folder: Path, needed: int, published: Path | None = None):
        super().__init__(f"espace disque insuffisant dans {folder}")
        self.folder, self.needed, self.published_report = folder, needed, published

    @property
    def message(self) -> str:
        kib = f"{math.ceil(self.needed / 1024):,}".replace(",", "\u202f")
        return (f"Arrêt : espace disque insuffisant dans {self.folder} : il faut environ "
                f"{kib} Ko libres. Aucun fichier partiel n'a été laissé ; "
                f"{aftermath(self)}.")


def mark_published(error: BaseException, report: Path) -> None:
    """``error`` ended a run after its new report was in place (during the statements)."""
    error.published_report = report  # type: ignore[attr-defined]


def aftermath(error: BaseException) -> str:
    """What became of the report, for the one line that tells the failure."""
    report = getattr(error, "published_report", None)
    if report is None:
        return "le rapport précédent est intact"
    return f"le nouveau rapport, complet, était déjà en place ({report})"


def chain(error: BaseException) -> list[BaseException]:
    """``error`` and what caused it (xlsxwriter wraps an ``OSError`` in its own errors)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        inner = [a for a in current.args if isinstance(a, BaseException)]
        current = current.__cause__ or current.__context__ or (inner[0] if inner else None)
    return seen


def os_error(error: BaseException) -> OSError | None:
    """The ``OSError`` behind ``error``, if the machine is what failed."""
    for link in chain(error):
        if isinstance(link, OSError) and link.errno is not None:
            return link
    return None


def disk_full(error: BaseException) -> OSError | None:
    found = os_error(error)
    return found if found is not None and found.errno in FULL else None


def space_needed(inputs: Path, input_rows: int = 0, result_rows: int = 0,
                 statements: bool = False) -> int:
    """About how many bytes a run writes at its peak: the copy of the inputs, the report
    and its scratch files, the statements (see the measures above)."""
    from ..read.reader import EXTENSIONS

    try:
        input_bytes = sum(p.stat().st_size for p in inputs.iterdir()
                          if p.suffix.lower() in EXTENSIONS and p.is_file())
    except OSError:
        input_bytes = 0
    report = max(REPORT_PER_INPUT_BYTE * input_bytes, REPORT_PER_INPUT_ROW * input_rows)
    # One statement per member; before reckoning, ~256 input bytes per member (sample).
    members = result_rows // 2 or input_bytes // 256
    pages = STATEMENT_BYTES * members if statements else 0
    return int(MARGIN * (input_bytes + report + pages)) + 64 * 1024


def message(error: BaseException, where: Path | None = None) -> str | None:
    """One French line for a failure of the machine; ``None`` for anything else."""
    if isinstance(error, DiskFull):
        return error.message
    found = os_error(error)
    if found is None:
        return None
    # The folder where it failed: a temporary's own name would only puzzle the officer.
    path = Path(found.filename).parent if found.filename else (where or Path("."))
    reason = {
        errno.EACCES: "permission refusée",
        errno.EPERM: "opération non permise",
        errno.EROFS: "le système de fichiers est en lecture seule",
        errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
        errno.EEXIST: "un fichier porte déjà ce nom (un dossier est attendu)",
        errno.ELOOP: "boucle de liens symboliques (un lien renvoie, directement ou non, "
                     "vers lui-même)",
        errno.ENAMETOOLONG: "chemin trop long",
        errno.EIO: "erreur d'entrée-sortie du disque",
    }.get(found.errno or 0)
    if found.errno in FULL:
        return DiskFull(path, 256 * 1024, getattr(error, "published_report", None)).message
    if reason is None:
        return None
    return (f"Arrêt : écriture impossible dans {path} : {reason}. Aucun fichier partiel "
            f"n'a été laissé ; {aftermath(error)}.")


def ending(error: BaseException) -> tuple[int, dict[str, Any]]:
    """The exit status and journal details of a run that ``error`` ended."""
    from ..core.safeio import Busy

    if isinstance(error, Busy):
        return EXIT_BUSY, {"resultat": "refus : une autre exécution tient le verrou"}
    if isinstance(error, KeyboardInterrupt):
        return status_of(error), {"resultat": "interrompu", "signal": signal_name(error)}
    if disk_full(error) is not None or isinstance(error, DiskFull):
        return EXIT_FAILURE, {"resultat": "espace disque insuffisant",
                              "erreur": str(disk_full(error) or error)}
    if message(error) is not None:
        return EXIT_FAILURE, {"resultat": "ecriture impossible", "erreur": str(os_error(error))}
    return EXIT_FAILURE, {"resultat": "erreur inattendue",
                          "erreur": f"{type(error).__name__}: {error}"}
