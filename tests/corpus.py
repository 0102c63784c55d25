"""The bad-input corpus: every hostile or broken input an officer (or anyone) can drop
in ``inputs/``, generated in code, each with the exit status and the exact cells
(file, sheet, Excel row, column) the anomalies must point at, each with its catalogue
code (``reconcile/core/catalogue.py``).

A case starts from the valid groupement of ``workbooks.base()`` and breaks one thing.
Layout of ``base()`` (header = row 1):

* ``membres.xlsx`` › ``Membres``: A SIREN, B Nom, C Catégorie, D Population,
  E Commune rattachement, F Date adhésion, G Date notification retrait, H Rôle;
  rows 2 coordinator, 3 commune A, 4 commune B, 5 CCAS of A, 6 syndicat, 7 EPCI.
* ``souscriptions.xlsx`` › ``Souscriptions``: SIREN, Prestation, Date début, Date fin;
  rows 2–7.
* ``bareme.xlsx`` › ``Bareme``: Type frais, Libellé, Catégorie, Population min,
  Population max, Prestation, Montant, Valable du, Valable au; rows 2–12
  (2 and 3: commune brackets 0–999 and 1000+). ``Consultations``: Code, Libellé,
  Début adhésion, Fin adhésion, Date lancement, Prestations; row 2 = C2026.
* ``titres.xlsx`` › ``Titres``: headers only.

Binary fixtures exist only for what no Python library can write (``.xls``, files
saved by LibreOffice): see ``fixtures/README.md``.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import xlsxwriter
from workbooks import (
    COMMUNE_A,
    COMMUNE_B,
    SYNDICAT,
    D,
    Inputs,
    base,
    consultation,
    member,
    siren,
    subscription,
    tariff,
    titre,
    write_book,
    write_cell,
    write_csv,
)

FIXTURES = Path(__file__).parent / "fixtures"
MEMBRES_HEADERS = ["SIREN", "Nom", "Catégorie", "Population", "Commune rattachement",
                   "Date adhésion", "Date notification retrait", "Rôle"]
M = "membres.xlsx"
S = "souscriptions.xlsx"
B = "bareme.xlsx"
T = "titres.xlsx"

# (catalogue code, file, sheet, Excel row, column): which anomaly, and where.
Found = tuple[str, str, str, int | None, str]


@dataclass
class Case:
    """``build(folder)`` writes the inputs; the run must end with ``status``, its errors
    must be exactly ``errors`` and ``warnings`` must be among its warnings, each as
    (code, file, sheet, row, column). Messages are not compared here: the few whose
    wording is itself a requirement are in ``test_wordings.py``."""

    id: str
    build: Callable[[Path], None]
    status: int = 2
    errors: set[Found] = field(default_factory=set)
    warnings: set[Found] = field(default_factory=set)
    extra: list[str] = field(default_factory=list)
    xfail: str = ""  # a known gap, not fixed yet: the case is a strict xfail
    # For a control: (Charges column, value) pairs that some Charges row must hold.
    charges: list[dict] = field(default_factory=list)


# -- building blocks ---------------------------------------------------------------------


def edited(change: Callable[[Inputs], None]) -> Callable[[Path], None]:
    """A builder: base(), changed by ``change``, written as .xlsx."""

    def build(folder: Path) -> None:
        inputs = base()
        change(inputs)
        inputs.write(folder)

    return build


def then(change: Callable[[Inputs], None] | None,
         after: Callable[[Path], None]) -> Callable[[Path], None]:
    """A builder: base() (optionally changed), written, then files worked on by ``after``."""

    def build(folder: Path) -> None:
        inputs = base()
        if change:
            change(inputs)
        inputs.write(folder)
        after(folder)

    return build


def membres_sheet(folder: Path, write: Callable[[xlsxwriter.Workbook, dict], None],
                  rows: list[dict] | None = None) -> None:
    """Rewrite membres.xlsx by hand: ``write(workbook, formats)`` lays out the sheets."""
    path = folder / M
    path.unlink(missing_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    formats = {"date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
               "rows": rows if rows is not None else base().membres}
    write(workbook, formats)
    workbook.close()


def table(sheet, rows: list[dict], formats: dict, first: int = 0,
          headers: list[str] | None = None) -> None:
    headers = headers or MEMBRES_HEADERS
    for c, header in enumerate(headers):
        sheet.write_string(first, c, header)
    for r, row in enumerate(rows, start=first + 1):
        for c, header in enumerate(headers):
            write_cell(sheet, r, c, row.get(header), formats["date"])


def rezip(path: Path, change: Callable[[str, bytes], bytes | None],
          extra: dict[str, bytes] | None = None, stored: bool = False) -> None:
    """Rewrite the zip at ``path``: each member through ``change`` (None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            target.writestr(name, data, compress_type=method)
    path.write_bytes(buffer.getvalue())


def sheet_xml(change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, data: change(data) if name == "xl/worksheets/sheet1.xml" else data


def random_bytes(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def fixture(name: str, target: str) -> Callable[[Path], None]:
    def copy(folder: Path) -> None:
        shutil.copyfile(FIXTURES / name, folder / target)

    return copy


def replace_membres_by(name: str) -> Callable[[Path], None]:
    def swap(folder: Path) -> None:
        (folder / M).unlink()
        shutil.copyfile(FIXTURES / name, folder / name)

    return swap


def set_cell(sheet: str, row: int, header: str, value) -> Callable[[Inputs], None]:
    """Set one cell of base(): ``row`` is the Excel row (2 = first data row)."""

    def change(inputs: Inputs) -> None:
        getattr(inputs, sheet)[row - 2][header] = value

    return change


def both(*changes: Callable[[Inputs], None]) -> Callable[[Inputs], None]:
    def change(inputs: Inputs) -> None:
        for one in changes:
            one(inputs)

    return change


# -- files -------------------------------------------------------------------------------


def _encrypted(folder: Path) -> None:
    """Encrypted by msoffcrypto-tool (dev extra): an OLE container with EncryptionInfo,
    exactly what Excel saves with « Protéger le classeur par un mot de passe »."""
    import pytest

    pytest.importorskip("msoffcrypto")
    import msoffcrypto.format.ooxml

    path = folder / M
    output = io.BytesIO()
    with path.open("rb") as handle:
        msoffcrypto.format.ooxml.OOXMLFile(handle).encrypt("secret", output)
    path.write_bytes(output.getvalue())


def _zip_bomb(folder: Path) -> None:
    # 30 MB of blanks inside the sheet XML: valid XML, compresses ~1000:1.
    padding = b" " * (30 * 2**20)
    rezip(folder / M, sheet_xml(lambda xml: xml.replace(b"<sheetData>",
                                                        b"<sheetData>" + padding, 1)))


def _entities(folder: Path) -> None:
    doctype = (b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
               b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    rezip(folder / M, sheet_xml(lambda xml: re.sub(rb"(<\?xml[^>]*\?>)", lambda m: m.group(1)
                                                   + doctype, xml, count=1)))


def _padded(folder: Path) -> None:
    """A valid workbook carrying 1.5 MB of incompressible bytes (an embedded image)."""
    rezip(folder / M, lambda name, data: data,
          extra={"xl/media/image1.png": random_bytes(3 * 2**19)}, stored=True)


def _sparse(folder: Path) -> None:
    """A 3 GB file that takes no disk space: it must be refused without being read."""
    with (folder / M).open("r+b") as handle:
        handle.truncate(3 * 2**30)


def _lying_sizes(folder: Path) -> None:
    """The sheet's declared size (and CRC) are those of the real sheet, but its deflate
    stream holds 30,000 more rows: a bomb that the declared sizes cannot reveal."""
    path = folder / M
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    declared = archive.read("xl/worksheets/sheet1.xml")
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r)
                    for r in range(8, 30_000))
    rezip(path, sheet_xml(lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")))
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    crc, size = zlib.crc32(declared), len(declared)
    struct.pack_into("<II", data, info.header_offset + 14, crc, info.compress_size)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    name = info.filename.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == name:
            struct.pack_into("<I", data, at + 16, crc)
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def _truncated(folder: Path) -> None:
    data = (folder / M).read_bytes()
    (folder / M).write_bytes(data[: len(data) // 2])


def _flipped_sheet(folder: Path) -> None:
    """Bytes of the compressed sheet XML overwritten: the archive's index is intact."""
    path = folder / M
    data = bytearray(path.read_bytes())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 5, start + info.compress_size - 5, 7):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def _far_cell(folder: Path) -> None:
    """A value in XFD1048576: would make calamine allocate ~550 GB and abort."""
    cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    rezip(folder / M, sheet_xml(lambda xml: xml.replace(b"</sheetData>",
                                                        cell + b"</sheetData>", 1)))


def _formatted_empty_rows(folder: Path) -> None:
    """What Excel writes when a million rows below the table were given a format."""
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (r, r)
                    for r in range(8, 1_000_001))
    rezip(folder / M, sheet_xml(lambda xml: xml.replace(b"</sheetData>",
                                                        rows + b"</sheetData>", 1)))


def _no_workbook_part(folder: Path) -> None:
    rezip(folder / M, lambda name, data: None if name == "xl/workbook.xml" else data)


def _docx_zip(folder: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    (folder / M).write_bytes(buffer.getvalue())


def _ole_garbage(folder: Path) -> None:
    (folder / M).unlink()
    (folder / "membres.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                                         + random_bytes(4096))


def _empty_workbook(folder: Path) -> None:
    membres_sheet(folder, lambda wb, f: wb.add_worksheet("Feuil1"))


FILES = [
    Case("fichier-absent", then(None, lambda f: (f / M).unlink()),
         errors={("fichier-manquant", M, "", None, "")}),
    Case("meme-radical-xlsx-ods", then(None, fixture("membres.ods", "membres.ods")),
         errors={("fichier-double", "membres.ods", "", None, "")}),
    Case("fichier-0-octet", then(None, lambda f: (f / M).write_bytes(b"")),
         errors={("fichier-vide", M, "", None, "")}),
    Case("classeur-vide", then(None, _empty_workbook),
         errors={("feuille-vide", M, "Feuil1", None, "SIREN, Nom, Catégorie, Date adhésion")}),
    Case("csv-renomme-xlsx",
         then(None, lambda f: (f / M).write_text("SIREN;Nom\n990000010;Commune\n",
                                                 encoding="utf-8")),
         errors={("pas-un-classeur", M, "", None, "")}),
    Case("binaire-inconnu", then(None, lambda f: (f / M).write_bytes(random_bytes(3000))),
         errors={("pas-un-classeur", M, "", None, "")}),
    Case("zip-tronque", then(None, _truncated), errors={("fichier-corrompu", M, "", None, "")}),
    Case("zip-octets-alteres", then(None, _flipped_sheet),
         errors={("fichier-corrompu", M, "", None, "")}),
    Case("zip-sans-workbook", then(None, _no_workbook_part),
         errors={("fichier-corrompu", M, "", None, "")}),
    Case("zip-pas-excel", then(None, _docx_zip), errors={("pas-un-classeur", M, "", None, "")}),
    Case("ole-illisible", then(None, _ole_garbage),
         errors={("fichier-corrompu", "membres.xls", "", None, "")}),
    Case("protege-par-mot-de-passe", then(None, _encrypted),
         errors={("protege-mot-de-passe", M, "", None, "")}),
    Case("bombe-zip", then(None, _zip_bomb), errors={("bombe-zip", M, "", None, "")}),
    Case("xml-entites", then(None, _entities), errors={("xml-entites", M, "", None, "")}),
    Case("fichier-trop-gros", then(None, _padded), errors={("fichier-trop-gros", M, "", None, "")},
         extra=["--max-fichier-mo", "1"]),
    Case("fichier-creux-de-3-go", then(None, _sparse),
         errors={("fichier-trop-gros", M, "", None, "")}),
    Case("zip-tailles-declarees-mensongeres", then(None, _lying_sizes),
         errors={("fichier-corrompu", M, "", None, "")}),
    Case("decompresse-trop-gros", then(None, _padded),
         errors={("decompression-excessive", M, "", None, "")},
         extra=["--max-fichier-mo", "10", "--max-decompresse-mo", "1"]),
    Case("trop-de-lignes", edited(lambda i: None),
         errors={("plage-trop-grande", M, "Membres", None, ""),
                 ("plage-trop-grande", S, "Souscriptions", None, ""),
                 ("plage-trop-grande", B, "Bareme", None, "")},
         extra=["--max-lignes", "5"]),
    Case("cellule-en-XFD1048576", then(None, _far_cell),
         errors={("plage-trop-grande", M, "Membres", None, "")}),
    Case("dossier-au-nom-de-fichier",
         then(None, lambda f: ((f / M).unlink(), (f / M).mkdir())),
         errors={("fichier-manquant", M, "", None, "")}),
    # Controls: the same data in every format a real office produces.
    Case("controle-xls-libreoffice", then(None, replace_membres_by("membres.xls")), status=0),
    Case("controle-ods-libreoffice", then(None, replace_membres_by("membres.ods")), status=0),
    Case("controle-xlsx-libreoffice",
         then(None, fixture("membres-libreoffice.xlsx", M)), status=0),
    Case("controle-bareme-ods-libreoffice",
         then(None, lambda f: ((f / B).unlink(),
                               shutil.copyfile(FIXTURES / "bareme.ods", f / "bareme.ods"))),
         status=0),
    Case("controle-xlsm", then(None, lambda f: (f / M).rename(f / "membres.xlsm")), status=0),
    Case("controle-verrou-libreoffice-ignore",
         then(None, lambda f: (f / ".~lock.membres.xlsx#").write_text("x")), status=0),
]


# -- sheets ------------------------------------------------------------------------------


def _two_sheets(first: str, second: str, hidden: str = "") -> Callable[[Path], None]:
    def write(workbook, formats):
        for name in (first, second):
            sheet = workbook.add_worksheet(name)
            if name == first:
                table(sheet, formats["rows"], formats)
            else:
                sheet.write_string(0, 0, "Notes de l'agent")
            if name == hidden:
                sheet.hide()
        if hidden == first:
            workbook.worksheets()[1].activate()

    return then(None, lambda folder: membres_sheet(folder, write))


def _title_block(bad_row: int | None = None, rows_above: int = 4) -> Callable[[Path], None]:
    rows = base().membres
    if bad_row is not None:
        rows[bad_row]["SIREN"] = "123456789"

    def write(workbook, formats):
        sheet = workbook.add_worksheet("Membres")
        merge = workbook.add_format({"bold": True, "align": "center"})
        sheet.merge_range(0, 0, 0, 7, "Groupement de commandes – liste des membres", merge)
        sheet.write_string(1, 0, "Mise à jour : 15/03/2026")
        table(sheet, formats["rows"], formats, first=rows_above)

    return lambda folder: membres_sheet(folder, write, rows)


def _merged_category(folder: Path) -> None:
    def write(workbook, formats):
        sheet = workbook.add_worksheet("Membres")
        table(sheet, formats["rows"], formats)
        sheet.merge_range(2, 2, 3, 2, "commune")  # C3:C4, communes A and B

    membres_sheet(folder, write)


def _headers(headers: list[str]) -> Callable[[Path], None]:
    def write(workbook, formats):
        sheet = workbook.add_worksheet("Membres")
        for c, header in enumerate(headers):
            sheet.write_string(0, c, header)
        for r, row in enumerate(formats["rows"], start=1):
            for c, header in enumerate(MEMBRES_HEADERS):
                write_cell(sheet, r, c, row.get(header), formats["date"])

    return lambda folder: membres_sheet(folder, write)


def _bareme_sheets(names: list[str]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        inputs = base()
        inputs.write(folder)
        sheets = {"Bareme": inputs.bareme, "Consultations": inputs.consultations}
        write_book(folder / B, {name: sheets[source] for name, source in names})

    return build


def _duplicated_montant(folder: Path) -> None:
    inputs = base()
    inputs.write(folder)
    rows = [{**row, "Montant ": row["Montant"]} for row in inputs.bareme]
    write_book(folder / B, {"Bareme": rows, "Consultations": inputs.consultations})


SHEETS = [
    Case("feuille-manquante",
         _bareme_sheets([("Bareme", "Bareme"), ("Notice", "Consultations")]),
         errors={("feuille-manquante", B, "Consultations", None, "")}),
    Case("feuille-renommee-plusieurs-feuilles", _two_sheets("Liste", "Notes"),
         errors={("feuille-manquante", M, "Membres", None, "")}),
    Case("feuille-renommee-seule-feuille",
         lambda f: (base().write(f), write_book(f / M, {"Feuil1": base().membres})), status=0),
    Case("feuille-en-plus", _two_sheets("Membres", "Notes"), status=0),
    Case("feuille-masquee", _two_sheets("Membres", "Notice", hidden="Membres"), status=0,
         warnings={("feuille-masquee", M, "Membres", None, "")}),
    Case("feuille-accentuee", _bareme_sheets([("Barème", "Bareme"),
                                              ("CONSULTATIONS", "Consultations")]), status=0),
    Case("bloc-de-titre-fusionne", then(None, _title_block()), status=0),
    Case("bloc-de-titre-numeros-de-ligne", then(None, _title_block(bad_row=2)),
         errors={("valeur-siren", M, "Membres", 8, "SIREN")}),
    Case("en-tete-au-dela-de-30-lignes", then(None, _title_block(rows_above=35)),
         errors={("colonnes-manquantes", M, "Membres", 1, "SIREN, Nom, Catégorie, Date adhésion")}),
    Case("cellules-fusionnees-dans-les-donnees", then(None, _merged_category),
         errors={("valeur-code", M, "Membres", 4, "Catégorie")}),
    Case("en-tetes-accents-casse-espaces",
         then(None, _headers([" siren\u00a0", "NOM", "categorie", "POPULATION ",
                              "Commune de rattachement", "Date d'adhésion",
                              "date  notification  retrait", "RÔLE"])), status=0),
    Case("en-tete-avec-faute",
         then(None, _headers([*MEMBRES_HEADERS[:5], "Date adhsion", *MEMBRES_HEADERS[6:]])),
         errors={("colonnes-manquantes", M, "Membres", 1, "Date adhésion")},
         warnings={("colonne-inconnue", M, "Membres", 1, "Date adhsion")}),
    Case("colonne-en-double", then(None, _duplicated_montant),
         errors={("colonne-double", B, "Bareme", 1, "Montant")}),
]


# -- cells -------------------------------------------------------------------------------


def _patch_cell(path: Path, sheet_name: str, row: int, column: int, formula: str,
                cached: str | None) -> None:
    """Replace one cell by a formula (``cached``: its cached value; '#…' = error)."""
    index = _sheet_index(path, sheet_name)
    ref = f"{chr(64 + column)}{row}".encode()
    if cached is None:
        cell = b'<c r="%s"><f>%s</f></c>' % (ref, formula.encode())
    elif cached.startswith("#"):
        cell = b'<c r="%s" t="e"><f>%s</f><v>%s</v></c>' % (ref, formula.encode(),
                                                            cached.encode())
    else:
        cell = b'<c r="%s"><f>%s</f><v>%s</v></c>' % (ref, formula.encode(), cached.encode())

    def change(xml: bytes) -> bytes:
        pattern = rb'<c r="%s"(?:[^>]*/>|[^>]*>.*?</c>)' % ref
        if re.search(pattern, xml):
            return re.sub(pattern, lambda m: cell, xml, count=1, flags=re.S)
        return re.sub(rb'(<row r="%d"[^>]*>)' % row, lambda m: m.group(1) + cell, xml,
                      count=1)

    rezip(path, lambda name, data: change(data)
          if name == f"xl/worksheets/sheet{index}.xml" else data)


def _sheet_index(path: Path, sheet_name: str) -> int:
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    return names.index(sheet_name) + 1


def patched(path: str, sheet_name: str, row: int, column: int, formula: str,
            cached: str | None, change: Callable[[Inputs], None] | None = None):
    return then(change, lambda f: _patch_cell(f / path, sheet_name, row, column, formula,
                                              cached))


def _xlsxwriter_error_cells(folder: Path) -> None:
    """#N/A and #REF! written by xlsxwriter itself, as the brief's recipe says."""
    def write(workbook, formats):
        sheet = workbook.add_worksheet("Membres")
        table(sheet, formats["rows"], formats)
        sheet.write_formula(2, 3, "=NA()", None, "#N/A")  # D3: population of commune A
        sheet.write_formula(3, 3, "=#REF!*2", None, "#REF!")  # D4: commune B

    membres_sheet(folder, write)


def _quote_prefixed(folder: Path) -> None:
    def write(workbook, formats):
        sheet = workbook.add_worksheet("Membres")
        table(sheet, formats["rows"], formats)
        quoted = workbook.add_format({"quote_prefix": True})
        sheet.write_string(2, 3, "800", quoted)  # '800 typed in Excel
        sheet.write_string(3, 0, "'" + COMMUNE_B)  # apostrophe kept in the text itself

    membres_sheet(folder, write)


CELLS = [
    Case("erreurs-NA-REF-xlsxwriter", then(None, _xlsxwriter_error_cells),
         errors={("valeur-entier", M, "Membres", 3, "Population"),
                 ("valeur-entier", M, "Membres", 4, "Population")}),
    Case("erreurs-NA-REF-ods-libreoffice",
         then(None, lambda f: ((f / M).unlink(), shutil.copyfile(
             FIXTURES / "membres-erreurs.ods", f / "membres.ods"))),
         errors={("valeur-entier", "membres.ods", "Membres", 3, "Population"),
                 ("valeur-entier", "membres.ods", "Membres", 4, "Population")}),
    Case("erreurs-NA-REF-xls-libreoffice",
         then(None, lambda f: ((f / M).unlink(), shutil.copyfile(
             FIXTURES / "membres-erreurs.xls", f / "membres.xls"))),
         errors={("valeur-entier", "membres.xls", "Membres", 3, "Population"),
                 ("valeur-entier", "membres.xls", "Membres", 4, "Population")}),
    Case("erreur-REF-montant", patched(B, "Bareme", 2, 7, "#REF!+1", "#REF!"),
         errors={("valeur-montant", B, "Bareme", 2, "Montant")}),
    Case("erreur-DIV0-date", patched(M, "Membres", 6, 6, "1/0", "#DIV/0!"),
         errors={("valeur-date", M, "Membres", 6, "Date adhésion")}),
    Case("formule-avec-valeur-calculee", patched(M, "Membres", 3, 4, "400*2", "800"),
         status=0, charges=[{"Membre": "Commune A", "Ligne du barème": "Bareme, ligne 2"}]),
    Case("formule-sans-valeur-calculee", patched(M, "Membres", 3, 4, "400*2", None),
         errors={("valeur-entier", M, "Membres", 3, "Population")}),
    Case("dates-texte-valides",
         edited(both(set_cell("membres", 3, "Date adhésion", "15/01/2020"),
                     set_cell("membres", 4, "Date adhésion", "2020-01-15"),
                     set_cell("membres", 5, "Date adhésion", " 1/1/2020 "),
                     set_cell("membres", 7, "Date notification retrait", "15/03/2026"),
                     set_cell("souscriptions", 4, "Date début", "2026-03-15"))), status=0,
         charges=[{"Membre": "EPCI E", "Type de frais": 2}]),
    Case("date-impossible", edited(set_cell("membres", 3, "Date adhésion", "31/02/2026")),
         errors={("valeur-date", M, "Membres", 3, "Date adhésion")}),
    Case("date-ambigue", edited(set_cell("membres", 4, "Date adhésion", "03/15/26")),
         errors={("valeur-date", M, "Membres", 4, "Date adhésion")}),
    Case("date-nombre-sans-format", edited(set_cell("membres", 4, "Date adhésion", 43845)),
         errors={("valeur-date", M, "Membres", 4, "Date adhésion")}),
    Case("date-an-2263", edited(set_cell("bareme", 2, "Valable du", D(2263, 1, 1))),
         errors={("valeur-date", B, "Bareme", 2, "Valable du")}),
    Case("date-texte-an-0001", edited(set_cell("membres", 3, "Date adhésion", "0001-01-01")),
         errors={("valeur-date", M, "Membres", 3, "Date adhésion")}),
    Case("montants-texte-francais",
         edited(both(set_cell("bareme", 2, "Montant", "1\u00a0234,56\u00a0€"),
                     set_cell("bareme", 3, "Montant", "1\u202f234,5"),
                     set_cell("bareme", 4, "Montant", " 50 € "),
                     set_cell("bareme", 5, "Montant", "1 234,56 €"))), status=0,
         charges=[{"Membre": "Commune A", "Ligne du barème": "Bareme, ligne 2",
                   "Montant dû": 1234.56},
                  {"Membre": "Commune B", "Ligne du barème": "Bareme, ligne 3",
                   "Montant dû": 1234.5},
                  {"Membre": "CCAS de A", "Type de frais": 2, "Montant dû": 0},
                  {"Membre": "Syndicat S", "Type de frais": 2, "Montant dû": 1234.56}]),
    Case("montant-trois-decimales", edited(set_cell("bareme", 2, "Montant", 10.005)),
         errors={("valeur-montant", B, "Bareme", 2, "Montant")}),
    Case("montant-texte-trois-decimales", edited(set_cell("bareme", 3, "Montant", "1.234")),
         errors={("valeur-montant", B, "Bareme", 3, "Montant")}),
    Case("montant-illisible", edited(set_cell("bareme", 4, "Montant", "cinquante euros")),
         errors={("valeur-montant", B, "Bareme", 4, "Montant")}),
    Case("apostrophes-en-tete", then(None, _quote_prefixed), status=0),
    Case("espaces-autour",
         edited(both(set_cell("membres", 3, "Catégorie", "  Commune  "),
                     set_cell("membres", 4, "SIREN", f" {COMMUNE_B[:3]} {COMMUNE_B[3:]}\u00a0"),
                     set_cell("membres", 3, "Nom", "Commune A   "),
                     set_cell("souscriptions", 2, "Prestation", "marches_publics "))),
         status=0),
    Case("million-de-lignes-formatees-vides", then(None, _formatted_empty_rows), status=0),
    Case("siret-au-lieu-de-siren",
         edited(set_cell("membres", 3, "SIREN", COMMUNE_A + "00013")),
         errors={("valeur-siren", M, "Membres", 3, "SIREN")}),
    Case("siren-luhn-faux", edited(set_cell("membres", 4, "SIREN", "123456788")),
         errors={("valeur-siren", M, "Membres", 4, "SIREN")}),
    Case("siren-avec-lettres", edited(set_cell("membres", 4, "SIREN", "99O000028")),
         errors={("valeur-siren", M, "Membres", 4, "SIREN")}),
    Case("siren-nombre-complete-a-9-chiffres",
         edited(both(set_cell("membres", 6, "SIREN", 18),
                     set_cell("souscriptions", 6, "SIREN", "000 000 018"))), status=0),
    Case("entier-illisible", edited(set_cell("membres", 3, "Population", "beaucoup")),
         errors={("valeur-entier", M, "Membres", 3, "Population")}),
    Case("entier-demesure-type-de-frais",
         edited(set_cell("bareme", 10, "Type frais", 9.223372036854776e18)),
         errors={("valeur-entier", B, "Bareme", 10, "Type frais")}),
    Case("montant-demesure", edited(set_cell("bareme", 5, "Montant", 1e15)),
         errors={("valeur-montant", B, "Bareme", 5, "Montant")}),
    Case("nombre-texte-de-5000-chiffres",
         edited(set_cell("membres", 7, "Population", "9" * 5000)),
         errors={("valeur-entier", M, "Membres", 7, "Population")}),
    Case("booleen-dans-siren", edited(set_cell("membres", 7, "SIREN", True)),
         errors={("valeur-siren", M, "Membres", 7, "SIREN")}),
]


# -- meaning (spécification §2.7) ------------------------------------------------------------------

OTHER = siren(7)


def _append(sheet: str, row: dict) -> Callable[[Inputs], None]:
    return lambda inputs: getattr(inputs, sheet).append(row)


MEANING = [
    Case("siren-en-double", edited(set_cell("membres", 4, "SIREN", COMMUNE_A)),
         # commune B's subscription (row 4) now names a SIREN absent from membres
         errors={("en-double", M, "Membres", 4, "SIREN"),
                 ("siren-inconnu", S, "Souscriptions", 4, "SIREN")}),
    Case("categorie-inconnue", edited(set_cell("membres", 6, "Catégorie", "mairie")),
         errors={("code-inconnu", M, "Membres", 6, "Catégorie")}),
    Case("role-inconnu", edited(set_cell("membres", 6, "Rôle", "chef")),
         errors={("code-inconnu", M, "Membres", 6, "Rôle")}),
    Case("prestation-inconnue", edited(set_cell("souscriptions", 3, "Prestation", "cloud")),
         errors={("code-inconnu", S, "Souscriptions", 3, "Prestation")}),
    Case("prestation-de-consultation-inconnue",
         edited(set_cell("consultations", 2, "Prestations", "actes, cloud")),
         errors={("prestation-inconnue", B, "Consultations", 2, "Prestations")}),
    Case("souscriptions-chevauchees",
         edited(_append("souscriptions", subscription(COMMUNE_A, "marches_publics",
                                                      D(2021, 1, 1)))),
         errors={("souscriptions-chevauchees", S, "Souscriptions", 8, "Date début")}),
    Case("bareme-chevauchement",
         edited(_append("bareme", tariff(2, "commune", 300, 500, 2000))),
         errors={("bareme-chevauchement", B, "Bareme", 13, "Population min")}),
    Case("bareme-ne-couvre-pas-un-membre",
         edited(both(_append("membres", member(OTHER, "Association", "autre")),
                     _append("souscriptions", subscription(OTHER, "actes")))),
         errors={("bareme-non-couvert", M, "Membres", 8, "Catégorie")}),
    Case("bareme-tranche-sans-population",
         edited(lambda i: i.bareme.__setitem__(3, tariff(2, "syndicat", 200, 0, 5000))),
         errors={("population-manquante", M, "Membres", 6, "Population")}),
    Case("consultation-fin-avant-debut",
         edited(set_cell("consultations", 2, "Fin adhésion", D(2019, 10, 1))),
         errors={("dates-dans-le-desordre", B, "Consultations", 2, "Fin adhésion")}),
    Case("consultation-lancement-avant-fin",
         edited(set_cell("consultations", 2, "Date lancement", D(2019, 12, 1))),
         errors={("dates-dans-le-desordre", B, "Consultations", 2, "Date lancement")}),
    Case("consultation-code-en-double",
         edited(_append("consultations", consultation("C2026", D(2025, 1, 1), D(2025, 2, 1),
                                                      D(2026, 5, 1)))),
         errors={("en-double", B, "Consultations", 3, "Code")}),
    Case("deux-coordonnateurs", edited(set_cell("membres", 6, "Rôle", "coordonnateur")),
         errors={("plusieurs-coordonnateurs", M, "Membres", 2, "Rôle"),
                 ("plusieurs-coordonnateurs", M, "Membres", 6, "Rôle")}),
    Case("rattachement-pas-une-commune",
         edited(set_cell("membres", 5, "Commune rattachement", SYNDICAT)),
         errors={("rattachement-pas-commune", M, "Membres", 5, "Commune rattachement")}),
    Case("rattachement-manquant", edited(set_cell("membres", 5, "Commune rattachement", None)),
         errors={("rattachement-manquant", M, "Membres", 5, "Commune rattachement")}),
    Case("population-manquante", edited(set_cell("membres", 4, "Population", None)),
         errors={("population-manquante", M, "Membres", 4, "Population")}),
    Case("population-negative", edited(set_cell("membres", 3, "Population", -5)),
         errors={("negatif", M, "Membres", 3, "Population")}),
    Case("nom-manquant", edited(set_cell("membres", 7, "Nom", None)),
         errors={("obligatoire-manquant", M, "Membres", 7, "Nom")}),
    Case("retrait-avant-adhesion",
         edited(set_cell("membres", 4, "Date notification retrait", D(2019, 1, 1))),
         errors={("dates-dans-le-desordre", M, "Membres", 4, "Date notification retrait")}),
    Case("siren-inconnu-dans-souscriptions",
         edited(_append("souscriptions", subscription(OTHER, "actes"))),
         errors={("siren-inconnu", S, "Souscriptions", 8, "SIREN")}),
    Case("souscription-fin-avant-debut",
         edited(both(set_cell("souscriptions", 3, "Date début", D(2022, 1, 1)),
                     set_cell("souscriptions", 3, "Date fin", D(2021, 1, 1)))),
         errors={("dates-dans-le-desordre", S, "Souscriptions", 3, "Date fin")}),
    Case("bareme-validite-inversee",
         edited(set_cell("bareme", 5, "Valable au", D(2019, 1, 1))),
         errors={("dates-dans-le-desordre", B, "Bareme", 5, "Valable au")}),
    Case("bareme-type-de-frais-3", edited(set_cell("bareme", 6, "Type frais", 3)),
         errors={("code-inconnu", B, "Bareme", 6, "Type frais")}),
    Case("exoneration-siren-inconnu",  # applies to nobody: a warning, not an error
         edited(lambda i: setattr(i, "exonerations", [{"SIREN": OTHER, "Type frais": 2,
                                                       "Exercice": 2026, "Motif": "vote"}])),
         status=0, warnings={("exoneration-siren-inconnu", B, "Exonerations", 2, "SIREN")}),
    Case("exoneration-sans-motif",
         edited(lambda i: setattr(i, "exonerations", [{"SIREN": COMMUNE_A, "Type frais": 2,
                                                       "Exercice": 2026, "Motif": None}])),
         errors={("obligatoire-manquant", B, "Exonerations", 2, "Motif")}),
    Case("titre-type-1-sans-consultation",
         edited(_append("titres", titre("T1", COMMUNE_A, 30, type_frais=1))),
         errors={("consultation-manquante", T, "Titres", 2, "Consultation")}),
    Case("titre-type-1-consultation-inconnue",
         edited(_append("titres", titre("T1", COMMUNE_A, 30, type_frais=1,
                                        consultation_="C1999"))),
         errors={("consultation-inconnue", T, "Titres", 2, "Consultation")}),
    Case("titre-type-2-avec-consultation",
         edited(_append("titres", titre("T1", COMMUNE_A, 100, consultation_="C2026"))),
         errors={("consultation-type-2", T, "Titres", 2, "Consultation")}),
    Case("titre-numero-en-double",
         edited(both(_append("titres", titre("T1", COMMUNE_A, 100)),
                     _append("titres", titre("T1", COMMUNE_B, 500)))),
         errors={("en-double", T, "Titres", 3, "Numéro")}),
    Case("titre-trois-decimales",
         edited(_append("titres", titre("T1", COMMUNE_A, 100.123))),
         errors={("valeur-montant", T, "Titres", 2, "Montant")}),
    Case("titre-encaisse-negatif",
         edited(_append("titres", titre("T1", COMMUNE_A, 100, encaisse=-10))),
         errors={("negatif", T, "Titres", 2, "Montant encaissé")}),
    Case("plusieurs-fichiers-en-erreur-a-la-fois",
         edited(both(set_cell("membres", 3, "Population", -5),
                     set_cell("bareme", 2, "Montant", "dix"),
                     set_cell("souscriptions", 4, "Prestation", "cloud"))),
         errors={("negatif", M, "Membres", 3, "Population"),
                 ("valeur-montant", B, "Bareme", 2, "Montant"),
                 ("code-inconnu", S, "Souscriptions", 4, "Prestation")}),
    Case("plusieurs-cellules-illisibles-a-la-fois",
         edited(both(set_cell("membres", 3, "Population", "beaucoup"),
                     set_cell("bareme", 2, "Montant", "dix"),
                     set_cell("souscriptions", 4, "SIREN", "123456788"),
                     set_cell("consultations", 2, "Date lancement", "31/02/2026"))),
         errors={("valeur-entier", M, "Membres", 3, "Population"),
                 ("valeur-montant", B, "Bareme", 2, "Montant"),
                 ("valeur-siren", S, "Souscriptions", 4, "SIREN"),
                 ("valeur-date", B, "Consultations", 2, "Date lancement")}),
]


# -- never a silent wrong figure, every error in one run (issue 9) -------------------------

EP = siren(7)  # an établissement public taking only the « actes » service


def _public_body_on(type_frais: int) -> Callable[[Inputs], None]:
    """The category's only row of ``type_frais`` prices a service the member lacks."""
    def change(inputs: Inputs) -> None:
        inputs.membres.append(member(EP, "Établissement P", "etablissement_public"))
        inputs.souscriptions.append(subscription(EP, "actes"))
        for row in inputs.bareme:
            if row["Catégorie"] == "etablissement_public" and row["Type frais"] == type_frais:
                row["Prestation"] = "marches_publics"
    return change



MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _prefixed(xml: bytes) -> bytes:
    """The same sheet with every SpreadsheetML element under the prefix ``x:``, as some
    producers (.NET's OpenXML SDK…) write it: valid XML, same meaning."""
    xml = xml.replace(b'xmlns="' + MAIN_NS + b'"', b'xmlns:x="' + MAIN_NS + b'"')
    return re.sub(rb"<(/?)(?![?!])([A-Za-z]+)([\s/>])", rb"<\1x:\2\3", xml)


def _reordered(xml: bytes) -> bytes:
    """Every cell's attributes in reverse order (``<c t="e" r="D3">``): same meaning."""
    def swap(match: re.Match) -> bytes:
        attributes = re.findall(rb'[\w:]+="[^"]*"', match.group(2))
        return b"<" + match.group(1) + b" " + b" ".join(reversed(attributes)) + match.group(3)
    return re.sub(rb"<(c|x:c) ([^>]*?)(/?>)", swap, xml)


def _error_cells_then(*changes: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """#N/A at D3 and #REF! at D4 (populations of communes A and B) and a formula
    without value at D7 (the EPCI), then the sheet XML rewritten by ``changes``."""
    def build(folder: Path) -> None:
        def write(workbook, formats):
            sheet = workbook.add_worksheet("Membres")
            table(sheet, formats["rows"], formats)
            sheet.write_formula(2, 3, "=NA()", None, "#N/A")
            sheet.write_formula(3, 3, "=#REF!*2", None, "#REF!")
            sheet.write_formula(6, 3, "=30000*2", None, "")
        base().write(folder)
        membres_sheet(folder, write)

        def change(xml: bytes) -> bytes:
            xml = xml.replace(b"<v></v>", b"")  # no cached value at all
            for step in changes:
                xml = step(xml)
            return xml
        rezip(folder / M, sheet_xml(change))
    return build


def _far_cell_then(*changes: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """A value in XFD1048576 (calamine would allocate ~550 GB), XML rewritten."""
    def build(folder: Path) -> None:
        base().write(folder)
        far = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'

        def change(xml: bytes) -> bytes:
            xml = xml.replace(b"</sheetData>", far + b"</sheetData>")
            for step in changes:
                xml = step(xml)
            return xml
        rezip(folder / M, sheet_xml(change))
    return build


XML_ERRORS = {("valeur-entier", M, "Membres", 3, "Population"),
              ("valeur-entier", M, "Membres", 4, "Population"),
              ("valeur-entier", M, "Membres", 7, "Population")}


def _look_alike(name: str, keep_expected: bool = True) -> Callable[[Path], None]:
    """A copy of membres.xlsx under a look-alike name, the original kept or not."""
    def build(folder: Path) -> None:
        base().write(folder)
        shutil.copyfile(folder / M, folder / name)
        if not keep_expected:
            (folder / M).unlink()
    return build


def _titres_look_alike(folder: Path) -> None:
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_A, 100)]
    inputs.write(folder)
    (folder / T).rename(folder / "titres (1).xlsx")


LOOK_ALIKES = ["membres (1).xlsx", "membres - Copie.xlsx", "Membres 2026.xlsx", "membres.txt",
               "Copie de membres.csv"]


def _membres_csv(folder: Path) -> None:
    """membres.csv written from base(), next to the membres.xlsx already there."""
    write_csv(folder / "membres.csv", base().membres)


def _bareme_csv_without(sheet: str) -> Callable[[Path], None]:
    """Every input as CSV, ``sheet``'s own file (``consultations.csv``) left out."""
    def build(folder: Path) -> None:
        base().write_csv(folder)
        (folder / f"{sheet}.csv").unlink()
    return build

TRUST = [
    *[Case(f"fichier-ressemblant-{name}", _look_alike(name), status=0,
           warnings={("fichier-ressemblant", name, "", None, "")}) for name in LOOK_ALIKES],
    *[Case(f"fichier-ressemblant-seul-{name}", _look_alike(name, keep_expected=False),
           errors={("fichier-manquant", M, "", None, "")}) for name in LOOK_ALIKES],
    Case("sans-consultations-et-membre-non-couvert-type-2",
         edited(both(_public_body_on(2), lambda i: setattr(i, "consultations", None))),
         errors={("feuille-manquante", B, "Consultations", None, ""),
                 ("bareme-non-couvert", M, "Membres", 8, "Catégorie")}),
    Case("meme-radical-xlsx-csv", then(None, _membres_csv),
         errors={("fichier-double", "membres.csv", "", None, "")}),
    Case("controle-membres-csv-seul",
         then(None, lambda f: ((f / M).unlink(), _membres_csv(f))), status=0),
    Case("controle-tout-en-csv", lambda f: base().write_csv(f), status=0),
    Case("csv-bareme-sans-consultations-csv", _bareme_csv_without("consultations"),
         errors={("fichier-manquant", "consultations.csv", "Consultations", None, "")}),
    Case("csv-consultations-illisible", then(None, lambda f: (
        base().write_csv(f), [(f / n).unlink() for n in (M, S, B, T)],
        (f / "consultations.csv").write_text('Code;Libellé\n"C2026;x\n', encoding="utf-8"))),
         errors={("csv-illisible", "consultations.csv", "Consultations", 2, "")}),
    Case("csv-consultations-a-cote-d-un-classeur",
         then(None, lambda f: write_csv(f / "consultations.csv", base().consultations)),
         status=0, warnings={("fichier-ressemblant", "consultations.csv", "", None, "")}),
    Case("csv-guillemet-non-ferme",
         then(None, lambda f: ((f / M).unlink(), (f / "membres.csv").write_text(
             'SIREN;Nom;Catégorie\n"990000010;Commune\n', encoding="utf-8"))),
         errors={("csv-illisible", "membres.csv", "Membres", 2, "")}),
    Case("csv-sans-separateur",
         then(None, lambda f: ((f / M).unlink(), (f / "membres.csv").write_text(
             "Liste des membres\nrien d'autre\n", encoding="utf-8"))),
         errors={("csv-illisible", "membres.csv", "", None, "")}),
    Case("csv-binaire",
         then(None, lambda f: ((f / M).unlink(), (f / "membres.csv").write_bytes(
             b"\x00\x01" + random_bytes(3000)))),
         errors={("csv-illisible", "membres.csv", "", None, "")}),
    Case("csv-trop-de-lignes", lambda f: base().write_csv(f),
         errors={("plage-trop-grande", "membres.csv", "Membres", None, ""),
                 ("plage-trop-grande", "souscriptions.csv", "Souscriptions", None, ""),
                 ("plage-trop-grande", "bareme.csv", "Bareme", None, "")},
         extra=["--max-lignes", "5"]),
    Case("csv-trop-gros", then(None, lambda f: ((f / M).unlink(), (f / "membres.csv").write_text(
        "SIREN;Nom\n" + "990000010;Commune\n" * 70_000, encoding="utf-8"))),
         errors={("fichier-trop-gros", "membres.csv", "", None, "")},
         extra=["--max-fichier-mo", "1"]),
    Case("titres-sous-un-nom-ressemblant", _titres_look_alike,
         errors={("fichier-manquant", T, "", None, "")}),
    Case("xml-cellules-en-erreur", _error_cells_then(), errors=XML_ERRORS),
    Case("xml-prefixe-d-espace-de-noms", _error_cells_then(_prefixed), errors=XML_ERRORS),
    Case("xml-attributs-dans-un-autre-ordre", _error_cells_then(_reordered),
         errors=XML_ERRORS),
    Case("xml-prefixe-et-autre-ordre", _error_cells_then(_prefixed, _reordered),
         errors=XML_ERRORS),
    Case("xml-cellule-lointaine-prefixee", _far_cell_then(_prefixed),
         errors={("plage-trop-grande", M, "Membres", None, "")}),
    Case("xml-cellule-lointaine-autre-ordre", _far_cell_then(_reordered),
         errors={("plage-trop-grande", M, "Membres", None, "")}),
    Case("membre-non-couvert-type-1", edited(_public_body_on(1)),
         errors={("bareme-non-couvert", M, "Membres", 8, "Catégorie")}),
    Case("membre-non-couvert-type-2", edited(_public_body_on(2)),
         errors={("bareme-non-couvert", M, "Membres", 8, "Catégorie")}),
    Case("population-min-en-texte", edited(set_cell("bareme", 3, "Population min",
                                                    "50 000 et +")),
         errors={("valeur-entier", B, "Bareme", 3, "Population min")}),
    Case("population-max-en-texte", edited(set_cell("bareme", 2, "Population max", "0-999")),
         errors={("valeur-entier", B, "Bareme", 2, "Population max")}),
    Case("tranches-en-texte-sur-plusieurs-lignes",
         edited(both(set_cell("bareme", 2, "Population max", "0-999"),
                     set_cell("bareme", 3, "Population min", "50 000 et +"),
                     _append("bareme", tariff(2, "commune", 700, "1000-4999", "moins de 5000"))
                     )),
         errors={("valeur-entier", B, "Bareme", 2, "Population max"),
                 ("valeur-entier", B, "Bareme", 3, "Population min"),
                 ("valeur-entier", B, "Bareme", 13, "Population min"),
                 ("valeur-entier", B, "Bareme", 13, "Population max")}),
    Case("toutes-les-erreurs-en-une-fois",
         edited(both(set_cell("membres", 4, "Population", "douze mille"),
                     _append("bareme", tariff(2, "syndicat", 300)),
                     _append("titres", titre("T1", COMMUNE_A, 30, type_frais=1,
                                             consultation_="C1999")),
                     _public_body_on(1))),
         errors={("valeur-entier", M, "Membres", 4, "Population"),
                 ("bareme-chevauchement", B, "Bareme", 13, "Population min"),
                 ("consultation-inconnue", T, "Titres", 2, "Consultation"),
                 ("bareme-non-couvert", M, "Membres", 8, "Catégorie")}),
    Case("siren-illisible-et-chevauchement-du-bareme",
         edited(both(set_cell("membres", 6, "SIREN", "12345678X"),
                     _append("bareme", tariff(2, "epci", 900)))),
         errors={("valeur-siren", M, "Membres", 6, "SIREN"),
                 ("bareme-chevauchement", B, "Bareme", 13, "Population min")}),
    Case("montant-artefact-virgule-flottante",
         patched(B, "Bareme", 2, 7, "0.1+0.2", "0.30000000000000004"), status=0,
         charges=[{"Membre": "Commune A", "Ligne du barème": "Bareme, ligne 2",
                   "Montant dû": 0.3}]),
    Case("population-artefact-virgule-flottante",
         patched(M, "Membres", 3, 4, "400*2", "800.0000000000001"), status=0,
         charges=[{"Membre": "Commune A", "Ligne du barème": "Bareme, ligne 2"}]),
    Case("montant-vraie-troisieme-decimale", patched(B, "Bareme", 2, 7, "12.345", "12.345"),
         errors={("valeur-montant", B, "Bareme", 2, "Montant")}),
]

CASES = FILES + SHEETS + CELLS + MEANING + TRUST
