"""Rasa custom actions: read the tracker, decide what is asked, compose the reply, dispatch, set slots.

What a message asks is decided in `actions.understanding`, the wording lives
in `actions.answers`, the facts in the knowledge file (loaded and validated by
`actions.knowledge` when the action server starts).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.knowledge import KnowledgeError, KnowledgeIndex, KnowledgeStore
from actions.understanding import Decision, Reading, decide, read_message

GENERAL_TOPIC_OF_INTENT = {
    "ask_interventional_radiology": "interventional_radiology",
    "ask_pain": "pain_relief",
    "ask_location": "location",
    "ask_hygiene": "asepsis",
}
# Question words precise enough to answer about a procedure even when the NLU
# took the message for something else ("les risques de la biopsie" is not out
# of scope: the assistant says honestly that the page does not give them).
PRECISE_QUESTION_KINDS = ("risks", "duration", "anaesthesia", "hospital_stay")
# Slot values longer than this cannot be a procedure, an organ or a question kind.
MAX_SLOT_VALUE_LENGTH = 100


def _load_store() -> KnowledgeStore:
    try:
        return KnowledgeStore()
    except KnowledgeError as error:
        # Stop the action server with a message staff can act on, not a traceback.
        raise SystemExit(f"Fichier de connaissances invalide, serveur d'actions arrêté.\n{error}") from None


STORE = _load_store()


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
    return "" if not isinstance(text, str) or text.startswith("/") else text


def text_slot(tracker: Tracker, name: str) -> Optional[str]:
    """A slot's value if it is a short text; anything else (a number, a list) counts as unknown."""
    value = tracker.get_slot(name)
    return value if isinstance(value, str) and len(value) <= MAX_SLOT_VALUE_LENGTH else None


def conversation_slots(tracker: Tracker) -> Dict[str, Any]:
    slots: Dict[str, Any] = {name: text_slot(tracker, name) for name in ("procedure", "organ", "aspect")}
    candidates = tracker.get_slot("candidates")
    slots["candidates"] = (
        [c for c in candidates if isinstance(c, str)] if isinstance(candidates, list) else []
    )
    return slots


def read_latest_message(index: KnowledgeIndex, tracker: Tracker) -> Reading:
    """The knowledge file's words in the message; entities (buttons, misspellings) where it has none."""
    reading = read_message(index, user_text(tracker))
    if reading.named_by is None:
        for value in tracker.get_latest_entity_values("procedure"):
            procedure = index.find_procedure(value)
            if procedure:
                reading.procedures, reading.named_by = [procedure.id], "name"
                break
    if not reading.organs:
        organs = {index.find_organ(value) for value in tracker.get_latest_entity_values("organ")}
        reading.organs = sorted(organ for organ in organs if organ)
    return reading


def slots_for(decision: Decision) -> List[EventType]:
    """The conversation's context after this reply, for follow-ups and pending questions."""
    # After a clarifying question or a not-described act no procedure is current:
    # a follow-up must not get a covered procedure's facts. (A price question keeps it.)
    procedure = decision.procedure if decision.outcome in ("answer", "out_of_scope") else None
    organ = None if decision.outcome == "not_described" else decision.organ
    candidates = decision.candidates if decision.outcome == "clarify" else None
    kind = decision.question_kind
    return [
        SlotSet("procedure", procedure),
        SlotSet("aspect", kind),
        SlotSet("organ", organ),
        SlotSet("candidates", candidates),
    ]


def answer_procedure_question(
    dispatcher: CollectingDispatcher, index: KnowledgeIndex, decision: Decision
) -> List[EventType]:
    knowledge = index.knowledge
    dispatch(dispatcher, answers.reply_to(knowledge, decision), answers.decision_record(knowledge, decision))
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
        self.store = store or STORE

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


class ActionGreet(KnowledgeAction):
    def name(self) -> str:
        return "action_greet"

    def respond(self, dispatcher, tracker, index):
        # "bonjour, une infiltration c'est quoi ?": the answer (the disclaimer already greets).
        reading = read_latest_message(index, tracker)
        if reading.named_by in ("name", "generic") and reading.question_kinds:
            decision = decide(index, reading, None, conversation_slots(tracker))
            return answer_procedure_question(dispatcher, index, decision)
        dispatcher.utter_message(response="utter_greet", answer=answers.answer_record("greeting"))
        return []


class ActionAnswerProcedureQuestion(KnowledgeAction):
    """Answers a question about a procedure, says a look-alike act is not described,
    or asks which procedure is meant and keeps the question pending."""

    def name(self) -> str:
        return "action_answer_procedure_question"

    def respond(self, dispatcher, tracker, index):
        reading = read_latest_message(index, tracker)
        decision = decide(index, reading, latest_intent(tracker), conversation_slots(tracker))
        return answer_procedure_question(dispatcher, index, decision)


