"""Every documented setting of scripts/run.sh reaches the server that reads it; settings.py checks them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import yaml

from harness.servers import REPO_ROOT, RunningAssistant, listening_addresses, port_is_open
from settings import Settings

DEFAULT_PORTS = {"RASA_PORT": 5005, "ACTION_PORT": 5055, "WEB_PORT": 8000}
# Another loopback address than 127.0.0.1: the Rasa server and the page listen there only; the
# action server stays on 127.0.0.1 whatever HOST is (scripts/action_server.py).
OTHER_LOOPBACK = "127.0.0.2"
LOOPBACK = "127.0.0.1"


def test_endpoints_take_the_action_server_and_the_tracker_store_from_the_environment():
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["url"] == "${ACTION_SERVER_URL}"
    assert endpoints["tracker_store"]["db"] == "${TRACKER_DB}"


def test_run_sh_on_other_ports_and_another_host_answers_through_the_action_server(
    tmp_path, sender, knowledge
):
    running = RunningAssistant(tmp_path, HOST=OTHER_LOOPBACK)
    assert {running.rasa_port, running.action_port, running.web_port}.isdisjoint(DEFAULT_PORTS.values())
    running.start()
    try:
        # Answered by a custom action: the Rasa server found the action server at ACTION_PORT.
        replies = running.say("À quoi sert une biopsie ?", sender)
        assert knowledge.procedure("biopsie").facts.purpose.answer in replies[-1]["text"]
        # The conversation went to TRACKER_DB.
        assert running.tracker_db.stat().st_size > 0
        for port in (running.rasa_port, running.web_port):
            assert not port_is_open(port), f"port {port} also open on 127.0.0.1: HOST was not used"
        assert listening_addresses(running.action_port) == {LOOPBACK}
    finally:
        running.stop()


def test_a_taken_port_stops_run_sh_with_a_failure_status_and_says_why(tmp_path):
    running = RunningAssistant(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", running.action_port))
        taken.listen()
        # The action server exits with status 0 when its port is taken: run.sh must not pass that on.
        with pytest.raises(RuntimeError, match=r"exited early \(status 1\)"):
            running.start()
    log = running.log.read_text(errors="replace")
    assert "address already in use" in log
    assert "A server stopped by itself" in log


def settings_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key.lower() not in Settings.__fields__}
    return subprocess.run(
        [sys.executable, "-m", "settings", *args],
        cwd=REPO_ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.unit
@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("RASA_PORT", "abc", "RASA_PORT must be a port number"),
        ("WEB_PORT", "70000", "WEB_PORT must be a port number"),
        ("ACTION_TIMEOUT_SECONDS", "-1", "ACTION_TIMEOUT_SECONDS must be a positive number"),
        ("SOCKETIO_MESSAGES_PER_MINUTE", "lots", "SOCKETIO_MESSAGES_PER_MINUTE must be a positive integer"),
        ("ENABLE_API", "maybe", "ENABLE_API must be true or false"),
        ("HOST", "0.0.0.0", "set REST_TOKEN"),
        ("ENABLE_API", "true", "needs RASA_AUTH_TOKEN"),
    ],
)
def test_a_wrong_setting_stops_the_scripts_with_one_line_naming_it(name, value, expected):
    result = settings_command("shell", **{name: value})
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and expected in result.stderr, result.stderr


@pytest.mark.unit
def test_the_scripts_get_every_default_and_a_blank_value_is_unset():
    result = settings_command("shell", RASA_PORT="", CORS_ORIGINS=" ")
    assert result.returncode == 0, result.stderr
    exported = dict(line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines())
    assert exported["RASA_PORT"] == "5005" and exported["ACTION_PORT"] == "5055"
    assert exported["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"
    assert exported["CORS_ORIGINS"] == "'http://localhost:8000 http://127.0.0.1:8000'"
    assert "REST_TOKEN" not in exported


@pytest.mark.unit
def test_importing_the_settings_reads_nothing():
    check = "import settings\ntry:\n    settings.load()\nexcept settings.SettingsError:\n    print('at load')"
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPO_ROOT,
        env={**os.environ, "RASA_PORT": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "at load"), result.stderr


@pytest.mark.unit
def test_the_documented_table_is_the_settings_module_s():
    documented = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert settings_command("table").stdout.strip() in documented
