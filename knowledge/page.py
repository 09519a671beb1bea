"""The clinic's page, the only source of medical facts, split into its sections.

The review sheet quotes each section beside the answers built from it, so the
radiologists compare the page's sentences with the assistant's. The page lives
outside the repository: `CLINIC_PAGE` names it (default
`../shared/clinic-page.md`, relative to the repository).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable

import settings

REPO_ROOT = Path(__file__).resolve().parents[1]
# The knowledge file's name for the page's untitled first part, which presents the field.
INTRODUCTION = "Présentation de la radiologie interventionnelle"
# Above this line, the page file's own heading (what the file is), not the clinic's text.
PAGE_TEXT_START = "---"


def clinic_page_path() -> Path:
    """CLINIC_PAGE (settings.py), from the project's folder."""
    return (REPO_ROOT / settings.load().clinic_page).resolve()


def page_sections(page: str, titles: Iterable[str]) -> Dict[str, str]:
    """Each section's text by the knowledge file's name of it (`titles`: the `source` values):
    a section starts at a line that is its title; the text before the first is `INTRODUCTION`."""
    lines = page.splitlines()
    if PAGE_TEXT_START in lines:
        lines = lines[lines.index(PAGE_TEXT_START) + 1 :]
    by_key = {_key(title): title for title in titles}
    sections: Dict[str, list] = {INTRODUCTION: []}
    current = INTRODUCTION
    for line in (line.strip() for line in lines):
        if _key(line) in by_key:
            current = by_key[_key(line)]
            sections[current] = []
        elif line:
            sections[current].append(line)
    missing = sorted(title for title in by_key.values() if title not in sections)
    if missing:
        raise ValueError(f"sections absentes de la page de la clinique : {', '.join(missing)}")
    return {title: "\n".join(text) for title, text in sections.items()}


def _key(line: str) -> str:
    """A title as compared: the page writes ’ where the knowledge file writes '."""
    return line.strip().replace("’", "'").casefold()
