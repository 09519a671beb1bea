"""An emergency net that does not depend on the intent classifier alone.

Runs last in the NLU pipeline: when a message describes one of the knowledge
file's red-flag signs ("je saigne beaucoup", "mon drain est tombé"), the intent
becomes `urgent_symptoms` whatever the classifier said, so the emergency
instruction (a plain response, no action server needed) comes first. The signs
are first-person phrases: "est-ce que ça saigne pendant la biopsie ?" is none.
A message the classifier takes for an emergency without conviction, and in
which no sign is found, gets the classifier's next guess instead.
The knowledge file is read when the model is loaded (server start: KnowledgeRule).
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from components.intent_override import KnowledgeRule, put_intent_first

EMERGENCY_INTENT = "urgent_symptoms"
# The classifier alone, without any sign of the knowledge file, must be at least
# this sure: long stories about back pain or heavy periods are not emergencies,
# and the signs list is the net that does not depend on it.
UNSURE_EMERGENCY_CONFIDENCE = 0.97
# Where the message's output says which sign was recognised (for logs of counts, reports).
EMERGENCY_SIGNS_KEY = "emergency_signs"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencySigns(KnowledgeRule):
    def apply(self, message: Message, text: str) -> None:
        found = self.index.emergency_signs_in(text)
        if found:
            self._set_emergency(message, found)
        elif self._unsure_emergency(message):
            self._set_next_intent(message)

    @staticmethod
    def _unsure_emergency(message: Message) -> bool:
        intent = message.get(INTENT) or {}
        confidence = intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        return intent.get(INTENT_NAME_KEY) == EMERGENCY_INTENT and confidence < UNSURE_EMERGENCY_CONFIDENCE

    @staticmethod
    def _set_next_intent(message: Message) -> None:
        """The classifier's next guess, for a message it only half took for an emergency."""
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != EMERGENCY_INTENT
        ]
        if ranking:
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    @staticmethod
    def _set_emergency(message: Message, signs: List[str]) -> None:
        put_intent_first(message, EMERGENCY_INTENT)
        message.set(EMERGENCY_SIGNS_KEY, signs, add_to_output=True)
