"""What a patient's message asks, read from the whole message with the knowledge file's words.

The NLU model gives the intent; this module decides which procedure (if any),
which kind of question and which organ, so that one generic word ("drain",
"embolisation") never picks a procedure alone, a symptom is never taken for a
procedure, an act the page does not describe is never answered with a covered
procedure's facts, and the question at the end of a long message is the one
answered. Plain functions of (index, text, intent, slots): tested without Rasa.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from actions.knowledge import QUESTION_KINDS, KnowledgeIndex
from actions.knowledge.words import Mention, normalize, positions, targets

# Which question kind each NLU intent asks; inform_procedure asks none (the pending one).
QUESTION_KIND_OF_INTENT = {
    "ask_purpose": "purpose",
    "ask_how_it_is_done": "how_it_is_done",
    "ask_duration": "duration",
    "ask_anaesthesia": "anaesthesia",
    "ask_hospital_stay": "hospital_stay",
    "ask_overview": "overview",
}
# When a message has words of several kinds and the intent is none of them:
# the more specific kind wins ("combien de temps je reste" is the stay).
KIND_PRIORITY = ("hospital_stay", "anaesthesia", "risks", "duration", "how_it_is_done", "purpose", "overview")
# A misspelt word is taken for a procedure's name only if long and close.
MIN_FUZZY_WORD_LENGTH = 7
FUZZY_CUTOFF = 0.85


@dataclass
class Reading:
    """What one message names, before the conversation is taken into account."""

    procedures: List[str] = field(default_factory=list)  # named explicitly
    candidates: List[str] = field(default_factory=list)  # fits a generic word or symptoms, not decided
    decided_by_context: Optional[str] = None  # a generic word that the rest of the message decides
    named_by: Optional[str] = None  # "name", "generic" or "context": how the subject was found
    other_act: Optional[str] = None  # an act the page does not describe
    outside_site: Optional[Tuple[str, str]] = None  # (procedure id, site word) outside its scope
    # Every site word outside a procedure's scope, named or not: "et pour le genou ?" after the infiltration.
    sites_outside: Dict[str, str] = field(default_factory=dict)
    organs: List[str] = field(default_factory=list)  # the most specific ones
    question_kinds: List[str] = field(default_factory=list)
    not_covered_topic: bool = False  # price, results, doses…: nothing the page says for any procedure
    part_of_description: bool = False  # an act the page mentions in how the named procedure is done


@dataclass
class Decision:
    """What to answer. `outcome`: answer, not_described, clarify, out_of_scope (a topic the
    page never covers), or none (no procedure question recognised)."""

    outcome: str
    procedure: Optional[str] = None
    question_kind: Optional[str] = None
    organ: Optional[str] = None
    candidates: List[str] = field(default_factory=list)
    other_act: Optional[str] = None
    outside_site: Optional[Tuple[str, str]] = None


def question_part(text: str) -> str:
    """The last sentence that asks something (with "?"), else the last sentence."""
    sentences = [s for s in re.split(r"(?<=[.!?;\n])", text) if s.strip()]
    if not sentences:
        return text
    asking = [s for s in sentences if "?" in s]
    return (asking or sentences)[-1]


def read_message(index: KnowledgeIndex, text: str) -> Reading:
    """Procedures, acts, organs and question kinds named in a message.

    The question sentence of a long message is read first; the whole message
    only when that sentence names nothing.
    """
    question = question_part(text)
    reading = _read_subject(index, question)
    if reading.other_act:
        # "des malaises pendant les prises de sang, on m'endort pour la biopsie ?":
        # the clause that asks names the subject.
        asked = _read_subject(index, question.rsplit(",", 1)[-1])
        if asked.procedures and not asked.other_act:
            reading = asked
    if reading.named_by is None and question != text:
        reading = _read_subject(index, text)
    reading.organs = _most_specific_organs(index, question) or _most_specific_organs(index, text)
    reading.question_kinds = _question_kinds(index, question) or _question_kinds(index, text)
    reading.not_covered_topic = bool(index.not_covered_topics.find(question))
    return reading


def _read_subject(index: KnowledgeIndex, text: str) -> Reading:
    subjects = index.subjects.find(text)
    subjects += _misspelt_names(index, text, subjects)
    by_kind: Dict[str, List[str]] = {"procedure": [], "ambiguous": [], "other_act": []}
    for target in targets(subjects):
        kind, _, target_id = target.partition(":")
        by_kind[kind].append(target_id)
    # Words already read as a name or a generic word do not count again as context.
    named_positions = positions(subjects)
    organ_positions = positions(index.organs.find(text))
    context: Counter = Counter()
    context_without_organs: Counter = Counter()
    outside: Dict[str, str] = {}
    for mention in index.context.find(text):
        kind, _, procedure_id = mention.target.partition(":")
        if kind == "outside":
            outside.setdefault(procedure_id, mention.words)
        elif mention.start not in named_positions:
            context[procedure_id] += 1
            if mention.start not in organ_positions:
                context_without_organs[procedure_id] += 1

    reading = Reading(sites_outside=outside)
    # An act the page mentions within a named procedure's description is part of that question.
    acts = by_kind["other_act"]
    by_kind["other_act"] = [
        a for a in acts if not set(index.other_act(a).part_of) & set(by_kind["procedure"])
    ]
    reading.part_of_description = len(by_kind["other_act"]) < len(acts)
    if by_kind["other_act"]:
        reading.other_act = by_kind["other_act"][0]
        reading.procedures = by_kind["procedure"]
        reading.named_by = "name"
        return reading
    if by_kind["procedure"]:
        reading.named_by = "name"
        named = by_kind["procedure"]
        inside = [p for p in named if p not in outside]
        if not inside:
            reading.outside_site = (named[0], outside[named[0]])
        elif len(inside) == 1:
            reading.procedures = inside
        else:
            reading.candidates = inside
        return reading
    if by_kind["ambiguous"]:
        reading.named_by = "generic"
        groups = [index.knowledge.ambiguous_words[int(i)].candidates for i in by_kind["ambiguous"]]
        common = [c for c in groups[0] if all(c in group for group in groups)]
        candidates = common or list(dict.fromkeys(c for group in groups for c in group))
        inside = [c for c in candidates if c not in outside]
        if not inside:
            reading.outside_site = (candidates[0], outside[candidates[0]])
            return reading
        best = max(context[c] for c in inside)
        leaders = [c for c in inside if context[c] == best]
        # Decided by the context, or by two generic words that fit one procedure only ("drainage d'abcès").
        if (best > 0 or (len(groups) > 1 and len(common) == 1)) and len(leaders) == 1:
            reading.procedures = leaders
            reading.decided_by_context = leaders[0]
        else:
            reading.candidates = leaders
        return reading
    if context_without_organs:
        # Symptoms, diagnoses, doctors: they point to candidates, never to an answer.
        # (An organ alone is a follow-up, "et pour le poumon ?", not a new subject.)
        best = max(context_without_organs.values())
        leaders = [p for p, count in context_without_organs.items() if count == best and p not in outside]
        if leaders:
            reading.named_by = "context"
            reading.candidates = leaders
    return reading


def _misspelt_names(index: KnowledgeIndex, text: str, found: List[Mention]) -> List[Mention]:
    """Long words close to a procedure's one-word name ("nefrostomi"), outside known phrases."""
    taken = positions(found)
    misspelt = []
    for position, word in enumerate(normalize(text).split()):
        if position in taken or len(word) < MIN_FUZZY_WORD_LENGTH:
            continue
        target = index.subjects.closest(word, FUZZY_CUTOFF)
        if target and target.startswith("procedure:"):
            misspelt.append(Mention(target, position, position + 1, word))
    return misspelt


