"""What a patient's message asks: the one place that decides the procedure and the questions.

`read_message` reads the whole message with the knowledge file's words, part by
part (a part ends at a punctuation mark, "et", "mais" or "puis"): the
procedures it names, each meant, excluded ("pas la biopsie"), past ("j'ai déjà
eu une biopsie") or corrected ("ah non pardon, c'est …"); the acts the page
does not describe; the organs; and every question asked, part by part, with
the topics the page never covers. `decide` then weighs that reading, the
classifier's intent (only where the words say nothing) and the conversation
(the procedure discussed, a pending clarifying question), and returns a
`Decision`: every (procedure, question) to answer in one reply, or a
clarifying question, or an honest "not described". So one generic word never
picks a procedure alone, a symptom is never taken for a procedure, and an act
the page does not describe never gets a covered procedure's facts.
Plain functions of (index, text, intent, slots): tested without Rasa.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Dict, List, Literal, Optional, Sequence, Set, Tuple

from knowledge import GENERAL_ANSWER_OF_KIND, GENERAL_FACT_OF_KIND, QUESTION_KINDS, KnowledgeIndex
from knowledge.words import Mention, PhraseMatcher, Target, positions, stems, targets

# The question kind of each intent that asks one: read only when the words of the message give none.
QUESTION_KIND_OF_INTENT = {
    "ask_purpose": "purpose",
    "ask_how_it_is_done": "how_it_is_done",
    "ask_duration": "duration",
    "ask_anaesthesia": "anaesthesia",
    "ask_hospital_stay": "hospital_stay",
    "ask_overview": "overview",
    "ask_location": "location",
}
# General questions, answered from the knowledge file's `general` facts when no
# procedure question is read in the message.
GENERAL_TOPIC_OF_INTENT = {
    "ask_interventional_radiology": "interventional_radiology",
    "ask_pain": "pain_relief",
    "ask_location": "location",
    "ask_hygiene": "asepsis",
}
# Intents that ask about a procedure; with nothing named, the assistant asks which one.
PROCEDURE_INTENTS = {*QUESTION_KIND_OF_INTENT, "inform_procedure"} - set(GENERAL_TOPIC_OF_INTENT)
# Intents of small talk: answered with their response unless the words ask about a procedure.
SMALL_TALK_INTENTS = {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"}
# Question words as common in questions on anything as in questions on a procedure ("comment",
# "pourquoi", "c'est quoi"): alone, they do not overrule an intent that is no procedure question.
VAGUE_KINDS = {"overview", "how_it_is_done", "purpose"}
# Within one part of a message, the words of the first kind carry those of the second:
# "je reste combien de temps" asks the stay, "comment on m'endort" the anaesthesia,
# and any precise question more than "qu'est-ce que".
CARRIES = {
    "hospital_stay": {"duration"},
    "delay": {"duration"},
    "anaesthesia": {"how_it_is_done"},
    "location": {"how_it_is_done"},
    "urgency": {"how_it_is_done"},
    "organs_concerned": {"how_it_is_done", "location", "overview"},
}
# A topic the page never covers carries the other question words of its part ("combien de
# temps pour les résultats" is not the act's length), except these, asked beside it ("c'est
# urgent ou on prend rendez-vous ?").
KINDS_BESIDE_A_TOPIC = {"risks", "urgency"}
# General facts of the page a part of a message may ask about a procedure, beside other questions.
GENERAL_TOPICS_OF_A_PART = {"pain_relief"}
# Parts of a message: sentences, clauses after a comma, a colon or a list's "1)", and "et" (not
# "et non"), "mais", "puis"…
PART_BREAK = re.compile(
    r"[.!?;:,+\n]+|\s\d\)|\s(?:et(?!\s+non\b)|mais|puis|ou bien|ainsi que)\s", re.IGNORECASE
)
# An exclusion cue excludes the name that follows it: at once ("pas pour une biopsie"), or this
# many words on at most, with no question between, when another procedure is meant ("je ne veux
# pas d'information sur la biopsie mais sur …"; never "je ne sais pas combien dure la biopsie").
DETERMINERS = frozenset("c ce d de des du en est l la le les ma mes mon pour sa ses son un une".split())
EXCLUSION_REACH = 6
# "ne" and "pas" this many words apart at most negate the verb between them ("on ne m'endort pas").
NEGATED_VERB_REACH = 4
QUESTION_WORDS = frozenset("si combien comment quand pourquoi quel quelle quels quelles ou".split())
# A message of this many words or fewer that asks "comment ?" or "pourquoi ?" is about a
# procedure, to be asked which one; a longer one must name it or refer to an act.
SHORT_MESSAGE_WORDS = 6
# What the act does names it with another word pointing to the same procedure alone ("détruire ma
# tumeur en la chauffant": 2); a longer act phrase counts as more.
ACT_DESCRIBED_WEIGHT = 2
# Exclusion cues that also say "besides": beside a question on alternatives, the procedure is meant.
BESIDES = frozenset(
    {"a part", "sauf", "hormis", "excepte", "autre que", "autre chose que", "a la place de", "a la place du"}
)
# Words between "pas" and the organ or context word it denies: "pas au foie", "pas un abcès".
DENIED_WORD_LINKS = DETERMINERS | {"a", "au", "aux", "dans", "sur"}
# The statuses of a name the message is about.
MEANT = ("meant", "current")
# A pronoun right before "fait mal": pain told as a symptom ("me fait mal"), not asked about.
SYMPTOM_TOLD = [[pronoun] for pronoun in ("me", "m", "te", "lui", "leur")]
# "si" before "pas": a hypothesis on the procedure, not a procedure set aside.
HYPOTHESIS = "si"
# "comme" right before an act the page does not describe: a comparison, not the act asked about.
COMPARISON = "comme"
# A site outside a procedure's scope this many words after "comme" is a comparison too.
COMPARISON_REACH = 8
# "après" beginning a part, right before a name: the procedure after which what is asked comes.
AFTER = "apres"
# Negation words, left out to read a question a negation splits ("on ne dort pas à la clinique ?").
NEGATION_WORDS = frozenset("ne n pas".split())
# Articles that make the words after "pas" a question set aside, not a negated one.
DEFINITE_ARTICLES = frozenset("l la le les du".split())
# Words that name a question before its own words: "le temps passé à la clinique", "la durée du séjour".
QUESTION_NOUNS = frozenset("temps duree question de d des".split())
# "pouvoir" before "pas": "on ne peut pas …" asks whether it can be done.
CAN = [[form] for form in "peut peux pouvez pourrait pourriez pourrais pourrions peuvent pourraient".split()]
# Words that begin a complement of a name said before: "pas une biopsie du poumon, mais d'un ganglion".
COMPLEMENT_STARTS = frozenset("d de du des".split())
# Words that may join two names the patient hesitates between: "une biopsie ou un drainage".
ALTERNATIVE_LINKS = frozenset("ou un une le la l d de des du".split())


@dataclass(frozen=True)
class Asked:
    """One thing to answer: a question kind about a procedure (and organ), or a topic the page
    never covers (`topic`, with the procedure it was asked about, if any)."""

    procedure: Optional[str] = None
    kind: Optional[str] = None
    organ: Optional[str] = None
    topic: Optional[str] = None


@dataclass
class Part:
    """One part of a message, as read: the question kinds and topics it asks, the procedures it names."""

    kinds: List[str] = field(default_factory=list)
    topics: List[str] = field(default_factory=list)
    procedures: List[str] = field(default_factory=list)  # meant
    not_meant: List[str] = field(default_factory=list)  # named, but excluded or had before
    organs: List[str] = field(default_factory=list)  # the most specific ones named in this part
    # Whose procedures the part is about ("pour elle", "mon père", "pour lui et pour moi"), said
    # in it or in the part before it that names and asks nothing ("Elle, elle reste combien ?").
    persons: List[str] = field(default_factory=list)
    ends_with_a_question_mark: bool = False


@dataclass
class Reading:
    """What one message says, before the conversation is taken into account."""

    procedures: List[str] = field(default_factory=list)  # named explicitly, meant
    excluded: List[str] = field(default_factory=list)  # named, but not meant ("pas la biopsie")
    candidates: List[str] = field(default_factory=list)  # fits a generic word or symptoms, not decided
    # How the subject was found: "name", "generic", "context" (candidates), or "description" (the
    # page's reason for it, the clinic's act or what the act does, beside words pointing to it alone)
    named_by: Optional[str] = None
    other_act: Optional[str] = None  # an act the page does not describe
    outside_site: Optional[Tuple[str, str]] = None  # (procedure id, site word) outside its scope
    # Every site word outside a procedure's scope, named or not: "et pour le genou ?" after the infiltration.
    sites_outside: Dict[str, str] = field(default_factory=dict)
    organs: List[str] = field(default_factory=list)  # the most specific ones
    parts: List[Part] = field(default_factory=list)
    part_of_description: bool = False  # an act the page mentions in how the named procedure is done
    mistaken: bool = False  # "ah non pardon": what was said before, here or earlier, is not meant
    corrects: bool = False  # "non, c'est …", "en fait …", "pardon": corrects what was said
    refers_to_an_act: bool = False  # "l'intervention", "le geste": an act meant, not named
    of_every_act: bool = False  # "vos gestes", "les interventions": every act, in general
    # procedure -> person ("me", "her", "him"), when two persons have one each
    owners: Dict[str, str] = field(default_factory=dict)
    short: bool = False  # a few words only ("comment ça se passe ?"): a question about the procedure
    unfamiliar: List[str] = field(default_factory=list)  # words no list knows ("signe astrologique")
    general_topic: Optional[str] = None  # words of a general question ("la douleur pendant les gestes")
    names_only: bool = False  # nothing but names and linking words: "et pour le poumon ?"
    continues: bool = False  # begins with "et": "et pour le drain du rein ?" asks the same again
    undecided: bool = False  # "je ne sais plus si c'est une néphrostomie ou un drainage": ask which
    doubts_the_name: bool = False  # a doubt cue ("je ne suis plus sûre du nom"), named or not

    @property
    def question_kinds(self) -> List[str]:
        """Every question kind asked, in order."""
        return list(dict.fromkeys(kind for part in self.parts for kind in part.kinds))

    @property
    def topics(self) -> List[str]:
        """Every topic asked about beside the question kinds, in order: those the page never
        covers, and pain relief (a general fact of the page)."""
        return list(dict.fromkeys(topic for part in self.parts for topic in part.topics))


DecisionOutcome = Literal["answer", "not_described", "clarify", "out_of_scope", "general", "none"]


@dataclass
class Decision:
    """What to answer. `outcome`: answer (every `asked`), not_described, clarify (`candidates`,
    with the `pending` kinds to answer once chosen), out_of_scope, general (`topic`), or none
    (no procedure question read: the intent decides)."""

    outcome: DecisionOutcome
    asked: List[Asked] = field(default_factory=list)
    candidates: List[str] = field(default_factory=list)
    pending: List[str] = field(default_factory=list)
    other_act: Optional[str] = None
    outside_site: Optional[Tuple[str, str]] = None
    topic: Optional[str] = None
    # Kept for follow-ups after out-of-scope or general replies.
    procedure_discussed: Optional[str] = None
    organ_discussed: Optional[str] = None
    # The procedure was not named: the page's act for what the patient described (the reply says which).
    described: bool = False

    @property
    def procedure(self) -> Optional[str]:
        """The procedure the conversation is now about: the last one answered."""
        answered = [asked.procedure for asked in self.asked if asked.procedure]
        return answered[-1] if answered else self.procedure_discussed

    @property
    def question_kinds(self) -> List[str]:
        kinds = [asked.kind for asked in self.asked if asked.kind]
        return list(dict.fromkeys(kinds or self.pending))

    @property
    def organ(self) -> Optional[str]:
        if not self.asked:
            return self.organ_discussed
        organs = {asked.organ for asked in self.asked if asked.procedure == self.procedure}
        return organs.pop() if len(organs) == 1 else None


# --- Reading a message ---


def message_parts(text: str) -> List[str]:
    return [part for part in PART_BREAK.split(text) if part and part.strip()]


def question_marks(text: str) -> List[bool]:
    """For each of the message's parts, whether a question mark ends it."""
    marks: List[bool] = []
    position = 0
    for match in PART_BREAK.finditer(text):
        if text[position : match.start()].strip():
            marks.append("?" in match.group())
        position = match.end()
    if text[position:].strip():
        marks.append(False)
    return marks


