# Defaults of the settings shared by scripts/run.sh and scripts/shell.sh (and the
# retention command), in one place. Sourced, not run. Each can be set in the
# environment; docs/configuration.md, "Settings", says what each does.
HOST=${HOST:-127.0.0.1}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
WEB_PORT=${WEB_PORT:-8000}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
# A model file, or a folder whose newest model is served.
MODEL=${MODEL:-models}

# Read by Rasa from endpoints.yml, which names them as ${VAR}: Rasa refuses an
# unset variable, so they are always exported.
export TRACKER_DB=${TRACKER_DB:-rasa.db}
# The action server listens on loopback only, whatever HOST is (scripts/action_server.py).
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_PORT/webhook}

export RASA_TELEMETRY_ENABLED=false
