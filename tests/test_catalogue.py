"""The anomaly catalogue: one declaration per code, and its documentation current."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from reconcile.core.anomalies import prominent
from reconcile.core.catalogue import BOTH, CATALOGUE, ERROR, KINDS, WARNING, Anomaly, markdown

DOC = Path(__file__).parent.parent / "docs" / "catalogue.md"


def test_the_documented_catalogue_is_current():
    """Regenerate with: .venv/bin/python -m reconcile.core.catalogue > docs/catalogue.md"""
    assert DOC.read_text(encoding="utf-8") == markdown()


def test_every_kind_is_complete_and_stable():
    for kind in KINDS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", kind.code), kind.code
        assert kind.severity in (ERROR, WARNING, BOTH)
        assert kind.title and kind.description.endswith("."), kind.code


# The shapes in which the package names a code: a catalogue look-up
# (``CATALOGUE["code"].at``), or the code argument of the helpers that call it
# (``file_problem``, ``Table.anomaly``, ``sheet_problem``, PES Retour's ``_problem``/``fail``).
CODE_SITES = re.compile(
    r'CATALOGUE\[\s*"([a-z0-9-]+)"\s*\]'
    r'|\.anomaly\(\s*[\w.()]+,\s*"[^"]*",\s*"([a-z0-9-]+)"'
    r'|(?:file_problem|sheet_problem|_problem|fail)\(\s*(?:[\w.()]+,\s*){0,2}"([a-z0-9-]+)"')


def test_every_code_written_in_the_package_is_declared():
    declared = {k.code for k in KINDS}
    package = Path(__file__).parent.parent / "reconcile"
    used = {code for path in package.rglob("*.py")
            for match in CODE_SITES.finditer(path.read_text(encoding="utf-8"))
            for code in match.groups() if code}
    assert len(used) > 50  # the pattern still finds the codes
    assert used <= declared, sorted(used - declared)


def test_only_the_catalogue_builds_an_anomaly():
    """Every anomaly of the package is made by ``Kind.at``: no module calls
    ``Anomaly(...)`` itself, so the message always comes from the kind's template."""
    package = Path(__file__).parent.parent / "reconcile"
    builders = sorted(
        path.stem for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Anomaly")
    assert builders == ["catalogue"]


def test_an_undeclared_code_or_a_wrong_severity_cannot_be_built():
    """Strict in every run, not only when an environment variable says so."""
    with pytest.raises(ValueError, match="non déclaré"):
        Anomaly("f.xlsx", "", None, "", "", ERROR, "pas-un-code", "message")
    with pytest.raises(ValueError, match="contraire au catalogue"):
        Anomaly("f.xlsx", "", None, "", "", WARNING, "fichier-vide", "message")
    with pytest.raises(KeyError):
        CATALOGUE["pas-un-code"].at("f.xlsx")


def test_the_message_is_the_kinds_template_filled_with_its_values():
    anomaly = CATALOGUE["ligne-total"].at("titres.xlsx", "Titres", 12, value="Total",
                                          line=12, label="Total")
    assert anomaly == Anomaly(
        "titres.xlsx", "Titres", 12, "", "Total", WARNING, "ligne-total",
        "La ligne 12 (« Total ») est une ligne de total : elle est ignorée, ses montants ne "
        "sont pas comptés.")
    size = CATALOGUE["fichier-trop-gros"].at("m.xlsx", size_mo=150.04, limit_mo=100.0)
    assert size.message == ("fichier de 150.0 Mo, au-delà de la limite de 100 Mo (option "
                            "--max-fichier-mo)")
    assert size.severity == ERROR  # from the catalogue, never from the site


def test_a_template_needs_exactly_its_values():
    kind = CATALOGUE["colonne-inconnue"]
    with pytest.raises(ValueError, match="colonne-inconnue"):
        kind.at("m.xlsx")  # a value missing
    with pytest.raises(ValueError, match="colonne-inconnue"):
        kind.at("m.xlsx", header="X", detail="en trop")  # one too many


def test_severity_is_chosen_at_the_site_only_where_the_catalogue_lets_the_context_decide():
    with pytest.raises(ValueError, match="gravité"):
        CATALOGUE["colonne-inconnue"].at("m.xlsx", header="X", severity=WARNING)
    both = CATALOGUE["parametre-manquant"]
    assert both.severity == BOTH
    with pytest.raises(ValueError, match="gravité"):
        both.at("bareme.xlsx", feature="PES", sheet_name="Parametres", names="x")
    values = {"feature": "PES", "sheet_name": "Parametres", "names": "x"}
    assert both.at("bareme.xlsx", severity=WARNING, **values).severity == WARNING
    assert both.at("bareme.xlsx", severity=ERROR, **values).is_error


def test_every_template_fills():
    """A template with a bad field (a stray brace, a format spec a number lacks) fails
    here, not in a month's run."""
    for kind in KINDS:
        kind.at("f.xlsx", severity=ERROR if kind.severity == BOTH else None,
                **dict.fromkeys(kind.fields, 1))


def test_prominence_comes_from_the_catalogue():
    """Shown on screen and in the Synthèse: the kinds the catalogue marks, all warnings."""
    marked = {k.code for k in KINDS if k.prominent}
    assert marked == {"colonne-absente", "fichier-ressemblant", "fichier-modifie-pendant-lecture"}
    assert all(CATALOGUE[code].severity == WARNING for code in marked)
    anomalies = [CATALOGUE["colonne-inconnue"].at("m.xlsx", header="X"),
                 CATALOGUE["colonne-absente"].at("m.xlsx", header="Y", meaning="z")]
    assert prominent(anomalies) == anomalies[1:]


def declared_checks():
    """Every pandera ``Check`` of every sheet: (sheet spec, where, check, on rows)."""
    from schemas import SHEETS

    for spec in SHEETS:
        for name, column in spec.schema.columns.items():
            yield from ((spec, f"{spec.sheet}.{name}", c, False) for c in column.checks)
        yield from ((spec, spec.sheet, c, True) for c in spec.schema.checks)


def test_every_pandera_check_is_named_by_its_code():
    """The validation stage takes an anomaly's code from the failing check's name:
    a check named otherwise (pandera's default name, ``isin``…) would write a code
    that the catalogue does not declare."""
    from reconcile.check.validate import PROPERTIES

    checks = list(declared_checks())
    assert len(checks) >= 20  # the walk still finds the schemas' checks
    for spec, where, check, on_rows in checks:
        assert check.name in CATALOGUE, (where, check.name)
        assert CATALOGUE[check.name].allows(ERROR), (where, check.name)
        assert check.error and check.error != check.name, (where, check)  # the message
        if on_rows:  # a row check names the column its anomaly points at
            assert check.statistics.get("later") in spec.schema.columns, (where, check)
    assert set(PROPERTIES.values()) <= set(CATALOGUE)
