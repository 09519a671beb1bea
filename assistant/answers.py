"""Wording of every answer built from the knowledge file.

Plain functions of (knowledge, procedure, aspect, …) returning a `Reply`, so
they are tested without Rasa and rendered as-is in the review sheet. No fact is
written here: every medical statement comes from the knowledge file; this
module only frames it, and says so honestly when the file has nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Literal, Optional, Sequence, Tuple, get_args

from assistant.understanding import Asked, Decision
from knowledge import ASPECTS, EXTRA_FACTS, GENERAL_FACT_OF_KIND, Fact, KnowledgeBase, Procedure, normalize
from knowledge.schema import GeneralFacts, OtherAct

ASPECT_TITLES = {
    "purpose": "à quoi ça sert",
    "how_it_is_done": "comment ça se passe",
    "duration": "durée",
    "anaesthesia": "anesthésie",
    "hospital_stay": "séjour à la clinique",
    "risks": "risques",
    "who_decides": "qui décide",
    "urgency": "urgence",
    "organs_concerned": "organes concernés",
    "location": "où se passe le geste",
    "alternatives": "autres possibilités",
    "delay": "délai",
}

# What the patient asked, in words, for the "the clinic does not say" sentence.
ASPECT_QUESTIONS = {
    "purpose": "à quoi sert ce geste",
    "how_it_is_done": "comment se déroule ce geste",
    "duration": "combien de temps dure ce geste",
    "anaesthesia": "quel type d'anesthésie est utilisé pour ce geste",
    "hospital_stay": "s'il faut rester à la clinique après ce geste, ni combien de temps",
    "risks": "les risques ou les complications possibles de ce geste",
    "who_decides": "qui décide de ce geste",
    "urgency": "si ce geste se fait en urgence",
    "organs_concerned": "sur quels organes ce geste peut se faire",
    "location": "où se déroule ce geste",
    "alternatives": "quelles autres possibilités existent à la place de ce geste",
    "delay": "quel délai suit ce geste",
}
# The facts the overview of a procedure gives, in this order.
OVERVIEW_FACTS = ("purpose", "how_it_is_done", "who_decides", "urgency", "organs_concerned")

# Quick replies offered after a procedure's overview, for the aspects it does
# not cover; the payloads match intents in domain.yml.
FOLLOW_UP_BUTTONS = [
    {"title": "Combien de temps ?", "payload": "/ask_duration"},
    {"title": "Anesthésie ?", "payload": "/ask_anaesthesia"},
    {"title": "Combien de temps à la clinique ?", "payload": "/ask_hospital_stay"},
]

# A name a patient typed is repeated back only if it looks like a name:
# nothing that could be markup, and nothing long.
QUOTABLE_NAME = re.compile(r"^[\w' -]{1,40}$")

GENERAL_TOPICS = tuple(GeneralFacts.__fields__)

# The last line of every reply that gives a fact of the page, naming its sections: patients see
# that the assistant repeats the clinic, radiologists what to check. The web chat shows it in
# smaller type (web/serve.py passes this prefix on); other channels get it in the text.
SOURCE_PREFIX = "Source : "
SOURCES_PREFIX = "Sources : "
PAGE = "page de la clinique sur la radiologie interventionnelle"


# What a reply did, recorded with the bot message in the conversation (`answer_record`)
# for the staff report (scripts/conversation_report.py). "fact" and "not_stated" are
# answers about one aspect of one procedure; the web chat offers feedback after them.
ReplyOutcome = Literal[
    "fact",
    "not_stated",
    "overview",
    "clarify",
    "not_described",
    "out_of_scope",
    "fallback",
    "general",
    "procedure_list",
    "greeting",
    "feedback",
    "not_covered",
    "smalltalk",
]
REPLY_OUTCOMES: Tuple[str, ...] = get_args(ReplyOutcome)
FEEDBACK_OUTCOMES: Tuple[ReplyOutcome, ...] = ("fact", "not_stated")
# What the patient said of an answer (the `feedback` slot), from the intent of their message.
FEEDBACK_OF_INTENT = {"feedback_helpful": "helpful", "feedback_not_helpful": "not_helpful"}


@dataclass
class Reply:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    # The page sections whose facts the text gives, named on its last line (`source_line`).
    sources: List[str] = field(default_factory=list)


def answer_record(
    outcome: ReplyOutcome,
    procedure: Optional[str] = None,
    aspect: Optional[str] = None,
    candidates: Sequence[str] = (),
    topic: Optional[str] = None,
) -> Dict[str, object]:
    """What a reply did, kept in the bot message's metadata: the report's source, never guessed from text."""
    record: Dict[str, object] = {"outcome": outcome}
    if procedure:
        record["procedure"] = procedure
    if aspect:
        record["aspect"] = aspect
    if candidates:
        record["candidates"] = list(candidates)
    if topic:
        record["topic"] = topic
    return record


def asked_record(knowledge: KnowledgeBase, asked: Asked) -> Dict[str, object]:
    """The record of the reply to one thing asked: a fact, 'not stated', the overview or a topic."""
    if asked.topic in GENERAL_TOPICS:
        return answer_record("general", asked.procedure, topic=asked.topic)
    if asked.topic:
        return answer_record("not_covered", asked.procedure, topic=asked.topic)
    procedure = knowledge.procedure(asked.procedure)
    if asked.kind == "overview":
        return answer_record("overview", procedure.id)
    fact: Fact = getattr(procedure.facts, asked.kind)
    return answer_record("fact" if fact.is_known else "not_stated", procedure.id, asked.kind)


def procedure_button(procedure: Procedure) -> Dict[str, str]:
    payload = '/inform_procedure{"procedure":"' + procedure.id + '"}'
    return {"title": procedure.name, "payload": payload}


def procedure_buttons(knowledge: KnowledgeBase) -> List[Dict[str, str]]:
    return [procedure_button(procedure) for procedure in knowledge.procedures]


def source_line(sections: Sequence[Optional[str]]) -> str:
    """ "Source : page de la clinique …, « Les biopsies d'organes »", or "" when nothing is quoted."""
    named = [section for section in sections if section]
    if not named:
        return ""
    # A section's own quotation marks become inner ones: « Traitement … par “thermo-ablation” ».
    quoted = " et ".join(f"« {section.replace('« ', '“').replace(' »', '”')} »" for section in named)
    prefix = SOURCE_PREFIX if len(named) == 1 else SOURCES_PREFIX
    return f"{prefix}{PAGE}, {quoted}"


def _quoting(
    lines: List[str], sections: Sequence[Optional[str]], buttons: Optional[List[Dict[str, str]]] = None
) -> Reply:
    """A reply of these lines that quotes the page's `sections`, named on a last line."""
    sources = list(dict.fromkeys(section for section in sections if section))
    line = source_line(sources)
    return Reply("\n".join([*lines, line] if line else lines), buttons or [], sources)


