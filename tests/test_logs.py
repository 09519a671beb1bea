"""What patients type stays out of the servers' logs (INFO level, the default)."""

from __future__ import annotations

import time
import uuid

import requests

from harness.socket_chat import SocketChat


def test_messages_typed_by_patients_are_not_logged(assistant, sender):
    marker = uuid.uuid4().hex[:10]
    typed = [
        f"je m'appelle Jeanne Martin{marker} et j'ai peur de la biopsie",
        f"ma fille {marker} doit avoir une néphrostomie, ça dure combien ?",
        f"<b>{marker}</b>",
        f"{marker} " * 400,  # too long: answered without being parsed
    ]
    for text in typed:
        assistant.say(text, sender)
    malformed = {"sender": sender, "message": 42}
    requests.post(f"{assistant.url}/webhooks/rest/webhook", json=malformed, timeout=10)
    chat = SocketChat(assistant.url)
    try:
        chat.say(f"est-ce que {marker} on m'endort ?")
        chat.send({"message": f"sans session {marker}"}, timeout=10)
    finally:
        chat.close()
    time.sleep(1)  # let the servers write their last lines

    log = assistant.log_text()
    assert "Rasa server is up and running" in log, "the log is the servers' output"
    assert marker not in log
