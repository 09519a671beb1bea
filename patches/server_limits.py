"""Limits of the Rasa server's HTTP layer (Sanic), set by the project itself.

Rasa 3.6 starts Sanic with its defaults: 100 MB request bodies, 60 s to send
a request, 60 s for a response, 1 MB WebSocket messages. Exposed without the
proxy, one client could make the server buffer 100 MB, or hold connections
open by sending a request slowly. Sanic reads `SANIC_*` environment
variables when the app is created, so `patches.apply_all()` exports the values of
settings.py before Rasa starts, for every way the server is started (scripts/run.sh,
the cluster, the containers: all through scripts/rasa_server.py). Each is set by its
`SANIC_*` variable, like any other setting.

Sanic refuses a body over REQUEST_MAX_SIZE from its Content-Length (or while a
chunked body arrives) with a 413, before any handler runs or any JSON is parsed.

Rasa then overwrites two of them on the app it configures (rasa/core/run.py, `configure_app`):
the keep-alive timeout with its own 120 s (no command-line option changes it), and, with the
HTTP API enabled, the response timeout with `--response-timeout` (3600 s by default). So the
values are set again on the configured app.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Dict

import rasa.core.run
from sanic import Sanic

import settings

# Sanic's names of the limits settings.py holds ("REQUEST_MAX_SIZE" for `sanic_request_max_size`).
LIMITS = [
    name.removeprefix("sanic_").upper() for name in settings.Settings.__fields__ if name.startswith("sanic_")
]


def limits(values: settings.Settings) -> Dict[str, int]:
    """Each limit by Sanic's name."""
    return {name: getattr(values, f"sanic_{name.lower()}") for name in LIMITS}


def apply_server_limits() -> Dict[str, str]:
    """Exports each limit for Sanic (SANIC_ prefix), and sets them again on the app Rasa
    configures; returns the values in force."""
    values = limits(settings.load())
    for name, value in values.items():
        os.environ[f"SANIC_{name}"] = str(value)
    configure_app = rasa.core.run.configure_app
    if not getattr(configure_app, "sets_the_limits", False):

        @functools.wraps(configure_app)
        def configure_app_with_the_limits(*args: Any, **kwargs: Any) -> Sanic:
            app = configure_app(*args, **kwargs)
            app.config.update(values)
            return app

        configure_app_with_the_limits.sets_the_limits = True
        rasa.core.run.configure_app = configure_app_with_the_limits
    return {name: os.environ[f"SANIC_{name}"] for name in LIMITS}