def team_pointer(knowledge: KnowledgeBase, about_a_procedure: bool = False) -> str:
    """Where to get a personal answer, with the clinic's details when it gave them."""
    contact = knowledge.contact
    doctor = "au médecin qui vous a proposé ce geste" if about_a_procedure else "à votre médecin"
    sentence = f"Pour une réponse adaptée à votre situation, adressez-vous à {contact.team_name} ou {doctor}."
    details = [
        f"{label} : {value}"
        for label, value in (
            ("téléphone", contact.phone),
            ("e-mail", contact.email),
            ("adresse", contact.address),
            ("horaires", contact.opening_hours),
        )
        if value
    ]
    if details:
        sentence += " Coordonnées : " + ", ".join(details) + "."
    return sentence


def _heading(procedure: Procedure, aspect: str) -> str:
    return f"{procedure.name} — {ASPECT_TITLES[aspect]} :"


def _clause(text: str) -> str:
    return text.strip().rstrip(" ;.")


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _known_fact_text(knowledge: KnowledgeBase, fact: Fact, organ_id: Optional[str]) -> str:
    if not fact.by_organ:
        return fact.answer
    if organ_id in fact.by_organ:
        return _capitalize(_clause(fact.by_organ[organ_id])) + "."
    variants = "\n".join(f"• {_clause(text)}" for text in fact.by_organ.values())
    text = f"{fact.answer}\n{variants}"
    if organ_id:
        label = knowledge.organs[organ_id].label
        text += (
            f"\nPour {label}, les informations de la clinique ne précisent pas lequel de ces "
            "cas s'applique : l'équipe vous le dira."
        )
    return text


