"""What a run applies besides its data, decided once: the command line's options, the
`Parametres` sheet, the defaults — each value with its source (spécification §2.9, §4.7,
§4.15).

Made once by the pipeline after validation (``decide``); the computation, the letters
and the Contrôle sheet all read the same frozen object, so a value and the source
Contrôle names for it cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.wording import euros
from ..read.parameters import KEYS, Key, Parameters
from .identity import Identity
from .receivables import delay_and_source

SHEET, DEFAULT = "feuille Parametres", "défaut"


@dataclass(frozen=True)
class Options:
    """`--relances`, `--delai-relance` and `--reemettre`, as given on the command line."""

    reminders: bool = False
    delai_relance: int | None = None
    reissue: bool = False  # `--reemettre`: replace the month's PES Aller (titres_out.plan)


@dataclass(frozen=True)
class Setting:
    """One value applied and where it comes from (« feuille Parametres », « option
    --delai-relance », « défaut »)."""

    value: object
    source: str


@dataclass(frozen=True)
class Settings:
    """Options, `Parametres` values and defaults, each with its source."""

    options: Options = field(default_factory=Options)
    parameters: Parameters = field(default_factory=lambda: Parameters({}))
    reminder_delay: Setting = field(default_factory=lambda: Setting(*delay_and_source()))

    @property
    def delay(self) -> int:
        return int(str(self.reminder_delay.value))

    @property
    def identity(self) -> Identity:
        """Who sends and who collects, from `Parametres` (§2.9)."""
        return Identity.of(self.parameters)

    def parameter(self, name: str) -> Setting | None:
        """A `Parametres` key's value and source; ``None`` when it has no value."""
        value = self.parameters.get(name)
        if value is None:
            return None
        return Setting(value, SHEET if name in self.parameters.given else DEFAULT)

    def shown(self) -> tuple[tuple[str, str], ...]:
        """The Contrôle lines: each `Parametres` value applied with its source, then the
        reminder delay with its own."""
        def text(name: str) -> str:
            found = self.parameter(name)
            if found is None:
                return "non renseigné"
            value = str(found.value)
            if name == "seuil_recouvrement":
                value = euros(int(value))
            return f"{value} ({found.source})"

        return (*((words(key), text(key.name)) for key in KEYS
                  if key.name != "delai_relance"),
                ("Délai de relance appliqué",
                 f"{self.delay} jours ({self.reminder_delay.source})"))


def decide(options: Options, parameters: Parameters) -> Settings:
    """The run's settings, made once from the options and the `Parametres` sheet."""
    return Settings(options, parameters,
                    Setting(*delay_and_source(options.delai_relance, parameters.written())))


SHORTER = {"seuil_recouvrement": "Seuil de mise en recouvrement",
           "delai_paiement": "Délai de paiement laissé par une lettre de relance"}


def words(key: Key) -> str:
    """A `Parametres` key as the Contrôle names it: in words, then the key the officer
    finds in the sheet (« SIRET du coordonnateur (siret_coordonnateur) »)."""
    said = SHORTER.get(key.name) or re.split(r" \(| : |, |\. | ;", key.label)[0].rstrip(".")
    return f"{said} ({key.name})"
