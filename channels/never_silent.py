"""A reply to every message, even when the assistant cannot answer.

All of the assistant's answers come from the action server. When it is down
or too slow, Rasa logs the failure and sends nothing, and the patient would
be left waiting. The channels run each turn through `handle_with_apology`,
which sends an apology when the turn produced no message at all.

How long the Rasa server waits for the action server: action_server.py.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

UNAVAILABLE_REPLY = (
    "Je suis désolé, je ne peux pas vous répondre pour le moment. Vous pouvez "
    "réessayer dans quelques minutes. L'équipe de radiologie interventionnelle "
    "de la clinique peut aussi répondre à vos questions."
)


# When another turn of the same conversation holds it longer than the lock
# store lets a message wait (stores/redis_lock_store.py, ConversationBusy).
BUSY_CONVERSATION_REPLY = (
    "Je réponds encore à vos messages précédents et je n'ai pas pu lire celui-ci. "
    "Pouvez-vous l'envoyer à nouveau dans un instant ?"
)


async def handle_with_apology(
    on_new_message: Callable[[UserMessage], Awaitable[None]],
    message: UserMessage,
    replied: Callable[[], bool],
) -> None:
    """Runs one turn; if it sent nothing (`replied()` is false), apologises."""
    try:
        await on_new_message(message)
    except Exception as error:
        if getattr(error, "conversation_busy", False):
            logger.warning("Conversation %s busy: the message was not processed", message.sender_id)
            await message.output_channel.send_text_message(message.sender_id, BUSY_CONVERSATION_REPLY)
            return
        # The message text stays out of the log: it may be health data.
        logger.exception("The assistant failed on a message in conversation %s", message.sender_id)
    if not replied():
        logger.warning("No answer for conversation %s: sending an apology", message.sender_id)
        await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_REPLY)
