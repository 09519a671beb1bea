#!/usr/bin/env bash
# `make audit`: known vulnerabilities in the pinned dependencies.
#   Python (requirements.lock, or the lock files given as arguments):
#     1. pip-audit against PyPI's advisory data, online;
#     2. safety-db, PyUp's database shipped as a package, offline (stops in July 2021).
#   JavaScript (web/package-lock.json, when there is one): npm audit, online.
# The tools live in their own environment, .venv-audit (scripts/audit-requirements.txt),
# never in the project's. A check that cannot run here (no access to the advisory
# service) says so: it is reported as NOT CHECKED, not as clean.
# Exit status: 1 if any check found a vulnerability, else 0.
set -uo pipefail
cd "$(dirname "$0")/.."
locks=("$@")
[ ${#locks[@]} -eq 0 ] && locks=(requirements.lock)

if [ ! -f .venv-audit/.installed ] || ! cmp -s scripts/audit-requirements.txt .venv-audit/.installed; then
  rm -rf .venv-audit
  python3.10 -m venv .venv-audit || exit 2
  .venv-audit/bin/pip install --quiet --disable-pip-version-check -r scripts/audit-requirements.txt 2>/dev/null || exit 2
  cp scripts/audit-requirements.txt .venv-audit/.installed
fi

found=0
echo "=== Python, online: pip-audit (PyPI advisory data)"
for lock in "${locks[@]}"; do
  output=$(.venv-audit/bin/pip-audit -r "$lock" --no-deps --disable-pip --vulnerability-service pypi \
    --progress-spinner off 2>&1)
  status=$?
  total=$(grep -cE '^[A-Za-z0-9][A-Za-z0-9._-]*==' "$lock")
  unreachable=$(grep -c "could not be audited" <<< "$output")
  if [ "$unreachable" -ge "$total" ]; then
    echo "NOT CHECKED ($lock): PyPI's per-version advisory data is not reachable from here ($unreachable of $total packages)."
  else
    grep -v "could not be audited" <<< "$output"
    [ "$unreachable" -gt 0 ] && echo "($unreachable of $total packages could not be audited online)"
    [ "$status" -ne 0 ] && grep -qE "^Found [1-9]" <<< "$output" && found=1
  fi
done

echo "=== Python, offline: safety-db"
.venv-audit/bin/python scripts/audit_offline.py "${locks[@]}" || found=1

echo "=== JavaScript, online: npm audit"
if [ -f web/package-lock.json ]; then
  if output=$(cd web && npm audit --package-lock-only --omit=dev 2>&1); then
    echo "$output"
  elif grep -qE "found [1-9][0-9]* vulnerabilit|[0-9]+ (low|moderate|high|critical)" <<< "$output"; then
    echo "$output"
    found=1
  else
    echo "NOT CHECKED (web/package-lock.json): the npm advisory service is not reachable from here:"
    grep -m1 -E "npm (error|warn)" <<< "$output"
  fi
else
  echo "no web/package-lock.json: nothing to check"
fi
exit "$found"
