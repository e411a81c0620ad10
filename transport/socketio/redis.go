package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Cluster mode (Options.Redis): several Servers share rooms, presence, seq,
// recovery history and sessions through one Redis. See the package doc
// ("# Several nodes") for the design; the keys, all under
// Options.RedisPrefix (default "rts:"), are:
//
//	<p>bus:<nsp>:<shard>        pub/sub channel of hub shard 0..63 of a namespace
//	<p>seq:<room>               INCR: the room's seq (expires roomIdleTTL after the last push)
//	<p>offset                   INCR: the cluster-wide offset counter
//	<p>hist:<room>              list of "<offset> <unix ms> <packet>", newest last, ≤ HistorySize, PEXPIRE RecoveryWindow
//	<p>histev:<room>            highest offset trimmed from the list
//	<p>presence:<nsp>:<room>    hash "<node>:<socket>" → "<join µs>\n<email>\n<user JSON>"
//	<p>noderooms:<node>         set of "<nsp>\n<room>" where the node has presence entries
//	<p>nodes                    set of node ids
//	<p>node:<node>              heartbeat key, PX NodeTTL, refreshed every NodeTTL/3
//	<p>session:<pid>            a disconnected "/" session (JSON), PX 2×RecoveryWindow

const redisOpTimeout = 2 * time.Second

// Channel message: "<kind>\n<nsp>\n<room>\n<seq>\n<offset>\n<packet>", kind
// 'p' (a Publish push, delivered under pubMu with its offset) or 'b' (any
// other room broadcast; its seq field carries the conflation key, "0" for
// none, "o" for an editor list).

// publishScript: seq and offset INCRs (never below the node's own last
// values, which may have advanced while Redis was unreachable), the packet
// built around them, appended to the room history (trimmed, evicted max
// recorded) and published — atomically, so the offset order is the order
// of the history and of every subscriber's stream.
var publishScript = redis.NewScript(`
local function b36(n)
  if n == 0 then return '0' end
  local d = '0123456789abcdefghijklmnopqrstuvwxyz'
  local s = ''
  while n > 0 do
    local r = n % 36
    s = string.sub(d, r + 1, r + 1) .. s
    n = math.floor(n / 36)
  end
  return s
end
local seq = redis.call('INCR', KEYS[1])
local minseq = tonumber(ARGV[4])
if seq <= minseq then seq = minseq + 1; redis.call('SET', KEYS[1], seq) end
redis.call('PEXPIRE', KEYS[1], ARGV[10])
local off = 0
local pkt
if ARGV[5] == '1' then
  off = redis.call('INCR', KEYS[2])
  local minoff = tonumber(ARGV[6])
  if off <= minoff then off = minoff + 1; redis.call('SET', KEYS[2], off) end
  pkt = ARGV[1] .. seq .. ARGV[2] .. b36(off) .. ARGV[3]
  redis.call('RPUSH', KEYS[3], off .. ' ' .. ARGV[9] .. ' ' .. pkt)
  local n = redis.call('LLEN', KEYS[3])
  local maxn = tonumber(ARGV[7])
  while n > maxn do
    local e = redis.call('LPOP', KEYS[3])
    redis.call('SET', KEYS[4], string.match(e, '^(%d+)'))
    n = n - 1
  end
  redis.call('PEXPIRE', KEYS[3], ARGV[8])
  redis.call('PEXPIRE', KEYS[4], ARGV[8])
else
  pkt = ARGV[1] .. seq .. ARGV[2]
end
redis.call('PUBLISH', ARGV[11], ARGV[12] .. seq .. '\n' .. off .. '\n' .. pkt)
return {seq, off}
`)

