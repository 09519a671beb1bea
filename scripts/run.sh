#!/usr/bin/env bash
# Starts the action server and the Rasa server in the foreground.
# Ctrl-C (or either server stopping) stops both.
#
# Settings, all optional (defaults: the embedded local set-up):
#   HOST          interface both servers listen on   (127.0.0.1)
#   RASA_PORT     Rasa server: REST and socketio      (5005)
#   ACTION_PORT   action server                       (5055)
#   ENDPOINTS     endpoints file                      (endpoints.yml)
#   CORS_ORIGINS  web pages allowed to call the bot   (http://localhost:8000)
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${HOST:-127.0.0.1}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
CORS_ORIGINS=${CORS_ORIGINS:-http://localhost:8000}
export RASA_TELEMETRY_ENABLED=false
# The custom channels (channels/) are imported by the Rasa server.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export SANIC_HOST=$HOST

if ! ls models/*.tar.gz >/dev/null 2>&1; then
  echo "No trained model in models/: run 'make train' (or 'make run') first." >&2
  exit 1
fi

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
.venv/bin/rasa run --model models --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "$HOST" --port "$RASA_PORT" --cors "$CORS_ORIGINS" &
pids+=($!)

echo "Assistant starting: REST http://$HOST:$RASA_PORT/webhooks/rest/webhook, actions on port $ACTION_PORT (Ctrl-C to stop)"
# Stop everything as soon as one server exits (e.g. an invalid knowledge file).
set +e
wait -n "${pids[@]}"
status=$?
stop
exit "$status"
