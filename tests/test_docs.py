"""The docs cannot drift from the tool: links and `§` references resolve, the README's
option table, module map and library list match the code, the locks are honest, and
the Contrôle sheet shows the versions actually installed."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import io
import platform
import re
import sys
import tokenize
import tomllib
import unicodedata
from pathlib import Path

from workbooks import base, read_sheet, run

from reconcile.cli.main import _parser
from reconcile.render.audit import LIBRARIES

ROOT = Path(__file__).resolve().parent.parent
SPECIFICATION = ROOT / "docs" / "specification.md"
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PYTHON = sorted(p for folder in ("reconcile", "schemas", "tests", "bench", "scripts")
                for p in (ROOT / folder).rglob("*.py"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)*)")
CHOICES = ROOT / "docs" / "choix.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CHOICE = re.compile(r"\bC-(\d+)\b")  # « choix C-12 »: an entry of docs/choix.md
ENTRY = re.compile(r"^\* \(C-(\d+)\) ", re.MULTILINE)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _headings(path: Path) -> list[str]:
    """The Markdown headings of ``path``, outside fenced code blocks."""
    found, fenced = [], False
    for line in _text(path).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            found.append(match.group(2))
    return found


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces → -."""
    text = unicodedata.normalize("NFC", heading.replace("`", "")).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _sections() -> set[str]:
    """``"3"``, ``"3.4"``…: the numbers the specification's headings start with."""
    numbers = set()
    for heading in _headings(SPECIFICATION):
        match = re.match(r"(\d+(?:\.\d+)*)\.?\s", heading)
        if match:
            numbers.add(match.group(1))
    return numbers


def _python_prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring of a Python file."""
    source = _text(path)
    prose = [(token.start[0], token.string)
             for token in tokenize.generate_tokens(io.StringIO(source).readline)
             if token.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring and node.body:
                prose.append((node.body[0].lineno, docstring))
    return prose


def _requirement_names(requirements: list[str]) -> list[str]:
    return [re.match(r"[A-Za-z0-9._-]+", r).group(0).lower() for r in requirements]


def _project() -> dict:
    return tomllib.loads(_text(ROOT / "pyproject.toml"))["project"]


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in _text(lock).splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


# -- links and references -------------------------------------------------------------


def test_every_relative_markdown_link_resolves():
    broken = []
    for document in MARKDOWN:
        for target in LINK.findall(_text(document)):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            resolved = (document.parent / path).resolve() if path else document
            if not resolved.exists():
                broken.append(f"{document.name}: {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in {
                    _slug(h) for h in _headings(resolved)}:
                broken.append(f"{document.name}: {target} (ancre)")
    assert not broken


def test_the_specification_has_the_sections_code_and_docs_rely_on():
    sections = _sections()
    assert {"1", "1.3", "2", "2.1", "2.2", "2.3", "2.4", "2.7", "3", "3.4", "3.5", "4",
            "4.5", "4.9", "4.11"} <= sections
    assert all(number.split(".")[0] in sections for number in sections)


def test_every_section_reference_resolves_to_a_heading_of_the_specification():
    sections = _sections()
    unresolved = []
    for document in MARKDOWN:
        for number, line in ((m.group(1), _text(document)[: m.start()].count("\n") + 1)
                             for m in SECTION.finditer(_text(document))):
            if number not in sections:
                unresolved.append(f"{document.relative_to(ROOT)}:{line}: §{number}")
    for source in PYTHON:
        for line, text in _python_prose(source):
            unresolved += [f"{source.relative_to(ROOT)}:{line}: §{number}"
                           for number in SECTION.findall(text) if number not in sections]
    assert not unresolved


def test_every_choice_has_one_stable_identifier():
    """Each entry of choix.md starts with its « (C-n) », never reused: the code cites
    choices by it, as it cites the specification's §."""
    text = _text(CHOICES)
    entries = [line for line in text.splitlines() if line.startswith("* ")]
    numbers = ENTRY.findall(text)
    assert len(numbers) == len(entries) > 100, [e for e in entries if not ENTRY.match(e)]
    assert len(set(numbers)) == len(numbers), "un identifiant C-n sert deux fois"


def test_every_choice_reference_resolves_to_an_entry():
    known = set(ENTRY.findall(_text(CHOICES)))
    unresolved = []
    for document in MARKDOWN:
        text = ENTRY.sub("", _text(document)) if document == CHOICES else _text(document)
        unresolved += [f"{document.relative_to(ROOT)}: C-{n}" for n in CHOICE.findall(text)
                       if n not in known]
    cited = 0
    for source in PYTHON:
        for line, text in _python_prose(source):
            numbers = CHOICE.findall(text)
            cited += len(numbers)
            unresolved += [f"{source.relative_to(ROOT)}:{line}: C-{n}" for n in numbers
                           if n not in known]
    assert not unresolved
    assert cited >= 10  # the code cites its choices


def test_nothing_cites_the_old_external_contract():
    """The contract is docs/specification.md; the old citations pointed outside the
    repository."""
    stale = [f"{path.relative_to(ROOT)}" for path in [*MARKDOWN, *PYTHON]
             if re.search(r"\bSPEC(?:\.md| §)", _text(path))]
    assert not stale