def answer_aspect(
    knowledge: KnowledgeBase, procedure: Procedure, aspect: str, organ_id: Optional[str] = None
) -> Reply:
    """One aspect (duration, anaesthesia, …) of one procedure, or an honest 'not stated'."""
    fact: Fact = getattr(procedure.facts, aspect)
    if fact.is_known:
        lines = [_heading(procedure, aspect), _known_fact_text(knowledge, fact, organ_id)]
        return _quoting(lines, [fact.source])

    lines = [
        _heading(procedure, aspect),
        f"Les informations de la clinique ne précisent pas {ASPECT_QUESTIONS[aspect]}.",
    ]
    # What the page does say nearby is a fact too: its section is named.
    quoted = [fact.source] if fact.note else []
    if fact.note:
        lines.append(fact.note)
    if aspect in GENERAL_FACT_OF_KIND:
        general: Fact = getattr(knowledge.general, GENERAL_FACT_OF_KIND[aspect])
        lines += ["Pour l'ensemble des gestes, elles indiquent :", general.answer]
        quoted.append(general.source)
    lines.append(team_pointer(knowledge, about_a_procedure=True))
    return _quoting(lines, quoted)


def not_covered_topic(
    knowledge: KnowledgeBase, topic_id: str, procedure: Optional[Procedure] = None
) -> Reply:
    """A question the page answers for no procedure (fasting, driving…): said plainly, with what
    the page says nearby (the topic's `related` fact), and the team."""
    topic = knowledge.not_covered_topics[topic_id]
    lines = [f"{procedure.name} — {topic.label} :"] if procedure else []
    lines.append(f"Les informations de la clinique ne disent rien sur {topic.label}.")
    related = topic.related
    quoted: List[Optional[str]] = []
    if related in knowledge.general.__fields__:
        general: Fact = getattr(knowledge.general, related)
        lines += ["Pour l'ensemble des gestes, elles indiquent :", general.answer]
        quoted.append(general.source)
    elif related and procedure is not None and getattr(procedure.facts, related).is_known:
        fact: Fact = getattr(procedure.facts, related)
        lines += ["Pour ce geste, elles indiquent :", _known_fact_text(knowledge, fact, None)]
        quoted.append(fact.source)
    lines.append(team_pointer(knowledge, about_a_procedure=procedure is not None))
    return _quoting(lines, quoted)


def describe_procedure(knowledge: KnowledgeBase, procedure: Procedure) -> Reply:
    """Everything the page says about a procedure, in one message, with aspect buttons."""
    lines = [f"{procedure.name} :"]
    quoted = []
    for aspect in OVERVIEW_FACTS:
        fact: Fact = getattr(procedure.facts, aspect)
        # A fact said word for word in an earlier one (who decides, within what it is for) once.
        if fact.is_known and not any(fact.answer in line for line in lines):
            lines.append(_known_fact_text(knowledge, fact, None))
            quoted.append(fact.source)
    lines.append("Vous pouvez aussi me demander la durée, l'anesthésie ou le séjour à la clinique.")
    buttons = list(FOLLOW_UP_BUTTONS)
    return _quoting(lines, quoted, buttons)


