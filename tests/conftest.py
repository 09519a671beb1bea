"""Fixtures shared by the tests: the knowledge, a tracker factory, a dispatcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KnowledgeBase, KnowledgeStore, load_knowledge

REPO_ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_FILE = REPO_ROOT / "knowledge" / "procedures.yml"


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_FILE)


@pytest.fixture(scope="session")
def store() -> KnowledgeStore:
    return KnowledgeStore(KNOWLEDGE_FILE)


@pytest.fixture(scope="session")
def knowledge_text() -> str:
    return KNOWLEDGE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def raw_knowledge() -> Dict[str, Any]:
    return yaml.safe_load(KNOWLEDGE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(
    intent: str,
    text: str = "",
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    previous_intents: List[str] = (),
) -> Tracker:
    """A tracker whose latest message has this intent, text and entities."""
    events = [
        {"event": "user", "text": "", "parse_data": {"intent": {"name": name}, "entities": []}}
        for name in previous_intents
    ]
    latest_message = {"intent": {"name": intent, "confidence": 1.0}, "entities": list(entities), "text": text}
    events.append({"event": "user", "text": text, "parse_data": latest_message})
    return Tracker(
        sender_id="test",
        slots=dict(slots or {}),
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": len(value)}
