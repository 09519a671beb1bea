#!/usr/bin/env bash
# Installs the Debian packages some parts need, when missing and allowed
# (root with apt-get); otherwise says which to install. Safe to run again.
#   chromium                       the browser test (Playwright drives Debian's chromium)
#   postgresql redis-server nginx  the production profile (deploy/local-cluster.sh) and its tests
# Usage: scripts/setup-system-packages.sh PACKAGE...
set -euo pipefail

installed() {
  case "$1" in
    postgresql) ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] ;;
  esac
}

missing=()
for package in "$@"; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # Installing starts them as system services; the project starts its own, on its own ports.
  for service in postgresql redis-server nginx; do
    if [[ " ${missing[*]} " == *" $service "* ]] && command -v service >/dev/null 2>&1; then
      service "$service" stop >/dev/null 2>&1 || true
    fi
  done
else
  echo "Missing: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}), then retry." >&2
  exit 1
fi
