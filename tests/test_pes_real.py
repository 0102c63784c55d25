"""Real PES files written by others (tests/fixtures/pes/real, see PROVENANCE.md) and
probes of today's layout (dossier technique v5.19): every Retour read with each code in
its own version's meaning, lines that are not ours counted and never copied, P503
requests listed, our own lines recognised from what we sent, acquits applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from lxml import etree
from pes_files import SAFE, retour, retour_519
from test_pes import PARAMETERS, aller_file, line, line_of, write_inputs
from workbooks import (
    COMMUNE_A,
    COMMUNE_B,
    EPCI,
    SYNDICAT,
    base,
    euros,
    read_sheet,
    run,
    titre,
)

from reconcile.read import acquits, pes_retour
from reconcile.read.parameters import Parameters
from reconcile.read.xmlsafe import parse

REAL = Path(__file__).parent / "fixtures" / "pes" / "real"
PRIVATE = ("LOUIS XVI", "ROIS DE FRANCE", "BOND", "NAVARRE", "QUELQUE PART", "CHATEAU",
           "274,05", "274.05", "430,51", "430.51", "151,56", "1449", "1456")


def flattened(folder: Path) -> str:
    """Every cell of every workbook written in ``folder``, as one text."""
    texts = []
    for book in sorted(folder.glob("*.xlsx")):
        for frame in pd.read_excel(book, sheet_name=None, header=None, dtype=object,
                                   engine="calamine").values():
            texts += [str(v) for v in frame.to_numpy().ravel() if not pd.isna(v)]
    return "\n".join(texts)


def lines_of(data: bytes, name: str = "f.xml") -> list[pes_retour.Line]:
    root = parse(name, data)
    return pes_retour.read(name, root, root.find("PES_RecetteRetour"))


def test_the_dgfip_example_retour_no_longer_stops_the_month(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    shutil.copy(REAL / "PES_Exemple_Retour.xml", folder)
    result = run(folder, tmp_path / "out", capsys=capsys)
    assert result.status == 0, result.err  # main: exit 2 (product 300, no IdTiers)
    warnings = result.sheet("Anomalies")
    skipped = warnings[warnings["Code"] == "pes-retour-hors-perimetre"]
    assert skipped[["Fichier", "Valeur"]].values.tolist() == [["PES_Exemple_Retour.xml", "2"]]
    written = flattened(result.folder) + result.out
    for private in PRIVATE:  # other debtors of the budget: counted, never copied
        assert private not in written, private


def test_the_example_is_read_in_the_2009_meaning_of_its_codes():
    lines = lines_of((REAL / "PES_Exemple_Retour.xml").read_bytes())
    assert {line.layout for line in lines} == {pes_retour.LAYOUT_2009}
    assert [(line.id_pce.value, line.etat) for line in lines] == [("1449", "02"),
                                                                  ("1456", "05")]
    first = lines[0]
    assert first.step == "05 saisie attribution CAF"  # the latest step (25/04/2006)
    assert [(d.value, m.value) for d, m in first.collections] == [("2008-01-10", "1.56"),
                                                                  ("2008-01-15", "150")]
    # As if the budget and product were ours: 05 is « soldé » in 2009, and counts.
    parameters = Parameters({"code_produit_type_1": "301", "code_produit_type_2": "300"})
    sent = pd.DataFrame([{"exercice": 2005, "titre": t, "ligne": 1, "type_frais": 2,
                          "consultation": "", "siren": "217806462", "file": "x",
                          "current": True} for t in (1449, 1456)])
    frame, problems = pes_retour.to_titres(
        [pes_retour.RetourFile(None, lines)], parameters, set(),  # type: ignore[arg-type]
        pd.Timestamp("2008-12-31"), {}, sent)
    assert problems == []
    states = dict(zip(frame["numero"], frame["etat_helios"], strict=True))
    assert states == {"1449": "02 pris en charge", "1456": "05 soldé"}
    assert frame["counts_as_invoiced"].all()
    assert dict(zip(frame["numero"], frame["montant_encaisse"], strict=True)) == {
        "1449": 15_156, "1456": 43_051}
    assert set(frame["date_prise_en_charge"]) == {pd.Timestamp("2006-01-16")}


def test_the_same_code_means_what_its_layout_says():
    piece = {"pce": "12", "etat": "05", "lines": [line(mt="10.00")]}
    old = lines_of(retour([piece]))[0]
    new = lines_of(retour_519([{"pce": "12", "etat": "05", "lines": [
        {"code": "GC2", "mt": "10.00", "tiers": ("02", COMMUNE_A)}]}]))[0]
    assert (old.layout, new.layout) == (pes_retour.LAYOUT_2009, pes_retour.LAYOUT_519)
    parameters = Parameters({"code_produit_type_1": "GC1", "code_produit_type_2": "GC2"})
    read = {}
    for one in (old, new):
        frame, problems = pes_retour.to_titres(
            [pes_retour.RetourFile(None, [one])], parameters, set(),  # type: ignore[arg-type]
            pd.Timestamp("2026-11-30"))
        assert problems == []
        read[one.layout] = frame.iloc[0]
    assert read["2009"]["etat_helios"] == "05 soldé" and read["2009"]["counts_as_invoiced"]
    assert read["5.19"]["etat_helios"].startswith("05 annulé")
    assert not read["5.19"]["counts_as_invoiced"]


def test_a_v519_retour_of_our_own_pes_aller(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in")
    reports = tmp_path / "out"
    first = run(folder, reports, capsys=capsys)
    assert first.status == 0, first.err
    root = etree.fromstring(aller_file(first.folder).read_bytes(), SAFE)
    a1, a2, b2, s2 = (line_of(root, *k) for k in ((COMMUNE_A, "GC1"), (COMMUNE_A, "GC2"),
                                                   (COMMUNE_B, "GC2"), (SYNDICAT, "GC2")))
    assert a1[0] == a2[0]  # one titre, two lines

    def ours(at, mt, **extra):
        return {"ligne": at[1], "code": "GC1" if at is a1 else "GC2", "mt": mt, **extra}

    (folder / "PES2R_REC.xml").write_bytes(retour_519([
        {"bord": 41, "pce": a1[0], "lines": [  # no Obj: type 1 known from what we sent
            ours(a1, "30.00", tiers=("02", COMMUNE_A), etatlig="05",
                 emas=[("02", "2026-11-20", "30.00")]),
            ours(a2, "100.00", tiers=("02", COMMUNE_A), emas=[("07", "2026-11-21", "40.00")])]},
        {"bord": 41, "pce": b2[0], "etat": "05", "lines": [
            ours(b2, "500.00", tiers=("02", COMMUNE_B))]},
        {"bord": 41, "pce": s2[0], "lines": [
            ours(s2, "200.00", tiers=("02", SYNDICAT), step=("02", "2026-11-25"),
                 susp="12")]},
        {"bord": 9, "pce": "88", "lines": [{"code": "300", "mt": "61.00", "cat": "01",
                                            "nom": "DUPONT JEAN"}]},
        {"typbord": "05", "bord": 1, "pce": "900123", "pec": "", "lines": [
            {"mt": "75.00", "tiers": ("01", EPCI + "00011"), "nom": "EPCI E",
             "emas": [("01", "2026-11-12", "75.00")]}]},
        {"typbord": "05", "bord": 1, "pce": "900124", "pec": "", "lines": [
            {"mt": "12.00", "cat": "01", "nom": "MARTIN PAUL"}]},
    ], header={"IdColl": PARAMETERS["siret_coordonnateur"]}))
    second = run(folder, reports, capsys=capsys)
    assert second.status == 0, second.err
    rows = second.reconciliation().set_index(["SIREN", "Type de frais"])
    assert rows.loc[(COMMUNE_A, 1), "Statut"] == "conforme"
    assert euros(rows.loc[(COMMUNE_A, 1), "Encaissé"]) == 3000
    assert euros(rows.loc[(COMMUNE_A, 2), "Encaissé"]) == 0  # OrgEma 07 is no money
    assert rows.loc[(COMMUNE_B, 2), "Statut"] == "à émettre"  # 05 is « annulé » today
    assert "05 annulé" in rows.loc[(COMMUNE_B, 2), "État Hélios"]
    assert "02 commandement" in rows.loc[(SYNDICAT, 2), "État Hélios"]
    warnings = second.sheet("Anomalies")
    requests = warnings[warnings["Code"] == "encaissement-sans-titre"]
    assert len(requests) == 1
    assert "75,00" in requests.iloc[0]["Message"] and EPCI in requests.iloc[0]["Message"]
    assert "900123" in requests.iloc[0]["Message"]
    skipped = warnings[warnings["Code"] == "pes-retour-hors-perimetre"]
    assert skipped["Valeur"].tolist() == ["2"]
    written = flattened(second.folder) + second.out
    for private in ("DUPONT", "MARTIN", "61,00", "12,00"):
        assert private not in written


def test_real_acquits_are_read():
    frame, problems = acquits.parse_acquit("pes_acquit.xml",
                                           (REAL / "pes_acquit.xml").read_bytes())
    assert problems == []
    assert frame[["domaine", "accepte", "exercice", "bordereau"]].values.tolist()[0] == [
        "5", True, "2015", "1847"]
    assert len(frame) == 5 and frame["accepte"].all()
    assert set(frame["nom_fic"]) == {"pescg291201703030412001"}
    refused, problems = acquits.parse_acquit(
        "pes_acquit_not_valid.xml", (REAL / "pes_acquit_not_valid.xml").read_bytes())
    assert problems == []
    error = refused[refused["code"] != ""].iloc[0]
    assert (error["domaine"], bool(error["accepte"]), error["code"]) == ("0", False,
                                                                         "ERREUR_AUTRE")
    assert error["libelle"].startswith("Une erreur technique est survenue")
    other, problems = acquits.parse_acquit("PES_ACQUIT_RETOUR.xml",
                                           (REAL / "PES_ACQUIT_RETOUR.xml").read_bytes())
    assert other.empty and problems[0].code == "acquit-illisible"


def acquit_of(name: str, bordereau: str, accepted: bool) -> bytes:
    """An acquit of our flow ``name`` in the shape of the real ones (pes_acquit.xml)."""
    state = "1" if accepted else "0"
    errors = "" if accepted else (
        '<Erreur><NumAnoAck V="ERREUR_CODIFICATION"/><LibelleAnoAck V="CodProdLoc '
        'inconnu dans Helios"/></Erreur><DetailPiece><NumPiece V="1202"/><Erreur>'
        '<NumAnoAck V="ERREUR_TIERS"/><LibelleAnoAck V="Tiers inconnu"/></Erreur>'
        '</DetailPiece>')
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?><n:PES_ACQUIT xmlns:n="http://'
            f'www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2"><Enveloppe><Parametres>'
            f'<Version V="2"/><TypFic V="PESALR2"/><NomFic V="{name}"/></Parametres>'
            f'</Enveloppe><EnTetePES><DteStr V="2026-11-28"/><IdPost V="078000"/>'
            f'<IdColl V="20004000000012"/><CodCol V="123"/><CodBud V="01"/></EnTetePES>'
            f'<ACQUIT><EnTeteAcquit><IdVer V="2"/></EnTeteAcquit><ElementACQUIT>'
            f'<DomaineAck V="6"/><EtatAck V="{state}"/><NumBord V="{bordereau}"/>'
            f'<ExerciceBord V="2026"/>{errors}</ElementACQUIT></ACQUIT></n:PES_ACQUIT>'
            ).encode("latin-1")


def test_a_rejected_bordereau_goes_back_to_be_issued(tmp_path, capsys):
    reports = tmp_path / "out"
    first = run(write_inputs(tmp_path / "in"), reports, capsys=capsys)
    sent = aller_file(first.folder)
    root = etree.fromstring(sent.read_bytes(), SAFE)
    number = line_of(root, COMMUNE_B, "GC2")[0]
    amount = next(li.find("BlocLignePiece/InfoLignePiece/MtHT").get("V")
                  for li in root.iter("LigneDePiece")
                  if li.find("Tiers/InfoTiers/IdTiers").get("V") == COMMUNE_B
                  and li.find("BlocLignePiece/InfoLignePiece/CodProdLoc").get("V") == "GC2")
    # The officer typed the emitted titre in titres.xlsx…
    typed = base()
    typed.titres = [titre(number, COMMUNE_B, float(amount))]
    inputs = write_inputs(tmp_path / "in2", typed)
    accepted = run(inputs, tmp_path / "out2", capsys=capsys)
    assert accepted.status == 0, accepted.err
    without = accepted.reconciliation().set_index(["SIREN", "Type de frais"])
    assert without.loc[(COMMUNE_B, 2), "Statut"] == "conforme"
    # … then Hélios' acquit came back: bordereau 41 of that flow rejected.
    (inputs / "ACQUIT_1.xml").write_bytes(acquit_of(sent.name, "41", accepted=False))
    result = run(inputs, reports, capsys=capsys)
    assert result.status == 0, result.err
    rows = result.reconciliation().set_index(["SIREN", "Type de frais"])
    assert rows.loc[(COMMUNE_B, 2), "Statut"] == "à émettre"  # rejected: not a titre
    assert "rejeté à la réception" in rows.loc[(COMMUNE_B, 2), "État Hélios"]
    summary = " ".join(str(v) for v in result.sheet("Synthèse").to_numpy().ravel())
    assert "REJETÉ" in summary and "ERREUR_CODIFICATION" in summary
    assert "Acquit d'Hélios" in result.out
    book = result.folder / "titres_a_emettre_2026-11.xlsx"
    sheet = read_sheet(book, "Acquits")
    assert set(sheet["État"]) == {"REJETÉ"} and "ERREUR_TIERS" in set(sheet["Code"])
    assert set(sheet["Pièce"].dropna().astype(str)) - {""} == {"1202"}
    issued = read_sheet(book, "Titres à émettre")
    again = issued[(issued["SIREN"] == COMMUNE_B) & (issued["Type de frais"] == 2)]
    assert euros(again["Montant"].sum()) == euros(amount)  # to issue again
    control = " ".join(str(v) for v in result.sheet("Contrôle").to_numpy().ravel())
    assert "ACQUIT_1.xml" in control and "acquit PES (XML)" in control  # traced
    assert list((result.folder / "entrees").rglob("ACQUIT_1.xml"))


def test_an_accepted_acquit_changes_nothing_and_is_said(tmp_path, capsys):
    reports = tmp_path / "out"
    folder = write_inputs(tmp_path / "in")
    first = run(folder, reports, capsys=capsys)
    sent = aller_file(first.folder)
    (folder / "ACQUIT_1.xml").write_bytes(acquit_of(sent.name, "41", accepted=True))
    shutil.copy(REAL / "pes_acquit.xml", folder)  # someone else's flow: shown, no effect
    again = run(folder, reports, capsys=capsys)
    assert again.status == 0, again.err
    assert again.reconciliation().equals(first.reconciliation())
    assert f"{sent.name} accepté" in again.out


def test_a_cancelled_line_of_a_taken_in_charge_titre_does_not_count():
    data = retour_519([{"pce": "12", "etat": "03", "lines": [
        {"ligne": 1, "code": "GC2", "mt": "10.00", "tiers": ("02", COMMUNE_A),
         "etatlig": "02"},
        {"ligne": 2, "code": "GC1", "mt": "5.00", "tiers": ("02", COMMUNE_A),
         "etatlig": "06"}]}])
    parameters = Parameters({"code_produit_type_1": "GC1", "code_produit_type_2": "GC2"})
    sent = pd.DataFrame([{"exercice": 2026, "titre": 12, "ligne": 2, "type_frais": 1,
                          "consultation": "C2026", "siren": COMMUNE_A, "file": "x.xml",
                          "current": True}])
    frame, problems = pes_retour.to_titres(
        [pes_retour.RetourFile(None, lines_of(data))],  # type: ignore[arg-type]
        parameters, {"C2026"}, pd.Timestamp("2026-11-30"), {}, sent)
    assert problems == []
    by_line = frame.set_index("id_ligne")
    assert not by_line.loc["1", "counts_as_invoiced"]
    assert by_line.loc["1", "etat_helios"] == "03 prise en charge partielle, ligne 02 annulée"
    assert by_line.loc["2", "counts_as_invoiced"]  # soldée en non-valeur: it was a titre
    assert by_line.loc["2", "consultation"] == "C2026"  # from what we sent: no Obj today
