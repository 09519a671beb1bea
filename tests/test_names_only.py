"""components/names_only.py: a message that only names a subject is inform_procedure."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.names_only import INFORM_INTENT, NamesOnly
from tests.classified_message import classified
from tests.conftest import KNOWLEDGE_FILE

pytestmark = pytest.mark.unit


def run(message: Message) -> Message:
    return NamesOnly(str(KNOWLEDGE_FILE)).process([message])[0]


def test_a_procedure_and_an_organ_named_alone_are_inform_procedure_whatever_the_classifier_read(knowledge):
    thermoablation = knowledge.procedure("thermoablation").patient_words[0]
    kidney = knowledge.organs["rein"].patient_words[0]
    for text, guess in [
        (f"la {thermoablation} du {kidney}", ("ask_anaesthesia", 0.48)),
        (f"et pour le {kidney} ?", ("ask_how_it_is_done", 0.7)),
        (f"{thermoablation} ?", ("nlu_fallback", 0.5)),
    ]:
        message = run(classified(text, guess, ("inform_procedure", 0.2)))
        assert message.get("intent") == {"name": INFORM_INTENT, "confidence": 1.0}, text
        assert [entry["name"] for entry in message.get("intent_ranking")] == [INFORM_INTENT, guess[0]]


def test_a_symptom_named_alone_is_inform_procedure(knowledge):
    symptom = knowledge.procedure("angiographie").context_words[0]
    message = run(classified(f"c'est pour mes {symptom}", ("ask_purpose", 0.6)))
    assert message.get("intent")["name"] == INFORM_INTENT


@pytest.mark.parametrize(
    "text, intent",
    [
        ("combien de temps dure la biopsie ?", "ask_duration"),
        ("la biopsie ça fait mal ?", "ask_pain"),
        ("merci pour la biopsie", "thank"),
        ("bonjour", "greet"),
        ("et pour le reste ?", "nlu_fallback"),  # nothing named
        ('/inform_procedure{"procedure":"biopsie"}', "inform_procedure"),
    ],
)
def test_a_message_that_asks_or_names_nothing_keeps_its_intent(text, intent):
    message = run(classified(text, (intent, 0.9), ("ask_overview", 0.1)))
    assert message.get("intent") == {"name": intent, "confidence": 0.9}
