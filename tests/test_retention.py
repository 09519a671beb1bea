"""scripts/delete_old_conversations.py on real tracker stores: SQLite and PostgreSQL, no mocks.

The conversations are written by Rasa's own SQLTrackerStore (built from the endpoints file the way
`rasa run` builds it), the command runs as a subprocess, and the result is read back through
SQLTrackerStore. PostgreSQL is a throwaway server (tests/postgres.py) started once for the module;
each test gets its own database.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from harness.servers import REPO_ROOT, free_port, settings_env
from tests.postgres import PostgresServer

SCRIPT = REPO_ROOT / "scripts" / "delete_old_conversations.py"
DAY = 86400
PASSWORD_VARIABLE = "RETENTION_TEST_DB_PASSWORD"
QUESTION = "Combien de temps dure une biopsie du foie ?"
ANSWER = "Une biopsie dure en général une trentaine de minutes."
FEEDBACK = "ça ne répond pas à ma question"
FEEDBACK_REPLY = "Merci de nous l'avoir dit."

# Conversation -> age in days of each of its sessions (oldest first). A session is 12 events.
AGES: Dict[str, List[float]] = {
    "old_40": [40],
    "old_31": [31],  # older than 30 days, younger than 35
    "recent_29": [29],
    "recent_1": [1],
    "returning": [40, 1],  # first session 40 days ago, last event yesterday: kept whole
}
EVENTS_PER_SESSION = 12

_database_names = itertools.count()


def load_script():
    """The command as a module, for its functions."""
    module_spec = importlib.util.spec_from_file_location("delete_old_conversations", SCRIPT)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def session_events(age_days: float, now: float) -> List[Event]:
    """One conversation session as Rasa records it, starting `age_days` ago."""
    start = now - age_days * DAY
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start),
        UserUttered(
            QUESTION,
            intent={"name": "ask_duration", "confidence": 0.97},
            entities=[{"entity": "procedure", "value": "biopsie", "start": 26, "end": 33}],
            timestamp=start + 5,
        ),
        ActionExecuted("action_answer_aspect", timestamp=start + 6),
        BotUttered(ANSWER, timestamp=start + 6),
        ActionExecuted("action_listen", timestamp=start + 7),
        # The patient's feedback on that answer: a message and the `feedback` slot, purged like the rest.
        UserUttered(FEEDBACK, intent={"name": "feedback_not_helpful"}, timestamp=start + 8),
        ActionExecuted("action_record_feedback", timestamp=start + 9),
        BotUttered(FEEDBACK_REPLY, timestamp=start + 9),
        SlotSet("feedback", "not_helpful", timestamp=start + 9),
        ActionExecuted("action_listen", timestamp=start + 10),
    ]


class TrackerDatabase:
    """A tracker store filled with the AGES conversations, and its endpoints file."""

    def __init__(self, workdir: Path, endpoints: Path) -> None:
        self.workdir = workdir
        self.endpoints = endpoints
        token = uuid.uuid4().hex[:8]
        self.sender_ids = {name: f"patient-{name}-{token}" for name in AGES}
        self.saved: Dict[str, List[dict]] = {}

    def store(self) -> TrackerStore:
        """The tracker store exactly as Rasa creates it from the endpoints file."""
        config = read_endpoint_config(str(self.endpoints), "tracker_store")
        store = TrackerStore.create(config, Domain.empty())
        assert isinstance(store, SQLTrackerStore)
        return store

    async def populate(self) -> None:
        now = time.time()
        store = self.store()
        try:
            for name, ages in AGES.items():
                events = [event for age in ages for event in session_events(age, now)]
                tracker = DialogueStateTracker.from_events(self.sender_ids[name], events, slots=[])
                await store.save(tracker)
                self.saved[name] = [event.as_dict() for event in events]
        finally:
            store.engine.dispose()

    async def stored(self) -> Dict[str, List[dict]]:
        """Every conversation in the store (by AGES name) with all its events, through Rasa."""
        store = self.store()
        try:
            names = {sender_id: name for name, sender_id in self.sender_ids.items()}
            keys = list(await store.keys())
            assert set(keys) <= set(names), "unexpected conversations in the store"
            result = {}
            for sender_id in keys:
                tracker = await store.retrieve_full_tracker(sender_id)
                result[names[sender_id]] = [event.as_dict() for event in tracker.events]
            return result
        finally:
            store.engine.dispose()

    async def assert_only(self, *kept: str) -> None:
        """Exactly the `kept` conversations are left, each with every one of its events."""
        stored = await self.stored()
        assert sorted(stored) == sorted(kept)
        for name in kept:
            assert len(stored[name]) == EVENTS_PER_SESSION * len(AGES[name]), name
            assert stored[name] == self.saved[name], name
            feedback = [e for e in stored[name] if e["event"] == "slot" and e["name"] == "feedback"]
            assert len(feedback) == len(AGES[name]), name

    def run(self, *args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
        return run_command("--endpoints", str(self.endpoints), *args, cwd=self.workdir, env=env)


def run_command(*args: str, cwd: Path, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """The real command line, in `cwd`, without RETENTION_DAYS unless `env` sets it."""
    full_env = {key: value for key, value in os.environ.items() if key != "RETENTION_DAYS"}
    # The repository on the path, as `make` and the Rasa image set it: the script imports stores/.
    full_env.update(RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(REPO_ROOT), **(env or {}))
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(output: str, dry_run: bool = False) -> tuple:
    """(conversations, events) from the command's summary line."""
    if dry_run:
        match = re.fullmatch(r"Dry run: (\d+) conversations \((\d+) events\) .* would be deleted\.\n", output)
    else:
        match = re.fullmatch(r"Deleted (\d+) conversations \((\d+) events\) .*\.\n", output)
    assert match, output
    return int(match.group(1)), int(match.group(2))


