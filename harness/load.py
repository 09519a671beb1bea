"""One client using all its socket.io connections and messages, and another patient meanwhile:
real python-socketio clients, each from a chosen loopback address (127.0.0.0/8 is all this machine),
so the servers see two clients. Used by tests/test_socketio_limits.py and bench/costly_messages.py.
"""

from __future__ import annotations

import json
import queue
import statistics
import threading
import time
from types import SimpleNamespace
from typing import Dict, List, Optional

import requests
from requests.adapters import HTTPAdapter

from harness.socket_chat import SocketChat

ABUSER_ADDRESS = "127.0.0.1"
PATIENT_ADDRESS = "127.0.0.2"
PROSE = "Bonjour, je vous écris parce que mon médecin m'a parlé de plusieurs examens. "
# What a client may send within the limits that costs the most to read (docs/channels.md, Limits):
# 2,000 characters each.
COSTLY_MESSAGES = [
    "😀" * 2000,
    "!?" * 1000,
    (PROSE * 30)[:1960] + " Combien dure une biopsie ?",
    "a " * 999,
]
QUESTION = "À quoi sert une angiographie ?"


class SourceAddress(HTTPAdapter):
    """Every connection of a requests session from this local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


# A browser's socket.io-client sends JSON.stringify's UTF-8: 2,000 emoji are 8 kB. python-socketio's
# default json.dumps escapes each as \ud83d\ude00 (24 kB), which the server refuses as too large.
BROWSER_JSON = SimpleNamespace(
    dumps=lambda value, **options: json.dumps(value, **{**options, "ensure_ascii": False}),
    loads=json.loads,
)


def chat_from(url: str, address: str, session_id: Optional[str] = None) -> SocketChat:
    """A client from `address`, encoding its events as a browser does (BROWSER_JSON; python-socketio
    sets it for every client of this process)."""
    session = requests.Session()
    session.mount("http://", SourceAddress(address))
    return SocketChat(url, session_id=session_id, http_session=session, json=BROWSER_JSON)


class Abuser:
    """`connections` socket.io connections from one address, each sending COSTLY_MESSAGES in turn as
    fast as the per-connection limits allow: its burst at once (one turn at a time: each message
    once the previous one is acknowledged), then one every 60 / messages_per_minute seconds."""

    def __init__(
        self,
        url: str,
        connections: int,
        messages_per_minute: float = 30,
        burst: int = 10,
        address: str = ABUSER_ADDRESS,
    ) -> None:
        self.url, self.address = url, address
        self.connections, self.interval, self.burst = connections, 60 / messages_per_minute, burst
        self.stopping = threading.Event()
        self.threads: List[threading.Thread] = []
        self.chats: List[SocketChat] = []
        self.lock = threading.Lock()
        self.sent = 0
        self.acknowledged: Dict[int, int] = {}  # replies per message -> how many messages

    def start(self) -> None:
        for _ in range(self.connections):
            try:
                self.chats.append(chat_from(self.url, self.address))
            except Exception:
                break  # the address's connection limit
        for number, chat in enumerate(self.chats):
            thread = threading.Thread(target=self._send, args=(chat, number), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _send(self, chat: SocketChat, number: int) -> None:
        count = 0
        # The session_request took one message of the connection's burst.
        next_at = time.monotonic()
        while not self.stopping.is_set():
            if count >= self.burst - 1:
                delay = next_at - time.monotonic()
                if delay > 0 and self.stopping.wait(delay):
                    return
                next_at = max(next_at, time.monotonic()) + self.interval
            text = COSTLY_MESSAGES[(number + count) % len(COSTLY_MESSAGES)]
            acknowledged: queue.Queue = queue.Queue()
            try:
                message = {"message": text, "session_id": chat.session_id}
                chat.client.emit("user_uttered", message, callback=acknowledged.put)
                replies = acknowledged.get(timeout=120)
            except Exception:
                return
            count += 1
            with self.lock:
                self.sent += 1
                self.acknowledged[replies] = self.acknowledged.get(replies, 0) + 1
            while not chat.received.empty():
                chat.received.get()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(130)
        for chat in self.chats:
            try:
                chat.close()
            except Exception:
                pass


def answer_times(
    url: str, questions: int, address: str = PATIENT_ADDRESS, pause: float = 0.3, timeout: float = 120
) -> List[float]:
    """Seconds from sending QUESTION to its last reply (the turn acknowledged), one question at a
    time, on a new connection every 8 questions (under the per-connection burst). A question not
    answered (no connection, or no answer within `timeout`) counts as the seconds it was waited for."""
    times: List[float] = []
    chat = None
    for number in range(questions):
        started = time.monotonic()
        try:
            if number % 8 == 0 or chat is None:
                if chat is not None:
                    chat.close()
                chat = None
                chat = chat_from(url, address)
                chat.say("bonjour", timeout=timeout)  # the disclaimer, once per conversation
                started = time.monotonic()
            if not chat.say(QUESTION, timeout=timeout):
                raise RuntimeError("no answer")
        except Exception:
            if chat is not None:
                try:
                    chat.close()
                except Exception:
                    pass
            chat = None
        times.append(time.monotonic() - started)
        time.sleep(pause)
    if chat is not None:
        chat.close()
    return times


def median(values: List[float]) -> float:
    return statistics.median(values) if values else float("nan")
