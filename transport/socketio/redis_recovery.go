package socketio

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Redis broker's side of connection-state recovery: sessions, the
// cluster-wide offset and the room histories (the keys are listed in
// redis.go).

// Sessions.

type sessionJSON struct {
	SID   string            `json:"sid"`
	Email string            `json:"email,omitempty"`
	Rooms map[string]uint64 `json:"rooms"`
	At    int64             `json:"at"` // unix ms
}

// sessOp is a session's SET (put) or GETDEL (pid, answered on done: the
// session's JSON, or nil) waiting for the publisher.
type sessOp struct {
	put  *session
	val  []byte
	pid  string
	done chan []byte
}

// putSession stores the session in Redis (any node may take it), or
// locally while Redis is unreachable.
func (cl *redisBroker) putSession(sess *session) {
	if !cl.putSessionRedis(sess) {
		cl.local.putSession(sess)
	}
}

// putSessionRedis queues the session's SET to the publisher's pipeline
// (see pubItem): a reconnect storm's disconnects, each waiting for a
// pooled connection, timed out under saturation.
func (cl *redisBroker) putSessionRedis(sess *session) bool {
	if !cl.usable() {
		return false
	}
	b, _ := json.Marshal(sessionJSON{SID: sess.sid, Email: sess.email, Rooms: sess.rooms, At: sess.at.UnixMilli()})
	select {
	case cl.pubq <- pubItem{sess: &sessOp{put: sess, val: b}}:
		return true
	case <-cl.pubDone:
		return false
	}
}

// takeSession takes a session kept locally (while Redis was unreachable)
// or else from Redis, through the publisher's pipeline (after any put of
// this node queued before it).
func (cl *redisBroker) takeSession(pid string) *session {
	if sess := cl.local.takeSession(pid); sess != nil {
		return sess
	}
	if !cl.usable() {
		return nil
	}
	op := &sessOp{pid: pid, done: make(chan []byte, 1)}
	select {
	case cl.pubq <- pubItem{sess: op}:
	case <-cl.pubDone:
		return nil
	}
	var b []byte
	select {
	case b = <-op.done:
	case <-cl.pubDone: // the publisher ended (kill): it may have left the call unsent
		select {
		case b = <-op.done:
		default:
		}
	}
	if b == nil {
		return nil
	}
	var sj sessionJSON
	if json.Unmarshal(b, &sj) != nil {
		return nil
	}
	if sj.Rooms == nil {
		sj.Rooms = map[string]uint64{}
	}
	return &session{sid: sj.SID, pid: pid, email: sj.Email, rooms: sj.Rooms, at: time.UnixMilli(sj.At)}
}

// maxOffset is the cluster-wide offset counter (for the invalid_offset
// check), or this node's while Redis is unreachable.
func (cl *redisBroker) maxOffset() uint64 {
	if n, ok := cl.maxOffsetRedis(); ok {
		return max(n, cl.local.maxOffset())
	}
	return cl.local.maxOffset()
}

func (cl *redisBroker) maxOffsetRedis() (uint64, bool) {
	if !cl.usable() {
		return 0, false
	}
	ctx, cancel := cl.opCtx()
	defer cancel()
	n, err := cl.rdb.Get(ctx, cl.p+"offset").Uint64()
	if err != nil && !errors.Is(err, redis.Nil) {
		cl.fail("offset", err)
		return 0, false
	}
	return n, true
}

// history merges the local histories (what this node pushed while Redis
// was unreachable) with the Redis ones; live deliveries up to the highest
// offset in the Redis lists are covered by the replay.
func (cl *redisBroker) history(from map[string]uint64) ([]histEntry, uint64, bool) {
	out, _, truncated := cl.local.history(from)
	if truncated {
		return nil, 0, true
	}
	es, maxSeen, truncated, ok := cl.historyRedis(from)
	if !ok {
		return out, 0, false
	}
	if truncated {
		return nil, 0, true
	}
	seen := make(map[uint64]bool, len(out))
	for _, e := range out {
		seen[e.off] = true
	}
	for _, e := range es {
		if !seen[e.off] {
			out = append(out, e)
		}
	}
	return out, maxSeen, false
}

// historyRedis reads the Redis histories of rooms in one transaction (a
// consistent snapshot) and returns, per room, the entries after from[room]
// (truncated: some of them were trimmed or are older than the window) and
// the highest offset seen in any of the lists.
func (cl *redisBroker) historyRedis(from map[string]uint64) (out []histEntry, maxSeen uint64, truncated, ok bool) {
	if !cl.usable() {
		return nil, 0, false, false
	}
	ctx, cancel := cl.opCtx()
	defer cancel()
	type res struct {
		room string
		l    *redis.StringSliceCmd
		ev   *redis.StringCmd
	}
	rs := make([]res, 0, len(from))
	_, err := cl.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for room := range from {
			rs = append(rs, res{room, p.LRange(ctx, cl.p+"hist:"+room, 0, -1), p.Get(ctx, cl.p+"histev:"+room)})
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		cl.fail("history", err)
		return nil, 0, false, false
	}
	cutoff := time.Now().Add(-cl.s.opts.RecoveryWindow).UnixMilli()
	for _, r := range rs {
		ev, _ := strconv.ParseUint(r.ev.Val(), 10, 64)
		start := from[r.room]
		for _, e := range r.l.Val() {
			offS, rest, _ := strings.Cut(e, " ")
			atS, pkt, _ := strings.Cut(rest, " ")
			off, _ := strconv.ParseUint(offS, 10, 64)
			at, _ := strconv.ParseInt(atS, 10, 64)
			maxSeen = max(maxSeen, off)
			if at < cutoff {
				ev = max(ev, off)
				continue
			}
			if off > start {
				out = append(out, histEntry{off: off, at: time.UnixMilli(at), pkt: []byte(pkt)})
			}
		}
		if ev > start {
			truncated = true
		}
	}
	return out, maxSeen, truncated, true
}