// presenceScript changes a room's presence hash (ARGV[1] "join", "leave",
// "purge" (every field with prefix ARGV[2]) or "none") and, when ARGV[9]
// is "1", publishes the room's collab:online_editors built from the whole hash: users in join
// order, deduplicated by email, and returns their number (the room's size
// on every node: see hub.noteRoomSize); "2" returns those users' JSON,
// joined by commas, instead. "purge" publishes only when it removed
// something. KEYS[1] presence hash, KEYS[2] the node's room set.
var presenceScript = redis.NewScript(`
local op = ARGV[1]
if op == 'join' then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[4])
elseif op == 'leave' then
  redis.call('HDEL', KEYS[1], ARGV[2])
elseif op == 'purge' then
  local all = redis.call('HKEYS', KEYS[1])
  local n = 0
  for _, f in ipairs(all) do
    if string.sub(f, 1, #ARGV[2]) == ARGV[2] then redis.call('HDEL', KEYS[1], f); n = n + 1 end
  end
  if n == 0 then return 0 end
end
-- A join or a refresh without the list need not read the room.
if ARGV[9] == '0' and op ~= 'leave' then return 1 end
local kv = redis.call('HGETALL', KEYS[1])
local list = {}
local mine = false
for i = 1, #kv, 2 do
  if string.sub(kv[i], 1, #ARGV[8]) == ARGV[8] then mine = true end
  local t, email, user = string.match(kv[i + 1], '^(%d+)\n([^\n]*)\n(.*)$')
  if t then table.insert(list, {tonumber(t), email, user}) end
end
if op == 'leave' and not mine then redis.call('SREM', KEYS[2], ARGV[4]) end
if ARGV[9] == '0' then return 1 end
table.sort(list, function(a, b) return a[1] < b[1] end)
local seen = {}
local users = {}
for _, m in ipairs(list) do
  if not seen[m[2]] then seen[m[2]] = true; table.insert(users, m[3]) end
end
if ARGV[9] == '2' then return table.concat(users, ',') end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. table.concat(users, ',') .. ARGV[7])
return #users
`)

// redisBroker is the broker of a node that shares its rooms with the other
// nodes through Redis; while Redis is unreachable it serves through local,
// this node's memBroker.
type redisBroker struct {
	s      *Server
	local  memBroker
	rdb    *redis.Client
	p      string // key prefix
	node   string
	ttl    time.Duration
	ps     *redis.PubSub
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	up    atomic.Bool
	dead  atomic.Bool // kill() (tests): never comes back
	gauge prometheus.Gauge
	errs  prometheus.Counter

	// pubq holds room broadcasts for the publisher goroutine, which sends
	// what has queued in one pipeline: a sender (a socket's reader relaying
	// a pointer) does not wait for a Redis round trip per message, and a
	// busy node pays one round trip per batch. Bounded: a sender blocks
	// when it is full, as it waited for Redis before. pubStop asks the
	// publisher to drain it and stop; pubDone is closed when it has.
	pubq    chan pubItem
	pubStop chan struct{}
	pubDone chan struct{}

	stopOnce sync.Once
}

func newRedisBroker(s *Server) (*redisBroker, error) {
	o := &s.opts
	cl := &redisBroker{s: s, local: memBroker{s}, rdb: o.Redis, p: o.RedisPrefix, node: o.NodeID, ttl: o.NodeTTL}
	cl.gauge = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rts_redis_up", Help: "1 while Redis (cross-node fan-out, presence, recovery) is reachable, else 0.",
	})
	cl.errs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rts_redis_errors_total", Help: "Redis operations that failed.",
	})
	for _, c := range []prometheus.Collector{cl.gauge, cl.errs} {
		if err := o.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("socketio: registering metrics: %w", err)
		}
	}
	cl.ctx, cl.cancel = context.WithCancel(context.Background())
	chans := make([]string, 0, 2*numShards)
	for _, nsp := range []string{nspRoot, nspPage} {
		for i := range numShards {
			chans = append(chans, cl.channel(nsp, uint32(i)))
		}
	}
	cl.ps = cl.rdb.Subscribe(cl.ctx, chans...)
	msgs := cl.ps.Channel(redis.WithChannelSize(8192), redis.WithChannelHealthCheckInterval(max(cl.ttl/3, time.Second)))
	// The first heartbeat runs now so a node that starts with Redis up is
	// up at once (and one that does not is logged once).
	cl.beat()
	if !cl.up.Load() {
		cl.s.log.Warn("socket: Redis unavailable at start; serving this node's clients only until it is reachable", "node", cl.node)
	}
	cl.pubq = make(chan pubItem, pubQueueLen)
	cl.pubStop, cl.pubDone = make(chan struct{}), make(chan struct{})
	cl.wg.Add(3)
	go cl.receive(msgs)
	go cl.loop()
	go cl.publisher()
	return cl, nil
}

