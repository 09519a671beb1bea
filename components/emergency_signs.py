"""An emergency net that does not depend on the intent classifier alone.

Runs last in the NLU pipeline: when a message describes one of the knowledge
file's red-flag signs ("je saigne beaucoup", "mon drain est tombé"), the intent
becomes `urgent_symptoms` whatever the classifier said, so the emergency
instruction (a plain response, no action server needed) comes first. The signs
are first-person phrases: "est-ce que ça saigne pendant la biopsie ?" is none.
The knowledge file is read when the model is loaded (server start).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
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

from actions.knowledge import KnowledgeIndex, load_knowledge

EMERGENCY_INTENT = "urgent_symptoms"
# Where the message's output says which sign was recognised (for logs of counts, reports).
EMERGENCY_SIGNS_KEY = "emergency_signs"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencySigns(GraphComponent):
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
    ) -> EmergencySigns:
        return cls(config.get("knowledge_file"))

    def __init__(self, knowledge_file: Optional[str] = None) -> None:
        self.signs = KnowledgeIndex(load_knowledge(knowledge_file)).emergency_signs

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue  # a button's payload names its intent itself
            found = sorted({mention.target for mention in self.signs.find(text)})
            if found:
                self._set_emergency(message, found)
        return messages

    @staticmethod
    def _set_emergency(message: Message, signs: List[str]) -> None:
        emergency = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != EMERGENCY_INTENT
        ]
        message.set(INTENT, emergency, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [emergency, *ranking], add_to_output=True)
        message.set(EMERGENCY_SIGNS_KEY, signs, add_to_output=True)
