package socketio

// Several Servers sharing the Redis at 127.0.0.1:6379 (CI starts one).

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const testRedisAddr = "127.0.0.1:6379"

// requireRedis returns a client of the test Redis or fails the test.
func requireRedis(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		t.Fatalf("Redis at %s does not answer (%v): the cluster tests need a Redis 7 server there; start one with `redis-server --port 6379 --save '' --appendonly no`", addr, err)
	}
	return rdb
}

// testPrefix returns a key prefix of its own for t and deletes its keys
// when the test ends.
func testPrefix(t testing.TB, rdb *redis.Client) string {
	before := socketioGoroutines()
	t.Cleanup(func() { checkNoLeaks(t, before) }) // runs after every node's shutdown
	p := fmt.Sprintf("rtstest:%s:%d:", t.Name(), time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, p+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return p
}

// newNode starts one cluster node (a Server with its own httptest server
// and registry) on rdb.
func newNode(t testing.TB, rdb *redis.Client, prefix, id string, ttl time.Duration) *testEnv {
	return newEnvLeaks(t, func(o *Options) {
		o.Redis = rdb
		o.RedisPrefix = prefix
		o.NodeID = id
		o.NodeTTL = ttl
		o.PingInterval = time.Second
		o.PingTimeout = time.Second
	}, false)
}

func (e *testEnv) redisUp() float64 { return e.counter("rts_redis_up") }

func TestClusterPresenceAndPublish(t *testing.T) {
	rdb := requireRedis(t, testRedisAddr)
	p := testPrefix(t, rdb)
	a := newNode(t, rdb, p, "A", 3*time.Second)
	b := newNode(t, rdb, p, "B", 3*time.Second)
	if a.redisUp() != 1 || b.redisUp() != 1 {
		t.Fatal("rts_redis_up is not 1")
	}
	na, nb := startNode(t, a.hs.URL), startNode(t, b.hs.URL)
	na.send(map[string]any{"op": "connect", "id": "alice", "cookie": "SESSION=alice"})
	na.waitFor(isConnect("alice"), wait, "alice connect")
	na.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	na.waitFor(editors("alice", "app1", "alice@x"), wait, "alice alone")
	nb.send(map[string]any{"op": "connect", "id": "bob", "cookie": "SESSION=bob"})
	nb.waitFor(isConnect("bob"), wait, "bob connect")
	nb.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app1"}})
	nb.waitFor(editors("bob", "app1", "alice@x", "bob@x"), wait, "bob sees alice (node A) and bob")
	na.waitFor(editors("alice", "app1", "alice@x", "bob@x"), wait, "alice sees bob (node B)")

	// /page/edit: presence, pointers and collab:leave_edit across nodes.
	na.send(map[string]any{"op": "connect", "id": "ap", "nsp": "/page/edit", "cookie": "SESSION=alice"})
	nb.send(map[string]any{"op": "connect", "id": "bp", "nsp": "/page/edit", "cookie": "SESSION=bob"})
	na.waitFor(isConnect("ap"), wait, "ap")
	bpc := nb.waitFor(isConnect("bp"), wait, "bp")
	na.send(map[string]any{"op": "emit", "id": "ap", "event": EventStartEdit, "args": []any{"p1"}})
	nb.send(map[string]any{"op": "emit", "id": "bp", "event": EventStartEdit, "args": []any{"p1"}})
	na.waitFor(editors("ap", "p1", "alice@x", "bob@x"), wait, "page presence across nodes")
	nb.send(map[string]any{"op": "emit", "id": "bp", "event": EventMousePointer, "args": []any{map[string]any{"pageId": "p1", "data": map[string]any{"x": 1}}}})
	ptr := na.waitFor(isEvent("ap", EventMousePointer), wait, "pointer from node B")
	if !strings.Contains(string(ptr.Args[0]), bpc.SID) {
		t.Fatalf("pointer %s lacks bob's socket id %s", ptr, bpc.SID)
	}
	nb.send(map[string]any{"op": "emit", "id": "bp", "event": EventLeaveEdit, "args": []any{"p1"}})
	le := na.waitFor(isEvent("ap", EventLeaveEdit), wait, "collab:leave_edit from node B")
	if !strings.Contains(string(le.Args[0]), bpc.SID) {
		t.Fatalf("leave_edit %s", le)
	}
	na.waitFor(editors("ap", "p1", "alice@x"), wait, "bob left the page")
	if got := nb.all(isEvent("bp", EventMousePointer)); len(got) != 1 {
		t.Fatalf("sender's node delivered the pointer %d times, want once (to itself: the sender is in the room)", len(got))
	}

	// Publish alternately on A and B: one seq per room across nodes, each
	// event delivered once on each node.
	for i := 1; i <= 6; i++ {
		e := a
		if i%2 == 0 {
			e = b
		}
		if seq := e.publish("app:app1", "graph:changed", map[string]any{"n": i}); seq != uint64(i) {
			t.Fatalf("publish %d: seq %d", i, seq)
		}
	}
	for _, c := range []struct {
		n  *nodeClient
		id string
	}{{na, "alice"}, {nb, "bob"}} {
		c.n.waitCount(isEvent(c.id, "graph:changed"), 6, wait, c.id+" gets 6 pushes")
		time.Sleep(50 * time.Millisecond)
		if got := pushes(t, c.n, c.id, "graph:changed"); !slices.Equal(got, seqRange(1, 6)) {
			t.Fatalf("%s got seqs %v, want 1..6 once each", c.id, got)
		}
	}
}

func TestClusterRecoveryAcrossNodes(t *testing.T) {
	rdb := requireRedis(t, testRedisAddr)
	p := testPrefix(t, rdb)
	a := newNode(t, rdb, p, "A", 3*time.Second)
	b := newNode(t, rdb, p, "B", 3*time.Second)
	lb := newTCPProxy(t, a.hs.Listener.Addr().String()) // the "load balancer"
	n := startNode(t, "http://"+lb.addr())
	n.send(map[string]any{"op": "connect", "id": "alice", "cookie": "SESSION=alice"})
	first := n.waitFor(isConnect("alice"), wait, "connect")
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice", "app1", "alice@x"), wait, "joined")
	a.publish("app:app1", "graph:changed", map[string]any{"n": 1})
	n.waitFor(isEvent("alice", "graph:changed"), wait, "push 1")

	lb.setTarget(b.hs.Listener.Addr().String())
	n.send(map[string]any{"op": "drop", "id": "alice"})
	n.waitFor(func(m msg) bool { return m.ID == "alice" && m.Type == "disconnect" }, wait, "disconnect")
	waitUntil(t, wait, "session stored in Redis", func() bool {
		keys, _ := rdb.Keys(context.Background(), p+"session:*").Result()
		return len(keys) == 1
	})
	for i := 2; i <= 4; i++ {
		e := a
		if i%2 == 1 {
			e = b
		}
		e.publish("app:app1", "graph:changed", map[string]any{"n": i})
	}
	a.publish("app:app2", "graph:changed", map[string]any{"n": "not alice's room"})
	n.send(map[string]any{"op": "reconnect", "id": "alice"})
	n.waitCount(isConnect("alice"), 2, wait, "reconnect")
	again := n.all(isConnect("alice"))[1]
	if !again.Recovered || again.SID != first.SID {
		t.Fatalf("reconnect to node B: %s, want recovered with sid %s", again, first.SID)
	}
	if b.ConnectionCountOf() != 1 || a.ConnectionCountOf() != 0 {
		t.Fatalf("connections: A %d, B %d; want the client on B", a.ConnectionCountOf(), b.ConnectionCountOf())
	}
	a.publish("app:app1", "graph:changed", map[string]any{"n": 5})
	n.waitCount(isEvent("alice", "graph:changed"), 5, wait, "live push after recovery")
	time.Sleep(50 * time.Millisecond)
	if got := pushes(t, n, "alice", "graph:changed"); !slices.Equal(got, seqRange(1, 5)) {
		t.Fatalf("alice got seqs %v, want 1..5 exactly once", got)
	}
	if b.counter("rts_ws_recoveries_total", "result", "recovered") != 1 {
		t.Fatal("recovery not counted on node B")
	}
}

func (e *testEnv) ConnectionCountOf() int { return e.srv.ConnectionCount() }

func TestClusterNodeDeath(t *testing.T) {
	rdb := requireRedis(t, testRedisAddr)
	p := testPrefix(t, rdb)
	rdbA := requireRedis(t, testRedisAddr)
	const ttl = 900 * time.Millisecond
	a := newNode(t, rdbA, p, "A", ttl)
	b := newNode(t, rdb, p, "B", ttl)
	na, nb := startNode(t, a.hs.URL), startNode(t, b.hs.URL)
	na.send(map[string]any{"op": "connect", "id": "alice", "cookie": "SESSION=alice"})
	na.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	na.waitFor(editors("alice", "app1", "alice@x"), wait, "alice joined")
	nb.send(map[string]any{"op": "connect", "id": "bob", "cookie": "SESSION=bob"})
	nb.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app1"}})
	nb.waitFor(editors("bob", "app1", "alice@x", "bob@x"), wait, "bob sees alice")

	// Node A dies: no leave, no deregistration, its Redis connections cut.
	a.srv.broker.(*redisBroker).kill()
	_ = rdbA.Close()
	a.hs.Listener.Close()
	start := time.Now()
	nb.waitFor(func(m msg) bool {
		return editors("bob", "app1", "bob@x")(m)
	}, 30*time.Second, "alice gone from bob's list after node A died")
	t.Logf("dead node's editor removed after %v (NodeTTL %v)", time.Since(start).Round(time.Millisecond), ttl)
	if n, _ := rdb.HLen(context.Background(), p+"presence:/:app:app1").Result(); n != 1 {
		t.Fatalf("presence hash has %d entries, want bob's only", n)
	}
}

func TestClusterRedisOutage(t *testing.T) {
	rdb := requireRedis(t, testRedisAddr)
	p := testPrefix(t, rdb)
	proxy := newTCPProxy(t, testRedisAddr)
	rdbB := requireRedis(t, proxy.addr())
	t.Cleanup(func() { _ = rdbB.Close() })
	const ttl = 900 * time.Millisecond
	a := newNode(t, rdb, p, "A", ttl)
	b := newNode(t, rdbB, p, "B", ttl)
	na, nb := startNode(t, a.hs.URL), startNode(t, b.hs.URL)
	na.send(map[string]any{"op": "connect", "id": "alice", "cookie": "SESSION=alice"})
	na.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	nb.send(map[string]any{"op": "connect", "id": "bob", "cookie": "SESSION=bob"})
	nb.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app1"}})
	na.waitFor(editors("alice", "app1", "alice@x", "bob@x"), wait, "alice sees bob")

	proxy.cut()
	waitUntil(t, wait, "rts_redis_up 0 on node B", func() bool { return b.redisUp() == 0 })
	if b.counter("rts_redis_errors_total") == 0 {
		t.Fatal("rts_redis_errors_total not counted")
	}
	// B keeps serving its clients locally: presence and pushes.
	nb.send(map[string]any{"op": "connect", "id": "carol", "cookie": "SESSION=carol"})
	nb.send(map[string]any{"op": "emit", "id": "carol", "event": EventStartEdit, "args": []any{"app1"}})
	nb.waitFor(editors("carol", "app1", "bob@x", "carol@x"), wait, "local presence while Redis is away")
	b.publish("app:app1", "graph:changed", map[string]any{"local": true})
	nb.waitFor(isEvent("bob", "graph:changed"), wait, "local push while Redis is away")
	// A's janitor drops B's editors once B's heartbeat expired.
	na.waitFor(editors("alice", "app1", "alice@x"), 10*time.Second, "node B's editors purged")
	if got := strings.Count(b.logs.String(), "Redis unavailable"); got != 1 {
		t.Fatalf("outage logged %d times, want once", got)
	}

	proxy.restore()
	waitUntil(t, 15*time.Second, "rts_redis_up 1 on node B", func() bool { return b.redisUp() == 1 })
	na.waitFor(editors("alice", "app1", "alice@x", "bob@x", "carol@x"), wait, "presence resynchronised on A")
	nb.waitFor(editors("bob", "app1", "alice@x", "bob@x", "carol@x"), wait, "presence resynchronised on B")
	a.publish("app:app1", "graph:changed", map[string]any{"after": true})
	nb.waitFor(func(m msg) bool {
		return isEvent("carol", "graph:changed")(m) && strings.Contains(string(m.Args[0]), `"after":true`)
	}, wait, "cross-node push after Redis is back")
}

// ---- a TCP proxy that can be cut and restored, or re-pointed -------------

type tcpProxy struct {
	ln     net.Listener
	target atomic.Value // string
	down   atomic.Bool
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newTCPProxy(t testing.TB, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, conns: map[net.Conn]struct{}{}}
	p.target.Store(target)
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.closeAll()
		p.wg.Wait()
	})
	return p
}

