"""Declarations of the input sheets (spécification §2): their columns, kinds and constraints.

Declarative only, no I/O: the validation stage (``reconcile.check.validate``) applies them.
Each ``SheetSpec`` says which file and sheet it describes, the kind of each column
(how its cells are read) and which columns must be present; its pandera schema holds
the per-row constraints, each named by its anomaly code (``reconcile/core/catalogue.py``)
and carrying the French message the officer will read.
"""

from .bareme import BAREME, CONSULTATIONS, EXONERATIONS
from .codes import CATEGORIES, PRESTATIONS, ROLES, TYPES_FRAIS
from .membres import MEMBRES
from .parametres import PARAMETRES
from .souscriptions import SOUSCRIPTIONS
from .spec import SheetSpec
from .titres import TITRES

SHEETS: tuple[SheetSpec, ...] = (
    MEMBRES,
    SOUSCRIPTIONS,
    BAREME,
    CONSULTATIONS,
    EXONERATIONS,
    PARAMETRES,
    TITRES,
)

__all__ = [
    "BAREME",
    "CATEGORIES",
    "CONSULTATIONS",
    "EXONERATIONS",
    "MEMBRES",
    "PARAMETRES",
    "PRESTATIONS",
    "ROLES",
    "SHEETS",
    "SOUSCRIPTIONS",
    "TITRES",
    "TYPES_FRAIS",
    "SheetSpec",
]
