"""The bundled sample (inputs/) is what `make run` reconciles: it must stay valid,
show every status, and be exactly what scripts/make_sample.py generates."""

import subprocess
import sys
from pathlib import Path

from workbooks import run

ROOT = Path(__file__).resolve().parent.parent
STATUSES = {"membre inconnu", "conforme", "à émettre", "sous-titré", "sur-titré", "indu"}


def test_sample_reconciles_and_shows_every_status(tmp_path, capsys):
    result = run(ROOT / "inputs", tmp_path / "out", "2026-11", capsys)
    assert result.status == 0, result.err
    assert set(result.reconciliation()["Statut"]) == STATUSES
    categories = set(result.charges()["Catégorie"])
    # labels, not codes, wherever a person reads
    assert {"Commune", "EPCI", "CCAS", "Caisse des écoles", "Syndicat"} <= categories
    assert result.charges()["Motif"].dropna().str.startswith("Exonéré").any()


def test_sample_is_what_the_generator_writes(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample.py"), str(tmp_path)],
                   check=True)
    for name in ("membres.xlsx", "souscriptions.xlsx", "bareme.xlsx", "titres.xlsx"):
        assert (tmp_path / name).read_bytes() == (ROOT / "inputs" / name).read_bytes(), name
