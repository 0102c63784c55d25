"""`reconcile` speaks French on the command line, help and usage errors included, and a
usage error exits 64 (EX_USAGE), distinct from 2 (« entrées invalides »)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reconcile.cli.french_argparse import EXIT_USAGE

ENGLISH = ("usage:", "error:", "show this help", "invalid choice", "choose from",
           "the following arguments", "unrecognized arguments", "expected one argument",
           "positional arguments", "invalid int value", "argument ")


def reconcile(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reconcile", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=60)


def assert_french(text: str) -> None:
    for english in ENGLISH:
        assert english not in text, (english, text)


def test_help_is_french():
    result = reconcile("--help")
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("utilisation : reconcile [-h] commande ...")
    assert "options :" in out and "arguments :" in out
    assert "-h, --help  afficher cette aide et quitter" in out
    assert "64 commande mal écrite" in " ".join(out.split())
    assert_french(out)


@pytest.mark.parametrize("command", ["run", "check", "init"])
def test_command_help_is_french(command):
    result = reconcile(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"utilisation : reconcile {command} [-h]")
    assert "afficher cette aide et quitter" in result.stdout
    for line in result.stdout.splitlines():  # French spacing never breaks a line
        assert not line.strip().startswith((":", ";", "»")), line
    assert_french(result.stdout)


@pytest.mark.parametrize(("args", "message"), [
    ((), "reconcile : erreur : argument(s) obligatoire(s) manquant(s) : commande"),
    (("rapprocher",), "reconcile : erreur : commande : choix invalide : « rapprocher » "
                      "(choisir parmi « run », « check », « init »)"),
    (("run", "--bogus"), "reconcile : erreur : argument(s) non reconnu(s) : --bogus"),
    (("init", "a", "b"), "reconcile : erreur : argument(s) non reconnu(s) : b"),
    (("run", "--mois"), "reconcile run : erreur : --mois : une valeur est attendue après "
                        "cette option"),
    (("check", "--mois", "2026-13"), "reconcile check : erreur : --mois : mois invalide "
                                     "« 2026-13 » : écrire AAAA-MM, par exemple 2026-11"),
    (("run", "--max-lignes", "beaucoup"), "reconcile run : erreur : --max-lignes : "
                                          "« beaucoup » n'est pas un nombre entier"),
    (("run", "--max-fichier-mo", "0"), "reconcile run : erreur : --max-fichier-mo : « 0 » : "
                                       "indiquer un nombre supérieur à 0"),
    (("run", "--delai-relance", "0"), "reconcile run : erreur : --delai-relance : délai "
                                      "invalide « 0 » : écrire un nombre de jours de 1 à "
                                      "3 650, par exemple 60"),
    (("run", "--max", "3"), "reconcile run : erreur : option ambiguë : --max peut désigner "
                            "--max-fichier-mo, --max-decompresse-mo, --max-lignes"),
])
def test_usage_errors_are_french_and_exit_64(tmp_path, args, message):
    result = reconcile(*args, cwd=tmp_path)
    assert result.returncode == EXIT_USAGE == 64
    assert result.stdout == ""
    assert result.stderr.startswith("utilisation : reconcile")
    assert message in result.stderr, result.stderr
    assert "Aide : reconcile" in result.stderr
    assert_french(result.stderr)
    assert list(tmp_path.iterdir()) == []  # nothing was done


def test_usage_error_is_not_invalid_inputs(tmp_path):
    """Exit 2 stays « entrées invalides »: a run on a missing folder, not a typo."""
    result = reconcile("check", "--mois", "2026-11", "--inputs", str(tmp_path / "absent"))
    assert result.returncode == 2
    typo = reconcile("check", "--moi", "2026-11", "--inputx", "x")
    assert typo.returncode == 64


def test_other_parsers_stay_untouched():
    """The translation lasts only while one of our parsers builds a text."""
    import argparse

    from reconcile.cli.main import _parser

    _parser().format_help()
    assert "usage:" in argparse.ArgumentParser(prog="x").format_usage()