@dataclass
class Named:
    """A procedure, generic word or act named in a message: in which part, and how it is concerned."""

    part: int
    mention: Mention
    # meant, current, past, excluded, doubtful (excluded if another procedure is meant), or
    # aside (an act the page does not describe, told in passing)
    status: str = "meant"

    @property
    def procedure(self) -> Optional[str]:
        kind, target_id = self.mention.target
        return target_id if kind == "procedure" else None


def read_message(index: KnowledgeIndex, text: str) -> Reading:
    """Procedures (with their status), acts, organs, question kinds and topics named in a message."""
    parts = [index.vocabulary.correct(part) for part in message_parts(text)]
    marks = question_marks(text)
    reading = Reading()
    named: List[Named] = []
    asks_alternatives = "alternatives" in targets(index.question_kinds.find(stems(" ".join(parts))))
    generic_before: Optional[Mention] = None
    for number, part in enumerate(parts):
        subjects = index.subjects.find(part)
        subjects = _with_words_standing_for_a_generic_word(index, part, subjects, generic_before)
        generic_before = next(
            (g for m in reversed(subjects) for g in [_generic_word_of(index, m)] if g), generic_before
        )
        named += [
            Named(number, mention, _status(index, part, mention, subjects, asks_alternatives))
            for mention in subjects
        ]
        reading.parts.append(_read_part(index, part, subjects))
        reading.parts[-1].ends_with_a_question_mark = number < len(marks) and marks[number]
        not_asked = _says(index, part, "not_asked")
        if not_asked and number and not reading.parts[-1].kinds:
            # "je sais qu'il y a une anesthésie locale, ce n'est pas ma question : …"
            reading.parts[-2].kinds = []
    _carry_the_past_to_the_next_part(index, parts, named, reading.parts)
    reading.corrects, reading.mistaken = _apply_corrections(index, parts, named)
    _exclude_names_denied_after(index, parts, named, reading.parts)
    _exclude_what_is_set_aside_after(index, parts, named)
    _exclude_what_a_demonstrative_sets_aside(index, parts, named)
    complement_denied = _exclusions_of_a_complement(index, parts, named)
    # Each part's reading cues, in the order said: found once.
    cues_in_order = [(number, cue) for number, part in enumerate(parts) for cue in index.cues.find(part)]
    cue_kinds = {cue.target for _, cue in cues_in_order}
    reading.refers_to_an_act = bool(cue_kinds & {"reference", "clinic_act"})
    reading.of_every_act = "every_act" in cue_kinds
    reading.short = len(" ".join(parts).split()) <= SHORT_MESSAGE_WORDS
    reading.unfamiliar = index.unfamiliar_words(" ".join(parts))
    general = targets(index.general_topics.find(stems(" ".join(parts))))
    # "où sont réalisés les actes de radiologie interventionnelle ?": the place, not the definition.
    general = [topic for topic in general if topic != "interventional_radiology"] or general
    reading.general_topic = general[0] if len(general) == 1 else None
    _keep_only_the_current(index, named, reading.parts)
    _set_aside_the_one_after_which(parts, named, reading.parts)
    _set_aside_acts_told_in_passing(reading.parts, named)

    meant = [n.mention for n in named if n.status in MEANT]
    past = [n.mention for n in named if n.status == "past"]
    # A procedure had before counts only when nothing else is meant: its question is then about it.
    whole = " ".join(parts)
    # The words around an excluded name say nothing of the one meant: "pas l'embolisation du
    # foie mais celle de mes fibromes".
    # (Not another way of doing a procedure named: "ce n'est pas par endoscopie qu'on va me
    # déboucher les voies biliaires" describes the act meant.)
    excluded_only = {
        n.part for n in named if n.status == "excluded" and not _another_way_of_doing(index, n, named)
    } - {n.part for n in named if n.status != "excluded"}
    excluded_only |= complement_denied
    # "pas celle qu'on fait sur le foie avant une hépatectomie, l'autre": what it says is of the
    # one set aside.
    excluded_only |= {number for number, part in enumerate(parts) if _sets_aside_by_a_pronoun(index, part)}
    meant_text = " ".join(part for number, part in enumerate(parts) if number not in excluded_only)
    _read_subject(index, reading, meant or past, meant_text)
    if reading.named_by == "name" and not reading.other_act:
        reading.procedures += _generic_words_decided_in_their_part(index, parts, named, reading.procedures)
    either = _alternatives(index, parts, named)
    if len(either) > 1 and not reading.other_act:
        # "une biopsie ou un drainage ?": the patient does not know which; ask.
        reading.procedures, reading.candidates, reading.named_by = [], either, "name"
    settled = [(number, cue.start) for number, cue in cues_in_order if cue.target == "settled"]
    # "je ne suis pas sûr que ce soit une biopsie… ah si, c'est bien ça": a doubt the patient
    # settles after is no doubt.
    doubts = [
        (number, cue.end)
        for number, cue in cues_in_order
        if cue.target == "undecided" and not any(place > (number, cue.end) for place in settled)
    ]
    reading.doubts_the_name = bool(doubts)
    undecided = _undecided_between(index, parts, reading, named, doubts, meant_text)
    asked_of_each = any(_says(index, part, "both") for part in parts)
    if len(undecided) > 1 and not reading.other_act and asked_of_each:
        # "le médecin hésite entre une radiofréquence et une embolisation : à quoi sert chacune
        # des deux ?": each one's answer.
        reading.procedures, reading.named_by = undecided, "name"
    elif len(undecided) > 1 and not reading.other_act:
        reading.procedures, reading.candidates, reading.named_by = [], undecided, "context"
        reading.undecided = True
    excluded = [n.procedure for n in named if n.status == "excluded" and n.procedure]
    reading.excluded = [p for p in dict.fromkeys(excluded) if p not in reading.procedures]
    # A procedure named as had before and as meant ("j'ai eu une biopsie du poumon l'an dernier,
    # cette fois c'est une biopsie du foie"): the parts where it is meant say which one.
    meant_ids = {n.procedure for n in named if n.status in MEANT}
    said_now = [_says(index, part, "current") for part in parts]
    again_on_an_organ = _had_before_now_on_an_organ(index, parts, named, said_now)
    meant_ids |= set(again_on_an_organ.values())
    narrated: Set[int] = set()
    narrated_kinds: List[str] = []
    for number, part in enumerate(reading.parts):
        in_part = [
            n.procedure
            for n in named
            if n.part == number and (n.status != "past" or n.procedure not in meant_ids)
        ]
        told_before = [n for n in named if n.part == number and n.procedure in meant_ids]
        in_this_part = [n for n in named if n.part == number]
        # (The parts after it that name nothing tell it too, until one says "cette fois".)
        goes_on = number - 1 in narrated and not in_this_part and not said_now[number]
        if (told_before and all(n.status == "past" for n in told_before)) or goes_on:
            # "la dernière fois, pour ma biopsie sous la peau, je suis reparti tout de suite":
            # what that part tells is the one had before, not a question on the one meant.
            narrated_kinds += part.kinds
            part.kinds = []
            narrated.add(number)
        # A generic word stands for the procedure named elsewhere in the message that it can
        # mean: "une embolisation portale puis une thermoablation … attendre après l'embolisation ?"
        stood_for = [
            candidate
            for n in named
            if n.part == number and n.mention.target.kind == "ambiguous" and n.status in MEANT
            for candidate in _stood_for(index, n, named, reading.procedures)
        ]
        stood_for += [again_on_an_organ[number]] if number in again_on_an_organ else []
        part.procedures = [p for p in reading.procedures if p in in_part or p in stood_for]
        part.not_meant = [p for p in dict.fromkeys(in_part) if p and p not in reading.procedures]
    _ask_beside_a_site(index, parts, reading)
    if narrated_kinds and not reading.question_kinds and not reading.topics:
        # "… je suis reparti tout de suite, là c'est une biopsie profonde, pareil ?"
        reading.parts[-1].kinds = list(dict.fromkeys(narrated_kinds))
    reading.organs = _most_specific_organs(index, meant_text)
    for number, part in enumerate(reading.parts):
        if number not in excluded_only | narrated:
            part.organs = _most_specific_organs(index, parts[number], within_a_part=True)
    _drop_corrected_organs(index, parts, reading)
    _point_to_by_place(index, parts, reading, named)
    reading.owners = _owners(index, parts, reading.parts)
    reading.names_only = index.names_only(whole)
    reading.continues = whole.startswith("et ")
    return reading


