#!/usr/bin/env bash
# Runs the release CLI on each event with the given config and prints one line per event:
# the decision, the reason and the status or the forwarded request, like Lambda@Edge would see it.
set -euo pipefail
config=$1; shift
bin=${EDGEGUARD_BIN:-target/release/edgeguard}
printf '%-34s %-6s %-28s %s\n' EVENT DECISION REASON RESULT
for event in "$@"; do
  result=$("$bin" invoke --config "$config" --explain "$event" 2>/tmp/edgeguard-demo.$$)
  log=$(cat /tmp/edgeguard-demo.$$)
  decision=$(printf '%s' "$log" | sed -n 's/.*"decision":"\([a-z]*\)".*/\1/p')
  reason=$(printf '%s' "$log" | sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p')
  summary=$(printf '%s' "$result" | cut -c1-70)
  printf '%-34s %-6s %-28s %s\n' "$(basename "$event" .json)" "$decision" "${reason:--}" "$summary"
done
rm -f /tmp/edgeguard-demo.$$
