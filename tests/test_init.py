"""`reconcile init`: blank templates that, once filled, are valid inputs; never overwrite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from workbooks import COMMUNE_A, COMMUNE_B, base, read_sheet, run, titre

import schemas
from reconcile.cli.main import main
from reconcile.read.normalise import column_name
from reconcile.read.parameters import KEYS
from reconcile.render import templates
from reconcile.render.xlsx import EURO
from reconcile.run import publish

ROOT = Path(__file__).resolve().parent.parent
STEMS = ("membres", "souscriptions", "bareme", "titres")
SPECS = {spec.sheet: spec for spec in schemas.SHEETS}


def _init(folder: Path, capsys) -> tuple[int, str, str]:
    status = main(["init", str(folder)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_init_writes_the_four_templates(tmp_path, capsys):
    status, out, _ = _init(tmp_path / "inputs", capsys)
    assert status == 0
    assert sorted(p.name for p in (tmp_path / "inputs").iterdir()) == sorted(
        f"{stem}.xlsx" for stem in STEMS)
    assert out.count("Modèle écrit") == 4
    sheets = {stem: openpyxl.load_workbook(tmp_path / "inputs" / f"{stem}.xlsx").sheetnames
              for stem in STEMS}
    assert sheets == {"membres": ["Membres", "Notice"],
                      "souscriptions": ["Souscriptions", "Notice"],
                      "bareme": ["Bareme", "Consultations", "Exonerations", "Parametres",
                                 "Notice"],
                      "titres": ["Titres", "Notice"]}


def test_headers_are_the_spec_columns_in_human_form(tmp_path, capsys):
    _init(tmp_path, capsys)
    for stem in STEMS:
        workbook = openpyxl.load_workbook(tmp_path / f"{stem}.xlsx")
        for sheet in workbook.worksheets:
            if sheet.title == "Notice":
                continue
            spec = SPECS[sheet.title]
            headers = [c.value for c in sheet[1]]
            assert [column_name(h, spec.columns) for h in headers] == list(spec.columns)
            assert sheet.freeze_panes == "A2"
    membres = openpyxl.load_workbook(tmp_path / "membres.xlsx")["Membres"]
    assert [c.value for c in membres[1]] == [
        "SIREN", "Nom", "Catégorie", "Population", "Commune rattachement", "Date adhésion",
        "Date notification retrait", "Rôle", "Adresse", "Complément d'adresse", "Code postal",
        "Ville"]


def test_coded_columns_have_dropdowns_and_formats(tmp_path, capsys):
    _init(tmp_path, capsys)
    codes = {"categorie": schemas.CATEGORIES, "prestation": schemas.PRESTATIONS,
             "role": schemas.ROLES, "type_frais": schemas.TYPES_FRAIS}
    seen = set()
    for stem in STEMS:
        workbook = openpyxl.load_workbook(tmp_path / f"{stem}.xlsx")
        for sheet in workbook.worksheets:
            if sheet.title == "Notice":
                continue
            spec = SPECS[sheet.title]
            validations = {}
            for validation in sheet.data_validations.dataValidation:
                for cells in validation.sqref.ranges:
                    validations[cells.min_col] = (validation, cells)
            for index, (name, kind) in enumerate(spec.columns.items(), start=1):
                number_format = _column_format(sheet, index)
                validation, cells = validations[index]
                assert (cells.min_row, cells.max_row) == (2, 1 + templates.ROWS)
                if name in codes:
                    seen.add(name)
                    assert validation.type == "list", (sheet.title, name)
                    listed = validation.formula1.strip('"').split(",")
                    # Labels, as officers say them; type numbers are explained in the
                    # input message.
                    expected = codes[name] if name == "type_frais" else codes[name].values()
                    assert listed == [str(choice) for choice in expected]
                elif kind == "date":
                    assert validation.type == "date"
                    assert number_format == "dd/mm/yyyy"
                elif kind == "amount":
                    assert number_format == EURO, (sheet.title, name)
                elif kind == "siren":
                    assert number_format == "@"
    assert seen == set(codes)


def _column_format(sheet, index: int) -> str:
    """openpyxl groups adjacent columns of the same style under the first one."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max:
            return dimension.number_format
    return "General"


def test_notice_explains_every_column(tmp_path, capsys):
    _init(tmp_path, capsys)
    workbook = openpyxl.load_workbook(tmp_path / "bareme.xlsx")
    rows = list(workbook["Notice"].iter_rows(values_only=True))
    header = rows.index(("Feuille", "Colonne", "Type", "Obligatoire", "Règle", "Exemple"))
    described = {(r[0].split(" ")[0], r[1]) for r in rows[header + 1:]}
    expected = {(spec.sheet, templates.HEADERS[name])
                for spec in (schemas.BAREME, schemas.CONSULTATIONS, schemas.EXONERATIONS,
                             schemas.PARAMETRES)
                for name in spec.columns}
    expected |= {("Parametres", key.name) for key in KEYS}  # a Notice line per key
    assert described == expected
    assert all(r[4] for r in rows[header + 1:])  # every column has its rule


LABELS = {**schemas.CATEGORIES, **schemas.PRESTATIONS, **schemas.ROLES}