func (cl *redisBroker) channel(nsp string, shard uint32) string {
	return cl.p + "bus:" + nsp + ":" + strconv.FormatUint(uint64(shard), 10)
}

func (cl *redisBroker) channelFor(nsp, room string) string {
	f := fnv.New32a()
	_, _ = f.Write([]byte(room))
	return cl.channel(nsp, f.Sum32()%numShards)
}

func msgPrefix(kind byte, nsp, room string) string {
	return string(kind) + "\n" + nsp + "\n" + room + "\n"
}

func (cl *redisBroker) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(cl.ctx, redisOpTimeout)
}

// usable: Redis answered the last heartbeat (data-path operations are not
// even tried otherwise: the node serves its clients locally at once).
func (cl *redisBroker) usable() bool { return cl.up.Load() }

// fail records a failed operation; the first failure after being up is
// logged and switches the node to local-only until a heartbeat succeeds.
func (cl *redisBroker) fail(op string, err error) {
	cl.errs.Inc()
	if cl.up.CompareAndSwap(true, false) {
		cl.gauge.Set(0)
		cl.s.log.Warn("socket: Redis unavailable; serving this node's clients only until it is back", "op", op, "err", err)
	}
}

// loop sends the heartbeat and runs the janitor every NodeTTL/3.
func (cl *redisBroker) loop() {
	defer cl.wg.Done()
	t := time.NewTicker(max(cl.ttl/3, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-cl.ctx.Done():
			return
		case <-t.C:
			cl.beat()
		}
	}
}

// beat refreshes the heartbeat; on the transition back to up it
// re-registers this node's presence and re-broadcasts it, then purges the
// entries of dead nodes.
func (cl *redisBroker) beat() {
	if cl.dead.Load() {
		return
	}
	ctx, cancel := cl.opCtx()
	defer cancel()
	_, err := cl.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, cl.p+"node:"+cl.node, strconv.FormatInt(time.Now().UnixMilli(), 10), cl.ttl)
		p.SAdd(ctx, cl.p+"nodes", cl.node)
		return nil
	})
	if err == nil && !cl.up.Load() {
		// The subscription must work too before the node calls itself up.
		err = cl.ps.Ping(ctx)
	}
	if err != nil {
		if cl.up.Load() {
			cl.fail("heartbeat", err)
		} else {
			cl.errs.Inc()
		}
		return
	}
	if !cl.up.Load() {
		if err := cl.resync(ctx); err != nil {
			cl.errs.Inc()
			return
		}
		cl.up.Store(true)
		cl.gauge.Set(1)
		cl.s.log.Info("socket: Redis available; presence re-registered", "node", cl.node)
		cl.rebroadcast()
	}
	cancel()
	cl.purgeDead()
}

// localPresence is a snapshot of this node's presence entries.
type localEntry struct {
	h           *hub
	room        string
	field, user string // empty field: no authenticated member (anonymous only)
}

