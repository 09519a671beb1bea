"""Rasa custom actions: read the tracker, decide what is asked, compose the replies, dispatch, set slots.

What a message asks is decided in `assistant.understanding`, the wording lives
in `assistant.answers`, the facts in the knowledge file (loaded and validated by
`knowledge` when the action server starts: `shared_store`).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant import answers
from assistant.understanding import GENERAL_TOPIC_OF_INTENT, Decision, Reading, decide, read_message
from knowledge import KnowledgeError, KnowledgeIndex, KnowledgeStore
from knowledge.words import is_payload

# The fixed response of each small-talk intent, when the message asks nothing more.
SMALLTALK_RESPONSES = {
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "affirm": "utter_anything_else",
    "deny": "utter_anything_else",
    "bot_challenge": "utter_bot_challenge",
}
# Slot values longer than this cannot be a procedure, an organ or a question kind.
MAX_SLOT_VALUE_LENGTH = 100


@functools.lru_cache(maxsize=1)
def shared_store() -> KnowledgeStore:
    """The knowledge file, loaded once, when the action server starts: rasa_sdk creates each
    action as it registers the package, before it listens (not when the module is imported)."""
    try:
        return KnowledgeStore()
    except KnowledgeError as error:
        # Stop the action server with a message staff can act on, not a traceback.
        raise SystemExit(f"Fichier de connaissances invalide, serveur d'actions arrêté.\n{error}") from None


def dispatch(dispatcher: CollectingDispatcher, reply: answers.Reply, record: Dict[str, Any]) -> None:
    """Sends the reply; `record` (answers.answer_record) goes with it into the conversation as the
    bot message's metadata `answer`, for the staff report; `offer_feedback` asks the web chat for
    its two feedback buttons under the answer (channels/socketio.py)."""
    offer_feedback = record["outcome"] in answers.FEEDBACK_OUTCOMES
    dispatcher.utter_message(
        text=reply.text, buttons=reply.buttons or None, answer=record, offer_feedback=offer_feedback
    )


def latest_intent(tracker: Tracker) -> Optional[str]:
    # Not Tracker.get_intent_of_latest_message: it reads `intent_ranking`,
    # which messages from buttons may lack.
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def user_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    # Button payloads ("/inform_procedure{...}") carry entities, not words.
    return "" if not isinstance(text, str) or is_payload(text) else text


def text_slot(tracker: Tracker, name: str) -> Optional[str]:
    """A slot's value if it is a short text; anything else (a number, a list) counts as unknown."""
    value = tracker.get_slot(name)
    return value if isinstance(value, str) and len(value) <= MAX_SLOT_VALUE_LENGTH else None


def list_slot(tracker: Tracker, name: str) -> List[str]:
    """A slot's short texts if it is a list; anything else counts as empty."""
    value = tracker.get_slot(name)
    items = value if isinstance(value, list) else []
    return [item for item in items if isinstance(item, str) and len(item) <= MAX_SLOT_VALUE_LENGTH]


def conversation_slots(tracker: Tracker) -> Dict[str, Any]:
    slots: Dict[str, Any] = {name: text_slot(tracker, name) for name in ("procedure", "organ")}
    slots["aspects"] = list_slot(tracker, "aspects")
    slots["candidates"] = list_slot(tracker, "candidates")
    slots["act_not_described"] = text_slot(tracker, "act_not_described")
    slots["site_not_described"] = list_slot(tracker, "site_not_described")
    return slots


def read_latest_message(index: KnowledgeIndex, tracker: Tracker) -> Reading:
    """The knowledge file's words in the message; a button's payload names its procedure and
    organ as entities. (The words of a typed message are read whole, negation included: an
    entity the NLU found in "pas la biopsie" is not the procedure meant.)"""
    text = user_text(tracker)
    reading = read_message(index, text)
    if text:
        return reading
    for value in tracker.get_latest_entity_values("procedure"):
        procedure = index.find_procedure(value)
        if procedure:
            reading.procedures, reading.named_by = [procedure.id], "name"
            break
    organs = {index.find_organ(value) for value in tracker.get_latest_entity_values("organ")}
    reading.organs = sorted(organ for organ in organs if organ)
    return reading


def slots_for(decision: Decision) -> List[EventType]:
    """The conversation's context after this reply, for follow-ups and pending questions."""
    # After a clarifying question or a not-described act no procedure is current:
    # a follow-up must not get a covered procedure's facts. (A price question keeps it.)
    keeps_procedure = decision.outcome in ("answer", "out_of_scope", "general")
    procedure = decision.procedure if keeps_procedure else None
    organ = None if decision.outcome == "not_described" else decision.organ
    candidates = decision.candidates if decision.outcome == "clarify" else None
    return [
        SlotSet("procedure", procedure),
        SlotSet("aspects", decision.question_kinds or None),
        SlotSet("organ", organ),
        SlotSet("candidates", candidates),
        SlotSet("act_not_described", decision.other_act),
        SlotSet("site_not_described", list(decision.outside_site) if decision.outside_site else None),
    ]


