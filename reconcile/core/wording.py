"""Words a member reads: what a charge is for and why it is waived, without rule codes
(« R1 »), sheet references (« Bareme, ligne 15 ») or internal codes
(``caisse_des_ecoles``). Auditors keep those in the report's Charges sheet."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from schemas import CATEGORIES, PRESTATIONS

BASES = {
    (2, False): "Forfait annuel de fonctionnement, par membre",
    (2, True): "Forfait annuel de fonctionnement, par prestation souscrite",
    (1, False): "Frais de procédure de la consultation, par membre participant",
    (1, True): "Frais de procédure de la consultation, par prestation couverte souscrite",
}
SHORT_TYPES = {1: "Frais de procédure", 2: "Frais de fonctionnement"}
ADDRESS = ("adresse", "complement_adresse", "code_postal", "ville")
NO_ADDRESS = "[adresse absente du fichier membres : colonnes Adresse, Code postal, Ville]"
CONVENTION = "convention constitutive du groupement"
NARROW_SPACE = "\u202f"  # French thousands separator on screen and in letters
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def pes_length(text: str) -> int:
    """Length once written in the PES (ISO-8859-1): « € » becomes « EUR », « … » three
    dots, « œ » two letters (as ``pes_aller`` transliterates them)."""
    return (len(text) + 2 * (text.count("€") + text.count("…"))
            + text.count("œ") + text.count("Œ"))


def euros(cents: int, thousands: str = " ") -> str:
    """« -1 234,56 € » from integer cents, exactly (no float). A plain space between
    thousands by default, as the text may leave Unicode (PES XML in ISO-8859-1);
    ``NARROW_SPACE`` on screen and in letters."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{units:,}".replace(",", thousands) + f",{rest:02d} €"


def plural(count: int, word: str) -> str:
    """« 0 erreur », « 1 erreur », « 2 erreurs » (French: plural from 2)."""
    return f"{count} {word}{'s' if count > 1 else ''}"


def month_label(month: str) -> str:
    """« novembre 2026 » for the month « 2026-11 »."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def long_date(day: pd.Timestamp | dt.date) -> str:
    """« 30 novembre 2026 » (« 1er décembre 2026 »)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def postal_address(member: object) -> list[str]:
    """A member's postal address lines from the optional columns of ``membres``; a line
    saying it is missing rather than an invented one."""
    def field(name: str) -> str:
        value = getattr(member, "get", lambda _n: None)(name)
        return "" if value is None or pd.isna(value) else str(value).strip()

    lines = [field("adresse"), field("complement_adresse"),
             " ".join(x for x in (field("code_postal"), field("ville").upper()) if x)]
    lines = [line for line in lines if line]
    return lines if field("ville") or field("code_postal") else [*lines, NO_ADDRESS]


_CODES = re.compile(r"\b(" + "|".join(sorted({*CATEGORIES, *PRESTATIONS}, key=len,
                                              reverse=True)) + r")\b")


def plain_codes(text: object) -> str:
    """« Procédure caisse_des_ecoles » → « Procédure caisse des écoles », « epci » →
    « EPCI »: an internal code typed in a label reads as its label in what a member
    receives (a service's code only when it has an underscore: « actes » stays a word)."""
    def label(match: re.Match) -> str:
        code = match.group(1)
        if code in CATEGORIES:
            return category(code)
        return service(code) if "_" in code else code
    return _CODES.sub(label, str(text))


def basis(type_frais: int, prestation: str) -> str:
    """What the amount pays for, in the member's words."""
    return BASES[(int(type_frais), bool(prestation))]


def category(code: object) -> str:
    """« caisse_des_ecoles » → « caisse des écoles » (lower case inside a sentence;
    acronyms such as CCAS or EPCI keep their capitals)."""
    label = CATEGORIES.get(str(code), str(code))
    return label if label.isupper() else label[0].lower() + label[1:]


def service(code: object) -> str:
    return PRESTATIONS.get(str(code), str(code))


def service_label(value: object) -> object:
    """A service code as its label (« marches_publics » → « Dématérialisation des
    procédures de marchés publics »); a label, blank or unknown value unchanged, so that
    a report written with codes and one written with labels compare equal."""
    return PRESTATIONS.get(value, value) if isinstance(value, str) else value


def deliberation(text: object) -> str:
    """« n° 2025-42 du 12/12/2025 » → « délibération n° 2025-42 du 12/12/2025 »; blank → ""."""
    if text is None or pd.isna(text) or not str(text).strip():  # type: ignore[call-overload]
        return ""
    words = re.sub(r"^\s*d[ée]lib[ée]ration\s*", "", str(text).strip(), flags=re.IGNORECASE)
    return f"délibération {words}"


def _plain(texts: pd.Series) -> pd.Series:
    """Délibération texts without a leading « délibération » word; blank → NA."""
    text = texts.astype("string").str.strip()
    text = text.str.replace(r"^d[ée]lib[ée]ration\s*", "", case=False, regex=True)
    return text.where(text.str.len() > 0)


def deliberations(tariff: pd.Series, consultation: pd.Series, exemption: pd.Series,
                  exempt: pd.Series) -> pd.Series:
    """The votes behind each charge, for a column headed « Délibération »: « Tarif :
    n° … ; consultation : n° … », or for a waived charge the exemption's; "" when the
    barème names none."""
    parts = [("tarif", _plain(tariff).where(~exempt)),
             ("consultation", _plain(consultation).where(~exempt)),
             ("exonération", _plain(exemption).where(exempt))]
    said = [(f"{what} : " + text).fillna("") for what, text in parts]
    joined = said[0].str.cat(said[1:], sep=" ; ")  # type: ignore[arg-type]
    joined = joined.str.replace(r"^( ; )+|( ; )+$", "", regex=True)
    joined = joined.str.replace(r"( ; )+", " ; ", regex=True)
    return (joined.str[:1].str.upper() + joined.str[1:]).astype(object)


def commune_exemption(categories: pd.Series, communes: pd.Series) -> pd.Series:
    """R1, said to the member: « Exonéré : CCAS d'une commune membre du groupement
    (Commune A), selon la convention constitutive du groupement. »"""
    what = categories.map(category)
    named = communes.map(lambda name: f" ({name})" if name else "")
    return ("Exonéré : " + what + " d'une commune membre du groupement" + named
            + f", selon la {CONVENTION}.")


def voted_exemption(motifs: pd.Series, deliberations: pd.Series) -> pd.Series:
    """An exemption voted case by case: « Exonéré par délibération n° … : <motif> »."""
    by = deliberations.map(deliberation).map(lambda d: f" par {d}" if d else " par délibération")
    return "Exonéré" + by + " : " + motifs.astype(str).str.strip()
