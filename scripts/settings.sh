# The settings, with their defaults and checks, from settings.py (every setting, its type and
# default, in one place): exported for scripts/run.sh, scripts/shell.sh and the Makefile's staff
# commands, which source this file. A wrong value stops here with one line naming it.
settings_exports=$(.venv/bin/python -m settings shell) || exit 1
eval "$settings_exports"
unset settings_exports
export RASA_TELEMETRY_ENABLED=false
