"""A message that only names a procedure, an organ or a symptom answers "which procedure?".

"et pour le poumon ?", "la thermo ablation du rein", "c'est pour mes fibromes": nothing is asked,
a subject is named. The intent classifier learns question words, and with none to go by it
sometimes reads a question kind into such a message, or is unsure (nlu_fallback). When every word
is one of the knowledge file's names or a linking word, the intent is `inform_procedure`: the
actions then answer the pending question, or the overview. Runs after the FallbackClassifier.
The knowledge file is read when the model is loaded (server start).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.knowledge import KnowledgeIndex, load_knowledge
from components.intent_override import put_intent_first

INFORM_INTENT = "inform_procedure"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NamesOnly(GraphComponent):
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
    ) -> NamesOnly:
        return cls(config.get("knowledge_file"))

    def __init__(self, knowledge_file: Optional[str] = None) -> None:
        self.index = KnowledgeIndex(load_knowledge(knowledge_file))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue  # a button's payload names its intent itself
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != INFORM_INTENT and self.index.names_only(text):
                put_intent_first(message, INFORM_INTENT)
        return messages
