"""The SQLite tracker store of endpoints.yml (stores/sqlite_tracker_store.py), on real SQLite files,
created the way the Rasa server creates it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from harness.servers import REPO_ROOT
from stores.sqlite_tracker_store import SQLiteTrackerStore

# PRAGMA synchronous answers with a number.
SYNCHRONOUS_LEVELS = {"NORMAL": 1, "FULL": 2}


def shipped_tracker_store_settings() -> dict:
    return yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]


def store_from_endpoints(tmp_path: Path, db: Path, **changes: str) -> TrackerStore:
    """Rasa's TrackerStore.create on endpoints.yml's tracker_store section, on the file `db`."""
    settings = {**shipped_tracker_store_settings(), "db": str(db), **changes}
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"tracker_store": settings}), encoding="utf-8")
    config = read_endpoint_config(str(endpoints), "tracker_store")
    return TrackerStore.create(config, Domain.load(REPO_ROOT / "domain.yml"))


def as_the_server_holds_it(store: TrackerStore) -> FailSafeTrackerStore:
    # rasa.core.agent wraps every tracker store in a FailSafeTrackerStore.
    return FailSafeTrackerStore(store)


def first_turn_events() -> list:
    """What a patient's first message leaves in a tracker: session start, message, two replies, slots."""
    # As in Rasa: action_session_start is logged after the SessionStarted it returned (later time).
    session_started = SessionStarted()
    return [
        ActionExecuted("action_session_start"),
        session_started,
        ActionExecuted("action_listen"),
        UserUttered("c'est quoi une néphrostomie ?", {"name": "ask_overview", "confidence": 0.9}),
        ActionExecuted("action_answer"),
        BotUttered("disclaimer"),
        BotUttered("answer"),
        SlotSet("disclaimer_shown", True),
        SlotSet("procedure", "nephrostomie"),
        ActionExecuted("action_listen"),
    ]


def pragma(db: Path, name: str):
    with sqlite3.connect(db) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


def stored_rows(db: Path, sender_id: str) -> int:
    with sqlite3.connect(db) as connection:
        query = "SELECT count(*) FROM events WHERE sender_id = ?"
        return connection.execute(query, (sender_id,)).fetchone()[0]


def test_endpoints_yml_gives_the_sqlite_store_with_a_write_ahead_log(tmp_path):
    # Rasa falls back to an in-memory store, silently, when a store's class cannot be imported.
    store = store_from_endpoints(tmp_path, tmp_path / "rasa.db")
    assert isinstance(store, SQLiteTrackerStore)
    synchronous = str(shipped_tracker_store_settings()["synchronous"]).upper()
    assert store.synchronous == synchronous
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == SYNCHRONOUS_LEVELS[synchronous]
    assert pragma(tmp_path / "rasa.db", "journal_mode") == "wal"  # kept in the file itself
    store.engine.dispose()


async def test_a_first_turn_is_stored_whole_and_read_back_after_a_restart(tmp_path):
    db = tmp_path / "rasa.db"
    store = store_from_endpoints(tmp_path, db)
    commits = []
    sa.event.listen(store.engine, "commit", lambda _connection: commits.append(1))
    served = as_the_server_holds_it(store)
    # As the Rasa server starts a conversation: the empty tracker is not written (Rasa's own
    # store commits an empty transaction there)...
    tracker = await served.get_or_create_tracker("patient-1", append_action_listen=False)
    assert (len(commits), stored_rows(db, "patient-1")) == (0, 0)
    # ...the turn's save writes every event of it.
    for event in first_turn_events():
        tracker.update(event)
    await served.save(tracker)
    assert (len(commits), stored_rows(db, "patient-1")) == (1, len(first_turn_events()))
    store.engine.dispose()

    restarted = store_from_endpoints(tmp_path, db)
    retrieved = await restarted.retrieve_full_tracker("patient-1")
    assert [event.as_dict() for event in retrieved.events] == [event.as_dict() for event in tracker.events]
    assert retrieved.get_slot("procedure") == "nephrostomie"
    restarted.engine.dispose()


