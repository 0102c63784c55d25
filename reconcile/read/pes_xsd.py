"""The vendored PES Aller schema (DGFiP, PES V2 2.1.a), parsed once: program data, read
here like every other byte the program reads, so that the render layer, which checks
the PES Aller it builds against it (``render.pes_aller.problems``), opens no file.
Provenance: ``xsd/PROVENANCE.md``."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

XSD = Path(__file__).parent / "xsd" / "pes-aller-2.1.a" / "PES_V2" / "Rev0" / "PES_Aller.xsd"
XSD_VERSION = "PES V2 2.1.a (PES_Aller.xsd, DGFiP)"


@functools.cache
def schema() -> etree.XMLSchema:
    """The PES Aller XSD (no DTD, no network), parsed on first use."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD), parser))