def _ask_beside_a_site(index: KnowledgeIndex, parts: Sequence[str], reading: Reading) -> None:
    """ "on peut drainer un abcès dans un muscle ?", "la thermo-ablation, c'est possible sur l'os ?":
    in a part that asks nothing else, words that ask a kind only beside a site (`with_a_site`) ask
    it when a site the procedure may be done on follows them, for a procedure the page answers it of."""
    for number, part in enumerate(reading.parts):
        procedures = part.procedures or (reading.procedures if len(reading.procedures) == 1 else [])
        if part.kinds or part.topics or not procedures:
            continue
        places = index.organs.find(parts[number]) + [
            m for m in index.context.find(parts[number]) if m.target.id in procedures
        ]
        for cue in index.kinds_with_a_site.find(stems(parts[number])):
            known = all(getattr(index.knowledge.procedure(p).facts, cue.target).is_known for p in procedures)
            if known and any(place.start >= cue.end for place in places):
                part.kinds = [cue.target]


def _point_to_by_place(
    index: KnowledgeIndex, parts: Sequence[str], reading: Reading, named: List[Named]
) -> None:
    """ "une biopsie puis une thermoablation : pour la deuxième, je reste combien ?": a part that
    names nothing is about the procedure named first or second, or "l'autre" (of two, the one
    the part before did not name)."""
    order = list(dict.fromkeys(n.procedure for n in named if n.procedure in reading.procedures))
    before: List[str] = []
    for number, part in enumerate(reading.parts):
        words = parts[number].split()
        # (Not "la première fois".)
        cues = [cue for cue in index.cues.find(parts[number]) if words[cue.end : cue.end + 1] != ["fois"]]
        said = {cue.target for cue in cues}
        if not part.procedures and len(order) == 2:
            if "first" in said:
                part.procedures = order[:1]
            elif "second" in said:
                part.procedures = order[1:]
            elif "other" in said and len(set(before)) == 1:
                part.procedures = [p for p in order if p not in before]
        if part.procedures:
            before = list(part.procedures)


def _with_words_standing_for_a_generic_word(
    index: KnowledgeIndex, part: str, subjects: List[Mention], before: Optional[Mention]
) -> List[Mention]:
    """ "pas le drain de la vésicule, celui du rein": "celui" is the generic word said before it
    (in this part or an earlier one), followed by the words that decide it."""
    words = part.split()
    taken = positions(subjects)
    found = list(subjects)
    for position, word in enumerate(words):
        earlier = [g for m in found if m.start < position for g in [_generic_word_of(index, m)] if g]
        generic = earlier[-1] if earlier else before
        followed = position + 1 < len(words)
        if word in index.standing_for_a_word and position not in taken and generic and followed:
            found.append(Mention(generic.target, position, position + 1, word))
    return sorted(found, key=lambda mention: (mention.start, mention.target))


def _undecided_between(
    index: KnowledgeIndex,
    parts: Sequence[str],
    reading: Reading,
    named: Sequence[Named],
    doubts: Sequence[Tuple[int, int]],
    text: str,
) -> List[str]:
    """ "on m'a parlé soit de la brûler, soit de faire grossir le foie, je ne sais plus": the
    procedures named or whose act or indication is described, when the patient says they do not
    know which it will be; with a generic word, its candidates ("une embolisation portale, enfin
    je crois, en tout cas une embolisation"), or those the words after the doubt point to ("un
    drain, je ne sais plus si c'est pour le rein ou pour la bile"). `doubts`: (part, end) of each
    doubt cue."""
    if not doubts:
        return []
    described = targets([*index.acts.find(text), *index.indications.find(text)])
    generic = [
        candidate
        for n in named
        if n.mention.target.kind == "ambiguous" and n.status in MEANT
        for candidate in _procedures_of(index, n)
    ]
    first = min(doubts)
    after = [
        (m.target.id, m.start in positions(index.organs.find(part)))
        for number, part in enumerate(parts)
        for m in index.context.find(part)
        if (number, m.start) >= first and m.target.kind == "context"
    ]
    if generic:
        pointed_after = [p for p, _ in after if p in generic]
        generic = generic if len(set(pointed_after)) < 2 else []
    else:
        # An organ points to every procedure done on it: the other words say more ("les urines du rein").
        pointed_after = [p for p, organ in after if not organ] or [p for p, _ in after]
    between = [*reading.procedures, *reading.candidates, *described, *generic, *pointed_after]
    return list(dict.fromkeys(between))


def _generic_word_of(index: KnowledgeIndex, mention: Mention) -> Optional[Mention]:
    """The generic word a mention is or begins with: "drain" of "drain de la vésicule"; a
    procedure's name stands for itself ("pas l'infiltration du genou, celle du dos")."""
    if mention.target.kind == "ambiguous":
        return mention
    first = mention.words.split()[0]
    generic = [t for t in index.subjects.targets_of(first) if t.kind == "ambiguous"]
    if generic:
        return Mention(generic[0], mention.start, mention.start + 1, first)
    return mention if mention.target.kind == "procedure" else None


def _owners(index: KnowledgeIndex, texts: Sequence[str], parts: Sequence[Part]) -> Dict[str, str]:
    """Whose each procedure is, when the message gives two or more persons one each ("ma mère a
    une biopsie, et moi une néphrostomie"); sets each part's `person`."""
    owners: Dict[str, Optional[str]] = {}
    carried: List[str] = []
    for text, part in zip(texts, parts, strict=True):
        said = list(dict.fromkeys(targets(index.persons.find(text))))
        part.persons = said or carried
        # (A part naming two persons owns no procedure: "moi une biopsie et mon père une …".)
        person = part.persons[0] if len(part.persons) == 1 else None
        for procedure in part.procedures:
            # Named again for another person: whose it is is not known.
            agrees = owners.get(procedure, person) == person
            owners[procedure] = person if agrees else None
        named_or_asked = part.procedures or part.kinds or part.topics
        carried = [] if named_or_asked else part.persons
    known = {procedure: person for procedure, person in owners.items() if person and person != "theirs"}
    return known if len(set(known.values())) > 1 else {}


def _owned(reading: Reading, part: Part) -> List[str]:
    """The one procedure of each person a part is about: "pour elle", "la sienne" (not the
    patient's), "pour lui et pour moi"."""
    owned: List[str] = []
    for whose in part.persons:
        if whose == "theirs":
            theirs = [p for p, person in reading.owners.items() if person != "me"]
        else:
            theirs = [p for p, person in reading.owners.items() if person == whose]
        if len(theirs) != 1:
            return []
        owned += theirs
    return list(dict.fromkeys(owned))


def _read_part(index: KnowledgeIndex, part: str, subjects: Sequence[Mention]) -> Part:
    """The question kinds and topics one part asks: a topic the page never covers carries the
    part ("combien de temps pour les résultats" is not the act's length), but for a risk question."""
    stemmed = stems(part)
    found = _found_through_negation(index.question_kinds, stemmed)
    # A topic's words within a longer question phrase ask nothing ("me préparer un sac" is the stay).
    # (And a kind's words within a longer topic phrase ask nothing: "une fois rentré à la maison,
    # que dois-je surveiller ?" is not the stay.)
    # ("je ne mange pas le matin de ma néphrostomie ?" asks about fasting.)
    topic_phrases = [
        t
        for t in _found_through_negation(index.not_covered_topics, stemmed)
        if not any(_overlaps(t, kind) for kind in found)
    ]
    # Question words inside a procedure's name ask nothing ("grossir le foie", "dans les voies
    # biliaires"), nor those the patient says they do not ask ("je ne vous demande pas comment…").
    cues = index.cues.find(part)
    not_asked = any(cue.target == "not_asked" for cue in cues)
    # ("je ne vais pas vous demander le prix": nor the topics.)
    topics = [] if not_asked else targets(topic_phrases)
    # A kind's words inside a longer phrase of another kind ask nothing either: "c'est quoi
    # comme technique" asks what it is, not how it is done; nor inside what an act does ("pour
    # le faire grossir").
    # Nor inside a word owning a mistake: "pardon, je parlais de l'infiltration" asks no overview.
    mistakes = [cue for cue in cues if cue.target == "mistake"]
    said = [*subjects, *index.acts.find(part), *mistakes]
    words = part.split()
    asked = [
        m
        for m in found
        if not any(s.start <= m.start and m.end <= s.end for s in said)
        and not _excludes_the_name_after(m, words, subjects)
        and not any(_inside(m, other) and other.target != m.target for other in found)
        and not any(_overlaps(m, topic) for topic in topic_phrases)
        and not not_asked
        and not _organ_forgotten(cues, words, m)
        and not _set_aside_by_its_name(cues, words, m)
    ]
    kinds = targets(asked)
    if topics:
        # Only a risk or urgency question is asked beside the topic ("ça peut donner des douleurs après ?").
        return Part(kinds=[kind for kind in kinds if kind in KINDS_BESIDE_A_TOPIC], topics=topics)
    # "est-ce que la biopsie fait mal et combien de temps ça dure ?": the page's general fact on
    # pain relief, answered beside the procedure's.
    # (Not pain told as a symptom: "ma sciatique me fait mal la nuit".)
    general = [
        m
        for m in _found_through_negation(index.general_topics, stemmed)
        if words[m.start - 1 : m.start] not in SYMPTOM_TOLD
    ]
    topics = [t for t in targets(general) if t in GENERAL_TOPICS_OF_A_PART]
    carried = {other for kind in kinds for other in CARRIES.get(kind, ())}
    kinds = [kind for kind in kinds if kind not in carried]
    if len(kinds) > 1 and "overview" in kinds:
        kinds.remove("overview")
    return Part(kinds=sorted(kinds, key=QUESTION_KINDS.index), topics=topics)


def _set_aside_by_its_name(cues: Sequence[Mention], words: Sequence[str], asked: Mention) -> bool:
    """ "pas la durée du geste, combien de nuits je reste ?": a question named with a definite
    article right after "pas" is the one not asked (but "il n'y a pas de douleur ?" asks it)."""
    between = [
        words[cue.end : asked.start] for cue in cues if _excludes(cue, words) and cue.end <= asked.start
    ]
    if not between:
        return False
    # "pas de la durée" too; and "pas le temps passé à la clinique", "pas la durée du séjour".
    articles = between[-1][1:] if between[-1][:1] in (["de"], ["d"]) else between[-1]
    naming_words = DEFINITE_ARTICLES | QUESTION_NOUNS
    return bool(articles) and articles[0] in DEFINITE_ARTICLES and all(w in naming_words for w in articles)


