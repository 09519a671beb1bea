"""Who may talk to the Rasa server: CORS origins, and the HTTP API behind a token."""

from __future__ import annotations

import subprocess
import uuid

import pytest
import requests

from harness.servers import REPO_ROOT, RunningAssistant, every_command_line, listening_addresses, wait_for
from harness.socket_chat import SocketChat

OTHER_SITE = "https://another-site.example"


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/socket.io/?EIO=4&transport=polling"])
def test_cors_allows_the_chat_page_and_no_other_site(assistant: RunningAssistant, path):
    def preflight(origin: str) -> requests.Response:
        return requests.options(
            assistant.url + path,
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=10,
        )

    page_origin = assistant.page_url
    assert preflight(page_origin).headers.get("Access-Control-Allow-Origin") == page_origin
    assert "Access-Control-Allow-Origin" not in preflight(OTHER_SITE).headers


def test_the_http_api_is_off_by_default(assistant: RunningAssistant):
    assert requests.get(f"{assistant.url}/status", timeout=10).status_code == 404


REST_TOKEN = "rest-token-91c2"


def test_the_http_api_and_the_rest_channel_need_their_tokens(tmp_path, sender, knowledge):
    token = "test-token-7f3a"
    running = RunningAssistant(tmp_path, ENABLE_API="true", RASA_AUTH_TOKEN=token, REST_TOKEN=REST_TOKEN)
    running.start()
    try:
        rest = f"{running.url}/webhooks/rest/webhook"
        body = {"sender": sender, "message": "À quoi sert une biopsie ?"}
        refused = requests.post(rest, json=body, timeout=10)
        assert refused.status_code == 401 and "REST_TOKEN" in refused.json()["error"]
        for header in ("Bearer guess", f"Basic {REST_TOKEN}", REST_TOKEN, f"Bearer {REST_TOKEN}x"):
            wrong = requests.post(rest, json=body, headers={"Authorization": header}, timeout=10)
            assert wrong.status_code == 401, header
        replies = running.say(body["message"], sender)
        assert knowledge.procedure("biopsie").facts.purpose.answer in replies[-1]["text"]
        # The web chat's channel is not the integrators' one: no token there.
        chat = SocketChat(running.url)
        try:
            assert chat.say("À quoi sert une biopsie ?")
        finally:
            chat.close()
        # Neither token is on a command line that any user of the machine can read (ps).
        command_lines = every_command_line()
        assert any("rasa_server.py" in line for line in command_lines), "the Rasa server runs"
        assert not any(token in line or REST_TOKEN in line for line in command_lines)


        assert requests.get(f"{running.url}/status", timeout=10).status_code == 401
        wrong = requests.get(f"{running.url}/status", params={"token": "guess"}, timeout=10)
        assert wrong.status_code == 401
        right = requests.get(f"{running.url}/status", params={"token": token}, timeout=10)
        assert right.status_code == 200 and right.json()["model_file"]
    finally:
        running.stop()


def test_the_http_api_is_refused_without_a_token():
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "run.sh")],
        env={"PATH": "/usr/bin:/bin", "ENABLE_API": "true"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "RASA_AUTH_TOKEN" in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_rest_is_not_opened_to_other_machines_without_a_token(host):
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "run.sh")],
        env={"PATH": "/usr/bin:/bin", "HOST": host},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "REST_TOKEN" in result.stderr


LOOPBACK, EVERY_INTERFACE = "127.0.0.1", "0.0.0.0"


def test_the_action_server_stays_on_loopback_when_the_others_listen_on_every_interface(tmp_path, sender):
    running = RunningAssistant(
        tmp_path, HOST="0.0.0.0", REST_TOKEN=REST_TOKEN, BOT_URL="https://assistant.clinique.example"
    )
    running.start()
    try:
        assert listening_addresses(running.rasa_port) == {EVERY_INTERFACE}
        assert listening_addresses(running.web_port) == {EVERY_INTERFACE}
        assert listening_addresses(running.action_port) == {LOOPBACK}
        assert running.say("À quoi sert une biopsie ?", sender)[-1]["text"]  # the actions answer
    finally:
        running.stop()


def test_a_failed_action_call_is_answered_without_the_request(assistant: RunningAssistant):
    marker = uuid.uuid4().hex[:12]
    # No tracker: the action fails. rasa_sdk's own 500 echoed the whole request.
    call = {"next_action": "action_answer", "sender_id": marker, "note": f"x{marker}"}
    response = requests.post(f"http://127.0.0.1:{assistant.action_port}/webhook", json=call, timeout=10)
    assert response.status_code == 500
    assert response.json() == {"error": "the action failed"}
    assert marker not in response.text
    wait_for(lambda: "An action call failed" in assistant.log_text(), "the failure is logged")
    assert marker not in assistant.log_text()