func (cl *redisBroker) snapshot() []localEntry {
	var out []localEntry
	for _, h := range []*hub{cl.s.root, cl.s.page} {
		for i := range h.shards {
			sh := &h.shards[i]
			sh.mu.Lock()
			for name, r := range sh.rooms {
				if !strings.HasPrefix(name, h.prefix) || len(r.members) == 0 {
					continue
				}
				out = append(out, localEntry{h: h, room: name})
				for m, order := range r.members {
					if m.c.user != nil {
						out = append(out, localEntry{h: h, room: name, field: cl.field(m), user: presenceValue(order, m)})
					}
				}
			}
			sh.mu.Unlock()
		}
	}
	return out
}

// resync re-registers this node's presence entries (a janitor may have
// purged them while Redis was unreachable from here) and keeps the offset
// counter above the offsets issued locally meanwhile.
func (cl *redisBroker) resync(ctx context.Context) error {
	entries := cl.snapshot()
	_, err := cl.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			if e.field != "" {
				p.HSet(ctx, cl.presenceKey(e.h.nsp, e.room), e.field, e.user)
				p.SAdd(ctx, cl.p+"noderooms:"+cl.node, e.h.nsp+"\n"+e.room)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if off := cl.s.offset.Load(); off > 0 {
		// Best effort; Publish's script also never goes below the local value.
		_ = cl.rdb.Eval(ctx, `local v = tonumber(redis.call('GET', KEYS[1]) or '0'); if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 0`,
			[]string{cl.p + "offset"}, off).Err()
	}
	return nil
}

// rebroadcast sends presence for every local presence room (after a
// resync, every node's lists are right again).
func (cl *redisBroker) rebroadcast() {
	seen := map[string]bool{}
	for _, e := range cl.snapshot() {
		if k := e.h.nsp + "\n" + e.room; !seen[k] {
			seen[k] = true
			cl.presence(e.h, e.room, "none", nil, 0, true)
		}
	}
}

// purgeDead removes the presence entries of nodes whose heartbeat key
// expired and re-broadcasts presence for their rooms: one pipeline per
// dead node, each call with a deadline of its own. A failure is counted
// and logged and the janitor tries again at the next heartbeat; it does
// not switch the node to local-only (the heartbeat decides that): a dead
// node of 10,000 editors left hundreds of rooms to purge, one round trip
// each within the heartbeat's 2 s, and on a saturated machine the
// janitor's timeout took the node off Redis every 5 s.
func (cl *redisBroker) purgeDead() {
	janitorFailed := func(err error) {
		cl.errs.Inc()
		cl.s.log.Warn("socket: Redis janitor failed; trying again at the next heartbeat", "err", err)
	}
	ctx, cancel := cl.opCtx()
	nodes, err := cl.rdb.SMembers(ctx, cl.p+"nodes").Result()
	cancel()
	if err != nil {
		janitorFailed(err)
		return
	}
	for _, id := range nodes {
		if id == cl.node {
			continue
		}
		if err := cl.purgeNode(id); err != nil {
			janitorFailed(err)
			return
		}
	}
}

// purgeNode purges node id's presence entries if its heartbeat expired.
func (cl *redisBroker) purgeNode(id string) error {
	ctx, cancel := cl.opCtx()
	defer cancel()
	n, err := cl.rdb.Exists(ctx, cl.p+"node:"+id).Result()
	if err != nil || n > 0 {
		return err
	}
	rooms, err := cl.rdb.SMembers(ctx, cl.p+"noderooms:"+id).Result()
	if err != nil {
		return err
	}
	cancel()
	ctx, cancel = context.WithTimeout(cl.ctx, redisOpTimeout+time.Duration(len(rooms))*time.Millisecond)
	defer cancel()
	_, err = cl.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, nr := range rooms {
			nsp, room, _ := strings.Cut(nr, "\n")
			h := cl.s.hubFor(nsp)
			if h == nil {
				continue
			}
			keys, args := cl.presenceArgs(h, room, "purge", id+":", "", id, "1")
			presenceScript.Eval(ctx, p, keys, args...)
		}
		p.Del(ctx, cl.p+"noderooms:"+id)
		p.SRem(ctx, cl.p+"nodes", id)
		return nil
	})
	if err != nil {
		return err
	}
	cl.s.log.Info("socket: removed the presence of a dead node", "node", id, "rooms", len(rooms))
	return nil
}

