"""Fixtures shared by the tests: the knowledge, trackers, a dispatcher, the running servers."""

from __future__ import annotations

import uuid
from typing import Any, Dict, Iterable, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from harness.servers import REPO_ROOT, RunningAssistant
from knowledge import KnowledgeBase, KnowledgeStore, load_knowledge
from knowledge.loader import COMMITTED_KNOWLEDGE_FILE
from knowledge.page import clinic_page_path

KNOWLEDGE_FILE = COMMITTED_KNOWLEDGE_FILE
# The procedures of the knowledge file, in its order: tests are parametrized over them at collection.
PROCEDURE_IDS = [procedure.id for procedure in load_knowledge(KNOWLEDGE_FILE).procedures]
# The clinic's page, source of every fact; outside the repository (a relative path is relative to it).
CLINIC_PAGE = clinic_page_path()


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_FILE)


@pytest.fixture(scope="session")
def store() -> KnowledgeStore:
    return KnowledgeStore(KNOWLEDGE_FILE)


@pytest.fixture(scope="session")
def clinic_page() -> str:
    """The clinic page's text; the tests that compare the knowledge file with it are skipped without it."""
    if not CLINIC_PAGE.is_file():
        pytest.skip(
            f"the clinic page is not at {CLINIC_PAGE}: to check the knowledge file against it, "
            "run with CLINIC_PAGE=/path/to/clinic-page.md"
        )
    return CLINIC_PAGE.read_text(encoding="utf-8")


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


# --- Real servers, started by the project's own script (harness/servers.py) ---


# Every client of the tests comes from 127.0.0.1, like hundreds of patients behind one address: the
# shared servers give that address more work a minute than the default (channels/rates.py, tested
# with the default in tests/test_socketio_limits.py).
MANY_PATIENTS_WORK_PER_ADDRESS = "100000"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> RunningAssistant:
    running = RunningAssistant(
        tmp_path_factory.mktemp("assistant"), SOCKETIO_WORK_PER_ADDRESS=MANY_PATIENTS_WORK_PER_ADDRESS
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, driven by Playwright) for every browser test."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
