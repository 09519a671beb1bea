"""How the Rasa server calls the action server: an explicit timeout, and a
response check built once.

Each patches a Rasa 3.6 constant or method (none is configurable there); `patches.apply_all()`
applies them when a Rasa process starts.

- Timeout: Rasa waits up to five minutes for the action server (a constant,
  RasaHQ/rasa#9789); a patient would wait that long. ACTION_TIMEOUT_SECONDS
  (default 5) sets it; the channels then apologise (never_silent.py).
- Failure logs: when the action server answers with an error, Rasa logs the
  error with the whole response body; rasa_sdk's 500 body holds the request,
  that is the full tracker: every message of the conversation. The body is
  kept on the exception (Rasa reads a 400's body to reject an action) but no
  longer written into its message, so no log line holds it.
- Response check: Rasa validates every action-server response with
  `jsonschema.validate`, which checks the schema itself again each time:
  about 20 ms of CPU per message, a third of the whole turn (bench/profile_message.py).
  Here the validators are built once, and each event is checked against the
  one branch of the schema's `oneOf` that its "event" names (every branch
  requires its own "event" value, so no other branch can match): the same
  responses accepted and refused, in about 0.1 ms instead of 20.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Dict

import rasa.core.actions.action
import rasa.utils.endpoints
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

import settings


def action_timeout_seconds() -> float:
    """ACTION_TIMEOUT_SECONDS (settings.py); a wrong value stops the server with its message."""
    try:
        return settings.load().action_timeout_seconds
    except settings.SettingsError as problem:
        raise SystemExit(str(problem)) from None


def apply_action_timeout() -> float:
    """Sets how long the Rasa server waits for the action server, in seconds."""
    seconds = action_timeout_seconds()
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds
    return seconds


def _error_without_body(self, status: int, message: str, text: Any) -> None:
    """ClientResponseError.__init__ that leaves the body out of the message (and so of logs)."""
    self.status = status
    self.message = message
    self.text = text
    size = len(text) if isinstance(text, (bytes, str)) else 0
    Exception.__init__(self, f"{status}, {message}, body of {size} bytes not logged")


def keep_response_bodies_out_of_logs() -> None:
    rasa.utils.endpoints.ClientResponseError.__init__ = _error_without_body


class ResponseCheck:
    """RemoteAction.action_response_format_spec(), with each event checked against its own branch."""

    def __init__(self, spec: Dict[str, Any]) -> None:
        event_schema = spec["properties"]["events"]["items"]
        branches = event_schema["oneOf"]
        # The shortcut holds only if every branch pins "event" to its own value.
        types = [branch["properties"]["event"]["const"] for branch in branches]
        if len(set(types)) != len(types):
            raise ValueError("two branches of the action response schema share an event type")
        common = {key: value for key, value in event_schema.items() if key != "oneOf"}
        response = copy.deepcopy(spec)
        response["properties"]["events"]["items"] = common
        self.response = _validator(response)
        self.by_event_type = {
            type_: _validator(branch) for type_, branch in zip(types, branches, strict=True)
        }

    def validate(self, result: Any) -> None:
        self.response.validate(result)  # the response's shape and each event's common fields
        if not isinstance(result, dict):
            return
        for event in result.get("events") or []:
            branch = self.by_event_type.get(event["event"])
            if branch is None:
                raise ValidationError(f"{event['event']!r} is not a known event type")
            branch.validate(event)


def _validator(schema: Dict[str, Any]):
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: RemoteAction, result: Dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, with the validators built once (see ResponseCheck)."""
    try:
        _response_check().validate(result)
    except ValidationError as error:
        # Rasa's own wording, so the logs read the same.
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from "
            f"the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


@functools.lru_cache(maxsize=1)
def _response_check() -> ResponseCheck:
    return ResponseCheck(RemoteAction.action_response_format_spec())


def build_response_check_once() -> None:
    """Installs validate_action_result (`patches.apply_all` checks the Rasa version first)."""
    _response_check()
    RemoteAction._validate_action_result = validate_action_result
