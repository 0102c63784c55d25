"""Numbering that never collides (issue 18 item 3, spécification §4.16): the next
bordereau (per exercise and type) and titre (per exercise) follow the highest number
already used in the PES Aller written, the titres source and `Parametres`; a parameter
that would reuse a number is said; re-issuing a month's file is an explicit choice."""

from __future__ import annotations

import shutil

import pandas as pd
from lxml import etree
from pes_files import SAFE, retour_519
from test_pes import write_inputs
from test_pes_real import lines_of
from workbooks import COMMUNE_A, base, run

from reconcile.compute.numbering import next_numbers
from reconcile.read import pes_retour
from reconcile.read.earlier import read_sent
from reconcile.read.parameters import Parameters
from reconcile.read.pes_sent import parse_files
from reconcile.render.titres_out import _same_emission


def _parameters(bordereau, titre) -> Parameters:
    return Parameters({"prochain_bordereau": bordereau, "prochain_titre": titre})


SENT = pd.DataFrame([  # exercice, typ_bord, bordereau, titre
    (2026, "01", 11, 340), (2026, "01", 12, 344), (2026, "02", 3, 345),
    (2025, "01", 90, 900),  # another exercise: its numbers do not count in 2026
], columns=["exercice", "typ_bord", "bordereau", "titre"])


def test_next_numbers_follow_the_highest_used_per_exercise_and_type():
    found = next_numbers(2026, SENT, None, _parameters(1, 1))
    assert (found.bordereau, found.titre) == ({"01": 13, "02": 4}, 346)
    fresh = next_numbers(2027, SENT, None, _parameters(1, 1))
    assert (fresh.bordereau, fresh.titre, fresh.clashes) == ({"01": 1, "02": 1}, 1, [])


def test_titres_source_and_retour_bordereaux_count():
    titres = pd.DataFrame({"numero": ["350", "T-9", "999"], "exercice": [2026, 2026, 2024],
                           "montant": [100, 100, 100], "id_bord": ["", "20", "80"]})
    found = next_numbers(2026, SENT, titres, _parameters(1, 1))
    assert (found.bordereau, found.titre) == ({"01": 21, "02": 4}, 351)


def test_a_parameter_below_a_used_number_is_said_and_skipped():
    found = next_numbers(2026, SENT, None, _parameters(12, 345))
    assert (found.bordereau, found.titre) == ({"01": 13, "02": 12}, 346)
    assert found.clashes == [
        "prochain_titre = 345 dans la feuille Parametres, mais le titre de 2026 n° 345 "
        "figure déjà dans un PES Aller déjà écrit : numérotation reprise à 346",
        "prochain_bordereau = 12 dans la feuille Parametres, mais le bordereau 01 de 2026 "
        "n° 12 figure déjà dans un PES Aller déjà écrit : numérotation reprise à 13"]
    above = next_numbers(2026, SENT, None, _parameters(50, 500))
    assert (above.bordereau, above.titre, above.clashes) == ({"01": 50, "02": 50}, 500, [])


def _numbers(path) -> tuple[list[str], list[str]]:
    root = etree.fromstring(path.read_bytes(), SAFE)
    return ([b.get("V") for b in root.iter("IdBord")], [p.get("V") for p in root.iter("IdPce")])


