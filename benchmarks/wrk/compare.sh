#!/usr/bin/env bash
# Side by side: rts and Appsmith's Node RTS under the same wrk load, in one run.
#
#   benchmarks/wrk/compare.sh REF_SERVER_JS [DURATION] [MODES…]
#
# REF_SERVER_JS is the Node reference's bundle (Appsmith's ast package and RTS
# controllers, e.g. /work/ref-node/dist/server.js), or - to measure rts alone
# (before and after a change: RTS_BIN). Both servers run pinned to
# CPU $SERVER_CPU (default 0), wrk -t$WRK_THREADS -c8 to CPU $WRK_CPU (default 1), one
# server under load at a time: for every mode, fresh processes of both, the
# reference then rts, each warmed up for $WARMUP (default 5s) and measured
# for DURATION (default 20s). RSS is sampled every 0.2 s while measured; the
# maximum is reported, and each server's CPU time over the measured run,
# per request. RTS_FLAGS adds flags to `rts serve`; RTS_BIN measures that
# rts binary instead of building ./cmd/rts. NICE (e.g. -10)
# runs both servers and wrk at that priority, so that other work on a shared
# machine disturbs the measurement less (the same for both servers).
# WRK_THREADS (default 2, the issue's -t2) sets wrk's threads: both share
# wrk's one core, and when the server keeps them busy the kernel timeslices
# them, so a response waits up to a slice for its thread; the p99 of a server
# that answers at once (benchmarks/cmd/httpfloor) is 3.3-3.9 ms with -t2 and
# 0.33 ms with -t1 (2026-12-02), so -t1 shows what the server adds to the tail.
# Output: one markdown row per mode and server, then the ratios.
# Needs: wrk, taskset, node, go (builds rts and the trace from ../shared).
set -euo pipefail

REF=${1:?usage: compare.sh REF_SERVER_JS [DURATION] [MODES…]}
DUR=${2:-20s}
shift $(( $# >= 2 ? 2 : 1 ))
MODES=${*:-single-same single-fresh refactor multiple-same multiple-fresh pagesave health}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
WARMUP=${WARMUP:-5s}
WRK_THREADS=${WRK_THREADS:-2}
prio=()
[ -n "${NICE:-}" ] && prio=(nice -n "$NICE")
RTS_PORT=${RTS_PORT:-18411}
REF_PORT=${REF_PORT:-18412}

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${RTS_BIN:-}" ]; then cp "$RTS_BIN" "$work/rts"; else (cd "$root" && go build -o "$work/rts" ./cmd/rts); fi
(cd "$root" && go run ./benchmarks/cmd/tracegen -out "$work/trace" >&2)
servers="node rts"
[ "$REF" = - ] && servers=rts

# start launches both servers, pinned, and waits until they answer; every
# mode gets fresh processes so that RSS and caches start from nothing.
start() {
  "${prio[@]}" taskset -c "$SERVER_CPU" "$work/rts" serve --addr "127.0.0.1:$RTS_PORT" --no-store --log-level warn ${RTS_FLAGS:-} 2>"$work/rts.log" &
  rts_pid=$!
  ref_pid=$rts_pid
  ports=$RTS_PORT
  if [ "$REF" != - ]; then
    APPSMITH_LOG_LEVEL=info "${prio[@]}" taskset -c "$SERVER_CPU" node "$REF" --port "$REF_PORT" >"$work/ref.log" 2>&1 &
    ref_pid=$!
    ports="$RTS_PORT $REF_PORT"
  fi
  pids=("$rts_pid" "$ref_pid")
  for port in $ports; do
    for _ in $(seq 100); do
      curl -fs "http://127.0.0.1:$port/rts-api/v1/health-check" >/dev/null && break
      sleep 0.2
    done
  done
}
stop() {
  kill "$rts_pid" "$ref_pid" 2>/dev/null || true
  wait "$rts_pid" "$ref_pid" 2>/dev/null || true
}

# cpu PID prints the process's CPU time (user + system) in clock ticks:
# per request, it measures the server's work where wall time on a shared
# machine also measures the neighbours.
tck=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# ms converts wrk's 123.45us / 1.23ms / 1.02s to milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }

# run MODE PORT PID prints "req/s p50ms p99ms maxRSSkB non2xx cpu-µs/request"
run() {
  local mode=$1 port=$2 pid=$3 out rss=0 sampler c0 c1
  WRK_DATA="$work/trace" WRK_MODE=$mode "${prio[@]}" taskset -c "$WRK_CPU" wrk -t"$WRK_THREADS" -c8 -d"$WARMUP" -s "$root/benchmarks/wrk/rts.lua" "http://127.0.0.1:$port" >/dev/null
  ( while kill -0 "$pid" 2>/dev/null; do awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; sleep 0.2; done ) >"$work/rss" &
  sampler=$!
  c0=$(cpu "$pid")
  out=$(WRK_DATA="$work/trace" WRK_MODE=$mode "${prio[@]}" taskset -c "$WRK_CPU" wrk -t"$WRK_THREADS" -c8 -d"$DUR" --latency -s "$root/benchmarks/wrk/rts.lua" "http://127.0.0.1:$port")
  c1=$(cpu "$pid")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  rss=$(sort -n "$work/rss" | tail -1)
  local rps p50 p99 bad n
  rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
  p50=$(ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  bad=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
  n=$(awk '/requests in/ { print $1 }' <<<"$out")
  echo "$rps $p50 $p99 ${rss:-0} ${bad:-0} $(awk -v c=$((c1 - c0)) -v t="$tck" -v n="${n:-0}" 'BEGIN { printf "%.0f", (n > 0 ? c / t * 1e6 / n : 0) }')"
}

echo "load before: $(uptime)"
echo
echo "| mode | server | req/s | p50 ms | p99 ms | max RSS MB | non-2xx | CPU µs/request |"
echo "|---|---|---|---|---|---|---|---|"
declare -A R
for mode in $MODES; do
  start
  for server in $servers; do
    if [ $server = node ]; then port=$REF_PORT pid=$ref_pid; else port=$RTS_PORT pid=$rts_pid; fi
    read -r rps p50 p99 rss bad cus < <(run "$mode" "$port" "$pid")
    R[$mode.$server]="$rps $p50 $p99 $rss $cus"
    printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s |\n' "$mode" "$server" "$rps" "$p50" "$p99" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$bad" "$cus"
  done
  stop
done
[ "$REF" = - ] && { echo; echo "load after: $(uptime)"; exit 0; }
echo
echo "| mode | throughput rts/node | CPU per request node/rts | rts p99 vs node p50 | RSS rts/node |"
echo "|---|---|---|---|---|"
for mode in $MODES; do
  read -r nr np50 np99 nrss ncus <<<"${R[$mode.node]}"
  read -r rr rp50 rp99 rrss rcus <<<"${R[$mode.rts]}"
  awk -v m="$mode" -v nr="$nr" -v rr="$rr" -v np50="$np50" -v rp99="$rp99" -v nrss="$nrss" -v rrss="$rrss" -v ncus="$ncus" -v rcus="$rcus" \
    'BEGIN { printf "| %s | %.1f× | %.1f× | %s ms vs %s ms (%s) | %.2f |\n", m, rr/nr, (rcus > 0 ? ncus/rcus : 0), rp99, np50, (rp99 < np50 ? "below" : "NOT below"), rrss/nrss }'
done
echo
echo "load after: $(uptime)"
