"""Checks on what a channel receives, before it reaches the assistant.

Length first, then control characters, button payloads (payload.py) and
personal details (personal_data.py).

Plain functions, shared by the channels and tested without a server.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from channels.payload import normalise_payload
from channels.personal_data import mask_personal_data

# Longer than any real question (about 300 words); parsing a huge message
# would keep the server busy for every other patient.
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128

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


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    too_long: bool = False
    # Personal details were masked out of the text (channels/personal_data.py).
    masked: bool = False


class InvalidRequest(ValueError):
    """The request itself is malformed: the client is told why (a 400 on REST)."""


def clean_text(text: str) -> str:
    """Removes control characters (and lone surrogates), keeps line breaks and tabs."""
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs"))


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
    if text.lstrip().startswith("/"):
        # A button payload: its entity values are checked names (payload.py).
        return IncomingMessage(sender=sender, text=normalise_payload(text))
    masked = mask_personal_data(text)
    return IncomingMessage(sender=sender, text=masked, masked=masked != text)


def parse_incoming(payload: Any) -> IncomingMessage:
    """The sender and text of a REST request body, or InvalidRequest."""
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object with 'sender' and 'message'")
    sender = checked_sender(payload.get("sender"), "sender")
    return checked_message(sender, payload.get("message"))


def parse_socketio_message(data: Any, socket_id: str, session_persistence: bool) -> IncomingMessage:
    """The conversation and text of a socketio `user_uttered` event, or InvalidRequest.

    With session persistence the conversation is the client's `session_id`
    (kept across page reloads); otherwise it is the socket itself.
    """
    if not isinstance(data, dict):
        raise InvalidRequest("the event data must be an object with 'message' and 'session_id'")
    if session_persistence:
        sender = checked_sender(data.get("session_id"), "session_id")
    else:
        sender = socket_id
    return checked_message(sender, data.get("message"))
