"""A reply to every message, even when the assistant cannot answer.

All of the assistant's answers come from the action server. When it is down
or too slow, Rasa logs the failure and sends nothing, and the patient would
be left waiting. The channels run each turn through `handle_with_apology`,
which sends an apology when the turn produced no message at all.

Rasa 3.6 waits up to five minutes for the action server (a constant there,
RasaHQ/rasa#9789); `apply_action_timeout` makes that wait explicit and short.
"""

from __future__ import annotations

import logging
import os
from typing import Awaitable, Callable

import rasa.core.actions.action
from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = 5.0

UNAVAILABLE_REPLY = (
    "Je suis désolé, je ne peux pas vous répondre pour le moment. Vous pouvez "
    "réessayer dans quelques minutes. L'équipe de radiologie interventionnelle "
    "de la clinique peut aussi répondre à vos questions."
)


def action_timeout_seconds() -> float:
    """ACTION_TIMEOUT_SECONDS from the environment, or the default."""
    raw = os.environ.get("ACTION_TIMEOUT_SECONDS", "")
    if not raw.strip():
        return DEFAULT_ACTION_TIMEOUT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        raise SystemExit(f"ACTION_TIMEOUT_SECONDS must be a number of seconds, not {raw!r}") from None
    if seconds <= 0:
        raise SystemExit(f"ACTION_TIMEOUT_SECONDS must be positive, not {raw!r}")
    return seconds


def apply_action_timeout() -> float:
    """Sets how long the Rasa server waits for the action server, in seconds."""
    seconds = action_timeout_seconds()
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds
    return seconds


async def handle_with_apology(
    on_new_message: Callable[[UserMessage], Awaitable[None]],
    message: UserMessage,
    replied: Callable[[], bool],
) -> None:
    """Runs one turn; if it sent nothing (`replied()` is false), apologises."""
    try:
        await on_new_message(message)
    except Exception:
        # The message text stays out of the log: it may be health data.
        logger.exception("The assistant failed on a message in conversation %s", message.sender_id)
    if not replied():
        logger.warning("No answer for conversation %s: sending an apology", message.sender_id)
        await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_REPLY)
