#!/usr/bin/env bash
# Builds the Lambda@Edge bundle for one config: build/edge/{index.mjs,edgeguard.wasm,config.json,
# manifest.json} and build/edgeguard-edge.zip. manifest.json records the config's digest
# (`edgeguard config digest`), so tools refuse a bundle built from another config. Fails on an
# invalid config (same errors as `edgeguard config check`), on a config that trusts a demo key (its
# private half is in this repository) unless EDGEGUARD_DEMO=1 marks the build as a demo, on a
# missing tool (saying what to run) and when the zip exceeds the size budget.
#
# The bundle is staged in a temporary directory and moved into place only when complete: after a
# failure build/edge and the zip are exactly what they were before (or absent), never half written.
#
# Usage: [EDGEGUARD_DEMO=1] scripts/package-edge.sh CONFIG
# Environment: CARGO (default cargo), EDGEGUARD_BIN (default target/debug/edgeguard), WASM_OPT (default node_modules/.bin/wasm-opt),
#   EDGE_BUILD_DIR (default build), EDGE_BUDGET_BYTES (default 307200), EDGE_WASM_FEATURES,
#   WASM_OPT_CACHE_DIR (default target/wasm-opt-cache).
set -euo pipefail
config=${1:?usage: package-edge.sh CONFIG}
cargo=${CARGO:-cargo}
wasm_opt=${WASM_OPT:-node_modules/.bin/wasm-opt}
out=${EDGE_BUILD_DIR:-build}
opt_cache_dir=${WASM_OPT_CACHE_DIR:-target/wasm-opt-cache}
cli=${EDGEGUARD_BIN:-target/debug/edgeguard}
demo_flag=
if [ "${EDGEGUARD_DEMO:-}" = 1 ]; then demo_flag=--allow-demo-keys; fi
budget=${EDGE_BUDGET_BYTES:-307200}   # 300 KB, far under Lambda@Edge's 1 MB viewer-trigger quota
quota=1048576
cd "$(dirname "$0")/.."

fail() {
  echo "package-edge: $*" >&2
  exit 1
}

# Tools first, before anything is built or written.
if ! command -v "$wasm_opt" >/dev/null 2>&1; then
  fail "$wasm_opt not found: it comes from the binaryen npm package; run \`npm ci\` in $(pwd) (or scripts/setup.sh, or \`make package\`, which runs npm ci when it is missing)"
fi
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  fail "the Rust target wasm32-unknown-unknown is not installed: run \`rustup target add wasm32-unknown-unknown\`"
fi

"$cargo" build --quiet --bin edgeguard
"$cli" config check "$config"
# The bundle config, made before anything is built: `config compile` is where demo keys are refused.
bundle_config=$("$cli" config compile $demo_flag "$config")

# Only what the config uses goes into the module: the features `config edge-features` names
# (`regex` for ~REGEX patterns). EDGE_WASM_FEATURES adds more, e.g. rust-crypto to verify
# signatures inside the wasm instead of via node:crypto.
features=$("$cli" config edge-features "$config")
features=${features:+$features${EDGE_WASM_FEATURES:+,}}${EDGE_WASM_FEATURES:-}
"$cargo" build --quiet -p edgeguard-wasm --target wasm32-unknown-unknown --profile edge \
  ${features:+--features "$features"}
raw=target/wasm32-unknown-unknown/edge/edgeguard_wasm.wasm

mkdir -p "$out"
stage=$(mktemp -d "$out/.edge-stage.XXXXXX")
trap 'rm -rf "$stage" "$stage.zip"' EXIT
chmod 755 "$stage"   # mktemp makes it private; the bundle is an ordinary directory

printf '%s\n' "$bundle_config" > "$stage/config.json"

CONFIG_FILE=$config CONFIG_SHA256=$("$cli" config digest "$config") WASM_FEATURES=$features python3 -c '
import json, os, sys
json.dump({"config": os.environ["CONFIG_FILE"], "config_sha256": os.environ["CONFIG_SHA256"],
           "wasm_features": [f for f in os.environ["WASM_FEATURES"].split(",") if f]}, sys.stdout)
print()' > "$stage/manifest.json"

# The feature flags match what rustc enables by default for wasm32-unknown-unknown.
opt_flags=(-Oz --strip-debug --strip-producers
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types)
# wasm-opt -Oz takes half a minute; its output is kept under target/, keyed by the input module,
# the wasm-opt binary and its flags, so repeated packages (test-edge, sam build) reuse it.
opt_key=$( { sha256sum < "$raw"; sha256sum < "$(command -v "$wasm_opt")"; echo "${opt_flags[*]}"; } | sha256sum | cut -c1-32)
opt_cache=$opt_cache_dir/$opt_key.wasm
if [ ! -f "$opt_cache" ]; then
  mkdir -p "$opt_cache_dir"
  "$wasm_opt" "${opt_flags[@]}" "$raw" -o "$stage/edgeguard.wasm"
  cp "$stage/edgeguard.wasm" "$opt_cache.tmp.$$" && mv "$opt_cache.tmp.$$" "$opt_cache"
else
  cp "$opt_cache" "$stage/edgeguard.wasm"
fi
cp lambda-edge/index.mjs "$stage/index.mjs"
python3 scripts/zipdir.py "$stage.zip" "$stage"

size=$(wc -c < "$stage.zip")
printf '%s/edgeguard-edge.zip: %d bytes (%d KB): %d%% of the 1 MB Lambda@Edge quota, budget %d KB\n' \
  "$out" "$size" $((size / 1024)) $((size * 100 / quota)) $((budget / 1024))
printf '  %s\n' "$(cd "$stage" && wc -c -- * | sed '$d' | awk '{printf "%s %d B; ", $2, $1}')"
if [ "$size" -gt "$budget" ]; then
  fail "the bundle is over the ${budget}-byte budget; $out/edge is left as it was"
fi

# Complete: swap it in. The old bundle moves aside first, so $out/edge is never a mix of both.
old=$(mktemp -d "$out/.edge-old.XXXXXX")
if [ -e "$out/edge" ]; then mv "$out/edge" "$old/edge"; fi
mv "$stage" "$out/edge"
mv "$stage.zip" "$out/edgeguard-edge.zip"
rm -rf "$old"