# -- README against the code ----------------------------------------------------------


def test_every_cli_option_is_documented_in_the_readme():
    readme = _text(ROOT / "README.md")
    parser = _parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, command in commands.items():
        assert f"reconcile {name}" in readme, name
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in readme, (name, option)


def test_readme_starts_with_the_two_commands():
    lines = _text(ROOT / "README.md").splitlines()
    block = lines[lines.index("```sh") + 1: lines.index("```sh") + 3]
    assert [line.split()[:2] for line in block] == [["make", "run"], ["make", "test"]]
    assert "make test" in _text(ROOT / ".ci" / "run")


def _module_map() -> list[str]:
    architecture = _text(ARCHITECTURE)
    start = architecture.index("```text\nreconcile/")
    return architecture[start:].split("\n```", 1)[0].splitlines()[1:]


def test_architecture_module_map_names_exactly_the_package_modules():
    """The map lists each module under its layer's folder (``  core/`` then
    ``    model.py``), as the package holds them."""
    listed, folder = [], ""
    for line in _module_map():
        name = line.split()[0] if line.split() else ""
        if line.startswith("  ") and not line.startswith("    ") and name.endswith("/"):
            folder = name
        elif line.startswith("  ") and name.endswith(".py"):
            listed.append(folder + name if line.startswith("    ") else name)
    package = ROOT / "reconcile"
    actual = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                    if p.name != "__init__.py")
    assert sorted(listed) == actual
    assert len(listed) == len(set(listed))


def test_architecture_module_map_names_only_paths_that_exist():
    for line in _module_map():
        if not line.startswith(" "):
            assert (ROOT / line.split()[0]).exists(), line


def test_architecture_names_every_declared_dependency():
    architecture = _text(ARCHITECTURE)
    project = _project()
    names = _requirement_names(project["dependencies"] + project["optional-dependencies"]["dev"])
    assert [n for n in names if f"**{n}**" not in architecture] == []


def test_architecture_lists_each_layer_as_the_layering_test_does():
    """The table of layers is the list ``tests/test_layers.py`` checks, module for module."""
    from test_layers import LAYERS

    rows = [line for line in _text(ARCHITECTURE).splitlines() if re.match(r"\| \d\. ", line)]
    assert [re.findall(r"`(\w+)/`", row.split("|")[1])[0] for row in rows] == LAYERS
    listed = [set(re.findall(r"`(\w+)`", row.split("|")[3])) for row in rows]
    package = ROOT / "reconcile"
    assert listed == [{p.stem for p in (package / layer).glob("*.py")} - {"__init__"}
                      for layer in LAYERS]


def test_the_readme_is_a_users_guide_that_links_to_the_reference():
    readme = _text(ROOT / "README.md")
    assert "```text\nreconcile/" not in readme  # the module map is the maintainer's
    for target in ("docs/architecture.md", "docs/specification.md", "docs/choix.md",
                   "docs/catalogue.md", "docs/performance.md"):
        assert f"]({target})" in readme, target


# -- packaging --------------------------------------------------------------------------


def test_runtime_lock_holds_what_runs_and_no_development_tool():
    project = _project()
    runtime = set(_requirement_names(project["dependencies"]))
    dev = set(_requirement_names(project["optional-dependencies"]["dev"]))
    pins, dev_pins = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")
    assert runtime <= set(pins)
    assert (dev - runtime | {"pip-tools"}).isdisjoint(pins)
    assert {"pytest", "mypy", "ruff", "hypothesis", "openpyxl", "psutil"}.isdisjoint(pins)
    assert dev <= set(dev_pins)
    assert {name: dev_pins[name] for name in pins} == pins  # the two locks agree


def test_the_package_imports_only_its_runtime_dependencies():
    project = _project()
    runtime = set(_requirement_names(project["dependencies"]))
    distributions = metadata.packages_distributions()
    imported = set()
    for source in sorted([*(ROOT / "reconcile").rglob("*.py"), *(ROOT / "schemas").glob("*.py")]):
        for node in ast.walk(ast.parse(_text(source))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"reconcile", "schemas"}
    used = {distributions[name][0].lower() for name in third_party}
    assert used == runtime


def test_control_sheet_shows_the_versions_actually_installed(tmp_path, capsys):
    result = run(base().write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    assert result.status == 0
    sheet = read_sheet(result.report_path, "Contrôle")
    rows = [[str(c) for c in row if c is not None] for row in sheet.itertuples(index=False)]
    start = next(i for i, row in enumerate(rows) if row[:2] == ["Bibliothèque", "Version"])
    shown = {}
    for row in rows[start + 1:]:
        if not row:
            break
        shown[row[0]] = row[1]
    expected = {name: metadata.version(name) for name in LIBRARIES}
    assert shown == {"python": platform.python_version(), **expected}
    runtime = set(_requirement_names(_project()["dependencies"]))
    assert set(LIBRARIES) == runtime | {"reconcile"}
