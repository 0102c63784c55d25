"""What a sheet declaration holds."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandera.pandas as pa

# How a column's cells are read (see reconcile.read.cells).
KINDS = ("text", "code", "siren", "date", "amount", "integer")


@dataclass(frozen=True)
class SheetSpec:
    stem: str  # the file's name without extension
    sheet: str  # the sheet's name (matched without case or accents)
    columns: dict[str, str]  # normalised header → kind
    required: tuple[str, ...]  # columns that must be present
    schema: pa.DataFrameSchema
    optional_sheet: bool = False
    primary: bool = True  # the file's main sheet: read whatever its name if it is alone
    defaults: dict[str, object] = field(default_factory=dict)
    # Optional columns whose absence changes an amount → what their absence means.
    guarded: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert set(self.columns.values()) <= set(KINDS), self.columns
        assert set(self.required) <= set(self.columns), self.required
        assert set(self.guarded) <= set(self.columns) - set(self.required), self.guarded