class ActionListProcedures(KnowledgeAction):
    def name(self) -> str:
        return "action_list_procedures"

    def respond(self, dispatcher, tracker, index):
        # "cholécystite, c'est quoi l'intervention ?": the candidates, not the whole list.
        reading = read_latest_message(index, tracker)
        if reading.named_by is not None:
            decision = decide(index, reading, None, conversation_slots(tracker))
            if decision.outcome in ("answer", "clarify", "not_described"):
                return answer_procedure_question(dispatcher, index, decision)
        reply = answers.list_procedures(index.knowledge)
        dispatch(dispatcher, reply, answers.answer_record("procedure_list"))
        return []


def procedure_question_despite_intent(
    index: KnowledgeIndex, tracker: Tracker, intent_is_general: bool
) -> Optional[Decision]:
    """For a message the NLU took for a general or out-of-scope question: a not-described act,
    or a procedure question its words make plain, which then deserve their own answer."""
    reading = read_latest_message(index, tracker)
    decision = decide(index, reading, None, conversation_slots(tracker))
    if decision.outcome == "not_described":
        return decision
    if reading.part_of_description and decision.outcome == "answer":
        return decision  # "après l'embolisation portale, il faut une IRM ?": the page says where
    if not reading.question_kinds:
        return None  # no question words: the intent stands
    precise = decision.question_kind in PRECISE_QUESTION_KINDS
    named = reading.named_by == "name" or reading.decided_by_context is not None
    if decision.outcome == "answer":
        plain_kind = decision.question_kind in ("overview", "purpose") or not intent_is_general
        return decision if precise or (named and plain_kind) else None
    if decision.outcome == "clarify" and not intent_is_general:
        return decision if precise or reading.named_by in ("generic", "context") else None
    return None


class ActionAnswerGeneralQuestion(KnowledgeAction):
    def name(self) -> str:
        return "action_answer_general_question"

    def respond(self, dispatcher, tracker, index):
        decision = procedure_question_despite_intent(index, tracker, intent_is_general=True)
        if decision:
            return answer_procedure_question(dispatcher, index, decision)
        topic = GENERAL_TOPIC_OF_INTENT.get(latest_intent(tracker), "interventional_radiology")
        procedure = index.find_procedure(text_slot(tracker, "procedure"))
        reply = answers.answer_general(index.knowledge, topic, procedure)
        record = answers.answer_record("general", procedure.id if procedure else None, topic)
        dispatch(dispatcher, reply, record)
        return []


class ActionOutOfScope(KnowledgeAction):
    def name(self) -> str:
        return "action_out_of_scope"

    def respond(self, dispatcher, tracker, index):
        decision = procedure_question_despite_intent(index, tracker, intent_is_general=False)
        if decision:
            return answer_procedure_question(dispatcher, index, decision)
        dispatch(dispatcher, answers.out_of_scope(index.knowledge), answers.answer_record("out_of_scope"))
        return []


class ActionAskToRephrase(KnowledgeAction):
    """Low NLU confidence: a message that names a procedure or an act is still answered
    from its words, and so is a follow-up with precise question words (about the procedure
    discussed); one with no word of a procedure question gets the out-of-scope reply;
    otherwise rephrase, and a second failure in a row offers the team."""

    def name(self) -> str:
        return "action_ask_to_rephrase"

    def respond(self, dispatcher, tracker, index):
        reading = read_latest_message(index, tracker)
        if reading.named_by is not None or reading.question_kinds:
            decision = decide(index, reading, None, conversation_slots(tracker))
            # A subject named (a symptom alone, "une sciatique qui ne passe pas", gets "is it
            # about this procedure?"), or a follow-up whose words make the question plain ("et ça
            # dure combien ?" with a phone number after it): answered, not a request to rephrase.
            precise = decision.question_kind in PRECISE_QUESTION_KINDS
            if reading.named_by is not None or (decision.outcome == "answer" and precise):
                return answer_procedure_question(dispatcher, index, decision)
        if not reading.question_kinds and not reading.organs:
            # Nothing of a question about a procedure: off-topic, not a badly phrased question.
            # Recorded as a fallback all the same: the NLU did not understand it (the staff report).
            dispatch(dispatcher, answers.out_of_scope(index.knowledge), answers.answer_record("fallback"))
            return []
        failed_before = previous_user_intent(tracker) == "nlu_fallback"
        reply = answers.ask_to_rephrase(index.knowledge, failed_before)
        dispatch(dispatcher, reply, answers.answer_record("fallback"))
        return []


class ActionRecordFeedback(KnowledgeAction):
    """The patient's word on the last answer ("ça ne répond pas à ma question"), kept in the
    `feedback` slot: in the conversation, so the report and the retention purge treat it like
    the rest. An unhelpful answer gets the team pointer."""

    def name(self) -> str:
        return "action_record_feedback"

    def respond(self, dispatcher, tracker, index):
        feedback = answers.FEEDBACK_OF_INTENT.get(latest_intent(tracker), "not_helpful")
        reply = answers.feedback_reply(index.knowledge, feedback)
        dispatch(dispatcher, reply, answers.answer_record("feedback"))
        return [SlotSet("feedback", feedback)]
