#!/usr/bin/env bash
# The physical anchor: RSA-2048 PKCS#1 v1.5 verification by the crate edgeguard uses natively
# (RustCrypto `rsa`, SHA-1 digest included, as in a canned-policy check) against
# `openssl speed rsa2048` on the same machine, printed as a ratio. Also prints edgeguard's full
# signed-URL decision next to the raw verify it is built on. Numbers for BENCHMARKS.md.
#
#   bench/native-vs-openssl.sh                       # shipped profile (opt-level z, LTO)
#   CARGO_TARGET_DIR=target/o3 CARGO_PROFILE_BENCH_OPT_LEVEL=3 bench/native-vs-openssl.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"
OPENSSL_SECONDS="${OPENSSL_SECONDS:-3}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

line=$(openssl speed -seconds "$OPENSSL_SECONDS" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/')
[ -n "$line" ] || { echo "openssl speed printed no rsa2048 line" >&2; exit 1; }
openssl_verify_s=$(echo "$line" | awk '{sub("s$", "", $5); print $5}')

# Criterion: the raw verify and the two decisions it bounds (filters are regexes).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$CARGO" bench --bench guard -- \
    'raw_verify/rsa_crate|decide/canned_rsa2048_sha1$|end_to_end/canned_rsa2048_sha1$' >"$log" 2>&1 ||
    { cat "$log" >&2; exit 1; }

python3 - "$TARGET_DIR/criterion" "$openssl_verify_s" "$(openssl version | cut -d' ' -f1-2)" <<'PY'
import json, sys, os
root, openssl_s, openssl_version = sys.argv[1], float(sys.argv[2]), sys.argv[3]
def mean_us(group, name):
    with open(os.path.join(root, group, name, "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"] / 1000.0
raw = mean_us("raw_verify", "rsa_crate_rsa2048_pkcs1v15_sha1")
decide = mean_us("decide", "canned_rsa2048_sha1")
e2e = mean_us("end_to_end", "canned_rsa2048_sha1")
ossl = openssl_s * 1e6
print(f"{openssl_version} rsa2048 verify:              {ossl:8.1f} us  ({1e6 / ossl:,.0f}/s)")
print(f"RustCrypto rsa 0.10 RSA-2048 verify (+SHA-1): {raw:8.1f} us  ({1e6 / raw:,.0f}/s)")
print(f"  ratio rsa crate / openssl:                {raw / ossl:8.2f}x")
print(f"edgeguard signed-URL decision (Guard::decide): {decide:7.1f} us  = {decide / raw:.2f}x the raw verify (goal <= 1.5x)")
print(f"edgeguard end to end (event JSON in/out):      {e2e:7.1f} us  = {e2e / raw:.2f}x the raw verify (goal <= 1.5x)")
PY
