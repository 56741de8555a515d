#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the browser tests (tests/browser/), if absent.
# Measured on the 2-core dev machine: apt-get update ~3 s, install ~56 s (156 MB of archives,
# chromium together with wrk and nginx). Exit 0 when /usr/bin/chromium is there afterwards.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-chromium: no apt-get on this machine; install Chromium yourself (/usr/bin/chromium)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-chromium: not root and no passwordless sudo; cannot apt-get install chromium" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