func (cl *redisBroker) presenceKey(nsp, room string) string {
	return cl.p + "presence:" + nsp + ":" + room
}

func (cl *redisBroker) field(s *socket) string { return cl.node + ":" + s.h.nsp + ":" + s.id }

// presenceValue: "<join µs>\n<email>\n<user JSON>".
func presenceValue(order uint64, s *socket) string {
	return strconv.FormatUint(order, 10) + "\n" + s.c.user.Email + "\n" + string(s.c.userJSON)
}

func (cl *redisBroker) joinOrder(last uint64) uint64 {
	// Join order across nodes: microseconds (kept monotonic here).
	return max(last+1, uint64(time.Now().UnixMicro()))
}

func (cl *redisBroker) join(h *hub, room string, s *socket, order uint64) {
	cl.presence(h, room, "join", s, order, false)
}

func (cl *redisBroker) leave(h *hub, room string, s *socket) {
	cl.presence(h, room, "leave", s, 0, false)
}

func (cl *redisBroker) sendPresence(h *hub, room string) {
	cl.presence(h, room, "none", nil, 0, true)
}

// sendPresenceTo reads the room's merged list from Redis and queues it to
// the local sockets of to still in the room (the local list without
// Redis). The read goes through the publisher's pipeline, after the
// presence changes queued before it (see presence).
func (cl *redisBroker) sendPresenceTo(h *hub, room string, to []*socket) {
	if cl.usable() {
		done := make(chan presResult, 1)
		if cl.enqueuePresence(&presOp{h: h, room: room, op: "none", mode: "2", done: done}) {
			var r presResult
			select {
			case r = <-done:
			case <-cl.pubDone: // the publisher ended (kill): it may have left the call unsent
				select {
				case r = <-done:
				default:
					r.err = errRedisDown
				}
			}
			if r.err == nil {
				users := r.users
				rid := jsonString(strings.TrimPrefix(room, h.prefix))
				payload := make([]byte, 0, len(`{"resourceId":,"users":[]}`)+len(rid)+len(users))
				payload = append(payload, `{"resourceId":`...)
				payload = append(payload, rid...)
				payload = append(payload, `,"users":[`...)
				payload = append(payload, users...)
				payload = append(payload, "]}"...)
				h.sendToMembers(room, to, outMsg{b: encodeEvent(h.nsp, EventOnlineEditors, payload), key: listKey(room)})
				return
			}
		}
	}
	cl.local.sendPresenceTo(h, room, to)
}

// presence changes s's entry (op "join", "leave" or "none") and, when
// publish is set, sends the room's merged editor list room-wide (falling
// back to the local list without Redis). It does not wait for Redis: the
// script is queued to the publisher, which sends what has queued as one
// pipeline on its connection, in order — a join storm costs a round trip
// per batch rather than one per join (each waiting for a pooled
// connection: under saturation they queued past redisOpTimeout and fell
// back by the hundreds), and a room's list script runs after the joins
// and leaves queued before it.
func (cl *redisBroker) presence(h *hub, room, op string, s *socket, order uint64, publish bool) {
	if cl.usable() {
		field, value := "", ""
		if s != nil && s.c.user != nil {
			field = cl.field(s)
			if op == "join" {
				value = presenceValue(order, s)
			}
		} else if op != "none" {
			op = "none" // anonymous members have no entry
		}
		mode := "0"
		if publish {
			mode = "1"
		}
		if op == "none" && !publish {
			return // nothing to change, nothing to send
		}
		if cl.enqueuePresence(&presOp{h: h, room: room, op: op, field: field, value: value, mode: mode}) {
			return
		}
	}
	if publish {
		cl.local.sendPresence(h, room) // local members only
	}
}

