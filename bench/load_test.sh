#!/usr/bin/env bash
# Load test over REST and socketio with Locust: headless, bounded in time, loopback only.
#
#   bench/load_test.sh                      # our servers on free ports, 20 users for 2 minutes
#   bench/load_test.sh --run-time 60s --users 10
#   bench/load_test.sh --host http://127.0.0.1:5005   # servers already running
#
# Locust lives in its own venv, .venv-load (its dependencies conflict with Rasa's), created
# here with Python 3.10 from bench/requirements-load.txt when missing or out of date.
# Exits non-zero if any request failed. Options: bench/load_test.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD_VENV=.venv-load
REQUIREMENTS=bench/requirements-load.txt

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.10 python3 python; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  echo "No .venv: run 'make setup' (or 'make run') first." >&2
  exit 1
fi

if [ ! -f "$LOAD_VENV/.installed" ] || [ "$REQUIREMENTS" -nt "$LOAD_VENV/.installed" ]; then
  if [ ! -x "$LOAD_VENV/bin/python" ]; then
    if python_bin=$(find_python); then
      echo "Creating $LOAD_VENV with $($python_bin --version)"
      "$python_bin" -m venv "$LOAD_VENV"
    elif command -v uv >/dev/null 2>&1; then
      uv venv --python 3.10 --seed "$LOAD_VENV"
    else
      echo "Python 3.10 not found (pyenv or uv), needed for $LOAD_VENV." >&2
      exit 1
    fi
  fi
  "$LOAD_VENV/bin/python" -m pip install --quiet "pip>=23,<25"
  "$LOAD_VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS"
  "$LOAD_VENV/bin/python" -m pip check
  touch "$LOAD_VENV/.installed"
fi

export RASA_TELEMETRY_ENABLED=false
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec .venv/bin/python bench/load_test.py --locust "$LOAD_VENV/bin/locust" "$@"
