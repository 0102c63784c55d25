"""Every warning an officer reads is a whole sentence: a capital letter, a final period."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
from workbooks import base, member, run, siren, titre


def _sentence(message: str) -> bool:
    return bool(re.match(r"^[A-ZÀ-Ý«]", message)) and message.endswith(".")


def test_every_warning_is_a_whole_sentence(tmp_path, capsys):
    inputs = base()
    inputs.membres.append(member(siren(60), "Sans souscription", "syndicat",
                                 adhesion=dt.date(2024, 6, 1)))  # outside every window
    inputs.membres[1]["Remarque"] = "colonne en trop"
    inputs.exonerations = [{"SIREN": siren(61), "Type frais": 2, "Exercice": 2026,
                            "Motif": "Inconnu"}]
    inputs.titres = [titre("T1", siren(62), 10)]  # not a member
    folder = inputs.write(tmp_path / "in")
    book = openpyxl.load_workbook(folder / "souscriptions.xlsx")
    book.create_sheet("Notes")
    book["Souscriptions"].sheet_state = "hidden"
    book.save(folder / "souscriptions.xlsx")
    reports = tmp_path / "out"
    (reports / "2026-10").mkdir(parents=True)
    (reports / "2026-10" / "rapprochement_2026-10.xlsx").write_bytes(b"not a workbook")
    result = run(folder, reports, capsys=capsys)
    assert result.status == 0, result.err
    warnings = result.sheet("Anomalies")
    firsts = set(warnings["Message"].str.split(" ").str[:2].str.join(" "))
    assert {"La colonne", "Ce membre", "Adhésion hors", "Ce SIREN", "Cette feuille",
            "Le rapport"} <= firsts, firsts
    bad = [m for m in warnings["Message"] if not _sentence(m)]
    assert bad == []