// presOp is a presenceScript call waiting for the publisher.
type presOp struct {
	h                            *hub
	room, op, field, value, mode string
	done                         chan presResult // mode "2": the users; nil: nobody waits
}

type presResult struct {
	users string
	err   error
}

// enqueuePresence queues op to the publisher; false when the publisher has
// stopped (the caller falls back to this node alone).
func (cl *redisBroker) enqueuePresence(op *presOp) bool {
	select {
	case cl.pubq <- pubItem{pres: op}:
		return true
	case <-cl.pubDone:
		return false
	}
}

// presenceArgs are presenceScript's KEYS and ARGV for op.
func (cl *redisBroker) presenceArgs(h *hub, room, op, field, value, node, mode string) ([]string, []any) {
	rid, _ := json.Marshal(strings.TrimPrefix(room, h.prefix))
	head := string(encodeEvent(h.nsp, EventOnlineEditors, nil))
	head = head[:len(head)-1] + `{"resourceId":` + string(rid) + `,"users":[`
	return []string{cl.presenceKey(h.nsp, room), cl.p + "noderooms:" + node},
		[]any{op, field, value, h.nsp + "\n" + room,
			cl.channelFor(h.nsp, room), msgPrefix('b', h.nsp, room) + "o\n0\n" + head, "]}]", node + ":", mode}
}

func (cl *redisBroker) runPresence(ctx context.Context, h *hub, room, op, field, value, node string, publish bool) error {
	pub := "1"
	if !publish {
		pub = "0"
	}
	return cl.presenceScriptRun(ctx, h, room, op, field, value, node, pub).Err()
}

// presenceScriptRun runs presenceScript; mode is its ARGV[9].
func (cl *redisBroker) presenceScriptRun(ctx context.Context, h *hub, room, op, field, value, node, mode string) *redis.Cmd {
	keys, args := cl.presenceArgs(h, room, op, field, value, node, mode)
	return presenceScript.Run(ctx, cl.rdb, keys, args...)
}

// broadcast sends msg to room's members on every node (local fallback).
// The message's conflation key travels in the seq field ("0": none; "o":
// an editor list, keyed by listKey on delivery).
func (cl *redisBroker) broadcast(h *hub, room string, msg outMsg) {
	if cl.usable() {
		key := msg.key
		if key == "" {
			key = "0"
		}
		it := pubItem{h: h, room: room, msg: msg,
			channel: cl.channelFor(h.nsp, room),
			payload: msgPrefix('b', h.nsp, room) + key + "\n0\n" + string(msg.b)}
		select {
		case cl.pubq <- it:
			return
		case <-cl.pubDone: // shut down or killed: this node alone
		}
	}
	cl.local.broadcast(h, room, msg)
}

// pubQueueLen bounds the broadcasts waiting for the publisher; pubBatch
// bounds one pipeline.
const (
	pubQueueLen = 4096
	pubBatch    = 256
)

// pubItem is a room broadcast, or a presence script call (pres), waiting
// for the publisher.
type pubItem struct {
	h                *hub
	room             string
	msg              outMsg // delivered locally if Redis fails
	channel, payload string
	pres             *presOp
	sess             *sessOp
}

// publisher sends the queued broadcasts, in their order, a pipeline at a
// time. On pubStop it sends what is queued and stops; on kill at once.
func (cl *redisBroker) publisher() {
	defer cl.wg.Done()
	defer close(cl.pubDone)
	batch := make([]pubItem, 0, pubBatch)
	for {
		select {
		case it := <-cl.pubq:
			batch = append(batch, it)
		case <-cl.pubStop:
			for {
				select {
				case it := <-cl.pubq:
					batch = append(batch, it)
					if len(batch) == pubBatch {
						batch = cl.flush(batch)
					}
				default:
					cl.flush(batch)
					return
				}
			}
		case <-cl.ctx.Done():
			return
		}
	more:
		for len(batch) < pubBatch {
			select {
			case it := <-cl.pubq:
				batch = append(batch, it)
			default:
				break more
			}
		}
		batch = cl.flush(batch)
	}
}

