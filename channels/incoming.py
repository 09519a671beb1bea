"""Checks on what a channel receives, before it reaches the assistant.

Plain functions, shared by the channels and tested without a server.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Optional

# Longer than any real question (about 300 words); parsing a huge message
# would keep the server busy for every other patient.
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128

TOO_LONG_REPLY = (
    "Votre message est trop long pour que je puisse le lire. Pouvez-vous poser "
    "votre question en une ou deux phrases ?"
)


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    too_long: bool = False


class InvalidRequest(ValueError):
    """The request itself is malformed: the client gets a 400 with this message."""


def clean_text(text: str) -> str:
    """Removes control characters (and lone surrogates), keeps line breaks and tabs."""
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs"))


def parse_incoming(payload: Any) -> IncomingMessage:
    """The sender and text of a REST request body, or InvalidRequest."""
    if not isinstance(payload, dict):
        raise InvalidRequest("the body must be a JSON object with 'sender' and 'message'")
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise InvalidRequest("'sender' must be a non-empty string identifying the conversation")
    if len(sender) > MAX_SENDER_CHARS:
        raise InvalidRequest(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    message: Optional[Any] = payload.get("message")
    if not isinstance(message, str):
        raise InvalidRequest("'message' must be a string")
    text = clean_text(message)
    if len(text) > MAX_MESSAGE_CHARS:
        return IncomingMessage(sender=sender, text="", too_long=True)
    return IncomingMessage(sender=sender, text=text)
