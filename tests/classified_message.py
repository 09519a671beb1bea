"""A Rasa message as the intent classifier leaves it, for the tests of the rules that run after it."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message


def classified(text: str, *ranking: tuple) -> Message:
    """A message as the classifier left it: intents with confidences, best first."""
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return Message(data={"text": text, "intent": intents[0], "intent_ranking": intents})