def answer_decision(
    dispatcher: CollectingDispatcher, index: KnowledgeIndex, decision: Decision
) -> List[EventType]:
    """Every reply `decide` chose, and the conversation's context after them."""
    for reply, record in answers.replies_to(index.knowledge, decision):
        dispatch(dispatcher, reply, record)
    return slots_for(decision)


def previous_user_intent(tracker: Tracker) -> Optional[str]:
    user_events = [event for event in tracker.events if event.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return (user_events[-2].get("parse_data") or {}).get("intent", {}).get("name")


class KnowledgeAction(Action, ABC):
    """Base of the actions that answer from the knowledge file.

    Shows the disclaimer once per conversation, before the first answer, so a
    patient who starts with a question (not a greeting) sees it too.
    """

    def __init__(self, store: Optional[KnowledgeStore] = None):
        self.store = store or shared_store()

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, index: KnowledgeIndex
    ) -> List[EventType]:
        """Dispatch the reply and return the events (slots) to apply."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = []
        if not tracker.get_slot("disclaimer_shown"):
            dispatcher.utter_message(response="utter_disclaimer")
            events.append(SlotSet("disclaimer_shown", True))
        return events + self.respond(dispatcher, tracker, self.store.index)


class ActionAnswer(KnowledgeAction):
    """Every message that may ask something: the whole message is read once
    (`assistant.understanding`) and each thing asked is answered, or the assistant asks which
    procedure is meant, or says honestly that the page does not cover it. When no procedure
    question is read, the intent's own reply: greeting or small talk, list, general fact, out of
    scope, rephrase."""

    def name(self) -> str:
        return "action_answer"

    def respond(self, dispatcher, tracker, index):
        intent = latest_intent(tracker)
        reading = read_latest_message(index, tracker)
        decision = decide(index, reading, intent, conversation_slots(tracker))
        if decision.outcome == "none":
            return self.answer_intent(dispatcher, tracker, index, intent, reading)
        return answer_decision(dispatcher, index, decision)

    @staticmethod
    def answer_intent(dispatcher, tracker, index, intent, reading) -> List[EventType]:
        knowledge = index.knowledge
        if intent == "greet":
            dispatcher.utter_message(response="utter_greet", answer=answers.answer_record("greeting"))
        elif intent in SMALLTALK_RESPONSES:
            record = answers.answer_record("smalltalk")
            dispatcher.utter_message(response=SMALLTALK_RESPONSES[intent], answer=record)
        elif intent == "list_procedures":
            dispatch(dispatcher, answers.list_procedures(knowledge), answers.answer_record("procedure_list"))
        elif intent in GENERAL_TOPIC_OF_INTENT:
            topic = GENERAL_TOPIC_OF_INTENT[intent]
            procedure = index.find_procedure(text_slot(tracker, "procedure"))
            reply = answers.answer_general(knowledge, topic, procedure)
            dispatch(dispatcher, reply, answers.answer_record("general", procedure and procedure.id, topic))
        elif intent == "nlu_fallback" and (reading.question_kinds or reading.organs):
            # Something of a procedure question, not understood: rephrase, then the team.
            failed_before = previous_user_intent(tracker) == "nlu_fallback"
            reply = answers.ask_to_rephrase(knowledge, failed_before)
            dispatch(dispatcher, reply, answers.answer_record("fallback"))
        else:
            # Off-topic (or nothing of a procedure question in a message the NLU did not
            # understand, recorded as a fallback for the staff report).
            outcome = "fallback" if intent == "nlu_fallback" else "out_of_scope"
            dispatch(dispatcher, answers.out_of_scope(knowledge), answers.answer_record(outcome))
        return []


class ActionRecordFeedback(KnowledgeAction):
    """The patient's word on the last answer ("ça ne répond pas à ma question"), kept in the
    `feedback` slot: in the conversation, so the report and the retention purge treat it like
    the rest. An unhelpful answer gets the team pointer."""

    def name(self) -> str:
        return "action_record_feedback"

    def respond(self, dispatcher, tracker, index):
        intent = latest_intent(tracker)
        decision = decide(index, read_latest_message(index, tracker), intent, conversation_slots(tracker))
        if decision.outcome != "none":
            # "non, pas d'allergie. Ma question : l'angiographie, c'est dangereux ?": a question
            # the reader reads, not a word on the last answer.
            return answer_decision(dispatcher, index, decision)
        feedback = answers.FEEDBACK_OF_INTENT.get(intent, "not_helpful")
        reply = answers.feedback_reply(index.knowledge, feedback)
        dispatch(dispatcher, reply, answers.answer_record("feedback"))
        return [SlotSet("feedback", feedback)]