// flush PUBLISHes batch in one pipeline (every node, this one included,
// delivers from its subscription) or, without Redis, delivers it to this
// node's members; it returns batch emptied.
func (cl *redisBroker) flush(batch []pubItem) []pubItem {
	if len(batch) == 0 {
		return batch
	}
	if cl.usable() {
		ctx, cancel := cl.opCtx()
		cmds, err := cl.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, it := range batch {
				if op := it.pres; op != nil {
					// EVAL, not EVALSHA: a pipeline cannot fall back on
					// NOSCRIPT (a restarted Redis), and Redis caches the
					// script body's compilation.
					keys, args := cl.presenceArgs(op.h, op.room, op.op, op.field, op.value, cl.node, op.mode)
					presenceScript.Eval(ctx, p, keys, args...)
					continue
				}
				if op := it.sess; op != nil {
					if op.put != nil {
						p.Set(ctx, cl.p+"session:"+op.put.pid, op.val, 2*cl.s.opts.RecoveryWindow)
					} else {
						p.GetDel(ctx, cl.p+"session:"+op.pid)
					}
					continue
				}
				p.Publish(ctx, it.channel, it.payload)
			}
			return nil
		})
		cancel()
		if errors.Is(err, redis.Nil) { // a GETDEL of no session: not a failure
			err = nil
			for _, c := range cmds {
				if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
					err = e
					break
				}
			}
		}
		if err == nil {
			for i, it := range batch {
				switch {
				case it.pres != nil && it.pres.done != nil:
					users, err := cmds[i].(*redis.Cmd).Text()
					it.pres.done <- presResult{users: users, err: err}
				case it.pres != nil && it.pres.mode == "1":
					if n, err := cmds[i].(*redis.Cmd).Int(); err == nil {
						it.pres.h.noteRoomSize(it.pres.room, n)
					}
				case it.sess != nil && it.sess.done != nil:
					b, _ := cmds[i].(*redis.StringCmd).Bytes() // nil: no session
					it.sess.done <- b
				}
			}
			clear(batch)
			return batch[:0]
		}
		cl.fail("publish", err)
	}
	for _, it := range batch {
		if op := it.sess; op != nil {
			if op.put != nil {
				cl.local.putSession(op.put)
			} else {
				op.done <- nil
			}
			continue
		}
		switch op := it.pres; {
		case op == nil:
			cl.local.broadcast(it.h, it.room, it.msg)
		case op.done != nil:
			op.done <- presResult{err: errRedisDown} // the caller sends the local list
		case op.mode == "1":
			cl.local.sendPresence(op.h, op.room) // local members only
		}
	}
	clear(batch)
	return batch[:0]
}

// errRedisDown: Redis failed or is unreachable; the node serves alone.
var errRedisDown = errors.New("socketio: Redis unavailable")

// publish runs publishScript: every node, this one included, delivers
// the push from the subscription. Without Redis the push goes to this
// node's members only, its history kept locally.
func (cl *redisBroker) publish(room, event string, body []byte) (uint64, error) {
	if cl.usable() {
		seq, ok, err := cl.publishRedis(room, event, body)
		if err != nil || ok {
			return seq, err
		}
	}
	return cl.local.publish(room, event, body)
}

