"""Every kind of anomaly, declared once: stable code, severity, French title and a
one-line description (as frictionless-py's error catalogue does).

The code is what tests, the journal (counts per code) and the ``Code`` column of the
Anomalies sheets carry; the message of each anomaly says what to do about *that* cell.
``docs/catalogue.md`` is generated from here (``python -m reconcile.catalogue``) and a
test keeps it current. An anomaly whose code is not declared here cannot be built.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "erreur"
WARNING = "avertissement"


@dataclass(frozen=True)
class Kind:
    code: str
    severity: str  # ERROR, WARNING, or BOTH when the context decides (see description)
    title: str  # the French name of the problem, as a template's heading
    description: str  # when it arises and what the officer does

    def allows(self, severity: str) -> bool:
        return self.severity == BOTH or self.severity == severity


BOTH = "erreur ou avertissement"


_E, _W = ERROR, WARNING
KINDS: tuple[Kind, ...] = (
    # -- files (spécification §2.5) --------------------------------------------------
    Kind("dossier-absent", _E, "Dossier des entrées introuvable",
         "Le dossier indiqué par --inputs n'existe pas."),
    Kind("dossier-illisible", _E, "Dossier des entrées illisible",
         "Le dossier des entrées ne peut pas être parcouru (droits, boucle de liens)."),
    Kind("fichier-manquant", _E, "Fichier absent",
         "Un fichier obligatoire manque (ou « titres » manque alors qu'un fichier "
         "ressemblant est là) ; le message nomme les fichiers ressemblants."),
    Kind("fichier-double", _E, "Plusieurs fichiers du même nom",
         "Deux fichiers ont le même nom dans deux formats (membres.xlsx et membres.ods)."),
    Kind("fichier-ressemblant", _W, "Fichier ressemblant ignoré",
         "Un fichier au nom proche (« membres (1).xlsx ») est ignoré : vérifier lequel est "
         "à jour. Affiché à l'écran et dans la Synthèse."),
    Kind("fichier-illisible", _E, "Fichier illisible",
         "Le fichier ne peut pas être lu (droits insuffisants, erreur du disque)."),
    Kind("lien-casse", _E, "Lien symbolique cassé",
         "Le fichier est un lien symbolique vers rien, ou qui boucle."),
    Kind("fichier-trop-gros", _E, "Fichier trop gros",
         "Le fichier dépasse --max-fichier-mo ; il n'est pas lu."),
    Kind("fichier-vide", _E, "Fichier vide", "Le fichier fait 0 octet."),
    Kind("pas-un-classeur", _E, "Pas un classeur",
         "Le contenu n'est pas un classeur Excel ou LibreOffice (un CSV illisible est "
         "« csv-illisible »)."),
    Kind("fichier-corrompu", _E, "Fichier endommagé",
         "L'archive ou le XML du classeur est illisible : l'exporter à nouveau."),
    Kind("decompression-excessive", _E, "Contenu décompressé trop gros",
         "Le classeur décompressé dépasse --max-decompresse-mo."),
    Kind("bombe-zip", _E, "Bombe zip",
         "Un élément du classeur se décompresse plus de 100 fois : fichier refusé."),
    Kind("xml-entites", _E, "DTD ou entités XML",
         "Le XML déclare une DTD ou des entités, ce qu'aucun classeur ne fait : refusé."),
    Kind("protege-mot-de-passe", _E, "Classeur protégé par mot de passe",
         "Enregistrer une copie sans mot de passe."),
    Kind("lecteur-arrete", _E, "Lecture impossible",
         "La lecture d'un .xls ou .ods a échoué dans son processus séparé."),
    Kind("plage-trop-grande", _E, "Cellules remplies trop loin",
         "Une cellule est remplie au-delà de --max-lignes ou de la colonne 200."),
    Kind("csv-illisible", _E, "CSV illisible",
         "Un fichier CSV n'a pas de séparateur, a un guillemet non fermé, contient des "
         "octets nuls ou un encodage autre que UTF-8 ou Windows-1252."),
    # -- sheets and headers (§2.5, §2.6) ----------------------------------------------
    Kind("feuille-manquante", _E, "Feuille absente",
         "Une feuille attendue manque dans un classeur de plusieurs feuilles."),
    Kind("feuille-masquee", _W, "Feuille masquée",
         "La feuille lue est masquée dans le classeur ; elle est lue quand même."),
    Kind("feuille-vide", _E, "Feuille vide", "La feuille n'a aucune ligne d'en-tête."),
    Kind("ligne-total", _W, "Ligne de total ignorée",
         "Une ligne « Total » ou « Sous-total » (sommes, formules ou vide ailleurs) est "
         "ignorée : ses montants ne sont pas comptés."),
    Kind("lignes-masquees", _W, "Lignes masquées lues",
         "Des lignes masquées ou filtrées sont lues quand même ; la feuille Contrôle en "
         "donne le nombre."),
    Kind("colonne-double", _E, "Colonne en double",
         "Deux en-têtes désignent la même colonne."),
    Kind("colonne-synonyme-ignoree", _W, "Deux en-têtes pour une colonne",
         "Deux en-têtes usuels désignent la même colonne (« Montant TTC » et « Montant "
         "HT ») : le nom du modèle, sinon le premier synonyme de la table, est lu."),
    Kind("colonne-inconnue", _W, "Colonne inconnue",
         "Un en-tête ne désigne aucune colonne attendue : la colonne est ignorée."),
    Kind("colonnes-manquantes", _E, "Colonnes obligatoires absentes",
         "Le message nomme chaque colonne manquante, les en-têtes trouvés et l'en-tête le "
         "plus proche."),
    Kind("colonne-non-reconnue", _E, "Colonne non reconnue à la place d'une colonne utile",
         "Une colonne facultative qui change un montant manque et une colonne non "
         "reconnue lui ressemble : renommer l'en-tête ou ajouter la colonne."),
    Kind("colonne-absente", _W, "Colonne facultative absente",
         "Une colonne facultative qui change un montant manque ; le message dit ce que "
         "cela signifie. Affiché à l'écran et dans la Synthèse."),
    # -- cells (§2.7) -----------------------------------------------------------------
    Kind("valeur-texte", _E, "Texte illisible", "Cellule de texte illisible."),
    Kind("valeur-code", _E, "Code illisible",
         "Cellule de code illisible, en erreur, formule sans valeur ou fusionnée."),
    Kind("valeur-siren", _E, "SIREN illisible",
         "Pas 9 chiffres, SIRET au lieu de SIREN, ou SIREN qui n'existe pas (clé fausse) ; "
         "ou cellule en erreur, formule sans valeur, cellule fusionnée."),
    Kind("valeur-date", _E, "Date illisible",
         "Date impossible, ambiguë, hors 1900–2199, nombre sans format de date ; ou "
         "cellule en erreur, formule sans valeur, cellule fusionnée."),
    Kind("valeur-montant", _E, "Montant illisible",
         "Texte qui n'est pas un montant, plus de 2 décimales, plus d'un milliard ; ou "
         "cellule en erreur, formule sans valeur, cellule fusionnée."),
    Kind("valeur-entier", _E, "Nombre entier illisible",
         "Texte qui n'est pas un nombre entier (« 50 000 et + »), décimales ; ou cellule "
         "en erreur, formule sans valeur, cellule fusionnée."),
    # -- per-sheet rules (pandera schemas, §2.1–§2.4) -----------------------------------
    Kind("obligatoire-manquant", _E, "Valeur obligatoire manquante",
         "Une cellule d'une colonne obligatoire est vide."),
    Kind("en-double", _E, "Valeur en double",
         "Une valeur qui doit être unique (SIREN, numéro de titre, code) se répète."),
    Kind("code-inconnu", _E, "Valeur hors de la liste",
         "Catégorie, prestation, rôle ou type de frais hors de la liste admise."),
    Kind("negatif", _E, "Valeur négative",
         "Population, montant ou encaissement négatif."),
    Kind("hors-limites", _E, "Valeur hors limites", "Exercice hors de 2000–2100."),
    Kind("dates-dans-le-desordre", _E, "Dates ou bornes dans le désordre",
         "Fin avant début (validité, adhésion, lancement) ou maximum sous le minimum."),
    # -- cross-sheet rules (§2, §3.7) ---------------------------------------------------
    Kind("population-manquante", _E, "Population manquante",
         "Commune ou EPCI sans population, ou membre sans population alors que les "
         "lignes du barème ont des tranches."),
    Kind("rattachement-manquant", _E, "Commune de rattachement manquante",
         "CCAS ou caisse des écoles sans commune de rattachement."),
    Kind("rattachement-pas-commune", _E, "Rattachement à autre chose qu'une commune",
         "La commune de rattachement figure dans membres avec une autre catégorie."),
    Kind("plusieurs-coordonnateurs", _E, "Plusieurs coordonnateurs",
         "Plus d'un membre a le rôle coordonnateur."),
    Kind("siren-inconnu", _E, "SIREN absent du fichier membres",
         "Une souscription nomme un SIREN qui n'est pas membre."),
    Kind("fin-avant-adhesion", _E, "Fin avant l'adhésion",
         "Une souscription sans début se termine avant l'adhésion du membre."),
    Kind("souscriptions-chevauchees", _E, "Souscriptions qui se chevauchent",
         "Deux souscriptions du même membre à la même prestation se recouvrent."),
    Kind("sans-souscription", _W, "Membre sans souscription",
         "Un membre n'a aucune souscription."),
    Kind("bareme-chevauchement", _E, "Lignes du barème qui se chevauchent",
         "Même type, catégorie et prestation, tranches et validités qui se recouvrent."),
    Kind("bareme-non-couvert", _E, "Membre qu'aucune ligne du barème ne couvre",
         "Jamais un 0 silencieux : compléter le barème (spécification §3.7)."),
    Kind("prestation-inconnue", _E, "Prestation inconnue",
         "Une consultation cite une prestation hors de la liste."),
    Kind("adhesion-hors-periode", _W, "Adhésion hors période",
         "Adhésion hors de toute période d'adhésion (R5) : le membre participera à la "
         "consultation suivante."),
    Kind("exoneration-siren-inconnu", _W, "Exonération d'un non-membre",
         "Une exonération nomme un SIREN absent de membres : elle ne s'applique à "
         "personne."),
    Kind("consultation-manquante", _E, "Consultation manquante",
         "Un titre de type 1 sans consultation."),
    Kind("consultation-inconnue", _E, "Consultation inconnue",
         "Un titre de type 1 cite une consultation absente du barème."),
    Kind("consultation-type-2", _E, "Consultation sur un titre de type 2",
         "Un titre de type 2 porte une consultation."),
    Kind("titre-hors-membres", _W, "Titre d'un non-membre",
         "Un titre nomme un SIREN absent de membres (statut « membre inconnu », pas de "
         "relevé)."),
    # -- PES Retour files and the Parametres sheet (docs/pes.md) -------------------------
    Kind("xml-dtd", _E, "DTD ou entités XML dans un PES",
         "Le fichier XML déclare une DTD ou des entités : refusé."),
    Kind("xml-illisible", _E, "XML endommagé", "Le fichier XML est tronqué ou mal formé."),
    Kind("xml-ignore", _W, "XML ignoré",
         "Un fichier .xml du dossier n'est pas un PES Retour de recettes."),
    Kind("code-produit-inconnu", _E, "Code produit inconnu",
         "Le CodProdLoc d'une ligne n'est ni code_produit_type_1 ni code_produit_type_2."),
    Kind("code-produit-manquant", _E, "Code produit manquant",
         "Une ligne de pièce n'a pas de CodProdLoc."),
    Kind("debiteur-manquant", _E, "Débiteur manquant", "Une ligne n'a pas d'IdTiers."),
    Kind("debiteur-invalide", _E, "Identifiant du débiteur invalide",
         "L'IdTiers n'est pas un SIRET ou un SIREN valide."),
    Kind("debiteur-non-siren", _E, "Débiteur sans SIREN",
         "La nature d'identifiant n'est ni 01 (SIRET) ni 02 (SIREN)."),
    Kind("ligne-en-double", _E, "Ligne de titre en double",
         "La même ligne de titre figure deux fois dans un même flux."),
    Kind("titre-en-double", _E, "Titre dans deux sources",
         "Un titre figure à la fois dans titres.xlsx et dans un PES Retour."),
    Kind("valeur-invalide", _E, "Valeur illisible dans un PES",
         "Un élément du PES (montant, date, exercice) est illisible."),
    Kind("valeur-manquante", _E, "Valeur manquante dans un PES",
         "Un élément obligatoire du PES manque."),
    Kind("parametre-inconnu", _W, "Paramètre inconnu",
         "Une clé de la feuille Parametres n'est pas reconnue : ignorée."),
    Kind("parametre-invalide", _E, "Paramètre invalide",
         "La valeur d'un paramètre est illisible ou hors limites."),
    Kind("parametre-manquant", BOTH, "Paramètre manquant",
         "Une clé nécessaire à une fonction manque : erreur quand la fonction est "
         "utilisée (PES Retour), avertissement quand elle n'est simplement pas produite."),
    Kind("pes-invalide", _W, "PES Aller non écrit",
         "Le PES Aller produit n'est pas conforme au schéma : il n'est pas écrit."),
    Kind("reduction-hors-pes", _W, "Réduction à saisir à la main",
         "Le titre d'origine d'une réduction n'a pas de numéro utilisable dans le PES."),
    Kind("siren-complete", _W, "SIREN de moins de 9 chiffres",
         "Un SIREN saisi avec moins de 9 chiffres est lu complété par des zéros à gauche "
         "(Excel les efface d'un nombre) : vérifier le numéro, le saisir comme du texte."),
    Kind("relance-prescrit", _W, "Titre prescrit non relancé",
         "Un titre en retard est prescrit : aucune lettre ne le réclame ; examiner avec le "
         "comptable une admission en non-valeur."),
    # -- the run ----------------------------------------------------------------------
    Kind("evolutions-illisibles", _W, "Rapport du mois précédent illisible",
         "La feuille Évolutions n'est pas produite."),
    Kind("rapport-final-illisible", _W, "Rapport final illisible",
         "Le rapport final d'un exercice antérieur est illisible : l'exercice est traité "
         "comme sans rapport."),
)

CATALOGUE: dict[str, Kind] = {kind.code: kind for kind in KINDS}
assert len(CATALOGUE) == len(KINDS), "a code is declared twice"

# How a cell of each kind (schemas.spec.KINDS) that cannot be read is coded.
UNREADABLE = {"text": "valeur-texte", "code": "valeur-code", "siren": "valeur-siren",
              "date": "valeur-date", "amount": "valeur-montant", "integer": "valeur-entier"}


def undeclared(code: str, severity: str) -> str | None:
    """Why an anomaly with this code and severity cannot be built, if it cannot."""
    kind = CATALOGUE.get(code)
    if kind is None:
        return f"code d'anomalie non déclaré dans reconcile/catalogue.py : {code}"
    if not kind.allows(severity):
        return f"gravité {severity} contraire au catalogue pour {code}"
    return None


def markdown() -> str:
    """The catalogue as the table of ``docs/catalogue.md``."""
    lines = ["# Catalogue des anomalies", "",
             "Généré depuis `reconcile/catalogue.py` par `python -m reconcile.catalogue > "
             "docs/catalogue.md` ; un test vérifie qu'il est à jour. Le code figure dans la "
             "colonne `Code` des feuilles Anomalies et, compté, dans le journal.", "",
             "| code | gravité | anomalie | quand, et que faire |", "|---|---|---|---|"]
    lines += [f"| `{k.code}` | {k.severity} | {k.title} | {k.description} |" for k in KINDS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
