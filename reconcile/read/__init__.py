"""Read layer: every byte the month needs is read here, once, into typed tables.
May import core only."""
