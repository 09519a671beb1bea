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
import requests
import socketio

import settings
from assistant import answers
from channels.incoming import BUSY_ADDRESS_REPLY, BUSY_REPLY, TOO_FAST_REPLY, UNREADABLE_REPLY
from channels.rates import message_cost
from channels.socketio import BURST_MESSAGES, MAX_EVENT_BYTES
from harness.load import (
    COSTLY_MESSAGES,
    PROSE,
    Abuser,
    answer_times,
    chat_from,
    median,
)
from harness.servers import RunningAssistant
from harness.socket_chat import SocketChat

# The limits of a server started without any of their settings.
DEFAULTS = settings.Settings.construct()
DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = DEFAULTS.socketio_max_connections_per_address
DEFAULT_MESSAGES_PER_MINUTE = DEFAULTS.socketio_messages_per_minute
DEFAULT_WORK_PER_ADDRESS = DEFAULTS.socketio_work_per_address


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


# --- Packets that are not the chat's protocol (channels/socketio_packets.py) ----------------------

NESTED_1100 = "2" + "[" * 1100 + "]" * 1100  # an event whose payload is an array nested 1,100 deep
MALFORMED_PACKETS = [
    NESTED_1100,
    '2[["user_uttered"], {"message": "x"}]',  # an event name that is a list
    '2["x", ' + "[" * 20 + "]" * 20 + "]",  # deep, though json.loads reads it
    '51-["user_uttered",{"_placeholder":true,"num":0}]',  # a binary event, attachment never sent
    '2/admin,["x"]',  # another namespace
    "2{not json",
    '2["no_such_event", 1]',
    "9",
]
# Long-polling POST bodies python-engineio itself fails on (a traceback each, before).
MALFORMED_REQUESTS = [
    "4" + "[" * 1100 + "]" * 1100,  # an Engine.IO message that is not a Socket.IO packet
    "x",
    "3" + "[" * 1100 + "]" * 1100,  # a pong carrying deep JSON
    "\x1e".join(["6"] * 17),  # more than 16 packets
    "",
]


def post(url: str, engineio_sid, body: str) -> requests.Response:
    params = {"EIO": "4", "transport": "polling"}
    if engineio_sid:
        params["sid"] = engineio_sid
    return requests.post(
        f"{url}/socket.io/",
        params=params,
        data=body.encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8"},
        timeout=10,
    )


def post_packets(url: str, engineio_sid: str, packets) -> requests.Response:
    """Socket.IO packets sent as the client's polling transport sends them: one POST, each packet
    an Engine.IO message ("4"), \\x1e between them."""
    return post(url, engineio_sid, "\x1e".join("4" + packet for packet in packets))


def log_lines_since(assistant, before: str) -> str:
    time.sleep(1)
    return assistant.log_text()[len(before) :]


def test_malformed_packets_are_refused_with_one_log_line_and_count_against_the_rate(assistant, knowledge):
    log_before = assistant.log_text()
    other = Patient(assistant.url)
    abuser = SocketChat(assistant.url)
    try:
        other.start()
        engineio_sid = abuser.client.eio.sid
        # 30 packets nested 1,100 deep (65 kB), then one of each other kind, in POSTs under 16 kB.
        flood = [NESTED_1100] * 30 + MALFORMED_PACKETS
        statuses = [
            post_packets(assistant.url, engineio_sid, flood[i : i + 7]).status_code
            for i in range(0, len(flood), 7)
        ]
        # Accepted by Engine.IO, refused by the channel: over its rate, the connection is closed.
        assert statuses[0] == 200, statuses
        time.sleep(1)
        assert post_packets(assistant.url, engineio_sid, ['2["session_request", {}]']).status_code == 400
        other.join(60)
    finally:
        try:
            abuser.close()
        except Exception:
            pass
    assert other.error is None, other.error
    assert other.replies[-1] == purpose(knowledge, "angiographie")

    added = log_lines_since(assistant, log_before)
    assert "Traceback" not in added and "Error" not in added, added[:3000]
    assert len([line for line in added.splitlines() if "malformed" in line]) == 1, added[:3000]


