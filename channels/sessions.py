"""Which socket.io connection holds which conversation: session ids as bearer secrets.

A socketio conversation's id is a secret the server hands out: whoever holds it reads and writes
the conversation, as the patient's tab does after a reload. So:

- only ids this server issued (`Sessions.issue`: 128 random bits) or that already name a
  conversation of the socketio channel in the tracker store are accepted; any other id a client
  asks for is replaced by a fresh one (`accepted_session_id`). The tracker store is the registry,
  and the conversations' retention (30 days) its expiry; an id issued and never used is forgotten
  KEPT_SECONDS after its connection closed;
- a session is held by one connection at a time (`Sessions.hold`): a `session_request` with a
  valid id takes it over (a reload, a reconnection after a network drop), and the connection
  that held it leaves its room, so no reply goes to two connections;
- messages per minute are counted per session too, so a reconnection does not start them afresh.

The REST channel refuses these ids as its `sender` (channels/incoming.py), so a REST client
cannot write into a socketio conversation either.

Being secrets, these ids stay out of the logs: `keep_session_ids_out_of_logs` (called by
scripts/rasa_server.py at start-up) writes each one as `log_reference(id)`, a short hash that
still tells the lines of one conversation apart, in every log record of the process (the
project's own warnings and Rasa's alike).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from rasa.shared.core.events import UserUttered

from channels.rates import CLEAN_UP_EVERY, TokenBucket

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
_SESSION_ID_IN_TEXT = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
# An issued id without a connection is kept this long (seconds), for a reconnection.
KEPT_SECONDS = 600.0
SOCKETIO_CHANNEL = "socketio"


def looks_like_session_id(value: Any) -> bool:
    return isinstance(value, str) and bool(SESSION_ID.match(value))


@dataclass
class Session:
    holder: Optional[str]  # the socket.io sid of the connection holding it
    messages: TokenBucket
    released: float = 0.0


class Sessions:
    def __init__(self, new_bucket: Callable[[], TokenBucket]) -> None:
        self._new_bucket = new_bucket
        self._sessions: Dict[str, Session] = {}
        self._cleaned = time.monotonic()

    def issue(self) -> str:
        while True:
            session_id = secrets.token_hex(16)
            if session_id not in self._sessions:
                self._sessions[session_id] = Session(None, self._new_bucket(), time.monotonic())
                return session_id

    def known(self, session_id: str) -> bool:
        return session_id in self._sessions

    def holder(self, session_id: Optional[str]) -> Optional[str]:
        session = self._sessions.get(session_id) if session_id else None
        return session.holder if session else None

    def hold(self, session_id: str, sid: str) -> Optional[str]:
        """`sid` now holds the session; returns the connection that held it before, if another."""
        session = self._sessions.get(session_id)
        if session is None:
            session = self._sessions[session_id] = Session(None, self._new_bucket())
        previous = session.holder
        session.holder = sid
        return previous if previous != sid else None

    def release(self, session_id: Optional[str], sid: str) -> None:
        session = self._sessions.get(session_id) if session_id else None
        if session is not None and session.holder == sid:
            session.holder = None
            session.released = time.monotonic()

    def take_message(self, session_id: str) -> bool:
        session = self._sessions.get(session_id)
        return session is not None and session.messages.take()

    def forget_idle(self) -> None:
        """Forgets sessions without a connection for KEPT_SECONDS (at most once a minute)."""
        now = time.monotonic()
        if now - self._cleaned < CLEAN_UP_EVERY:
            return
        self._cleaned = now
        idle = [
            session_id
            for session_id, session in self._sessions.items()
            if session.holder is None and now - session.released > KEPT_SECONDS
        ]
        for session_id in idle:
            del self._sessions[session_id]

    def __len__(self) -> int:
        return len(self._sessions)


async def stored_socketio_conversation(agent: Optional[Any], session_id: str) -> bool:
    """Whether the tracker store holds a conversation of this id written through socketio."""
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return False
    tracker = await tracker_store.retrieve(session_id)
    if tracker is None:
        return False
    return any(
        isinstance(event, UserUttered) and event.input_channel == SOCKETIO_CHANNEL for event in tracker.events
    )


async def accepted_session_id(sessions: Sessions, agent: Optional[Any], requested: Any) -> str:
    """The id a `session_request` asked for if the server issued it, else a fresh one."""
    if looks_like_session_id(requested) and (
        sessions.known(requested) or await stored_socketio_conversation(agent, requested)
    ):
        return requested
    return sessions.issue()


def log_reference(session_id: str) -> str:
    """What a log shows of a conversation id: 8 hexadecimal digits of its SHA-256."""
    return "#" + hashlib.sha256(session_id.encode()).hexdigest()[:8]


def without_session_ids(text: str) -> str:
    return _SESSION_ID_IN_TEXT.sub(lambda found: log_reference(found.group()), text)


def keep_session_ids_out_of_logs() -> None:
    """Every log record of this process gets the session ids of its message and arguments
    replaced by their log_reference."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "keeps_session_ids_out", False):
        return

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        entry = make_record(*args, **kwargs)
        if isinstance(entry.msg, str):
            entry.msg = without_session_ids(entry.msg)
        if isinstance(entry.args, tuple):
            entry.args = tuple(without_session_ids(a) if isinstance(a, str) else a for a in entry.args)
        return entry

    record.keeps_session_ids_out = True
    logging.setLogRecordFactory(record)
