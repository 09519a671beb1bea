"""Button payloads (`/intent{"entity": "value"}`) checked before Rasa reads them.

Any client can type a payload, not only a button: `/inform_procedure{"procedure": 5}`
put the number 5 in the `procedure` slot and broke every later turn of the
conversation. Two layers:

- the channels (`normalise_payload`, called by `channels/incoming.py`) rewrite a
  payload into its canonical form: a known intent, then only the entities
  `procedure` and `organ`, each a short name; anything else is dropped. Text
  that starts with "/" but is not a known intent is passed on as plain text
  without the slash (Rasa would otherwise log a warning quoting the whole
  message), then masked like any text (channels/incoming.py);
- the Rasa server (`keep_valid_entities`, installed on `MessageProcessor.parse_message`
  by patches/entity_check.py) drops, for every channel including the stock
  connectors of docs/channels.md, any entity of another name, a value that is
  not a string, or a value too long to be a name. A dropped value is simply
  unknown: the assistant asks which procedure is meant.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from channels.domain import intents
from channels.personal_data import mask_personal_data
from knowledge.words import is_payload

ENTITY_NAMES = ("procedure", "organ")
# Longer than any procedure or organ name or synonym in knowledge/procedures.yml.
MAX_ENTITY_CHARS = 60
# A name: letters (accents included), digits, spaces, apostrophes, hyphens, underscores.
_NAME = re.compile(r"^[\w' \-’]+$")
# Rasa's own pattern (YAMLStoryReader._regex_message_pattern), with the rest made explicit.
_PAYLOAD = re.compile(
    r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.*\})?(?P<rest>.*)$", re.S
)
_INTENT_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
def is_known_intent(name: str) -> bool:
    """An intent of domain.yml (read at the first payload); any identifier-shaped name if
    domain.yml is not beside the code."""
    known = intents()
    return bool(_INTENT_NAME.match(name)) and (not known or name in known)


def valid_entity_value(value: Any) -> bool:
    """A short name; numbers, lists, objects, booleans, huge strings and personal details are not."""
    return (
        isinstance(value, str)
        and 0 < len(value.strip()) <= MAX_ENTITY_CHARS
        and bool(_NAME.match(value.strip()))
        and mask_personal_data(value) == value
    )


def normalise_payload(text: str) -> str:
    """`text` unchanged unless it starts with "/": then the canonical payload, or plain text."""
    if not is_payload(text):
        return text
    stripped = text.strip()
    match = _PAYLOAD.match(stripped)
    intent = match.group("intent").strip() if match else ""
    if not match or not is_known_intent(intent):
        return stripped.lstrip("/").strip()
    entities: Dict[str, str] = {}
    if match.group("entities"):
        try:
            parsed = json.loads(match.group("entities"))
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            for name in ENTITY_NAMES:
                if valid_entity_value(parsed.get(name)):
                    entities[name] = parsed[name].strip()
    # The confidence (`@0.3`) and anything after the entities are dropped.
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


def keep_valid_entities(entities: Any) -> List[Dict[str, Any]]:
    """The parse result's entities that are a known name with a valid value."""
    if not isinstance(entities, list):
        return []
    return [
        entity
        for entity in entities
        if isinstance(entity, dict)
        and entity.get("entity") in ENTITY_NAMES
        and valid_entity_value(entity.get("value"))
    ]
