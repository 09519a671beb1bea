"""Faults between real processes: the patient always gets a reply, and the conversation resumes."""

from __future__ import annotations

import time
import uuid

import pytest

from assistant import answers
from channels.never_silent import UNAVAILABLE_REPLY
from harness.servers import RunningAssistant, free_port, wait_for
from harness.socket_chat import SocketChat
from tests.action_link import ActionServerLink

ACTION_TIMEOUT_SECONDS = 2


@pytest.fixture(scope="module")
def link_and_assistant(tmp_path_factory):
    """Servers whose Rasa server reaches the action server only through the link."""
    link_port = free_port()
    running = RunningAssistant(
        tmp_path_factory.mktemp("faults"),
        ACTION_SERVER_URL=f"http://127.0.0.1:{link_port}/webhook",
        ACTION_TIMEOUT_SECONDS=str(ACTION_TIMEOUT_SECONDS),
        # The link keeps its connections to the servers open, and Sanic waits up to 15 s for open
        # connections when it stops: 1 s is enough here, where no request is in flight at the end.
        SANIC_GRACEFUL_SHUTDOWN_TIMEOUT="1",
    )
    link = ActionServerLink(link_port, running.action_port)
    link.up()
    running.start()
    yield link, running
    running.stop()
    link.down()


@pytest.fixture
def link(link_and_assistant):
    link, _ = link_and_assistant
    yield link
    # Leave the line healthy for the next test.
    link.down()
    link.delay_seconds = 0.0
    link.fail_like_a_crashed_action = False
    link.up()


@pytest.fixture
def running(link_and_assistant) -> RunningAssistant:
    return link_and_assistant[1]


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def biopsy_purpose(knowledge) -> str:
    return answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "purpose").text


def test_action_server_down_gets_an_apology_then_the_conversation_resumes(link, running, sender, knowledge):
    link.down()
    assert texts(running.say("À quoi sert une biopsie ?", sender)) == [UNAVAILABLE_REPLY]
    link.up()
    assert texts(running.say("À quoi sert une biopsie ?", sender))[-1] == biopsy_purpose(knowledge)


def test_action_server_down_on_socketio_gets_an_apology_too(link, running, knowledge):
    chat = SocketChat(running.url)
    try:
        link.down()
        assert texts(chat.say("À quoi sert une biopsie ?")) == [UNAVAILABLE_REPLY]
        link.up()
        assert texts(chat.say("À quoi sert une biopsie ?"))[-1] == biopsy_purpose(knowledge)
    finally:
        chat.close()
    # The apology is logged with a reference to the conversation, not its id: the id is the
    # secret that opens the conversation (channels/sessions.py).
    wait_for(lambda: "No answer for conversation #" in running.log_text(), "the apology is logged")
    assert chat.session_id not in running.log_text()


def test_a_slow_action_server_is_given_up_after_the_timeout(link, running, sender, knowledge):
    link.delay_seconds = ACTION_TIMEOUT_SECONDS + 5
    started = time.monotonic()
    replies = texts(running.say("À quoi sert une biopsie ?", sender))
    waited = time.monotonic() - started
    assert replies == [UNAVAILABLE_REPLY]
    assert waited < ACTION_TIMEOUT_SECONDS + 3, f"waited {waited:.1f} s"

    link.delay_seconds = 0.0
    assert texts(running.say("À quoi sert une biopsie ?", sender))[-1] == biopsy_purpose(knowledge)


def test_the_emergency_message_needs_no_action_server(link, running, sender):
    link.down()
    replies = texts(running.say("j'ai 40 de fièvre et des frissons depuis mon drainage", sender))
    assert any("15" in text and "112" in text for text in replies)
    assert UNAVAILABLE_REPLY not in replies


def test_a_failing_action_logs_neither_the_tracker_nor_the_messages(link, running, sender, knowledge):
    """rasa_sdk answers a crashed action with a 500 holding the whole tracker; Rasa
    logged that body at ERROR. The patient gets an apology and the log keeps only the status."""
    marker = uuid.uuid4().hex[:10]
    running.say(f"ma voisine {marker} dit que ça fait mal, à quoi sert une biopsie ?", sender)
    link.fail_like_a_crashed_action = True
    assert texts(running.say("et ça dure combien ?", sender)) == [UNAVAILABLE_REPLY]
    link.fail_like_a_crashed_action = False
    assert texts(running.say("À quoi sert une biopsie ?", sender))[-1] == biopsy_purpose(knowledge)
    wait_for(lambda: "Failed to execute custom action" in running.log_text(), "the failure itself is logged")
    log = running.log_text()
    assert marker not in log
    assert "not logged" in log
