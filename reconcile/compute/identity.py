"""Who sends the documents and who collects the money, as the `Parametres` sheet says.
See spécification §2.9.

Statements and reminder letters print the coordinator, its address, the ordonnateur
who signs, the comptable public and its bank details, and the tribunal administratif
competent for recourse. None of it is written in the code: an organisation running the
tool prints its own. A key left blank prints a visible « à renseigner » naming the key,
so that a document is never sent with a made-up sender.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..read.parameters import IDENTITY_KEYS, SHEET, Parameters

PRIVATE = ("autre",)  # a private body: no mandat administratif (pes_aller CAT_NAT 50/06)
NAMES = (*(key.name for key in IDENTITY_KEYS), "deliberation")  # and the barème's vote


@dataclass(frozen=True)
class Identity:
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, parameters: Parameters | None) -> Identity:
        if parameters is None:
            defaults = {key.name: key.default for key in IDENTITY_KEYS}
            return cls(tuple((name, defaults.get(name)) for name in NAMES))
        return cls(tuple((name, parameters.get(name)) for name in NAMES))

    def get(self, name: str) -> object:
        return dict(self.values).get(name)

    def say(self, name: str) -> str:
        """The value, or « [à renseigner : clé X de la feuille Parametres] »."""
        value = self.get(name)
        if value is None or value == "":
            return f"[à renseigner : clé {name} de la feuille {SHEET} du barème]"
        return str(value)

    def missing(self) -> list[str]:
        """The identity keys left blank (the barème's délibération is optional)."""
        return [name for name, value in self.values
                if (value is None or value == "") and name != "deliberation"]

    @property
    def sender(self) -> str:
        """« Coordonnateur du groupement : <nom> », the documents' second line."""
        return f"Coordonnateur du groupement : {self.say('coordonnateur')}"

    def signature(self) -> tuple[str, str]:
        """The signatory's role, then name."""
        return self.say("qualite_ordonnateur"), self.say("ordonnateur")

    def payment(self, category: str = "") -> str:
        """How the debtor pays the comptable public: a public person by mandat
        administratif; a private body (category « autre », filed as such in the PES)
        cannot, and pays by virement, or as the avis des sommes à payer says when no
        bank details are given."""
        bank = (f"IBAN {self.say('iban')}, BIC {self.say('bic')}" if self.get("iban")
                else "")
        if category in PRIVATE:
            return ("Un organisme de droit privé règle par virement au compte du comptable "
                    "public" + (f" ({bank})" if bank else " (coordonnées bancaires sur "
                                "l'avis des sommes à payer)")
                    + ", en citant l'exercice et le numéro de chaque titre.")
        return ("Une collectivité ou un établissement public règle par mandat administratif "
                "au profit du comptable public, en citant pour chaque titre l'exercice, le "
                "numéro de bordereau et le numéro du titre (ci-dessus et sur l'avis des "
                "sommes à payer)." + (f" Par virement au compte du comptable public : {bank}."
                                      if bank else ""))

    def recourse(self) -> str:
        """Voies et délais de recours (CGCT L1617-5), naming the competent court."""
        return ("Voies et délais de recours : vous pouvez contester un titre de recettes "
                f"devant le {_lower_first(self.say('tribunal_administratif'))} dans un "
                "délai de deux mois à compter de sa notification (article L1617-5 du code "
                "général des collectivités territoriales). Passé ce délai, la somme ne peut "
                "plus être contestée.")


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text.startswith("Tribunal") else text
