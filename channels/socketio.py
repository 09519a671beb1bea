"""The socketio channel (used by the web chat), with the same checks as REST.

Same events and path as Rasa's `socketio` channel, but:
- `sio.enter_room` is awaited when it is a coroutine: Rasa 3.6 calls it
  without `await`, so with python-socketio >= 5.10 and session persistence
  the client never joins its room and never sees a reply (RasaHQ/rasa#13027);
- a malformed event, a missing session id or a message too long to be a
  question gets a polite reply instead of an exception or silence;
- control characters are removed, button payloads checked, personal details
  masked (and the patient reminded once not to write them);
- a turn that produced no answer (action server down or slow) gets an apology;
- limits (socket.io has none of its own that fit a public site):
  * an event over 16 kB is refused before it is read (python-engineio's
    `max_http_buffer_size`; long-polling is the only transport offered);
  * a browser page may connect only from an origin of CORS_ORIGINS (the
    `Origin` header; clients that send none, like python-socketio, are not browsers);
  * at most SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS connections (30) from one address;
  * one turn at a time per connection, and at most SOCKETIO_MESSAGES_PER_MINUTE
    (30, bursts of BURST_MESSAGES = 10) per connection and per session; a message over
    either gets one polite reply and is not processed;
  * each message's work is charged to its sender's address, which may spend
    SOCKETIO_WORK_PER_ADDRESS units a minute (channels/rates.py): a message over it gets
    one polite reply and is not processed;
  * session ids are bearer secrets the server hands out, each held by one connection at a
    time; a session_request with a valid id takes the session over (channels/sessions.py),
    and a connection may only speak in the session it holds;
  * only known metadata keys (`customData.language`) are stored in the tracker;
  * a packet that is not the chat's protocol (undecodable, nested too deep, binary...) or an
    unknown event is refused without a traceback and counted against the connection's rate
    (channels/socketio_packets.py); one log line for the first on a connection, and the
    connection is closed once it is over its rate.
"""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

import settings
from channels.incoming import (
    BUSY_ADDRESS_REPLY,
    BUSY_REPLY,
    TAKEN_OVER_REPLY,
    TOO_FAST_REPLY,
    TOO_LONG_REPLY,
    UNREADABLE_REPLY,
    InvalidRequest,
    checked_message,
    socketio_sender,
)
from channels.never_silent import handle_with_apology
from channels.personal_data import reminded_before, reminder
from channels.rates import AddressBudgets, TokenBucket, message_cost
from channels.sessions import Sessions, accepted_session_id, looks_like_session_id
from channels.socketio_packets import MALFORMED_EVENT, CheckedPacket, guard_requests

logger = logging.getLogger(__name__)

# Bytes of one socket.io event (a 2,000-character message is at most 8 kB in UTF-8).
MAX_EVENT_BYTES = 16 * 1024
# Messages at once; SOCKETIO_MESSAGES_PER_MINUTE (settings.py) over time: far more than anyone
# types or clicks; what stops a flood is one turn at a time.
BURST_MESSAGES = 10
# customData keys kept in the tracker, with their longest value.
METADATA_KEYS = {"language": 16}


def message_bucket(per_minute: int) -> TokenBucket:
    """BURST_MESSAGES at once, `per_minute` over time."""
    return TokenBucket(BURST_MESSAGES, per_minute)


def known_metadata(metadata: Any) -> Optional[Dict[str, str]]:
    if not isinstance(metadata, dict):
        return None
    kept = {
        key: value
        for key, longest in METADATA_KEYS.items()
        if isinstance(value := metadata.get(key), str) and len(value) <= longest
    }
    return kept or None


@dataclass
class Connection:
    """What the server keeps about one socket.io connection."""

    address: str
    # Every event of the connection (messages, session requests, malformed packets).
    events: TokenBucket
    # The session this connection holds (None before its session_request, or once taken over).
    session_id: Optional[str] = None
    # The session another connection took over from this one: its messages get TAKEN_OVER_REPLY.
    taken_over: Optional[str] = None
    in_turn: bool = False
    warned: bool = False
    # A malformed packet or unknown event was logged for this connection (one line, not one each).
    malformed_logged: bool = False

    def take_token(self) -> bool:
        return self.events.take()


