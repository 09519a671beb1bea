"""Finding the knowledge file's words in what a patient wrote.

Words are compared in the `normalize`d form (lower case, no accents, no
punctuation), token by token, so "l'abcès" matches "l abces" and "drain" does
not match inside "drainage". Within one `PhraseMatcher` the longest phrase
wins and phrases do not overlap: "embolisation portale" is one mention, not
"embolisation" plus "portale". Question words are compared by `stem` too
("rester", "reste", "resterai"), and a misspelt word (one the spaCy model
does not know as French) is read as the knowledge file's word it is closest
to (`Vocabulary.correct`).
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import (
    Dict,
    FrozenSet,
    Iterable,
    List,
    Literal,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

# A misspelt word is read as a knowledge-file word only if it is no French word ("sorte" is
# not a misspelt "sortie", nor "infectée" a misspelt "infection"), long enough and close.
MIN_FUZZY_UNKNOWN_WORD_LENGTH = 5
# A shorter unknown word may still be one typed as heard ("pase", "risq", "rest").
MIN_SOUNDALIKE_WORD_LENGTH = 4
MIN_SOUND_KEY_LENGTH = 3
# A word of the file typed in two pieces is read as one when it is this long at least.
MIN_JOINED_WORD_LENGTH = 8
MIN_JOINED_PIECE_LENGTH = 3
FUZZY_CUTOFF = 0.85
# French inflections, longest first: what `stem` removes from a normalized word.
_ENDINGS = sorted(
    "s x e es ee ees er ez ir is it i ie ies ent ons ont ai ais ait aient "
    "era erai eras erez erons eront erait erais ira irai iras irez irons iront "
    "ation ations ement ements".split(),
    key=len,
    reverse=True,
)
_MIN_STEM_LENGTH = 4


# Ligatures have no accent to take off: "cœur" is "coeur", not "c ur".
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used to compare words."""
    return " ".join(re.findall(r"[a-z0-9]+", without_accents(text.lower())))


def is_payload(text: object) -> bool:
    """A button's payload ("/inform_procedure{…}": Rasa's "/" prefix), not words a patient typed."""
    return isinstance(text, str) and text.lstrip().startswith("/")


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """A normalized word without its French inflection: "rester", "reste", "resterai" → "rest"."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM_LENGTH:
            return word[: -len(ending)]
    return word


# How French letters sound, for words typed as they are heard ("koman", "termoablassion",
# "drainaj", "aneshtesie"): each rule in order, on a normalized word. Two words with the
# same key sound alike; vowels stay distinct ("biopsie" and "biopsy" do not collapse).
_SOUNDS = [
    (r"ch", "S"),
    (r"ph", "f"),
    (r"h", ""),
    (r"qu|q|ck", "k"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"gu(?=[eiy])", "g"),
    (r"ge(?=[aou])|g(?=[eiy])", "j"),
    (r"tion", "sion"),
    (r"(.)\1+", r"\1"),
    (r"eau|au", "o"),
    (r"ai|ei|et$|er$|ez$", "e"),
    (r"[ae][nm](?![aeiouyAIO])", "A"),
    (r"[aeu]?i[nm](?![aeiouyAIO])|y[nm](?![aeiouyAIO])", "I"),
    (r"o[nm](?![aeiouyAIO])", "O"),
    (r"y", "i"),
    (r"z", "s"),
    (r"e$", ""),
    (r"[stxdp]+$", ""),
]
_SOUND_RULES = [(re.compile(pattern), sound) for pattern, sound in _SOUNDS]


@lru_cache(maxsize=4096)
def sounds_like(word: str) -> str:
    """A normalized word's sound key: "comment" and "koman" → "kOmA"."""
    for rule, sound in _SOUND_RULES:
        word = rule.sub(sound, word)
    return word


# Elided words typed without their apostrophe: "lopital", "dun abcès", "jreste", "quon".
ELISIONS = ("qu", "l", "d", "j", "m", "n", "s", "t", "c")
# Pronouns texted glued to the next word: "jrentre", "jcrache", "mtourne", "ltuyau".
GLUED_PRONOUNS = {"j": "je", "m": "me", "t": "te", "l": "le", "s": "se"}


def untexted_words(texted: Mapping[str, str]) -> Dict[str, str]:
    """Texted words and the words they stand for, normalized."""
    return {normalize(typed): normalize(meant) for typed, meant in texted.items()}


