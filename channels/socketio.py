"""The socketio channel (used by the web chat), with the same checks as REST.

Same events and path as Rasa's `socketio` channel, but:
- `sio.enter_room` is awaited when it is a coroutine: Rasa 3.6 calls it
  without `await`, so with python-socketio >= 5.10 and session persistence
  the client never joins its room and never sees a reply (RasaHQ/rasa#13027);
- a malformed event, a missing session id or a message too long to be a
  question gets a polite reply instead of an exception or silence;
- control characters are removed, button payloads checked, personal details
  masked (and the patient reminded once not to write them);
- a turn that produced no answer (action server down or slow) gets an apology.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.incoming import (
    TOO_LONG_REPLY,
    UNREADABLE_REPLY,
    InvalidRequest,
    checked_sender,
    parse_socketio_message,
)
from channels.never_silent import handle_with_apology
from channels.personal_data import REMINDER, reminded_before

logger = logging.getLogger(__name__)


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socketio output, counting what it sends during one turn."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        self.sent += 1
        await super().send_custom_json(recipient_id, json_message, **kwargs)


async def enter_room(sio: AsyncServer, sid: str, room: str) -> None:
    # A plain call before python-socketio 5.10, a coroutine since.
    joined = sio.enter_room(sid, room)
    if inspect.isawaitable(joined):
        await joined


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS is left to the Rasa server's --cors option, as in Rasa's channel.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        # Rasa reads it back to send messages outside a turn (e.g. reminders).
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: Dict, auth: Optional[Dict]) -> bool:
            # The Rasa server's app, to read a conversation's tracker (personal data reminder).
            request = environ.get("sanic.request")
            if request is not None:
                self.agent = getattr(request.app.ctx, "agent", None)
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            if not token:
                return False
            return bool(decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            try:
                session_id = checked_sender(requested, "session_id")
            except InvalidRequest:
                # No usable id (first visit, or a malformed one): a new conversation.
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await enter_room(sio, sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                incoming = parse_socketio_message(data, sid, self.session_persistence)
            except InvalidRequest as problem:
                logger.warning("Malformed socketio message from %s: %s", sid, problem)
                unreadable = {"text": UNREADABLE_REPLY}
                await sio.emit(self.bot_message_evt, unreadable, room=sid, namespace=self.namespace)
                return
            if self.session_persistence:
                # Joining again is harmless, and covers a client that reconnected
                # without a new session_request: its replies go to this room.
                await enter_room(sio, sid, incoming.sender)

            output = CountingSocketIOOutput(sio, self.bot_message_evt)
            if incoming.too_long:
                await output.send_text_message(incoming.sender, TOO_LONG_REPLY)
                return
            agent = getattr(self, "agent", None)
            remind = incoming.masked and not await reminded_before(agent, incoming.sender)
            metadata = data.get(self.metadata_key)
            message = UserMessage(
                incoming.text,
                output,
                incoming.sender,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else None,
            )
            await handle_with_apology(on_new_message, message, replied=lambda: output.sent > 0)
            if remind:
                await output.send_text_message(incoming.sender, REMINDER)

        return socketio_webhook