def _found_through_negation(matcher: PhraseMatcher, stemmed: str) -> List[Mention]:
    """The phrases of a part, and those a negation splits ("on ne dort pas à la clinique ?", "ce
    n'est pas douloureuse ?"): read again without "ne" and "pas", at their positions in the part.
    (Not the vague kinds: "je ne parle pas de l'embolisation du foie" asks no overview.)"""
    found = matcher.find(stemmed)
    words = stemmed.split()
    kept = [position for position, word in enumerate(words) if word not in NEGATION_WORDS]
    if len(kept) == len(words):
        return found
    for m in matcher.find(" ".join(words[position] for position in kept)):
        if m.target in VAGUE_KINDS:
            continue
        start, end = kept[m.start], kept[m.end - 1] + 1
        if not any(other.start <= start and end <= other.end for other in found):
            found.append(Mention(m.target, start, end, m.words))
    return sorted(found, key=lambda mention: mention.start)


def _organ_forgotten(cues: Sequence[Mention], words: Sequence[str], asked: Mention) -> bool:
    """ "je ne sais plus dans quel organe": the organ the patient forgot (one), no question on the
    organs a procedure treats ("je ne sais plus sur quels organes on la fait" is one)."""
    doubts = [cue for cue in cues if cue.target == "undecided"]
    near = any(0 <= asked.start - cue.end <= 1 for cue in doubts)
    one_organ = "organe" in words[asked.start : asked.end]
    return asked.target == "organs_concerned" and near and one_organ


def _excludes_the_name_after(asked: Mention, words: Sequence[str], subjects: Sequence[Mention]) -> bool:
    """ "une néphrostomie plutôt qu'une biopsie": words of a question ("plutôt que") right before a
    name they set aside for another ask nothing ("à la place de la thermo-ablation, qu'est-ce
    qu'on peut faire ?" asks its alternatives)."""
    set_aside = [
        s
        for s in subjects
        if s.start >= asked.end and all(word in DETERMINERS for word in words[asked.end : s.start])
    ]
    others = [s for s in subjects if s.target not in {aside.target for aside in set_aside}]
    return asked.target == "alternatives" and bool(set_aside) and bool(others)


def _inside(mention: Mention, other: Mention) -> bool:
    """`mention` lies within the longer `other`."""
    shorter = mention.end - mention.start < other.end - other.start
    return shorter and other.start <= mention.start and mention.end <= other.end


def _overlaps(mention: Mention, other: Mention) -> bool:
    """`mention` shares words with the longer `other`."""
    shorter = mention.end - mention.start < other.end - other.start
    return shorter and mention.start < other.end and other.start < mention.end


def _status(
    index: KnowledgeIndex, part: str, mention: Mention, subjects: Sequence[Mention], asks_alternatives: bool
) -> str:
    """meant, current, past, excluded, or doubtful (excluded if another procedure is meant),
    from the cues of the mention's part."""
    cues = index.cues.find(part)
    words = part.split()
    for cue in cues:
        if not _excludes(cue, words) or not cue.end <= mention.start <= cue.end + EXCLUSION_REACH:
            continue
        if _negates_a_question_word(index, words, cue):
            continue  # "on ne m'endort pas pour la biopsie ?": the question is negated, not the biopsy
        if HYPOTHESIS in words[: cue.start]:
            continue  # "et si on ne fait pas l'embolisation portale, qu'est-ce qui se passe ?"
        between = words[cue.end : mention.start]
        if all(word in DETERMINERS for word in between):
            another = any(s.target != mention.target and s.target.kind == "procedure" for s in subjects)
            if cue.words in BESIDES and asks_alternatives and not another:
                # "à part l'infiltration, d'autres solutions ?": its alternatives (but "à la place
                # de la biopsie, on me fait une néphrostomie" sets the biopsy aside)
                return "meant"
            return "excluded"  # "pas la biopsie", "ce n'est pas une biopsie"
        nearer = [s for s in subjects if cue.end <= s.start < mention.start]
        kinds = {m.target for m in index.question_kinds.find(stems(" ".join(between)))} - {"overview"}
        if not nearer and not kinds and not QUESTION_WORDS & set(between):
            return "doubtful"  # "je ne veux pas d'information sur la biopsie (mais sur …)"
    if mention.target.kind == "other_act" and COMPARISON in words[max(0, mention.start - 3) : mention.start]:
        return "aside"  # "un peu comme une coronarographie mais pour les organes"
    said = {cue.target for cue in cues}
    if "current" in said:
        return "current"
    if "past" in said:
        return "past"
    return "meant"


def _carry_the_past_to_the_next_part(
    index: KnowledgeIndex, parts: Sequence[str], named: List[Named], read: Sequence[Part]
) -> None:
    """ "la dernière fois, ma biopsie sous la peau, …": a part that only says when (a past cue,
    nothing named or asked) makes the names of the next part had before."""
    for number in range(len(parts) - 1):
        said = {cue.target for cue in index.cues.find(parts[number])}
        alone = not any(n.part == number for n in named) and not read[number].kinds
        if "past" in said and "current" not in said and alone:
            for n in named:
                if n.part == number + 1 and n.status == "meant":
                    n.status = "past"


def _had_before_now_on_an_organ(
    index: KnowledgeIndex, parts: Sequence[str], named: List[Named], said_now: Sequence[bool]
) -> Dict[int, str]:
    """ "j'ai déjà eu une biopsie du poumon, cette fois c'est le rein": a part that says "now"
    (`said_now`, by part) and names an organ but no procedure, when the only procedure named was
    had before, is that procedure again, on that organ (its number, the procedure)."""
    past = [n for n in named if n.status == "past" and n.procedure]
    if not past or any(n.status in MEANT for n in named):
        return {}
    organs = [_most_specific_organs(index, part) for part in parts]
    again: Dict[int, str] = {}
    for number in range(len(parts)):
        before = [n.procedure for n in past if n.part < number]
        if not said_now[number] or not before:
            continue
        # The organ in that part, or in the next one ("là elle doit en refaire une, au rein encore").
        told = number if organs[number] else number + 1
        named_there = any(n.part == told for n in named)
        if told < len(parts) and not named_there and len(organs[told]) == 1:
            again[told] = before[-1]
    return again


def _says(index: KnowledgeIndex, text: str, cue_kind: str) -> bool:
    """A reading cue of that kind is in the text ("current": "cette fois", "both": "chacune des deux")."""
    return any(cue.target == cue_kind for cue in index.cues.find(text))


def _negates_a_question_word(index: KnowledgeIndex, words: Sequence[str], cue: Mention) -> bool:
    """ "ne … pas" around a question word ("on ne m'endort pas", "je ne reste pas la nuit"): the
    negation bears on what is asked, not on the name after it."""
    before = words[max(0, cue.start - NEGATED_VERB_REACH) : cue.start]
    negations = [position for position, word in enumerate(before) if word in ("ne", "n")]
    if cue.words != "pas" or not negations:
        return False
    negated = " ".join(before[negations[-1] + 1 :])
    return bool(negated) and bool(index.question_kinds.find(stems(negated)))


def _apply_corrections(index: KnowledgeIndex, parts: Sequence[str], named: List[Named]) -> Tuple[bool, bool]:
    """ "une biopsie, ah non pardon, un drainage": what is named before a correction is excluded,
    when something is named after it, or pointed to only by words of other procedures. Returns
    whether the message corrects anything, and whether it owns up to a mistake ("pardon")."""
    corrections = _corrections(index, parts)
    if not corrections:
        return False, False
    # The last correction with a name after it ("une néphrostomie, enfin non, le drain de la
    # vésicule, je confonds tout"), or the last one.
    followed = [c[:2] for c in corrections if any((n.part, n.mention.start) > c[:2] for n in named)]
    last = max(followed) if followed else _last_correction(corrections)
    named_after = bool(followed)
    if not named_after:
        # "drainage d'abcès… enfin non, c'est mon rein qui est bouché": no name after the
        # correction, but words that point to other procedures only.
        # (A generic word's candidates count: "une embolisation d'un fibrome, pardon, c'est un
        # angiomyolipome du rein" corrects the reason, not the act.)
        before = {
            candidate
            for n in named
            if (n.part, n.mention.start) < last
            for candidate in _procedures_of(index, n)
        }
        after = [
            (number, m)
            for number, part in enumerate(parts)
            for denied in [_denied_positions(index, part)]
            for m in index.context.find(part)
            if (number, m.start) > last and m.target.kind == "context" and m.start not in denied
        ]
        organ_positions = {
            (number, position)
            for number, part in enumerate(parts)
            for position in positions(index.organs.find(part))
        }
        # An organ alone after an organ corrects the organ: "biopsie du poumon, pardon, c'est du foie"
        # (not "drainage d'abcès… enfin non, c'est mon rein qui est bouché").
        organ_before = any(position < last for position in organ_positions)
        organ_only = all((number, m.start) in organ_positions for number, m in after)
        pointed = set() if organ_only and organ_before else {m.target.id for _, m in after}
        named_after = bool(pointed) and not pointed & before
    if named_after:
        for n in named:
            if (n.part, n.mention.start) < last:
                n.status = "excluded"
    return True, any(target == "mistake" for *_, target in corrections)


def _corrections(index: KnowledgeIndex, parts: Sequence[str]) -> List[Tuple[int, int, str]]:
    """(part, position, cue) of every correction and mistake cue ("et non une biopsie" excludes,
    it corrects nothing)."""
    return [
        (number, cue.start, cue.target)
        for number, part in enumerate(parts)
        for cue in _cues_outside_questions(index, part)
        if cue.target in ("correction", "mistake")
        and part.split()[cue.start - 1 : cue.start] != ["et"]
        and not _said_in_passing(cue, part)
    ]


def _said_in_passing(cue: Mention, part: str) -> bool:
    """ "c'est quoi en fait ?": a correction word ending a part after other words corrects nothing
    after it (but "non" does: "une biopsie, euh non, une néphrostomie")."""
    ends_the_part = cue.start > 0 and cue.end == len(part.split())
    return cue.target == "correction" and ends_the_part and "non" not in cue.words.split()