def test_a_few_malformed_packets_use_up_the_rate_of_the_connection(assistant, knowledge):
    chat = SocketChat(assistant.url)
    try:
        # The session_request took one of the connection's BURST_MESSAGES tokens.
        response = post_packets(assistant.url, chat.client.eio.sid, ["2{not json"] * (BURST_MESSAGES - 2))
        assert response.status_code == 200
        time.sleep(1)
        # One token left: one question is answered, the next is refused as too fast.
        assert texts(chat.say("À quoi sert une biopsie ?"))[-1] == purpose(knowledge, "biopsie")
        assert texts(chat.say("À quoi sert une biopsie ?")) == [TOO_FAST_REPLY]
    finally:
        chat.close()


@pytest.mark.parametrize("body", MALFORMED_REQUESTS)
def test_malformed_engineio_requests_get_a_400_and_no_traceback(assistant, knowledge, body):
    log_before = assistant.log_text()
    chat = SocketChat(assistant.url)
    try:
        assert post(assistant.url, chat.client.eio.sid, body).status_code == 400
        assert post(assistant.url, None, "42[\"x\"]").status_code == 400  # a POST without a session
    finally:
        try:
            chat.close()
        except Exception:
            pass
    added = log_lines_since(assistant, log_before)
    assert "Traceback" not in added and "Error" not in added, added[:3000]
    assert len(added.splitlines()) <= 1, added[:3000]
    # Others are answered as usual.
    other = SocketChat(assistant.url)
    try:
        assert texts(other.say("À quoi sert une biopsie ?"))[-1] == purpose(knowledge, "biopsie")
    finally:
        other.close()


# --- Work per address (channels/rates.py), with the default limits --------------------------------


@pytest.fixture(scope="module")
def default_limits(tmp_path_factory):
    """Servers with every limit at its default (the shared ones give 127.0.0.1 more work)."""
    running = RunningAssistant(tmp_path_factory.mktemp("default-limits"))
    running.start()
    yield running
    running.stop()


LONG_QUESTION = (PROSE * 30)[:1960] + " Combien dure une biopsie ?"
# Other addresses than harness/load.py's, so neither test spends the other's work.
SPENDER_ADDRESS, OTHER_ADDRESS = "127.0.0.3", "127.0.0.4"


def test_an_address_that_spent_its_work_is_refused_and_another_is_answered(default_limits, knowledge):
    # Each long message costs about ten ordinary questions: the burst (half a minute's work) is
    # spent in a few of them, whatever the connection they come from.
    assert message_cost(400) > 8
    expected_answers = int(DEFAULT_WORK_PER_ADDRESS / 2 / message_cost(400)) + 1
    replies = []
    for _ in range(2):
        chat = chat_from(default_limits.url, SPENDER_ADDRESS)
        try:
            replies += [texts(chat.say(LONG_QUESTION)) for _ in range(BURST_MESSAGES - 2)]
        finally:
            chat.close()
    refusals = ([], [BUSY_ADDRESS_REPLY], [TOO_FAST_REPLY])
    answered = [reply for reply in replies if reply not in refusals]
    assert 2 <= len(answered) <= expected_answers, replies
    assert [BUSY_ADDRESS_REPLY] in replies
    # Closing every connection and opening a new one does not refill the address's work.
    again = chat_from(default_limits.url, SPENDER_ADDRESS)
    try:
        assert texts(again.say("À quoi sert une biopsie ?")) == [BUSY_ADDRESS_REPLY]
    finally:
        again.close()
    # Another address is answered at once.
    other = chat_from(default_limits.url, OTHER_ADDRESS)
    try:
        assert texts(other.say("À quoi sert une biopsie ?"))[-1] == purpose(knowledge, "biopsie")
    finally:
        other.close()


def test_another_patient_is_answered_within_twice_its_time_while_a_client_uses_all_its_limits(
    default_limits,
):
    """The rule of the costly messages: bench/costly_messages.py measures the same, with more answers.
    Medians of the same run, before, during and after the load (machines differ in speed)."""
    questions = 12
    alone = answer_times(default_limits.url, questions)
    abuser = Abuser(
        default_limits.url, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MESSAGES_PER_MINUTE, BURST_MESSAGES
    )
    abuser.start()
    try:
        time.sleep(2)
        loaded = answer_times(default_limits.url, questions)
    finally:
        abuser.stop()
    alone_again = answer_times(default_limits.url, questions)
    normal = max(median(alone), median(alone_again))
    # (A connection of the previous test may not be closed yet on the server.)
    assert len(abuser.chats) >= DEFAULT_MAX_CONNECTIONS_PER_ADDRESS - 2
    assert abuser.sent > len(COSTLY_MESSAGES) * DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, abuser.sent
    assert median(loaded) <= 2 * normal, (alone, loaded, alone_again)