// publishRedis: ok=false means Redis failed and nothing was published.
func (cl *redisBroker) publishRedis(room, event string, body []byte) (seq uint64, ok bool, err error) {
	var localSeq uint64
	sh := cl.s.root.shardFor(room)
	sh.mu.Lock()
	if r := sh.rooms[room]; r != nil {
		localSeq = r.seq
	}
	sh.mu.Unlock()
	withSeq, err := injectFields(body, []byte(`"seq"`), []byte{0})
	if err != nil {
		return 0, true, err
	}
	o := &cl.s.opts
	rec := "0"
	var tmpl []byte
	if o.recovery() {
		rec = "1"
		tmpl = encodeEvent(nspRoot, event, withSeq, []byte{'"', 'o', 1, '"'})
	} else {
		tmpl = encodeEvent(nspRoot, event, withSeq)
	}
	head, rest, _ := strings.Cut(string(tmpl), "\x00")
	mid, tail, _ := strings.Cut(rest, "\x01")
	now := time.Now()
	ctx, cancel := cl.opCtx()
	defer cancel()
	res, err := publishScript.Run(ctx, cl.rdb,
		[]string{cl.p + "seq:" + room, cl.p + "offset", cl.p + "hist:" + room, cl.p + "histev:" + room},
		head, mid, tail, localSeq, rec, cl.s.offset.Load(), o.HistorySize,
		max(o.RecoveryWindow, time.Second).Milliseconds(), now.UnixMilli(), roomIdleTTL.Milliseconds(),
		cl.channelFor(nspRoot, room), msgPrefix('p', nspRoot, room)).Int64Slice()
	if err != nil || len(res) != 2 {
		if err == nil {
			err = errors.New("unexpected reply")
		}
		cl.fail("publish", err)
		return 0, false, nil
	}
	return uint64(res[0]), true, nil
}

// receive delivers the messages of every node (this one included: with
// Redis up, a node delivers its own broadcasts from here too, so every
// node sees one order) to the local members.
func (cl *redisBroker) receive(msgs <-chan *redis.Message) {
	defer cl.wg.Done()
	for m := range msgs {
		cl.deliver(m.Payload)
	}
}

func (cl *redisBroker) deliver(payload string) {
	parts := strings.SplitN(payload, "\n", 6)
	if len(parts) != 6 || len(parts[0]) != 1 {
		return
	}
	h := cl.s.hubFor(parts[1])
	if h == nil {
		return
	}
	room, pkt := parts[2], []byte(parts[5])
	if parts[0] != "p" {
		msg := outMsg{b: pkt}
		switch parts[3] {
		case "0":
		case "o": // an editor list (presenceScript)
			msg.key = listKey(room)
		default:
			msg.key = parts[3]
		}
		h.broadcastLocal(room, msg)
		return
	}
	seq, _ := strconv.ParseUint(parts[3], 10, 64)
	off, _ := strconv.ParseUint(parts[4], 10, 64)
	s := cl.s
	s.pubMu.Lock()
	for {
		cur := s.offset.Load()
		if off <= cur || s.offset.CompareAndSwap(cur, off) {
			break
		}
	}
	h.deliverPublish(room, pkt, seq, off)
	s.pubMu.Unlock()
}

// close deregisters the node (graceful shutdown, after the connections
// have left their rooms) and stops the goroutines.
func (cl *redisBroker) close() {
	cl.stopOnce.Do(func() {
		close(cl.pubStop)
		<-cl.pubDone
		if !cl.dead.Load() && cl.usable() {
			ctx, cancel := cl.opCtx()
			cl.rdb.Del(ctx, cl.p+"node:"+cl.node, cl.p+"noderooms:"+cl.node)
			cl.rdb.SRem(ctx, cl.p+"nodes", cl.node)
			cancel()
		}
		cl.cancel()
		_ = cl.ps.Close()
		cl.wg.Wait()
	})
}

// kill stops the node's Redis activity without any goodbye (tests: a node
// that dies). The Server keeps serving locally.
func (cl *redisBroker) kill() {
	cl.dead.Store(true)
	cl.up.Store(false)
	cl.gauge.Set(0)
	cl.cancel()
	_ = cl.ps.Close()
	cl.wg.Wait()
}
