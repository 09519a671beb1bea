#!/usr/bin/env bash
# The browser test drives Debian's Chromium (Playwright's own browser download
# is not used). Installs it when missing and allowed (root with apt-get).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing: install it (Debian/Ubuntu: 'sudo apt-get install chromium'), then retry." >&2
  exit 1
fi