class SessionTakenOver(Exception):
    """The message is for a session another connection has taken over (a reload, another tab)."""


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socketio output, counting what it sends during one turn.

    A message the action marked `offer_feedback` (an answer about one aspect of a procedure: a fact
    or "not stated") goes out with `"feedback": true` on its last part: the web chat shows its two
    feedback buttons under it. Other channels ignore the mark.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0
        self._held: Optional[List[Tuple[str, Any]]] = None

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        if message.get("offer_feedback") is not True:
            await super().send_response(recipient_id, message)
            return
        # Rasa splits a text into several messages: hold them to flag the last one.
        self._held = []
        try:
            await super().send_response(recipient_id, message)
            held = self._held
        finally:
            self._held = None
        if held and isinstance(held[-1][1], dict):
            held[-1] = (held[-1][0], {**held[-1][1], "feedback": True})
        for socket_id, part in held:
            await self._send_message(socket_id, part)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if self._held is not None:
            self._held.append((socket_id, response))
            return
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        self.sent += 1
        await super().send_custom_json(recipient_id, json_message, **kwargs)


async def enter_room(sio: AsyncServer, sid: str, room: str, namespace: Optional[str]) -> None:
    # A plain call before python-socketio 5.10, a coroutine since.
    joined = sio.enter_room(sid, room, namespace=namespace)
    if inspect.isawaitable(joined):
        await joined


async def leave_room(sio: AsyncServer, sid: str, room: str, namespace: Optional[str]) -> None:
    left = sio.leave_room(sid, room, namespace=namespace)
    if inspect.isawaitable(left):
        await left


