"""Staff commands for the knowledge file.

python -m knowledge check            validate, print the coverage table
python -m knowledge nlu [--out F]    write the NLU vocabulary (synonyms, lookups)

The radiologists' review sheet, which shows the answers, is `python -m reports.review_sheet`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from knowledge.loader import add_knowledge_file_argument, load_for_a_command
from knowledge.schema import ASPECTS, EXTRA_FACTS, KnowledgeBase
from knowledge.words import without_accents

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NLU_VOCABULARY = REPO_ROOT / "data" / "nlu" / "vocabulary.yml"

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


def nlu_vocabulary(knowledge: KnowledgeBase) -> str:
    """Rasa NLU synonyms and lookup tables, generated from the patients' words."""
    lines = [
        "# Généré par `python -m knowledge nlu` depuis knowledge/procedures.yml.",
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
        words = _unique(words + [without_accents(word) for word in words])
        lines += [f"- lookup: {entity}", "  examples: |"]
        lines += [f"    - {word}" for word in words]
    return "\n".join(lines) + "\n"


def _unique(words: List[str]) -> List[str]:
    return list(dict.fromkeys(words))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["check", "nlu"])
    add_knowledge_file_argument(parser)
    parser.add_argument("--out", type=Path, help="fichier à écrire (nlu)")
    args = parser.parse_args(argv)

    knowledge = load_for_a_command(args.file)
    if knowledge is None:
        return 1

    if args.command == "check":
        print(f"Fichier valide : {len(knowledge.procedures)} gestes.\n")
        print(coverage_table(knowledge))
    else:
        out = args.out or DEFAULT_NLU_VOCABULARY
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(nlu_vocabulary(knowledge), encoding="utf-8")
        print(f"Vocabulaire NLU écrit : {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
