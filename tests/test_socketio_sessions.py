"""A conversation belongs to the connection that holds its session id (channels/sessions.py):
real python-socketio clients and real HTTP against the servers of scripts/run.sh.

The attacks of a review, each replayed: writing into a patient's conversation with its id and no
session_request, joining it with a session_request while the patient is connected, asking for an
id the server never issued, and writing into it through REST."""

from __future__ import annotations

import json
import sqlite3

import pytest
import requests

from assistant import answers
from channels.incoming import TAKEN_OVER_REPLY, TOO_FAST_REPLY, UNREADABLE_REPLY, WEB_CHAT_SENDER
from channels.socketio import BURST_MESSAGES
from harness.socket_chat import SocketChat


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def user_texts(assistant, sender: str):
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def biopsy(knowledge, aspect: str) -> str:
    return answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), aspect).text


@pytest.fixture
def patient(assistant, knowledge):
    """Patient A: connected, has asked about a biopsy."""
    chat = SocketChat(assistant.url)
    assert texts(chat.say("À quoi sert une biopsie ?"))[-1] == biopsy(knowledge, "purpose")
    yield chat
    chat.close()


def test_a_message_with_another_patients_id_and_no_session_request_is_refused(assistant, patient):
    intruder = SocketChat.without_session(assistant.url)
    try:
        question = {"message": "et ça dure combien ?", "session_id": patient.session_id}
        assert texts(intruder.send(question)) == [UNREADABLE_REPLY]
    finally:
        intruder.close()
    patient.assert_silent(1)
    assert user_texts(assistant, patient.session_id) == ["À quoi sert une biopsie ?"]


# Fixed ids, not random ones: pytest-xdist needs every worker to collect the same tests.
@pytest.mark.parametrize("requested", ["0" * 32, "f" * 32, "0123456789abcdef0123456789abcdef"])
def test_an_id_the_server_never_issued_is_replaced_by_a_fresh_one(assistant, requested):
    chat = SocketChat(assistant.url, session_id=requested)
    try:
        assert chat.session_id != requested and len(chat.session_id) == 32
        assert user_texts(assistant, requested) == []
    finally:
        chat.close()


def test_an_issued_id_is_confirmed_again_on_a_new_connection(assistant, knowledge):
    # Issued, and the conversation never used: kept for a reconnection.
    first = SocketChat(assistant.url)
    first.close()
    again = SocketChat(assistant.url, session_id=first.session_id)
    try:
        assert again.session_id == first.session_id
        assert texts(again.say("À quoi sert une biopsie ?"))[-1] == biopsy(knowledge, "purpose")
    finally:
        again.close()


def test_a_reconnection_with_the_id_takes_the_session_over_and_the_old_connection_gets_nothing(
    assistant, patient, knowledge
):
    # A page reload, another tab with the same sessionStorage, or whoever holds the id: the
    # conversation moves to the new connection, with its context.
    newcomer = SocketChat(assistant.url, session_id=patient.session_id)
    try:
        assert newcomer.session_id == patient.session_id
        assert texts(newcomer.say("et ça dure combien ?")) == [biopsy(knowledge, "duration")]
        # No reply went to both connections.
        patient.assert_silent(1)
        # The old connection can no longer write into the conversation, and is told why.
        assert texts(patient.say("et l'anesthésie ?")) == [TAKEN_OVER_REPLY]
        newcomer.assert_silent(1)
        assert user_texts(assistant, patient.session_id) == [
            "À quoi sert une biopsie ?",
            "et ça dure combien ?",
        ]
        # Taken back by the first connection (its page reconnects): the newcomer gets nothing more.
        patient.request_session(patient.session_id)
        assert texts(patient.say("et l'anesthésie ?")) == [biopsy(knowledge, "anaesthesia")]
        newcomer.assert_silent(1)
    finally:
        newcomer.close()


def test_a_second_session_request_switches_sessions_only_to_an_issued_id(assistant, patient):
    chat = SocketChat(assistant.url, session_id="0" * 32)
    try:
        fresh = chat.session_id
        assert fresh != "0" * 32
        assert chat.request_session("1" * 32) not in ("1" * 32, fresh)
        # Switching to a session leaves the previous one: its room and its messages.
        chat.request_session(patient.session_id)
        assert texts(chat.send({"message": "bonjour", "session_id": fresh})) == [UNREADABLE_REPLY]
    finally:
        chat.close()


def test_rest_refuses_a_web_chat_id_as_sender(assistant, patient, knowledge):
    response = requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        json={"sender": patient.session_id, "message": "et ça dure combien ?"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {"error": WEB_CHAT_SENDER}
    assert "biopsie" not in response.text.lower()
    assert user_texts(assistant, patient.session_id) == ["À quoi sert une biopsie ?"]
    patient.assert_silent(1)
    # The patient's conversation goes on, its context intact.
    assert texts(patient.say("et ça dure combien ?")) == [biopsy(knowledge, "duration")]


def test_the_message_limit_of_a_conversation_does_not_start_afresh_on_a_reconnection(assistant):
    def answered(chat: SocketChat, attempts: int) -> list:
        replies = [texts(chat.say("bonjour")) for _ in range(attempts)]
        return [reply for reply in replies if reply and reply != [TOO_FAST_REPLY]]

    chat = SocketChat(assistant.url)
    try:
        # The connection's own limit stops it first (its session_request took one message's worth).
        first = answered(chat, BURST_MESSAGES + 2)
    finally:
        chat.close()
    again = SocketChat(assistant.url, session_id=chat.session_id)
    try:
        assert again.session_id == chat.session_id
        second = answered(again, BURST_MESSAGES)
    finally:
        again.close()
    # Without a limit per conversation, the new connection would have had BURST_MESSAGES - 1 more.
    assert len(first) == BURST_MESSAGES - 1, first
    assert len(first) + len(second) <= BURST_MESSAGES + 1, second
