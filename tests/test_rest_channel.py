"""The assistant through the REST channel: real Rasa and action servers (scripts/run.sh)."""

from __future__ import annotations

import os
import signal

import pytest

from assistant import answers
from assistant.understanding import Asked
from harness.servers import RunningAssistant, port_is_open, wait_for
from knowledge import ASPECTS
from tests.conftest import PROCEDURE_IDS

# Each procedure by the first word patients use for it in the knowledge file, as a patient writes a
# topic then the question: a procedure added there is asked about here too.
QUESTIONS = {
    "purpose": "{} : à quoi ça sert ?",
    "how_it_is_done": "{} : comment ça se passe ?",
    "duration": "{} : combien de temps ça dure ?",
    "anaesthesia": "{} : est-ce qu'on m'endort ?",
    "hospital_stay": "{} : faut-il rester dormir à la clinique après ?",
    "risks": "{} : quels sont les risques ?",
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
@pytest.mark.parametrize("procedure_id", PROCEDURE_IDS)
def test_every_procedure_and_aspect_is_answered_from_the_knowledge_file(
    assistant: RunningAssistant, sender, knowledge, procedure_id, aspect
):
    procedure = knowledge.procedure(procedure_id)
    question = QUESTIONS[aspect].format(procedure.patient_words[0])
    replies = texts(assistant.say(question, sender))
    expected = answers.answer_aspect(knowledge, procedure, aspect).text
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


# --- Never the wrong procedure, variant or question: what the patient reads.


def buttons_of(replies):
    return [button["payload"] for button in replies[-1].get("buttons") or []]


def test_a_look_alike_act_gets_an_honest_not_described(assistant: RunningAssistant, sender, knowledge):
    infiltration = knowledge.procedure("infiltration")
    replies = assistant.say("combien de temps dure une infiltration du genou ?", sender)
    assert texts(replies)[-1] == answers.outside_scope(knowledge, infiltration, "genou").text
    assert infiltration.facts.duration.answer not in " ".join(texts(replies))

    coronary = next(act for act in knowledge.not_described if "coronaire" in act.patient_words)
    replies = texts(assistant.say("on va me poser un stent dans une artère coronaire, c'est long ?", sender))
    assert replies == [answers.not_described_act(knowledge, coronary).text]
    # Nothing is current afterwards: a follow-up asks which procedure.
    follow_up = assistant.say("et ça dure combien ?", sender)
    assert buttons_of(follow_up) == [b["payload"] for b in answers.procedure_buttons(knowledge)]


def test_a_generic_word_asks_among_its_candidates_then_answers_the_pending_question(
    assistant: RunningAssistant, sender, knowledge
):
    replies = assistant.say("on doit me faire une embolisation, ça dure combien de temps ?", sender)
    group = next(g for g in knowledge.ambiguous_words if "embolisation" in g.patient_words)
    expected = answers.ask_which_procedure(knowledge, candidates=group.candidates)
    assert (texts(replies)[-1], replies[-1]["buttons"]) == (expected.text, expected.buttons)

    chosen = assistant.say(expected.buttons[-1]["payload"], sender)
    procedure = knowledge.procedure(group.candidates[-1])
    assert texts(chosen) == [answers.answer_aspect(knowledge, procedure, "duration").text]


def test_the_rest_of_the_message_decides_a_generic_word(assistant: RunningAssistant, sender, knowledge):
    replies = texts(assistant.say("une embolisation avant mon hépatectomie, comment ça se passe ?", sender))
    portal = knowledge.procedure("embolisation_portale")
    assert replies[-1] == answers.answer_aspect(knowledge, portal, "how_it_is_done").text


def test_a_symptom_alone_is_not_a_procedure(assistant: RunningAssistant, sender, knowledge):
    replies = assistant.say("j'ai une jaunisse, l'intervention dure combien de temps ?", sender)
    assert buttons_of(replies) == [answers.procedure_button(knowledge.procedure("biliaire"))["payload"]]


def test_a_follow_up_on_a_site_outside_the_scope_is_not_answered(
    assistant: RunningAssistant, sender, knowledge
):
    infiltration = knowledge.procedure("infiltration")
    assistant.say("combien de temps dure une infiltration ?", sender)
    replies = texts(assistant.say("et pour le genou ?", sender))
    assert replies[-1] == answers.outside_scope(knowledge, infiltration, "genou").text
    assert infiltration.facts.duration.answer not in " ".join(replies)


def test_variants_most_specific_and_organ_follow_up(assistant: RunningAssistant, sender, knowledge):
    biopsy = knowledge.procedure("biopsie")
    replies = texts(assistant.say("biopsie profonde du poumon, je reste combien de temps ?", sender))
    assert replies[-1] == answers.answer_aspect(knowledge, biopsy, "hospital_stay", "poumon").text

    assistant.say("c'est quoi une biopsie ?", sender)
    follow_up = texts(assistant.say("et pour le poumon ?", sender))
    assert follow_up == [answers.answer_aspect(knowledge, biopsy, "hospital_stay", "poumon").text]


@pytest.mark.parametrize(
    "question, procedure_id, kind",
    [
        ("qu'est-ce qu'une néphrostomie ?", "nephrostomie", "overview"),
        ("qu'est ce que l'embolisation portale ?", "embolisation_portale", "overview"),
        ("je vais dormir à la clinique après la biopsie ?", "biopsie", "hospital_stay"),
        ("est-ce qu'on m'endort pour la biopsie ?", "biopsie", "anaesthesia"),
        ("combien de temps à l'hôpital pour une thermo-ablation ?", "thermoablation", "hospital_stay"),
        ("quels sont les risques d'une néphrostomie ?", "nephrostomie", "risks"),
    ],
)
def test_the_kind_of_question_asked_is_the_one_answered(
    assistant: RunningAssistant, sender, knowledge, question, procedure_id, kind
):
    expected = answers.answer_asked(knowledge, Asked(procedure_id, kind))
    assert texts(assistant.say(question, sender))[-1] == expected.text


def test_infection_is_not_promised_away(assistant: RunningAssistant, sender, knowledge):
    replies = " ".join(texts(assistant.say("y a-t-il un risque d'infection avec la biopsie ?", sender)))
    assert "éviter toute infection" not in replies
    # The page gives no risks: said plainly, without the asepsis sentence read as a reassurance.
    assert answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "risks").text in replies
    assert knowledge.general.asepsis.answer not in replies


