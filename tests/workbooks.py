"""Test fixtures as real workbooks: write input files to disk, run, read the report back.

``Inputs`` holds each sheet as a list of row dicts (keys = headers as an officer
would write them); tests change a few cells, ``write()`` produces the .xlsx files,
``run()`` calls the real CLI entry point and ``report()`` reads every sheet back.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import xlsxwriter
from stdnum import luhn

from reconcile.cli.main import main
from reconcile.core.catalogue import CATALOGUE

D = dt.date
MONTH = "2026-11"
JOINED = D(2020, 1, 15)  # default adhesion, inside C2026's window
SINCE = D(2020, 1, 1)  # default start of a barème row


def siren(n: int) -> str:
    """A Luhn-valid, obviously fictitious SIREN (prefix 99)."""
    body = f"99{n:06d}"
    return body + luhn.calc_check_digit(body)


COORD, COMMUNE_A, COMMUNE_B, CCAS_A, SYNDICAT, EPCI = (siren(i) for i in range(1, 7))


def member(siren_: str, nom: str, categorie: str, population: Any = None,
           rattachement: str | None = None, adhesion: D = JOINED,
           retrait: D | None = None, role: str = "membre") -> dict:
    return {"SIREN": siren_, "Nom": nom, "Catégorie": categorie, "Population": population,
            "Commune rattachement": rattachement, "Date adhésion": adhesion,
            "Date notification retrait": retrait, "Rôle": role}


def tariff(type_frais: int, categorie: str, montant: Any, pmin: Any = None, pmax: Any = None,
           prestation: str | None = None, du: D = SINCE, au: D | None = None,
           libelle: str = "") -> dict:
    return {"Type frais": type_frais, "Libellé": libelle or f"T{type_frais} {categorie}",
            "Catégorie": categorie, "Population min": pmin, "Population max": pmax,
            "Prestation": prestation, "Montant": montant, "Valable du": du, "Valable au": au}


def consultation(code: str, debut: D, fin: D, lancement: D, prestations: str = "") -> dict:
    return {"Code": code, "Libellé": f"Consultation {code}", "Début adhésion": debut,
            "Fin adhésion": fin, "Date lancement": lancement, "Prestations": prestations}


def subscription(siren_: str, prestation: str, debut: D | None = None,
                 fin: D | None = None) -> dict:
    return {"SIREN": siren_, "Prestation": prestation, "Date début": debut, "Date fin": fin}


def titre(numero: str, siren_: str, montant: Any, exercice: int = 2026, type_frais: int = 2,
          consultation_: str | None = None, encaisse: Any = None) -> dict:
    return {"Numéro": numero, "SIREN": siren_, "Exercice": exercice, "Type frais": type_frais,
            "Consultation": consultation_, "Montant": montant, "Date émission": D(2026, 4, 1),
            "Montant encaissé": encaisse, "Date encaissement": None}


@dataclass
class Inputs:
    membres: list[dict] = field(default_factory=list)
    souscriptions: list[dict] = field(default_factory=list)
    bareme: list[dict] = field(default_factory=list)
    consultations: list[dict] = field(default_factory=list)
    exonerations: list[dict] | None = None
    titres: list[dict] | None = None

    def copy(self) -> Inputs:
        return copy.deepcopy(self)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        write_book(folder / "membres.xlsx", {"Membres": self.membres})
        write_book(folder / "souscriptions.xlsx", {"Souscriptions": self.souscriptions})
        sheets = {"Bareme": self.bareme, "Consultations": self.consultations}
        if self.consultations is None:  # a barème workbook without the sheet
            del sheets["Consultations"]
        if self.exonerations is not None:
            sheets["Exonerations"] = self.exonerations
        write_book(folder / "bareme.xlsx", sheets)
        if self.titres is not None:
            write_book(folder / "titres.xlsx", {"Titres": self.titres})
        return folder

    def write_csv(self, folder: Path, separator: str = ";", encoding: str = "utf-8") -> Path:
        """The same inputs as CSV files, as an officer exports them: one file per sheet
        (``bareme.csv``, ``consultations.csv``, ``exonerations.csv``), French numbers
        and dates (``1234,5``, ``15/03/2026``) in ``;`` files."""
        folder.mkdir(parents=True, exist_ok=True)
        sheets = {"membres": ("Membres", self.membres),
                  "souscriptions": ("Souscriptions", self.souscriptions),
                  "bareme": ("Bareme", self.bareme),
                  "consultations": ("Consultations", self.consultations),
                  "exonerations": ("Exonerations", self.exonerations),
                  "titres": ("Titres", self.titres)}
        for stem, (sheet, rows) in sheets.items():
            if rows is not None:
                write_csv(folder / f"{stem}.csv", rows, separator, encoding, sheet)
        return folder


def base() -> Inputs:
    """A small valid groupement: a coordinator, two communes, a CCAS, a syndicat, an EPCI."""
    return Inputs(
        membres=[
            member(COORD, "Coordonnateur", "etablissement_public", adhesion=D(2019, 1, 1),
                   role="coordonnateur"),
            member(COMMUNE_A, "Commune A", "commune", 800),
            member(COMMUNE_B, "Commune B", "commune", 12000),
            member(CCAS_A, "CCAS de A", "ccas", rattachement=COMMUNE_A),
            member(SYNDICAT, "Syndicat S", "syndicat"),
            member(EPCI, "EPCI E", "epci", 60000),
        ],
        souscriptions=[
            subscription(COMMUNE_A, "marches_publics"),
            subscription(COMMUNE_A, "parapheur"),
            subscription(COMMUNE_B, "actes"),
            subscription(CCAS_A, "convocations"),
            subscription(SYNDICAT, "marches_publics"),
            subscription(EPCI, "certificats"),
        ],
        bareme=[
            tariff(2, "commune", 100, 0, 999),
            tariff(2, "commune", 500, 1000, None),
            tariff(2, "ccas", 50),
            tariff(2, "syndicat", 200),
            tariff(2, "epci", 1000),
            tariff(2, "etablissement_public", 10),
            tariff(1, "commune", 30),
            tariff(1, "ccas", 5),
            tariff(1, "syndicat", 20),
            tariff(1, "epci", 40),
            tariff(1, "etablissement_public", 10),
        ],
        consultations=[
            consultation("C2026", D(2019, 11, 1), D(2020, 1, 31), D(2026, 3, 2)),
        ],
        titres=[],
    )


def write_book(path: Path, sheets: dict[str, list[dict]]) -> Path:
    """Dates as real Excel dates, numbers as numbers, text as text."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        write_sheet(workbook, name, rows, date_format)
    workbook.close()
    return path


