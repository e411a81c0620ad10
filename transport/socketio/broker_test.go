package socketio

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestBrokerMemory and TestBrokerRedis run one conformance suite against
// both brokers: what the hub relies on must hold on one node alone and
// through the real Redis at 127.0.0.1:6379 (a key prefix per test, its
// keys deleted at the end).
func TestBrokerMemory(t *testing.T) {
	brokerConformance(t, func(t *testing.T, mutate func(*Options)) *testEnv {
		e := newEnv(t, mutate)
		if _, ok := e.srv.broker.(memBroker); !ok {
			t.Fatalf("broker is %T, want memBroker", e.srv.broker)
		}
		return e
	})
}

func TestBrokerRedis(t *testing.T) {
	brokerConformance(t, func(t *testing.T, mutate func(*Options)) *testEnv {
		rdb := requireRedis(t, testRedisAddr)
		p := testPrefix(t, rdb)
		e := newEnvLeaks(t, func(o *Options) {
			o.Redis, o.RedisPrefix, o.NodeID, o.NodeTTL = rdb, p, "A", 3*time.Second
			if mutate != nil {
				mutate(o)
			}
		}, false) // testPrefix checks for leaks after the shutdown
		if _, ok := e.srv.broker.(*redisBroker); !ok {
			t.Fatalf("broker is %T, want *redisBroker", e.srv.broker)
		}
		if e.redisUp() != 1 {
			t.Fatal("rts_redis_up is not 1")
		}
		return e
	})
}

// TestBrokerRedisDown runs the suite against a Redis broker whose Redis
// never answers: it must serve this node's clients exactly as the memory
// broker does.
func TestBrokerRedisDown(t *testing.T) {
	brokerConformance(t, func(t *testing.T, mutate func(*Options)) *testEnv {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close() // nothing listens there now
		rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = rdb.Close() })
		e := newEnv(t, func(o *Options) {
			o.Redis, o.RedisPrefix, o.NodeID, o.NodeTTL = rdb, "rtstest:down:", "A", 3*time.Second
			if mutate != nil {
				mutate(o)
			}
		})
		if _, ok := e.srv.broker.(*redisBroker); !ok {
			t.Fatalf("broker is %T, want *redisBroker", e.srv.broker)
		}
		if e.redisUp() != 0 {
			t.Fatal("rts_redis_up is not 0 with nothing listening")
		}
		return e
	})
}

// sortedHistory returns the broker's history after from, by offset.
func sortedHistory(t *testing.T, b broker, from map[string]uint64) ([]histEntry, bool) {
	t.Helper()
	es, _, truncated := b.history(from)
	slices.SortFunc(es, func(a, b histEntry) int {
		switch {
		case a.off < b.off:
			return -1
		case a.off > b.off:
			return 1
		}
		return 0
	})
	return es, truncated
}

