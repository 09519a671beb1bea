"""Limits of the Rasa server's HTTP layer (Sanic), set by the project itself.

Rasa 3.6 starts Sanic with its defaults: 100 MB request bodies, 60 s to send
a request, 60 s for a response, 1 MB WebSocket messages. Exposed without the
proxy, one client could make the server buffer 100 MB, or hold connections
open by sending a request slowly. Sanic reads `SANIC_*` environment
variables when the app is created, so channels/patches.py sets the defaults
before Rasa starts, for every way the server is started (scripts/run.sh, the
cluster, the containers: all through scripts/rasa_server.py). Each can still
be overridden by setting its `SANIC_*` variable.

Sanic refuses a body over REQUEST_MAX_SIZE from its Content-Length (or while a
chunked body arrives) with a 413, before any handler runs or any JSON is parsed.
"""

from __future__ import annotations

import os
from typing import Dict

LIMITS: Dict[str, int] = {
    # Bytes. A patient's message is at most 2,000 characters (8 kB in UTF-8) plus JSON;
    # nginx in the production profile has the same limit (client_max_body_size 64k).
    "REQUEST_MAX_SIZE": 64 * 1024,
    # Seconds to receive a whole request (headers and body): a slow sender is cut off.
    "REQUEST_TIMEOUT": 10,
    # Seconds for a whole response: longer than the action server's timeout (5 s)
    # plus the lock store's bounded wait, and than socket.io's long-polling (25 s).
    "RESPONSE_TIMEOUT": 40,
    # Seconds an idle keep-alive connection stays open.
    "KEEP_ALIVE_TIMEOUT": 5,
    # Bytes of one WebSocket message (socket.io over WebSocket).
    "WEBSOCKET_MAX_SIZE": 16 * 1024,
}


def apply_server_limits() -> Dict[str, str]:
    """Sets each limit unless the environment already sets it; returns the values in force."""
    for name, value in LIMITS.items():
        os.environ.setdefault(f"SANIC_{name}", str(value))
    return {name: os.environ[f"SANIC_{name}"] for name in LIMITS}