def as_read(phrase: str, untexted: Mapping[str, str]) -> str:
    """A phrase of the file normalized with its texted words replaced, as `Vocabulary.correct`
    leaves a message: "pour koi" is looked for as "pour quoi"."""
    return " ".join(untexted.get(word, word) for word in normalize(phrase).split())


def stems(text: str) -> str:
    """The stems of a text's normalized words, space-separated (token positions unchanged)."""
    return " ".join(stem(word) for word in normalize(text).split())


class Vocabulary:
    """The knowledge file's words, to read a misspelt word as the one it is closest to.

    `targets`: the phrases a misspelt word may be read as (names, question words, topics,
    organs, context words); `known`: further words left as they are (sites), so that a word
    of the file is never "corrected" into another; `texted`: short words as patients text
    them ("kel", "pa"), too short to be read by closeness, and the words they stand for.
    """

    def __init__(
        self,
        targets: Iterable[str],
        known: Iterable[str] = (),
        french: FrozenSet[str] = frozenset(),
        texted: Optional[Mapping[str, str]] = None,
    ):
        target_words = {word for phrase in targets for word in normalize(phrase).split()}
        self.french = french
        self.texted = untexted_words(texted or {})
        self.words: FrozenSet[str] = frozenset(
            target_words | {word for phrase in known for word in normalize(phrase).split()}
        )
        shortest = MIN_FUZZY_UNKNOWN_WORD_LENGTH - 1
        self._long_words = sorted(word for word in target_words if len(word) >= shortest)
        # Words of the file by sound: long ones only, with a key long enough to tell them apart
        # (so "quon" never sounds like "compte", nor "pourrai" like "pour").
        self._by_sound: Dict[str, Set[str]] = {}
        for word in target_words:
            key = sounds_like(word)
            if len(word) >= MIN_FUZZY_UNKNOWN_WORD_LENGTH and len(key) >= MIN_SOUND_KEY_LENGTH:
                self._by_sound.setdefault(key, set()).add(word)
        self._closest = lru_cache(maxsize=4096)(self._find_closest)

    def correct(self, text: str) -> str:
        """The normalized text: a texted word replaced by the word it stands for ("kel": "quel"),
        each long word that is not the file's by its closest word there, and a name typed in two
        pieces joined ("nefro stomie")."""
        words = normalize(text).split()
        joined: List[str] = []
        for word in words:
            together = joined[-1] + word if joined else ""
            pieces = joined[-1:] + [word]
            long_pieces = min(len(piece) for piece in pieces) >= MIN_JOINED_PIECE_LENGTH
            if (
                long_pieces
                and len(together) >= MIN_JOINED_WORD_LENGTH
                and together in self.words
                and word not in self.words
            ):
                joined[-1] = together
            else:
                joined.append(word)
        return " ".join(self._closest(word) for word in joined)

    def _find_closest(self, word: str) -> str:
        if word in self.texted:
            return self.texted[word]
        if word in self.words or word in self.french or word.isdigit():
            return word
        if len(word) < MIN_FUZZY_UNKNOWN_WORD_LENGTH:
            # Two letters typed the wrong way round in a word too short to be read by closeness:
            # "dosr", "lnog", "sret" (when that makes one word of the file only).
            swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
            known = sorted(swapped & self.words) if len(word) >= MIN_SOUNDALIKE_WORD_LENGTH else []
            if len(known) == 1:
                return known[0]
            return self._sounding_alike(word) if len(word) >= MIN_SOUNDALIKE_WORD_LENGTH else word
        for elided in ELISIONS:
            rest = word[len(elided) :]
            if word.startswith(elided) and rest[:1] in _VOWELS:
                closest = self._closest(rest)
                if closest in self.words:
                    return f"{elided} {closest}"  # "linfiltration": "l infiltration"
        if word[:1] in GLUED_PRONOUNS and word[1:] in self.words:
            return f"{GLUED_PRONOUNS[word[0]]} {word[1:]}"  # "jrentre": "je rentre"
        # Typed as heard, before a letter's difference: "plasse" is "place", not "passe".
        heard = self._sounding_alike(word)
        if heard != word:
            return heard
        # The same first sound, and a letter more or less at most: "pousser" is not a misspelt
        # "repousser", nor "explications" a misspelt "complications" ("andormir" is "endormir").
        similar = [w for w in self._long_words if _same_start(w, word) and abs(len(w) - len(word)) <= 1]
        close = difflib.get_close_matches(word, similar, n=2, cutoff=FUZZY_CUTOFF)
        return self._closest_in_writing(word, close) if close else word

    def _sounding_alike(self, word: str) -> str:
        # Typed as heard: the file's word that sounds the same ("koman": "comment"); of several
        # (forms of one word, mostly), a French word before the file's own misspellings
        # ("comment", not "coment"), then the closest in writing.
        alike = [w for w in self._by_sound.get(sounds_like(word), ()) if abs(len(w) - len(word)) <= 2]
        return self._closest_in_writing(word, [w for w in alike if w in self.french] or alike)

    def _closest_in_writing(self, word: str, candidates: Sequence[str]) -> str:
        """The candidate closest to `word` in writing; of two as close, the French one ("biobsie":
        "biopsie", not the file's misspelling "biospie"), or else no guess (`word` itself)."""
        ratios = {
            candidate: difflib.SequenceMatcher(None, word, candidate).ratio() for candidate in candidates
        }
        best = max(ratios.values(), default=None)
        closest = sorted(candidate for candidate, ratio in ratios.items() if ratio == best)
        if len(closest) > 1:
            closest = [
                candidate for candidate in closest if candidate in self.french
            ] or _spellings_of_one_word(closest)
        return closest[0] if len(closest) == 1 else word


