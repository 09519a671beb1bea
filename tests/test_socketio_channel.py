"""The assistant through the socketio channel, as the web chat uses it: a real client and real servers."""

from __future__ import annotations

import queue
import uuid

import pytest

from assistant import answers
from harness.socket_chat import SocketChat


@pytest.fixture
def chat(assistant):
    tab = SocketChat(assistant.url)
    yield tab
    tab.close()


def texts(messages):
    return [message.get("text", "") for message in messages]


def test_session_request_confirms_an_issued_session_or_opens_a_new_one(assistant):
    first = SocketChat(assistant.url)
    first.close()
    given = SocketChat(assistant.url, session_id=first.session_id)
    made_up = uuid.uuid4().hex
    fresh = SocketChat(assistant.url, session_id=made_up)
    try:
        assert given.session_id == first.session_id
        assert fresh.session_id and fresh.session_id not in (made_up, first.session_id)
    finally:
        given.close()
        fresh.close()


def test_a_question_is_answered_from_the_knowledge_file(chat, knowledge):
    replies = texts(chat.say("À quoi sert une biopsie ?"))
    assert "ne remplace pas une consultation médicale" in replies[0]
    assert replies[-1] == answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "purpose").text


def test_a_message_is_acknowledged_after_its_turn_with_the_number_of_replies(chat, knowledge):
    acknowledged = queue.Queue()
    question = {"message": "À quoi sert une biopsie ?", "session_id": chat.session_id}
    chat.client.emit("user_uttered", question, callback=acknowledged.put)
    count = acknowledged.get(timeout=30)
    # Counted without the acknowledgement: everything that came until a quiet second.
    replies = texts(chat.replies())
    assert count == len(replies) >= 2, replies  # the disclaimer, then the answer
    assert replies[-1] == answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "purpose").text


def test_buttons_arrive_as_quick_replies_and_their_payload_is_understood(chat, knowledge):
    asking = chat.say("est-ce qu'on va m'endormir ?")[-1]
    quick_replies = asking["quick_replies"]
    expected = answers.procedure_buttons(knowledge)
    assert [reply["payload"] for reply in quick_replies] == [button["payload"] for button in expected]
    assert [reply["title"] for reply in quick_replies] == [button["title"] for button in expected]

    chosen = next(reply for reply in quick_replies if '"nephrostomie"' in reply["payload"])
    nephrostomy = knowledge.procedure("nephrostomie")
    expected = answers.answer_aspect(knowledge, nephrostomy, "anaesthesia").text
    assert texts(chat.say(chosen["payload"])) == [expected]


def test_the_conversation_continues_after_a_reconnection_with_the_same_session(assistant, knowledge):
    first_tab = SocketChat(assistant.url)
    first_tab.say("c'est quoi une néphrostomie ?")
    session_id = first_tab.session_id
    first_tab.close()

    reloaded = SocketChat(assistant.url, session_id=session_id)
    try:
        follow_up = texts(reloaded.say("et ça dure combien ?"))
    finally:
        reloaded.close()
    nephrostomy = knowledge.procedure("nephrostomie")
    # Same procedure slot, no second disclaimer: it is the same conversation.
    assert follow_up == [answers.answer_aspect(knowledge, nephrostomy, "duration").text]


def test_rest_and_socketio_conversations_are_separate(assistant, chat, sender, knowledge):
    assistant.say("c'est quoi une néphrostomie ?", sender)
    # The socketio conversation knows of no procedure yet, so it asks which one.
    replies = texts(chat.say("et ça dure combien ?"))
    assert replies[-1] == answers.ask_which_procedure(knowledge).text


def test_answers_about_a_procedure_carry_the_feedback_mark_on_their_last_part_only(chat, knowledge):
    """The web chat shows its feedback buttons under these (docs/channels.md, socketio)."""
    # No mark on the greeting, a clarifying question, an out-of-scope reply or the feedback's own reply.
    for text in (
        "bonjour",
        "combien de temps dure un drainage ?",
        "quel temps fera-t-il demain ?",
        "/feedback_helpful",
    ):
        assert all("feedback" not in message for message in chat.say(text)), text

    fact = chat.say("À quoi sert une biopsie ?")
    assert texts(fact)[-1] == answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "purpose").text
    assert [message.get("feedback") for message in fact] == [None] * (len(fact) - 1) + [True]

    nephrostomy = knowledge.procedure("nephrostomie")
    not_stated = chat.say("et ça dure combien pour une néphrostomie ?")
    assert not nephrostomy.facts.duration.is_known
    assert texts(not_stated) == [answers.answer_aspect(knowledge, nephrostomy, "duration").text]
    assert not_stated[-1]["feedback"] is True
