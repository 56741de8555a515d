#!/usr/bin/env bash
# Load benchmark: `edgeguard serve` (release build, shipped guard.toml) against nginx serving the
# same files on the same machine, driven by wrk. Not part of the test suite; results go to
# BENCHMARKS.md ("Local edge vs nginx").
#
#   bench/serve-vs-nginx.sh            # or: make bench-serve
#   DURATION=5s CONNECTIONS=32 THREADS=2 bench/serve-vs-nginx.sh
#   EDGEGUARD_BIN=path/to/edgeguard bench/serve-vs-nginx.sh   # a prebuilt binary
#
# Cases (each run against both servers, DURATION each):
#   allowed  GET /images/photo.jpg with Referer https://www.example.com/gallery/  -> 200 (16 KiB)
#   denied   GET /images/photo.jpg with Referer https://evil.test/                -> 403
#   signed   GET /private/report.bin with a valid signature                       -> 200 (16 KiB)
#
# What is compared, honestly:
#   - Referer: nginx `valid_referers example.com *.example.com;` + `if ($invalid_referer)
#     { return 403; }` is the nginx equivalent of guard.toml's image rule (missing Referer denied).
#     nginx matches the raw header text; edgeguard parses the Referer as a URL (WHATWG) first.
#   - Signed URLs: nginx cannot verify CloudFront signatures. Its closest built-in is
#     `secure_link` (MD5 of expiry + URI + a shared secret). edgeguard verifies an RSA-2048
#     SHA-1 CloudFront canned-policy signature (public-key crypto) per request, so this case
#     compares two different, not equivalent, checks: "signed URL with expiry" in both servers.
#   - Both: access log off (edgeguard --quiet), as many workers as cores (nginx worker_processes
#     auto, tokio multi-thread runtime), keep-alive connections, files from the page cache.
#     wrk runs on the same cores, so absolute numbers are machine-bound; the ratio is the point.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CARGO=${CARGO:-cargo}

for tool in wrk nginx node openssl; do
  command -v "$tool" >/dev/null || {
    echo "bench: '$tool' is missing (apt-get install -y wrk nginx openssl; node for signing)" >&2
    exit 2
  }
done

# EDGEGUARD_BIN=path benchmarks a prebuilt binary (e.g. one built with another opt-level).
if [ -n "${EDGEGUARD_BIN:-}" ]; then
  BIN=$EDGEGUARD_BIN
else
  "$CARGO" build --quiet --release --bin edgeguard
  BIN=target/release/edgeguard
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/edgeguard-bench.XXXXXX")
EDGE_PID=""
cleanup() {
  [ -n "$EDGE_PID" ] && kill "$EDGE_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

chmod 755 "$WORK"   # nginx workers run unprivileged
mkdir -p "$WORK/site/images" "$WORK/site/private"
head -c 16384 /dev/urandom > "$WORK/site/images/photo.jpg"
head -c 16384 /dev/urandom > "$WORK/site/private/report.bin"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
EDGE_PORT=$(free_port)
NGINX_PORT=$(free_port)

# --- edgeguard serve: the shipped config; Host presented as the distribution's name -----------
EDGE_HOST=cdn.example.com
"$BIN" serve --config guard.toml --origin "$WORK/site" --listen "127.0.0.1:$EDGE_PORT" \
  --host-header "$EDGE_HOST" --quiet > "$WORK/edge.out" 2> "$WORK/edge.err" &
EDGE_PID=$!

# --- nginx: the equivalent referer rule, secure_link for the signed case -----------------------
SECRET=bench-secret
cat > "$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
daemon on;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx-tmp;
  proxy_temp_path $WORK/nginx-tmp;
  fastcgi_temp_path $WORK/nginx-tmp;
  uwsgi_temp_path $WORK/nginx-tmp;
  scgi_temp_path $WORK/nginx-tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/site;
    location /images/ {
      valid_referers example.com *.example.com;
      if (\$invalid_referer) { return 403 "Forbidden"; }
    }
    location /private/ {
      secure_link \$arg_md5,\$arg_expires;
      secure_link_md5 "\$secure_link_expires\$uri $SECRET";
      if (\$secure_link = "") { return 403 "Forbidden"; }
      if (\$secure_link = "0") { return 403 "Forbidden"; }
    }
    location / { return 403 "Forbidden"; }
  }
}
NGINX
mkdir -p "$WORK/nginx-tmp"
nginx -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"

for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/edge.out" 2>/dev/null && [ -f "$WORK/nginx.pid" ] && break
  sleep 0.1
