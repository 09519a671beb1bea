"""The assistant through the REST channel: real Rasa and action servers (scripts/run.sh)."""

from __future__ import annotations

import pytest

from actions import answers
from actions.knowledge import ASPECTS
from tests.conftest import RunningAssistant, port_is_open

# How a patient names each procedure in a sentence (test input, not expected output).
PATIENT_NAMES = {
    "infiltration": "une infiltration",
    "biopsie": "une biopsie",
    "drainage_collection": "un drainage d'abcès",
    "thermoablation": "une thermo-ablation",
    "biliaire": "un stent biliaire",
    "nephrostomie": "une néphrostomie",
    "embolisation_portale": "une embolisation portale",
    "angiographie": "une angiographie",
}
QUESTIONS = {
    "purpose": "À quoi sert {} ?",
    "how_it_is_done": "Comment se passe {} ?",
    "duration": "Combien de temps dure {} ?",
    "anaesthesia": "Est-ce qu'on m'endort pour {} ?",
    "hospital_stay": "Faut-il rester dormir à la clinique après {} ?",
}


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def test_first_reply_carries_the_disclaimer_then_the_fact(assistant: RunningAssistant, sender, knowledge):
    replies = texts(assistant.say("Combien de temps dure une infiltration ?", sender))
    assert "ne remplace pas une consultation médicale" in replies[0]
    assert knowledge.procedure("infiltration").facts.duration.answer in replies[-1]

    again = texts(assistant.say("Et à quoi ça sert ?", sender))
    assert not any("ne remplace pas une consultation" in text for text in again)


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("procedure_id", list(PATIENT_NAMES))
def test_every_procedure_and_aspect_is_answered_from_the_knowledge_file(
    assistant: RunningAssistant, sender, knowledge, procedure_id, aspect
):
    question = QUESTIONS[aspect].format(PATIENT_NAMES[procedure_id])
    replies = texts(assistant.say(question, sender))
    expected = answers.answer_aspect(knowledge, knowledge.procedure(procedure_id), aspect).text
    assert replies[-1] == expected, question


def test_follow_up_and_switch_keep_the_context(assistant: RunningAssistant, sender, knowledge):
    nephrostomy, biopsy = knowledge.procedure("nephrostomie"), knowledge.procedure("biopsie")
    assistant.say("c'est quoi une néphrostomie ?", sender)
    follow_up = texts(assistant.say("et ça dure combien ?", sender))
    assert follow_up == [answers.answer_aspect(knowledge, nephrostomy, "duration").text]
    switched = texts(assistant.say("et pour une biopsie ?", sender))
    assert switched == [answers.answer_aspect(knowledge, biopsy, "duration").text]


def test_question_without_procedure_gets_buttons_and_the_pending_answer(
    assistant: RunningAssistant, sender, knowledge
):
    replies = assistant.say("est-ce qu'on va m'endormir ?", sender)
    buttons = replies[-1]["buttons"]
    assert [b["payload"] for b in buttons] == [b["payload"] for b in answers.procedure_buttons(knowledge)]

    chosen = next(b for b in buttons if '"nephrostomie"' in b["payload"])
    after = texts(assistant.say(chosen["payload"], sender))
    nephrostomy = knowledge.procedure("nephrostomie")
    assert after == [answers.answer_aspect(knowledge, nephrostomy, "anaesthesia").text]


def test_lung_biopsy_stay_through_the_channel(assistant: RunningAssistant, sender, knowledge):
    replies = texts(assistant.say("pour une biopsie du poumon je reste combien de temps ?", sender))
    biopsy = knowledge.procedure("biopsie")
    assert replies[-1] == answers.answer_aspect(knowledge, biopsy, "hospital_stay", "poumon").text


def test_emergency_is_sent_to_the_emergency_numbers(assistant: RunningAssistant, sender):
    replies = texts(assistant.say("j'ai 40 de fièvre et des frissons depuis mon drainage", sender))
    assert any("15" in text and "112" in text for text in replies)


def test_ctrl_c_stops_every_server(tmp_path):
    running = RunningAssistant(tmp_path)
    running.start()
    ports = [running.rasa_port, running.action_port, running.web_port]
    assert all(port_is_open(port) for port in ports)
    running.stop()
    assert not any(port_is_open(port) for port in ports)
