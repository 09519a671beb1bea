#!/usr/bin/env bash
# Staff console: starts the action server in the background and `rasa shell`
# in the foreground, against the latest model. The action server stops with it.
# Settings (settings.py, exported by scripts/settings.sh): ACTION_PORT, ENDPOINTS, TRACKER_DB,
# ACTION_TIMEOUT_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/settings.sh
# The project's modules (channels/, components/) are imported by Rasa.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# On loopback only (scripts/action_server.py).
.venv/bin/python scripts/action_server.py --actions actions --port "$ACTION_PORT" --interface 127.0.0.1 --quiet &
action_pid=$!
trap 'kill -TERM $action_pid 2>/dev/null; wait $action_pid 2>/dev/null' EXIT
# Through scripts/rasa_server.py: the project's patches, the action timeout among them.
.venv/bin/python scripts/rasa_server.py shell --model "$MODEL" --endpoints "$ENDPOINTS" "$@"