done
grep -q "listening on" "$WORK/edge.out" || { echo "bench: edgeguard serve did not start:" >&2; cat "$WORK/edge.err" >&2; exit 1; }

# --- signed URLs --------------------------------------------------------------------------------
EXPIRES=$(( $(date +%s) + 3600 ))
EDGE_QUERY=$(node --input-type=module -e "
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { readFileSync } from 'node:fs';
const url = getSignedUrl({
  url: 'https://$EDGE_HOST/private/report.bin',
  keyPairId: 'K2JCJMDEHXQW5F',
  privateKey: readFileSync('tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem', 'utf8'),
  dateLessThan: new Date($EXPIRES * 1000).toISOString(),
});
console.log(new URL(url).search.slice(1));
")
NGINX_MD5=$(printf '%s' "$EXPIRES/private/report.bin $SECRET" | openssl md5 -binary | openssl base64 | tr '+/' '-_' | tr -d '=')
NGINX_QUERY="md5=$NGINX_MD5&expires=$EXPIRES"

EDGE="http://127.0.0.1:$EDGE_PORT"
NGINX="http://127.0.0.1:$NGINX_PORT"
ALLOWED_REFERER="https://www.example.com/gallery/"
FOREIGN_REFERER="https://evil.test/"

# --- sanity: both servers give the expected status for each case, else the numbers mean nothing -
expect() { # expect STATUS URL [REFERER]
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' ${3:+-H "Referer: $3"} "$2")
  [ "$got" = "$1" ] || { echo "bench: $2 (Referer ${3:-none}) gave $got, expected $1" >&2; exit 1; }
}
expect 200 "$EDGE/images/photo.jpg" "$ALLOWED_REFERER"
expect 200 "$NGINX/images/photo.jpg" "$ALLOWED_REFERER"
expect 403 "$EDGE/images/photo.jpg" "$FOREIGN_REFERER"
expect 403 "$NGINX/images/photo.jpg" "$FOREIGN_REFERER"
expect 200 "$EDGE/private/report.bin?$EDGE_QUERY"
expect 200 "$NGINX/private/report.bin?$NGINX_QUERY"
expect 403 "$EDGE/private/report.bin"
expect 403 "$NGINX/private/report.bin"

# --- wrk ------------------------------------------------------------------------------------------
# Prints "RPS P99_MS NON2XX" for one run.
run_wrk() { # run_wrk URL [REFERER]
  local out rps p99 unit non2xx
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency ${2:+-H "Referer: $2"} "$1")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  case "$p99" in
    *us) p99=$(awk -v v="${p99%us}" 'BEGIN {printf "%.3f", v / 1000}') ;;
    *ms) p99=${p99%ms} ;;
    *s) p99=$(awk -v v="${p99%s}" 'BEGIN {printf "%.3f", v * 1000}') ;;
  esac
  echo "$rps $p99 ${non2xx:-0}"
}

printf '\nwrk -t%s -c%s -d%s --latency, %s cores, %s\n' "$THREADS" "$CONNECTIONS" "$DURATION" "$(nproc)" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-8s | %14s %10s | %14s %10s | %9s %9s\n' case "edgeguard rps" "p99 ms" "nginx rps" "p99 ms" "rps ratio" "p99 ratio"
printf -- '---------+---------------------------+---------------------------+--------------------\n'
bench_case() { # bench_case NAME EDGE_URL NGINX_URL [REFERER]
  local e n
  e=($(run_wrk "$2" "${4:-}"))
  n=($(run_wrk "$3" "${4:-}"))
  printf '%-8s | %14.0f %10s | %14.0f %10s | %9s %9s\n' "$1" "${e[0]}" "${e[1]}" "${n[0]}" "${n[1]}" \
    "$(awk -v a="${e[0]}" -v b="${n[0]}" 'BEGIN {printf "%.2f", a / b}')" \
    "$(awk -v a="${e[1]}" -v b="${n[1]}" 'BEGIN {printf "%.2f", a / b}')"
  [ "${e[2]}" = "${n[2]}" ] || [ "$1" = denied ] || echo "  note: non-2xx responses edgeguard ${e[2]}, nginx ${n[2]}" >&2
}
bench_case allowed "$EDGE/images/photo.jpg" "$NGINX/images/photo.jpg" "$ALLOWED_REFERER"
bench_case denied "$EDGE/images/photo.jpg" "$NGINX/images/photo.jpg" "$FOREIGN_REFERER"
bench_case signed "$EDGE/private/report.bin?$EDGE_QUERY" "$NGINX/private/report.bin?$NGINX_QUERY"
printf '\nratio = edgeguard / nginx (rps: higher is better for edgeguard; p99: lower is better)\n'
