"""The layer is the folder: ``reconcile/<layer>/`` imports only from its own folder or
the folders below it, so the data flow reads top to bottom
(core → read → check → compute → render → run → cli), as beancount checks its own.
Each folder's ``__init__`` says what may import it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "reconcile"
LAYERS = ["core", "read", "check", "compute", "render", "run", "cli"]

# What reaches the file system: opening, listing, stat-ing or deleting a path.
FILE_SYSTEM = {"open", "read_bytes", "read_text", "glob", "rglob", "iterdir", "listdir",
               "scandir", "walk", "stat", "exists", "is_file", "is_dir", "unlink", "mkdir"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def _layer_of(path: Path) -> int:
    return LAYERS.index(path.relative_to(PACKAGE).parts[0])


def _imported_layers(path: Path) -> set[str]:
    """The folders of the package a module imports from (relative or absolute)."""
    here = path.relative_to(PACKAGE).parts[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:
                found.add(here)
            elif node.level == 2:
                found |= ({module.split(".")[0]} if module else
                          {alias.name for alias in node.names})
            elif module.startswith("reconcile."):
                found.add(module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names
                      if a.name.startswith("reconcile.")}
    return found


def test_every_module_lives_in_a_layer_folder():
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top <= {"__init__.py", "__main__.py"}
    assert {p.relative_to(PACKAGE).parts[0] for p in _modules()} <= set(LAYERS)
    for layer in LAYERS:
        init = PACKAGE / layer / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text("utf-8"))), f"{layer}: say who imports it"


def test_no_module_imports_a_layer_above_its_own():
    upwards = [(str(p.relative_to(PACKAGE)), used) for p in _modules()
               for used in sorted(_imported_layers(p)) if used in LAYERS
               and LAYERS.index(used) > _layer_of(p)]
    assert upwards == []


# ... and what writes to it, makes or removes a path.
WRITING = {"write_bytes", "write_text", "rmdir", "rmtree", "touch",  # (rename: pandas too)
           "symlink_to", "hardlink_to", "mkdtemp", "mkstemp", "fsync", "chmod"}
SYSTEM_MODULES = {"os", "shutil", "glob", "tempfile"}


def _reaching(layers: set[str], calls: set[str], modules: set[str]) -> list[tuple]:
    """(module, line, name) for each call named in ``calls`` and each import of one of
    ``modules`` (line 0) in the modules of ``layers``."""
    reaching = []
    for path in _modules():
        if path.relative_to(PACKAGE).parts[0] not in layers:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = (node.func.attr if isinstance(node, ast.Call) and isinstance(
                node.func, ast.Attribute) else node.func.id if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name) else None)
            if name in calls:
                reaching.append((str(path.relative_to(PACKAGE)), node.lineno, name))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
        reaching += [(str(path.relative_to(PACKAGE)), 0, m) for m in sorted(imported)
                     if m.split(".")[0] in modules]
    return reaching


def test_check_and_compute_never_reach_the_file_system():
    """Reading is the read layer's job and writing the run layer's: a rule or a check
    that opened a file would make a month depend on more than its inputs."""
    assert _reaching({"check", "compute"}, FILE_SYSTEM | WRITING,
                     SYSTEM_MODULES | {"pathlib"}) == []


def test_render_makes_documents_and_never_touches_a_file():
    """Render returns ``Document`` values (name and bytes); the run layer writes them
    (``run.publish``, through ``core.safeio``). No render module imports os, shutil,
    glob, tempfile or pathlib, nor opens, lists, writes or removes a path (the PES Aller
    XSD is read by ``read.pes_xsd``; a large workbook streams through the scratch folder
    the run makes, named by a ``str``)."""
    assert _reaching({"render"}, FILE_SYSTEM | WRITING, SYSTEM_MODULES | {"pathlib"}) == []


def test_the_scan_sees_what_it_forbids():
    """The scans above are not vacuous: the run layer, which writes, is caught by them."""
    found = {name for _, _, name in _reaching({"run"}, FILE_SYSTEM | WRITING,
                                              SYSTEM_MODULES)}
    assert {"os", "shutil", "mkdir", "glob", "is_dir", "fsync"} <= found, found


def test_schemas_stay_declarative():
    """``schemas/`` declares; it imports nothing from the package and opens no file."""
    for path in (PACKAGE.parent / "schemas").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from reconcile" not in text and "import reconcile" not in text, path
        assert "open(" not in text, path


def test_only_the_command_line_prints():
    printing = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                if "print(" in p.read_text("utf-8")}
    assert printing <= {"cli/main.py", "core/catalogue.py"}  # catalogue: its ``python -m`` table
