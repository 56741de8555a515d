#!/usr/bin/env bash
# Installs everything the full test suite needs on a fresh machine. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust: formatter, linter, and the WebAssembly target of the edge bundle.
rustup component add rustfmt clippy >/dev/null
rustup target add wasm32-unknown-unknown >/dev/null

# Node.js tools (wasm-opt from binaryen, the JS signers @aws-sdk/cloudfront-signer and
# aws-cloudfront-sign for interop tests, Playwright core).
npm ci --no-audit --no-fund --loglevel=error

# Python tools (botocore and the AWS CLI v1 for signer interop, cfn-lint for the SAM template) in a local venv.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Headless Chromium for the browser tests of `edgeguard serve` (tests/browser/; ~1 min to install).
scripts/install-chromium.sh
