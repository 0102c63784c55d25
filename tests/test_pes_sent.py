"""The PES Aller files already written, read back (``reconcile.read.pes_sent``): one row per
line sent, from files on disk, current and kept in ``historique/``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from test_pes_rules import PARAMETERS, SIRENS, proposal

from reconcile.core.model import period_of
from reconcile.read import pes_sent
from reconcile.read.earlier import read_sent
from reconcile.render import pes_aller


def _read(reports: Path):
    """The PES Aller of ``reports`` as a run reads them: bytes once, then parsed."""
    return pes_sent.parse_files(read_sent(reports))

def write_sent(reports: Path) -> Path:
    lines, known = proposal()
    aller = pes_aller.build(lines, PARAMETERS, period_of("2026-11"), "2026-11",
                            dt.date(2026, 12, 4), known)
    folder = reports / "2026-11"
    folder.mkdir(parents=True)
    path = folder / aller.name
    path.write_bytes(aller.data)
    return path


def test_one_row_per_line_sent_read_back_from_disk(tmp_path):
    path = write_sent(tmp_path / "reports")
    frame, problems = _read(tmp_path / "reports")
    assert problems == []
    assert list(frame.columns) == [*pes_sent.COLUMNS, "month"] and len(frame) == 9
    assert set(frame["file"]) == {path.name} == {"PESALR2_2026-11_T1201.xml"}
    assert set(frame["nom_fic"]) == {path.name} and set(frame["dte_str"]) == {"2026-12-04"}
    ordinary = frame[frame["typ_bord"] == "01"]
    assert set(ordinary["bordereau"]) == {41} and sorted(set(ordinary["titre"])) == list(
        range(1201, 1208))
    commune = ordinary[ordinary["siren"] == SIRENS["commune"]].sort_values("ligne")
    assert commune[["titre", "ligne", "type_frais", "consultation", "montant"]].values.tolist(
        ) == [[1204, 1, 2, "", 12_050], [1204, 2, 1, "C2026", 4_000]]  # SIREN order
    reduction = frame[frame["typ_bord"] == "02"].iloc[0]
    assert (reduction["bordereau"], reduction["titre"], reduction["montant"],
            reduction["origine_exercice"], reduction["origine"], reduction["origine_ligne"],
            reduction["typ_pce"], reduction["nat_pce"]) == (7, 1208, -2_500, 2026, "345", "2",
                                                           "02", "06")
    assert frame["montant"].sum() == 7 * 12_050 + 4_000 - 2_500  # integer cents, exact
    assert frame["current"].all()


def test_kept_versions_are_read_once_and_marked(tmp_path):
    path = write_sent(tmp_path / "reports")
    history = path.parent / "historique"
    history.mkdir()
    (history / "PESALR2_2026-11_T1201_20261201T000000.xml").write_bytes(path.read_bytes())
    older = path.read_bytes().replace(b'IdBord V="41"', b'IdBord V="40"')
    (history / "PESALR2_2026-11_T1190_20261130T000000.xml").write_bytes(older)
    frame, problems = _read(tmp_path / "reports")
    assert problems == []
    assert len(frame) == 18  # the identical copy is read once
    assert sorted(set(frame.loc[~frame["current"], "bordereau"])) == [7, 40]


def test_a_damaged_file_is_a_warning_never_a_failure(tmp_path):
    path = write_sent(tmp_path / "reports")
    (path.parent / "PESALR2_2026-10_T1.xml").write_bytes(path.read_bytes()[:500])
    frame, problems = _read(tmp_path / "reports")
    assert len(frame) == 9
    assert [(p.file, p.code, p.severity) for p in problems] == [
        ("PESALR2_2026-10_T1.xml", "pes-envoye-illisible", "avertissement")]
    assert "ligne" in problems[0].message


def test_parse_sent_is_a_function_of_the_bytes(tmp_path):
    data = write_sent(tmp_path / "reports").read_bytes()
    one, _ = pes_sent.parse_sent("x.xml", data)
    two, _ = pes_sent.parse_sent("x.xml", data)
    pd.testing.assert_frame_equal(one, two)
    none, problems = pes_sent.parse_sent("r.xml", b"<PES_Retour/>")
    assert none.empty and problems[0].code == "pes-envoye-illisible"
    assert _read(tmp_path / "absent") [0].empty