def _last_correction(corrections: Sequence[Tuple[int, int, str]]) -> Tuple[int, int]:
    """The first correction cue of the last part that has one: "ah non c'est dans le foie pour un
    abcès en fait" corrects from "ah non" ("en fait" ends what it corrects)."""
    last_part = max(number for number, *_ in corrections)
    return min((number, position) for number, position, _ in corrections if number == last_part)


def _drop_corrected_organs(index: KnowledgeIndex, parts: Sequence[str], reading: Reading) -> None:
    """ "biopsie du poumon, pardon, c'est du foie": the organs named before the last correction
    do not hold when one is named after it."""
    corrections = _corrections(index, parts)
    if not corrections:
        return
    last = _last_correction(corrections)
    after = [
        (number, m.start, m.target)
        for number, part in enumerate(parts)
        for m in index.organs.find(part)
        if (number, m.start) > last and m.start not in _denied_positions(index, part)
    ]
    if not after:
        return
    for number, part in enumerate(reading.parts):
        if number < last[0]:
            part.organs = []
        elif number == last[0]:
            part.organs = [o for o in part.organs if o in {target for n, _, target in after if n == number}]
    reading.organs = list(dict.fromkeys(target for *_, target in after))


def _alternatives(index: KnowledgeIndex, parts: Sequence[str], named: List[Named]) -> List[str]:
    """The procedures of names joined by "ou" in one part ("biopsie ou drainage"), generic words
    standing for their candidates; empty when no two meant names are so joined."""
    meant = [n for n in named if n.status in MEANT]
    joined: List[Named] = []
    for first, second in pairwise(meant):
        if first.part != second.part:
            continue
        between = parts[first.part].split()[first.mention.end : second.mention.start]
        if "ou" in between and all(word in ALTERNATIVE_LINKS for word in between):
            joined += [n for n in (first, second) if n not in joined]
    ids: List[str] = []
    for n in joined:
        kind, target_id = n.mention.target
        if kind == "procedure":
            ids.append(target_id)
        elif kind == "ambiguous":
            ids += index.knowledge.ambiguous_words[int(target_id)].candidates
    generic = [set(_procedures_of(index, n)) for n in joined if n.mention.target.kind == "ambiguous"]
    if len(generic) == len(joined) and set.intersection(*generic or [set()]):
        # "un petit tuyau ou un ressort pour la bile": two words for one act, not two acts.
        return []
    return list(dict.fromkeys(ids))


def _exclude_names_denied_after(
    index: KnowledgeIndex, parts: Sequence[str], named: List[Named], read: Sequence[Part]
) -> None:
    """ "la biopsie, ce n'est pas ça : l'infiltration, ça dure combien ?": a name followed by an
    exclusion cue (in its part, or in the next part if that one names nothing) is excluded when
    another procedure is named after it, or before it when its part asks nothing ("c'est une
    infiltration, la néphrostomie c'était pas moi"); so is a doubtful exclusion when another is meant."""
    meant = [n for n in named if n.status in ("meant", "current", "doubtful")]
    for n in meant:
        # (Another name of any kind: "ils ne vont pas regarder dans l'estomac, ils vont drainer ma
        # jaunisse" sets the endoscopy aside for a generic word.)
        others = [m for m in meant if m.mention.target != n.mention.target]
        if n.status == "doubtful":
            n.status = "excluded" if others else "meant"
            continue
        after = [m for m in others if (m.part, m.mention.start) > (n.part, n.mention.start)]
        denied_at_the_end = bool(others) and _denied_at_the_end(index, parts[n.part], read[n.part], n)
        if (after or denied_at_the_end) and _denied_after(index, parts, named, n):
            n.status = "excluded"


def _exclude_what_is_set_aside_after(index: KnowledgeIndex, parts: Sequence[str], named: List[Named]) -> None:
    """ "On m'a proposé une biopsie du foie et une embolisation portale. Pas la biopsie, l'autre :
    elle sert à quoi ?": a procedure set aside after it was named is not meant, when another is
    (but "pas la biopsie du poumon" sets aside a site, not the biopsy)."""
    for n in named:
        if n.status != "excluded" or n.mention.target.kind != "procedure" or index.organs.find(parts[n.part]):
            continue
        same = [m for m in named if m.procedure == n.procedure and m is not n]
        others_meant = any(m.status in MEANT and m.procedure not in (None, n.procedure) for m in named)
        if others_meant and all((m.part, m.mention.start) < (n.part, n.mention.start) for m in same):
            for m in same:
                m.status = "excluded"


def _exclude_what_a_demonstrative_sets_aside(
    index: KnowledgeIndex, parts: Sequence[str], named: List[Named]
) -> None:
    """ "J'ai lu des choses sur les biopsies mais je ne parle pas de ça", "La biopsie, je connais
    déjà. Pas celle-là, l'autre": the procedures named before "pas ça", "pas celle-là" are not meant."""
    for number, part in enumerate(parts):
        words = part.split()
        for cue in index.cues.find(part):
            if not _excludes(cue, words):
                continue
            after = words[cue.end : cue.end + 3]
            after = after[1:] if after[:1] in (["de"], ["d"]) else after
            demonstrative = after[:1] in (["ca"], ["cela"]) or (
                after[:1] and after[0] in index.standing_for_a_word and after[1:2] == ["la"]
            )
            if not demonstrative:
                continue
            for n in named:
                if n.status in MEANT and (n.part, n.mention.start) < (number, cue.start):
                    n.status = "excluded"


def _sets_aside_by_a_pronoun(index: KnowledgeIndex, part: str) -> bool:
    """ "pas celle du foie": an exclusion cue right before a word standing for a generic word."""
    words = part.split()
    return any(
        _excludes(cue, words) and cue.end < len(words) and words[cue.end] in index.standing_for_a_word
        for cue in index.cues.find(part)
    )


def _denied_at_the_end(index: KnowledgeIndex, text: str, part: Part, n: Named) -> bool:
    """ "la néphrostomie c'était pas moi": a procedure denied by the last words of a part that
    asks nothing."""
    words = text.split()
    cues = [cue for cue in index.cues.find(text) if cue.target == "excluded" and cue.start >= n.mention.end]
    asks_nothing = not (part.kinds or part.topics)
    return bool(n.procedure) and asks_nothing and any(len(words) - cue.end <= 2 for cue in cues)


def _denied_after(index: KnowledgeIndex, parts: Sequence[str], named: List[Named], n: Named) -> bool:
    later_in_part = [m.mention.start for m in named if m.part == n.part and m.mention.start > n.mention.start]
    if any(
        cue.start >= n.mention.end and all(s > cue.start for s in later_in_part)
        for cue in _exclusion_cues(index, parts[n.part])
    ):
        return True
    following = n.part + 1
    if later_in_part or following >= len(parts) or any(m.part == following for m in named):
        return False
    return bool(_exclusion_cues(index, parts[following]))


def _exclusion_cues(index: KnowledgeIndex, part: str) -> List[Mention]:
    words = part.split()
    return [cue for cue in _cues_outside_questions(index, part) if _excludes(cue, words)]


def _cues_outside_questions(index: KnowledgeIndex, part: str) -> List[Mention]:
    """The reading cues of a part, but those within a question's words: "on ne pourrait pas
    plutôt le poser par endoscopie ?" asks the alternatives, it denies or corrects nothing."""
    asked = index.question_kinds.find(stems(part))
    return [cue for cue in index.cues.find(part) if not any(_inside(cue, q) for q in asked)]


def _exclusions_of_a_complement(index: KnowledgeIndex, parts: Sequence[str], named: List[Named]) -> Set[int]:
    """ "ce n'est pas une biopsie du poumon mais d'un ganglion sous la peau": the next part is
    a complement of the excluded name that names an organ or a site, or names another organ than
    the one said right after the name ("pas une biopsie profonde, c'est superficiel"): the
    exclusion bears on it.
    The procedure is meant; the parts whose words no longer hold are returned."""
    denied: Set[int] = set()
    for n in named:
        following = n.part + 1
        if n.status != "excluded" or not n.procedure or following >= len(parts):
            continue
        complement = parts[following]
        starts_with_a_complement = complement.split()[:1] in ([w] for w in COMPLEMENT_STARTS)
        sites = index.organs.find(complement) or [
            m for m in index.context.find(complement) if m.target == Target("outside", n.procedure)
        ]
        # "ce n'est pas une biopsie profonde, c'est superficiel": the organ said right after the
        # name is what is set aside, when the next part names another organ and no other act.
        organ_set_aside = any(0 <= m.start - n.mention.end <= 1 for m in index.organs.find(parts[n.part]))
        another_organ = organ_set_aside and bool(index.organs.find(complement))
        complement_bears_it = (starts_with_a_complement and bool(sites)) or another_organ
        if complement_bears_it and not any(m.part == following for m in named):
            n.status = "meant"
            denied.add(n.part)
    return denied


def _keep_only_the_current(index: KnowledgeIndex, named: List[Named], parts: Sequence[Part]) -> None:
    """ "après ma biopsie, on me propose une thermoablation": a procedure named without a cue
    before the one said to be current is taken as had before. (Not before a generic word that
    can mean it: "néphrostomie : … que dois-je faire avec le drain ?" is the nephrostomy's drain;
    nor one asked about with a question mark before it: "biopsie sous la peau : je repars tout de
    suite ? Et l'infiltration prévue le mois prochain, c'est risqué ?")"""
    named_ids = {n.procedure for n in named if n.procedure}
    current = [n.part for n in named if n.status == "current" and not _can_mean(index, n, named_ids)]
    if current:
        for n in named:
            between = range(n.part, current[0])
            asked = any(
                (parts[i].kinds or parts[i].topics) and parts[i].ends_with_a_question_mark for i in between
            )
            if n.status == "meant" and n.part < current[0] and not asked:
                n.status = "past"


def _procedures_of(index: KnowledgeIndex, n: Named) -> List[str]:
    """The procedure a mention names, or a generic word's candidates."""
    kind, target_id = n.mention.target
    if kind == "ambiguous":
        return list(index.knowledge.ambiguous_words[int(target_id)].candidates)
    return [target_id] if kind == "procedure" else []


