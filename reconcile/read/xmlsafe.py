"""Parse an input XML file with the guarantees given to workbooks (see docs/securite.md).

No DTD at all (so no entity to expand, internal or external), no network, lxml's
default limits on depth and text size (``huge_tree=False``), the size limit of every
input; a damaged file is a clear French message, never a traceback. Element names lose
their namespace once parsed: PES producers differ on whether children are qualified.
"""

from __future__ import annotations

from lxml import etree

from ..core.anomalies import InputError, file_problem

DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<\x00!\x00D\x00O\x00C", b"<\x00!\x00E\x00N\x00T")


def parse(name: str, data: bytes) -> etree._Element:
    """The root element of ``data`` (namespaces stripped); ``InputError`` otherwise."""
    if not data.strip():
        raise InputError(file_problem(name, "fichier-vide", detail="fichier XML vide"))
    if any(marker in data for marker in DTD_MARKERS):
        raise InputError(file_problem(name, "xml-dtd", detail=(
                                "le fichier déclare une DTD ou des entités XML (<!DOCTYPE "
                                "ou <!ENTITY), ce qu'aucun flux PES légitime ne fait : "
                                "fichier refusé")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = f" (ligne {error.lineno})" if error.lineno else ""
        raise InputError(file_problem(name, "xml-illisible", line=line,
                                      error=error.msg)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise InputError(file_problem(name, "xml-dtd",
                                      detail="le fichier déclare une DTD : refusé"))
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    return root


def value(element: etree._Element | None) -> str:
    """The ``V`` attribute of ``element``, stripped; blank when the element is missing."""
    return "" if element is None else (element.get("V") or "").strip()
