#!/usr/bin/env bash
# Runs the same wsload client against rts (as a separate process) and
# against this socket.io@4 server, on loopback, and prints both reports.
# Usage: benchmarks/node-socketio/compare.sh [wsload flags...]
#   e.g. compare.sh -conns 10000 -publishes 20 -rate 200
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
ulimit -n 25000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(cd "$here" && [ -d node_modules/socket.io ] || npm ci --no-audit --no-fund >/dev/null)
bin="$(mktemp -d)/wsload"
(cd "$root" && go build -o "$bin" ./benchmarks/cmd/wsload)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$bin" -role users-me -addr 127.0.0.1:18080 -timeout 10m & pids+=($!)
sleep 0.3

run() { # name pid url
  echo "== $1"
  "$bin" -role client -target "$3" -no-users-me -server-pid "$2" -label "$1" "${@:4}"
}

"$bin" -role server -addr 127.0.0.1:18091 -api-base http://127.0.0.1:18080/api/v1 -timeout 10m & rts=$!; pids+=($rts)
sleep 0.5
run "rts (Go)" "$rts" http://127.0.0.1:18091 "$@"
kill "$rts"; wait "$rts" 2>/dev/null || true

PORT=18092 APPSMITH_API_BASE_URL=http://127.0.0.1:18080/api/v1 node "$here/server.mjs" & node=$!; pids+=($node)
sleep 1
run "socket.io 4 (Node $(node --version))" "$node" http://127.0.0.1:18092 "$@"
