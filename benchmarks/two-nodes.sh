#!/bin/bash
# Two rts nodes over Redis under siobench, with no relay of our own: nftables rules on the output
# hook rewrite the ports of each connection to the front port so that it reaches one of the nodes
# (chosen by a hash of the client's port), so every room of 100 has members on both nodes and the
# kernel does the forwarding. The rewrite is stateless (no conntrack, no NAT): client-to-front
# packets get the node's port, node-to-127.0.0.1 packets from a node's port get the front port
# back, so the script reaches the nodes itself from 127.0.0.2. NAT=dnat uses a conntrack DNAT
# (numgen random) instead: it cost the nodes' core 1.3-2.5 us a delivery (benchmarks/README).
# Both nodes on CPU 0 (as side-by-side.sh pins its one server), siobench and its stand-in
# /users/me on CPU 1, redis-server wherever it runs. NODES=1 sends every connection to node A
# through the same rules; NODES=1 NAT=0 connects siobench to node A itself, and USE_REDIS=0 runs
# node A without Redis (side-by-side.sh's rts half). PERF=1 records CPU 0 with perf (call graphs)
# for the pointer phase into $OUT/$TAG-perf.data.
#
# usage: benchmarks/two-nodes.sh RTS_BINARY N [POINTER_SECONDS]     (root: nft needs CAP_NET_ADMIN)
# env:   OUT (default /tmp/rts-two-nodes), TAG (run name), NODES (2), NAT (1: stateless rewrite,
#        dnat, 0: none), USE_REDIS (1), PERF (0), BENCH (siobench binary, built from
#        ../shared/tools/sio-anchor/siobench when missing), FRONT, PORT_A, PORT_B, BPORT (ports),
#        GOMAXPROCS (passed to the nodes only), REDIS_CLI (default "redis-cli": 127.0.0.1:6379).
# Deletes the keys rts:* before and after the run (the nodes' default prefix). Prints one summary;
# siobench's JSON, its log, the nodes' logs, metrics and CPU samples land in $OUT/$TAG-*.
set -u
RTS=$1; N=${2:-2000}; SECS=${3:-15}
NODES=${NODES:-2}; NAT=${NAT:-1}; USE_REDIS=${USE_REDIS:-1}; PERF=${PERF:-0}
[ "$NODES" = 2 ] && { [ "$NAT" = 0 ] && NAT=1; USE_REDIS=1; }
FRONT=${FRONT:-18490}; PORT_A=${PORT_A:-18491}; PORT_B=${PORT_B:-18492}; BPORT=${BPORT:-18499}
OUT=${OUT:-/tmp/rts-two-nodes}; TAG=${TAG:-n$NODES-$N}
BENCH=${BENCH:-/tmp/siobench}
REDIS_CLI=${REDIS_CLI:-redis-cli}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
P="$OUT/$TAG"
[ -x "$BENCH" ] || (cd "$HERE/../../shared/tools/sio-anchor/siobench" && go build -o "$BENCH" .) || exit 1
command -v nft > /dev/null || { echo "two-nodes.sh: nft not found (apt-get install -y nftables)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

TABLE=rts_two_nodes_$$
PIDS=()
cleanup() {
	trap '' INT TERM # a second signal must not cut the cleanup short (rules and keys left behind)
	for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null; done
	nft delete table ip "$TABLE" 2> /dev/null
	$REDIS_CLI --scan --pattern 'rts:*' | xargs -r $REDIS_CLI del > /dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

$REDIS_CLI --scan --pattern 'rts:*' | xargs -r $REDIS_CLI del > /dev/null

TARGET=$FRONT
if [ "$NODES" = 2 ]; then NODEPORTS="$PORT_A, $PORT_B"; else NODEPORTS="$PORT_A"; fi
if [ "$NAT" = 0 ]; then
	TARGET=$PORT_A
elif [ "$NAT" = dnat ]; then
	if [ "$NODES" = 2 ]; then MAP="numgen random mod 2 map { 0 : $PORT_A, 1 : $PORT_B }"; else MAP="$PORT_A"; fi
	# Only the front port's connections are tracked (the NAT needs conntrack); the nodes' Redis
	# and /users/me traffic is not.
	nft -f - << EOF || exit 1
table ip $TABLE {
	chain raw_out {
		type filter hook output priority -300; policy accept;
		ip daddr 127.0.0.1 tcp dport != { $FRONT, $NODEPORTS } tcp sport != { $FRONT, $NODEPORTS } notrack
	}
	chain nat_out {
		type nat hook output priority -100; policy accept;
		ip daddr 127.0.0.1 tcp dport $FRONT dnat to 127.0.0.1:$MAP
	}
}
EOF
else
	if [ "$NODES" = 2 ]; then MAP="jhash tcp sport mod 2 map { 0 : $PORT_A, 1 : $PORT_B }"; else MAP="$PORT_A"; fi
	nft -f - << EOF || exit 1
table ip $TABLE {
	chain out {
		type filter hook output priority -300; policy accept;
		ip saddr 127.0.0.1 ip daddr 127.0.0.1 tcp dport $FRONT tcp dport set $MAP
		ip saddr 127.0.0.1 ip daddr 127.0.0.1 tcp sport { $NODEPORTS } tcp sport set $FRONT
	}
}
EOF
fi

GOMAXPROCS=1 taskset -c 1 "$BENCH" -backend "$BPORT" -n 0 > "$P-backend.log" 2>&1 &
BE=$!; PIDS+=("$BE")
REDIS_FLAG=(--redis redis://127.0.0.1:6379)
[ "$USE_REDIS" = 0 ] && REDIS_FLAG=()
start_node() { # port log
	APPSMITH_API_BASE_URL=http://127.0.0.1:$BPORT/api/v1 taskset -c 0 "$RTS" serve --addr "127.0.0.1:$1" \
		--no-store --log-level error "${REDIS_FLAG[@]}" > "$2" 2>&1 &
	LAST=$!; PIDS+=("$LAST")
}
start_node "$PORT_A" "$P-node-a.log"; A=$LAST
B=0
if [ "$NODES" = 2 ]; then start_node "$PORT_B" "$P-node-b.log"; B=$LAST; fi
for port in "$PORT_A" $([ "$NODES" = 2 ] && echo "$PORT_B"); do
	for _ in $(seq 100); do curl -sf --interface 127.0.0.2 "http://127.0.0.1:$port/metrics" > /dev/null && break; sleep 0.1; done
done
sleep 2

# The watcher samples the nodes' and redis-server's CPU every 0.25 s and, when siobench prints its
# JOIN and RESULT lines, each node's metrics and how each room's editors are spread over the nodes.
REDIS_PID=$(pgrep -x redis-server | head -n1)
taskset -c 1 python3 - "$P" "$A" "$B" "$PORT_A" "$PORT_B" "${REDIS_PID:-0}" "$SECS" "$REDIS_CLI" "$PERF" << 'PY' &
import http.client, json, os, re, subprocess, sys, time
prefix, pa, pb, porta, portb, rpid, secs, rcli, perf = sys.argv[1:10]
secs = float(secs)
procs = {"a": int(pa), "b": int(pb), "redis": int(rpid)}
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / tick
    except Exception:
        return None
KEEP = ("rts_ws_connections ", "rts_ws_sockets", "rts_redis_errors_total", "rts_redis_up", "rts_ws_sent_messages_total",
        "rts_ws_writes_total", "rts_ws_conflated_messages_total", "rts_ws_slow_consumers_total", "rts_ws_pointer_events_dropped_total")
def metrics(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5, source_address=("127.0.0.2", 0))
        c.request("GET", "/metrics")
        body = c.getresponse().read().decode()
        c.close()
    except Exception as e:
        return {"error": str(e)}
    out = {}
    for l in body.splitlines():
        if l.startswith(KEEP):
            k, v = l.rsplit(" ", 1)
            out[k] = float(v)  # keys as printed: rts_ws_sockets{namespace="/"}
    return out
def spread():
    # presence:/page/edit:<room> fields are "<node>:<nsp>:<socket>": editors per node per room.
    keys = subprocess.run(rcli.split() + ["--scan", "--pattern", "rts:presence:/page/edit:*"], capture_output=True, text=True).stdout.split()
    per = []
    for k in keys:
        fields = subprocess.run(rcli.split() + ["hkeys", k], capture_output=True, text=True).stdout.split()
        c = {}
        for f in fields:
            c[f.split(":", 1)[0]] = c.get(f.split(":", 1)[0], 0) + 1
        per.append(sorted(c.values()))
    both = sum(1 for p in per if len(p) >= 2)
    smaller = sorted(p[0] if len(p) >= 2 else 0 for p in per)
    return {"rooms": len(per), "roomsOnBothNodes": both,
            "smallerShareMin": smaller[0] if smaller else None, "smallerShareMedian": smaller[len(smaller) // 2] if smaller else None}
ports = {"a": porta, "b": portb}
samples, events, snaps = [], {}, {}
logf = prefix + "-siobench.log"
seen = 0
while True:
    t = time.time()
    samples.append([t] + [cpu(procs[k]) if procs[k] else None for k in ("a", "b", "redis")])
    try:
        lines = open(logf).read().splitlines()
    except FileNotFoundError:
        lines = []
    for l in lines[seen:]:
        m = re.match(r"\[[0-9.]+s\] (JOIN|PTR|RESULT) ", l)
        if m:
            events[m.group(1)] = t
            if m.group(1) in ("JOIN", "RESULT"):
                snaps[m.group(1)] = {k: metrics(ports[k]) for k in ("a", "b") if procs[k]}
                if m.group(1) == "JOIN":
                    if perf == "1":
                        subprocess.Popen(["sh", "-c", "sleep 2.5; exec perf record -q -C 0 -g -o %s-perf.data -- sleep %s" % (prefix, secs - 1)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    snaps["spread"] = spread()
        if l.startswith("START "):
            events["START"] = float(l.split()[1])
        if l.startswith("END "):
            events["END"] = t
    seen = len(lines)
    if "RESULT" in events or "END" in events:
        break
    time.sleep(0.25)
def at(t, i):
    prev = None
    for s in samples:
        if s[0] >= t and s[i] is not None:
            if prev is None:
                return s[i]
            w = (t - prev[0]) / max(s[0] - prev[0], 1e-9)
            return prev[i] + w * (s[i] - prev[i])
        if s[i] is not None:
            prev = s
    return prev[i] if prev else None
def window(t0, t1):
    out = {}
    for i, k in enumerate(("a", "b", "redis"), 1):
        x, y = at(t0, i), at(t1, i)
        if x is not None and y is not None:
            out[k] = round(y - x, 2)
    return out
res = {"events": events, "metrics": snaps}
if "START" in events and "JOIN" in events:
    res["joinCpuS"] = window(events["START"], events["JOIN"])
if "JOIN" in events:
    # siobench starts its pointers 3 s after printing JOIN and sends for the pointer seconds.
    p0 = events["JOIN"] + 3
    w = window(p0, p0 + secs)
    res["ptrCpuPct"] = {k: round(100 * v / secs, 1) for k, v in w.items()}
if "PTR" in events and "RESULT" in events:
    res["stormCpuS"] = window(events["PTR"] + 2, events["RESULT"])
json.dump(res, open(prefix + "-nodes.json", "w"), indent=1)
PY
W=$!; PIDS+=("$W")

uptime > "$P-uptime.txt"
echo "START $(date +%s.%N)" > "$P-siobench.log"
GOMAXPROCS=1 taskset -c 1 "$BENCH" -n "$N" -port "$TARGET" -pid "$A" -ptrsecs "$SECS" -out "$P.json" -cookie >> "$P-siobench.log" 2>&1 &
SB=$!; PIDS+=("$SB")
wait "$SB"
echo "END $(date +%s.%N)" >> "$P-siobench.log"
wait "$W"
uptime >> "$P-uptime.txt"
python3 - "$P" "$NODES" << 'PY'
import json, sys
p, nodes = sys.argv[1], sys.argv[2]
r = json.load(open(p + ".json"))
n = json.load(open(p + "-nodes.json"))
up = open(p + "-uptime.txt").read().split("load average:")
load = " -> ".join(x.split("\n")[0].strip() for x in up[1:])
def m(snap, node, key):
    return n["metrics"].get(snap, {}).get(node, {}).get(key)
nodes_ = ["a", "b"] if nodes == "2" else ["a"]
print("%s nodes=%s N=%d load %s" % (p, nodes, r["N"], load))
print("  join %.1fs (%.0f/s), lists bad after join %s, after storm %s, final stale %s, unexpected closes %s, conn errors %s" % (
    r["joinAllConfirmedS"], r["N"] / max(r["joinAllConfirmedS"], 0.01), r["joinListsBad"], r["stormListsBad"],
    r.get("ptrFinalStale"), r["closesUnexpected"], r["connErrors"]))
print("  connections per node at join: %s; rooms spread: %s" % (
    [m("JOIN", k, "rts_ws_connections") for k in nodes_], n["metrics"].get("spread")))
print("  pointers offered %s/s delivered %s/s (%.1f%%), latency p50 %s p99 %s ms, view lag p50 %s p99 %s ms" % (
    r["ptrMsgsPerSecOffered"], r["ptrMsgsPerSecDelivered"], r["ptrDeliveredPct"], r["ptrP50ms"], r["ptrP99ms"],
    r.get("ptrLagP50ms"), r.get("ptrLagP99ms")))
print("  CPU: join %s s, pointer phase %s %% (siobench's node A: %s %%, client %s %%), storm %s s" % (
    n.get("joinCpuS"), n.get("ptrCpuPct"), r["ptrServerCpuPct"], r["ptrClientCpuPct"], n.get("stormCpuS")))
print("  redis errors per node %s, redis up %s, slow consumers %s, editor lists at join %s, storm %s" % (
    [m("RESULT", k, "rts_redis_errors_total") for k in nodes_], [m("RESULT", k, "rts_redis_up") for k in nodes_],
    [m("RESULT", k, "rts_ws_slow_consumers_total") for k in nodes_], r["joinEditorsMsgs"], r["stormEditorsMsgs"]))
PY
