#!/usr/bin/env bash
# Builds the Lambda@Edge bundle for one config: build/edge/{index.mjs,edgeguard.wasm,config.json}
# and build/edgeguard-edge.zip. Fails on an invalid config (same errors as `edgeguard config check`),
# on a config that trusts a demo key (its private half is in this repository) unless
# EDGEGUARD_DEMO=1 marks the build as a demo, and when the zip exceeds the size budget.
# Usage: [EDGEGUARD_DEMO=1] scripts/package-edge.sh CONFIG
set -euo pipefail
config=${1:?usage: package-edge.sh CONFIG}
cargo=${CARGO:-cargo}
edgeguard=${EDGEGUARD_BIN:-target/debug/edgeguard}
demo_flag=
if [ "${EDGEGUARD_DEMO:-}" = 1 ]; then demo_flag=--allow-demo-keys; fi
budget=${EDGE_BUDGET_BYTES:-307200}   # 300 KB, far under Lambda@Edge's 1 MB viewer-trigger quota
quota=1048576
cd "$(dirname "$0")/.."

"$cargo" build --quiet --bin edgeguard
"$edgeguard" config check "$config"
# Compiled before anything is built: `config compile` is where demo keys are refused.
compiled=$("$edgeguard" config compile $demo_flag "$config")

# EDGE_WASM_FEATURES=rust-crypto verifies signatures inside the wasm instead of via node:crypto.
"$cargo" build --quiet -p edgeguard-wasm --target wasm32-unknown-unknown --profile edge \
  ${EDGE_WASM_FEATURES:+--features "$EDGE_WASM_FEATURES"}
raw=target/wasm32-unknown-unknown/edge/edgeguard_wasm.wasm

rm -rf build/edge build/edgeguard-edge.zip
mkdir -p build/edge
printf '%s\n' "$compiled" > build/edge/config.json
# The feature flags match what rustc enables by default for wasm32-unknown-unknown.
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types \
  "$raw" -o build/edge/edgeguard.wasm
cp edge/index.mjs build/edge/index.mjs
python3 scripts/zipdir.py build/edgeguard-edge.zip build/edge

size=$(wc -c < build/edgeguard-edge.zip)
printf 'build/edgeguard-edge.zip: %d bytes (%d KB): %d%% of the 1 MB Lambda@Edge quota, budget %d KB\n' \
  "$size" $((size / 1024)) $((size * 100 / quota)) $((budget / 1024))
printf '  %s\n' "$(wc -c build/edge/* | sed '$d' | awk '{printf "%s %d B; ", $2, $1}')"
if [ "$size" -gt "$budget" ]; then
  echo "package-edge: the bundle is over the ${budget}-byte budget" >&2
  exit 1
fi
