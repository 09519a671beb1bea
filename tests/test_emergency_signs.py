"""components/emergency_signs.py: the emergency net of the NLU pipeline, on Rasa messages."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.emergency_signs import EMERGENCY_INTENT, UNSURE_EMERGENCY_CONFIDENCE, EmergencySigns
from tests.classified_message import classified
from tests.conftest import KNOWLEDGE_FILE

pytestmark = pytest.mark.unit


def run(message: Message) -> Message:
    return EmergencySigns(str(KNOWLEDGE_FILE)).process([message])[0]


def test_a_red_flag_sign_wins_over_an_unsure_or_wrong_classifier(knowledge):
    sign = knowledge.emergency_signs["drain_out"].patient_words[0]
    message = run(classified(f"mon {sign} ce matin", ("nlu_fallback", 0.5), ("ask_duration", 0.3)))
    assert message.get("intent") == {"name": EMERGENCY_INTENT, "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == EMERGENCY_INTENT
    assert message.get("emergency_signs") == ["drain_out"]


def test_an_ordinary_question_keeps_its_intent():
    message = run(
        classified("est-ce que ça saigne pendant la biopsie ?", ("ask_pain", 0.7), ("ask_duration", 0.2))
    )
    assert message.get("intent")["name"] == "ask_pain"


def test_a_half_sure_emergency_without_any_sign_gets_the_next_guess():
    story = "mon rhumatologue a prévu une infiltration, je voulais savoir si on m'endort ?"
    unsure = UNSURE_EMERGENCY_CONFIDENCE - 0.2
    message = run(classified(story, (EMERGENCY_INTENT, unsure), ("ask_anaesthesia", 0.1)))
    assert message.get("intent")["name"] == "ask_anaesthesia"
    sure = run(classified(story, (EMERGENCY_INTENT, 0.99), ("ask_anaesthesia", 0.01)))
    assert sure.get("intent")["name"] == EMERGENCY_INTENT


def test_button_payloads_are_left_alone():
    payload = '/inform_procedure{"procedure":"biopsie"}'
    message = run(classified(payload, ("inform_procedure", 1.0)))
    assert message.get("intent")["name"] == "inform_procedure"