def _stood_for(index: KnowledgeIndex, generic: Named, named: List[Named], procedures: List[str]) -> List[str]:
    """The procedures of the message a generic word can mean; of several, those named with that
    word ("une néphrostomie … un drainage d'abcès. … Et le drainage, c'est risqué ?")."""
    meant = [p for p in _procedures_of(index, generic) if p in procedures]
    said_with_it = {
        n.procedure
        for n in named
        if n.mention.target.kind == "procedure" and generic.mention.words in n.mention.words.split()
    }
    if len(meant) < 2:
        return meant
    return [p for p in meant if p in said_with_it] or meant


def _set_aside_the_one_after_which(parts: Sequence[str], named: List[Named], read: Sequence[Part]) -> None:
    """ "après mon drainage d'abcès, le chirurgien veut faire une embolisation portale": the
    procedure named right after a part's first word "après" is had before, when another is meant
    and its part asks nothing ("après l'infiltration je sors quand ?" asks about it, and "je reste
    combien après la biopsie ? et après l'embolisation portale ?" asks the same of it)."""
    for n in named:
        words = parts[n.part].split()
        asks = read[n.part].kinds or read[n.part].topics or read[n.part].ends_with_a_question_mark
        after_it = words[:1] == [AFTER] and n.mention.start == 2 and words[1] in DETERMINERS and not asks
        others = [m for m in named if m.procedure not in (None, n.procedure) and m.status in MEANT]
        if after_it and n.procedure and others:
            n.status = "past"


def _can_mean(index: KnowledgeIndex, n: Named, procedures: Set[str]) -> bool:
    """A generic word one of whose candidates is among `procedures`."""
    return n.mention.target.kind == "ambiguous" and bool(set(_procedures_of(index, n)) & procedures)


def _set_aside_acts_told_in_passing(parts: Sequence[Part], named: List[Named]) -> None:
    """ "des malaises pendant les prises de sang, on m'endort pour la biopsie ?": an act the page
    does not describe, told in a part that asks nothing, is context when a part that asks
    names a covered procedure, or a part that names one and asks nothing right before a part
    that asks ("… une prise de sang. Pour l'infiltration, est-ce que ça fait mal ?")."""
    asking = {number for number, part in enumerate(parts) if part.kinds or part.topics}
    meant_parts = {n.part for n in named if n.procedure and n.status in MEANT}
    asked_of = asking | {number - 1 for number in asking if number - 1 in meant_parts - asking}
    if meant_parts & asked_of:
        for n in named:
            if n.mention.target.kind == "other_act" and n.part not in asked_of:
                n.status = "aside"


def _read_subject(index: KnowledgeIndex, reading: Reading, subjects: List[Mention], text: str) -> None:
    """Which procedure the meant mentions point to: a name, a generic word decided by the
    context words, an act the page does not describe, or candidates to ask about."""
    by_kind: Dict[str, List[str]] = {"procedure": [], "ambiguous": [], "other_act": []}
    for target in targets(subjects):
        kind, target_id = target
        by_kind[kind].append(target_id)
    # Words already read as a name or a generic word do not count again as context, nor the
    # words of another act as a site ("des malaises pendant les prises de sang, on m'endort pour
    # la biopsie ?": the blood test is an act told in passing, not a biopsy of the blood).
    in_text = index.subjects.find(text)
    words = text.split()
    named_positions = positions(in_text)
    act_positions = positions([m for m in in_text if m.target.kind == "other_act"])
    organ_positions = positions(index.organs.find(text))
    context: Counter = Counter()
    context_without_organs: Counter = Counter()
    outside: Dict[str, str] = {}
    denied = _denied_positions(index, text)
    # Context words that are question words ("sur quels organes") decide a generic word
    # ("la radiofréquence, sur quels organes ?") but point to no procedure alone.
    asked_in_text = index.question_kinds.find(stems(text))
    asking = positions(asked_in_text)
    for mention in index.context.find(text):
        kind, procedure_id = mention.target
        if mention.start in denied:
            continue  # "enfin non, c'est pas un abcès, c'est mon rein qui est bouché"
        if kind == "outside":
            # (Not a comparison: "des tubes dans les artères, comme ce qu'on fait pour le cœur".)
            compared = COMPARISON in words[max(0, mention.start - COMPARISON_REACH) : mention.start]
            if mention.start not in act_positions and not compared:
                outside.setdefault(procedure_id, mention.words)
        elif mention.start not in named_positions:
            # A longer phrase says more: "enlever une partie du foie" outweighs "morceau".
            weight = mention.end - mention.start
            context[procedure_id] += weight
            if mention.start not in organ_positions and mention.start not in asking:
                context_without_organs[procedure_id] += weight
    reading.sites_outside = outside

    # An act the page mentions within a named procedure's description is part of that question.
    acts = by_kind["other_act"]
    generic = {c for i in by_kind["ambiguous"] for c in index.knowledge.ambiguous_words[int(i)].candidates}
    named = set(by_kind["procedure"]) | (generic if len(generic) == 1 else set())
    # (Or described by what it does, when the other act is asked about as another way: "pas de
    # stent par endoscopie pour moi, une autre solution pour rouvrir mes voies biliaires ?"; but
    # "une CPRE pour déboucher les voies biliaires, ça dure combien ?" asks about the CPRE.)
    if "alternatives" in targets(asked_in_text):
        named |= {m.target for m in index.acts.find(text) if m.start not in denied}
    by_kind["other_act"] = [a for a in acts if not set(index.other_act(a).part_of) & named]
    reading.part_of_description = len(by_kind["other_act"]) < len(acts)
    if by_kind["other_act"]:
        reading.other_act = by_kind["other_act"][0]
        reading.procedures = by_kind["procedure"]
        reading.named_by = "name"
        return
    if by_kind["procedure"]:
        reading.named_by = "name"
        named = by_kind["procedure"]
        inside = [p for p in named if p not in outside]
        if not inside:
            reading.outside_site = (named[0], outside[named[0]])
        else:
            reading.procedures = inside
        return
    if by_kind["ambiguous"]:
        reading.named_by = "generic"
        groups = [index.knowledge.ambiguous_words[int(i)].candidates for i in by_kind["ambiguous"]]
        common = [c for c in groups[0] if all(c in group for group in groups)]
        candidates = common or list(dict.fromkeys(c for group in groups for c in group))
        inside = [c for c in candidates if c not in outside]
        site_excluded = [c for c in candidates if c in outside]
        if not inside or (site_excluded and context[site_excluded[0]] > max(context[c] for c in inside)):
            # "vous drainez les abcès dentaires ?": the procedure its context words point to,
            # on a site the page does not describe it for.
            chosen = site_excluded[0]
            reading.outside_site = (chosen, outside[chosen])
            return
        best = max(context[c] for c in inside)
        leaders = [c for c in inside if context[c] == best]
        if len(leaders) > 1 and best > 0:
            # "un drain pour un abcès du foie": the words other than organs break a tie.
            told = max(context_without_organs[c] for c in leaders)
            leaders = [c for c in leaders if context_without_organs[c] == told]
        # Decided by the context, or by two generic words that fit one procedure only ("drainage d'abcès").
        if (best > 0 or (len(groups) > 1 and len(common) == 1)) and len(leaders) == 1:
            reading.procedures = leaders
        else:
            reading.candidates = leaders
        return
    if context_without_organs:
        # Symptoms, diagnoses, doctors: they point to candidates, to ask about. (An organ alone
        # is a follow-up, "et pour le poumon ?", not a new subject; beside a one-word symptom it
        # adds the procedures the page describes for that organ: "une masse au poumon", but not
        # beside "enlever une partie du foie".)
        best = max(context_without_organs.values())
        leaders = [p for p, count in context_without_organs.items() if count == best and p not in outside]
        by_organ = [p for p in context if p not in context_without_organs and p not in outside]
        by_organ = by_organ if best <= 1 else []
    else:
        leaders, by_organ = [], []
    # "la vésicule infectée, les antibiotiques ne suffisent pas, qu'est-ce qu'on va me faire ?":
    # the page's reason for the one procedure pointed to, or the clinic's act ("une cruralgie,
    # on m'endort pour le geste sous scanner ?"), decides; the answer says which procedure it is.
    stated = [m for m in index.indications.find(text) if m.start not in denied]
    if not leaders:
        # The reason alone if it names its site: "mon rein est bloqué", not "ça résiste au traitement".
        leaders = list(dict.fromkeys(m.target for m in stated if _names_a_site(index, m)))
    if not leaders:
        return
    reading.named_by = "context"
    reading.candidates = leaders + by_organ
    if len(leaders) != 1:
        return
    clinic_act = _says(index, text, "clinic_act")
    reason = leaders[0] in targets(stated) or (clinic_act and not by_organ)
    # "détruire ma tumeur en la chauffant": what the act does, with another word pointing to it.
    acted = [m for m in index.acts.find(text) if m.start not in denied and m.target == leaders[0]]
    described = bool(acted) and context_without_organs[leaders[0]] >= ACT_DESCRIBED_WEIGHT
    if (reason and reading.refers_to_an_act) or described:
        reading.procedures, reading.candidates = leaders, []
        reading.named_by = "description"


def _generic_words_decided_in_their_part(
    index: KnowledgeIndex, parts: Sequence[str], named: List[Named], procedures: List[str]
) -> List[str]:
    """ "pour mon mari une néphrostomie, pour moi l'embolisation de mon fibrome": beside a
    procedure named, a generic word is another procedure when the words of its own part point
    to one of its candidates only."""
    decided: List[str] = []
    for n in named:
        kind, group = n.mention.target
        if kind != "ambiguous" or n.status not in MEANT:
            continue
        candidates = index.knowledge.ambiguous_words[int(group)].candidates
        taken = positions(index.subjects.find(parts[n.part]))
        context: Counter = Counter()
        for mention in index.context.find(parts[n.part]):
            kind, procedure_id = mention.target
            if kind == "context" and procedure_id in candidates and mention.start not in taken:
                context[procedure_id] += mention.end - mention.start
        leaders = [p for p, weight in context.items() if weight == max(context.values(), default=0)]
        if len(leaders) == 1 and leaders[0] not in procedures + decided:
            decided.append(leaders[0])
    return decided


def _another_way_of_doing(index: KnowledgeIndex, n: Named, named: List[Named]) -> bool:
    """An act the page mentions within the description of a procedure named in the message (by
    its name or a generic word): the endoscopy beside a biliary stent."""
    if n.mention.target.kind != "other_act":
        return False
    procedures = {p for other in named if other is not n for p in _procedures_of(index, other)}
    return bool(set(index.other_act(n.mention.target.id).part_of) & procedures)


