#!/usr/bin/env bash
# Starts the action server, the Rasa server and the web chat page in the
# foreground. Ctrl-C (or any of them stopping) stops all three.
#
# Settings, all optional (defaults: the embedded local set-up):
#   HOST            interface the servers listen on        (127.0.0.1)
#   RASA_PORT       Rasa server: REST and socketio          (5005)
#   ACTION_PORT     action server, on loopback whatever HOST is (5055)
#   WEB_PORT        web chat page (web/serve.py)            (8000)
#   ENDPOINTS       endpoints file                          (endpoints.yml)
#   TRACKER_DB      SQLite file of the conversations        (rasa.db)
#   ACTION_SERVER_URL  where the Rasa server calls the action server
#                   (http://127.0.0.1:ACTION_PORT/webhook)
#   CORS_ORIGINS    web pages allowed to call the bot, space-separated
#                   (the local page: http://localhost:WEB_PORT http://127.0.0.1:WEB_PORT)
#   ACTION_TIMEOUT_SECONDS  wait for the action server before apologising (5)
#   BOT_URL, FRAME_ANCESTORS, WEB_TIMEOUT_SECONDS   read by web/serve.py (see there)
#   REST_TOKEN      when set, every REST message must carry 'Authorization: Bearer <token>';
#                   required when HOST is not a loopback address
#   ENABLE_API      true: also open Rasa's HTTP API (/status, /conversations...),
#                   which then requires RASA_AUTH_TOKEN                (false)
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/settings.sh
CORS_ORIGINS=${CORS_ORIGINS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}
# The custom channels (channels/) are imported by the Rasa server.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# Read by web/serve.py.
export HOST RASA_PORT WEB_PORT
# Read by the socketio channel, which checks the Origin of each connection.
export CORS_ORIGINS

# The REST channel lets its caller choose any conversation id: reachable from
# other machines, it needs a token (channels/rest.py).
case "$HOST" in
  127.*|localhost|::1) ;;
  *)
    if [ -z "${REST_TOKEN:-}" ]; then
      echo "HOST=$HOST is not a loopback address: set REST_TOKEN, or anyone reaching it could use any conversation through REST." >&2
      exit 1
    fi
    ;;
esac

# Rasa's HTTP API reads and changes any conversation: never without a token.
# The token stays in the environment: scripts/rasa_server.py passes it to
# Rasa inside the process, so it is on no command line (ps).
if [ "${ENABLE_API:-false}" = "true" ] && [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  echo "ENABLE_API=true needs RASA_AUTH_TOKEN: the HTTP API would be open to anyone." >&2
  exit 1
fi
export ENABLE_API=${ENABLE_API:-false}
export RASA_AUTH_TOKEN=${RASA_AUTH_TOKEN:-}

if ! ls "$MODEL" >/dev/null 2>&1 || { [ -d "$MODEL" ] && ! ls "$MODEL"/*.tar.gz >/dev/null 2>&1; }; then
  echo "No trained model in $MODEL: run 'make train' (or 'make run') first." >&2
  exit 1
fi

pids=()
announcer=
stop() {
  trap - INT TERM HUP EXIT
  kill -TERM "${pids[@]}" $announcer 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
# Ctrl-C is a normal stop: one line, every server stopped, status 0 (make then stops quietly).
# The servers run in sessions of their own (setsid), so a terminal's Ctrl-C, sent to the whole
# foreground process group, reaches this script only: it stops them, none stops "by itself".
stop_on_request() {
  echo "Arrêt demandé : arrêt des serveurs."
  stop
  exit 0
}
trap stop_on_request INT TERM HUP
trap stop EXIT

# On loopback whatever HOST is: only the Rasa server, on this machine, may call the actions.
env -u RASA_AUTH_TOKEN -u REST_TOKEN setsid .venv/bin/python scripts/action_server.py --actions actions \
  --port "$ACTION_PORT" --interface 127.0.0.1 &
pids+=($!)
setsid .venv/bin/python scripts/rasa_server.py run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "$HOST" --port "$RASA_PORT" --cors $CORS_ORIGINS &  # one argument per origin
pids+=($!)
env -u RASA_AUTH_TOKEN -u REST_TOKEN setsid .venv/bin/python web/serve.py &
pids+=($!)

echo "Démarrage des serveurs (le serveur Rasa charge le modèle : 15 à 30 s)..."
# Once all three answer, the last thing on screen says where to go (not one of the servers').
# The poller is the background job itself, so stop() ends it too.
ready_block="
------------------------------------------------------------
L'assistant est prêt.
  Web chat : http://localhost:$WEB_PORT
  REST     : http://$HOST:$RASA_PORT/webhooks/rest/webhook
Ctrl-C pour arrêter.
------------------------------------------------------------"
.venv/bin/python - "$ready_block" "http://$HOST:$RASA_PORT/" "http://127.0.0.1:$ACTION_PORT/health" \
  "http://$HOST:$WEB_PORT/" <<'PY' &
import sys, time, urllib.request
deadline = time.monotonic() + 600
for url in sys.argv[2:]:
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except Exception:
            if time.monotonic() > deadline:
                sys.exit(1)
            time.sleep(0.5)
print(sys.argv[1], flush=True)
PY
announcer=$!
# Stop everything as soon as one server exits (e.g. an invalid knowledge file).
set +e
wait -n "${pids[@]}"
status=$?
# A server stopping by itself is a failure even with status 0 (the action server exits 0 when its
# port is taken): say so, for the log and for whoever started this script.
if [ "$status" -eq 0 ]; then
  echo "A server stopped by itself (see its messages above): stopping the others." >&2
  status=1
fi
stop
exit "$status"