def procedure_described(procedure: Procedure) -> str:
    """Said before the answer when the patient described a procedure (why, what it does) without naming it."""
    return (
        f"Vous ne nommez pas le geste : je vous réponds pour « {procedure.name} », celui que les "
        "informations de la clinique décrivent pour ce que vous indiquez. Si on vous a proposé "
        "un autre geste, dites-le-moi."
    )


def ask_which_procedure(
    knowledge: KnowledgeBase, unknown_name: Optional[str] = None, candidates: Optional[List[str]] = None
) -> Reply:
    """Clarifying question: which procedure, among the candidates when the message narrowed them."""
    if candidates and len(candidates) < len(knowledge.procedures):
        offered = [knowledge.procedure(procedure_id) for procedure_id in candidates]
        if len(offered) == 1:
            text = (
                "Je veux être sûr de répondre sur le bon geste : s'agit-il de celui proposé ci-dessous ? "
                "Si oui, choisissez-le ; sinon, " + _lowercase_first(team_pointer(knowledge))
            )
        else:
            text = "Votre question peut concerner plusieurs gestes. De quel geste s'agit-il ?"
        return Reply(text, [procedure_button(procedure) for procedure in offered])
    text = "De quel geste s'agit-il ? Choisissez-le dans la liste :"
    if unknown_name and QUOTABLE_NAME.match(unknown_name):
        text = (
            f"Je n'ai pas d'information sur « {unknown_name} » : les informations de la "
            "clinique portent sur les gestes ci-dessous. " + text
        )
    return Reply(text, procedure_buttons(knowledge))


def not_described_act(knowledge: KnowledgeBase, act: OtherAct, named: Sequence[str] = ()) -> Reply:
    """An act the page does not describe: say so, quote what it mentions, offer what it describes."""
    if act.mentioned.is_known:
        text = (
            f"{act.mentioned.answer} Elles ne décrivent pas ce geste plus en détail : je ne peux pas "
            "vous dire comment il se passe, combien de temps il dure, ni quelle anesthésie est prévue."
        )
    else:
        text = (
            f"Votre question porte sur {act.name} : les informations de la clinique n'en parlent pas, "
            "je ne peux donc pas vous répondre à ce sujet."
        )
    lines = [f"{text} {team_pointer(knowledge)}", _what_is_described(named)]
    return _quoting(lines, [act.mentioned.source], _offered_buttons(knowledge, named))


def outside_scope(knowledge: KnowledgeBase, procedure: Procedure, site_words: str) -> Reply:
    """A covered procedure asked about a site the page does not describe it for (a knee infiltration)."""
    site = next((w for w in procedure.scope.outside_words if normalize(w) == site_words), site_words)
    text = (
        f"Les informations de la clinique décrivent {procedure.scope.covers}. Elles ne parlent pas "
        f"de ce geste pour ce que vous décrivez (« {site} ») : je ne peux donc pas vous renseigner "
        f"sur ce cas. {team_pointer(knowledge)}"
    )
    lines = [text, _what_is_described(())]
    return _quoting(lines, [procedure.scope.source], procedure_buttons(knowledge))


def _what_is_described(named: Sequence[str]) -> str:
    if named:
        return "Si votre question porte aussi sur ce geste décrit par la clinique, choisissez-le :"
    return (
        "Voici les gestes que les informations de la clinique décrivent, si votre question "
        "porte sur l'un d'eux :"
    )


def _offered_buttons(knowledge: KnowledgeBase, named: Sequence[str]) -> List[Dict[str, str]]:
    if named:
        return [procedure_button(knowledge.procedure(procedure_id)) for procedure_id in named]
    return procedure_buttons(knowledge)