def _names_a_site(index: KnowledgeIndex, indication: Mention) -> bool:
    """The words of a procedure's indication name an organ or a word that points to it."""
    points_to_it = Target("context", indication.target)
    in_words = index.context.find(indication.words)
    return bool(index.organs.find(indication.words)) or any(m.target == points_to_it for m in in_words)


def _excludes(cue: Mention, words: Sequence[str]) -> bool:
    """An exclusion cue, but the "pas" of "ou pas" ("une nuit ou pas pour une biopsie ?") or of
    "pas seulement" ("un abcès… pas seulement des antibiotiques, ils vont poser un drain")."""
    return (
        cue.target == "excluded"
        and list(words[cue.start - 1 : cue.start]) != ["ou"]
        and words[cue.end : cue.end + 1] not in (["seulement"], ["uniquement"])
    )


def _denied_positions(index: KnowledgeIndex, text: str) -> Set[int]:
    """The positions of the words right after "pas", linking words aside, and of the word after
    them: "pas au foie", "c pas un abcès", "pas de problème cardiaque" deny "foie", "abcès",
    "problème cardiaque"."""
    words = text.split()
    denied: Set[int] = set()
    for cue in index.cues.find(text):
        # "on ne peut pas déboucher mes voies biliaires autrement ?" asks; it denies no act.
        if _excludes(cue, words) and words[cue.start - 1 : cue.start] not in CAN:
            position = cue.end
            while position < len(words) and words[position] in DENIED_WORD_LINKS:
                denied.add(position)
                position += 1
            denied |= {position, position + 1}
            # The complement of the word denied too: "pas une biopsie du poumon".
            if words[position + 1 : position + 2] and words[position + 1] in COMPLEMENT_STARTS:
                denied.add(position + 2)
    return denied


def _most_specific_organs(index: KnowledgeIndex, text: str, within_a_part: bool = False) -> List[str]:
    # "ma biopsie n'est pas au foie mais au poumon": an organ right after "pas" is not the one.
    denied = _denied_positions(index, text)
    named = targets(m for m in index.organs.find(text) if m.start not in denied)
    less_specific = {
        other for organ_id in named for other in index.knowledge.organs[organ_id].more_specific_than
    }
    organs = [organ_id for organ_id in named if organ_id not in less_specific]
    if not within_a_part:
        return organs
    # "une biopsie profonde du rein": the one the page tells apart, the other says where.
    told_apart = [organ_id for organ_id in organs if organ_id in _organs_told_apart(index)]
    return told_apart if len(organs) > 1 and len(told_apart) == 1 else organs


def _organs_told_apart(index: KnowledgeIndex) -> Set[str]:
    """The organs for which a fact of the page has its own case (`by_organ`)."""
    return {
        organ_id
        for procedure in index.knowledge.procedures
        for _, fact in procedure.facts
        for organ_id in fact.by_organ
    }


# --- Deciding what to answer ---


def decide(
    index: KnowledgeIndex,
    reading: Reading,
    intent: Optional[str],
    slots: Dict[str, object],
) -> Decision:
    """What to answer, given the reading, the intent and what the conversation was about.

    `slots`: procedure, organ, the question kinds last asked ("aspects") and the
    candidates of a pending clarifying question, from the conversation so far.
    """
    all_ids = _procedure_ids(index)
    current = _procedure_id(index, slots.get("procedure"))
    corrected_to_another = reading.named_by in ("generic", "context") and reading.candidates != [current]
    # (Not words that fit the one discussed too: "la biopsie du rein" / "non pardon, je voulais dire
    # le geste lui-même, l'aiguille et tout ça, ça prend combien de temps ?" corrects the question.)
    corrected_to_another = corrected_to_another and not (
        reading.named_by == "context" and current in reading.candidates
    )
    # "euh non, je ne suis plus sûre du nom, je l'ai confondu": the name said before is not known.
    corrected_to_another = corrected_to_another or (reading.doubts_the_name and not reading.named_by)
    discussed_set_aside = current in reading.excluded or (reading.mistaken and corrected_to_another)
    if discussed_set_aside:
        # "pas la biopsie", "ah non pardon, c'est un drainage": not the one discussed. (A mistake
        # that names no act corrects the question or the organ: "non, je voulais dire si c'est
        # urgent", "ah non pardon, c'est le rein"; nor one whose generic word can only mean the
        # procedure discussed: "infiltration foraminale / non, épidurale pardon".)
        current = None
    pending_kinds = [k for k in slots.get("aspects") or [] if k in QUESTION_KINDS]
    pending_candidates = [
        c for c in slots.get("candidates") or [] if c in all_ids and c not in reading.excluded
    ]
    not_described_before = _not_described_before(index, slots)
    kinds = reading.question_kinds
    intent_kind = QUESTION_KIND_OF_INTENT.get(intent or "")
    organ = reading.organs[0] if len(reading.organs) == 1 else None

    # "mon gastro ne pourrait pas plutôt le faire par les voies naturelles ?" after the biliary
    # stent: an act the page mentions within the procedure discussed is part of its question.
    part_of_current = bool(
        reading.other_act
        and current in index.other_act(reading.other_act).part_of
        and not reading.procedures
        and not reading.candidates
    )
    if (reading.other_act and not part_of_current) or reading.outside_site:
        return Decision(
            "not_described",
            pending=kinds,
            other_act=reading.other_act,
            outside_site=reading.outside_site,
            candidates=reading.procedures,
        )

    # The classifier read something other than a procedure question (a general question, small
    # talk, off-topic, not understood): the words overrule it only when they name a procedure,
    # or ask a precise question (the stay, the risks…) about symptoms or the procedure discussed.
    procedure_intent = intent in PROCEDURE_INTENTS
    general_intent = intent in GENERAL_TOPIC_OF_INTENT
    precise = [kind for kind in kinds if kind not in VAGUE_KINDS]
    # (A topic the page never covers overrules a general intent too: "j'aurai mal après ?" is not
    # the page's general fact on pain relief.)
    never_covered = [topic for topic in reading.topics if topic not in GENERAL_TOPICS_OF_A_PART]
    words_overrule = bool(precise or reading.topics) and (not general_intent or bool(never_covered))

    corrected_site = [p for p in reading.excluded if p in reading.sites_outside]
    if corrected_site and not reading.procedures and not reading.candidates:
        # "ce n'est pas une infiltration du dos mais de l'épaule": a site the page does not describe.
        outside_site = (corrected_site[0], reading.sites_outside[corrected_site[0]])
        return Decision("not_described", pending=kinds, outside_site=outside_site)

    # "c'est au bloc ou en radiologie, vos interventions ?", "qui réalise vos gestes en général ?
    # un chirurgien ?": a question asked of every act, with nothing named, is the general one.
    asked_of_every_act = (
        reading.of_every_act and not reading.procedures and set(precise) <= set(GENERAL_ANSWER_OF_KIND)
    )
    answers_of_every_act = {GENERAL_ANSWER_OF_KIND[kind] for kind in precise} if asked_of_every_act else set()
    if len(answers_of_every_act) == 1 and reading.general_topic in (None, *answers_of_every_act):
        return Decision("general", topic=answers_of_every_act.pop())

    # Which procedures the message is about.
    if reading.procedures:
        procedures = reading.procedures
    elif reading.candidates:
        pain_only = reading.topics == ["pain_relief"] and not kinds
        if pain_only and (reading.named_by == "generic" or reading.undecided):
            # "une embolisation, ça fait mal ?": the pain of which one; its anaesthesia, once chosen.
            return Decision("clarify", candidates=reading.candidates, pending=["anaesthesia"])
        if reading.topics and not kinds:
            # "est-ce remboursé, l'embolisation ?": the page says nothing on it for any procedure.
            return _topics_alone(reading)
        # Symptoms told ("j'ai une sciatique qui ne passe pas") lead to "is it about this
        # procedure?", unless the classifier read small talk, or a general question its words ask.
        # ("j'ai une tumeur au rein, on m'envoie en radiologie interventionnelle, quels sont les
        # risques du geste ?" asks the risks, not the general question.)
        general_asked = general_intent and reading.general_topic and set(precise) <= {reading.general_topic}
        # (Not the place, whose answer for a procedure gives the general fact too: "pour ma
        # sciatique, le geste se fait dans quelle salle ?", "… on va me piquer, où sont réalisés
        # ces actes ?" ask which one, then answer both.)
        place_of_the_act = "location" in precise or reading.general_topic == "location"
        general_asked = general_asked and not place_of_the_act
        told_aside = general_asked or intent in SMALL_TALK_INTENTS
        # (Not when they correct what was said: "non, je me suis mal exprimée, c'est pour son rein".)
        if told_aside and reading.named_by == "context" and not words_overrule and not reading.mistaken:
            return Decision("none")
        # The conversation decides between candidates: the procedure discussed, or the
        # one answer to the clarifying question just asked ("c'est pour la bile").
        # (Not when the patient says they do not know which: "je ne sais plus si c'est …".)
        chosen = [c for c in reading.candidates if c == current or c in pending_candidates]
        # "ma mère doit avoir une néphrostomie" / "enfin non, je me suis trompée, c'est les voies
        # biliaires": a mistake owned on the procedure discussed, with words pointing to one other
        # of its family (a drain), is that one.
        discussed = _procedure_id(index, slots.get("procedure"))
        if not chosen and reading.mistaken and discussed and len(reading.candidates) == 1:
            chosen = [c for c in reading.candidates if _of_one_family(index, c, discussed)]
        chosen = [] if reading.undecided else chosen
        if len(chosen) != 1:
            # (The place asked in the words of a general question: the place, once chosen.)
            pending = kinds or (["location"] if place_of_the_act else pending_kinds)
            return Decision("clarify", candidates=reading.candidates, pending=pending)
        procedures = chosen
    elif current in reading.sites_outside:
        # "et pour le genou ?" after the spinal infiltration: a site the page does not describe.
        outside_site = (current, reading.sites_outside[current])
        return Decision("not_described", pending=kinds, outside_site=outside_site)
    elif current:
        # "et ça se passe où ?" after the nephrostomy: the procedure's, unless the words ask in
        # general ("où se passent vos gestes ?").
        # ("ça se passe comment ?" too, in words all known: not "comment on fait une tarte ?"; nor
        # "c'est quoi …", "pourquoi …", which may ask anything.)
        how = "how_it_is_done" in kinds and not reading.unfamiliar
        # ("elle se fait dans quelle salle ?" asks of it: its reply gives the general fact too.)
        general_fact_of_it = reading.general_topic in {GENERAL_FACT_OF_KIND.get(kind) for kind in precise}
        in_general = reading.general_topic and (reading.of_every_act or not general_fact_of_it)
        asks_of_it = bool(precise or how) and not in_general
        if not procedure_intent and not reading.organs and not words_overrule and not asks_of_it:
            return Decision("none")
        procedures = [current]  # a follow-up: "et ça dure combien ?"
    elif pending_candidates and (kinds or reading.topics or reading.names_only):
        # The clarifying question is still open: asked again, with the new question pending.
        return Decision("clarify", candidates=pending_candidates, pending=kinds or pending_kinds)
    elif (kinds or reading.topics) and not reading.general_topic and not_described_before:
        # "infiltration du genou" / "ça dure combien ?": still the act the page does not describe.
        other_act, outside_site = not_described_before
        return Decision("not_described", pending=kinds, other_act=other_act, outside_site=outside_site)
    elif discussed_set_aside and reading.mistaken:
        # "euh non, je ne suis plus sûre du nom, je l'ai confondu": which one, then.
        candidates = [c for c in all_ids if c not in reading.excluded]
        return Decision("clarify", candidates=candidates, pending=kinds or pending_kinds)
    else:
        if reading.topics and not kinds:
            return _topics_alone(reading)
        general_facts_asked = {GENERAL_FACT_OF_KIND.get(kind, kind) for kind in precise}
        if reading.general_topic and general_facts_asked <= {reading.general_topic}:
            # "comment soulagez-vous la douleur pendant vos gestes ?", "vos gestes font mal ? vous
            # endormez les gens ?": a general question.
            return Decision("general", topic=reading.general_topic)
        understood = precise or reading.organs
        # "un geste de radiologie interventionnelle le 12, je sors le jour même ?": a precise
        # question on an act meant, not named, is no general question.
        # (Nor one asked for a relative in known words: "ma mère doit passer un examen, elle va
        # rester combien de temps ?" asks which act, whatever the classifier read; not "mon fils
        # fait du foot, c'est dangereux ?".)
        relative = any(person != "me" for part in reading.parts for person in part.persons)
        for_a_relative = relative and not reading.unfamiliar
        of_an_act = bool(precise) and (reading.refers_to_an_act or for_a_relative)
        not_understood = intent == "nlu_fallback" and not of_an_act
        if not procedure_intent and (not understood or (general_intent and not of_an_act) or not_understood):
            # No procedure question read, or question words alone in a message the classifier
            # did not understand either ("c quoi les risques de l'intervention ?" is understood):
            # the intent decides (rephrase, then the team).
            return Decision("none")
        if not understood and not (reading.refers_to_an_act or (reading.short and not reading.unfamiliar)):
            # "comment", "pourquoi" in a long message about nothing the page describes
            # ("comment faire pousser des tomates"), or about words no list knows ("c'est quoi
            # ton signe astrologique ?"): not a procedure question.
            return Decision("out_of_scope")
        candidates = [c for c in all_ids if c not in reading.excluded]
        return Decision("clarify", candidates=candidates, pending=kinds or _kinds_of(intent_kind))

    follow_up = procedures == [current] and not reading.procedures
    # The organ discussed holds for a follow-up, not for the procedure named again ("et pour
    # une biopsie de la thyroïde ?" after the lung is another biopsy).
    # (Nor after a correction naming what no list knows: "biopsie du poumon" / "non pardon,
    # c'est la thyroïde"; a correction of the question keeps it: "non, je voulais dire …".)
    corrected = (reading.corrects or reading.mistaken) and bool(reading.unfamiliar)
    if organ is None and follow_up and not reading.organs and not corrected:
        organ = _organ_id(index, slots.get("organ"))

    asked = _asked_by_part(reading, procedures, organ) if kinds or reading.topics else []
    if asked:
        return Decision("answer", asked=asked, described=reading.named_by == "description")

    # No question words: the organ's variant, the part of the description, the pending
    # question, the intent's, or the overview.
    clarified = any(p in pending_candidates for p in procedures)
    answers_pending = current in procedures or clarified
    # "et pour le poumon ?" after an overview: the fact that depends on the organ.
    overview_before = set(pending_kinds) <= {"overview"}
    variant = (
        _kind_for_organ(index, procedures[0]) if follow_up and reading.organs and overview_before else None
    )
    if variant:
        chosen = [variant]
    elif (clarified or reading.continues or reading.corrects or reading.mistaken) and pending_kinds:
        # The act described in answer to "which one?" ("c'est pour la détruire en la chauffant"),
        # "et pour la néphrostomie ?", or a correction ("ah non, c'est une biopsie", "pardon, je
        # parlais de l'infiltration"): the question asked before, whatever the classifier read.
        chosen = pending_kinds
    elif reading.part_of_description or part_of_current:
        chosen = ["how_it_is_done"]  # "il faut refaire une IRM après ?": where the page mentions it
    elif reading.names_only or intent in ("inform_procedure", "nlu_fallback", None):
        named_only = answers_pending or intent == "inform_procedure" or reading.names_only
        chosen = pending_kinds if named_only else []
    elif intent == "out_of_scope":
        return Decision("out_of_scope", procedure_discussed=procedures[0], organ_discussed=organ)
    elif general_intent and intent not in QUESTION_KIND_OF_INTENT:
        topic = GENERAL_TOPIC_OF_INTENT[intent]
        return Decision("general", topic=topic, procedure_discussed=procedures[0], organ_discussed=organ)
    else:
        chosen = _kinds_of(intent_kind) or pending_kinds
    chosen = chosen or ["overview"]
    asked = [Asked(p, kind, organ) for p in procedures for kind in chosen]
    return Decision("answer", asked=asked, described=reading.named_by == "description")


