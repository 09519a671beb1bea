"""Loading and validating the knowledge file, and finding things in it."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

import yaml
from pydantic import ValidationError

import settings
from knowledge.schema import QUESTION_KINDS, KnowledgeBase, Procedure
from knowledge.words import (
    GLUED_PRONOUNS,
    Mention,
    PhraseMatcher,
    Target,
    Vocabulary,
    as_read,
    french_stop_words,
    french_words,
    normalize,
    positions,
    stem,
    stems,
    targets,
    untexted_words,
)

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The NLU pipeline's spaCy model, whose words tell a real French word from a misspelling.
RASA_CONFIG_FILE = PROJECT_ROOT / "config.yml"
# What introduces a complement naming a procedure or an organ: "le drain de la vésicule",
# "le drain dans le rein".
COMPLEMENT_WORDS = {
    *[(word,) for word in ("de", "du", "d", "des", "au", "aux")],
    *[(first, article) for first in ("de", "dans", "a", "pour") for article in ("la", "le", "l", "les")],
}
# Articles between a word of denial and the emergency sign it denies: "pas de fièvre".
DENIAL_ARTICLES = frozenset("de d du des la le l les un une".split())
# What an act does to a sign it treats: "une embolisation pour arrêter une hémorragie".
TREATING_VERBS = frozenset("arreter stopper traiter soigner".split())
# The reading cues that say whose procedure it is (ReadingCues).
PERSONS = ("me", "her", "him", "theirs")
# The reading cues that point to a procedure by its place in the message (ReadingCues).
ORDINALS = ("first", "second", "other")

# Pydantic's messages are English; staff editing the file read French.
_ERROR_MESSAGES = {
    "value_error.extra": "champ inconnu (faute de frappe ?)",
    "value_error.missing": "champ obligatoire manquant",
    "type_error.none.not_allowed": "ne peut pas être vide",
    "type_error.str": "doit être un texte",
    "type_error.list": "doit être une liste",
    "type_error.dict": "doit être une liste de champs « nom: valeur »",
    "value_error.any_str.min_length": "ne peut pas être vide",
}


class KnowledgeError(Exception):
    """The knowledge file cannot be used; the message names file, entry and field."""

    def __init__(self, path: Path, entry: str, field: str, problem: str):
        self.path, self.entry, self.field, self.problem = path, entry, field, problem
        super().__init__(f"{path} : entrée {entry}, champ « {field} » : {problem}")


# The file committed with the project, whatever KNOWLEDGE_FILE says: what the tests and the
# evaluation check.
COMMITTED_KNOWLEDGE_FILE = PROJECT_ROOT / settings.Settings.__fields__["knowledge_file"].default


def knowledge_file_path() -> Path:
    """KNOWLEDGE_FILE (settings.py), from the project's folder."""
    return PROJECT_ROOT / settings.load().knowledge_file


def add_knowledge_file_argument(parser: argparse.ArgumentParser) -> None:
    """`--file`, for the staff commands that read the knowledge file."""
    parser.add_argument(
        "--file", type=Path, help="fichier de connaissances (défaut : knowledge/procedures.yml)"
    )


def load_for_a_command(path: Optional[Path]) -> Optional[KnowledgeBase]:
    """The knowledge file for a staff command, or None once the reason it is refused is printed."""
    try:
        return load_knowledge(path)
    except KnowledgeError as error:
        print(f"ERREUR : {error}", file=sys.stderr)
        return None


