#!/usr/bin/env bash
# Runs every test, in the order a failure is cheapest to find. Expects the
# virtual environment and a trained model (`make test` sees to both).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH=$PWD
BIN=.venv/bin

step() { printf '\n=== %s\n' "$*"; }

step "Lint (ruff)"
$BIN/ruff check .

step "Knowledge file"
$BIN/python -m actions.knowledge check

step "Training data (rasa data validate)"
$BIN/rasa data validate --fail-on-warnings --quiet

# --e2e: each `user:` message also goes through the NLU model (intent and entities).
step "Conversation tests (tests/test_stories.yml)"
$BIN/rasa test core --stories tests/test_stories.yml --e2e --fail-on-prediction-errors \
  --out results/stories --quiet

step "Python tests (pytest: knowledge, answers, actions, servers)"
set +e
$BIN/pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: the test suite is missing." >&2
  exit 1
fi
exit "$status"
