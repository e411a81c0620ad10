#!/usr/bin/env bash
# Page-DSL migration side by side: rts and Appsmith's Node RTS, the whole
# corpus one request at a time (benchmarks/cmd/dslreplay), in one run.
#
#   benchmarks/dsl-compare.sh REF_SERVER_JS [ROUNDS]
#
# REF_SERVER_JS is the Node reference's bundle (Appsmith's dsl package and
# RTS controllers, e.g. /work/ref-node/dist/server.js). Each server runs
# alone, pinned to CPU $SERVER_CPU (default 0), with dslreplay pinned to CPU
# $WRK_CPU (default 1): $WARMUP unmeasured rounds (default 1), then ROUNDS
# (default 3) measured. NICE (e.g. -10) runs servers and client at that
# priority; CHRT (e.g. 10) runs them SCHED_FIFO at that priority instead,
# so that neighbours on a shared machine delay their wake-ups less.
# REPLAY_ARGS go to dslreplay (e.g. -nethttp: net/http's client instead
# of the lean one, which costs the client side more time a request). Output: one markdown row per server (with the server's CPU
# time over the measured rounds, which other work on a shared machine
# disturbs less than wall time), then the ratios.
# RTS_BIN measures that rts binary instead of building ./cmd/rts.
# Needs: taskset, node, go (builds rts and dslreplay from this checkout).
set -euo pipefail

REF=${1:?usage: dsl-compare.sh REF_SERVER_JS [ROUNDS]}
ROUNDS=${2:-3}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
WARMUP=${WARMUP:-1}
prio=()
[ -n "${NICE:-}" ] && prio=(nice -n "$NICE")
[ -n "${CHRT:-}" ] && prio=(chrt -f "$CHRT")
read -r -a replay_args <<<"${REPLAY_ARGS:-}"
RTS_PORT=${RTS_PORT:-18413}
REF_PORT=${REF_PORT:-18414}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/dslreplay" ./benchmarks/cmd/dslreplay)
if [ -n "${RTS_BIN:-}" ]; then cp "$RTS_BIN" "$work/rts"; else (cd "$root" && go build -o "$work/rts" ./cmd/rts); fi

# cpu PID prints the process's CPU time (user + system) in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME PORT CMD… starts the server, replays the corpus, stops it.
# The warm-up rounds are a replay of their own, so that the server's CPU
# time is read around the measured rounds only.
measure() {
  local name=$1 port=$2 c0 c1
  shift 2
  "${prio[@]}" taskset -c "$SERVER_CPU" "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/rts-api/v1/health-check" >/dev/null && break
    sleep 0.2
  done
  if [ "$WARMUP" -gt 0 ]; then
    "${prio[@]}" taskset -c "$WRK_CPU" "$work/dslreplay" -url "http://127.0.0.1:$port" \
      -rounds "$WARMUP" -warmup 0 "${replay_args[@]}" >/dev/null || true
  fi
  c0=$(cpu "$pid")
  "${prio[@]}" taskset -c "$WRK_CPU" "$work/dslreplay" -url "http://127.0.0.1:$port" \
    -rounds "$ROUNDS" -warmup 0 -json "${replay_args[@]}" >"$work/$name.json" || true
  c1=$(cpu "$pid")
  echo $(( c1 - c0 )) >"$work/$name.cpu"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

echo "load before: $(uptime)"
measure node "$REF_PORT" env APPSMITH_LOG_LEVEL=info node "$REF" --port "$REF_PORT"
measure rts "$RTS_PORT" "$work/rts" serve --addr "127.0.0.1:$RTS_PORT" --no-store --log-level warn
echo "load after: $(uptime)"
echo
tck=$(getconf CLK_TCK)
echo "| server | requests (failed) | total s | req/s | p50 ms | p99 ms | largest page median ms | server CPU s | client CPU s |"
echo "|---|---|---|---|---|---|---|---|---|"
for s in node rts; do
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const l = r.latency, cpu = Number(process.argv[3]) / Number(process.argv[4]);
    console.log(`| ${process.argv[2]} | ${r.requests} (${r.failed}) | ${r.seconds.toFixed(2)} | ${r.reqPerSec.toFixed(0)} | ${l.p50Ms.toFixed(3)} | ${l.p99Ms.toFixed(3)} | ${r.largest.medianMs.toFixed(3)} | ${cpu.toFixed(2)} | ${(r.clientCpuSeconds ?? 0).toFixed(2)} |`);
  ' "$work/$s.json" "$s" "$(cat "$work/$s.cpu")" "$tck"
done
node -e '
  const fs = require("fs"), f = (n) => JSON.parse(fs.readFileSync(n, "utf8"));
  const a = f(process.argv[1]), b = f(process.argv[2]);
  const ca = Number(process.argv[3]), cb = Number(process.argv[4]);
  console.log(`\nrts/node over the whole corpus: ${(a.seconds / b.seconds).toFixed(1)}× (total time), ` +
    `${(ca / Math.max(cb, 1)).toFixed(1)}× (server CPU time), p50 ${(a.latency.p50Ms / b.latency.p50Ms).toFixed(1)}×, ` +
    `largest page ${(a.largest.medianMs / b.largest.medianMs).toFixed(1)}×`);
' "$work/node.json" "$work/rts.json" "$(cat "$work/node.cpu")" "$(cat "$work/rts.cpu")"