def test_numbers_of_other_products_of_the_budget_are_used_numbers():
    """A real Retour carries every titre of the budget: bordereau 45 and titre 1300 of
    another product (or of a private person) are numbers the reception knows, on the
    same sequences as ours; another budget's, a P503's encaissement number, are not."""
    data = retour_519([
        {"exer": 2026, "bord": 45, "pce": "1300", "lines": [
            {"code": "300", "mt": "61.00", "tiers": ("02", COMMUNE_A)}]},
        {"exer": 2026, "bord": 46, "pce": "1310", "lines": [
            {"code": "GC2", "mt": "12.00", "cat": "01", "nom": "DUPONT JEAN"}]},
        {"exer": 2026, "typbord": "02", "bord": 9, "pce": "1305", "lines": [
            {"code": "300", "mt": "5.00", "tiers": ("02", COMMUNE_A)}]},
        {"exer": 2025, "bord": 80, "pce": "2000", "lines": [
            {"code": "300", "mt": "5.00", "tiers": ("02", COMMUNE_A)}]},
        {"exer": 2026, "typbord": "05", "bord": 1, "pce": "900123", "pec": "", "lines": [
            {"mt": "75.00", "tiers": ("02", COMMUNE_A)}]},
    ])
    other = retour_519([{"exer": 2026, "bord": 99, "pce": "9999", "lines": [
        {"code": "GC2", "mt": "5.00", "tiers": ("02", COMMUNE_A)}]}],
        header={"CodBud": "02"})
    parameters = Parameters({"siret_coordonnateur": "20004000000012",
                             "code_collectivite": "123", "code_budget": "01",
                             "prochain_bordereau": 41, "prochain_bordereau_02": 7,
                             "prochain_titre": 1201})
    files = [pes_retour.RetourFile(None, lines_of(data)),  # type: ignore[arg-type]
             pes_retour.RetourFile(None, lines_of(other, "b.xml"))]  # type: ignore[arg-type]
    used = pes_retour.budget_numbers(files, parameters)
    assert used.values.tolist() == [[2025, "01", 80, 2000], [2026, "01", 45, 1300],
                                    [2026, "01", 46, 1310], [2026, "02", 9, 1305]]
    numbering = next_numbers(2026, None, None, parameters, used)
    assert (numbering.bordereau, numbering.titre) == ({"01": 47, "02": 10}, 1311)
    assert any("un PES Retour (titres du budget)" in c for c in numbering.clashes)


def test_a_rerun_never_reuses_the_numbers_of_files_already_written(tmp_path, capsys):
    inputs = write_inputs(tmp_path / "in")
    october = run(inputs, tmp_path / "first", capsys=capsys)
    assert october.status == 0, october.err
    written = october.folder / "PESALR2_2026-11_T1201.xml"
    assert _numbers(written) == (["41"], ["1201", "1202", "1203", "1204"])
    # The same file, as last month's emission, in the reports folder of this run.
    reports = tmp_path / "reports"
    (reports / "2026-10").mkdir(parents=True)
    shutil.copy(written, reports / "2026-10" / "PESALR2_2026-10.xml")
    sent, problems = parse_files(read_sent(reports))
    assert problems == [] and sorted(set(sent["titre"])) == [1201, 1202, 1203, 1204]
    november = run(inputs, reports, capsys=capsys)
    assert november.status == 0, november.err
    aller = november.folder / "PESALR2_2026-11_T1205.xml"
    assert _numbers(aller) == (["42"], ["1205", "1206", "1207", "1208"])
    warnings = november.sheet("Anomalies")
    said = warnings[warnings["Code"] == "numero-deja-utilise"]["Message"].tolist()
    assert len(said) == 2 and any("numérotation reprise à 1205" in m for m in said)

    # The same rerun: nothing to say, the file is left as it is.
    same = run(inputs, reports, capsys=capsys)
    assert "pes-aller-deja-ecrit" not in set(same.sheet("Anomalies")["Code"])
    assert _numbers(aller) == (["42"], ["1205", "1206", "1207", "1208"])

    # A rerun of the month that would write another file keeps the one written…
    changed = base()
    changed.bareme[4]["Montant"] = 1200  # the EPCI's fee: another amount to issue
    write_inputs(inputs, changed)
    before = aller.read_bytes()
    rerun = run(inputs, reports, capsys=capsys)
    assert rerun.status == 0, rerun.err
    assert aller.read_bytes() == before
    codes = set(rerun.sheet("Anomalies")["Code"])
    assert "pes-aller-deja-ecrit" in codes
    assert "--reemettre" in rerun.out
    # … unless re-issuing is asked: then the month's own numbers are reused.
    again = run(inputs, reports, capsys=capsys, extra=["--reemettre"])
    assert again.status == 0, again.err
    assert aller.read_bytes() != before
    assert _numbers(aller)[0] == ["42"] and _numbers(aller)[1][0] == "1205"
    assert any((november.folder / "historique").glob("PESALR2_2026-11_*.xml"))


def test_the_day_of_writing_does_not_make_another_emission():
    one = b'<a><NomFic V="PESALR2_2026-11.xml"/><DteStr V="2026-11-30"/><IdPce V="7"/></a>'
    later = one.replace(b"2026-11-30", b"2026-12-02")
    assert _same_emission(one, later)
    assert not _same_emission(one, later.replace(b'"7"', b'"8"'))
