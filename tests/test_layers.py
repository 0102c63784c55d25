"""The import direction, as beancount checks its own: each module imports only from
its layer or the layers below, so the data flow reads top to bottom
(model → read → check and compute → render → run → command line)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "reconcile"

LAYERS: list[set[str]] = [
    # 0. the model and plumbing every stage may use
    {"model", "vocabulary", "columns", "catalogue", "anomalies", "safeio", "journal",
     "interrupts", "progress"},
    # 1. read: files → typed tables
    {"cells", "prescan", "csvinput", "xmlsafe", "reader", "tablerows", "normalise", "pes_sent",
     "parameters", "pes_retour", "intake", "readback", "acquits", "disk", "earlier"},
    # 2. check and compute: rules, charges, reconciliation, receivables, titres to issue
    {"validate", "rules", "wording", "charges", "reconciliation", "asof", "receivables",
     "past_exercises", "issuance", "helios", "titre_evolutions", "settings", "numbering",
     "identity", "dunning", "actions"},
    # 3. render: workbooks and XML written from computed values
    {"xlsx", "layout", "audit", "evolutions", "report", "receivables_view", "statements",
     "reminders", "pes_aller", "pes_rules", "titres_out", "templates", "summary"},
    # 4. the run
    {"pipeline", "faults"},
    # 5. the command line
    {"cli", "__main__", "french_argparse"},
]


def _layer(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {
                alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reconcile."):
            found.add(node.module.split(".")[1])
    return found


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set().union(*LAYERS)


def test_no_module_imports_a_layer_above_its_own():
    upwards = [(p.stem, used) for p in sorted(PACKAGE.glob("*.py")) if p.stem != "__init__"
               for used in sorted(_imports(p)) if _layer(used) > _layer(p.stem)]
    assert upwards == []


def test_schemas_stay_declarative():
    """``schemas/`` declares; it imports nothing from the package and opens no file."""
    for path in (PACKAGE.parent / "schemas").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "reconcile" not in _imports(path) and "from reconcile" not in text, path
        assert "open(" not in text, path


def test_only_the_command_line_prints():
    printing = {p.stem for p in PACKAGE.glob("*.py") if "print(" in p.read_text("utf-8")}
    assert printing <= {"cli", "catalogue"}  # catalogue: its ``python -m`` table only


FILE_SYSTEM = {"os", "io", "pathlib", "shutil", "glob", "tempfile", "fcntl"}
READING = ("open(", ".read_bytes(", ".read_text(", ".glob(", ".iterdir(", "from_path(",
           "from_filelike(", "open_report(", "read_sheets(",
           "load_workbook(", "scandir(")


def _stdlib_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_compute_reaches_no_file_and_render_reads_none():
    """Issue 20 item 1: reading is the read layer's (``disk``, ``intake``, ``earlier``);
    a compute module imports nothing that reaches the file system, and a render module
    writes files but reads none (the PES Aller's own XSD, a package resource, aside)."""
    compute = {name: PACKAGE / f"{name}.py" for name in LAYERS[2]}
    reaching = {name: sorted(_stdlib_imports(path) & FILE_SYSTEM)
                for name, path in compute.items() if _stdlib_imports(path) & FILE_SYSTEM}
    assert reaching == {}
    # Render may list its own output folder (statements and letters no longer due are
    # moved to history): ``.glob(`` is a reading only for compute.
    reading = {name: [call for call in READING if call in (PACKAGE / f"{name}.py").read_text(
        "utf-8") and (call != ".glob(" or name in LAYERS[2])]
        for name in LAYERS[2] | (LAYERS[3] - {"templates"})}  # init writes the templates
    assert {name: calls for name, calls in reading.items() if calls} == {}
