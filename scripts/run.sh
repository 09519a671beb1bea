#!/usr/bin/env bash
# Starts the action server, the Rasa server and the web chat page in the
# foreground. Ctrl-C (or any of them stopping) stops all three.
#
# Settings: environment variables, every one listed with its default in settings.py
# (docs/configuration.md, "Settings"); scripts/settings.sh exports them, checked.
set -euo pipefail
cd "$(dirname "$0")/.."

# Also refuses a HOST reachable from other machines without REST_TOKEN, and ENABLE_API without
# RASA_AUTH_TOKEN (settings.exposure_problems).
source scripts/settings.sh
# The custom channels (channels/) are imported by the Rasa server.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

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
