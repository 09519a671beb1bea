"""A message that only names a procedure, an organ or a symptom answers "which procedure?".

"et pour le poumon ?", "la thermo ablation du rein", "c'est pour mes fibromes": nothing is asked,
a subject is named. The intent classifier learns question words, and with none to go by it
sometimes reads a question kind into such a message, or is unsure (nlu_fallback). When every word
is one of the knowledge file's names or a linking word, the intent is `inform_procedure`: the
actions then answer the pending question, or the overview. Runs after the FallbackClassifier.
The knowledge file is read when the model is loaded (server start: KnowledgeRule).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import KnowledgeRule, put_intent_first

INFORM_INTENT = "inform_procedure"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NamesOnly(KnowledgeRule):
    def apply(self, message: Message, text: str) -> None:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) != INFORM_INTENT and self.index.names_only(text):
            put_intent_first(message, INFORM_INTENT)
