"""Checks on what a channel receives, before it reaches the assistant.

Length first, then control and invisible characters, button payloads
(payload.py), runs of symbols, the number of words, and personal details
(personal_data.py), whatever the message's first character.

Plain functions, shared by the channels and tested without a server.

What a message costs the Rasa server grows with its number of tokens (spaCy,
the CRF and DIET work token by token): about 0.25 ms each, on top of some
25 ms a turn (`make bench-costly-messages` measures it). 2,000 emoji or
`"!?" * 1000` made 2,000 tokens, 0.5 s of NLU, 30 times a question's; so runs
of symbols are cut to three, and a message of more than MAX_MESSAGE_WORDS
tokens gets the "too long" reply unparsed. `IncomingMessage.words` is what
the socketio channel charges to the sender's address (channels/rates.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from channels.payload import normalise_payload
from channels.personal_data import mask_personal_data
from channels.sessions import looks_like_session_id
from knowledge.words import is_payload

# Longer than any real question (about 300 words); parsing a huge message
# would keep the server busy for every other patient.
MAX_MESSAGE_CHARS = 2000
# Words and punctuation marks, counted as `word_count` does: 2,000 characters of French prose
# are about 450; 2,000 characters of one-letter words or of symbols are what no patient writes.
MAX_MESSAGE_WORDS = 600
MAX_SENDER_CHARS = 128
WEB_CHAT_SENDER = (
    "'sender' must not be 32 hexadecimal digits: ids of that form are the web chat's conversations"
)
# Control characters, lone surrogates, and invisible format characters: zero-width spaces and
# joiners (which split a word for the NLU: "bi\u200bopsie"), bidirectional overrides (which
# show a stored text in another order than it reads), soft hyphens, byte order marks.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cs", "Cf"})
# Six symbols or more in a row (emoji, punctuation), spaces between them or not: "Quoi ?!?!" or
# "Pourquoi... ?" are French, "!?!?!?" is not. (Shorter runs between words still count as words.)
_SYMBOL_RUN = re.compile(r"[^\w\s](?:\s*[^\w\s]){5,}")
_TOKEN = re.compile(r"\w+|[^\w\s]")

TOO_LONG_REPLY = (
    "Votre message est trop long pour que je puisse le lire. Pouvez-vous poser "
    "votre question en une ou deux phrases ?"
)
# Sent on socketio, which has no status code, when the message itself is malformed.
UNREADABLE_REPLY = (
    "Je n'ai pas pu lire votre message. Pouvez-vous l'écrire à nouveau ? "
    "Si le problème continue, rechargez la page."
)


# socketio: events refused before they are read (channels/socketio.py).
TOO_FAST_REPLY = (
    "Vous envoyez des messages trop rapidement. Attendez quelques secondes, "
    "puis écrivez à nouveau votre question."
)
BUSY_REPLY = (
    "Un instant : je réponds encore à votre message précédent. Vous pourrez "
    "écrire à nouveau juste après ma réponse."
)
# The sender's address has spent its budget of work (channels/rates.py): many messages, or long
# ones, from one network.
BUSY_ADDRESS_REPLY = (
    "Beaucoup de messages arrivent en ce moment depuis votre réseau. Attendez une "
    "minute, puis écrivez à nouveau votre question."
)
# Another tab or window (or this page, reloaded) has taken the conversation over.
TAKEN_OVER_REPLY = (
    "Cette conversation se poursuit dans un autre onglet ou une autre fenêtre. "
    "Pour la reprendre ici, rechargez la page."
)


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    too_long: bool = False
    # Personal details were masked out of the text (channels/personal_data.py).
    masked: bool = False
    # Tokens the NLU will read (word_count): what the message costs the server.
    words: int = 0


class InvalidRequest(ValueError):
    """The request itself is malformed: the client is told why (a 400 on REST)."""


def clean_text(text: str) -> str:
    """Removes control, invisible format characters and lone surrogates, keeps line breaks and
    tabs; composes accents (NFC: "e" + combining accent is "é", as the NLU learnt it)."""
    kept = "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in _REMOVED_CATEGORIES
    )
    return unicodedata.normalize("NFC", kept)


def cut_symbol_runs(text: str) -> str:
    """Each run of six symbols or more (emoji, punctuation) cut to its first three."""
    return _SYMBOL_RUN.sub(lambda run: "".join(run.group().split())[:3], text)


def word_count(text: str) -> int:
    """Words and symbols, about the tokens the NLU makes of the text."""
    return sum(1 for _ in _TOKEN.finditer(text))


def checked_sender(sender: Any, field: str) -> str:
    if not isinstance(sender, str) or not sender.strip():
        raise InvalidRequest(f"'{field}' must be a non-empty string identifying the conversation")
    if len(sender) > MAX_SENDER_CHARS:
        raise InvalidRequest(f"'{field}' must be at most {MAX_SENDER_CHARS} characters")
    return sender


def checked_message(sender: str, message: Any) -> IncomingMessage:
    if not isinstance(message, str):
        raise InvalidRequest("'message' must be a string")
    # Length first: a huge message is not even cleaned.
    if len(message) > 2 * MAX_MESSAGE_CHARS:
        return IncomingMessage(sender=sender, text="", too_long=True)
    text = clean_text(message)
    if len(text) > MAX_MESSAGE_CHARS:
        return IncomingMessage(sender=sender, text="", too_long=True)
    if is_payload(text):
        payload = normalise_payload(text)
        if is_payload(payload):
            # A button payload of a known intent: its entity values are checked names, which
            # hold no personal detail (payload.py).
            return IncomingMessage(sender=sender, text=payload, words=1)
        # Not a known intent: plain text, read and masked as such.
        text = payload
    text = cut_symbol_runs(text)
    words = word_count(text)
    if words > MAX_MESSAGE_WORDS:
        return IncomingMessage(sender=sender, text="", too_long=True)
    masked = mask_personal_data(text)
    return IncomingMessage(sender=sender, text=masked, masked=masked != text, words=words)


def parse_incoming(payload: Any) -> IncomingMessage:
    """The sender and text of a REST request body, or InvalidRequest."""
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object with 'sender' and 'message'")
    sender = checked_sender(payload.get("sender"), "sender")
    if looks_like_session_id(sender):
        # The web chat's conversations: their ids are secrets of the socketio channel (sessions.py).
        raise InvalidRequest(WEB_CHAT_SENDER)
    return checked_message(sender, payload.get("message"))


def socketio_sender(data: Any, socket_id: str, session_persistence: bool) -> str:
    """The conversation of a socketio `user_uttered` event, or InvalidRequest: its `session_id`
    with session persistence (kept across page reloads), else the socket itself."""
    if not isinstance(data, dict):
        raise InvalidRequest("the event data must be an object with 'message' and 'session_id'")
    if session_persistence:
        return checked_sender(data.get("session_id"), "session_id")
    return socket_id


def parse_socketio_message(data: Any, socket_id: str, session_persistence: bool) -> IncomingMessage:
    """The conversation and text of a socketio `user_uttered` event, or InvalidRequest."""
    sender = socketio_sender(data, socket_id, session_persistence)
    return checked_message(sender, data.get("message"))