def load_knowledge(path: Optional[Path] = None) -> KnowledgeBase:
    """Read and validate the knowledge file, or raise KnowledgeError."""
    path = Path(path or knowledge_file_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnowledgeError(path, "(fichier)", "(fichier)", f"lecture impossible : {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}" if mark else "(fichier)"
        problem = str(error).replace("\n", " ")
        raise KnowledgeError(path, where, "(syntaxe YAML)", problem) from None
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "(fichier)", "(racine)", "le fichier doit contenir des champs")

    try:
        knowledge = KnowledgeBase.parse_obj(raw)
    except ValidationError as error:
        first = error.errors()[0]
        entry, field = _describe_location(raw, first["loc"])
        problem = _ERROR_MESSAGES.get(first["type"], first["msg"])
        raise KnowledgeError(path, entry, field, problem) from None

    _check_consistency(path, knowledge)
    return knowledge


def _describe_location(raw: Dict[str, Any], loc: Tuple[Any, ...]) -> Tuple[str, str]:
    """Turn a pydantic error location into (entry, field) a person can find."""
    loc = tuple(part for part in loc if part != "__root__")
    if loc[0] == "procedures" and len(loc) > 1 and isinstance(loc[1], int):
        index = loc[1]
        procedures = raw.get("procedures") or []
        item = procedures[index] if index < len(procedures) else {}
        procedure_id = item.get("id") if isinstance(item, dict) else None
        label = f"« {procedure_id} »" if procedure_id else "sans identifiant"
        entry = f"procédure {label} (n°{index + 1} de la liste)"
        field = ".".join(str(part) for part in loc[2:]) or "(entrée entière)"
        return entry, field
    if loc[0] in ("general", "organs") and len(loc) > 2:
        return f"{loc[0]}.{loc[1]}", ".".join(str(part) for part in loc[2:])
    if len(loc) > 1:
        return str(loc[0]), ".".join(str(part) for part in loc[1:])
    return "(racine)", str(loc[0])


def _refuse_a_second_id(path: Path, kind: str, ids: List[str]) -> None:
    """Each id once in its list (procedures, acts not described)."""
    for index, entry_id in enumerate(ids):
        if entry_id in ids[:index]:
            entry = f"{kind} « {entry_id} » (n°{index + 1} de la liste)"
            raise KnowledgeError(path, entry, "id", "cet identifiant est déjà utilisé")


def _check_consistency(path: Path, knowledge: KnowledgeBase) -> None:
    """Checks that span several entries, which the schema alone cannot express."""
    _refuse_a_second_id(path, "geste non décrit", [act.id for act in knowledge.not_described])
    _refuse_a_second_id(path, "procédure", [procedure.id for procedure in knowledge.procedures])
    procedure_ids = {procedure.id for procedure in knowledge.procedures}
    for index, procedure in enumerate(knowledge.procedures):
        entry = f"procédure « {procedure.id} » (n°{index + 1} de la liste)"
        for aspect, fact in procedure.facts:
            for organ_id in fact.by_organ:
                if organ_id not in knowledge.organs:
                    raise KnowledgeError(
                        path,
                        entry,
                        f"facts.{aspect}.by_organ.{organ_id}",
                        "organe inconnu : déclarez-le d'abord dans « organs »",
                    )
    for organ_id, organ in knowledge.organs.items():
        for other in organ.more_specific_than:
            if other not in knowledge.organs:
                raise KnowledgeError(
                    path, f"organs.{organ_id}", "more_specific_than", f"organe inconnu : « {other} »"
                )
    for index, group in enumerate(knowledge.ambiguous_words):
        for candidate in group.candidates:
            if candidate not in procedure_ids:
                raise KnowledgeError(
                    path, f"ambiguous_words n°{index + 1}", "candidates", f"geste inconnu : « {candidate} »"
                )
    for act in knowledge.not_described:
        for procedure_id in act.part_of:
            if procedure_id not in procedure_ids:
                raise KnowledgeError(
                    path, f"not_described « {act.id} »", "part_of", f"geste inconnu : « {procedure_id} »"
                )
    for topic_id, topic in knowledge.not_covered_topics.items():
        related = topic.related
        if related and related not in QUESTION_KINDS and related not in knowledge.general.__fields__:
            raise KnowledgeError(
                path,
                f"not_covered_topics.{topic_id}",
                "related",
                f"« {related} » n'est ni un type de question ni une information générale",
            )
    for kind in knowledge.question_kinds:
        if kind not in QUESTION_KINDS:
            raise KnowledgeError(
                path,
                f"question_kinds.{kind}",
                "(nom)",
                "type de question inconnu : " + ", ".join(QUESTION_KINDS),
            )

    # A word that names something must name one thing only.
    owner_of_word: Dict[str, str] = {}
    for entry, field, words in _naming_words(knowledge):
        for word in words:
            key = normalize(word)
            if not key:
                raise KnowledgeError(path, entry, field, f"mot vide : « {word} »")
            owner = owner_of_word.setdefault(key, entry)
            if owner != entry:
                raise KnowledgeError(
                    path,
                    entry,
                    field,
                    f"« {word} » désigne déjà {owner} : un mot ne peut mener qu'à un seul endroit",
                )


def _naming_words(knowledge: KnowledgeBase):
    """(entry, field, words) for every list of words that names a procedure or an act."""
    for procedure in knowledge.procedures:
        yield f"procédure « {procedure.id} »", "patient_words", procedure.patient_words
    for index, group in enumerate(knowledge.ambiguous_words):
        yield f"ambiguous_words n°{index + 1}", "patient_words", group.patient_words
    for act in knowledge.not_described:
        yield f"not_described « {act.id} »", "patient_words", act.patient_words


@lru_cache(maxsize=1)
def _french_words_of_the_nlu_model() -> FrozenSet[str]:
    config = yaml.safe_load(RASA_CONFIG_FILE.read_text(encoding="utf-8"))
    model = next(c["model"] for c in config["pipeline"] if c["name"].endswith("SpacyNLP"))
    return french_words(model)


# How many words a doubt reaches: "si j'ai de la fièvre", "au cas où ma mère ferait une réaction".
DOUBT_REACH = 5


def _doubted(sign: Mention, doubts: List[Mention]) -> bool:
    """A sign right after a word of doubt or worry, or overlapping it ("si j'ai de la fièvre")."""
    return any(doubt.start < sign.end and sign.start - doubt.end <= DOUBT_REACH for doubt in doubts)


class KnowledgeIndex:
    """Finds procedures, acts, organs, question kinds and emergency signs in what a patient wrote."""

    def __init__(self, knowledge: KnowledgeBase):
        self.knowledge = knowledge
        # Messages are read with their texted words replaced ("kel" is "quel"): so are the
        # question words looked for in them.
        untexted = untexted_words(knowledge.texted_words)
        # What the message is about: a procedure's name, a generic word, or an act the page does not describe.
        self.subjects = PhraseMatcher(
            [
                (Target("procedure", p.id), word)
                for p in knowledge.procedures
                for word in (p.name, *p.patient_words)
            ]
            + [
                (Target("ambiguous", str(i)), word)
                for i, group in enumerate(knowledge.ambiguous_words)
                for word in group.patient_words
            ]
            + [
                (Target("other_act", act.id), word)
                for act in knowledge.not_described
                for word in act.patient_words
            ]
        )
        # Words around it: what points to a procedure, and sites outside its scope.
        self.context = PhraseMatcher(
            [
                (Target("context", p.id), word)
                for p in knowledge.procedures
                for word in (*p.context_words, *p.act_words)
            ]
            + [
                (Target("outside", p.id), word)
                for p in knowledge.procedures
                for word in p.scope.outside_words
            ]
        )
        self.indications = PhraseMatcher(
            (p.id, word) for p in knowledge.procedures for word in p.indication_words
        )
        self.acts = PhraseMatcher((p.id, word) for p in knowledge.procedures for word in p.act_words)
        self.organs = PhraseMatcher(
            (organ_id, word)
            for organ_id, organ in knowledge.organs.items()
            for word in (organ_id, *organ.patient_words)
        )
        # Question words and topics are found by stem ("rester" is "reste"): search `stems(text)`.
        self.question_kinds = PhraseMatcher(
            (kind, stems(as_read(word, untexted)))
            for kind, entry in knowledge.question_kinds.items()
            for word in entry.patient_words
        )
        self.kinds_with_a_site = PhraseMatcher(
            (kind, stems(as_read(word, untexted)))
            for kind, entry in knowledge.question_kinds.items()
            for word in entry.with_a_site
        )
        self.emergency_signs = PhraseMatcher(
            (sign_id, as_read(word, untexted))
            for sign_id, sign in knowledge.emergency_signs.items()
            for word in sign.patient_words
        )
        self._emergency_sign_words = frozenset(
            word for phrase in self.emergency_signs.phrases() for word in phrase.split()
        )
        self.emergency_not_now = PhraseMatcher(
            ("now", as_read(w, untexted)) for w in knowledge.emergency_not_now_words
        )
        self.emergency_told_now = {
            sign_id: [
                PhraseMatcher((sign_id, as_read(w, untexted)) for w in group) for group in sign.told_now
            ]
            for sign_id, sign in knowledge.emergency_signs.items()
            if sign.told_now
        }
        self.emergency_now = PhraseMatcher(
            ("now", as_read(w, untexted)) for w in knowledge.emergency_now_words
        )
        self.emergency_doubt = PhraseMatcher(
            ("doubt", as_read(w, untexted)) for w in knowledge.emergency_doubt_words
        )
        self.emergency_question = PhraseMatcher(
            ("question", as_read(w, untexted)) for w in knowledge.emergency_question_words
        )
        self.emergency_denial = frozenset(normalize(" ".join(knowledge.emergency_denial_words)).split())
        self.not_covered_topics = PhraseMatcher(
            (topic_id, stems(as_read(word, untexted)))
            for topic_id, topic in knowledge.not_covered_topics.items()
            for word in topic.patient_words
        )
        self.general_topics = PhraseMatcher(
            (topic, stems(as_read(word, untexted)))
            for topic, words in knowledge.general_question_words
            for word in words
        )
        cues = knowledge.reading_cues
        self.cues = PhraseMatcher(
            (cue, word)
            for cue in (
                "excluded",
                "past",
                "current",
                "correction",
                "mistake",
                "reference",
                "clinic_act",
                "every_act",
                "undecided",
                "settled",
                "both",
                "not_asked",
                *ORDINALS,
            )
            for word in getattr(cues, cue)
        )
        self.linking_words = frozenset(normalize(" ".join(cues.linking)).split())
        self.standing_for_a_word = frozenset(normalize(" ".join(cues.standing_for_a_word)).split())
        self.persons = PhraseMatcher((person, word) for person in PERSONS for word in getattr(cues, person))
        # Every word a patient may misspell that the reading looks for; sites outside a scope
        # are known words, never read as a misspelling of another, nor another word as them.
        self.vocabulary = Vocabulary(
            targets=[p.name for p in knowledge.procedures]
            + [w for p in knowledge.procedures for w in p.patient_words]
            + [w for group in knowledge.ambiguous_words for w in group.patient_words]
            + [w for act in knowledge.not_described for w in act.patient_words]
            + [w for organ in knowledge.organs.values() for w in organ.patient_words]
            + [
                w
                for entry in knowledge.question_kinds.values()
                for w in (*entry.patient_words, *entry.with_a_site)
            ]
            + [w for topic in knowledge.not_covered_topics.values() for w in topic.patient_words]
            + [w for _, words in knowledge.general_question_words for w in words]
            + [w for p in knowledge.procedures for w in p.context_words + p.indication_words + p.act_words],
            known=[w for p in knowledge.procedures for w in p.scope.outside_words],
            french=_french_words_of_the_nlu_model(),
            texted=untexted,
        )
        # Words the reading knows, or that say nothing by themselves (French stop words): any
        # other word of a message is unfamiliar ("c'est quoi ton signe astrologique ?").
        familiar = (
            self.vocabulary.words
            | self.linking_words
            | {w for cue in self.cues.phrases() for w in cue.split()}
            | {w for person in self.persons.phrases() for w in person.split()}
            | french_stop_words()
        )
        self._familiar_stems = frozenset(stem(word) for word in familiar)
        self._other_acts = {act.id: act for act in knowledge.not_described}

    def unfamiliar_words(self, text: str) -> List[str]:
        """The words of a (normalized) text that no list of the knowledge file knows, stop words aside."""
        return [
            word
            for word in normalize(text).split()
            if len(word) > 2 and not word.isdigit() and stem(word) not in self._familiar_stems
        ]

    def emergency_signs_in(self, text: str) -> List[str]:
        """The red-flag signs a message describes as happening now: a sentence that asks about
        a possibility or tells a memory ("peut-il", "il y a un mois") does not count."""
        found: List[str] = []
        for sentence in re.split(r"[.!?;\n]+", text):
            sentence = self._with_elisions_split(sentence)
            if not self.emergency_not_now.find(sentence):
                # As typed, with misspelt words read ("mon drain de nefrostomi est tombé"), and
                # without the names of acts.
                corrected = self.vocabulary.correct(sentence)
                # "une embolisation pour une hémorragie digestive": what an act treats, in each
                # version of the sentence (the words of as many signs, once the names are dropped).
                reasons = self._signs_treated(sentence) | self._signs_treated(corrected)
                for told in (sentence, corrected, self._without_names(corrected)):
                    doubts = self.emergency_doubt.find(told)
                    treated = reasons.copy()
                    for m in self.emergency_signs.find(told):
                        if treated[m.words]:
                            treated[m.words] -= 1
                        elif not _doubted(m, doubts) and not self._denied(told, m):
                            found.append(m.target)
        found += self._emergency_signs_told_now(text)
        return list(dict.fromkeys(found))

    def _signs_treated(self, text: str) -> Counter:
        """The words of each sign told as what an act treats, as many times as told."""
        return Counter(m.words for m in self.emergency_signs.find(text) if self._treated_by_an_act(text, m))

    def _treated_by_an_act(self, text: str, sign: Mention) -> bool:
        """ "une embolisation pour une hémorragie digestive", "l'embolisation d'une hémorragie":
        a sign right after the name of an act (and "pour"), articles aside, is what it treats."""
        words = text.split()
        position = sign.start - 1
        while position >= 0 and words[position] in DENIAL_ARTICLES:
            position -= 1
        # "… pour arrêter une hémorragie" (but "je n'arrive pas à arrêter le saignement" alerts:
        # no act is named before it).
        if position >= 0 and words[position] in TREATING_VERBS:
            position -= 1
        if position >= 0 and words[position] == "pour":
            position -= 1
        # (Not a sign the act's name is the subject of: "mon drain pour la bile saigne".)
        between = set(words[position + 1 : sign.start])
        told_as_its_aim = bool(between & {"pour", "d", "de", "du", "des"})
        return told_as_its_aim and any(name.end == position + 1 for name in self.subjects.find(text))

    def _denied(self, text: str, sign: Mention) -> bool:
        """ "je n'ai pas de douleur thoracique", "aucune fièvre", "je ne suis pas essoufflé": a
        word of denial right before the sign, articles aside."""
        words = text.split()
        position = sign.start - 1
        while position >= 0 and words[position] in DENIAL_ARTICLES:
            position -= 1
        return position >= 0 and words[position] in self.emergency_denial

    def _emergency_signs_told_now(self, text: str) -> List[str]:
        """ "le sang traverse le pansement depuis 10 min", "mon pied devient bleu depuis ce matin":
        a sign's words with a word of the present, in a clause that is no question ("…, c'est
        normal ?" is the next clause), tells no memory, doubt or worry ("si j'ai de la fièvre")."""
        found: List[str] = []
        # Clauses end at a punctuation mark; a comma only before a space ("39,8 de fièvre").
        for clause in re.split(r"(?<=[.!?;\n])|(?<=,)(?=\s)", text):
            if clause.rstrip().endswith("?"):
                continue
            told = self._with_elisions_split(clause)
            corrected = self.vocabulary.correct(told)
            guards = (self.emergency_not_now, self.emergency_doubt, self.emergency_question)
            if any(matcher.find(t) for t in (told, corrected) for matcher in guards):
                continue
            if not (self.emergency_now.find(told) or self.emergency_now.find(corrected)):
                continue
            for sign_id, groups in self.emergency_told_now.items():
                for version in (told, corrected):
                    # (A group's word denied, "aucune fièvre depuis hier", does not count.)
                    said = [[m for m in g.find(version) if not self._denied(version, m)] for g in groups]
                    if all(said):
                        found.append(sign_id)
        return found

    def _with_elisions_split(self, sentence: str) -> str:
        """ "jcrache du sang", "jsaigne": a pronoun glued to a sign's word, as texted; texted
        words replaced ("tombé tt seul")."""
        words = [self.vocabulary.texted.get(word, word) for word in normalize(sentence).split()]
        return " ".join(
            f"{GLUED_PRONOUNS[word[0]]} {word[1:]}"
            if word not in self._emergency_sign_words
            and word[:1] in GLUED_PRONOUNS
            and word[1:] in self._emergency_sign_words
            else word
            for word in words
        )

    def _without_names(self, sentence: str) -> str:
        """The sentence without the words that name a procedure or an organ: "mon drain biliaire
        est tombé" and "mon drain de la vésicule est tombé" describe the sign "drain est tombé".
        A name's words that belong to a sign stay, unless the name follows "de" (a complement,
        where a context word is dropped too)."""
        tokens = normalize(sentence).split()
        dropped: Set[int] = set()
        names = [*self.subjects.find(sentence), *self.organs.find(sentence)]
        for mention in [*names, *self.context.find(sentence)]:
            before = tokens[max(0, mention.start - 2) : mention.start]
            preposition = next((n for n in (2, 1) if tuple(before[-n:]) in COMPLEMENT_WORDS), 0)
            if preposition:
                dropped |= set(range(mention.start - preposition, mention.end))
            elif mention in names:
                mentioned = range(mention.start, mention.end)
                dropped |= {p for p in mentioned if tokens[p] not in self._emergency_sign_words}
        return " ".join(token for position, token in enumerate(tokens) if position not in dropped)

    def names_only(self, text: str) -> bool:
        """True when the message names a subject, an organ or a context word and asks nothing:
        every other word is a linking word ("la thermo ablation du rein", "et pour les os ?")."""
        named = [*self.subjects.find(text), *self.organs.find(text), *self.context.find(text)]
        covered = positions(named)
        others = [word for position, word in enumerate(normalize(text).split()) if position not in covered]
        return bool(covered) and all(word in self.linking_words for word in others)

    def other_act(self, act_id: str):
        return self._other_acts[act_id]

    def find_procedure(self, value: Optional[str]) -> Optional[Procedure]:
        """The procedure an entity or slot value names: id, name, patient word or close misspelling."""
        if not isinstance(value, str) or not normalize(value):
            return None
        by_id = [p for p in self.knowledge.procedures if p.id == value]
        if by_id:
            return by_id[0]
        found = [t for t in self.subjects.targets_of(value) if t.kind == "procedure"]
        if not found:
            mentions = [m for m in self.subjects.find(value) if m.target.kind == "procedure"]
            found = targets(mentions)
        if not found:
            close = self.subjects.closest(value, cutoff=0.8)
            found = [close] if close and close.kind == "procedure" else []
        if len(found) != 1:
            return None
        return self.knowledge.procedure(found[0].id)

    def find_organ(self, value: Optional[str]) -> Optional[str]:
        if not isinstance(value, str):
            return None
        found = self.organs.targets_of(value) or targets(self.organs.find(value))
        return found[0] if len(found) == 1 else None


class KnowledgeStore:
    """The knowledge the action server answers from, reloaded when the file changes.

    A broken file at start-up raises KnowledgeError. A file broken while the
    server runs is reported in the log and the last valid version keeps serving.
    """

    def __init__(self, path: Optional[Path] = None):
        self.path = Path(path or knowledge_file_path())
        self._lock = threading.Lock()
        self._mtime = self._current_mtime()
        self._index = KnowledgeIndex(load_knowledge(self.path))

    def _current_mtime(self) -> Optional[float]:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None

    @property
    def index(self) -> KnowledgeIndex:
        mtime = self._current_mtime()
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._reload(mtime)
        return self._index

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.index.knowledge

    def _reload(self, mtime: Optional[float]) -> None:
        self._mtime = mtime
        try:
            self._index = KnowledgeIndex(load_knowledge(self.path))
            logger.info("Knowledge file reloaded: %s", self.path)
        except KnowledgeError as error:
            logger.error("Knowledge file not reloaded, keeping the last valid version: %s", error)
