"""Setting a message's intent from the knowledge file's words, above the classifier's guesses.

`KnowledgeRule` is the base of the NLU component that does it (components/emergency_signs.py,
the emergency net): it reads the knowledge file when the model is loaded (server start)
and hands each typed message to the rule; a button's payload names its intent itself.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from knowledge import KnowledgeIndex, load_knowledge
from knowledge.words import is_payload


def put_intent_first(message: Message, intent_name: str) -> None:
    """The intent, with full confidence, first in the ranking; the classifier's other guesses after it."""
    chosen = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    others = [
        entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != intent_name
    ]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [chosen, *others], add_to_output=True)


class KnowledgeRule(GraphComponent):
    """An NLU component whose rule reads the knowledge file's words; subclasses write `apply`."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # None: the project's knowledge file (or $KNOWLEDGE_FILE).
        return {"knowledge_file": None}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnowledgeRule:
        return cls(config.get("knowledge_file"))

    def __init__(self, knowledge_file: Optional[str] = None) -> None:
        self.index = KnowledgeIndex(load_knowledge(knowledge_file))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and not is_payload(text):
                self.apply(message, text)
        return messages

    def apply(self, message: Message, text: str) -> None:
        raise NotImplementedError
