"""Every documented setting of scripts/run.sh reaches the server that reads it."""

from __future__ import annotations

import socket

import pytest
import yaml

from harness.servers import REPO_ROOT, RunningAssistant, listening_addresses, port_is_open

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
