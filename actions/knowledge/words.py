"""Finding the knowledge file's words in what a patient wrote.

Words are compared in the `normalize`d form (lower case, no accents, no
punctuation), token by token, so "l'abcès" matches "l abces" and "drain" does
not match inside "drainage". Within one `PhraseMatcher` the longest phrase
wins and phrases do not overlap: "embolisation portale" is one mention, not
"embolisation" plus "portale".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used to compare words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", without_accents))


@dataclass(frozen=True)
class Mention:
    """A phrase found in a message: what it stands for, and where (token positions)."""

    target: str
    start: int
    end: int
    words: str


class PhraseMatcher:
    """Phrases, each standing for one or more targets (ids)."""

    def __init__(self, phrases: Iterable[Tuple[str, str]]):
        self._targets: Dict[Tuple[str, ...], List[str]] = {}
        for target, phrase in phrases:
            tokens = tuple(normalize(phrase).split())
            if tokens and target not in self._targets.setdefault(tokens, []):
                self._targets[tokens].append(target)
        self._longest = max((len(tokens) for tokens in self._targets), default=0)

    def targets_of(self, phrase: str) -> List[str]:
        return list(self._targets.get(tuple(normalize(phrase).split()), []))

    def find(self, text: str) -> List[Mention]:
        """Every phrase in the text, longest first, without overlaps, in text order."""
        tokens = normalize(text).split()
        taken = [False] * len(tokens)
        found: List[Mention] = []
        for size in range(min(self._longest, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if any(taken[start : start + size]):
                    continue
                targets = self._targets.get(tuple(tokens[start : start + size]))
                if targets:
                    taken[start : start + size] = [True] * size
                    words = " ".join(tokens[start : start + size])
                    found.extend(Mention(target, start, start + size, words) for target in targets)
        return sorted(found, key=lambda mention: (mention.start, mention.target))

    def closest(self, word: str, cutoff: float) -> Optional[str]:
        """The target of the one-word phrase closest to a misspelt word, if close enough."""
        single_words = {tokens[0]: targets for tokens, targets in self._targets.items() if len(tokens) == 1}
        close = difflib.get_close_matches(normalize(word), list(single_words), n=1, cutoff=cutoff)
        if close and len(single_words[close[0]]) == 1:
            return single_words[close[0]][0]
        return None


def targets(mentions: Sequence[Mention]) -> List[str]:
    """The distinct targets of some mentions, in the order they appear."""
    return list(dict.fromkeys(mention.target for mention in mentions))


def positions(mentions: Sequence[Mention]) -> Set[int]:
    """The token positions some mentions cover."""
    return {position for mention in mentions for position in range(mention.start, mention.end)}
