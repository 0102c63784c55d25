"""Check layer: validation of the typed tables against the schemas.
May import core and read."""
