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


def test_check_and_compute_never_reach_the_file_system():
    """Reading is the read layer's job and writing the render layer's: a rule or a check
    that opened a file would make a month depend on more than its inputs."""
    reaching = []
    for path in _modules():
        if path.relative_to(PACKAGE).parts[0] not in {"check", "compute"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = (node.func.attr if isinstance(node, ast.Call) and isinstance(
                node.func, ast.Attribute) else node.func.id if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name) else None)
            if name in FILE_SYSTEM:
                reaching.append((str(path.relative_to(PACKAGE)), node.lineno, name))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
        reaching += [(str(path.relative_to(PACKAGE)), 0, m) for m in sorted(imported)
                     if m in {"os", "shutil", "glob", "pathlib", "tempfile"}]
    assert reaching == []


def test_render_reads_no_input():
    """Render writes what it is given; it never reads a file back (last month's report,
    past exercises and PES files are read up front by the read layer)."""
    reading = []
    for path in _modules():
        if path.relative_to(PACKAGE).parts[0] != "render":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"read_bytes", "read_text"}):
                reading.append((str(path.relative_to(PACKAGE)), node.lineno))
    assert reading == []


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
