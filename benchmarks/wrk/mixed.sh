#!/usr/bin/env bash
# Small requests while batches run: the latency of single-script-data alone,
# then while never-seen multiple-script-data batches load the server too.
#
#   benchmarks/wrk/mixed.sh [DURATION] [BATCH]
#
# rts runs on every core (GOMAXPROCS = the machine's), each wrk on one
# thread with 4 connections. Prints single-script-data's req/s, p50 and p99
# in both runs and the batches' scripts/s.
# RTS_BIN runs another rts binary (e.g. an older build, to compare).
# Needs: wrk, go (builds rts and the trace from ../shared).
set -euo pipefail

DUR=${1:-20s}
BATCH=${2:-200}
PORT=${RTS_PORT:-18421}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

(cd "$root" && go build -o "$work/rts" ./cmd/rts && go run ./benchmarks/cmd/tracegen -out "$work/trace" >/dev/null)
"${RTS_BIN:-$work/rts}" serve --addr "127.0.0.1:$PORT" --no-store --log-level warn 2>"$work/rts.log" &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/rts-api/v1/health-check" >/dev/null && break; sleep 0.2; done

lua=$root/benchmarks/wrk/rts.lua
url=http://127.0.0.1:$PORT
summary() { awk '/^Requests\/sec/ { r = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } END { printf "%s req/s, p50 %s, p99 %s", r, p50, p99 }'; }

echo "load before: $(uptime)"
WRK_DATA=$work/trace WRK_MODE=single-same wrk -t1 -c4 -d5s -s "$lua" "$url" >/dev/null
echo "single-script-data alone:        $(WRK_DATA=$work/trace WRK_MODE=single-same wrk -t1 -c4 -d"$DUR" --latency -s "$lua" "$url" | summary)"
WRK_DATA=$work/trace WRK_MODE=multiple-fresh WRK_BATCH=$BATCH wrk -t1 -c4 -d"$DUR" --latency -s "$lua" "$url" >"$work/batch.txt" &
bpid=$!
sleep 2
echo "single-script-data with batches: $(WRK_DATA=$work/trace WRK_MODE=single-same wrk -t1 -c4 -d"$DUR" --latency -s "$lua" "$url" | summary)"
wait "$bpid"
echo "batches of $BATCH never-seen scripts: $(summary <"$work/batch.txt" | awk -v b="$BATCH" '{ printf "%s (%.0f scripts/s)", $0, $1 * b }')"
echo "load after: $(uptime)"
