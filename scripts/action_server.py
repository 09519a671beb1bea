"""The action server: rasa_sdk's, as `rasa run actions` starts it, with two differences.

- It listens on `--interface`, loopback (127.0.0.1) unless told otherwise: `rasa run actions`
  listens on SANIC_HOST, 0.0.0.0 by default, and scripts/run.sh used to export SANIC_HOST=$HOST,
  which put the action server on every interface with HOST=0.0.0.0. It answers any well-formed
  POST /webhook without asking who sends it, so only the Rasa server may reach it: on the same
  machine (scripts/run.sh, scripts/shell.sh, deploy/local-cluster.sh) it stays on loopback.
- A failed action gets a 500 with `{"error": "the action failed"}`, and its log line names the
  exception and where it was raised: rasa_sdk's own answer echoed the whole request (the
  tracker: every message of the conversation) and the exception's text, which may quote it.

    .venv/bin/python scripts/action_server.py --actions actions --port 5055 [--interface 127.0.0.1] [--quiet]
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

# Run as a script, Python puts scripts/ first on the path, not the project.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanic import Sanic, response  # noqa: E402
from sanic.response import HTTPResponse  # noqa: E402

logger = logging.getLogger("rasa_sdk.endpoint")

FAILED = {"error": "the action failed"}


async def action_failed(request: Any, exception: Exception) -> HTTPResponse:
    # The frames only: neither the request nor the exception's text, which may quote it.
    frames = "".join(traceback.format_tb(exception.__traceback__))
    logger.error("An action call failed: %s\n%s", type(exception).__name__, frames.rstrip())
    return response.json(FAILED, status=500)


def create_app(actions_package: str = "actions") -> Sanic:
    """rasa_sdk's app (its /webhook, /health and /actions), with action_failed for any exception."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    # No CORS headers: no web page has any business calling the action server.
    app = create_sdk_app(actions_package, cors_origins=None)
    app.error_handler.add(Exception, action_failed)  # replaces rasa_sdk's handler
    return app


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", default="actions", help="package of the actions")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--interface", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--quiet", action="store_true", help="warnings and errors only")
    args = parser.parse_args(argv)

    from rasa_sdk import utils

    from channels.dependency_warnings import silence_dependency_warnings

    silence_dependency_warnings()
    utils.configure_colored_logging(logging.WARNING if args.quiet else logging.INFO)
    utils.update_sanic_log_level()
    app = create_app(args.actions)
    logger.info("Action endpoint is up and running on http://%s:%s", args.interface, args.port)
    app.run(args.interface, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
