"""Rasa's SQL tracker store on an SQLite file, with a write-ahead log and an open connection.

The embedded set-up (endpoints.yml) keeps conversations in one SQLite file.
Rasa 3.6's SQLTrackerStore opens a new SQLite connection for every read and
write (SQLAlchemy 1.4 does not pool file databases) in SQLite's default
rollback-journal mode, where each commit writes and syncs a journal file,
then the database, then deletes the journal. A patient's first message spent
about half its time there, on the Rasa server's event loop where it delays
every other conversation (`make profile`, `bench/profile_message.py --turns 1`).

Here the same tables, rows and queries, with:
- `journal_mode=WAL`: a commit appends to one log file;
- connections kept open (a pool): a write-ahead log is checkpointed and
  deleted when the last connection closes, which would cost the rollback
  journal's syncs again at every turn;
- `synchronous` (endpoints.yml): NORMAL (the default) syncs the log to disk
  at checkpoints only, so a power cut or an operating system crash may lose
  the latest turns; FULL syncs it at every commit (a few ms more a turn,
  more on a busy disk). A crash, kill or restart of the servers loses
  nothing either way: every answered turn is in the file;
- one INSERT of a turn's new events instead of one ORM object each, after
  a plain SQL count of those already stored; reads in plain SQL too;
- no empty write when a conversation starts: Rasa saves a new, still empty
  tracker before the turn (FailSafeTrackerStore.create_tracker calls `save`);
  the turn's own save stores every event of it.

Configured in endpoints.yml as
`tracker_store: type: stores.sqlite_tracker_store.SQLiteTrackerStore` with
`db` (the file, relative to the working directory) and `synchronous`.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

# The events of a conversation's latest session: those since its latest SessionStarted, or all of
# them when it has none. SQLTrackerStore builds this query with the ORM at every read and save
# (_event_query, _additional_events), which cost more CPU than the reads and writes themselves.
LATEST_SESSION_EVENTS = """
    FROM events,
        (SELECT max(timestamp) AS session_start FROM events
         WHERE sender_id = :sender_id AND type_name = :session_started) AS latest
    WHERE events.sender_id = :sender_id
      AND (events.timestamp >= latest.session_start OR latest.session_start IS NULL)
"""
STORED_EVENTS_OF_LATEST_SESSION = sa.text("SELECT count(*)" + LATEST_SESSION_EVENTS)
# In the order they were stored (timestamps may repeat).
EVENTS_OF_LATEST_SESSION = sa.text("SELECT data" + LATEST_SESSION_EVENTS + "ORDER BY events.id")
EVENTS_OF_ALL_SESSIONS = sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id")
SYNCHRONOUS_MODES = ("NORMAL", "FULL")
DEFAULT_SYNCHRONOUS = "NORMAL"


def checked_synchronous(value: Any) -> str:
    mode = str(value).strip().upper()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(
            f"tracker_store synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, not {value!r}"
        )
    return mode


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore for `dialect: sqlite` only, with a write-ahead log (see the module's text)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        db: str = "rasa.db",
        synchronous: str = DEFAULT_SYNCHRONOUS,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        mode = checked_synchronous(synchronous)
        for ignored in ("host", "dialect"):  # Rasa passes `host`; the dialect is always sqlite
            kwargs.pop(ignored, None)
        # Rasa's constructor creates the tables through its own (unpooled) engine.
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        # The Rasa server's event loop uses one connection at a time; the pool keeps it open.
        # (Any thread may take it from the pool: SQLAlchemy hands it to one user at a time.)
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _pragmas_setter(mode))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.synchronous = mode

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """SQLTrackerStore._retrieve: the same events, read with plain SQL on the open connection."""
        query = EVENTS_OF_ALL_SESSIONS if fetch_events_from_all_sessions else EVENTS_OF_LATEST_SESSION
        with self.engine.connect() as connection:
            rows = connection.execute(query, _query_parameters(sender_id)).fetchall()
        if not self.domain or not rows:
            return None
        events = [json.loads(data) for (data,) in rows]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save: the same rows, in one INSERT of all the turn's new events."""
        # A new conversation is saved once before its first event (Rasa's create_tracker):
        # nothing to write, but SQLTrackerStore would still open a transaction and commit it.
        if not tracker.events:
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = session.execute(
                STORED_EVENTS_OF_LATEST_SESSION, _query_parameters(tracker.sender_id)
            ).scalar()
            new_events = itertools.islice(tracker.events, stored, None)
            rows = [event_row(tracker.sender_id, event) for event in new_events]
            if rows:
                # Rasa adds one ORM object per event: twice the CPU of a first turn's save.
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()


def _query_parameters(sender_id: str) -> Dict[str, str]:
    """The parameters of the queries above."""
    return {"sender_id": sender_id, "session_started": SessionStarted.type_name}


def event_row(sender_id: str, event: Event) -> Dict[str, Any]:
    """The `events` row SQLTrackerStore.save writes for `event`."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _pragmas_setter(synchronous: str):
    def set_pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return set_pragmas