def french_words(spacy_model: str) -> FrozenSet[str]:
    """The words the installed spaCy model knows (its string store), normalized: real French
    words, which a short unknown word must not be to be read as a misspelling."""
    spec = importlib.util.find_spec(spacy_model)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"modèle spaCy « {spacy_model} » introuvable : lancez make setup")
    package = Path(next(iter(spec.submodule_search_locations)))
    strings = next(package.glob("*/vocab/strings.json"))
    return frozenset(normalize(" ".join(json.loads(strings.read_text(encoding="utf-8")))).split())


@lru_cache(maxsize=1)
def french_stop_words() -> FrozenSet[str]:
    """spaCy's French stop words, normalized, read from its module file: importing
    spacy.lang.fr would load all of spaCy (about 3 s) in processes that never use it (the
    action server, the staff commands)."""
    spec = importlib.util.find_spec("spacy")  # a top-level package is found, not imported
    if spec is None or spec.origin is None:
        raise RuntimeError("spaCy introuvable : lancez make setup")
    path = Path(spec.origin).parent / "lang" / "fr" / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location("_spacy_fr_stop_words", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(normalize(" ".join(module.STOP_WORDS)).split())


def _spellings_of_one_word(words: Sequence[str]) -> List[str]:
    """Spellings of one word that sound the same ("embolisation", "embolization"): either reads
    the same, the first is kept. Words that sound different ("infection", "injection"): no guess."""
    return [words[0]] if len({sounds_like(word) for word in words}) == 1 else list(words)


def _same_start(word: str, other: str) -> bool:
    """The same first letter, or two vowels (a silent "h" counts as one): "andormir", "ospital"."""
    return word[0] == other[0] or (word[0] in _VOWELS and other[0] in _VOWELS)


_VOWELS = frozenset("aeiouyh")


TargetKind = Literal["procedure", "ambiguous", "other_act", "context", "outside"]


class Target(NamedTuple):
    """What a phrase of the knowledge file's subject and context lists stands for: which list
    (a procedure's names, a generic word, an act the page does not describe, a procedure's
    context words, a site outside its scope), and the id in it (a generic word's: its index)."""

    kind: TargetKind
    id: str


@dataclass(frozen=True)
class Mention:
    """A phrase found in a message: what it stands for, and where (token positions)."""

    target: Union[str, Target]
    start: int
    end: int
    words: str


class PhraseMatcher:
    """Phrases, each standing for one or more targets (an id, or a `Target`)."""

    def __init__(self, phrases: Iterable[Tuple[str, str]]):
        self._targets: Dict[Tuple[str, ...], List[str]] = {}
        for target, phrase in phrases:
            tokens = tuple(normalize(phrase).split())
            if tokens and target not in self._targets.setdefault(tokens, []):
                self._targets[tokens].append(target)
        self._longest = max((len(tokens) for tokens in self._targets), default=0)

    def phrases(self) -> List[str]:
        """Every phrase, normalized."""
        return [" ".join(tokens) for tokens in self._targets]

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
