"""Limits of the Rasa server's HTTP layer (Sanic), set by the project itself.

Rasa 3.6 starts Sanic with its defaults: 100 MB request bodies, 60 s to send
a request, 60 s for a response, 1 MB WebSocket messages. Exposed without the
proxy, one client could make the server buffer 100 MB, or hold connections
open by sending a request slowly. Sanic reads `SANIC_*` environment
variables when the app is created, so channels/patches.py exports the values of
settings.py before Rasa starts, for every way the server is started (scripts/run.sh,
the cluster, the containers: all through scripts/rasa_server.py). Each is set by its
`SANIC_*` variable, like any other setting.

Sanic refuses a body over REQUEST_MAX_SIZE from its Content-Length (or while a
chunked body arrives) with a 413, before any handler runs or any JSON is parsed.
"""

from __future__ import annotations

import os
from typing import Dict

import settings

# Sanic's names of the limits settings.py holds ("REQUEST_MAX_SIZE" for `sanic_request_max_size`).
LIMITS = [
    name.removeprefix("sanic_").upper() for name in settings.Settings.__fields__ if name.startswith("sanic_")
]


def limits(values: settings.Settings) -> Dict[str, int]:
    """Each limit by Sanic's name."""
    return {name: getattr(values, f"sanic_{name.lower()}") for name in LIMITS}


def apply_server_limits() -> Dict[str, str]:
    """Exports each limit for Sanic (SANIC_ prefix); returns the values in force."""
    for name, value in limits(settings.load()).items():
        os.environ[f"SANIC_{name}"] = str(value)
    return {name: os.environ[f"SANIC_{name}"] for name in LIMITS}