def _lowercase_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def list_procedures(knowledge: KnowledgeBase) -> Reply:
    names = "\n".join(f"• {procedure.name}" for procedure in knowledge.procedures)
    text = (
        "Je peux vous donner les informations de la clinique sur ces gestes de "
        f"radiologie interventionnelle :\n{names}\n"
        "Pour chacun : à quoi il sert, comment il se passe, sa durée, l'anesthésie et "
        "le séjour à la clinique, quand la clinique le précise."
    )
    return Reply(text, procedure_buttons(knowledge))


def answer_general(knowledge: KnowledgeBase, topic: str, procedure: Optional[Procedure] = None) -> Reply:
    """A general question; on pain, adds what is known for the procedure discussed."""
    general: Fact = getattr(knowledge.general, topic)
    lines, quoted = [general.answer], [general.source]
    if topic == "pain_relief" and procedure is not None:
        anaesthesia = procedure.facts.anaesthesia
        if anaesthesia.is_known:
            lines += [_heading(procedure, "anaesthesia"), _known_fact_text(knowledge, anaesthesia, None)]
            quoted.append(anaesthesia.source)
        else:
            lines += [
                _heading(procedure, "anaesthesia"),
                "Les informations de la clinique ne précisent pas le type d'anesthésie pour ce geste. "
                + team_pointer(knowledge, about_a_procedure=True),
            ]
    return _quoting(lines, quoted)


def out_of_scope(knowledge: KnowledgeBase) -> Reply:
    text = (
        "Je suis désolé, je ne peux pas répondre à cette question ici : je ne donne que "
        "les informations générales publiées par la clinique sur les gestes de radiologie "
        "interventionnelle (à quoi ils servent, comment ils se passent, anesthésie, durée, "
        "séjour). " + team_pointer(knowledge)
    )
    return Reply(text, [{"title": "Voir les gestes", "payload": "/list_procedures"}])


def ask_to_rephrase(knowledge: KnowledgeBase, failed_before: bool) -> Reply:
    """Low NLU confidence: rephrase and menu the first time, the team the second time."""
    if failed_before:
        text = (
            "Je n'arrive toujours pas à comprendre votre question, pardon. "
            + team_pointer(knowledge)
            + " Vous pouvez aussi choisir un geste ci-dessous."
        )
        return Reply(text, procedure_buttons(knowledge))
    text = (
        "Je ne suis pas sûr d'avoir compris. Pouvez-vous reformuler, en une phrase courte ? "
        "Je peux vous dire à quoi sert un geste, comment il se passe, combien de temps il "
        "dure, quelle anesthésie est prévue et s'il faut rester à la clinique."
    )
    buttons = [
        {"title": "Voir les gestes", "payload": "/list_procedures"},
        {
            "title": "La radiologie interventionnelle, c'est quoi ?",
            "payload": "/ask_interventional_radiology",
        },
    ]
    return Reply(text, buttons)


def answer_asked(knowledge: KnowledgeBase, asked: Asked) -> Reply:
    """The reply to one thing asked: a procedure's overview or fact, the page's general fact on a
    topic (pain relief), or a topic the page never covers."""
    procedure = knowledge.procedure(asked.procedure) if asked.procedure else None
    if asked.topic in GENERAL_TOPICS:
        return answer_general(knowledge, asked.topic, procedure)
    if asked.topic:
        return not_covered_topic(knowledge, asked.topic, procedure)
    if asked.kind == "overview":
        return describe_procedure(knowledge, procedure)
    return answer_aspect(knowledge, procedure, asked.kind, asked.organ)


