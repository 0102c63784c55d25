"""Compute layer: the rules, charges, reconciliation, receivables, titres to issue.
Pure functions of values: opens no file. May import core, read and check."""