def test_red_flags_get_the_emergency_message_and_ordinary_questions_do_not(
    assistant: RunningAssistant, sender, domain
):
    emergency = domain["responses"]["utter_emergency"][0]["text"]
    assert emergency in texts(assistant.say("mon drain est tombé ce matin", sender))
    assert emergency in texts(assistant.say("je n'ai pas uriné depuis hier soir", sender))
    assert emergency not in texts(assistant.say("est-ce que ça saigne pendant la biopsie ?", sender))


def test_off_topic_small_talk_gets_the_out_of_scope_reply(assistant: RunningAssistant, sender, knowledge):
    replies = texts(assistant.say("tu as une recette de crêpes ?", sender))
    assert replies[-1] == answers.out_of_scope(knowledge).text


# What a normal stop must not print: a false failure, make's error, a traceback.
STOP_NOISE = ("stopped by itself", "make: ***", "Traceback", "Task was destroyed")


def test_ctrl_c_in_a_terminal_is_a_normal_stop(tmp_path):
    running = RunningAssistant(tmp_path)
    running.start(command=["make", "--no-print-directory", "run"])
    ports = [running.rasa_port, running.action_port, running.web_port]
    assert all(port_is_open(port) for port in ports)
    wait_for(lambda: "Ctrl-C pour arrêter." in running.log_text(), "the ready block", timeout=30)
    # As a terminal does: SIGINT to the whole process group of the make command.
    status = running.stop()
    output = running.log_text()
    assert not any(port_is_open(port) for port in ports), (status, output[-3000:])
    # Once ready, the last lines said where to go and how to stop.
    block = output[output.index("L'assistant est prêt.") :]
    assert f"http://localhost:{running.web_port}" in block and "Ctrl-C pour arrêter." in block
    assert "Arrêt demandé" in output
    assert [noise for noise in STOP_NOISE if noise in output] == []
    # make, interrupted itself, ends by the signal (or 0): never a recipe error.
    assert status in (0, -signal.SIGINT), status


def test_a_server_that_dies_alone_is_still_reported(tmp_path):
    running = RunningAssistant(tmp_path)
    running.start()
    os.kill(running.action_pid(), signal.SIGKILL)
    assert running.process.wait(60) != 0
    assert not any(port_is_open(port) for port in (running.rasa_port, running.web_port))


# Facts of the page a plain question must reach (where, who decides, alternatives, urgency, the
# liver's growth delay, what happens to nearby tissues): (question, procedure, kind, field).
PAGE_FACTS_ASKED_PLAINLY = [
    ("où se passe la biopsie ?", "biopsie", "location", "answer"),
    ("qui décide de faire une thermo-ablation ?", "thermoablation", "who_decides", "answer"),
    ("la thermo-ablation, c'est à la place de l'opération ?", "thermoablation", "alternatives", "answer"),
    ("la néphrostomie, qui la décide ?", "nephrostomie", "who_decides", "answer"),
    ("la néphrostomie se fait en urgence ?", "nephrostomie", "urgency", "answer"),
    ("voies biliaires bouchées, une autre solution que le stent ?", "biliaire", "alternatives", "answer"),
    ("embolisation portale : combien de semaines avant ?", "embolisation_portale", "delay", "answer"),
    ("la thermo-ablation abîme les organes autour ?", "thermoablation", "risks", "note"),
    ("le drainage d'un abcès peut léser les tissus autour ?", "drainage_collection", "risks", "note"),
]


@pytest.mark.parametrize("question, procedure_id, kind, field", PAGE_FACTS_ASKED_PLAINLY)
def test_page_facts_are_reached_by_a_plain_question_with_their_source(
    assistant: RunningAssistant, sender, knowledge, question, procedure_id, kind, field
):
    fact = getattr(knowledge.procedure(procedure_id).facts, kind)
    said = getattr(fact, field)
    assert said, (procedure_id, kind, field)
    reply = texts(assistant.say(question, sender))[-1]
    assert said in reply, question
    assert reply.endswith(answers.source_line([fact.source])), reply
