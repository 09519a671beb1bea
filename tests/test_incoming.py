"""Checks on incoming requests (channels/incoming.py), property-based for the text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant import answers
from channels.incoming import (
    MAX_MESSAGE_CHARS,
    MAX_MESSAGE_WORDS,
    IncomingMessage,
    InvalidRequest,
    clean_text,
    parse_incoming,
    parse_socketio_message,
    word_count,
)
from channels.personal_data import PLACEHOLDERS

pytestmark = pytest.mark.unit


@given(st.text(max_size=3 * MAX_MESSAGE_CHARS))
def test_any_text_is_accepted_cleaned_or_flagged_too_long(text):
    incoming = parse_incoming({"sender": "patient", "message": text})
    if incoming.too_long:
        # Refused on its raw length before cleaning, on its cleaned length, or on its words.
        cleaned = clean_text(text)
        assert (
            len(text) > 2 * MAX_MESSAGE_CHARS
            or len(cleaned) > MAX_MESSAGE_CHARS
            or word_count(cleaned) > MAX_MESSAGE_WORDS
        )
        assert incoming.text == ""
    else:
        assert len(incoming.text) <= MAX_MESSAGE_CHARS
        control = [c for c in incoming.text if ord(c) < 32 or 127 <= ord(c) < 160]
        assert set(control) <= {"\n", "\t"}


def test_control_characters_are_removed_and_words_kept():
    assert clean_text("bon\x00jour\x1b[31m !\n") == "bonjour[31m !\n"
    assert clean_text("ça va 🙂") == "ça va 🙂"


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("bi\u200bopsie", "biopsie"),  # zero-width space
        ("bio\u200dpsie\u200c", "biopsie"),  # zero-width joiner and non-joiner
        ("\u202eeisp\u202coib", "eispoib"),  # right-to-left override, pop formatting
        ("\ufeffnéphro\u00adstomie\u2066", "néphrostomie"),  # BOM, soft hyphen, isolate
        ("ne\u0301phrostomie", "néphrostomie"),  # a combining accent, composed (NFC)
    ],
)
def test_invisible_format_characters_are_removed_and_accents_composed(typed, kept):
    assert clean_text(typed) == kept
    assert parse_incoming({"sender": "p", "message": typed}).text == kept


def text_of(message: str) -> str:
    return parse_incoming({"sender": "p", "message": message}).text


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("😀" * 2000, "😀😀😀"),
        ("!?" * 1000, "!?!"),
        ("ça fait mal ??? !!! ??? biopsie", "ça fait mal ??? biopsie"),
        ("aïe 😀 😀 😀 😀 😀 😀 une biopsie", "aïe 😀😀😀 une biopsie"),
        ("#$%&*+" * 333, "#$%"),
    ],
)
def test_runs_of_symbols_no_patient_writes_are_cut_to_three(typed, kept):
    assert text_of(typed) == kept


@pytest.mark.parametrize(
    "text",
    [
        "À quoi sert une biopsie ?!",
        "Pourquoi... ? et après ?!",
        "Quoi ?!?! vraiment ?",
        "c'est (vraiment) « long » ?",
        "https://clinique.example/page",
        "le 12/03 à 8h30, ça dure 45 min ?",
    ],
)
def test_ordinary_punctuation_is_left_alone(text):
    assert text_of(text) == text


def test_a_message_of_too_many_words_is_too_long_without_being_parsed():
    assert parse_incoming({"sender": "p", "message": "a " * 1000}).too_long
    assert word_count("a " * 1000) == 1000
    story = "Bonjour, je vous écris parce que mon médecin m'a parlé de plusieurs examens. "
    # What a patient writes at the longest: 2,000 characters of French prose.
    long_question = (story * 30)[: MAX_MESSAGE_CHARS - 40] + " Combien dure une biopsie ?"
    assert word_count(long_question) <= MAX_MESSAGE_WORDS
    assert not parse_incoming({"sender": "p", "message": long_question}).too_long


@pytest.mark.parametrize(
    "typed",
    [
        "/je m appelle Marie Curie, mon téléphone 06 12 34 56 78, à quoi sert une biopsie ?",
        "/ je m'appelle Marie Curie, 06 12 34 56 78",
        '/pas_une_intention{"procedure": "06 12 34 56 78"} marie.curie@mail.fr',
        "//marie.curie@mail.fr",
    ],
)
def test_text_after_a_slash_is_masked_like_any_other(typed):
    incoming = parse_incoming({"sender": "p", "message": typed})
    assert incoming.masked
    for detail in ("Marie", "Curie", "06 12 34 56 78", "marie.curie@mail.fr"):
        assert detail not in incoming.text, incoming.text
    assert any(placeholder in incoming.text for placeholder in PLACEHOLDERS.values())


def test_a_known_payload_is_kept_and_counts_as_unmasked():
    incoming = parse_incoming({"sender": "p", "message": '/inform_procedure{"procedure": "biopsie"}'})
    assert incoming == IncomingMessage("p", '/inform_procedure{"procedure": "biopsie"}', words=1)


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
    assert parsed == IncomingMessage("abc", "bonjour", words=1)
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
