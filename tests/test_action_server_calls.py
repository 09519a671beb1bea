"""How the Rasa server calls the action server (patches/action_server.py)."""

from __future__ import annotations

import jsonschema
import pytest
import rasa.core.actions.action
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from patches import apply_all
from patches.action_server import action_timeout_seconds, apply_action_timeout, validate_action_result

pytestmark = pytest.mark.unit

VALID = {
    "events": [{"event": "slot", "name": "procedure", "value": "biopsie"}],
    "responses": [{"text": "Bonjour", "buttons": []}],
}


@pytest.fixture(autouse=True, scope="module")
def patched_rasa():
    """As scripts/rasa_server.py starts every Rasa server."""
    apply_all()


def test_the_rasa_server_gets_the_response_check_built_once():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_action_response_passes():
    assert RemoteAction(name="action_answer", action_endpoint=None)._validate_action_result(VALID)


@pytest.mark.parametrize(
    "response",
    [
        {"events": "not a list"},
        {"events": [{"name": "no event type"}]},
        {"events": [{"event": "slot", "name": "procedure", "timestamp": "yesterday"}]},
    ],
)
def test_an_invalid_action_response_is_refused_as_rasa_does(response):
    with pytest.raises(ValidationError) as error:
        RemoteAction(name="action_answer", action_endpoint=None)._validate_action_result(response)
    assert "Failed to validate Action server response" in error.value.message


# Responses an action server could send, valid and not: the check must accept and refuse exactly
# what Rasa's own `jsonschema.validate` with the whole schema accepts and refuses.
RESPONSES = [
    VALID,
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "bot", "text": "Bonjour", "data": {"buttons": []}, "metadata": {}}]},
    {"events": [{"event": "slot", "name": "aspects", "value": None, "timestamp": None}]},
    {"events": [{"event": "followup", "name": "action_listen"}, {"event": "restart"}]},
    {"events": [{"event": "user", "text": "oui", "parse_data": {"intent": {"name": "affirm"}}}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "reset_slots"}]},
    {"events": [{"event": "slot", "name": "procedure"}]},  # no value
    {"events": [{"event": "slot", "value": "x"}]},  # no name
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": 3}]},
    {"events": [{"event": "bot", "text": 3}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "procedure"}]}}]},
    {"events": [{"event": "entities", "entities": "biopsie"}]},
    {"events": [VALID["events"][0], {"event": "slot", "name": "x", "value": 1, "metadata": "m"}]},
    {"events": [], "responses": ["text"]},
    {"events": ["slot"]},
    ["events"],
]


@pytest.mark.parametrize("response", RESPONSES)
def test_the_response_check_agrees_with_rasas_full_schema_check(response):
    try:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
        rasa_accepts = True
    except ValidationError:
        rasa_accepts = False
    action = RemoteAction(name="action_answer", action_endpoint=None)
    if rasa_accepts:
        assert action._validate_action_result(response)
    else:
        with pytest.raises(ValidationError):
            action._validate_action_result(response)


def test_the_action_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "2.5")
    assert apply_action_timeout() == 2.5
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 2.5
    monkeypatch.delenv("ACTION_TIMEOUT_SECONDS")
    assert apply_action_timeout() == 5.0


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_a_wrong_action_timeout_stops_with_a_clear_message(monkeypatch, value):
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", value)
    with pytest.raises(SystemExit) as stop:
        action_timeout_seconds()
    assert "ACTION_TIMEOUT_SECONDS" in str(stop.value)
