"""A real socketio client (python-socketio), the way the web chat talks to the assistant."""

from __future__ import annotations

import queue
import time
from typing import Any, Dict, List, Optional

import socketio


class SocketChat:
    """One browser tab: connects, asks for its session, then sends and collects messages."""

    # For messages that come without an acknowledgement (several events sent at once):
    # Rasa sends a turn's messages one by one; the turn is over after this much quiet.
    QUIET_SECONDS = 1.0

    def __init__(self, url: str, session_id: Any = None, request_session: bool = True, **client: Any):
        """`client`: more options of python-socketio's Client (e.g. `http_session`)."""
        self.received: queue.Queue[Dict[str, Any]] = queue.Queue()
        self.confirmed: queue.Queue[str] = queue.Queue()
        # Long-polling, the only transport the server offers (docs/channels.md, Transport).
        self.client = socketio.Client(reconnection=False, **client)
        self.client.on("bot_uttered", self.received.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.client.connect(url, transports=["polling"], socketio_path="/socket.io", wait_timeout=10)
        self.session_id: Optional[str] = None
        if request_session:
            self.request_session(session_id)

    @classmethod
    def without_session(cls, url: str) -> SocketChat:
        """Connected, but no session_request sent."""
        return cls(url, request_session=False)

    def request_session(self, session_id: Any = None) -> str:
        """A session_request; returns the id the server confirmed, now this chat's."""
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = self.confirmed.get(timeout=10)
        return self.session_id

    def emit(self, data: Any, event: str = "user_uttered") -> None:
        self.client.emit(event, data)

    def say(self, text: str, timeout: float = 30) -> List[Dict[str, Any]]:
        return self.send({"message": text, "session_id": self.session_id}, timeout=timeout)

    def send(self, data: Any, timeout: float = 30) -> List[Dict[str, Any]]:
        """Sends one `user_uttered` event and returns the messages of its turn.

        The server acknowledges the event when the turn is over, with the number of
        `bot_uttered` messages it sent for it (docs/channels.md).
        """
        acknowledged: queue.Queue[int] = queue.Queue()
        self.client.emit("user_uttered", data, callback=acknowledged.put)
        count = acknowledged.get(timeout=timeout)
        # The client may hand the last messages over a moment after the acknowledgement.
        return [self.received.get(timeout=timeout) for _ in range(count)]

    def replies(self, timeout: float = 30) -> List[Dict[str, Any]]:
        """Messages that came without an acknowledgement: waits for the first, then until it is quiet."""
        messages = [self.received.get(timeout=timeout)]
        while True:
            try:
                messages.append(self.received.get(timeout=self.QUIET_SECONDS))
            except queue.Empty:
                return messages

    def assert_silent(self, seconds: float = 2.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.received.empty(), self.received.get()
            time.sleep(0.1)

    def close(self) -> None:
        self.client.disconnect()
