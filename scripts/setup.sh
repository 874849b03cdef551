#!/usr/bin/env bash
# Set up everything the tests need: a virtualenv with fengong and its test extras, and
# (when run as root, or with sudo available) the Debian packages the real-browser,
# remote-store and workbook tests use: chromium, virtuoso-opensource, libreoffice-calc.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="chromium virtuoso-opensource libreoffice-calc-nogui libreoffice-writer-nogui fonts-noto-cjk"

if command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $APT_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
      echo "setup: installing Debian packages:$missing"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "setup: not root; install these Debian packages for the browser/Virtuoso/LibreOffice tests:$missing" >&2
    fi
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: done (.venv)"
