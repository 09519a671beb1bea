"""Every channel's entities checked on the Rasa server, whatever connector brought the message.

Rasa 3.6 reads a payload's entities (`/inform_procedure{"procedure": 5}`) as typed: any JSON
value, a list split into several entities. `keep_valid_entities` (channels/payload.py) keeps
only a known entity with a short name as its value; this installs it on every parse.
"""

from __future__ import annotations

from channels.payload import keep_valid_entities


def check_entities_on_every_parse() -> None:
    """Wraps Rasa's MessageProcessor.parse_message so every channel's entities are checked."""
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.parse_message
    if getattr(original, "checks_entities", False):
        return

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        parse_data = await original(self, message, tracker, only_output_properties)
        parse_data["entities"] = keep_valid_entities(parse_data.get("entities"))
        return parse_data

    parse_message.checks_entities = True
    MessageProcessor.parse_message = parse_message
