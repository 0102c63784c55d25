"""How officers read and write the columns: the template's header for each declared
column, and the other headers that finance-suite exports and hand-made tables use for
it (all normalised as spécification §2.6 says before they are compared).

Data, not code: an officer meeting a new export adds its header here, with a test.
"""

# The header an officer reads for each declared column (it normalises back to it).
HEADERS: dict[str, str] = {
    "siren": "SIREN", "nom": "Nom", "categorie": "Catégorie", "population": "Population",
    "commune_rattachement": "Commune rattachement", "date_adhesion": "Date adhésion",
    "date_notification_retrait": "Date notification retrait", "role": "Rôle",
    "prestation": "Prestation", "date_debut": "Date début", "date_fin": "Date fin",
    "type_frais": "Type de frais", "libelle": "Libellé", "population_min": "Population min",
    "population_max": "Population max", "montant": "Montant", "valable_du": "Valable du",
    "valable_au": "Valable au", "code": "Code", "debut_adhesion": "Début adhésion",
    "fin_adhesion": "Fin adhésion", "date_lancement": "Date lancement",
    "prestations": "Prestations", "exercice": "Exercice", "motif": "Motif",
    "numero": "Numéro", "consultation": "Consultation", "date_emission": "Date émission",
    "montant_encaisse": "Montant encaissé", "date_encaissement": "Date encaissement",
    "deliberation": "Délibération", "parametre": "Paramètre", "valeur": "Valeur",
    "adresse": "Adresse", "complement_adresse": "Complément d'adresse",
    "code_postal": "Code postal", "ville": "Ville",
}

# Sheet → declared column → other headers meaning it (exports of finance suites, Hélios
# vocabulary, usual French wordings). An alias is never another column's name.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "Titres": {
        "numero": ("N° titre", "N° de titre", "Numéro de titre", "Numéro du titre",
                   "Num titre", "No titre", "N°", "N° pièce", "Numéro de pièce", "Titre",
                   "Référence titre", "Réf. titre", "IdPce"),
        "siren": ("Tiers SIREN", "SIREN tiers", "SIREN du tiers", "SIREN débiteur",
                  "SIREN du débiteur", "N° SIREN", "Numéro SIREN", "Débiteur SIREN"),
        "exercice": ("Année", "Exercice budgétaire", "Année d'exercice", "Exer"),
        "type_frais": ("Type", "Type frais"),
        "consultation": ("Code consultation", "Code de la consultation", "N° consultation",
                         "Référence consultation"),
        "montant": ("Montant TTC", "Montant HT", "Montant du titre", "Montant titre",
                    "Montant émis", "Montant titré", "Mt HT", "Mt TTC", "MtHT"),
        "date_emission": ("Date d'émission", "Date émission titre", "Date du titre",
                          "Date titre", "Date d'émission du titre"),
        "montant_encaisse": ("Encaissé", "Montant encaissé", "Recouvré", "Montant recouvré",
                             "Payé", "Montant payé", "Réglé", "Montant réglé", "Perçu",
                             "Montant perçu", "Encaissement", "Montant encaissement",
                             "Mt recouvré", "MtReco", "Total recouvré", "Total encaissé"),
        "date_encaissement": ("Date de recouvrement", "Date recouvrement", "Date de paiement",
                              "Date paiement", "Date de règlement", "Date règlement",
                              "Date d'encaissement",
                              "DteReco"),
    },
    "Membres": {
        "siren": ("N° SIREN", "Numéro SIREN", "SIREN du membre"),
        "nom": ("Raison sociale", "Dénomination", "Nom du membre", "Membre", "Organisme",
                "Collectivité"),
        "categorie": ("Catégorie de membre", "Type de membre"),
        "population": ("Population municipale", "Population totale", "Population INSEE",
                       "Nombre d'habitants", "Habitants"),
        "commune_rattachement": ("SIREN commune de rattachement",
                                 "SIREN de la commune de rattachement",
                                 "Commune de rattachement (SIREN)"),
        "date_adhesion": ("Adhésion", "Date d'adhésion", "Adhérent depuis"),
        "date_notification_retrait": ("Notification du retrait", "Notification retrait",
                                      "Date de notification du retrait",
                                      "Date de réception du retrait"),
        "role": ("Rôle dans le groupement", "Qualité"),
    },
    "Souscriptions": {
        "siren": ("N° SIREN", "Numéro SIREN", "SIREN du membre"),
        "prestation": ("Service", "Plateforme", "Prestation souscrite"),
        "date_debut": ("Début", "Date de début", "Début de souscription"),
        "date_fin": ("Fin", "Date de fin", "Fin de souscription"),
    },
    "Bareme": {
        "type_frais": ("Type", "Type frais"),
        "montant": ("Tarif", "Montant HT", "Montant TTC", "Prix", "Montant forfaitaire"),
        "population_min": ("Population minimum", "Population minimale", "Pop min",
                           "Population de"),
        "population_max": ("Population maximum", "Population maximale", "Pop max",
                           "Population à", "Population jusqu'à"),
        "valable_du": ("Valable à partir du", "Début de validité", "Date de début de validité",
                       "Date d'effet"),
        "valable_au": ("Valable jusqu'au", "Fin de validité", "Date de fin de validité"),
    },
    "Consultations": {
        "code": ("Code consultation", "N° consultation", "Référence consultation"),
        "debut_adhesion": ("Début de la période d'adhésion", "Ouverture des adhésions"),
        "fin_adhesion": ("Fin de la période d'adhésion", "Clôture des adhésions"),
        "date_lancement": ("Lancement", "Date de lancement"),
        "prestations": ("Services", "Prestations couvertes", "Services couverts"),
    },
    "Exonerations": {
        "siren": ("N° SIREN", "Numéro SIREN"),
        "type_frais": ("Type", "Type frais"),
        "exercice": ("Année",),
        "motif": ("Motif de l'exonération", "Raison"),
    },
}
