#!/usr/bin/env bash
# Headless-Chromium tests of `edgeguard serve` (tests/browser/*.test.mjs): allowed and foreign
# embeds of a protected image, and a signed link before and after its expiry.
# Screenshots: target/browser-artifacts/. Skips (loudly) only when Chromium is absent AND cannot
# be installed; CI installs it through scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  scripts/install-chromium.sh || true
fi
if [ ! -x "$CHROMIUM" ]; then
  {
    echo "################################################################################"
    echo "##  SKIPPED: browser tests (tests/browser/) did NOT run.                       ##"
    echo "##  $CHROMIUM is missing and could not be installed (apt-get install chromium). ##"
    echo "################################################################################"
  } >&2
  exit 0
fi
"${CARGO:-cargo}" build --quiet --bin edgeguard
mkdir -p target/browser-artifacts
# Bounded: each step has its own 15 s timeout; the whole run gets 5 minutes at most.
timeout 300 node --test --test-concurrency=1 --test-timeout=120000 tests/browser/
echo "browser screenshots: target/browser-artifacts/"
