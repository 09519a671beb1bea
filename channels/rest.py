"""The REST channel, with the request checked before it reaches the assistant.

Same URL and JSON contract as Rasa's `rest` channel
(POST /webhooks/rest/webhook, {"sender": ..., "message": ...}), but:
- a malformed body, sender or message gets a 400 with a clear message,
  instead of being processed (Rasa would use a shared "default" sender);
- control characters are removed, button payloads checked, personal details
  masked (and the patient reminded once not to write them);
- a message too long to be a question gets a polite reply without being parsed;
- a turn that produced no answer (action server down or slow) gets an apology;
- when REST_TOKEN is set, every message must carry it
  (`Authorization: Bearer <token>`), else 401: the REST channel is for
  integrators, and without a token anyone could read or continue any
  conversation by guessing its `sender`. scripts/run.sh refuses to listen on
  a non-loopback interface without one.
"""

from __future__ import annotations

import hmac
from typing import Awaitable, Callable, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

import settings
from channels.incoming import TOO_LONG_REPLY, InvalidRequest, parse_incoming
from channels.never_silent import handle_with_apology
from channels.personal_data import reminded_before, reminder


def rest_token() -> Optional[str]:
    return settings.load().rest_token


def carries_token(request: Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("checked_rest_webhook", __name__)
        token = rest_token()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if token and not carries_token(request, token):
                return response.json(
                    {"error": "this channel needs the header 'Authorization: Bearer <REST_TOKEN>'"},
                    status=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            try:
                body = request.json
            except InvalidUsage:
                return response.json({"error": "the body must be valid JSON"}, status=400)
            try:
                incoming = parse_incoming(body)
            except InvalidRequest as problem:
                return response.json({"error": str(problem)}, status=400)
            if incoming.too_long:
                return response.json([{"recipient_id": incoming.sender, "text": TOO_LONG_REPLY}])

            agent = getattr(request.app.ctx, "agent", None)
            remind = incoming.masked and not await reminded_before(agent, incoming.sender)
            collector = CollectingOutputChannel()
            message = UserMessage(
                incoming.text,
                collector,
                incoming.sender,
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            await handle_with_apology(on_new_message, message, replied=lambda: bool(collector.messages))
            if remind:
                await collector.send_text_message(incoming.sender, reminder())
            return response.json(collector.messages)

        return webhook
