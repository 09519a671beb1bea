"""A stored conversation as a conversation test story (Rasa's test story format).

Each patient message is written with the intent and entities the model predicted at the time, and
each action the assistant then took, so `rasa test` checks that the model still does the same. Staff
correct the intent or an action where the assistant misunderstood, and the story becomes a regression
test in tests/test_stories.yml. Written by Rasa's own YAMLStoryWriter.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from rasa.shared.core.constants import DEFAULT_ACTION_NAMES
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter
from rasa.shared.core.training_data.structures import StoryStep

from knowledge.words import is_payload

# Entity keys a test story keeps (the extractor, its confidence... are the model's business).
ENTITY_KEYS = ("entity", "value", "start", "end")


def _entities(parse_data: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The predicted entities of a typed message, once each (two extractors may find the same one),
    each pointing into the text, where the story writes it."""
    kept: List[Dict[str, Any]] = []
    seen = set()
    for entity in parse_data.get("entities") or []:
        if (
            not isinstance(entity, dict)
            or not entity.get("entity")
            or not isinstance(entity.get("value"), str)
        ):
            continue
        if not (isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int)):
            continue
        key = (entity["entity"], entity["start"], entity["end"])
        if key in seen:
            continue
        seen.add(key)
        kept.append({k: entity[k] for k in ENTITY_KEYS})
    return sorted(kept, key=lambda e: e["start"])


def story_events(stored: Iterable[Dict[str, Any]]) -> List[Event]:
    """The patient messages and the assistant's own actions of a stored conversation, as Rasa events."""
    events: List[Event] = []
    for event in stored:
        kind = event.get("event")
        if kind == "user":
            parse_data = event.get("parse_data") or {}
            intent = (parse_data.get("intent") or {}).get("name")
            if not intent:
                continue
            text = event.get("text") or ""
            # A button's payload ("/inform_procedure{...}") is written as is: Rasa reads the intent
            # and the entities back from it, in the story as in the conversation.
            payload = is_payload(text)
            entities = [] if payload else _entities(parse_data)
            events.append(UserUttered(text or None, intent={"name": intent}, entities=entities))
        elif kind == "action":
            name = event.get("name")
            if isinstance(name, str) and name not in DEFAULT_ACTION_NAMES and events:
                events.append(ActionExecuted(name))
    return events


def conversation_story(stored: Iterable[Dict[str, Any]], name: str) -> Optional[str]:
    """The YAML test story (with its `version` and `stories` keys), or None without a patient message."""
    events = story_events(stored)
    if not any(isinstance(event, UserUttered) for event in events):
        return None
    step = StoryStep(block_name=name, events=events)
    return YAMLStoryWriter().dumps([step], is_test_story=True)
