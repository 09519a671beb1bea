"""The radiologists' review sheet, docs/review-sheet.md: every answer as patients read it, beside
the clinic page's text it comes from.

python -m reports.review_sheet [--file F] [--out F]   (make review-sheet; reads CLINIC_PAGE)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from assistant.answers import all_replies
from channels.domain import responses as domain_responses
from knowledge import KnowledgeBase
from knowledge.loader import add_knowledge_file_argument, load_for_a_command
from knowledge.page import clinic_page_path, page_sections

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REVIEW_SHEET = REPO_ROOT / "docs" / "review-sheet.md"

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
    responses = domain_responses()
    lines += _fixed_texts_section(responses)
    lines += _beyond_the_page_section(knowledge, responses)
    return "\n".join(lines)


def _quoted(text: str) -> List[str]:
    return [f"> {line}" if line else ">" for line in text.split("\n")]


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
        if sign.told_now:
            groups = " et ".join("(" + ", ".join(group) + ")" for group in sign.told_now)
            lines.append(f"  - ou, dit au présent, un mot de chaque groupe : {groups}")
    lines += [
        "",
        "Au présent : « " + " », « ".join(knowledge.emergency_now_words) + " ». Sans alerte, "
        "dans la même partie de phrase : une question, un mot de doute (« "
        + " », « ".join(knowledge.emergency_doubt_words)
        + " ») ou de question et de négation (« "
        + " », « ".join(knowledge.emergency_question_words)
        + " »). Sans alerte non plus, un signe nié juste avant lui (« "
        + " », « ".join(knowledge.emergency_denial_words)
        + " » : « pas de fièvre », « aucune fièvre »).",
    ]
    lines += ["", SIGN_OFF, "", "## Questions aux cliniciens", ""]
    lines += [f"- {question}" for question in QUESTIONS_FOR_CLINICIANS]
    return [*lines, ""]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.review_sheet",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_knowledge_file_argument(parser)
    parser.add_argument("--out", type=Path, help="fichier à écrire (défaut : docs/review-sheet.md)")
    args = parser.parse_args(argv)
    knowledge = load_for_a_command(args.file)
    if knowledge is None:
        return 1
    page = clinic_page_path()
    if not page.is_file():
        print(f"ERREUR : pas de page de la clinique à {page} (CLINIC_PAGE=…)", file=sys.stderr)
        return 1
    out = args.out or DEFAULT_REVIEW_SHEET
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(review_sheet(knowledge, page.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"Fiche de relecture écrite : {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
