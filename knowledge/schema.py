"""Shape of the procedure knowledge file (knowledge/procedures.yml).

This module is the single place that knows the file's structure. Field names
are English (code), the texts inside are French (patients read them).
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from pydantic import BaseModel, Extra, StrictStr, root_validator, validator

# The aspects a patient can ask about for any procedure, in display order.
ASPECTS = ("purpose", "how_it_is_done", "duration", "anaesthesia", "hospital_stay", "risks")
# Further facts the page gives for some procedures only; shown in the overview.
EXTRA_FACTS = ("who_decides", "urgency", "organs_concerned", "location", "alternatives", "delay")
# What a question can ask about a procedure: one fact, or everything the page says.
QUESTION_KINDS = ("overview", *ASPECTS, *EXTRA_FACTS)
# The page's general fact on a question kind, for every procedure: what an answer adds when a
# procedure lacks its own (never as a claim about it), and what "vous endormez les gens pour vos
# gestes ?" asks. (Not the asepsis beside a question on risks: it would read as a reassurance
# the page does not give.)
GENERAL_FACT_OF_KIND = {
    "anaesthesia": "pain_relief",
    "location": "location",
    # "qui fait la biopsie ?": the page says who does every act (a radiologist).
    "who_decides": "performed_by",
}
# The general answer to a question kind asked of every act ("qui fait vos gestes ?"): the
# presentation of interventional radiology says who does them.
GENERAL_ANSWER_OF_KIND = {**GENERAL_FACT_OF_KIND, "who_decides": "interventional_radiology"}

# HTML tags, and Markdown links or images: the web chat renders Markdown, so a
# text of the file must never be able to add a link, an image or a tag there.
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|\]\s*\(|!\[|javascript:", re.IGNORECASE)


class Text(StrictStr):
    """Plain text as patients read it.

    Strict: a number or a list where a sentence is expected is a mistake to
    report, not something to convert silently. No markup (see MARKUP).
    """

    @classmethod
    def __get_validators__(cls):
        yield from super().__get_validators__()
        yield cls.has_no_markup

    @classmethod
    def has_no_markup(cls, value: str) -> str:
        found = MARKUP.search(value)
        if found:
            raise ValueError(
                f"balisage interdit « {found.group(0)} » : le texte doit être du texte simple, "
                "sans balise HTML ni lien"
            )
        return value


PROCEDURE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class StrictModel(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True
        min_anystr_length = 1


class Fact(StrictModel):
    """One fact as patients will read it, with the page section it comes from.

    `answer: null` means the clinic page does not give this fact.
    `by_organ` holds the wording of each variant when the page distinguishes
    them (e.g. the hospital stay of a biopsy depends on the tissue).
    `note` is what the page does say nearby when the fact itself is missing.
    """

    answer: Optional[Text] = None
    source: Optional[Text] = None
    by_organ: Dict[str, Text] = {}
    note: Optional[Text] = None

    @root_validator(skip_on_failure=True)
    def facts_name_their_source(cls, values):
        has_content = values.get("answer") or values.get("by_organ") or values.get("note")
        if has_content and not values.get("source"):
            raise ValueError(
                "« source » manquante : indiquez la section de la page de la clinique d'où vient ce texte"
            )
        if values.get("by_organ") and not values.get("answer"):
            raise ValueError("« by_organ » demande aussi une phrase générale dans « answer »")
        return values

    @property
    def is_known(self) -> bool:
        return self.answer is not None


class ProcedureFacts(StrictModel):
    purpose: Fact = Fact()
    how_it_is_done: Fact = Fact()
    duration: Fact = Fact()
    anaesthesia: Fact = Fact()
    hospital_stay: Fact = Fact()
    risks: Fact = Fact()
    who_decides: Fact = Fact()
    urgency: Fact = Fact()
    organs_concerned: Fact = Fact()
    location: Fact = Fact()
    alternatives: Fact = Fact()
    delay: Fact = Fact()


class Scope(StrictModel):
    """What the page's description covers, and sites it does not (an infiltration
    of the knee is not the page's spinal infiltration)."""

    covers: Text
    source: Text
    outside_words: List[Text] = []


class Procedure(StrictModel):
    id: Text
    name: Text
    # Words that name this procedure and no other ("néphrostomie").
    patient_words: List[Text]
    # Organs, symptoms, diagnoses and doctors that point to this procedure when
    # the message uses a generic word ("drain … rein"): never a name on their own.
    context_words: List[Text] = []
    # The page's own reason for this procedure, as a patient states it ("mon rein est bloqué",
    # "les antibiotiques ne suffisent pas"): with an act referred to, it decides what a
    # diagnosis word alone only points to.
    indication_words: List[Text] = []
    # What the act does, as a patient says it ("en la chauffant", "un petit ressort"): words
    # that point to it like context words, and with another one name it.
    act_words: List[Text] = []
    scope: Scope
    facts: ProcedureFacts

    @validator("id")
    def id_is_a_slug(cls, value: str) -> str:
        if not PROCEDURE_ID.match(value):
            raise ValueError(
                "identifiant invalide : lettres minuscules sans accent, chiffres et « _ » "
                "uniquement (exemple : embolisation_portale)"
            )
        return value

    @validator("patient_words")
    def has_patient_words(cls, value: List[Text]) -> List[Text]:
        if not value:
            raise ValueError("il faut au moins un mot utilisé par les patients")
        return value


class Organ(StrictModel):
    label: Text
    patient_words: List[Text]
    # Organs this one is a more precise case of (a lung is a deep tissue): when
    # both are named, the answer for the more precise one is given.
    more_specific_than: List[str] = []