def _most_specific_organs(index: KnowledgeIndex, text: str) -> List[str]:
    named = targets(index.organs.find(text))
    less_specific = {
        other for organ_id in named for other in index.knowledge.organs[organ_id].more_specific_than
    }
    return [organ_id for organ_id in named if organ_id not in less_specific]


def _question_kinds(index: KnowledgeIndex, text: str) -> List[str]:
    return targets(index.question_kinds.find(text))


def question_kind(reading: Reading, intent: Optional[str]) -> Optional[str]:
    """The kind of question: the words of the message, the intent to break ties."""
    from_intent = QUESTION_KIND_OF_INTENT.get(intent or "")
    kinds = reading.question_kinds
    if not kinds:
        return from_intent
    if from_intent in kinds:
        return from_intent
    return min(kinds, key=KIND_PRIORITY.index)


def decide(
    index: KnowledgeIndex,
    reading: Reading,
    intent: Optional[str],
    slots: Dict[str, object],
    trust_context: bool = True,
) -> Decision:
    """What to answer to a procedure question, given what the conversation was about.

    `slots`: procedure, organ, question kind ("aspect") and the candidates of a
    pending clarifying question, from the conversation so far.
    `trust_context`: whether symptoms alone may lead to a clarifying question
    (not for a message the NLU did not take for a procedure question).
    """
    kind = question_kind(reading, intent)
    current = _procedure_id(index, slots.get("procedure"))
    pending_kind = slots.get("aspect") if slots.get("aspect") in QUESTION_KINDS else None
    pending_candidates = [c for c in slots.get("candidates") or [] if c in _procedure_ids(index)]

    if reading.other_act or reading.outside_site:
        return Decision(
            "not_described",
            question_kind=kind,
            other_act=reading.other_act,
            outside_site=reading.outside_site,
            candidates=reading.procedures,
        )
    if reading.not_covered_topic:
        return Decision("out_of_scope", procedure=current)

    organ = reading.organs[0] if len(reading.organs) == 1 else None
    if reading.procedures:
        procedure = reading.procedures[0]
    elif reading.candidates and (trust_context or reading.named_by != "context"):
        # The conversation decides between candidates: the procedure discussed, or the
        # one answer to the clarifying question just asked ("c'est pour la bile").
        chosen = [c for c in reading.candidates if c == current or c in pending_candidates]
        if len(chosen) == 1:
            procedure = chosen[0]
        else:
            return Decision(
                "clarify", question_kind=kind or pending_kind, organ=organ, candidates=reading.candidates
            )
    elif current in reading.sites_outside:
        # "et pour le genou ?" after the spinal infiltration: a site the page does not describe.
        outside_site = (current, reading.sites_outside[current])
        return Decision("not_described", question_kind=kind, outside_site=outside_site)
    elif current:
        procedure = current  # a follow-up: "et ça dure combien ?"
    else:
        asks_something = set(reading.question_kinds) - {"overview"}  # "c'est quoi X ?", X unknown
        if not asks_something and not reading.organs and intent != "inform_procedure":
            return Decision("none")  # no procedure question recognised
        return Decision(
            "clarify", question_kind=kind or pending_kind, organ=organ, candidates=_procedure_ids(index)
        )

    follow_up = procedure == current and not reading.procedures
    if organ is None and procedure == current and len(reading.organs) < 2:
        organ = _organ_id(index, slots.get("organ"))
    if follow_up and reading.organs and not reading.question_kinds:
        # "et pour le poumon ?" after an overview: the fact that depends on the organ.
        kind = _kind_for_organ(index, procedure) or kind
    if kind is None and reading.part_of_description:
        kind = "how_it_is_done"  # "il faut refaire une IRM après ?": where the page mentions it
    if kind is None:
        answers_pending = (
            procedure == current or procedure in pending_candidates or intent == "inform_procedure"
        )
        kind = pending_kind if answers_pending else None
    return Decision("answer", procedure=procedure, question_kind=kind or "overview", organ=organ)


def _procedure_ids(index: KnowledgeIndex) -> List[str]:
    return [procedure.id for procedure in index.knowledge.procedures]


def _kind_for_organ(index: KnowledgeIndex, procedure_id: str) -> Optional[str]:
    """ "et pour le poumon ?": the fact of this procedure that depends on the organ."""
    facts = index.knowledge.procedure(procedure_id).facts
    for aspect, fact in facts:
        if fact.by_organ:
            return aspect
    return None


def _procedure_id(index: KnowledgeIndex, value: object) -> Optional[str]:
    procedure = index.find_procedure(value) if isinstance(value, str) else None
    return procedure.id if procedure else None


def _organ_id(index: KnowledgeIndex, value: object) -> Optional[str]:
    return index.find_organ(value) if isinstance(value, str) else None