func brokerConformance(t *testing.T, newEnv func(t *testing.T, mutate func(*Options)) *testEnv) {
	t.Run("publish: seq per room, offsets and history", func(t *testing.T) {
		e := newEnv(t, nil)
		b := e.srv.broker
		for i, tc := range []struct {
			room    string
			wantSeq uint64
		}{{"app:a", 1}, {"app:a", 2}, {"app:b", 1}, {"app:a", 3}} {
			seq, err := b.publish(tc.room, "graph:changed", []byte(`{"n":`+strconv.Itoa(i)+`}`))
			if err != nil || seq != tc.wantSeq {
				t.Fatalf("push %d to %s: seq %d, %v; want %d", i, tc.room, seq, err, tc.wantSeq)
			}
		}
		es, truncated := sortedHistory(t, b, map[string]uint64{"app:a": 0})
		if truncated || len(es) != 3 {
			t.Fatalf("history of app:a: %d entries, truncated %v; want 3", len(es), truncated)
		}
		for i, e := range es {
			want := `"seq":` + strconv.Itoa(i+1)
			if !strings.Contains(string(e.pkt), want) || !strings.Contains(string(e.pkt), "graph:changed") {
				t.Errorf("entry %d = %s, want graph:changed with %s", i, e.pkt, want)
			}
			if !strings.HasSuffix(string(e.pkt), string(formatOffset(e.off))+"]") {
				t.Errorf("entry %d = %s does not end with its offset %d", i, e.pkt, e.off)
			}
		}
		if top := b.maxOffset(); top < es[2].off {
			t.Errorf("maxOffset %d is below an issued offset %d", top, es[2].off)
		}
		after, truncated := sortedHistory(t, b, map[string]uint64{"app:a": es[1].off, "app:b": 0})
		// Pushes a1 a2 b1 a3 took offsets o1..o4: after a2 in app:a and all of app:b is b1, a3.
		if truncated || len(after) != 2 || after[0].off != es[2].off-1 || after[1].off != es[2].off {
			t.Fatalf("history after the 2nd push of app:a and all of app:b: %d entries %v, truncated %v", len(after), after, truncated)
		}
		if none, truncated := sortedHistory(t, b, map[string]uint64{"app:none": 0}); truncated || len(none) != 0 {
			t.Fatalf("history of a room never pushed to: %d entries, truncated %v", len(none), truncated)
		}
	})

	t.Run("history: truncated once entries are evicted", func(t *testing.T) {
		e := newEnv(t, func(o *Options) { o.HistorySize = 2 })
		b := e.srv.broker
		for i := range 4 {
			if _, err := b.publish("app:t", "graph:changed", []byte(`{"i":`+strconv.Itoa(i)+`}`)); err != nil {
				t.Fatal(err)
			}
		}
		es, truncated := sortedHistory(t, b, map[string]uint64{"app:t": 0})
		if !truncated {
			t.Fatalf("history from 0 after 4 pushes kept 2: not truncated (%d entries)", len(es))
		}
		for _, tc := range []struct {
			from      uint64
			truncated bool
			n         int
		}{{b.maxOffset() - 2, false, 2}, {b.maxOffset() - 1, false, 1}, {b.maxOffset(), false, 0}, {b.maxOffset() - 3, true, 0}} {
			es, truncated := sortedHistory(t, b, map[string]uint64{"app:t": tc.from})
			if truncated != tc.truncated || len(es) != tc.n {
				t.Errorf("from %d: %d entries, truncated %v; want %d, %v ", tc.from, len(es), truncated, tc.n, tc.truncated)
			}
		}
	})

	t.Run("sessions: taken once", func(t *testing.T) {
		e := newEnv(t, nil)
		b := e.srv.broker
		at := time.UnixMilli(time.Now().UnixMilli())
		b.putSession(&session{sid: "sid1", pid: "pid1", email: "alice@x", rooms: map[string]uint64{"app:a": 7}, at: at})
		got := b.takeSession("pid1")
		if got == nil || got.sid != "sid1" || got.pid != "pid1" || got.email != "alice@x" || got.rooms["app:a"] != 7 || len(got.rooms) != 1 || !got.at.Equal(at) {
			t.Fatalf("takeSession = %+v", got)
		}
		if again := b.takeSession("pid1"); again != nil {
			t.Fatalf("a session was taken twice: %+v", again)
		}
		if unknown := b.takeSession("nope"); unknown != nil {
			t.Fatalf("unknown pid gave %+v", unknown)
		}
	})

	t.Run("a list to joiners reaches them alone", func(t *testing.T) {
		e := newEnv(t, nil)
		e.srv.presenceWindow = time.Hour // no list but the one asked for
		h := e.srv.page
		alice, bob, carol := heldSocket(e.srv, h, "alice"), heldSocket(e.srv, h, "bob"), heldSocket(e.srv, h, "carol")
		h.join(alice, "page:p1")
		h.join(bob, "page:p1")
		e.srv.broker.sendPresenceTo(h, "page:p1", []*socket{bob, carol}) // carol is not in the room
		want := `42/page/edit,["collab:online_editors",{"resourceId":"p1","users":[{"name":"Alice","email":"alice@x"},{"name":"Bob","email":"bob@x"}]}]`
		if got := queued(bob.c); len(got) != 1 || got[0] != want {
			t.Fatalf("bob's queue %q, want %s", got, want)
		}
		if got := queued(alice.c); len(got) != 0 {
			t.Fatalf("alice's queue %q, want nothing", got)
		}
		if got := queued(carol.c); len(got) != 0 {
			t.Fatalf("carol, not a member, got %q", got)
		}
		h.leave(alice, "page:p1")
		h.leave(bob, "page:p1")
	})

	t.Run("presence, broadcast and pushes reach the room's members", func(t *testing.T) {
		e := newEnv(t, nil)
		alice := dialRaw(t, e, "SESSION=alice", nil)
		alice.write("40")
		alice.readUntil("40{")
		alice.write(`42["collab:start_edit","app1"]`)
		if f := alice.readUntil(`42["collab:online_editors"`); !strings.Contains(f, `"alice@x"`) {
			t.Fatalf("alice's first list: %s", f)
		}
		bob := dialRaw(t, e, "SESSION=bob", nil)
		bob.write("40")
		bob.readUntil("40{")
		bob.write(`42["collab:start_edit","app1"]`)
		want := `42["collab:online_editors",{"resourceId":"app1","users":[{"name":"Alice","email":"alice@x"},{"name":"Bob","email":"bob@x"}]}]`
		for _, c := range []*rawClient{alice, bob} {
			c.readExactly(want) // the list that has both, in join order
		}
		e.srv.broker.broadcast(e.srv.root, "app:app1", outMsg{b: encodeEvent(nspRoot, "note", []byte(`"hi"`))})
		for _, c := range []*rawClient{alice, bob} {
			if f := c.readUntil(`42["note"`); f != `42["note","hi"]` {
				t.Fatalf("broadcast arrived as %s", f)
			}
		}
		if _, err := e.srv.broker.publish("app:app1", "graph:changed", []byte(`{"x":1}`)); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*rawClient{alice, bob} {
			if f := c.readUntil(`42["graph:changed"`); !strings.Contains(f, `"seq":1`) {
				t.Fatalf("push arrived as %s", f)
			}
		}
	})
}

// readExactly reads frames until one equals want.
func (c *rawClient) readExactly(want string) {
	c.t.Helper()
	for c.read() != want {
	}
}
