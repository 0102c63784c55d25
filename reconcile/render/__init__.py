"""Render layer: workbooks and XML made from computed values, as ``Document`` values
(name and bytes); opens, lists and writes no file — the run layer writes them
(``run.publish``). May import every layer below (core, read, check, compute)."""