class AmbiguousWords(StrictModel):
    """Generic words ("drain", "embolisation") that fit several procedures:
    the rest of the message decides, or the assistant asks."""

    patient_words: List[Text]
    candidates: List[str]


class OtherAct(StrictModel):
    """An act the page does not describe, that patients may confuse with one it does.

    `mentioned` is what the page says of it in passing, if anything (with its source).
    """

    id: Text
    name: Text
    patient_words: List[Text]
    mentioned: Fact = Fact()
    # Covered procedures whose description on the page includes this act.
    part_of: List[str] = []


class QuestionKind(StrictModel):
    """Words that say what is asked ("combien de nuits" is the hospital stay)."""

    patient_words: List[Text]
    # Words that ask this kind only beside a site the procedure may be done on (an organ, or one
    # of its context words), in a part that asks nothing else: "on peut drainer un abcès dans un
    # muscle ?" asks the organs concerned.
    with_a_site: List[Text] = []


class NotCoveredTopic(StrictModel):
    """A question the page answers for no procedure (fasting, driving…): said honestly, with
    what the page says nearby: `related`, a general fact or a fact of the procedure asked about."""

    label: Text
    patient_words: List[Text]
    related: Optional[str] = None


class ReadingCues(StrictModel):
    """Words that say how a procedure named in a message is concerned by the question."""

    excluded: List[Text] = []  # "pas la biopsie", "plutôt que"
    past: List[Text] = []  # "j'ai déjà eu", "l'an dernier"
    current: List[Text] = []  # "cette fois": the one meant, even beside a past cue
    correction: List[Text] = []  # "finalement": what was named before is replaced
    mistake: List[Text] = []  # "ah non pardon": a correction that also sets aside the procedure discussed
    # "soit …, soit …", "le médecin hésite entre": the patient does not know which act it will be
    undecided: List[Text] = []
    settled: List[Text] = []  # "ah si, c'est bien ça": the doubt said before is settled
    # "le médecin hésite entre …: à quoi sert chacune des deux ?": the question asked of each
    both: List[Text] = []
    # "je ne vous demande pas comment ça se passe": the questions of that part are not asked
    not_asked: List[Text] = []
    # "une biopsie puis une thermoablation : pour la deuxième, je reste combien ?": the procedure
    # named first or second in the message; "l'autre": the one the part before did not ask about
    first: List[Text] = []
    second: List[Text] = []
    other: List[Text] = []
    reference: List[Text] = []  # "l'intervention qu'on me propose": an act meant, not named
    # "sous scanner", "que vous faites": the clinic's own act meant, not named
    clinic_act: List[Text] = []
    # "vos gestes", "les interventions": every act, in general (not the procedure discussed)
    every_act: List[Text] = []
    linking: List[Text] = []  # words that link names without asking anything
    # "pas le drain de la vésicule, celui du rein": a word that stands for the generic word before it.
    standing_for_a_word: List[Text] = []
    # Whose procedure: "ma mère … une biopsie, mon père … une néphrostomie : pour elle, ça dure
    # combien ?" (`theirs`: "la sienne", someone else than the patient).
    me: List[Text] = []
    her: List[Text] = []
    him: List[Text] = []
    theirs: List[Text] = []


class EmergencySign(StrictModel):
    """A red-flag symptom, as patients describe it happening to them now."""

    label: Text
    patient_words: List[Text]  # each tells the sign by itself ("je saigne beaucoup")
    # Told with a word of the present (`emergency_now_words`: "depuis", "ce matin", "d'un coup")
    # in a clause that asks nothing: one word of each group ("jambe" and "froide"; "sang").
    told_now: List[List[Text]] = []


class GeneralFacts(StrictModel):
    interventional_radiology: Fact
    pain_relief: Fact
    location: Fact
    asepsis: Fact
    performed_by: Fact  # who does the acts: what "qui fait la biopsie ?" is told beside who decides


class GeneralQuestionWords(StrictModel):
    """Words of a general question ("la douleur pendant les gestes"), when no procedure is named."""

    interventional_radiology: List[Text] = []
    pain_relief: List[Text] = []
    location: List[Text] = []
    asepsis: List[Text] = []


class Contact(StrictModel):
    """The clinic's contact details; the page gives none, so all are optional."""

    team_name: Text
    phone: Optional[Text] = None
    email: Optional[Text] = None
    address: Optional[Text] = None
    opening_hours: Optional[Text] = None


class KnowledgeBase(StrictModel):
    contact: Contact
    organs: Dict[str, Organ] = {}
    general: GeneralFacts
    general_question_words: GeneralQuestionWords = GeneralQuestionWords()
    procedures: List[Procedure]
    ambiguous_words: List[AmbiguousWords] = []
    not_described: List[OtherAct] = []
    question_kinds: Dict[str, QuestionKind] = {}
    not_covered_topics: Dict[str, NotCoveredTopic] = {}
    reading_cues: ReadingCues = ReadingCues()
    # Words as patients text them, and the word they stand for ("kel": "quel", "pa": "pas").
    texted_words: Dict[str, Text] = {}
    emergency_signs: Dict[str, EmergencySign] = {}
    emergency_not_now_words: List[Text] = []
    # Words of the present, for the signs `told_now`; words of a doubt or a worry ("si j'ai",
    # "peur de"), which keep a sign right after them, or a clause told now, from raising the
    # alarm; and words of a question or a negation, which keep a clause told now from it.
    emergency_now_words: List[Text] = []
    emergency_doubt_words: List[Text] = []
    emergency_question_words: List[Text] = []
    # Words that deny the sign said right after them ("je n'ai pas de fièvre", "aucune fièvre").
    emergency_denial_words: List[Text] = []

    def procedure(self, procedure_id: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.id == procedure_id:
                return procedure
        raise KeyError(procedure_id)