def replies_to(knowledge: KnowledgeBase, decision: Decision) -> List[Tuple[Reply, Dict[str, object]]]:
    """The replies for what `assistant.understanding.decide` chose, each with its record:
    one per thing asked (each under its own heading), or one clarifying or honest reply."""
    if decision.outcome == "answer":
        replies = [
            (answer_asked(knowledge, asked), asked_record(knowledge, asked)) for asked in decision.asked
        ]
        if decision.described:
            first, record = replies[0]
            said = procedure_described(knowledge.procedure(decision.procedure))
            replies[0] = (Reply(f"{said}\n{first.text}", first.buttons, first.sources), record)
        return replies
    pending = decision.question_kinds[0] if decision.question_kinds else None
    if decision.outcome == "not_described":
        procedure_id = decision.outside_site[0] if decision.outside_site else None
        record = answer_record("not_described", procedure_id, pending)
        if decision.other_act:
            act = next(act for act in knowledge.not_described if act.id == decision.other_act)
            return [(not_described_act(knowledge, act, decision.candidates), record)]
        procedure_id, site_words = decision.outside_site
        return [(outside_scope(knowledge, knowledge.procedure(procedure_id), site_words), record)]
    if decision.outcome == "clarify":
        record = answer_record("clarify", aspect=pending, candidates=decision.candidates)
        return [(ask_which_procedure(knowledge, candidates=decision.candidates), record)]
    if decision.outcome == "general":
        procedure = knowledge.procedure(decision.procedure) if decision.procedure else None
        record = answer_record("general", decision.procedure, decision.topic)
        return [(answer_general(knowledge, decision.topic, procedure), record)]
    return [(out_of_scope(knowledge), answer_record("out_of_scope", decision.procedure))]


def feedback_reply(knowledge: KnowledgeBase, feedback: str) -> Reply:
    """Thanks for the patient's word on an answer; the team when it did not help."""
    if feedback == "helpful":
        return Reply("Merci pour votre retour. Avez-vous une autre question ?")
    return Reply(
        "Merci de nous l'avoir dit : votre remarque aidera la clinique à compléter ses informations. "
        + team_pointer(knowledge)
    )


def all_replies(knowledge: KnowledgeBase) -> Dict[str, Reply]:
    """Every reply the assistant can compose, keyed by a readable label (review sheet, tests)."""
    replies: Dict[str, Reply] = {}
    for procedure in knowledge.procedures:
        replies[f"{procedure.id} / présentation"] = describe_procedure(knowledge, procedure)
        for aspect in (*ASPECTS, *EXTRA_FACTS):
            replies[f"{procedure.id} / {aspect}"] = answer_aspect(knowledge, procedure, aspect)
            for organ_id in getattr(procedure.facts, aspect).by_organ:
                replies[f"{procedure.id} / {aspect} / {organ_id}"] = answer_aspect(
                    knowledge, procedure, aspect, organ_id
                )
        replies[f"{procedure.id} / pain_relief"] = answer_general(knowledge, "pain_relief", procedure)
    for topic in GENERAL_TOPICS:
        replies[f"général / {topic}"] = answer_general(knowledge, topic)
    replies["liste des gestes"] = list_procedures(knowledge)
    replies["question sans geste"] = ask_which_procedure(knowledge)
    for group in knowledge.ambiguous_words:
        label = f"question ambiguë « {group.patient_words[0]} »"
        replies[label] = ask_which_procedure(knowledge, candidates=group.candidates)
    for act in knowledge.not_described:
        replies[f"geste non décrit / {act.id}"] = not_described_act(knowledge, act)
    for procedure in knowledge.procedures:
        if procedure.scope.outside_words:
            site = procedure.scope.outside_words[0]
            replies[f"{procedure.id} / hors du champ (« {site} »)"] = outside_scope(
                knowledge, procedure, normalize(site)
            )
    for topic_id in knowledge.not_covered_topics:
        replies[f"question non traitée / {topic_id}"] = not_covered_topic(knowledge, topic_id)
    replies["hors sujet"] = out_of_scope(knowledge)
    replies["incompréhension (1re fois)"] = ask_to_rephrase(knowledge, failed_before=False)
    replies["incompréhension (2e fois)"] = ask_to_rephrase(knowledge, failed_before=True)
    replies["avis : réponse utile"] = feedback_reply(knowledge, "helpful")
    replies["avis : réponse pas utile"] = feedback_reply(knowledge, "not_helpful")
    return replies
