"""Checks on incoming requests (channels/incoming.py), property-based for the text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions import answers
from channels.incoming import (
    MAX_MESSAGE_CHARS,
    IncomingMessage,
    InvalidRequest,
    clean_text,
    parse_incoming,
    parse_socketio_message,
)

pytestmark = pytest.mark.unit


@given(st.text(max_size=3 * MAX_MESSAGE_CHARS))
def test_any_text_is_accepted_cleaned_or_flagged_too_long(text):
    incoming = parse_incoming({"sender": "patient", "message": text})
    if incoming.too_long:
        # Refused on its raw length before cleaning, or on its cleaned length.
        assert len(text) > 2 * MAX_MESSAGE_CHARS or len(clean_text(text)) > MAX_MESSAGE_CHARS
        assert incoming.text == ""
    else:
        assert len(incoming.text) <= MAX_MESSAGE_CHARS
        control = [c for c in incoming.text if ord(c) < 32 or 127 <= ord(c) < 160]
        assert set(control) <= {"\n", "\t"}


def test_control_characters_are_removed_and_words_kept():
    assert clean_text("bon\x00jour\x1b[31m !\n") == "bonjour[31m !\n"
    assert clean_text("ça va 🙂") == "ça va 🙂"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "bonjour",
        {"message": "bonjour"},
        {"sender": "", "message": "bonjour"},
        {"sender": "   ", "message": "bonjour"},
        {"sender": 42, "message": "bonjour"},
        {"sender": "x" * 500, "message": "bonjour"},
        {"sender": "patient"},
        {"sender": "patient", "message": None},
        {"sender": "patient", "message": 12},
        {"sender": "patient", "message": ["a"]},
    ],
)
def test_malformed_requests_are_refused_with_a_reason(payload):
    with pytest.raises(InvalidRequest) as error:
        parse_incoming(payload)
    assert str(error.value)


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "x" * 200, "{{7*7}}"])
def test_unknown_names_that_are_not_names_are_not_repeated(knowledge, name):
    assert name not in answers.ask_which_procedure(knowledge, name).text


def test_an_unknown_procedure_name_is_repeated_back(knowledge):
    assert "« coloscopie »" in answers.ask_which_procedure(knowledge, "coloscopie").text


def test_a_socketio_message_belongs_to_its_session_when_sessions_persist():
    data = {"message": "bonjour\x00", "session_id": "abc"}
    parsed = parse_socketio_message(data, "socket-1", session_persistence=True)
    assert parsed == IncomingMessage("abc", "bonjour")
    assert parse_socketio_message(data, "socket-1", session_persistence=False).sender == "socket-1"


@pytest.mark.parametrize(
    "data",
    [None, "bonjour", {"message": "bonjour"}, {"message": "bonjour", "session_id": 3}, {"session_id": "abc"}],
)
def test_malformed_socketio_messages_are_refused_with_a_reason(data):
    with pytest.raises(InvalidRequest) as error:
        parse_socketio_message(data, "socket-1", session_persistence=True)
    assert str(error.value)


def test_the_length_is_checked_before_the_text_is_cleaned():
    assert parse_incoming({"sender": "p", "message": "\x00" * (2 * MAX_MESSAGE_CHARS + 1)}).too_long
    assert not parse_incoming({"sender": "p", "message": "\x00" * MAX_MESSAGE_CHARS + "bonjour"}).too_long