def write_sheet(workbook, name: str, rows: list[dict], date_format=None):
    """One sheet of ``rows``: their keys as headers, in order, then each cell as
    ``write_cell`` writes it. Returned, so that a test can hide rows or add formulas
    before closing the workbook."""
    sheet = workbook.add_worksheet(name)
    date_format = date_format or workbook.add_format({"num_format": "dd/mm/yyyy"})
    headers: list[str] = []
    for row in rows:
        headers += [h for h in row if h not in headers]
    if not rows:
        headers = SHEET_HEADERS.get(name, [])
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            write_cell(sheet, r, c, row.get(header), date_format)
    return sheet


def write_csv(path: Path, rows: list[dict], separator: str = ";", encoding: str = "utf-8",
              sheet: str = "") -> Path:
    """Rows as a CSV file: dates ``JJ/MM/AAAA``, a decimal comma when the separator is
    ``;`` (French Excel), a point otherwise; ``encoding`` ``utf-8-sig`` writes a BOM."""
    headers: list[str] = []
    for row in rows:
        headers += [h for h in row if h not in headers]
    if not rows:
        headers = SHEET_HEADERS.get(sheet, [])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=separator)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([csv_text(row.get(h), separator) for h in headers])
    return path


def csv_text(value: Any, separator: str = ";") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and separator == ";":
        return str(value).replace(".", ",")
    return str(value)


