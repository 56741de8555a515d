#!/usr/bin/env bash
# Builds the native Lambda bundle for `provided.al2023` (regional Lambda, not Lambda@Edge):
# build/edgeguard-native.zip with `bootstrap`, the config as guard.toml and the key files it
# names. AL2023 ships glibc 2.34, so the build fails if the binary needs a newer symbol, and a
# config that trusts a demo key is refused unless EDGEGUARD_DEMO=1 marks the build as a demo.
# Usage: [EDGEGUARD_DEMO=1] scripts/package-native.sh CONFIG
set -euo pipefail
config=${1:?usage: package-native.sh CONFIG}
cargo=${CARGO:-cargo}
edgeguard=${EDGEGUARD_BIN:-target/debug/edgeguard}
demo_flag=
if [ "${EDGEGUARD_DEMO:-}" = 1 ]; then demo_flag=--allow-demo-keys; fi
max_glibc=2.34
cd "$(dirname "$0")/.."

"$cargo" build --quiet --bin edgeguard
"$edgeguard" config check "$config"
# The same gate as the edge bundle: `config compile` refuses demo keys.
"$edgeguard" config compile $demo_flag "$config" > /dev/null
"$cargo" build --quiet --release --bin bootstrap
bin=target/release/bootstrap

# Highest GLIBC_x.y version the dynamic symbol table asks for.
needed=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
if [ "$(printf '%s\n%s\n' "$needed" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
  echo "package-native: bootstrap needs GLIBC_$needed, provided.al2023 has $max_glibc" >&2
  exit 1
fi

stage=build/native
rm -rf "$stage" build/edgeguard-native.zip
mkdir -p "$stage"
cp "$bin" "$stage/bootstrap"
cp "$config" "$stage/guard.toml"
# Key files are resolved relative to the config: copy each `pem_file` beside it, then prove
# the staged copy loads on its own (a key this scan missed fails here, not in Lambda).
confdir=$(dirname "$config")
for rel in $(sed -n 's/.*pem_file *= *"\([^"]*\)".*/\1/p' "$config"); do
  case "$rel" in /* | *..*) echo "package-native: pem_file $rel must be a path below the config's directory" >&2; exit 1 ;; esac
  mkdir -p "$stage/$(dirname "$rel")"
  cp "$confdir/$rel" "$stage/$rel"
done
"$edgeguard" config check "$stage/guard.toml" > /dev/null
python3 scripts/zipdir.py build/edgeguard-native.zip "$stage"
printf 'build/edgeguard-native.zip: %d bytes (bootstrap needs GLIBC_%s <= %s)\n' \
  "$(wc -c < build/edgeguard-native.zip)" "$needed" "$max_glibc"