async def test_a_tracker_created_listening_is_stored_at_once(tmp_path):
    # Other callers (Rasa's API, rasa shell's first tracker) ask for an initial action_listen.
    db = tmp_path / "rasa.db"
    store = store_from_endpoints(tmp_path, db)
    await as_the_server_holds_it(store).get_or_create_tracker("patient-2")
    assert stored_rows(db, "patient-2") == 1
    store.engine.dispose()


@pytest.mark.parametrize("mode", ["NORMAL", "full"])
def test_synchronous_is_read_from_the_endpoints(tmp_path, mode):
    store = store_from_endpoints(tmp_path, tmp_path / "rasa.db", synchronous=mode)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == SYNCHRONOUS_LEVELS[mode.upper()]
    store.engine.dispose()


async def test_the_rows_are_those_rasas_own_sql_store_writes(tmp_path):
    """Same tables and rows as SQLTrackerStore (retention, exports and Rasa itself read them),
    over three turns: each save adds only its turn's events, also after a new session."""
    slots = Domain.load(REPO_ROOT / "domain.yml").slots
    tracker = DialogueStateTracker.from_events("patient-3", first_turn_events(), slots=slots)
    # The patient comes back after the session expired: a new session, then a turn.
    next_session = first_turn_events()
    second_turn = [
        UserUttered("et ça dure combien ?", {"name": "ask_duration", "confidence": 0.8}),
        ActionExecuted("action_answer"),
        BotUttered("duration"),
        ActionExecuted("action_listen"),
    ]
    tables = {}
    for name, store in [
        ("ours", store_from_endpoints(tmp_path, tmp_path / "ours.db")),
        ("rasa", SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "rasa.db"))),
    ]:
        copy = tracker.copy()
        await store.save(copy)
        for event in second_turn:
            copy.update(event)
        await store.save(copy)
        for event in next_session:
            copy.update(event)
        await store.save(copy)
        store.engine.dispose()
        with sqlite3.connect(tmp_path / f"{name}.db") as connection:
            tables[name] = connection.execute(
                "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events"
            ).fetchall()
    assert len(tables["ours"]) == 2 * len(first_turn_events()) + len(second_turn)
    assert tables["ours"] == tables["rasa"]


async def test_reads_give_the_events_rasas_own_sql_store_reads(tmp_path):
    """Two sessions in one file: the latest session, and all of them, as SQLTrackerStore reads them."""
    db = tmp_path / "rasa.db"
    domain = Domain.load(REPO_ROOT / "domain.yml")
    ours = store_from_endpoints(tmp_path, db)
    tracker = DialogueStateTracker.from_events("patient-4", first_turn_events(), slots=domain.slots)
    await ours.save(tracker)
    for event in first_turn_events():  # the patient comes back: a second session
        tracker.update(event)
    await ours.save(tracker)
    rasas = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))

    def dicts(read: DialogueStateTracker) -> list:
        return [event.as_dict() for event in read.events]

    latest, rasa_latest = await ours.retrieve("patient-4"), await rasas.retrieve("patient-4")
    assert len(latest.events) == len(first_turn_events())
    assert dicts(latest) == dicts(rasa_latest)
    full = await ours.retrieve_full_tracker("patient-4")
    rasa_full = await rasas.retrieve_full_tracker("patient-4")
    assert len(full.events) == 2 * len(first_turn_events())
    assert dicts(full) == dicts(rasa_full)
    assert await ours.retrieve("nobody") is None
    for store in (ours, rasas):
        store.engine.dispose()


def test_an_unknown_synchronous_mode_is_refused_with_the_allowed_ones(tmp_path):
    with pytest.raises(ValueError, match="synchronous must be one of NORMAL, FULL, not 'OFF'"):
        SQLiteTrackerStore(db=str(tmp_path / "rasa.db"), synchronous="OFF")
