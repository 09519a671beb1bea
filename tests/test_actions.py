"""The Rasa actions, run as the action server runs them (Tracker + CollectingDispatcher)."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.actions import ActionAnswer, ActionRecordFeedback
from assistant import answers
from assistant.understanding import QUESTION_KIND_OF_INTENT
from tests.conftest import entity, make_tracker

pytestmark = pytest.mark.unit

SHOWN = {"disclaimer_shown": True}


def texts(dispatcher):
    return [message.get("text") or message.get("response") for message in dispatcher.messages]


async def run(action_class, store, dispatcher, tracker):
    return await action_class(store).run(dispatcher, tracker, {})


@pytest.mark.parametrize("intent", [i for i in QUESTION_KIND_OF_INTENT if i != "ask_overview"])
async def test_every_procedure_and_aspect_through_the_action(store, dispatcher, intent):
    aspect = QUESTION_KIND_OF_INTENT[intent]
    for procedure in store.knowledge.procedures:
        dispatcher.messages.clear()
        word = procedure.patient_words[-1]  # often a misspelling or lay term
        tracker = make_tracker(intent, text=f"question sur {word}", entities=[entity("procedure", word)])
        events = await run(ActionAnswer, store, dispatcher, tracker)

        expected = answers.answer_aspect(store.knowledge, procedure, aspect).text
        assert texts(dispatcher) == ["utter_disclaimer", expected]
        assert SlotSet("procedure", procedure.id) in events
        assert SlotSet("aspects", [aspect]) in events
        assert SlotSet("disclaimer_shown", True) in events


async def test_disclaimer_is_shown_only_once(store, dispatcher):
    tracker = make_tracker("ask_duration", entities=[entity("procedure", "biopsie")], slots=SHOWN)
    await run(ActionAnswer, store, dispatcher, tracker)
    assert "utter_disclaimer" not in texts(dispatcher)


async def test_follow_up_question_uses_the_procedure_in_the_slot(store, dispatcher):
    tracker = make_tracker(
        "ask_duration", text="et ça dure combien ?", slots={**SHOWN, "procedure": "nephrostomie"}
    )
    await run(ActionAnswer, store, dispatcher, tracker)
    nephrostomy = store.knowledge.procedure("nephrostomie")
    assert texts(dispatcher) == [answers.answer_aspect(store.knowledge, nephrostomy, "duration").text]


async def test_switching_procedure_keeps_the_kind_of_question(store, dispatcher):
    tracker = make_tracker(
        "inform_procedure",
        text="et pour une biopsie ?",
        entities=[entity("procedure", "biopsie")],
        slots={**SHOWN, "procedure": "infiltration", "aspects": ["anaesthesia"]},
    )
    events = await run(ActionAnswer, store, dispatcher, tracker)
    biopsy = store.knowledge.procedure("biopsie")
    assert texts(dispatcher) == [answers.answer_aspect(store.knowledge, biopsy, "anaesthesia").text]
    assert SlotSet("procedure", "biopsie") in events


async def test_procedure_found_in_the_text_when_no_entity_was_extracted(store, dispatcher):
    tracker = make_tracker("ask_anaesthesia", text="on m'endort pour la nephrostomie ?", slots=SHOWN)
    events = await run(ActionAnswer, store, dispatcher, tracker)
    assert SlotSet("procedure", "nephrostomie") in events


async def test_question_without_procedure_asks_which_then_answers_the_pending_question(store, dispatcher):
    tracker = make_tracker("ask_hospital_stay", text="je reste combien de nuits ?", slots=SHOWN)
    events = await run(ActionAnswer, store, dispatcher, tracker)
    assert dispatcher.messages[0]["buttons"] == answers.procedure_buttons(store.knowledge)
    assert SlotSet("aspects", ["hospital_stay"]) in events

    dispatcher.messages.clear()
    button = make_tracker(
        "inform_procedure",
        text='/inform_procedure{"procedure":"biopsie"}',
        entities=[entity("procedure", "biopsie")],
        slots={**SHOWN, "aspects": ["hospital_stay"]},
    )
    await run(ActionAnswer, store, dispatcher, button)
    biopsy = store.knowledge.procedure("biopsie")
    assert texts(dispatcher) == [answers.answer_aspect(store.knowledge, biopsy, "hospital_stay").text]


async def test_organ_changes_the_answer_where_the_page_distinguishes_it(store, dispatcher):
    tracker = make_tracker(
        "ask_hospital_stay",
        text="biopsie du poumon, je reste combien de temps ?",
        entities=[entity("procedure", "biopsie"), entity("organ", "poumon")],
        slots=SHOWN,
    )
    events = await run(ActionAnswer, store, dispatcher, tracker)
    biopsy = store.knowledge.procedure("biopsie")
    assert texts(dispatcher) == [
        answers.answer_aspect(store.knowledge, biopsy, "hospital_stay", "poumon").text
    ]
    assert SlotSet("organ", "poumon") in events


async def test_organ_is_forgotten_when_another_procedure_is_named(store, dispatcher):
    tracker = make_tracker(
        "ask_hospital_stay",
        text="et pour une néphrostomie ?",
        entities=[entity("procedure", "néphrostomie")],
        slots={**SHOWN, "procedure": "biopsie", "organ": "poumon"},
    )
    events = await run(ActionAnswer, store, dispatcher, tracker)
    assert SlotSet("organ", None) in events


async def test_an_act_the_page_does_not_describe_is_said_honestly(store, dispatcher):
    tracker = make_tracker(
        "ask_duration",
        text="combien dure une coloscopie",
        entities=[entity("procedure", "coloscopie")],
        slots={**SHOWN, "procedure": "biopsie"},
    )
    events = await run(ActionAnswer, store, dispatcher, tracker)
    act = next(act for act in store.knowledge.not_described if "coloscopie" in act.patient_words)
    assert texts(dispatcher) == [answers.not_described_act(store.knowledge, act).text]
    assert dispatcher.messages[0]["buttons"] == answers.procedure_buttons(store.knowledge)
    # The procedure discussed before is no longer current; the act is: "et ça dure combien ?"
    # is about it too.
    assert SlotSet("procedure", None) in events
    assert SlotSet("act_not_described", act.id) in events

    dispatcher.messages.clear()
    follow_up = make_tracker(
        "ask_duration", text="et ça dure combien ?", slots={**SHOWN, "act_not_described": act.id}
    )
    await run(ActionAnswer, store, dispatcher, follow_up)
    assert texts(dispatcher) == [answers.not_described_act(store.knowledge, act).text]


async def test_a_crafted_slot_or_entity_value_counts_as_unknown(store, dispatcher):
    tracker = make_tracker(
        "inform_procedure",
        text='/inform_procedure{"procedure": 5}',
        entities=[{"entity": "procedure", "value": 5}, {"entity": "organ", "value": ["poumon"]}],
        slots={**SHOWN, "procedure": 5, "organ": {"a": 1}, "aspects": "duration"},
    )
    events = await run(ActionAnswer, store, dispatcher, tracker)
    assert dispatcher.messages[0]["buttons"] == answers.procedure_buttons(store.knowledge)
    assert SlotSet("procedure", None) in events


async def test_overview_of_a_named_procedure(store, dispatcher):
    tracker = make_tracker(
        "ask_overview", entities=[entity("procedure", "embolisation portale")], slots=SHOWN
    )
    await run(ActionAnswer, store, dispatcher, tracker)
    procedure = store.knowledge.procedure("embolisation_portale")
    assert texts(dispatcher) == [answers.describe_procedure(store.knowledge, procedure).text]


@pytest.mark.parametrize(
    "intent, topic",
    [
        ("ask_interventional_radiology", "interventional_radiology"),
        ("ask_pain", "pain_relief"),
        ("ask_location", "location"),
        ("ask_hygiene", "asepsis"),
    ],
)
async def test_general_questions(store, dispatcher, intent, topic):
    await run(ActionAnswer, store, dispatcher, make_tracker(intent, slots=SHOWN))
    general = getattr(store.knowledge.general, topic)
    [text] = texts(dispatcher)
    assert text.split("\n") == [general.answer, f"Source : {answers.PAGE}, « {general.source} »"]


async def test_pain_question_adds_the_known_anaesthesia_of_the_procedure(store, dispatcher):
    tracker = make_tracker("ask_pain", slots={**SHOWN, "procedure": "biopsie"})
    await run(ActionAnswer, store, dispatcher, tracker)
    assert store.knowledge.procedure("biopsie").facts.anaesthesia.answer in dispatcher.messages[0]["text"]


async def test_list_of_procedures(store, dispatcher):
    await run(ActionAnswer, store, dispatcher, make_tracker("list_procedures", slots=SHOWN))
    for procedure in store.knowledge.procedures:
        assert procedure.name in dispatcher.messages[0]["text"]


async def test_greeting_shows_the_disclaimer_then_the_greeting(store, dispatcher):
    await run(ActionAnswer, store, dispatcher, make_tracker("greet"))
    assert texts(dispatcher) == ["utter_disclaimer", "utter_greet"]


async def test_out_of_scope_points_to_the_team(store, dispatcher):
    await run(ActionAnswer, store, dispatcher, make_tracker("out_of_scope", slots=SHOWN))
    assert store.knowledge.contact.team_name in dispatcher.messages[0]["text"]


async def test_second_misunderstanding_in_a_row_offers_the_team(store, dispatcher):
    unclear = "euh combien de temps svp"  # a question word, no procedure
    await run(ActionAnswer, store, dispatcher, make_tracker("nlu_fallback", text=unclear, slots=SHOWN))
    first = dispatcher.messages[0]["text"]
    assert "reformuler" in first and store.knowledge.contact.team_name not in first

    dispatcher.messages.clear()
    tracker = make_tracker("nlu_fallback", text=unclear, slots=SHOWN, previous_intents=["nlu_fallback"])
    await run(ActionAnswer, store, dispatcher, tracker)
    assert store.knowledge.contact.team_name in dispatcher.messages[0]["text"]


async def test_a_misunderstood_follow_up_with_plain_question_words_is_answered(store, dispatcher):
    text = "et ça dure combien ? vous pouvez me rappeler au [téléphone]"
    tracker = make_tracker("nlu_fallback", text=text, slots={**SHOWN, "procedure": "biopsie"})
    await run(ActionAnswer, store, dispatcher, tracker)
    biopsy = store.knowledge.procedure("biopsie")
    assert texts(dispatcher) == [answers.answer_aspect(store.knowledge, biopsy, "duration").text]


async def test_a_misunderstood_message_with_no_procedure_words_is_out_of_scope(store, dispatcher):
    tracker = make_tracker("nlu_fallback", text="tu connais une bonne pizzeria pas loin", slots=SHOWN)
    await run(ActionAnswer, store, dispatcher, tracker)
    assert texts(dispatcher) == [answers.out_of_scope(store.knowledge).text]


async def test_risks_named_in_an_out_of_scope_message_get_the_honest_not_stated(store, dispatcher):
    tracker = make_tracker("out_of_scope", text="quels sont les risques d'une néphrostomie ?", slots=SHOWN)
    events = await run(ActionAnswer, store, dispatcher, tracker)
    nephrostomy = store.knowledge.procedure("nephrostomie")
    assert texts(dispatcher) == [answers.answer_aspect(store.knowledge, nephrostomy, "risks").text]
    assert SlotSet("procedure", "nephrostomie") in events


async def test_a_results_question_is_not_answered_as_the_length_of_the_act(store, dispatcher):
    text = "combien de temps pour avoir les résultats de la biopsie ?"
    await run(ActionAnswer, store, dispatcher, make_tracker("ask_duration", text, slots=SHOWN))
    topics = store.knowledge.not_covered_topics
    results = next(topic_id for topic_id, topic in topics.items() if "résultats" in topic.patient_words)
    biopsy = store.knowledge.procedure("biopsie")
    assert texts(dispatcher) == [answers.not_covered_topic(store.knowledge, results, biopsy).text]
    assert "durée" not in texts(dispatcher)[0]


# --- What each answer records, and the patient's feedback -----------------------


@pytest.mark.parametrize("intent", [i for i in QUESTION_KIND_OF_INTENT if i != "ask_overview"])
async def test_each_answer_records_fact_or_not_stated_as_the_knowledge_file_says(store, dispatcher, intent):
    aspect = QUESTION_KIND_OF_INTENT[intent]
    for procedure in store.knowledge.procedures:
        dispatcher.messages.clear()
        tracker = make_tracker(intent, text=f"question sur {procedure.patient_words[0]}", slots=SHOWN)
        await run(ActionAnswer, store, dispatcher, tracker)

        [message] = dispatcher.messages
        known = getattr(procedure.facts, aspect).is_known
        expected = {"outcome": "fact" if known else "not_stated", "procedure": procedure.id, "aspect": aspect}
        assert message["answer"] == expected, (procedure.id, aspect)
        assert message["offer_feedback"] is True


async def test_a_clarifying_question_records_the_procedures_it_offers(store, dispatcher):
    tracker = make_tracker("ask_duration", text="combien de temps dure un drainage ?", slots=SHOWN)
    await run(ActionAnswer, store, dispatcher, tracker)

    [message] = dispatcher.messages
    offered = [button["payload"].split('"')[-2] for button in message["buttons"]]
    assert message["answer"] == {"outcome": "clarify", "aspect": "duration", "candidates": offered}
    assert not message.get("offer_feedback")


@pytest.mark.parametrize(
    "action_class, intent, text, outcome",
    [
        (ActionAnswer, "greet", "bonjour", "greeting"),
        (ActionAnswer, "list_procedures", "quels gestes ?", "procedure_list"),
        (ActionAnswer, "out_of_scope", "quel temps fera-t-il demain ?", "out_of_scope"),
        (ActionAnswer, "nlu_fallback", "euh", "fallback"),
        (ActionAnswer, "nlu_fallback", "combien de temps ?", "fallback"),
    ],
)
async def test_other_replies_record_their_outcome_without_feedback(
    store, dispatcher, action_class, intent, text, outcome
):
    await run(action_class, store, dispatcher, make_tracker(intent, text=text, slots=SHOWN))

    assert [message["answer"]["outcome"] for message in dispatcher.messages] == [outcome]
    assert not dispatcher.messages[0].get("offer_feedback")


@pytest.mark.parametrize(
    "intent, feedback", [("feedback_helpful", "helpful"), ("feedback_not_helpful", "not_helpful")]
)
async def test_feedback_is_kept_in_the_slot_and_not_helpful_gets_the_team(
    store, dispatcher, intent, feedback
):
    events = await run(ActionRecordFeedback, store, dispatcher, make_tracker(intent, slots=SHOWN))

    assert events == [SlotSet("feedback", feedback)]
    [message] = dispatcher.messages
    assert message["text"] == answers.feedback_reply(store.knowledge, feedback).text
    assert (answers.team_pointer(store.knowledge) in message["text"]) == (feedback == "not_helpful")
    assert not message.get("offer_feedback")


async def test_a_question_the_classifier_took_for_feedback_is_answered(store, dispatcher):
    text = "Non, pas d'allergie. Ma question : l'angiographie viscérale, est-ce dangereux ?"
    tracker = make_tracker("feedback_not_helpful", text, slots=SHOWN)
    events = await run(ActionRecordFeedback, store, dispatcher, tracker)

    angiography = store.knowledge.procedure("angiographie")
    [message] = dispatcher.messages
    assert message["text"] == answers.answer_aspect(store.knowledge, angiography, "risks").text
    assert SlotSet("feedback", "not_helpful") not in events
    assert SlotSet("procedure", "angiographie") in events


@pytest.mark.parametrize(
    "intent, response",
    [
        ("thank", "utter_thank"),
        ("goodbye", "utter_goodbye"),
        ("affirm", "utter_anything_else"),
        ("deny", "utter_anything_else"),
        ("bot_challenge", "utter_bot_challenge"),
    ],
)
async def test_small_talk_gets_its_response_when_the_message_asks_nothing_more(
    store, dispatcher, intent, response
):
    await run(ActionAnswer, store, dispatcher, make_tracker(intent, text="merci", slots=SHOWN))
    assert texts(dispatcher) == [response]
    assert dispatcher.messages[0]["answer"] == {"outcome": "smalltalk"}


async def test_a_procedure_question_taken_for_small_talk_is_answered(store, dispatcher):
    text = "je dois avoir une biopsie, on m'endort ?"
    await run(ActionAnswer, store, dispatcher, make_tracker("goodbye", text=text, slots=SHOWN))
    biopsy = store.knowledge.procedure("biopsie")
    assert texts(dispatcher) == [answers.answer_aspect(store.knowledge, biopsy, "anaesthesia").text]


async def test_a_procedure_the_patient_excludes_is_not_taken_from_the_nlu_entities(store, dispatcher):
    # The NLU finds "biopsie" as an entity; the words say it is not the one meant.
    tracker = make_tracker(
        "inform_procedure",
        text="non, pas la biopsie",
        entities=[entity("procedure", "biopsie")],
        slots={**SHOWN, "procedure": "biopsie", "aspects": ["duration"]},
    )
    events = await run(ActionAnswer, store, dispatcher, tracker)
    [message] = dispatcher.messages
    offered = [button["payload"].split('"')[-2] for button in message["buttons"]]
    assert "biopsie" not in offered and offered
    assert SlotSet("procedure", None) in events
