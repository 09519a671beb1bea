#!/usr/bin/env bash
# Runs every test, in the order a failure is cheapest to find. Expects the
# virtual environment and a trained model (`make test` sees to both).
#
#   scripts/test.sh [pytest options]     everything (make test)
#   scripts/test.sh --unit               lint, knowledge file, the tests marked `unit`:
#                                        no server, no trained model (make test-unit)
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH=$PWD
BIN=.venv/bin

step() { printf '\n=== %s\n' "$*"; }

# pytest's exit status 5 means it collected no test: a missing suite, not a success.
run_pytest() {
  local status=0
  $BIN/pytest "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: the test suite is missing." >&2
    return 1
  fi
  return "$status"
}

unit=false
if [ "${1:-}" = "--unit" ]; then
  unit=true
  shift
fi

step "Lint (ruff)"
$BIN/ruff check .

step "Knowledge file"
$BIN/python -m knowledge check

if $unit; then
  step "Unit tests (pytest -m unit: knowledge, answers, actions, channel checks)"
  run_pytest -m unit "$@"
  exit
fi

step "Training data (rasa data validate)"
$BIN/rasa data validate --fail-on-warnings --quiet

# --e2e: each `user:` message also goes through the NLU model (intent and entities).
# Through scripts/rasa_server.py, so the model is loaded with the patches it is served with.
# Every action must be as written; an intent read otherwise that leads to the same action is
# reported (the words decide what is asked: assistant/understanding.py).
step "Conversation tests (tests/test_stories.yml)"
rm -rf results/stories
$BIN/python scripts/rasa_server.py test core --stories tests/test_stories.yml --e2e --out results/stories --quiet
$BIN/python scripts/check_conversation_tests.py results/stories

# In TEST_WORKERS processes (pytest-xdist, 2 by default): most of a test's time is spent waiting
# for servers to start and answer, so two processes shorten the run even on two cores. A file's
# tests stay in one process (--dist loadfile), so its servers start once. TEST_WORKERS=0: one process.
step "Python tests (pytest: knowledge, answers, actions, servers)"
run_pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@"
