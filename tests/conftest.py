"""Fixtures shared by the tests: the knowledge, trackers, a dispatcher, the running servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import pytest
import requests
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KnowledgeBase, KnowledgeStore, load_knowledge

REPO_ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_FILE = REPO_ROOT / "knowledge" / "procedures.yml"
# The procedure families of the clinic page, in the knowledge file's order.
PROCEDURE_IDS = [
    "infiltration",
    "biopsie",
    "drainage_collection",
    "thermoablation",
    "biliaire",
    "nephrostomie",
    "embolisation_portale",
    "angiographie",
]


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


# --- Real servers, started by the project's own script ----------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RunningAssistant:
    """`scripts/run.sh` (action server, Rasa server, web page) in its own process group,
    on free ports and a private tracker store."""

    def __init__(self, workdir: Path, action_url_port: Optional[int] = None, **env: str):
        """`action_url_port`: where the Rasa server looks for the action server
        (default: the action server itself); `env`: extra settings for run.sh."""
        self.rasa_port, self.action_port, self.web_port = free_port(), free_port(), free_port()
        self.env = env
        self.tracker_db = workdir / "tracker.db"
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{action_url_port or self.action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.tracker_db}"\n',
            encoding="utf-8",
        )
        self.log = (workdir / "servers.log").open("w")
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def page_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    def start(self, timeout: float = 300) -> None:
        env = {
            **os.environ,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "WEB_PORT": str(self.web_port),
            "ENDPOINTS": str(self.endpoints),
            **self.env,
        }
        self.process = subprocess.Popen(
            [str(REPO_ROOT / "scripts" / "run.sh")],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scripts/run.sh exited early, see {self.log.name}")
            if self._ready():
                return
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"servers not ready after {timeout} s, see {self.log.name}")

    def _ready(self) -> bool:
        try:
            rasa = requests.get(self.url, timeout=2)
            actions = requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2)
            page = requests.get(self.page_url, timeout=2)
        except requests.RequestException:
            return False
        return rasa.ok and actions.ok and page.ok

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        """Like Ctrl-C in the terminal: the signal goes to the whole process group."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def say(self, text: str, sender: str) -> List[Dict[str, Any]]:
        token = self.env.get("REST_TOKEN")
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Authorization": f"Bearer {token}"} if token else {},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> RunningAssistant:
    running = RunningAssistant(tmp_path_factory.mktemp("assistant"))
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
