"""The coded values of spécification §1.1, §1.2, with the French labels shown in reports."""

PRESTATIONS: dict[str, str] = {
    "marches_publics": "Dématérialisation des procédures de marchés publics",
    "actes": "Télétransmission des actes soumis au contrôle de légalité",
    "flux_comptables": "Télétransmission des flux comptables",
    "certificats": "Certificats de signature électronique",
    "convocations": "Convocations électroniques",
    "parapheur": "Parapheurs électroniques",
}

CATEGORIES: dict[str, str] = {
    "commune": "Commune",
    "epci": "EPCI",
    "syndicat": "Syndicat",
    "ccas": "CCAS",
    "caisse_des_ecoles": "Caisse des écoles",
    "etablissement_public": "Établissement public",
    "autre": "Autre",
}

ROLES: dict[str, str] = {"membre": "Membre", "coordonnateur": "Coordonnateur"}

TYPES_FRAIS: dict[int, str] = {
    1: "Frais de procédure de mise en concurrence",
    2: "Frais de fonctionnement et sessions mutualisées",
}

# Categories whose type-2 charge R1 exempts when their commune is an active member.
EXEMPT_WITH_THEIR_COMMUNE = ("ccas", "caisse_des_ecoles")
# Categories that must state a population, and those that must name their commune.
NEED_POPULATION = ("commune", "epci")
NEED_COMMUNE = EXEMPT_WITH_THEIR_COMMUNE