def _fill(folder: Path, inputs) -> None:
    """Type base()'s rows into the templates, as an officer would, with openpyxl: coded
    values as the dropdowns offer them, by their labels."""
    data = {"Membres": inputs.membres, "Souscriptions": inputs.souscriptions,
            "Bareme": inputs.bareme, "Consultations": inputs.consultations,
            "Titres": inputs.titres, "Exonerations": inputs.exonerations or [],
            "Parametres": []}  # the keys are there already, values left as written
    for stem in STEMS:
        path = folder / f"{stem}.xlsx"
        workbook = openpyxl.load_workbook(path)
        for sheet in workbook.worksheets:
            if sheet.title == "Notice":
                continue
            spec = SPECS[sheet.title]
            columns = {column_name(c.value, spec.columns): c.column for c in sheet[1]}
            for row, record in enumerate(data[sheet.title], start=2):
                for key, value in record.items():
                    if value is None:
                        continue
                    if isinstance(value, dt.date):
                        value = dt.datetime(value.year, value.month, value.day)
                    if column_name(key, spec.columns) in templates.LABELLED:
                        value = LABELS[value]
                    sheet.cell(row, columns[column_name(key, spec.columns)], value)
        workbook.save(path)


def test_filled_templates_are_valid_inputs(tmp_path, capsys):
    inputs = base()
    inputs.titres = [titre("T1", COMMUNE_A, 100, encaisse=40),
                     titre("T2", COMMUNE_B, "123,45")]
    assert _init(tmp_path / "in", capsys)[0] == 0
    _fill(tmp_path / "in", inputs)
    filled = run(tmp_path / "in", tmp_path / "out", capsys=capsys)
    assert filled.status == 0, filled.err
    reference = run(inputs.write(tmp_path / "ref"), tmp_path / "out_ref", capsys=capsys)
    for sheet in ("Charges", "Rapprochement"):
        assert filled.sheet(sheet).equals(reference.sheet(sheet)), sheet
    assert len(read_sheet(filled.report_path, "Anomalies")) == len(
        read_sheet(reference.report_path, "Anomalies"))
    assert main(["check", "--mois", "2026-11", "--inputs", str(tmp_path / "in")]) == 0


def test_init_never_overwrites(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "Membres.ods").write_bytes(b"officer's own file")
    (folder / "titres.xlsx").write_bytes(b"titres of the finance software")
    status, out, err = _init(folder, capsys)
    assert out.count("Modèle écrit") == 2
    assert status != 0
    assert (folder / "Membres.ods").read_bytes() == b"officer's own file"
    assert (folder / "titres.xlsx").read_bytes() == b"titres of the finance software"
    assert not (folder / "membres.xlsx").exists()
    assert (folder / "souscriptions.xlsx").is_file() and (folder / "bareme.xlsx").is_file()
    assert "Refusé" in err and "Membres.ods" in err and "titres.xlsx" in err
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    status, _, err = _init(folder, capsys)
    assert status != 0 and err.count("Refusé") == 4
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no temporary left


def test_a_file_appearing_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    """The check-then-write race: the final link fails rather than replacing."""
    monkeypatch.setattr(publish, "_existing", lambda folder, stem: None)
    (tmp_path / "bareme.xlsx").write_bytes(b"written by someone else meanwhile")
    written, refused = publish.write_templates(tmp_path)
    assert refused == [tmp_path / "bareme.xlsx"]
    assert len(written) == 3
    assert (tmp_path / "bareme.xlsx").read_bytes() == b"written by someone else meanwhile"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s}.xlsx" for s in STEMS)


@pytest.mark.parametrize("stem", STEMS)
def test_templates_are_reproducible(tmp_path, stem):
    publish.write_templates(tmp_path / "a")
    publish.write_templates(tmp_path / "b")
    assert (tmp_path / "a" / f"{stem}.xlsx").read_bytes() == (
        tmp_path / "b" / f"{stem}.xlsx").read_bytes()


def test_init_on_a_file_path_refuses_in_french(tmp_path, capsys):
    target = tmp_path / "pas-un-dossier"
    target.write_bytes(b"x")
    assert main(["init", str(target)]) == 2
    assert "n'est pas un dossier" in capsys.readouterr().err
    assert target.read_bytes() == b"x"


def test_notice_example_siren_is_the_commune_it_names(tmp_path, capsys):
    """The example member is a real commune, with its own SIREN (data/communes.csv)."""
    import csv

    from stdnum import luhn

    _init(tmp_path, capsys)
    with open(ROOT / "data" / "communes.csv", encoding="utf-8") as stream:
        communes = {row["siren"]: row for row in csv.DictReader(stream)}
    rows = list(openpyxl.load_workbook(tmp_path / "membres.xlsx")["Notice"].iter_rows(
        values_only=True))
    examples = {r[1]: r[5] for r in rows if r[0] == "Membres"}
    commune = communes[examples["SIREN"]]
    assert luhn.checksum(examples["SIREN"]) == 0
    assert examples["Nom"] == f"Commune de {commune['nom']}"
    assert examples["Population"] == commune["population"]
    for stem in ("souscriptions", "bareme", "titres"):
        sheet = openpyxl.load_workbook(tmp_path / f"{stem}.xlsx")["Notice"]
        sirens = {r[5] for r in sheet.iter_rows(values_only=True) if r[1] == "SIREN"}
        assert sirens <= {examples["SIREN"]}, stem
