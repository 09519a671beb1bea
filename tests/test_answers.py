"""Answer wording: faithful when the file knows, honest when it does not."""

from __future__ import annotations

import re

import pytest

from assistant import answers
from assistant.understanding import Asked, Decision
from knowledge import ASPECTS
from tests.conftest import PROCEDURE_IDS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("procedure_id", PROCEDURE_IDS)
def test_every_procedure_and_aspect_gets_the_fact_or_an_honest_answer(knowledge, procedure_id, aspect):
    procedure = knowledge.procedure(procedure_id)
    fact = getattr(procedure.facts, aspect)
    reply = answers.answer_aspect(knowledge, procedure, aspect)

    assert reply.text.startswith(procedure.name)
    if fact.is_known:
        assert fact.answer in reply.text
        for variant_text in fact.by_organ.values():
            assert variant_text.rstrip(" ;.") in reply.text
        assert "ne précisent pas" not in reply.text
    else:
        assert "Les informations de la clinique ne précisent pas" in reply.text
        assert knowledge.contact.team_name in reply.text


def test_unknown_anaesthesia_gives_the_general_pain_relief_statement(knowledge):
    reply = answers.answer_aspect(knowledge, knowledge.procedure("angiographie"), "anaesthesia")
    assert knowledge.general.pain_relief.answer in reply.text


def test_who_decides_a_procedure_the_page_is_silent_on_gives_who_does_every_act(knowledge):
    """ "qui fait la biopsie ?": the page does not say who decides it, it says a radiologist does
    every act; a procedure whose decision the page gives answers with that only."""
    reply = answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "who_decides")
    assert "ne précisent pas" in reply.text
    assert "radiologue" in knowledge.general.performed_by.answer
    assert knowledge.general.performed_by.answer in reply.text
    stated = answers.answer_aspect(knowledge, knowledge.procedure("thermoablation"), "who_decides")
    assert knowledge.procedure("thermoablation").facts.who_decides.answer in stated.text
    assert knowledge.general.performed_by.answer not in stated.text


def test_unknown_fact_with_a_note_repeats_what_the_page_does_say(knowledge):
    procedure = knowledge.procedure("embolisation_portale")
    reply = answers.answer_aspect(knowledge, procedure, "duration")
    assert procedure.facts.duration.note in reply.text


def test_lung_biopsy_stay_gives_only_the_lung_variant(knowledge):
    biopsy = knowledge.procedure("biopsie")
    reply = answers.answer_aspect(knowledge, biopsy, "hospital_stay", "poumon")
    by_organ = biopsy.facts.hospital_stay.by_organ
    assert by_organ["poumon"].rstrip(" ;.")[1:] in reply.text
    assert by_organ["superficiel"].rstrip(" ;.") not in reply.text
    assert by_organ["profond"].rstrip(" ;.") not in reply.text


def test_biopsy_stay_for_an_organ_the_page_does_not_single_out_lists_all_cases_honestly(knowledge):
    biopsy = knowledge.procedure("biopsie")
    reply = answers.answer_aspect(knowledge, biopsy, "hospital_stay", "foie")
    for text in biopsy.facts.hospital_stay.by_organ.values():
        assert text.rstrip(" ;.") in reply.text
    assert "Pour le foie, les informations de la clinique ne précisent pas" in reply.text


def test_overview_contains_purpose_and_how_and_offers_the_other_aspects(knowledge):
    procedure = knowledge.procedure("nephrostomie")
    reply = answers.describe_procedure(knowledge, procedure)
    assert procedure.facts.purpose.answer in reply.text
    assert procedure.facts.how_it_is_done.answer in reply.text
    assert procedure.facts.urgency.answer in reply.text
    assert {b["payload"] for b in reply.buttons} == {
        "/ask_duration",
        "/ask_anaesthesia",
        "/ask_hospital_stay",
    }


def test_clarifying_question_offers_a_button_per_procedure(knowledge):
    reply = answers.ask_which_procedure(knowledge)
    payloads = [b["payload"] for b in reply.buttons]
    assert payloads == [f'/inform_procedure{{"procedure":"{p}"}}' for p in PROCEDURE_IDS]


def test_an_answer_about_a_procedure_described_not_named_says_first_which_one_once(knowledge):
    asked = [Asked("nephrostomie", "purpose"), Asked("nephrostomie", "risks")]
    replies = answers.replies_to(knowledge, Decision("answer", asked=asked, described=True))
    name = knowledge.procedure("nephrostomie").name
    first, second = (reply.text for reply, _ in replies)
    assert first.split("\n")[0].count(name) == 1
    assert first.split("\n", 1)[1] == answers.answer_asked(knowledge, asked[0]).text
    assert second == answers.answer_asked(knowledge, asked[1]).text
    named = answers.replies_to(knowledge, Decision("answer", asked=asked))
    assert [reply.text for reply, _ in named] == [answers.answer_asked(knowledge, a).text for a in asked]


def test_contact_details_appear_only_once_the_clinic_fills_them(knowledge):
    assert "téléphone" not in answers.team_pointer(knowledge)
    filled = knowledge.copy(deep=True)
    filled.contact.phone = "00 00 00 00 00"
    assert "téléphone : 00 00 00 00 00" in answers.team_pointer(filled)


def test_no_number_appears_in_any_answer_that_is_not_in_the_knowledge_file(knowledge, knowledge_text):
    numbers_in_file = set(re.findall(r"\d+", knowledge_text))
    replies = answers.all_replies(knowledge)
    assert len(replies) > 60
    for label, reply in replies.items():
        for number in re.findall(r"\d+", reply.text + str(reply.buttons)):
            assert number in numbers_in_file, f"{label}: {number}"


def texts_patients_read(value, key=""):
    """Every text of the knowledge file shown to patients: not the lists of words to recognise."""
    if key.endswith("words"):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for child_key, child in value.items():
            yield from texts_patients_read(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from texts_patients_read(child, key)


def test_numbers_in_the_knowledge_file_all_come_from_the_clinic_page(knowledge, clinic_page):
    page = clinic_page
    shown = list(texts_patients_read(knowledge.dict()))
    assert any("4 à 6 semaines" in text for text in shown)  # the walk reaches the facts
    for number in set(re.findall(r"\d+", "\n".join(shown))):
        assert number in page, number


def test_fixed_responses_only_give_the_emergency_numbers(domain):
    for name, variants in domain["responses"].items():
        for variant in variants:
            numbers = set(re.findall(r"\d+", variant.get("text", "")))
            assert numbers <= {"15", "112"}, name
    assert {"15", "112"} <= set(re.findall(r"\d+", domain["responses"]["utter_emergency"][0]["text"]))


def test_every_button_payload_names_an_intent_of_the_domain(knowledge, domain):
    payloads = {b["payload"] for reply in answers.all_replies(knowledge).values() for b in reply.buttons}
    payloads |= {b["payload"] for r in domain["responses"].values() for v in r for b in v.get("buttons", [])}
    for payload in payloads:
        intent = re.match(r"^/(\w+)", payload).group(1)
        assert intent in domain["intents"], payload
