#!/usr/bin/env bash
# Creates .venv with Python 3.10 (Rasa 3.6 refuses 3.11) and installs the
# pinned dependencies from requirements.lock, then the web chat's npm package
# (web/package-lock.json). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js and npm first: a missing one is found before the long pip install.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js and npm not found: install Node.js (20 or later) for the web chat page, then retry." >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Node.js $(node --version) found: the web chat page needs Node.js 20 or later." >&2
  exit 1
fi

# One line per step, with the time it took.
step() {
  local label=$1 started=$SECONDS
  shift
  echo "Installation : $label..."
  "$@"
  echo "Installation : $label, fait en $((SECONDS - started)) s."
}

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
  if python_bin=$(find_python); then
    echo "Creating .venv with $($python_bin --version)"
    "$python_bin" -m venv .venv
  elif command -v uv >/dev/null 2>&1; then
    echo "Creating .venv with uv (Python 3.10)"
    uv venv --python 3.10 --seed .venv
  else
    echo "Python 3.10 not found. Install it with pyenv ('pyenv install 3.10') or uv, then retry." >&2
    exit 1
  fi
fi

# uv installs the lock in seconds where pip took over a minute, and reads no pip configuration
# (pip's notices about a machine's unreachable indexes are not ours to print). It comes from
# PyPI into .venv itself, unless one is on the PATH already.
install_python_packages() {
  local uv=uv
  if ! command -v uv >/dev/null 2>&1; then
    .venv/bin/python -m pip install -qq "uv==0.13.9"
    uv=.venv/bin/uv
  fi
  # Compiled now, as pip does: otherwise the first start compiles what it imports, slower, and
  # prints the dependencies' compile-time warnings ("invalid escape sequence" in keras).
  "$uv" pip install --quiet --compile-bytecode --python .venv/bin/python -r requirements.lock
  "$uv" pip check --quiet --python .venv/bin/python
}
install_web_packages() {
  # Its summary ("added 11 packages") to /dev/null; its errors still print.
  (cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
}
# Side by side: npm waits on the network while uv unpacks.
step "paquets du web chat (web/package-lock.json)" install_web_packages &
web_packages=$!
step "paquets Python (requirements.lock, une minute la première fois)" install_python_packages
wait "$web_packages"