def write_cell(sheet, row: int, column: int, value: Any, date_format=None) -> None:
    if value is None:
        return
    if isinstance(value, dt.datetime | dt.date):
        value = value if isinstance(value, dt.datetime) else dt.datetime(
            value.year, value.month, value.day)
        sheet.write_datetime(row, column, value, date_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, str(value))


SHEET_HEADERS = {
    "Titres": ["Numéro", "SIREN", "Exercice", "Type frais", "Consultation", "Montant",
               "Date émission", "Montant encaissé", "Date encaissement"],
    "Exonerations": ["SIREN", "Type frais", "Exercice", "Motif"],
}


@dataclass
class Result:
    status: int
    out: str
    err: str
    folder: Path

    @property
    def report_path(self) -> Path:
        return self.folder / f"rapprochement_{self.month}.xlsx"

    @property
    def anomalies_path(self) -> Path:
        return self.folder / f"anomalies_{self.month}.xlsx"

    month: str = MONTH

    def sheet(self, name: str) -> pd.DataFrame:
        return read_sheet(self.report_path, name)

    def anomalies(self) -> pd.DataFrame:
        return read_sheet(self.anomalies_path, "Anomalies")

    def charges(self) -> pd.DataFrame:
        return self.sheet("Charges")

    def reconciliation(self) -> pd.DataFrame:
        return self.sheet("Rapprochement")


TOTALLED = ("Charges", "Rapprochement", "Restes à recouvrer")  # a total row under the table


def read_sheet(path: Path, sheet: str) -> pd.DataFrame:
    """A report's table; for the sheets with a total row, only the lines above it (the
    table ends at its first blank row, as the tool reads it back)."""
    frame = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=object)
    if sheet in TOTALLED:
        blank = frame.isna().all(axis=1).to_numpy()
        if blank.any():
            frame = frame.iloc[: int(blank.argmax())]
    return frame.astype(object).where(frame.notna(), None)


def run(inputs: Path, reports: Path, month: str = MONTH, capsys=None,
        extra: list[str] | None = None) -> Result:
    """The real CLI, in process (``python -m reconcile run …``)."""
    status = main(["run", "--mois", month, "--inputs", str(inputs), "--reports", str(reports),
                   *(extra or [])])
    out, err = ("", "")
    if capsys is not None:
        captured = capsys.readouterr()
        out, err = captured.out, captured.err
    return Result(status, out, err, reports / month, month)


def charges_of(result: Result, siren_: str) -> pd.DataFrame:
    frame = result.charges()
    return frame[frame["SIREN"] == siren_]


def euros(value: Any) -> int:
    """A report amount (float euros) → integer cents, exactly."""
    return round(float(value) * 100)


# -- reading the anomalies back --------------------------------------------------------

ANOMALY_HEADERS = ["Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Gravité", "Message",
                   "Code"]


def anomaly_rows(path: Path, sheet: str = "Anomalies") -> list[dict]:
    """The anomalies as written, read back with openpyxl (not with our own reader)."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    workbook.close()
    assert list(rows[0][:8]) == ANOMALY_HEADERS
    found = [dict(zip(ANOMALY_HEADERS, row[:8], strict=True)) for row in rows[1:]]
    for row in found:  # every anomaly carries a declared code of its severity
        assert CATALOGUE[row["Code"]].allows(row["Gravité"]), row
    return found


def found(row: dict) -> tuple:
    """Which anomaly, and where: (code, file, sheet, row, column)."""
    return (row["Code"], row["Fichier"] or "", row["Feuille"] or "", row["Ligne"],
            row["Colonne"] or "")
