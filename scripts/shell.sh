#!/usr/bin/env bash
# Staff console: starts the action server in the background and `rasa shell`
# in the foreground, against the latest model. The action server stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
# The action server listens on loopback only (rasa_sdk reads SANIC_HOST).
export SANIC_HOST=127.0.0.1
# The custom channels (channels/) are imported by the Rasa server.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/rasa run actions --actions actions --port "${ACTION_PORT:-5055}" --quiet &
action_pid=$!
trap 'kill -TERM $action_pid 2>/dev/null; wait $action_pid 2>/dev/null' EXIT
.venv/bin/rasa shell --model models --endpoints "${ENDPOINTS:-endpoints.yml}" "$@"