def _not_described_before(
    index: KnowledgeIndex, slots: Dict[str, object]
) -> Optional[Tuple[Optional[str], Optional[Tuple[str, str]]]]:
    """The act not described, or the procedure and the site outside its scope, that the last
    reply was about (slots `act_not_described`, `site_not_described`), if they are the file's."""
    act = slots.get("act_not_described")
    if act in {a.id for a in index.knowledge.not_described}:
        return act, None
    site = slots.get("site_not_described")
    if isinstance(site, list) and len(site) == 2 and all(isinstance(value, str) for value in site):
        procedure_id, site_word = site
        if _procedure_id(index, procedure_id):
            return None, (procedure_id, site_word)
    return None


def _topics_alone(reading: Reading) -> Decision:
    """Topics asked of no procedure: the page's general fact ("ça fait mal ?"), or what it never covers."""
    if reading.topics == [reading.general_topic]:
        return Decision("general", topic=reading.general_topic)
    return Decision("answer", asked=[Asked(topic=topic) for topic in reading.topics])


def _asked_by_part(reading: Reading, procedures: List[str], organ: Optional[str]) -> List[Asked]:
    """Each question of each part, for the procedures that part names; a part that names
    none asks about those named in the parts before it that asked nothing, or the last ones
    asked about; names left at the end get the last questions ("…, et la biopsie ?")."""
    asked: List[Asked] = []
    waiting: List[str] = []
    last: List[str] = procedures if len(procedures) == 1 else []
    last_part: Optional[Part] = None
    # "une biopsie profonde … elle reste combien ?": the organ said where the procedure is named.
    organ_named: Dict[str, Optional[str]] = {}
    for part in reading.parts:
        named = [p for p in part.procedures if p in procedures]
        for p in named:
            # Named again without its organ ("et pour la néphrostomie ?"): the message's organ.
            if len(part.organs) == 1:
                # Named twice with two organs before any question ("biopsie poumon + biopsie
                # sous la peau, je reste combien ?"): neither alone (None, not the message's organ).
                told_apart = p in waiting and organ_named.get(p) not in (None, part.organs[0])
                organ_named[p] = None if told_apart else part.organs[0]
            else:
                organ_named.pop(p, None)
        if part.not_meant and not named:
            # "je sors d'une biopsie la semaine dernière": about a procedure not meant; its
            # question goes to the one named after it, if any ("quels risques pour la biopsie ?
            # ah non pardon, c'est une radiofréquence"; "…ma biopsie l'an dernier, et la thermoablation ?").
            if part.kinds or part.topics:
                last_part = part
            continue
        if not part.kinds and not part.topics:
            # "ma femme a une biopsie et moi une infiltration ; elle reste combien, et moi ?": the
            # question before, of the procedure of the person named alone.
            others = [p for p in _owned(reading, part) if p not in last]
            if not named and others and last_part is not None and part.ends_with_a_question_mark:
                asked += _asked_in(last_part, others, {p: organ_named.get(p, organ) for p in others})
                continue
            # Named again, alone ("une biopsie et une néphrostomie. Pour la biopsie, je reste
            # combien ?"): the one the next question is about.
            again = bool(named) and all(p in waiting for p in named) and len(waiting) > len(named)
            waiting = list(named) if again else waiting + [p for p in named if p not in waiting]
            continue
        subjects = named or _owned(reading, part) or waiting or last or procedures
        # "une biopsie du poumon et une néphrostomie … pour la biopsie du poumon, je reste combien ?"
        organs = {p: part.organs[0] if len(part.organs) == 1 else organ_named.get(p, organ) for p in subjects}
        asked += _asked_in(part, subjects, organs)
        last, waiting, last_part = subjects, [], part
    if waiting and last_part is not None:
        asked += _asked_in(last_part, waiting, {p: organ_named.get(p, organ) for p in waiting})
    return list(dict.fromkeys(asked))


def _asked_in(part: Part, subjects: Sequence[str], organs: Dict[str, Optional[str]]) -> List[Asked]:
    topics = [Asked(procedure=p, topic=t) for t in part.topics for p in subjects[:1]]
    return [Asked(p, kind, organs[p]) for p in subjects for kind in part.kinds] + topics


def _kinds_of(kind: Optional[str]) -> List[str]:
    return [kind] if kind else []


def _of_one_family(index: KnowledgeIndex, procedure_id: str, other_id: str) -> bool:
    """Two procedures one generic word may name ("un drain": the nephrostomy, the biliary drain…)."""
    return procedure_id != other_id and any(
        {procedure_id, other_id} <= set(word.candidates) for word in index.knowledge.ambiguous_words
    )


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
