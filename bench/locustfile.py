"""Locust load test of the assistant: patients over REST and over socketio (web chat).

Run through bench/load_test.sh, which installs Locust in its own venv (.venv-load: Locust's
dependencies conflict with Rasa's) and starts the servers. By hand, against running servers:

    .venv-load/bin/locust -f bench/locustfile.py --headless -u 20 -r 5 --run-time 2m \
        --host http://127.0.0.1:5005

Each simulated patient has short conversations (a new sender every few messages): three
questions answered by custom actions, then "merci" or "au revoir" (domain responses), with a
think time between messages (--think-min/--think-max seconds).

- RestUser: POST /webhooks/rest/webhook; a failure is a non-200, a body that is not a JSON
  list, or an empty list.
- SocketIOUser: python-socketio client, HTTP long-polling only (Rasa's Sanic cannot upgrade to
  websocket); per conversation a `session_request`/`session_confirm`, then `user_uttered`.
  Response time = `user_uttered` sent -> first `bot_uttered` received; no reply within
  --reply-timeout seconds is a failure.
"""

from __future__ import annotations

import random
import time
import uuid

import engineio.client
import gevent
import socketio
from gevent.queue import Empty, Queue
from locust import HttpUser, User, events, task
from messages import ACTION_MIX, RESPONSE_MIX

QUESTIONS_PER_CONVERSATION = 3


class _EngineIOQueue(Queue):
    """engineio's client sets `queue.Empty` on its queue objects, which gevent's compiled queue
    (what `queue.Queue` is once Locust has monkey-patched the standard library) refuses."""

    Empty = Empty


engineio.client.Client.create_queue = lambda self, *args, **kwargs: _EngineIOQueue(*args, **kwargs)
CLOSINGS = [text for text in RESPONSE_MIX if text in ("merci", "au revoir", "ok merci")]


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--think-min", type=float, default=0.5, help="min seconds between messages")
    parser.add_argument("--think-max", type=float, default=2.0, help="max seconds between messages")
    parser.add_argument("--reply-timeout", type=float, default=10.0, help="seconds before no reply fails")


def think(user: User) -> float:
    options = user.environment.parsed_options
    low = getattr(options, "think_min", 0.5)
    high = getattr(options, "think_max", 2.0)
    return random.uniform(low, high)


def reply_timeout(user: User) -> float:
    return getattr(user.environment.parsed_options, "reply_timeout", 10.0)


class Conversation:
    """The messages of one patient, conversation after conversation."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.pending: list = []
        self.sender = ""

    def next_message(self) -> tuple:
        """(text, True if it starts a new conversation)."""
        new = not self.pending
        if new:
            self.sender = f"{self.prefix}-{uuid.uuid4().hex[:12]}"
            self.pending = random.sample(ACTION_MIX, QUESTIONS_PER_CONVERSATION) + [random.choice(CLOSINGS)]
        return self.pending.pop(0), new


class RestUser(HttpUser):
    wait_time = think

    def on_start(self) -> None:
        self.conversation = Conversation("locust-rest")

    @task
    def send_message(self) -> None:
        text, _ = self.conversation.next_message()
        with self.client.post(
            "/webhooks/rest/webhook",
            json={"sender": self.conversation.sender, "message": text},
            name="REST: message -> replies",
            timeout=reply_timeout(self),
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            try:
                replies = response.json()
            except ValueError:
                response.failure("body is not JSON")
                return
            if not isinstance(replies, list) or not replies:
                response.failure(f"no reply to {text!r}")
            else:
                response.success()


class SocketIOUser(User):
    wait_time = think

    def on_start(self) -> None:
        self.conversation = Conversation("locust-sio")
        self.replies: Queue = Queue()
        self.confirms: Queue = Queue()
        self.sio = None
        self._connect()

    def on_stop(self) -> None:
        if self.sio is not None:
            try:
                self.sio.disconnect()
            except Exception:
                pass

    def _fire(self, name: str, started: float, length: int = 0, exception=None) -> None:
        self.environment.events.request.fire(
            request_type="socketio",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=exception,
            context={},
        )

    def _connect(self) -> bool:
        client = socketio.Client(reconnection=False)
        client.on("bot_uttered", lambda data: self.replies.put((time.perf_counter(), data)))
        client.on("session_confirm", lambda data: self.confirms.put(data))
        started = time.perf_counter()
        try:
            client.connect(
                self.host,
                transports=["polling"],
                socketio_path="socket.io",
                wait_timeout=reply_timeout(self),
            )
        except Exception as error:
            self._fire("socketio: connect", started, exception=error)
            self.sio = None
            return False
        self._fire("socketio: connect", started)
        self.sio = client
        return True

    def _new_session(self) -> bool:
        while not self.confirms.empty():
            self.confirms.get_nowait()
        started = time.perf_counter()
        self.sio.emit("session_request", {"session_id": self.conversation.sender})
        try:
            # The server hands out the session id (channels/socketio.py): speak in that one.
            self.conversation.sender = self.confirms.get(timeout=reply_timeout(self))
        except Empty:
            self._fire("socketio: session_request -> session_confirm", started, exception=TimeoutError())
            return False
        self._fire("socketio: session_request -> session_confirm", started)
        return True

    @task
    def send_message(self) -> None:
        if (self.sio is None or not self.sio.connected) and not self._connect():
            gevent.sleep(1)
            return
        text, new = self.conversation.next_message()
        if new and not self._new_session():
            self.conversation.pending = []
            return
        # Replies still arriving from the previous message are not this message's reply.
        while not self.replies.empty():
            self.replies.get_nowait()
        started = time.perf_counter()
        try:
            self.sio.emit("user_uttered", {"message": text, "session_id": self.conversation.sender})
            received, data = self.replies.get(timeout=reply_timeout(self))
        except Empty:
            self._fire("socketio: user_uttered -> first bot_uttered", started, exception=TimeoutError(text))
            return
        except Exception as error:  # disconnected while sending
            self._fire("socketio: user_uttered -> first bot_uttered", started, exception=error)
            return
        text_length = len((data or {}).get("text") or "")
        self.environment.events.request.fire(
            request_type="socketio",
            name="socketio: user_uttered -> first bot_uttered",
            response_time=(received - started) * 1000,
            response_length=text_length,
            exception=None if text_length else ValueError("bot_uttered without text"),
            context={},
        )
