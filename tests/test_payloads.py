"""Crafted button payloads (`/intent{...}`): checked by the channels and by the Rasa server
(channels/payload.py), then the conversation goes on normally and no log holds the patient's words."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid

import pytest

from assistant import answers
from channels.never_silent import UNAVAILABLE_REPLY
from channels.payload import keep_valid_entities, normalise_payload
from harness.socket_chat import SocketChat

CRAFTED = [
    '/inform_procedure{"procedure": 5}',
    '/inform_procedure{"procedure": 5.5, "organ": true}',
    '/inform_procedure{"procedure": ["biopsie", "nephrostomie"]}',
    '/inform_procedure{"procedure": {"id": "biopsie"}}',
    '/inform_procedure{"procedure": null, "organ": {"a": [1, 2]}}',
    '/inform_procedure{"procedure": "coloscopie-inconnue"}',
    '/inform_procedure{"procedure": "' + "x" * 1500 + '"}',
    '/inform_procedure{"aspect": 3, "disclaimer_shown": "oui", "requested_slot": "procedure"}',
    '/inform_procedure@0.01{"procedure": "x-y"}trailing',
    '/ask_duration{"procedure": "biopsie"',
    "/unknown_intent_xyz",
    "/",
]


def texts(replies):
    return [reply.get("text", "") for reply in replies]


@pytest.mark.unit
@pytest.mark.parametrize(
    "text, expected",
    [
        ('/inform_procedure{"procedure": 5}', "/inform_procedure"),
        ('/inform_procedure{"procedure": "biopsie", "x": 1}', '/inform_procedure{"procedure": "biopsie"}'),
        ('/inform_procedure{"organ": "poumon", "procedure": [1]}', '/inform_procedure{"organ": "poumon"}'),
        ('/inform_procedure{"procedure": "' + "a" * 61 + '"}', "/inform_procedure"),
        ('/inform_procedure{"procedure": "<b>x</b>"}', "/inform_procedure"),
        ("/inform_procedure@0.1", "/inform_procedure"),
        ("/ask_duration", "/ask_duration"),
        ("/pas une intention", "pas une intention"),
        ('/no_such_intent{"procedure": "biopsie"}', 'no_such_intent{"procedure": "biopsie"}'),
        ("À quoi sert une biopsie ?", "À quoi sert une biopsie ?"),
    ],
)
def test_payloads_are_rewritten_with_only_known_names_and_short_string_values(text, expected):
    assert normalise_payload(text) == expected


@pytest.mark.unit
def test_the_rasa_server_keeps_only_named_entities_with_string_values():
    parsed = [
        {"entity": "procedure", "value": 5},
        {"entity": "procedure", "value": ["biopsie"]},
        {"entity": "organ", "value": {"x": 1}},
        {"entity": "aspect", "value": "duration"},
        {"entity": "procedure", "value": "y" * 500},
        {"entity": "procedure", "value": "biopsie"},
        "not an entity",
    ]
    assert keep_valid_entities(parsed) == [{"entity": "procedure", "value": "biopsie"}]
    assert keep_valid_entities(None) == []


WHICH_PROCEDURE = "De quel geste s'agit-il ? Choisissez-le dans la liste :"


def test_crafted_payloads_leave_the_conversation_working_and_the_logs_clean(assistant, knowledge):
    marker = uuid.uuid4().hex[:10]
    biopsy = knowledge.procedure("biopsie")
    for crafted in CRAFTED:
        sender = f"crafted-{uuid.uuid4().hex[:8]}"
        assistant.say(f"ma voisine {marker} a peur, est-ce que ça fait mal ?", sender)
        replies = texts(assistant.say(crafted, sender))
        assert replies and UNAVAILABLE_REPLY not in replies, crafted
        # No procedure got into the conversation: the follow-up asks which one is meant.
        assert texts(assistant.say("et ça dure combien ?", sender))[-1].endswith(WHICH_PROCEDURE), crafted
        assert texts(assistant.say("À quoi sert une biopsie ?", sender))[-1] == (
            answers.answer_aspect(knowledge, biopsy, "purpose").text
        ), crafted
        assert texts(assistant.say("et ça dure combien ?", sender))[-1] == (
            answers.answer_aspect(knowledge, biopsy, "duration").text
        ), crafted

    chat = SocketChat(assistant.url)
    try:
        chat.say(f"mon voisin {marker} se demande")
        for crafted in CRAFTED[:5]:
            assert UNAVAILABLE_REPLY not in texts(chat.say(crafted))
        assert texts(chat.say("et ça dure combien ?"))[-1].endswith(WHICH_PROCEDURE)
    finally:
        chat.close()

    time.sleep(1)
    log = assistant.log_text()
    assert marker not in log
    assert "x" * 100 not in log
    assert "object has no attribute" not in log, "an action failed on a crafted value"


def test_the_stored_slots_are_names_or_nothing(assistant, sender):
    for crafted in CRAFTED:
        assistant.say(crafted, sender)
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)
        ).fetchall()
    events = [json.loads(data) for (data,) in rows]
    values = [event["value"] for event in events if event["name"] in ("procedure", "organ")]
    assert all(value is None or (isinstance(value, str) and len(value) <= 60) for value in values), values
