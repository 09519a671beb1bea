"""Staff commands for the knowledge file.

python -m actions.knowledge check            validate, print the coverage table
python -m actions.knowledge review [--out F] write the review sheet (Markdown; reads CLINIC_PAGE)
python -m actions.knowledge nlu [--out F]    write the NLU vocabulary (synonyms, lookups)
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from actions.knowledge.loader import KnowledgeError, load_knowledge
from actions.knowledge.page import clinic_page_path, page_sections
from actions.knowledge.schema import ASPECTS, EXTRA_FACTS, KnowledgeBase

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REVIEW_SHEET = REPO_ROOT / "docs" / "review-sheet.md"
DEFAULT_NLU_VOCABULARY = REPO_ROOT / "data" / "nlu" / "vocabulary.yml"
DOMAIN_FILE = REPO_ROOT / "domain.yml"

COLUMN_TITLES = {
    "purpose": "à quoi ça sert",
    "how_it_is_done": "déroulement",
    "duration": "durée",
    "anaesthesia": "anesthésie",
    "hospital_stay": "séjour",
    "risks": "risques",
    "who_decides": "qui décide",
    "urgency": "urgence",
    "organs_concerned": "organes",
    "location": "lieu",
    "alternatives": "autres possibilités",
    "delay": "délai",
}


def coverage_table(knowledge: KnowledgeBase) -> str:
    """Which procedure lacks which fact: what to ask the radiologists for."""
    columns = [*ASPECTS, *EXTRA_FACTS]
    header = ["geste", *(COLUMN_TITLES[c] for c in columns)]
    rows = []
    for procedure in knowledge.procedures:
        cells = [procedure.id]
        for column in columns:
            fact = getattr(procedure.facts, column)
            if fact.by_organ:
                cells.append("oui (" + ", ".join(fact.by_organ) + ")")
            else:
                cells.append("oui" if fact.is_known else "—")
        rows.append(cells)
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def render(line: List[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    missing = []
    for procedure in knowledge.procedures:
        unknown = [COLUMN_TITLES[a] for a in ASPECTS if not getattr(procedure.facts, a).is_known]
        if unknown:
            missing.append(f"- {procedure.id} : {', '.join(unknown)}")
    return "\n".join(
        [
            render(header),
            separator,
            *(render(row) for row in rows),
            "",
            "« — » : la page de la clinique ne donne pas ce fait ; l'assistant répond qu'il ne "
            "sait pas et oriente vers l'équipe.",
            "À demander aux radiologues (questions principales sans réponse) :",
            *missing,
        ]
    )


# Responses of domain.yml that say more than the page, on purpose: a safety net only a
# clinician may approve. With the signs that trigger it, they have their own part of the sheet.
BEYOND_THE_PAGE = ("utter_emergency",)
QUESTIONS_FOR_CLINICIANS = (
    "Pour une douleur dans la poitrine ou une difficulté à respirer, faut-il dire d'appeler le 15 "
    "plutôt que de se rendre aux urgences ? Aujourd'hui, le message propose les deux, quel que "
    "soit le signe.",
    "La liste des signes ci-dessous est-elle complète, et chacun justifie-t-il ce message ?",
)
SIGN_OFF = "- [ ] Validé — nom, date :"


def review_sheet(knowledge: KnowledgeBase, page: str) -> str:
    """The radiologists' sign-off document: every reply as patients read it, beside the page's
    text it comes from (`page`: the clinic page), or marked as said where the page is silent;
    then the fixed texts; then what goes beyond the page on purpose (the emergency net)."""
    # Imported here: answers imports this package, and `check` does not need it.
    from actions.answers import all_replies

    replies = all_replies(knowledge)
    sections = page_sections(page, {section for reply in replies.values() for section in reply.sources})
    lines = [
        "<!-- Fichier généré par `make review-sheet` depuis knowledge/procedures.yml, domain.yml et "
        "la page de la clinique : ne pas le modifier à la main. -->",
        "",
        "# Fiche de validation des réponses de l'assistant",
        "",
        "Pour chaque réponse : le texte de la page de la clinique dont elle vient, puis la réponse "
        "telle que le patient la lira. Une réponse sans texte de la page est ce que l'assistant "
        "dit quand la page ne dit rien : vérifiez qu'elle n'ajoute aucun fait. Les textes qui "
        "vont au-delà de la page (la consigne d'urgence) sont à part, en dernière partie. "
        "Générée par `make review-sheet` à partir de `knowledge/procedures.yml`, `domain.yml` et "
        "de la page : pour corriger une réponse, modifiez le fichier de connaissances (ou "
        "`domain.yml`) puis régénérez la fiche.",
        "",
        "# 1. Réponses construites à partir de la page",
        "",
    ]
    for label, reply in replies.items():
        lines += [f"## {label}", ""]
        for section in reply.sources:
            lines += [f"Texte de la page, « {section} » :", "", *_quoted(sections[section]), ""]
        if not reply.sources:
            lines += ["Aucun texte de la page : formulation de l'assistant, sans fait médical.", ""]
        lines += ["Réponse de l'assistant :", "", *_quoted(reply.text)]
        if reply.buttons:
            lines += ["", "Boutons : " + " · ".join(f"[{b['title']}]" for b in reply.buttons)]
        lines += ["", SIGN_OFF, ""]
    responses = _domain_responses()
    lines += _fixed_texts_section(responses)
    lines += _beyond_the_page_section(knowledge, responses)
    return "\n".join(lines)


def _quoted(text: str) -> List[str]:
    return [f"> {line}" if line else ">" for line in text.split("\n")]


def _domain_responses() -> List[Tuple[str, dict]]:
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    return [(name, variant) for name, variants in domain.get("responses", {}).items() for variant in variants]


def _fixed_texts_section(responses: List[Tuple[str, dict]]) -> List[str]:
    """The texts written in domain.yml (greeting, disclaimer…), which the assistant also says."""
    lines = [
        "# 2. Textes fixes (domain.yml)",
        "",
        "Ces textes ne donnent aucun fait médical : salutation, avertissement, politesse. Pour les "
        "corriger, modifiez `domain.yml`.",
        "",
    ]
    for name, variant in responses:
        if name in BEYOND_THE_PAGE:
            continue
        lines += [f"## {name}", "", *_quoted(variant.get("text", ""))]
        if variant.get("buttons"):
            lines += ["", "Boutons : " + " · ".join(f"[{b['title']}]" for b in variant["buttons"])]
        lines += ["", SIGN_OFF, ""]
    return lines


def _beyond_the_page_section(knowledge: KnowledgeBase, responses: List[Tuple[str, dict]]) -> List[str]:
    """The emergency message and the signs that trigger it: beyond the page, for a clinician."""
    lines = [
        "# 3. Au-delà de la page : à valider par un clinicien",
        "",
        "La page de la clinique ne parle pas des urgences. Ce message et les signes qui le "
        "déclenchent sont un filet de sécurité ajouté volontairement : seul un clinicien peut les "
        "approuver. Le message passe avant toute autre réponse quand un patient décrit l'un de ces "
        "signes comme présent.",
        "",
    ]
    for name, variant in responses:
        if name in BEYOND_THE_PAGE:
            lines += [f"## {name}", "", *_quoted(variant.get("text", "")), "", SIGN_OFF, ""]
    lines += ["## Signes qui déclenchent la consigne d'urgence", ""]
    for sign in knowledge.emergency_signs.values():
        lines.append(f"- **{sign.label}** : " + ", ".join(f"« {word} »" for word in sign.patient_words))
    lines += ["", SIGN_OFF, "", "## Questions aux cliniciens", ""]
    lines += [f"- {question}" for question in QUESTIONS_FOR_CLINICIANS]
    return [*lines, ""]


def nlu_vocabulary(knowledge: KnowledgeBase) -> str:
    """Rasa NLU synonyms and lookup tables, generated from the patients' words."""
    lines = [
        "# Généré par `python -m actions.knowledge nlu` depuis knowledge/procedures.yml.",
        "# Ne pas modifier à la main : modifiez « patient_words » dans le fichier de connaissances.",
        'version: "3.1"',
        "nlu:",
    ]
    groups = [("procedure", p.id, p.patient_words) for p in knowledge.procedures]
    groups += [("organ", organ_id, o.patient_words) for organ_id, o in knowledge.organs.items()]
    for _, target_id, words in groups:
        synonyms = _unique([w.lower() for w in words if w.lower() != target_id])
        if synonyms:
            lines += [f"- synonym: {target_id}", "  examples: |"]
            lines += [f"    - {word}" for word in synonyms]
    # The lookup tables also hold the generic words ("drain", "embolisation"): the
    # entity extractor tags them, and the actions decide from the whole message.
    groups += [("procedure", None, group.patient_words) for group in knowledge.ambiguous_words]
    # Symptoms and diagnoses ("jaunisse", "fibrome") are context, not procedure
    # names: their own table gives the classifiers a feature without making them entities.
    groups += [("procedure_context", None, [*p.context_words, *p.act_words]) for p in knowledge.procedures]
    for entity in ("procedure", "organ", "procedure_context"):
        words = [w.lower() for kind, _, ws in groups if kind == entity for w in ws]
        # Patients often type without accents: the lookup tables match literally.
        words = _unique(words + [_without_accents(word) for word in words])
        lines += [f"- lookup: {entity}", "  examples: |"]
        lines += [f"    - {word}" for word in words]
    return "\n".join(lines) + "\n"


def _without_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _unique(words: List[str]) -> List[str]:
    return list(dict.fromkeys(words))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actions.knowledge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["check", "review", "nlu"])
    parser.add_argument(
        "--file", type=Path, help="fichier de connaissances (défaut : knowledge/procedures.yml)"
    )
    parser.add_argument("--out", type=Path, help="fichier à écrire (review, nlu)")
    args = parser.parse_args(argv)

    try:
        knowledge = load_knowledge(args.file)
    except KnowledgeError as error:
        print(f"ERREUR : {error}", file=sys.stderr)
        return 1

    if args.command == "check":
        print(f"Fichier valide : {len(knowledge.procedures)} gestes.\n")
        print(coverage_table(knowledge))
    elif args.command == "review":
        page = clinic_page_path()
        if not page.is_file():
            print(f"ERREUR : pas de page de la clinique à {page} (CLINIC_PAGE=…)", file=sys.stderr)
            return 1
        out = args.out or DEFAULT_REVIEW_SHEET
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(review_sheet(knowledge, page.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"Fiche de relecture écrite : {out}")
    else:
        out = args.out or DEFAULT_NLU_VOCABULARY
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(nlu_vocabulary(knowledge), encoding="utf-8")
        print(f"Vocabulaire NLU écrit : {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