func (p *tcpProxy) addr() string            { return p.ln.Addr().String() }
func (p *tcpProxy) setTarget(target string) { p.target.Store(target) }
func (p *tcpProxy) restore()                { p.down.Store(false) }

// cut closes every proxied connection and refuses new ones until restore.
// It holds mu while it does, as admit does, so that a connection accepted
// just before the cut cannot be tracked after it and outlive it (a node
// whose heartbeat got through would count two outages).
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down.Store(true)
	for c := range p.conns {
		_ = c.Close()
	}
}

// admit tracks a proxied pair unless the proxy is cut, in which case both
// are closed.
func (p *tcpProxy) admit(c, up net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down.Load() {
		_ = c.Close()
		_ = up.Close()
		return false
	}
	p.conns[c] = struct{}{}
	p.conns[up] = struct{}{}
	return true
}

func (p *tcpProxy) closeAll() {
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
}

func (p *tcpProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *tcpProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target.Load().(string))
		if err != nil {
			_ = c.Close()
			continue
		}
		if !p.admit(c, up) {
			continue
		}
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
			p.untrack(src)
			p.untrack(dst)
		}
		go pipe(up, c)
		go pipe(c, up)
	}
}

// A join storm on a node whose Redis client has two connections and no
// patience for a third (PoolTimeout 1 ms): the presence scripts of 200
// simultaneous joins (and then 200 sessions kept and taken at once) go
// through the publisher's one pipeline, so none waits for a pooled
// connection (each used to take a pooled connection of
// its own: under saturation they timed out by the hundreds and the node
// fell back to local presence), and every member ends with the exact
// list.
func TestClusterJoinStormPipelined(t *testing.T) {
	base := requireRedis(t, testRedisAddr)
	p := testPrefix(t, base)
	rdb := redis.NewClient(&redis.Options{Addr: testRedisAddr, PoolSize: 2, PoolTimeout: time.Millisecond,
		DialTimeout: time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	t.Cleanup(func() { _ = rdb.Close() }) // after the node's shutdown (cleanups run last first)
	e := newNode(t, rdb, p, "A", 3*time.Second)
	h := e.srv.page
	room := h.prefix + "storm"
	const n = 200
	socks := make([]*socket, n)
	for i := range socks {
		u := &User{Name: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@x", i)}
		socks[i] = &socket{c: heldConn(e.srv, u), h: h, id: fmt.Sprintf("s%d", i), rooms: map[string]uint64{}}
	}
	var wg sync.WaitGroup
	for _, s := range socks {
		wg.Go(func() { h.join(s, room) })
	}
	wg.Wait()
	// A reconnect storm's sessions: 200 kept at once, then taken at once.
	b := e.srv.broker
	for i := range n {
		wg.Go(func() {
			b.putSession(&session{sid: fmt.Sprintf("sid%d", i), pid: fmt.Sprintf("pid%d", i), rooms: map[string]uint64{}, at: time.Now()})
		})
	}
	wg.Wait()
	for i := range n {
		wg.Go(func() {
			if got := b.takeSession(fmt.Sprintf("pid%d", i)); got == nil || got.sid != fmt.Sprintf("sid%d", i) {
				t.Errorf("takeSession(pid%d) = %+v", i, got)
			}
		})
	}
	wg.Wait()
	if st := rdb.PoolStats(); st.Timeouts != 0 || st.WaitCount != 0 {
		// go-redis retries a pool timeout, so the old way's failures
		// showed here first (204 timeouts for 200 joins), errors later.
		t.Errorf("joins waited for a pooled connection: %d waits, %d timeouts", st.WaitCount, st.Timeouts)
	}
	complete := func(s *socket) bool {
		q := queued(s.c)
		for i := len(q) - 1; i >= 0; i-- {
			if strings.Contains(q[i], EventOnlineEditors) {
				return strings.Count(q[i], `"email":`) == n
			}
		}
		return false
	}
	waitUntil(t, time.Minute, "every member's list with all 200 editors", func() bool {
		for _, s := range socks {
			if !complete(s) {
				return false
			}
		}
		return true
	})
	if errs := e.counter("rts_redis_errors_total"); errs != 0 {
		t.Errorf("rts_redis_errors_total = %v, want 0", errs)
	}
	if e.redisUp() != 1 {
		t.Error("the node fell back to local presence")
	}
	for _, s := range socks {
		h.leave(s, room)
	}
}

// The janitor's failures (here a dead node whose room set is not a set)
// are counted and retried, and do not take the node off Redis: on a
// saturated machine the janitor's purges timed out and switched every
// node to local-only presence every heartbeat.
func TestClusterJanitorFailureKeepsNodeUp(t *testing.T) {
	rdb := requireRedis(t, testRedisAddr)
	p := testPrefix(t, rdb)
	ctx := t.Context()
	if err := rdb.SAdd(ctx, p+"nodes", "ghost").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, p+"noderooms:ghost", "not a set", 0).Err(); err != nil {
		t.Fatal(err)
	}
	a := newNode(t, rdb, p, "A", 300*time.Millisecond) // a heartbeat, and a janitor run, every 100 ms
	waitUntil(t, time.Minute, "two janitor failures", func() bool { return a.counter("rts_redis_errors_total") >= 2 })
	if a.redisUp() != 1 {
		t.Error("rts_redis_up is 0 after a janitor failure")
	}
	if logs := a.logs.String(); strings.Contains(logs, "serving this node's clients only") || !strings.Contains(logs, "janitor failed") {
		t.Errorf("logs:\n%s", logs)
	}
}

// With Redis a room's interval grows with the room's size on every node
// (the list script returns it), not with this node's share.
func TestClusterRoomSizeAcrossNodes(t *testing.T) {
	rdb := requireRedis(t, testRedisAddr)
	p := testPrefix(t, rdb)
	a := newNode(t, rdb, p, "A", 3*time.Second)
	b := newNode(t, rdb, p, "B", 3*time.Second)
	a.srv.presenceWindow = time.Hour   // the test sends A's list
	a.srv.presenceInterval = time.Hour // A's room stays due: its roomSize can be read
	a.srv.presenceSettle = time.Hour
	const each = 30
	room := prefixPage + "big"
	join := func(e *testEnv, node string) {
		for i := range each {
			u := &User{Name: node + fmt.Sprint(i), Email: fmt.Sprintf("%s%d@x", node, i)}
			e.srv.page.join(&socket{c: heldConn(e.srv, u), h: e.srv.page, id: fmt.Sprintf("%s%d", node, i), rooms: map[string]uint64{}}, room)
		}
	}
	join(b, "b")
	waitUntil(t, time.Minute, "B's editors in Redis", func() bool {
		return rdb.HLen(t.Context(), p+"presence:"+nspPage+":"+room).Val() == each
	})
	join(a, "a")
	h := a.srv.page
	h.dueMu.Lock()
	d := h.due[room]
	h.dueMu.Unlock()
	h.fire(room, d) // A's list, queued after its joins: both nodes' editors
	waitUntil(t, time.Minute, "A's list of both nodes' editors", func() bool {
		h.dueMu.Lock()
		defer h.dueMu.Unlock()
		return d.roomSize == 2*each
	})
}
