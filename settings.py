"""Every setting of the assistant, in one place: its environment variable, type, default and meaning.

The servers and commands read them at start-up with `load()`, which checks every value: a wrong
one stops them with one line naming the variable ("RASA_PORT must be a port number (1 to 65535),
not 'abc'"). scripts/run.sh, scripts/shell.sh and the Makefile's staff commands take their shell
defaults from `python -m settings shell` (scripts/settings.sh), checked the same way.
`python -m settings table` prints the table of docs/configuration.md ("Settings"), which
tests/test_settings.py checks against this module.

Nothing here runs at import: no variable is read or set until `load()` is called.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from pydantic import BaseSettings, Field, PositiveFloat, PositiveInt, ValidationError, conint

MAX_RETENTION_DAYS = 36500
Port = conint(ge=1, le=65535)
RetentionDays = conint(ge=1, le=MAX_RETENTION_DAYS)
# How a wrong value is described, by the setting's type.
EXPECTED = {
    Port: "a port number (1 to 65535)",
    PositiveInt: "a positive integer",
    PositiveFloat: "a positive number",
    bool: "true or false",
    RetentionDays: f"a positive integer (days, at most {MAX_RETENTION_DAYS})",
}


class SettingsError(Exception):
    """A setting has a wrong value; the message names the variable."""


class Settings(BaseSettings):
    """The environment variables the assistant reads (case-insensitive). Each field's
    `description` is the "what" column of the documentation's table."""

    # --- Servers (scripts/run.sh, scripts/shell.sh, deploy/local-cluster.sh) ---
    host: str = Field("127.0.0.1", description="interface every server listens on")
    rasa_port: Port = Field(5005, description="the Rasa server's port (REST and socketio)")
    action_port: Port = Field(5055, description="the action server's port, on loopback whatever `HOST` is")
    web_port: Port = Field(8000, description="the web chat page's port")
    endpoints: Path = Field(
        Path("endpoints.yml"), description="another endpoints file (tracker store, action server)"
    )
    model: Path = Field(
        Path("models"), description="the model served: a model file, or a folder whose newest model is used"
    )
    tracker_db: Path = Field(
        Path("rasa.db"),
        description="the SQLite file of the conversations (`endpoints.yml` reads it as `${TRACKER_DB}`)",
    )
    action_server_url: Optional[str] = Field(
        None,
        description="where the Rasa server calls the action server (`${ACTION_SERVER_URL}` in "
        "`endpoints.yml`); default `http://127.0.0.1:ACTION_PORT/webhook`",
    )
    # --- Channels ---
    cors_origins: Optional[str] = Field(
        None,
        description="web pages allowed to call the Rasa server, space-separated; socketio refuses a "
        "connection from any other `Origin`; default the local page "
        "(`http://localhost:WEB_PORT http://127.0.0.1:WEB_PORT`)",
    )
    socketio_max_connections_per_address: PositiveInt = Field(
        30,
        description="socketio connections at once from one address "
        "([channels.md, Limits](channels.md#limits))",
    )
    socketio_messages_per_minute: PositiveInt = Field(
        30,
        description="socketio messages a minute per connection and per conversation "
        "([channels.md, Limits](channels.md#limits))",
    )
    socketio_work_per_address: PositiveInt = Field(
        120,
        description="socketio work a minute per client address, in ordinary questions "
        "(a long message costs more; [channels.md, Limits](channels.md#limits))",
    )
    rest_token: Optional[str] = Field(
        None,
        description="when set, every REST message needs `Authorization: Bearer <token>`; required when "
        "`HOST` is not loopback ([channels.md, Token](channels.md#token))",
    )
    enable_api: bool = Field(
        False, description="`true`: also open Rasa's HTTP API, which needs `RASA_AUTH_TOKEN`"
    )
    rasa_auth_token: Optional[str] = Field(None, description="the token of Rasa's HTTP API")
    action_timeout_seconds: PositiveFloat = Field(
        5.0, description="how long the Rasa server waits for an action before apologising, in seconds"
    )
    # Sanic reads these itself (SANIC_ prefix); patches/server_limits.py exports them from here.
    # A patient's message is at most 2,000 characters (8 kB in UTF-8) plus JSON; nginx in the
    # production profile has the same limit (client_max_body_size 64k).
    sanic_request_max_size: PositiveInt = Field(
        64 * 1024, description="the Rasa server's largest request, in bytes (Sanic's own default: 100 MB)"
    )
    # A slow sender is cut off.
    sanic_request_timeout: PositiveInt = Field(
        10, description="seconds to receive a whole request (headers and body)"
    )
    # Longer than the action server's timeout (5 s) plus the lock store's bounded wait, and than
    # socket.io's long-polling (25 s).
    sanic_response_timeout: PositiveInt = Field(40, description="seconds for a whole response")
    sanic_keep_alive_timeout: PositiveInt = Field(
        5, description="seconds an idle keep-alive connection stays open"
    )
    sanic_websocket_max_size: PositiveInt = Field(
        16 * 1024, description="bytes of one WebSocket message (socket.io over WebSocket)"
    )
    # --- The web chat page (web/serve.py) ---
    bot_url: Optional[str] = Field(
        None,
        description="the Rasa server as the patient's browser reaches it (required when `HOST` is "
        "`0.0.0.0`); default `http://localhost:RASA_PORT`",
    )
    frame_ancestors: str = Field(
        "", description="sites allowed to show the web chat in an iframe, space-separated"
    )
    web_timeout_seconds: PositiveFloat = Field(
        10.0,
        description="the page server closes a connection idle this long, or whose request is not "
        "all in after this long, in seconds",
    )
    # --- Cluster (deploy/) ---
    lock_wait_seconds: PositiveFloat = Field(
        20.0,
        description="longest wait, in seconds, for a conversation busy on another server (Redis lock store)",
    )
    # --- Knowledge and staff commands ---
    knowledge_file: Path = Field(
        Path("knowledge/procedures.yml"),
        description="the procedure knowledge file (from the project's folder)",
    )
    clinic_page: Path = Field(
        Path("../shared/clinic-page.md"),
        description="the clinic's page, for the review sheet and its tests (from the project's folder)",
    )
    retention_days: RetentionDays = Field(
        30, description="`make delete-old-conversations`: days a conversation is kept after its last message"
    )

    class Config:
        case_sensitive = False

        @classmethod
        def customise_sources(
            cls, init_settings: Callable, env_settings: Callable, file_secret_settings: Callable
        ):
            # `VAR=` in a shell or an env file means "not set", as the scripts have always read it.
            def set_in_environment(settings: BaseSettings) -> Dict[str, Any]:
                values = env_settings(settings)
                return {
                    name: value
                    for name, value in values.items()
                    if not (isinstance(value, str) and not value.strip())
                }

            return init_settings, set_in_environment

    @property
    def action_server_url_or_default(self) -> str:
        return self.action_server_url or f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def allowed_origins(self) -> List[str]:
        origins = self.cors_origins or f"http://localhost:{self.web_port} http://127.0.0.1:{self.web_port}"
        return origins.split()


