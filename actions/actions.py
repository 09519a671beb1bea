"""Rasa custom actions: read the tracker, compose the reply, dispatch, set slots.

The wording lives in `actions.answers`, the facts in the knowledge file
(loaded and validated by `actions.knowledge` when the action server starts).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.knowledge import KnowledgeBase, KnowledgeError, KnowledgeIndex, KnowledgeStore, Procedure

# Which aspect each question intent asks about; "overview" describes the procedure.
ASPECT_OF_INTENT = {
    "ask_purpose": "purpose",
    "ask_how_it_is_done": "how_it_is_done",
    "ask_duration": "duration",
    "ask_anaesthesia": "anaesthesia",
    "ask_hospital_stay": "hospital_stay",
    "ask_overview": "overview",
}
GENERAL_TOPIC_OF_INTENT = {
    "ask_interventional_radiology": "interventional_radiology",
    "ask_pain": "pain_relief",
    "ask_location": "location",
    "ask_hygiene": "asepsis",
}


def _load_store() -> KnowledgeStore:
    try:
        return KnowledgeStore()
    except KnowledgeError as error:
        # Stop the action server with a message staff can act on, not a traceback.
        raise SystemExit(f"Fichier de connaissances invalide, serveur d'actions arrêté.\n{error}") from None


STORE = _load_store()


def dispatch(dispatcher: CollectingDispatcher, reply: answers.Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def latest_intent(tracker: Tracker) -> Optional[str]:
    # Not Tracker.get_intent_of_latest_message: it reads `intent_ranking`,
    # which messages from buttons may lack.
    return (tracker.latest_message.get("intent") or {}).get("name")


def user_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    # Button payloads ("/inform_procedure{...}") carry entities, not words.
    return "" if text.startswith("/") else text


def procedure_in_message(
    index: KnowledgeIndex, tracker: Tracker
) -> Tuple[Optional[Procedure], Optional[str]]:
    """The procedure named in the latest message, and an unrecognised name if any."""
    values = list(tracker.get_latest_entity_values("procedure"))
    for value in values:
        procedure = index.find_procedure(value)
        if procedure:
            return procedure, None
    procedure = index.find_procedure_in_text(user_text(tracker))
    if procedure:
        return procedure, None
    return None, (values[0] if values else None)


def organ_in_message(index: KnowledgeIndex, tracker: Tracker) -> Optional[str]:
    for value in tracker.get_latest_entity_values("organ"):
        organ_id = index.find_organ(value)
        if organ_id:
            return organ_id
    return index.find_organ_in_text(user_text(tracker))


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
        dispatcher.utter_message(response="utter_greet")
        return []


class ActionAnswerProcedureQuestion(KnowledgeAction):
    """Answers an aspect of a procedure, or asks which procedure and keeps the question pending."""

    def name(self) -> str:
        return "action_answer_procedure_question"

    def respond(self, dispatcher, tracker, index):
        knowledge: KnowledgeBase = index.knowledge
        intent = latest_intent(tracker)
        # "et pour une biopsie ?" keeps the kind of question asked before.
        aspect = ASPECT_OF_INTENT.get(intent) or tracker.get_slot("aspect") or "overview"

        mentioned, unknown_name = procedure_in_message(index, tracker)
        organ_id = organ_in_message(index, tracker)
        procedure = mentioned or index.find_procedure(tracker.get_slot("procedure"))
        if mentioned is None and procedure is not None:
            organ_id = organ_id or tracker.get_slot("organ")

        if procedure is None or unknown_name:
            dispatch(dispatcher, answers.ask_which_procedure(knowledge, unknown_name))
            return [SlotSet("aspect", aspect), SlotSet("procedure", None), SlotSet("organ", organ_id)]

        if aspect == "overview":
            reply = answers.describe_procedure(knowledge, procedure)
        else:
            reply = answers.answer_aspect(knowledge, procedure, aspect, organ_id)
        dispatch(dispatcher, reply)
        return [SlotSet("procedure", procedure.id), SlotSet("aspect", aspect), SlotSet("organ", organ_id)]


class ActionListProcedures(KnowledgeAction):
    def name(self) -> str:
        return "action_list_procedures"

    def respond(self, dispatcher, tracker, index):
        dispatch(dispatcher, answers.list_procedures(index.knowledge))
        return []


class ActionAnswerGeneralQuestion(KnowledgeAction):
    def name(self) -> str:
        return "action_answer_general_question"

    def respond(self, dispatcher, tracker, index):
        intent = latest_intent(tracker)
        topic = GENERAL_TOPIC_OF_INTENT.get(intent, "interventional_radiology")
        procedure = index.find_procedure(tracker.get_slot("procedure"))
        dispatch(dispatcher, answers.answer_general(index.knowledge, topic, procedure))
        return []


class ActionOutOfScope(KnowledgeAction):
    def name(self) -> str:
        return "action_out_of_scope"

    def respond(self, dispatcher, tracker, index):
        dispatch(dispatcher, answers.out_of_scope(index.knowledge))
        return []


class ActionAskToRephrase(KnowledgeAction):
    """Low NLU confidence; a second failure in a row offers the radiology team."""

    def name(self) -> str:
        return "action_ask_to_rephrase"

    def respond(self, dispatcher, tracker, index):
        failed_before = previous_user_intent(tracker) == "nlu_fallback"
        dispatch(dispatcher, answers.ask_to_rephrase(index.knowledge, failed_before))
        return []
