"""Engine.IO requests and Socket.IO packets as the socketio channel accepts them.

python-socketio decodes each packet a client sends with `json.loads`, then dispatches it. A
packet it cannot decode or dispatch (an array nested 1,100 deep raises RecursionError, an event
name that is a list raises TypeError, a binary event waits for attachments) ends in an exception
that python-engineio logs with its whole traceback, about 20 lines a packet, and that no limit
counted: 30 such packets (65 kB) wrote 570 lines of log in 0.02 s.

`CheckedPacket` is the server's packet class (python-socketio's documented `serializer` argument,
not a patch): it decodes as python-socketio's own `Packet` does, then checks the packet's shape.
A packet that fails to decode, or that is not one the web chat's protocol uses, becomes the
event MALFORMED_EVENT on the default namespace, with no acknowledgement id: the channel's handler
for it (channels/socketio.py) counts it against the connection's rate limit, logs one line for the
first on a connection, and closes a connection that keeps sending them. Nothing else is logged.

One layer down, `guard_requests` checks each long-polling POST before python-engineio decodes
it: python-engineio logs a traceback for a body it cannot decode (a packet type that is not a
digit, a payload of more than 16 packets, JSON nested too deep in a control packet, a POST
without a session id). Such a request gets a 400 with nothing logged, and counts as a malformed
packet of the connection it names. Only long-polling is offered (`transports=["polling"]`): a
WebSocket would carry the same packets past this check.

Accepted (Engine.IO protocol 4 from a client: close, ping, pong, message, upgrade, noop, as text;
Socket.IO protocol 5, default namespace only, no binary packets):
- CONNECT, with no data or an object (the `auth` of the handshake);
- DISCONNECT;
- EVENT: a list whose first item is an event name (a string of at most 64 characters);
- ACK: a list;
and no value nested deeper than MAX_DEPTH lists or objects (the web chat's deepest is 3).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from sanic import response
from socketio import packet

logger = logging.getLogger(__name__)

MALFORMED_EVENT = "malformed packet"
MAX_DEPTH = 8
MAX_EVENT_NAME_CHARS = 64
_NAMESPACES = (None, "/")
# python-engineio refuses more (with a traceback).
MAX_PACKETS_PER_REQUEST = 16
# Engine.IO packets a client sends, as the first character of each; "4" is a message, whose data
# is a Socket.IO packet (starting with its own type, a digit). The others carry at most "probe".
_ENGINEIO_TYPES = frozenset("123456")
_MESSAGE = "4"
_MAX_CONTROL_DATA_CHARS = 16


def engineio_payload_ok(body: bytes) -> bool:
    """Whether a long-polling POST body is text packets python-engineio decodes without failing."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text or text.startswith("d="):  # empty, or JSONP, which the chat does not use
        return False
    packets = text.split("\x1e")
    if len(packets) > MAX_PACKETS_PER_REQUEST:
        return False
    for encoded in packets:
        if not encoded or encoded[0] not in _ENGINEIO_TYPES:
            return False
        if encoded[0] == _MESSAGE:
            if len(encoded) < 2 or not encoded[1].isdigit():
                return False
        elif len(encoded) > 1 + _MAX_CONTROL_DATA_CHARS:
            return False
    return True


def nested_within(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether no list or object in `value` lies deeper than `limit` (checked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return True


def well_formed(pkt: packet.Packet) -> bool:
    if pkt.namespace not in _NAMESPACES:
        return False
    data = pkt.data
    if pkt.packet_type == packet.CONNECT:
        shape = data is None or isinstance(data, dict)
    elif pkt.packet_type == packet.DISCONNECT:
        shape = data is None
    elif pkt.packet_type == packet.EVENT:
        shape = (
            isinstance(data, list)
            and bool(data)
            and isinstance(data[0], str)
            and 0 < len(data[0]) <= MAX_EVENT_NAME_CHARS
        )
    elif pkt.packet_type == packet.ACK:
        shape = isinstance(data, list)
    else:  # binary events and acknowledgements, CONNECT_ERROR from a client, unknown types
        shape = False
    return shape and nested_within(data)


class CheckedPacket(packet.Packet):
    """python-socketio's Packet; a packet that fails to decode or to check is MALFORMED_EVENT."""

    def decode(self, encoded_packet: Any) -> int:
        try:
            attachments = super().decode(encoded_packet)
            if attachments == 0 and well_formed(self):
                return 0
        except Exception:  # RecursionError, ValueError, TypeError...: all the same to the client
            pass
        self.packet_type = packet.EVENT
        self.namespace = "/"
        self.id = None
        self.data = [MALFORMED_EVENT]
        return 0


def guard_requests(
    eio: Any, max_body_bytes: int, on_malformed: Callable[[str], Awaitable[None]]
) -> None:
    """Checks the long-polling POSTs of this Engine.IO server (an AsyncServer's `eio`) first.

    A POST that is not well formed gets a 400 and `on_malformed(engineio_sid)`; one over
    `max_body_bytes` goes on to python-engineio, which refuses it and closes its connection.
    Any exception left is logged in one line instead of a traceback.
    """
    handle_request = eio.handle_request

    async def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
        sid = request.args.get("sid")
        if sid is not None:
            socket = eio.sockets.get(sid)
            if socket is None or socket.closed:
                # Closed or never opened: python-engineio would log it, or fail on a closed one.
                return response.text("Bad Request", status=400)
        if request.method == "POST":
            body = request.body or b""
            if not sid or "j" in request.args or (
                len(body) <= max_body_bytes and not engineio_payload_ok(body)
            ):
                if sid:
                    await on_malformed(sid)
                return response.text("Bad Request", status=400)
        try:
            return await handle_request(request, *args, **kwargs)
        except Exception as error:
            logger.warning("socketio: a request could not be handled (%s)", type(error).__name__)
            return response.text("Bad Request", status=400)

    # python-engineio returns nothing once a WebSocket it served closes (the patient closed the
    # tab); Sanic accepts that only from a handler marked as a WebSocket's, and otherwise logs a
    # ServerError traceback ("Invalid response type None") for every patient who leaves.
    guarded.is_websocket = True  # type: ignore[attr-defined]
    # An attribute of this server only: Engine.IO's route (attached with the blueprint) calls it.
    eio.handle_request = guarded
