"""socket.io limits (channels/socketio.py) with real python-socketio clients against the real servers:
oversized events, floods, too many connections, foreign origins, made-up session ids, unknown
metadata; and meanwhile another patient's conversation is answered normally."""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
import uuid

import pytest
import socketio

from actions import answers
from channels.incoming import BUSY_REPLY, TOO_FAST_REPLY, UNREADABLE_REPLY
from channels.socketio import BURST_MESSAGES, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, MAX_EVENT_BYTES
from tests.socket_chat import SocketChat


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def purpose(knowledge, procedure_id: str) -> str:
    return answers.answer_aspect(knowledge, knowledge.procedure(procedure_id), "purpose").text


def stored_user_events(assistant, sender: str):
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


class Patient(threading.Thread):
    """Another patient asking a question while the abuse goes on; records the answer and its delay."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.replies, self.seconds, self.error = url, [], None, None

    def run(self) -> None:
        try:
            chat = SocketChat(self.url)
            try:
                started = time.monotonic()
                self.replies = texts(chat.say("À quoi sert une angiographie ?"))
                self.seconds = time.monotonic() - started
            finally:
                chat.close()
        except Exception as error:  # reported by the test
            self.error = error


@pytest.mark.parametrize("size", [MAX_EVENT_BYTES + 1024, 1_000_000])
def test_oversized_events_are_refused_unread_and_others_are_answered(assistant, knowledge, size):
    abuser = SocketChat(assistant.url)
    session_id = abuser.session_id
    other = Patient(assistant.url)
    try:
        other.start()
        try:
            abuser.emit({"message": "a" * size, "session_id": session_id})
        except Exception:
            pass  # the client may notice its connection was closed
        # Not even the "too long" reply: the event was never read.
        abuser.assert_silent(3)
        other.join(60)
    finally:
        try:
            abuser.close()
        except Exception:
            pass
    assert other.error is None, other.error
    assert other.replies[-1] == purpose(knowledge, "angiographie")
    assert stored_user_events(assistant, session_id) == [], "nothing of the oversized event was stored"

    # The conversation itself is not lost: the tab reconnects to the same session.
    again = SocketChat(assistant.url, session_id=session_id)
    try:
        assert again.session_id == session_id
        assert texts(again.say("À quoi sert une biopsie ?"))[-1] == purpose(knowledge, "biopsie")
    finally:
        again.close()


def test_a_flood_gets_one_turn_at_a_time_and_a_rate_and_others_are_answered(assistant, knowledge):
    abuser = SocketChat(assistant.url)
    other = Patient(assistant.url)
    try:
        other.start()
        # In bursts of five, so messages arrive while a turn is running however fast the turns
        # are; not all in one go: python-engineio refuses a POST of more than 16 packets outright.
        for number in range(30):
            abuser.emit({"message": "À quoi sert une biopsie ?", "session_id": abuser.session_id})
            if number % 5 == 4:
                time.sleep(0.1)
        flood_replies = texts(abuser.replies(timeout=30))
        other.join(60)
        # A few turns, one at a time, each followed by at most one "please wait" for the
        # messages sent during it; the rest is dropped without a reply each.
        turns = flood_replies.count(purpose(knowledge, "biopsie"))
        assert 1 <= turns <= BURST_MESSAGES, flood_replies
        assert 1 <= flood_replies.count(BUSY_REPLY) <= turns, flood_replies
        # Each turn: its answer and at most one "please wait" (plus the disclaimer once).
        assert len(flood_replies) <= 2 * turns + 1 < 30, flood_replies
        assert len(stored_user_events(assistant, abuser.session_id)) == turns

        # Waiting for each answer, but faster than a patient types: the burst, then "too fast".
        time.sleep(3)
        answered = []
        for _ in range(2 * BURST_MESSAGES):
            abuser.emit({"message": "À quoi sert une biopsie ?", "session_id": abuser.session_id})
            try:
                answered.append(abuser.received.get(timeout=2).get("text"))
            except queue.Empty:
                answered.append(None)  # refused again: one "too fast" reply is enough
            time.sleep(0.3)
            while not abuser.received.empty():
                answered.append(abuser.received.get().get("text"))
        # Refused messages get one "too fast" reply for a run of them, not one each.
        assert TOO_FAST_REPLY in answered and None in answered, answered
        assert answered.count(purpose(knowledge, "biopsie")) < 2 * BURST_MESSAGES, answered
    finally:
        abuser.close()
    assert other.error is None, other.error
    assert other.replies[-1] == purpose(knowledge, "angiographie")
    assert other.seconds < 15, f"the other patient waited {other.seconds:.1f} s"


def test_connections_from_one_address_are_limited(assistant):
    chats, refused = [], False
    try:
        # Connections of earlier tests may still be open on the server: count until refused.
        for _ in range(DEFAULT_MAX_CONNECTIONS_PER_ADDRESS + 5):
            try:
                chats.append(SocketChat(assistant.url))
            except socketio.exceptions.ConnectionError:
                refused = True
                break
        assert refused and 0 < len(chats) <= DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, len(chats)
        chats.pop().close()
        time.sleep(0.5)
        chats.append(SocketChat(assistant.url))  # a place was freed
    finally:
        for chat in chats:
            chat.close()


@pytest.mark.parametrize("allowed", [False, True])
def test_a_browser_page_may_connect_only_from_an_allowed_origin(assistant, allowed):
    origin = assistant.page_url if allowed else "https://another-site.example"
    client = socketio.Client(reconnection=False)
    try:
        if allowed:
            client.connect(assistant.url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
            assert client.connected
        else:
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect(assistant.url, headers={"Origin": origin}, transports=["polling"])
    finally:
        client.disconnect()


@pytest.mark.parametrize("requested", ["patient-42", "abc", "../../etc", "A" * 32, 42])
def test_the_session_id_is_one_the_server_handed_out(assistant, requested):
    chat = SocketChat(assistant.url, session_id=requested)
    try:
        assert chat.session_id != requested and len(chat.session_id) == 32
        int(chat.session_id, 16)
    finally:
        chat.close()


def test_a_connection_speaks_only_in_its_own_session(assistant, knowledge):
    victim = SocketChat(assistant.url)
    intruder = SocketChat(assistant.url)
    try:
        victim.say("À quoi sert une biopsie ?")
        for session_id in (victim.session_id, "patient-42", uuid.uuid4().hex):
            intruder_replies = intruder.send({"message": "et ça dure combien ?", "session_id": session_id})
            assert texts(intruder_replies) == [UNREADABLE_REPLY], session_id
        victim.assert_silent(1)
        assert len(stored_user_events(assistant, victim.session_id)) == 1
    finally:
        victim.close()
        intruder.close()


def test_only_known_metadata_is_stored(assistant):
    chat = SocketChat(assistant.url)
    try:
        chat.send(
            {
                "message": "À quoi sert une biopsie ?",
                "session_id": chat.session_id,
                "metadata": {"language": "fr", "tracking": "x" * 5000, "patient": {"name": "Jeanne"}},
            }
        )
    finally:
        chat.close()
    (event,) = stored_user_events(assistant, chat.session_id)
    assert event["metadata"].get("language") == "fr"
    assert "tracking" not in event["metadata"] and "patient" not in event["metadata"]
