"""Bad input through REST and socketio: a polite reply or a clear 4xx, never a 500, a crash or silence."""

from __future__ import annotations

import sqlite3

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.incoming import MAX_MESSAGE_CHARS, TOO_LONG_REPLY, UNREADABLE_REPLY
from harness.servers import RunningAssistant
from harness.socket_chat import SocketChat

HOSTILE_MESSAGES = [
    "",
    "   \n\t ",
    "🙂🙂🙂",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "'; DROP TABLE events; --",
    "\x00\x01\x02 bonjour \x7f",
    "Hello, could you tell me the price of a scan?",
    "¿Cuánto dura una biopsia?",
]


def post(assistant: RunningAssistant, body, **kwargs) -> requests.Response:
    return requests.post(f"{assistant.url}/webhooks/rest/webhook", timeout=30, **kwargs, json=body)


def assert_answers_normally(assistant: RunningAssistant, sender: str, knowledge) -> None:
    replies = assistant.say("à quoi sert une biopsie ?", sender)
    purpose = knowledge.procedure("biopsie").facts.purpose.answer
    assert any(purpose in reply.get("text", "") for reply in replies)


@pytest.mark.parametrize("message", HOSTILE_MESSAGES)
def test_odd_messages_get_a_polite_reply_without_markup(assistant, sender, knowledge, message):
    response = post(assistant, {"sender": sender, "message": message})
    assert response.status_code == 200
    replies = response.json()
    assert replies and all(reply.get("text") for reply in replies)
    for reply in replies:
        assert "<" not in reply["text"] and "{{" not in reply["text"]
    assert_answers_normally(assistant, sender, knowledge)


def test_invisible_characters_neither_break_recognition_nor_are_stored(assistant, sender, knowledge):
    purpose = knowledge.procedure("biopsie").facts.purpose.answer
    # A zero-width space inside the word, a zero-width joiner, a right-to-left override.
    typed = "À quoi sert une bi\u200bop\u200dsie \u202eforte ?"
    replies = post(assistant, {"sender": sender, "message": typed}).json()
    assert any(purpose in reply.get("text", "") for reply in replies), replies
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    stored = "".join(data for (data,) in rows)
    assert "biopsie" in stored
    for invisible in ("\u200b", "\u200d", "\u202e", "\\u200b", "\\u200d", "\\u202e"):
        assert invisible not in stored, repr(invisible)


def test_a_huge_message_gets_a_polite_reply_at_once(assistant, sender, knowledge):
    response = post(assistant, {"sender": sender, "message": "biopsie " * 6_000})  # 48 kB
    assert response.status_code == 200
    assert [reply["text"] for reply in response.json()] == [TOO_LONG_REPLY]
    # Over the server's request limit (patches/server_limits.py): refused unread.
    assert post(assistant, {"sender": sender, "message": "biopsie " * 12_500}).status_code == 413  # 100 kB
    assert_answers_normally(assistant, sender, knowledge)


def test_a_long_but_acceptable_message_is_answered(assistant, sender, knowledge):
    story = "Bonjour, je vous écris parce que mon médecin m'a parlé de plusieurs examens. " * 20
    message = (story + "Combien de temps dure une infiltration ?")[-MAX_MESSAGE_CHARS:]
    replies = post(assistant, {"sender": sender, "message": message}).json()
    assert replies and all(reply.get("text") for reply in replies)


@pytest.mark.parametrize(
    "body",
    [
        {"message": "bonjour"},
        {"sender": "", "message": "bonjour"},
        {"sender": 12, "message": "bonjour"},
        {"sender": "patient"},
        {"sender": "patient", "message": 3},
        {"sender": "patient", "message": None},
        ["sender", "message"],
    ],
)
def test_malformed_requests_get_a_clear_400(assistant, body):
    response = post(assistant, body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_body_that_is_not_json_gets_a_400(assistant):
    response = requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        data=b"\xff\xfe not json",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {"error": "the body must be valid JSON"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(max_size=300))
def test_any_text_gets_a_reply(assistant, message):
    response = post(assistant, {"sender": "hypothesis", "message": message})
    assert response.status_code == 200
    assert response.json(), repr(message)


# --- The same through socketio (the web chat's channel) ----------------------


@pytest.fixture
def chat(assistant):
    tab = SocketChat(assistant.url)
    yield tab
    tab.close()


def assert_chat_answers_normally(chat: SocketChat, knowledge) -> None:
    replies = chat.say("à quoi sert une biopsie ?")
    purpose = knowledge.procedure("biopsie").facts.purpose.answer
    assert any(purpose in reply.get("text", "") for reply in replies)


@pytest.mark.parametrize("message", HOSTILE_MESSAGES)
def test_odd_messages_on_socketio_get_a_polite_reply_without_markup(chat, knowledge, message):
    replies = chat.say(message)
    assert replies and all(reply.get("text") for reply in replies)
    for reply in replies:
        assert "<" not in reply["text"] and "{{" not in reply["text"]
    assert_chat_answers_normally(chat, knowledge)


def test_a_huge_message_on_socketio_gets_a_polite_reply_at_once(chat, knowledge):
    # 12 kB: under the largest socket.io event (16 kB, test_socketio_limits.py), over 2,000 characters.
    assert [reply["text"] for reply in chat.say("biopsie " * 1_500, timeout=10)] == [TOO_LONG_REPLY]
    assert_chat_answers_normally(chat, knowledge)


@pytest.mark.parametrize(
    "data",
    [
        "bonjour",
        None,
        ["bonjour"],
        {"message": "bonjour"},
        {"message": "bonjour", "session_id": ""},
        {"message": "bonjour", "session_id": 42},
        {"message": 3, "session_id": "SESSION"},
        {"session_id": "SESSION"},
    ],
)
def test_malformed_socketio_events_get_a_polite_reply(chat, knowledge, data):
    if isinstance(data, dict) and data.get("session_id") == "SESSION":
        data = {**data, "session_id": chat.session_id}
    assert [reply["text"] for reply in chat.send(data, timeout=10)] == [UNREADABLE_REPLY]
    assert_chat_answers_normally(chat, knowledge)


def test_a_malformed_session_request_opens_a_new_session(assistant):
    tab = SocketChat(assistant.url, session_id={"not": "an id"})
    try:
        assert isinstance(tab.session_id, str) and tab.session_id
    finally:
        tab.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(max_size=300))
def test_any_text_on_socketio_gets_a_reply(assistant, message):
    # A connection each: one connection sending this fast would meet the rate limit.
    chat = SocketChat(assistant.url)
    try:
        assert chat.say(message), repr(message)
    finally:
        chat.close()