class SocketIOEvents:
    """The handlers of one socketio channel's events, and what they share: the connections, the
    connections per address, the sessions and the work budgets of the addresses."""

    def __init__(
        self,
        channel: CheckedSocketIOInput,
        sio: AsyncServer,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        self.channel, self.sio, self.on_new_message = channel, sio, on_new_message
        self.namespace = channel.namespace
        limits = settings.load()
        self.origins = frozenset(limits.allowed_origins)
        self.max_per_address = limits.socketio_max_connections_per_address
        self.per_minute = limits.socketio_messages_per_minute
        self.connections: Dict[str, Connection] = {}
        self.per_address: Counter = Counter()
        self.sessions = Sessions(lambda: message_bucket(self.per_minute))
        self.budgets = AddressBudgets(limits.socketio_work_per_address)

    def register(self) -> None:
        on = {"namespace": self.namespace}
        self.sio.on("connect", **on)(self.connect)
        self.sio.on("disconnect", **on)(self.disconnect)
        self.sio.on("session_request", **on)(self.session_request)
        self.sio.on(MALFORMED_EVENT, **on)(self.malformed)
        self.sio.on("*", **on)(self.unknown_event)
        self.sio.on(self.channel.user_message_evt, **on)(self.handle_message)
        guard_requests(self.sio.eio, MAX_EVENT_BYTES, self.malformed_request)

    async def connect(self, sid: str, environ: Dict, auth: Optional[Dict]) -> bool:
        request = environ.get("sanic.request")
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin not in self.origins:
            logger.warning("socketio connection refused: origin not in CORS_ORIGINS")
            return False
        # The peer, or the client behind a trusted proxy (SANIC_PROXIES_COUNT / REAL_IP_HEADER).
        address = (request.remote_addr or request.ip) if request is not None else "unknown"
        if self.per_address[address] >= self.max_per_address:
            logger.warning("socketio connection refused: %s from one address already", self.max_per_address)
            return False
        channel = self.channel
        if channel.jwt_key:
            token = auth.get("token") if isinstance(auth, dict) else None
            if not token or not decode_bearer_token(token, channel.jwt_key, channel.jwt_algorithm):
                return False
        if request is not None:
            # The Rasa server's agent, to read a conversation's tracker (personal data reminder).
            channel.agent = getattr(request.app.ctx, "agent", None)
        self.per_address[address] += 1
        self.connections[sid] = Connection(address, message_bucket(self.per_minute))
        self.budgets.forget_idle(self.per_address)
        self.sessions.forget_idle()
        return True

    async def disconnect(self, sid: str) -> None:
        connection = self.connections.pop(sid, None)
        if connection is not None:
            self.sessions.release(connection.session_id, sid)
            self.per_address[connection.address] -= 1
            if self.per_address[connection.address] <= 0:
                del self.per_address[connection.address]

    async def hold(self, sid: str, connection: Connection, session_id: str) -> None:
        """This connection now holds the session, alone: the one that held it leaves its room."""
        if connection.session_id not in (None, session_id):
            self.sessions.release(connection.session_id, sid)
            await leave_room(self.sio, sid, connection.session_id, self.namespace)
        previous = self.sessions.hold(session_id, sid)
        if previous is not None:
            await leave_room(self.sio, previous, session_id, self.namespace)
            taken_from = self.connections.get(previous)
            if taken_from is not None:
                taken_from.session_id, taken_from.taken_over = None, session_id
            logger.info("socketio: a session was taken over by a new connection")
        await enter_room(self.sio, sid, session_id, self.namespace)
        connection.session_id, connection.taken_over = session_id, None

    async def session_request(self, sid: str, data: Any = None) -> None:
        connection = self.connections.get(sid)
        if connection is None:
            return
        # Counted for the connection, not for the address: a patient opening the page from a
        # busy network still gets a session (and the "busy network" reply to a message).
        if not connection.take_token():
            await self.refuse(sid, connection, TOO_FAST_REPLY)
            return
        requested = data.get("session_id") if isinstance(data, dict) else None
        if self.channel.session_persistence:
            # An id this server issued, or a socketio conversation of the tracker store; any
            # other (first visit, an id made up or mistyped) opens a new conversation.
            agent = getattr(self.channel, "agent", None)
            session_id = await accepted_session_id(self.sessions, agent, requested)
            await self.hold(sid, connection, session_id)
        else:
            # Rasa's channel without persistence: the conversation is the socket itself.
            session_id = self.sessions.issue()
            connection.session_id = session_id
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

    async def malformed_request(self, engineio_sid: str) -> None:
        sid = self.sio.manager.sid_from_eio_sid(engineio_sid, self.namespace or "/")
        if sid is not None:
            await self.refuse_malformed(sid)

    async def refuse_malformed(self, sid: str) -> None:
        """A malformed packet or an unknown event: counted against the connection's rate, logged
        once, and a connection that keeps sending them past its rate is closed."""
        connection = self.connections.get(sid)
        if connection is None:
            return
        if not connection.malformed_logged:
            connection.malformed_logged = True
            logger.warning(
                "socketio: a malformed packet or unknown event refused "
                "(further ones on this connection are counted, not logged)"
            )
        if not connection.take_token():
            await self.sio.disconnect(sid, namespace=self.namespace)

    async def malformed(self, sid: str, *_: Any) -> None:
        await self.refuse_malformed(sid)

    async def unknown_event(self, _event: str, sid: str, *_: Any) -> None:
        await self.refuse_malformed(sid)

    def checked_session(self, sid: str, connection: Connection, session_id: str) -> None:
        """The message's session is the one this connection holds, else InvalidRequest."""
        if not looks_like_session_id(session_id):
            raise InvalidRequest("'session_id' must be the id given in session_confirm")
        if session_id == connection.session_id and self.sessions.holder(session_id) == sid:
            return
        if session_id == connection.taken_over:
            raise SessionTakenOver()
        raise InvalidRequest("'session_id' is not the session this connection holds")

    async def unreadable(self, sid: str, problem: InvalidRequest) -> int:
        logger.warning("Malformed socketio message from %s: %s", sid, problem)
        reply = {"text": UNREADABLE_REPLY}
        await self.sio.emit(self.channel.bot_message_evt, reply, room=sid, namespace=self.namespace)
        return 1

    async def refuse(self, sid: str, connection: Connection, text: str) -> int:
        """One polite reply for a run of refused messages, not one per message."""
        if connection.warned:
            return 0
        connection.warned = True
        await self.sio.emit(self.channel.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)
        return 1

    async def handle_message(self, sid: str, data: Any = None) -> int:
        """Returns how many `bot_uttered` events the message got: a client that asks for an
        acknowledgement of `user_uttered` receives it once the turn is over (docs/channels.md)."""
        connection = self.connections.get(sid)
        if connection is None:
            return 0
        refused, sender = await self._refused(sid, connection, data)
        if refused is not None:
            return refused
        try:
            incoming = checked_message(sender, data.get("message"))
        except InvalidRequest as problem:
            return await self.unreadable(sid, problem)
        if not incoming.too_long:
            self.budgets.spend(connection.address, message_cost(incoming.words))
        connection.warned = False

        output = CountingSocketIOOutput(self.sio, self.channel.bot_message_evt)
        if incoming.too_long:
            await output.send_text_message(incoming.sender, TOO_LONG_REPLY)
            return output.sent
        connection.in_turn = True
        try:
            await self._answer(incoming, output, data)
        finally:
            connection.in_turn = False
        return output.sent

    async def _refused(self, sid: str, connection: Connection, data: Any) -> Tuple[Optional[int], str]:
        """(the replies sent for a message that is not processed: busy, too fast, not this
        connection's session, unreadable, its address out of work; or None), and its sender."""
        if connection.in_turn:
            return await self.refuse(sid, connection, BUSY_REPLY), ""
        if not connection.take_token():
            return await self.refuse(sid, connection, TOO_FAST_REPLY), ""
        persistence = self.channel.session_persistence
        try:
            sender = socketio_sender(data, sid, persistence)
            if persistence:
                self.checked_session(sid, connection, sender)
        except SessionTakenOver:
            return await self.refuse(sid, connection, TAKEN_OVER_REPLY), ""
        except InvalidRequest as problem:
            return await self.unreadable(sid, problem), ""
        if persistence and not self.sessions.take_message(sender):
            # Counted per conversation too: a reconnection does not start afresh.
            return await self.refuse(sid, connection, TOO_FAST_REPLY), sender
        # Before the text is read: reading it (cleaning, masking) is work too.
        if not self.budgets.has_credit(connection.address):
            return await self.refuse(sid, connection, BUSY_ADDRESS_REPLY), sender
        return None, sender

    async def _answer(self, incoming: Any, output: CountingSocketIOOutput, data: Any) -> None:
        """The turn, with an apology if it produced no answer, then the personal data reminder."""
        channel = self.channel
        agent = getattr(channel, "agent", None)
        remind = incoming.masked and not await reminded_before(agent, incoming.sender)
        message = UserMessage(
            incoming.text,
            output,
            incoming.sender,
            input_channel=channel.name(),
            metadata=known_metadata(data.get(channel.metadata_key)),
        )
        await handle_with_apology(self.on_new_message, message, replied=lambda: output.sent > 0)
        if remind:
            await output.send_text_message(incoming.sender, reminder())


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS headers are left to the Rasa server's --cors option, as in Rasa's
        # channel (two sets of headers would break browsers); the Origin itself
        # is checked on connect.
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            max_http_buffer_size=MAX_EVENT_BYTES,
            # Packets that are not the chat's protocol become one MALFORMED_EVENT each.
            serializer=CheckedPacket,
            # Long-polling only: its requests are checked before python-engineio reads them
            # (guard_requests); a WebSocket's frames would not be.
            transports=["polling"],
        )
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        # Rasa reads it back to send messages outside a turn (e.g. reminders).
        self.sio = sio
        SocketIOEvents(self, sio, on_new_message).register()

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        return socketio_webhook
