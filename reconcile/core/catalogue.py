"""Every kind of anomaly, declared once: stable code, severity, French title and a
one-line description (as frictionless-py's error catalogue does).

The code is what tests, the journal (counts per code) and the ``Code`` column of the
Anomalies sheets carry; the message of each anomaly says what to do about *that* cell.
``docs/catalogue.md`` is generated from here (``python -m reconcile.core.catalogue``) and a
test keeps it current.

The catalogue cannot be bypassed (choix C-102): an anomaly is made from its kind with
its place, ``CATALOGUE[code].at(file, sheet, row, column, value=…, **values)``, which
takes the severity and the prominence from the kind and the message from its template;
``Anomaly`` itself refuses a code the catalogue does not declare or a severity the kind
does not allow, in every run, not only in tests.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from .vocabulary import Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING
BOTH = "erreur ou avertissement"

# A kind whose sentence depends on the site (« pas-un-classeur »: a zip without a
# workbook, a text file, an unknown format) is worded there and passed as ``detail``.
DETAIL = "{detail}"


@dataclass(frozen=True, order=True)
class Anomaly:
    """One problem, located as the officer would find it in Excel.

    ``row`` is the row number Excel shows (header = 1), ``None`` for a whole-file or
    whole-sheet problem; ``column`` is the header as written in the file (or the
    expected name when the column is missing). Built by :meth:`Kind.at`.
    """

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    severity: str
    code: str
    message: str

    def __post_init__(self) -> None:
        problem = undeclared(self.code, self.severity)
        if problem:
            raise ValueError(problem)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def is_prominent(self) -> bool:
        """Shown on screen and in the Synthèse, never only in the Anomalies sheet."""
        return CATALOGUE[self.code].prominent


@dataclass(frozen=True)
class Kind:
    code: str
    severity: str  # ERROR, WARNING, or BOTH when the context decides (see description)
    title: str  # the French name of the problem, as a template's heading
    description: str  # when it arises and what the officer does
    template: str = DETAIL  # the message, its fields filled by ``at``'s values
    prominent: bool = False  # a warning that changes what the figures mean

    def allows(self, severity: str) -> bool:
        return self.severity == BOTH or self.severity == severity

    @property
    def fields(self) -> frozenset[str]:
        """The names the template needs, each given to ``at`` as a keyword."""
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.template)
                         if name)

    def at(self, file: str, sheet: str = "", row: int | None = None, column: str = "", *,
           value: Any = "", severity: str | None = None, **values: Any) -> Anomaly:
        """This kind of problem at one place: the message is the template filled with
        ``values`` (exactly its fields); ``severity`` is only chosen for a kind declared
        BOTH, where the context decides."""
        if set(values) != self.fields:
            raise ValueError(f"{self.code} : valeurs {sorted(values)} au lieu de "
                             f"{sorted(self.fields)}")
        if (severity is None) != (self.severity != BOTH):
            raise ValueError(f"{self.code} : gravité {severity} ; le catalogue dit "
                             f"{self.severity}")
        return Anomaly(file, sheet, row, column, "" if value is None else str(value),
                       severity or self.severity, self.code, self.template.format(**values))


_E, _W = ERROR, WARNING
KINDS: tuple[Kind, ...] = (
    # -- files (spécification §2.5) --------------------------------------------------
    Kind("dossier-absent", _E, "Dossier des entrées introuvable",
         "Le dossier indiqué par --inputs n'existe pas."),
    Kind("dossier-illisible", _E, "Dossier des entrées illisible",
         "Le dossier des entrées ne peut pas être parcouru (droits, boucle de liens).",
         template="dossier des entrées illisible ({folder}) : {why}"),
    Kind("fichier-manquant", _E, "Fichier absent",
         "Un fichier obligatoire manque (ou « titres » manque alors qu'un fichier "
         "ressemblant est là) ; le message nomme les fichiers ressemblants."),
    Kind("fichier-double", _E, "Plusieurs fichiers du même nom",
         "Deux fichiers ont le même nom dans deux formats (membres.xlsx et membres.ods).",
         template="plusieurs fichiers « {stem} » : {names} ; n'en garder qu'un dans le dossier"),
    Kind("fichier-ressemblant", _W, "Fichier ressemblant ignoré",
         "Un fichier au nom proche (« membres (1).xlsx ») est ignoré : vérifier lequel est "
         "à jour. Affiché à l'écran et dans la Synthèse.",
         prominent=True),
    Kind("fichier-illisible", _E, "Fichier illisible",
         "Le fichier ne peut pas être lu (droits insuffisants, erreur du disque).",
         template="fichier illisible : {why}"),
    Kind("fichier-modifie-pendant-lecture", _W, "Fichier modifié pendant sa lecture",
         "La taille, la date de modification ou l'identité du fichier ont changé pendant "
         "qu'il était lu (un enregistrement en cours) : le rapport est calculé sur les "
         "octets lus, dont Contrôle donne l'empreinte. Relancer une fois le fichier "
         "enregistré. Affiché à l'écran et dans la Synthèse.", prominent=True),
    Kind("lien-casse", _E, "Lien symbolique cassé",
         "Le fichier est un lien symbolique vers rien, ou qui boucle."),
    Kind("fichier-trop-gros", _E, "Fichier trop gros",
         "Le fichier dépasse --max-fichier-mo ; il n'est pas lu.",
         template=("fichier de {size_mo:.1f} Mo, au-delà de la limite de {limit_mo:.0f} Mo "
                  "(option --max-fichier-mo)")),
    Kind("fichier-vide", _E, "Fichier vide", "Le fichier fait 0 octet."),
    Kind("pas-un-classeur", _E, "Pas un classeur",
         "Le contenu n'est pas un classeur Excel ou LibreOffice (un CSV illisible est "
         "« csv-illisible »)."),
    Kind("fichier-corrompu", _E, "Fichier endommagé",
         "L'archive ou le XML du classeur est illisible : l'exporter à nouveau.",
         template=("fichier endommagé ou incomplet : l'ouvrir dans Excel ou LibreOffice pour "
                  "vérifier, ou l'exporter à nouveau")),
    Kind("decompression-excessive", _E, "Contenu décompressé trop gros",
         "Le classeur décompressé dépasse --max-decompresse-mo.",
         template=("le contenu décompressé ferait {size_mo:.0f} Mo, au-delà de la limite de "
                  "{limit_mo:.0f} Mo (option --max-decompresse-mo)")),
    Kind("bombe-zip", _E, "Bombe zip",
         "Un élément du classeur se décompresse plus de 100 fois : fichier refusé.",
         template=("« {part} » se décompresse {ratio} fois (limite {limit}) : fichier "
                   "suspect, refusé")),
    Kind("xml-entites", _E, "DTD ou entités XML",
         "Le XML déclare une DTD ou des entités, ce qu'aucun classeur ne fait : refusé.",
         template=("« {part} » déclare une DTD ou des entités XML, ce qu'aucun classeur "
                  "légitime ne fait : fichier refusé")),
    Kind("protege-mot-de-passe", _E, "Classeur protégé par mot de passe",
         "Enregistrer une copie sans mot de passe.",
         template="classeur protégé par mot de passe : enregistrer une copie sans mot de passe"),
    Kind("lecteur-arrete", _E, "Lecture impossible",
         "La lecture d'un .xls ou .ods a échoué dans son processus séparé.",
         template=("la lecture de ce fichier a échoué (structure anormale ou trop grande) : "
                  "l'ouvrir dans Excel ou LibreOffice et l'enregistrer au format .xlsx")),
    Kind("plage-trop-grande", _E, "Cellules remplies trop loin",
         "Une cellule est remplie au-delà de --max-lignes ou de la colonne 200.",
         template=("la feuille a {where} : supprimer les cellules remplies par erreur loin du "
                  "tableau, ou augmenter la limite si le tableau est vraiment si grand")),
    Kind("csv-illisible", _E, "CSV illisible",
         "Un fichier CSV n'a pas de séparateur, a un guillemet non fermé, contient des "
         "octets nuls ou un encodage autre que UTF-8 ou Windows-1252."),
    # -- sheets and headers (§2.5, §2.6) ----------------------------------------------
    Kind("feuille-manquante", _E, "Feuille absente",
         "Une feuille attendue manque dans un classeur de plusieurs feuilles.",
         template=("feuille « {wanted} » introuvable (feuilles présentes : {found}) : renommer "
                  "la feuille en « {wanted} »")),
    Kind("feuille-masquee", _W, "Feuille masquée",
         "La feuille lue est masquée dans le classeur ; elle est lue quand même.",
         template="Cette feuille est masquée dans le classeur : elle est lue quand même."),
    Kind("feuille-vide", _E, "Feuille vide", "La feuille n'a aucune ligne d'en-tête.",
         template="feuille vide : aucune ligne d'en-tête ; colonnes attendues : {expected}"),
    Kind("ligne-total", _W, "Ligne de total ignorée",
         "Une ligne « Total » ou « Sous-total » (sommes, formules ou vide ailleurs) est "
         "ignorée : ses montants ne sont pas comptés.",
         template=("La ligne {line} (« {label} ») est une ligne de total : elle est ignorée, ses "
                  "montants ne sont pas comptés.")),
    Kind("lignes-masquees", _W, "Lignes masquées lues",
         "Des lignes masquées ou filtrées sont lues quand même ; la feuille Contrôle en "
         "donne le nombre.",
         template=("Dans cette feuille, {rows} comme les autres : vérifier qu'elles doivent "
                  "compter (la feuille Contrôle du rapport en donne le nombre).")),
    Kind("colonne-double", _E, "Colonne en double",
         "Deux en-têtes désignent la même colonne.",
         template="colonne « {header} » en double (déjà colonne « {first} ») : n'en garder qu'une"),
    Kind("colonne-synonyme-ignoree", _W, "Deux en-têtes pour une colonne",
         "Deux en-têtes usuels désignent la même colonne (« Montant TTC » et « Montant "
         "HT ») : le nom du modèle, sinon le premier synonyme de la table, est lu.",
         template=("Les colonnes « {kept} » et « {dropped} » désignent toutes deux « {name} » "
                  ": « {kept} » est lue, « {dropped} » est ignorée.")),
    Kind("colonne-inconnue", _W, "Colonne inconnue",
         "Un en-tête ne désigne aucune colonne attendue : la colonne est ignorée.",
         template="La colonne « {header} » est inconnue : elle est ignorée."),
    Kind("colonnes-manquantes", _E, "Colonnes obligatoires absentes",
         "Le message nomme chaque colonne manquante, les en-têtes trouvés et l'en-tête le "
         "plus proche."),
    Kind("colonne-non-reconnue", _E, "Colonne non reconnue à la place d'une colonne utile",
         "Une colonne facultative qui change un montant manque et une colonne non "
         "reconnue lui ressemble : renommer l'en-tête ou ajouter la colonne.",
         template=("Colonne {found} non reconnue et colonne « {header} » absente : si c'est "
                  "elle, renommer l'en-tête en « {header} » ; sinon, ajouter une colonne « "
                  "{header} » (sans elle, {meaning}).")),
    Kind("colonne-absente", _W, "Colonne facultative absente",
         "Une colonne facultative qui change un montant manque ; le message dit ce que "
         "cela signifie. Affiché à l'écran et dans la Synthèse.",
         template="Colonne « {header} » absente : {meaning}. L'ajouter si ce n'est pas voulu.",
         prominent=True),
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
    Kind("code-postal-invalide", _E, "Code postal invalide",
         "Le code postal d'un membre n'a pas 5 chiffres (saisi comme un nombre, il a perdu "
         "son zéro de tête)."),
    Kind("hors-limites", _E, "Valeur hors limites", "Exercice hors de 2000–2100."),
    Kind("dates-dans-le-desordre", _E, "Dates ou bornes dans le désordre",
         "Fin avant début (validité, adhésion, lancement) ou maximum sous le minimum."),
    # -- cross-sheet rules (§2, §3.7) ---------------------------------------------------
    Kind("population-manquante", _E, "Population manquante",
         "Commune ou EPCI sans population, ou membre sans population alors que les "
         "lignes du barème ont des tranches."),
    Kind("rattachement-manquant", _E, "Commune de rattachement manquante",
         "CCAS ou caisse des écoles sans commune de rattachement.",
         template="commune de rattachement obligatoire pour un CCAS ou une caisse des écoles"),
    Kind("rattachement-pas-commune", _E, "Rattachement à autre chose qu'une commune",
         "La commune de rattachement figure dans membres avec une autre catégorie.",
         template=("la commune de rattachement est dans membres avec la catégorie « {category} » "
                  ": elle doit être une commune")),
    Kind("plusieurs-coordonnateurs", _E, "Plusieurs coordonnateurs",
         "Plus d'un membre a le rôle coordonnateur.",
         template="plusieurs coordonnateurs (lignes {rows}) : il n'y en a qu'un"),
    Kind("siren-inconnu", _E, "SIREN absent du fichier membres",
         "Une souscription nomme un SIREN qui n'est pas membre.",
         template="SIREN absent du fichier membres : ajouter le membre ou corriger le SIREN"),
    Kind("fin-avant-adhesion", _E, "Fin avant l'adhésion",
         "Une souscription sans début se termine avant l'adhésion du membre.",
         template=("date de fin antérieure à la date d'adhésion du membre (début par défaut de "
                  "la souscription)")),
    Kind("souscriptions-chevauchees", _E, "Souscriptions qui se chevauchent",
         "Deux souscriptions du même membre à la même prestation se recouvrent.",
         template=("souscription chevauchant une autre pour le même membre et la prestation « "
                  "{service} »")),
    Kind("sans-souscription", _W, "Membre sans souscription",
         "Un membre n'a aucune souscription.",
         template="Ce membre n'a aucune souscription."),
    Kind("bareme-chevauchement", _E, "Lignes du barème qui se chevauchent",
         "Même type, catégorie et prestation, tranches et validités qui se recouvrent.",
         template=("chevauche la ligne {other} (même type, catégorie et prestation, tranches de "
                  "population et périodes de validité qui se recouvrent)")),
    Kind("bareme-non-couvert", _E, "Membre qu'aucune ligne du barème ne couvre",
         "Jamais un 0 silencieux : compléter le barème (spécification §3.7).",
         template=("aucune ligne du barème {what} ne couvre ce membre (catégorie « {category} »"
                  "{population}) : compléter le barème")),
    Kind("prestation-inconnue", _E, "Prestation inconnue",
         "Une consultation cite une prestation hors de la liste.",
         template="prestation(s) inconnue(s) : {unknown} ; valeurs admises : {known}"),
    Kind("adhesion-hors-periode", _W, "Adhésion hors période",
         "Adhésion hors de toute période d'adhésion (R5) : le membre participera à la "
         "consultation suivante.",
         template=("Adhésion hors de toute période d'adhésion : le membre participera à la "
                  "prochaine consultation dont la période se termine après.")),
    Kind("exoneration-siren-inconnu", _W, "Exonération d'un non-membre",
         "Une exonération nomme un SIREN absent de membres : elle ne s'applique à "
         "personne.",
         template=("Ce SIREN est absent du fichier membres : cette exonération ne s'applique "
                  "à personne (faute de frappe ?).")),
    Kind("consultation-manquante", _E, "Consultation manquante",
         "Un titre de type 1 sans consultation."),
    Kind("consultation-inconnue", _E, "Consultation inconnue",
         "Un titre de type 1 cite une consultation absente du barème."),
    Kind("consultation-type-2", _E, "Consultation sur un titre de type 2",
         "Un titre de type 2 porte une consultation.",
         template=("un titre de type 2 (frais de fonctionnement) ne porte pas de consultation : "
                  "laisser la cellule vide")),
    Kind("titre-hors-membres", _W, "Titre d'un non-membre",
         "Un titre nomme un SIREN absent de membres (statut « membre inconnu », pas de "
         "relevé).",
         template=("Ce SIREN ne figure pas dans le fichier membres : le titre est rapproché "
                  "avec le statut « membre inconnu » et aucun relevé n'est produit pour ce "
                  "SIREN.")),
    # -- PES Retour files and the Parametres sheet (docs/pes.md) -------------------------
    Kind("xml-dtd", _E, "DTD ou entités XML dans un PES",
         "Le fichier XML déclare une DTD ou des entités : refusé."),
    Kind("xml-illisible", _E, "XML endommagé", "Le fichier XML est tronqué ou mal formé.",
         template=("fichier XML endommagé ou tronqué{line} : {error} ; demander au comptable un "
                  "nouvel envoi du flux")),
    Kind("xml-ignore", _W, "XML ignoré",
         "Un fichier .xml du dossier n'est pas un PES Retour de recettes.",
         template=("fichier XML ignoré : ce n'est pas un PES Retour de recettes (racine "
                  "« {root} »)")),
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
         "Une clé de la feuille Parametres n'est pas reconnue : ignorée.",
         template="paramètre inconnu, ignoré ; paramètres admis : {known}"),
    Kind("parametre-invalide", _E, "Paramètre invalide",
         "La valeur d'un paramètre est illisible ou hors limites.",
         template="{name} : {error}"),
    Kind("parametre-manquant", BOTH, "Paramètre manquant",
         "Une clé nécessaire à une fonction manque : erreur quand la fonction est "
         "utilisée (PES Retour), avertissement quand elle n'est simplement pas produite.",
         template=("{feature} : paramètre(s) manquant(s) dans la feuille {sheet_name} du "
                  "barème : {names}")),
    Kind("pes-invalide", _W, "PES Aller non écrit",
         "Le PES Aller produit n'est pas conforme au schéma : il n'est pas écrit.",
         template="PES Aller non écrit : non conforme au schéma {version} ({problems})"),
    Kind("reduction-hors-pes", _W, "Réduction à saisir à la main",
         "Le titre d'origine d'une réduction n'a pas de numéro utilisable dans le PES.",
         template="hors du PES Aller, à saisir à la main : {line}"),
    Kind("adresse-manquante", _W, "Débiteur sans adresse",
         "Un membre à qui le PES Aller adresse un titre n'a pas d'adresse complète (adresse, "
         "code postal, ville) dans membres : le PES Aller n'est pas écrit, le rapport l'est."),
    Kind("pes-regle", _W, "PES Aller contraire au dossier technique",
         "Le PES Aller produit enfreint une règle de rejet du dossier technique PES V2 "
         "(v5.19) : il n'est pas écrit."),
    Kind("pes-retour-hors-perimetre", _W, "Lignes du PES Retour qui ne sont pas les nôtres",
         "Lignes d'un PES Retour d'un autre produit, d'un autre budget ou d'un débiteur sans "
         "SIREN (particulier) : comptées et ignorées, jamais recopiées."),
    Kind("encaissement-sans-titre", _W, "Encaissement avant titre (P503)",
         "Hélios a reçu de l'argent avant tout titre et demande d'en émettre un (bordereau "
         "P503) : à émettre par l'ordonnateur."),
    Kind("pes-envoye-illisible", _W, "PES Aller déjà écrit illisible",
         "Un PES Aller du dossier des rapports ne se relit pas : ses numéros et ses lignes "
         "ne servent ni à la numérotation ni à reconnaître nos lignes dans un PES Retour."),
    Kind("acquit-rejet", _W, "Flux ou bordereau rejeté par Hélios",
         "Un acquit (PES_ACQUIT) dit qu'Hélios a rejeté un PES Aller ou un de ses "
         "bordereaux : ses titres repassent « à émettre »."),
    Kind("acquit-illisible", BOTH, "Acquit illisible",
         "Un fichier PES_ACQUIT du dossier des entrées n'a pas la forme attendue (erreur) "
         "ou ne porte aucun élément (avertissement)."),
    Kind("numero-deja-utilise", _W, "Numéro déjà utilisé",
         "prochain_titre ou prochain_bordereau de Parametres désigne un numéro déjà "
         "utilisé dans l'exercice (PES Aller déjà écrit, titres, PES Retour) : la "
         "numérotation reprend après le plus grand numéro utilisé."),
    Kind("pes-aller-deja-ecrit", _W, "PES Aller du mois déjà écrit",
         "Le PES Aller du mois existe déjà et celui de cette exécution serait différent : "
         "il n'est pas remplacé sans l'option --reemettre (réémission explicite)."),
    Kind("siren-complete", _W, "SIREN de moins de 9 chiffres",
         "Un SIREN saisi avec moins de 9 chiffres est lu complété par des zéros à gauche "
         "(Excel les efface d'un nombre) : vérifier le numéro, le saisir comme du texte."),
    Kind("relance-prescrit", _W, "Titre prescrit non relancé",
         "Un titre en retard est prescrit : aucune lettre ne le réclame ; examiner avec le "
         "comptable une admission en non-valeur."),
    # -- the run ----------------------------------------------------------------------
    Kind("evolutions-illisibles", _W, "Rapport du mois précédent illisible",
         "La feuille Évolutions n'est pas produite.",
         template=("Le rapport du mois précédent est illisible ({error}) : la feuille "
                  "Évolutions n'est pas produite.")),
    Kind("rapport-final-illisible", _W, "Rapport final illisible",
         "Le rapport final d'un exercice antérieur est illisible : l'exercice est traité "
         "comme sans rapport.",
         template="rapport final de l'exercice {exercise} illisible ({error}) : dû non connu"),
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
        return f"code d'anomalie non déclaré dans reconcile/core/catalogue.py : {code}"
    if not kind.allows(severity):
        return f"gravité {severity} contraire au catalogue pour {code}"
    return None


def _shown(template: str) -> str:
    """A template in a Markdown cell: « (selon le cas) » for a site's own sentence."""
    return "(selon le cas)" if template == DETAIL else template.replace("|", "\\|")


def markdown() -> str:
    """The catalogue as the table of ``docs/catalogue.md``."""
    lines = ["# Catalogue des anomalies", "",
             "Généré depuis `reconcile/core/catalogue.py` par "
             "`python -m reconcile.core.catalogue > docs/catalogue.md` ; un test vérifie "
             "qu'il est à jour. Le code figure dans la colonne `Code` des feuilles "
             "Anomalies et, compté, dans le journal.", "",
             "La colonne « message » donne le modèle du message, ses champs entre accolades "
             "remplis à chaque anomalie ; « (selon le cas) » : la phrase est écrite là où "
             "l'anomalie est trouvée. « mis en avant » : affiché à l'écran et dans la "
             "Synthèse, pas seulement dans la feuille Anomalies.", "",
             "| code | gravité | anomalie | quand, et que faire | message |",
             "|---|---|---|---|---|"]
    lines += [f"| `{k.code}` | {k.severity}{', mis en avant' if k.prominent else ''} | "
              f"{k.title} | {k.description} | {_shown(k.template)} |" for k in KINDS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