def load() -> Settings:
    """The settings from the process's environment, checked."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def exposure_problems(settings: Settings) -> List[str]:
    """What the servers refuse to start with: conversations open to anyone (scripts/run.sh)."""
    problems = []
    host = settings.host
    if not (host.startswith("127.") or host in ("localhost", "::1")) and not settings.rest_token:
        # The REST channel lets its caller choose any conversation id (channels/rest.py).
        problems.append(
            f"HOST={host} is not a loopback address: set REST_TOKEN, or anyone reaching it "
            "could use any conversation through REST."
        )
    if settings.enable_api and not settings.rasa_auth_token:
        # Rasa's HTTP API reads and changes any conversation.
        problems.append("ENABLE_API=true needs RASA_AUTH_TOKEN: the HTTP API would be open to anyone.")
    return problems


def _describe(error: ValidationError) -> str:
    problems = []
    for problem in error.errors():
        name = str(problem["loc"][0])
        expected = EXPECTED.get(Settings.__fields__[name].type_, f"valid ({problem['msg']})")
        given = next((value for key, value in os.environ.items() if key.lower() == name), None)
        problems.append(f"{name.upper()} must be {expected}, not {given!r}")
    return "; ".join(problems)


def shell_exports(settings: Settings) -> str:
    """`export NAME=value` lines for the shell scripts: every setting that has a value."""
    values: Dict[str, object] = {
        **settings.dict(),
        "action_server_url": settings.action_server_url_or_default,
        "cors_origins": " ".join(settings.allowed_origins),
    }
    lines = []
    for name, value in values.items():
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"export {name.upper()}={shlex.quote(text)}")
    return "\n".join(lines)


def table() -> str:
    """The settings table of docs/configuration.md."""
    lines = ["| variable | default | what |", "|---|---|---|"]
    for name, field in Settings.__fields__.items():
        value = str(field.default).lower() if isinstance(field.default, bool) else field.default
        default = "none" if value in (None, "") else f"`{value}`"
        lines.append(f"| `{name.upper()}` | {default} | {field.field_info.description} |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    command = (argv if argv is not None else sys.argv[1:])[:1]
    if command == ["table"]:
        print(table())
        return 0
    if command != ["shell"]:
        print("usage: python -m settings shell|table", file=sys.stderr)
        return 2
    try:
        settings = load()
    except SettingsError as problem:
        print(f"Invalid setting: {problem}", file=sys.stderr)
        return 1
    problems = exposure_problems(settings)
    if problems:
        print(problems[0], file=sys.stderr)  # one line: the first to set right
        return 1
    print(shell_exports(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