def assert_private(result: subprocess.CompletedProcess, database: TrackerDatabase) -> None:
    output = result.stdout + result.stderr
    for sender_id in database.sender_ids.values():
        assert sender_id not in output
    assert "patient-" not in output
    assert QUESTION not in output and ANSWER not in output and FEEDBACK not in output


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    yield server
    server.stop()


def write_postgres_endpoints(path: Path, server: PostgresServer, db: str, port: Optional[int] = None) -> None:
    # The password through ${VAR}, as a deployment would do: Rasa's substitution must work.
    path.write_text(
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: postgresql\n"
        f"  url: {server.host}\n"
        f"  port: {port or server.port}\n"
        f"  db: {db}\n"
        f"  username: {server.user}\n"
        f"  password: ${{{PASSWORD_VARIABLE}}}\n",
        encoding="utf-8",
    )


@pytest.fixture(params=["sqlite", "shipped", "postgresql"])
async def database(request, tmp_path, monkeypatch) -> TrackerDatabase:
    endpoints = tmp_path / "endpoints.yml"
    if request.param == "sqlite":
        # A relative path, as in the project's endpoints.yml: relative to the current directory.
        endpoints.write_text(
            "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: rasa.db\n", encoding="utf-8"
        )
    elif request.param == "shipped":
        # The project's endpoints.yml itself: its SQLite store (stores/), its relative rasa.db.
        endpoints.write_text((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"), encoding="utf-8")
        # As `make delete-old-conversations` runs it, with the variables endpoints.yml names.
        for name, value in settings_env().items():
            monkeypatch.setenv(name, value)
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        db = server.create_database(f"retention_{next(_database_names)}")
        write_postgres_endpoints(endpoints, server, db)
        monkeypatch.setenv(PASSWORD_VARIABLE, server.password)
    monkeypatch.chdir(tmp_path)
    tracker_database = TrackerDatabase(tmp_path, endpoints)
    await tracker_database.populate()
    await tracker_database.assert_only(*AGES)
    return tracker_database


async def test_deletes_whole_conversations_whose_last_event_is_older_than_the_days(database):
    result = database.run("--days", "30")

    assert result.returncode == 0, result.stderr
    assert counts(result.stdout) == (2, 2 * EVENTS_PER_SESSION)
    assert_private(result, database)
    await database.assert_only("recent_29", "recent_1", "returning")

    again = database.run("--days", "30")
    assert again.returncode == 0, again.stderr
    assert counts(again.stdout) == (0, 0)
    await database.assert_only("recent_29", "recent_1", "returning")


async def test_dry_run_counts_and_deletes_nothing(database):
    result = database.run("--days", "30", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert counts(result.stdout, dry_run=True) == (2, 2 * EVENTS_PER_SESSION)
    assert_private(result, database)
    await database.assert_only(*AGES)


@pytest.mark.parametrize(
    "env, args, kept",
    [
        ({}, [], ["recent_29", "recent_1", "returning"]),  # default: 30 days
        ({"RETENTION_DAYS": "35"}, [], ["old_31", "recent_29", "recent_1", "returning"]),
        ({"RETENTION_DAYS": "35"}, ["--days", "30"], ["recent_29", "recent_1", "returning"]),
        ({"RETENTION_DAYS": "365"}, [], list(AGES)),
    ],
    ids=["default-30", "env-35", "option-beats-env", "env-365"],
)
async def test_days_come_from_the_option_else_retention_days_else_30(database, env, args, kept):
    result = database.run(*args, env=env)

    assert result.returncode == 0, result.stderr
    assert counts(result.stdout) == (len(AGES) - len(kept), EVENTS_PER_SESSION * (len(AGES) - len(kept)))
    await database.assert_only(*kept)


async def test_functions_select_and_delete_by_last_event(database):
    module = load_script()
    engine = module.engine_from_config(module.load_tracker_store_config(str(database.endpoints)))
    try:
        cutoff = time.time() - 30 * DAY
        old = sorted(database.sender_ids[name] for name in ("old_40", "old_31"))
        assert module.conversations_older_than(engine, cutoff) == old
        assert module.delete_conversations(engine, cutoff, dry_run=True) == (2, 2 * EVENTS_PER_SESSION)
        assert module.conversations_older_than(engine, cutoff) == old
        assert module.delete_conversations(engine, cutoff) == (2, 2 * EVENTS_PER_SESSION)
        assert module.conversations_older_than(engine, cutoff) == []
        # 39.5 days: only the 40-day-old first session of "returning" is older, not its last event.
        assert module.conversations_older_than(engine, time.time() - 39.5 * DAY) == []
    finally:
        engine.dispose()
    await database.assert_only("recent_29", "recent_1", "returning")


def test_days_must_be_a_positive_integer():
    script = load_script()
    assert [script.parse_days(value, "--days") for value in ("1", "30", " 45 ", "36500")] == [
        1,
        30,
        45,
        36500,
    ]
    for value in ("0", "-3", "abc", "1.5", "", " ", "1e3", "+5", "36501", None):
        with pytest.raises(script.RetentionError, match="--days must be a positive integer"):
            script.parse_days(value, "--days")


@pytest.mark.parametrize("days", ["0", "abc"])
def test_invalid_days_is_a_one_line_error(tmp_path, days):
    result = run_command("--endpoints", "missing.yml", "--days", days, cwd=tmp_path)

    assert_one_line_error(result, "--days must be a positive integer")


def test_invalid_retention_days_variable_is_a_one_line_error(tmp_path):
    result = run_command("--endpoints", "missing.yml", cwd=tmp_path, env={"RETENTION_DAYS": "trente"})

    assert_one_line_error(result, "RETENTION_DAYS must be a positive integer")


def test_missing_endpoints_file_is_a_one_line_error(tmp_path):
    result = run_command("--endpoints", "nowhere/endpoints.yml", "--days", "30", cwd=tmp_path)

    assert_one_line_error(result, "endpoints file not found", str(tmp_path / "nowhere" / "endpoints.yml"))


@pytest.mark.parametrize(
    "tracker_store, message",
    [
        ("  type: redis\n  url: localhost\n", "tracker store type 'redis' in endpoints.yml is not supported"),
        ("  type: mongod\n  url: mongodb://localhost:27017\n", "type 'mongod'"),
        ("  url: localhost\n", "no tracker_store type"),
        ("  type: SQL\n  dialect: sqlite\n  db: not-there.db\n", "SQLite database not found"),
        ("  type: SQL\n  dialect: postgresql\n  host: localhost\n  db: x\n", "'host' key"),
        ("  type: SQL\n  dialect: postgresql\n  url: ${RETENTION_TEST_UNSET}\n", "RETENTION_TEST_UNSET"),
    ],
    ids=["redis", "mongo", "no-type", "sqlite-file-missing", "host-key", "unset-variable"],
)
def test_unusable_tracker_store_is_a_one_line_error(tmp_path, tracker_store, message):
    (tmp_path / "endpoints.yml").write_text(f"tracker_store:\n{tracker_store}", encoding="utf-8")

    result = run_command("--endpoints", "endpoints.yml", cwd=tmp_path)

    assert_one_line_error(result, message)
    assert not (tmp_path / "not-there.db").exists()


def test_unreachable_database_is_a_one_line_error(tmp_path, postgres):
    endpoints = tmp_path / "endpoints.yml"
    write_postgres_endpoints(endpoints, postgres, postgres.db, port=free_port())
    started = time.monotonic()

    result = run_command(
        "--endpoints", str(endpoints), cwd=tmp_path, env={PASSWORD_VARIABLE: postgres.password}
    )

    assert_one_line_error(result, "cannot connect to the database")
    assert postgres.password not in result.stderr
    assert time.monotonic() - started < 30


def test_wrong_password_is_a_one_line_error(tmp_path, postgres):
    endpoints = tmp_path / "endpoints.yml"
    write_postgres_endpoints(endpoints, postgres, postgres.db)

    result = run_command("--endpoints", str(endpoints), cwd=tmp_path, env={PASSWORD_VARIABLE: "wrong"})

    assert_one_line_error(result, "cannot connect to the database", "password authentication failed")


def test_database_without_rasa_events_table_is_a_one_line_error(tmp_path, postgres):
    endpoints = tmp_path / "endpoints.yml"
    write_postgres_endpoints(endpoints, postgres, postgres.create_database(f"empty_{next(_database_names)}"))

    result = run_command(
        "--endpoints", str(endpoints), cwd=tmp_path, env={PASSWORD_VARIABLE: postgres.password}
    )

    assert_one_line_error(result, "no 'events' table")
