package socketio

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 15: conflated pointers, coalesced editor lists, one write per
// flush.

// heldConn is a connection whose writer is held busy: everything enqueued
// stays queued, as on a receiver that has fallen behind.
func heldConn(srv *Server, user *User) *conn {
	c := &conn{srv: srv, id: newID(), user: user, wake: make(chan struct{}, 1), writerDone: make(chan struct{}), writing: true}
	if user != nil {
		c.userJSON, _ = jsonMarshal(user)
	}
	return c
}

// queued returns the packets waiting in c's queue.
func queued(c *conn) []string {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	out := make([]string, len(c.q))
	for i, m := range c.q {
		out[i] = string(m.b)
	}
	return out
}

// heldSocket is a socket of testUsers[name] on h whose connection holds
// what it is sent (heldConn).
func heldSocket(srv *Server, h *hub, name string) *socket {
	u := testUsers[name]
	return &socket{c: heldConn(srv, &u), h: h, id: name + "-sid", rooms: map[string]uint64{}, pushes: true}
}

// queuedLists is the editor lists waiting in s's queue.
func queuedLists(s *socket) []string {
	var out []string
	for _, p := range queued(s.c) {
		if strings.Contains(p, EventOnlineEditors) {
			out = append(out, p)
		}
	}
	return out
}

// aliceInRoom joins alice to room r1 of e's root namespace, waits for her
// first list and empties her queue as if it were written, so the next list
// cannot conflate with it; join adds a member to the same room.
func aliceInRoom(t *testing.T, e *testEnv) (h *hub, alice *socket, join func(name string) *socket) {
	h = e.srv.root
	room := h.prefix + "r1"
	join = func(name string) *socket {
		s := heldSocket(e.srv, h, name)
		h.join(s, room)
		return s
	}
	alice = join("alice")
	waitUntil(t, time.Minute, "the first list", func() bool { return len(queuedLists(alice)) == 1 })
	alice.c.qmu.Lock()
	alice.c.q, alice.c.qbytes = nil, 0
	alice.c.qmu.Unlock()
	return h, alice, join
}

func TestPointerConflation(t *testing.T) {
	e := newEnv(t, nil)
	ptr := func(sender string, x int) outMsg {
		return outMsg{b: fmt.Appendf(nil, `42/page/edit,["collab:mouse_pointer",{"x":%d,"socketId":%q}]`, x, sender), key: sender}
	}
	other := outMsg{b: []byte(`42/page/edit,["collab:online_editors",{}]`)}
	tests := []struct {
		name string
		in   []outMsg
		want []outMsg
	}{
		{"one sender: the newest replaces the waiting one in its place",
			[]outMsg{ptr("a", 1), other, ptr("a", 2), ptr("a", 3)},
			[]outMsg{ptr("a", 3), other}},
		{"senders apart",
			[]outMsg{ptr("a", 1), ptr("b", 1), ptr("a", 2), ptr("b", 2), ptr("c", 1)},
			[]outMsg{ptr("a", 2), ptr("b", 2), ptr("c", 1)}},
		{"unkeyed messages are all kept",
			[]outMsg{other, other, ptr("a", 1), other},
			[]outMsg{other, other, ptr("a", 1), other}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := heldConn(e.srv, nil)
			for _, m := range tt.in {
				if !c.enqueue(m) {
					t.Fatal("enqueue refused")
				}
			}
			want := make([]string, len(tt.want))
			total := 0
			for i, m := range tt.want {
				want[i] = string(m.b)
				total += len(m.b)
			}
			if got := queued(c); !slices.Equal(got, want) {
				t.Fatalf("queue\n%q\nwant\n%q", got, want)
			}
			if c.qbytes != total {
				t.Fatalf("queue bytes %d, want %d", c.qbytes, total)
			}
		})
	}
	// A receiver whose queue is full of one sender's pointers is not a slow
	// consumer: the pointers replace each other.
	c := heldConn(e.srv, nil)
	for i := range 100_000 {
		if !c.enqueue(ptr("a", i)) {
			t.Fatalf("pointer %d refused", i)
		}
	}
	if got := queued(c); len(got) != 1 || !strings.Contains(got[0], `"x":99999`) {
		t.Fatalf("queue %q", got)
	}
}

// TestPresenceCoalescing: the joins and leaves of one window send each
// member one collab:online_editors with the final list.
func TestPresenceCoalescing(t *testing.T) {
	for _, nsp := range []string{nspRoot, nspPage} {
		t.Run(nsp, func(t *testing.T) {
			e := newEnv(t, nil)
			e.srv.presenceWindow = time.Hour // the test decides when the window ends
			h := e.srv.hubFor(nsp)
			room := h.prefix + "r1"
			var socks []*socket
			for _, name := range []string{"alice", "bob", "carol"} {
				s := heldSocket(e.srv, h, name)
				socks = append(socks, s)
				h.join(s, room)
			}
			h.leave(socks[1], room) // bob
			h.join(socks[1], room)  // bob again, now last
			h.leave(socks[0], room) // alice
			for _, s := range socks {
				if lists := queuedLists(s); len(lists) > 0 {
					t.Fatalf("%s got an editor list before the window ended: %s", s.id, lists[0])
				}
			}
			h.sendDue()
			want := `{"resourceId":"r1","users":[{"name":"Carol","email":"carol@x"},{"name":"Bob","email":"bob@x"}]}`
			for _, s := range socks[1:] {
				if lists := queuedLists(s); len(lists) != 1 || !strings.HasSuffix(lists[0], ","+want+"]") {
					t.Fatalf("%s got editor lists %q, want one with %s", s.id, lists, want)
				}
			}
			if got := queued(socks[0].c); slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, EventOnlineEditors) }) {
				t.Fatalf("alice left before the list went out but got %q", got)
			}
		})
	}
}

// TestOneWritePerFlush: what is queued while the writer is busy goes out
// in one write, as separate, well-formed WebSocket frames in order.
func TestOneWritePerFlush(t *testing.T) {
	e := newEnv(t, nil)
	c := dialRaw(t, e, "SESSION=alice", nil)
	c.write("40")
	c.readUntil("40{")
	c.readUntil(`42["info:release_version"`)
	waitUntil(t, 5*time.Second, "the server side of the connection", func() bool { return e.srv.ConnectionCount() == 1 })
	var sc *conn
	e.srv.mu.Lock()
	for x := range e.srv.conns {
		sc = x
	}
	e.srv.mu.Unlock()
	// Take the writer role once the connection's writer has ended (it
	// lingers after the CONNECT answer) and no flusher holds it (a
	// flusher counts its write after the client may have read it, and
	// lets go of the connection after counting), as a writer busy with an
	// earlier write holds it; then one writer flushes everything.
	waitUntil(t, 10*time.Second, "the writer to end", func() bool {
		sc.qmu.Lock()
		defer sc.qmu.Unlock()
		if sc.writing || sc.queued {
			return false
		}
		sc.writing = true
		return true
	})
	writesBefore := e.counter("rts_ws_writes_total")
	// Payload lengths around the frame header's 7-bit, 16-bit and 64-bit
	// length forms (the packet adds its own bytes around the text).
	sizes := []int{1, 113, 114, 1000, 65523, 65524, 70000} // packets of 13, 125, 126, …, 65535, 65536 bytes
	for i, n := range sizes {
		if !sc.send(encodeEvent(nspRoot, "x", jsonString(fmt.Sprintf("%d:%s", i, strings.Repeat("a", n))))) {
			t.Fatal("send refused")
		}
	}
	go sc.flush()
	for i, n := range sizes {
		got := c.read()
		var args []string
		if err := json.Unmarshal([]byte(strings.TrimPrefix(got, "42")), &args); err != nil || len(args) != 2 ||
			args[1] != fmt.Sprintf("%d:%s", i, strings.Repeat("a", n)) {
			t.Fatalf("frame %d: %.80q", i, got)
		}
	}
	if w := e.counter("rts_ws_writes_total") - writesBefore; w != 1 {
		t.Fatalf("%v writes for %d queued messages, want 1", w, len(sizes))
	}
}

// A client that stops reading while under MaxQueueBytes is cut once a
// write has been stuck for WriteTimeout (the writer renews its deadline
// only when half of it is left; the bound must still hold).
func TestStalledReaderIsCutAfterWriteTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.WriteTimeout = 300 * time.Millisecond
		o.MaxQueueBytes = 256 << 20
	})
	c := dialRaw(t, e, "SESSION=alice", nil)
	c.write("40")
	c.readUntil("40{")
	c.write(`42["collab:start_edit","app1"]`)
	c.readUntil(`42["collab:online_editors"`)
	// The client reads nothing more: 64 MiB of pushes fill the socket
	// buffers and leave the writer stuck.
	pad := strings.Repeat("x", 256<<10)
	for range 256 {
		e.publish("app:app1", "graph:changed", map[string]string{"pad": pad})
	}
	waitUntil(t, time.Minute, "the stalled connection to be closed", func() bool { return e.srv.ConnectionCount() == 0 })
	if slow := e.counter("rts_ws_slow_consumers_total"); slow != 0 {
		t.Errorf("%v slow consumers: the queue bound was not reached, the write timeout must cut it", slow)
	}
}

// After a room's list went out, its next changes wait for the end of
// presenceInterval and go out as one list with the final membership (a
// join storm costs each member a few lists a second, not one per join).
func TestPresenceInterval(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.presenceWindow = time.Millisecond
	e.srv.presenceInterval = time.Hour // the test decides when the interval ends
	e.srv.presenceSettle = time.Hour   // never before the interval's end
	h, alice, join := aliceInRoom(t, e)
	// Joiners within the interval get the list a window after they join,
	// they alone; the room's other members wait for the interval's end.
	bob := join("bob")
	waitUntil(t, time.Minute, "bob's list", func() bool { return len(queuedLists(bob)) == 1 })
	withBob := `{"resourceId":"r1","users":[{"name":"Alice","email":"alice@x"},{"name":"Bob","email":"bob@x"}]}`
	if got := queuedLists(bob); !strings.HasSuffix(got[0], ","+withBob+"]") {
		t.Fatalf("bob got %q, want %s", got, withBob)
	}
	carol := join("carol")
	waitUntil(t, time.Minute, "carol's list", func() bool { return len(queuedLists(carol)) == 1 })
	time.Sleep(50 * time.Millisecond) // 50 windows: each join would have had its room-wide list
	if got := queuedLists(alice); len(got) != 0 {
		t.Fatalf("room-wide lists within the interval went out: %q", got)
	}
	if got := queuedLists(bob); len(got) != 1 {
		t.Fatalf("bob got %d lists after carol joined, want his own only: %q", len(got), got)
	}
	h.sendDue() // the interval's end
	want := `{"resourceId":"r1","users":[{"name":"Alice","email":"alice@x"},{"name":"Bob","email":"bob@x"},{"name":"Carol","email":"carol@x"}]}`
	for _, s := range []*socket{alice, bob, carol} {
		// Bob's and carol's own lists were still queued: the room's
		// list replaced them in place.
		got := queuedLists(s)
		if len(got) != 1 || !strings.HasSuffix(got[0], ","+want+"]") {
			t.Fatalf("%s got %q, want one list with %s", s.id, got, want)
		}
	}
}

// A room that keeps changing gets its room-wide list at intervals that
// double, up to presenceIntervalGrowth times presenceInterval, and back to
// presenceInterval once it is quiet.
func TestPresenceIntervalGrows(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.presenceWindow = time.Millisecond
	e.srv.presenceInterval = 10 * time.Millisecond
	h := e.srv.root
	room := h.prefix + "r1"
	// Each list is followed at once, in the timer's goroutine, by another
	// change while changes remains: the room is busy for exactly that many
	// lists, however late the test's goroutine runs.
	var mu sync.Mutex
	var intervals []time.Duration
	changes := 3
	e.srv.presenceSent = func(name string, interval time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		intervals = append(intervals, interval)
		if changes > 0 {
			changes--
			h.presence(name, nil)
		}
	}
	sent := func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(intervals)
	}
	h.join(heldSocket(e.srv, h, "alice"), room)
	waitUntil(t, time.Minute, "a quiet room forgotten", func() bool {
		if len(sent()) < 4 { // not under dueMu: the hook takes mu, then dueMu
			return false
		}
		h.dueMu.Lock()
		defer h.dueMu.Unlock()
		return h.due[room] == nil
	})
	h.presence(room, nil)
	waitUntil(t, time.Minute, "the next list", func() bool { return len(sent()) == 5 })
	ms := time.Millisecond
	if got, want := sent(), []time.Duration{10 * ms, 20 * ms, 40 * ms, 40 * ms, 10 * ms}; !slices.Equal(got, want) {
		t.Fatalf("intervals %v, want %v (doubling while busy, within 4x, the base again once quiet)", got, want)
	}
}

// The longest interval of a busy room grows with its size (a room-wide
// list costs members × list bytes), within presenceMaxInterval.
func TestPresenceCap(t *testing.T) {
	const base = 250 * time.Millisecond
	for _, tc := range []struct {
		members int
		want    time.Duration
	}{
		{0, time.Second},
		{1, time.Second},
		{presenceBigRoom, time.Second},
		{2 * presenceBigRoom, 2 * time.Second},
		{100, presenceMaxInterval},
		{10_000, presenceMaxInterval},
	} {
		if got := presenceCap(base, tc.members); got != tc.want {
			t.Errorf("presenceCap(%v, %d) = %v, want %v", base, tc.members, got, tc.want)
		}
	}
	if got := presenceCap(time.Hour, 100); got != time.Hour {
		t.Errorf("presenceCap(1h, 100) = %v: never below the base interval", got)
	}
	// With Redis each node's interval is the room's times its share.
	for _, tc := range []struct {
		local, total int
		want         time.Duration
	}{
		{10, 0, time.Second}, // one node: no merged size yet
		{10, 10, time.Second},
		{10, 20, 2 * time.Second},
		{50, 100, 2 * presenceMaxInterval},
		{1, 100, presenceMaxShare * presenceMaxInterval},
		{0, 100, presenceMaxInterval},
	} {
		if got := presenceNodeCap(base, tc.local, tc.total); got != tc.want {
			t.Errorf("presenceNodeCap(%v, %d, %d) = %v, want %v", base, tc.local, tc.total, got, tc.want)
		}
	}
}

// A room whose interval is longer than presenceSettle sends its list once
// it has stayed unchanged that long, without waiting for the interval's
// end: the last list of a join storm reaches every member soon after the
// last join. Without the settle check the room's members would wait the
// whole (here endless) interval.
func TestPresenceSettles(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.presenceWindow = time.Millisecond
	e.srv.presenceInterval = time.Hour // only the settle check can send
	e.srv.presenceSettle = time.Millisecond
	_, alice, join := aliceInRoom(t, e)
	join("bob")
	carol := join("carol")
	want := `{"resourceId":"r1","users":[{"name":"Alice","email":"alice@x"},{"name":"Bob","email":"bob@x"},{"name":"Carol","email":"carol@x"}]}`
	waitUntil(t, time.Minute, "alice's list with bob and carol", func() bool {
		got := queuedLists(alice)
		return len(got) == 1 && strings.HasSuffix(got[0], ","+want+"]")
	})
	waitUntil(t, time.Minute, "carol's list", func() bool {
		got := queuedLists(carol)
		return len(got) == 1 && strings.HasSuffix(got[0], ","+want+"]")
	})
}

// A client that stops reading holds up nobody else: its socket fills, the
// flushers hand it to its own writer goroutine, and the room's other
// members keep receiving every push at once (the flushers never block on a
// socket).
func TestStalledReaderDoesNotHoldUpOthers(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.WriteTimeout = time.Hour // the stalled client stays stuck for the whole test
		o.MaxQueueBytes = 256 << 20
	})
	join := func(cookie string) *rawClient {
		c := dialRaw(t, e, cookie, nil)
		c.write("40")
		c.readUntil("40{")
		c.write(`42["collab:start_edit","app1"]`)
		return c
	}
	join("SESSION=alice") // reads nothing from now on
	bob := join("SESSION=bob")
	pad := strings.Repeat("x", 256<<10)
	const pushes = 128 // 32 MiB: more than the stalled socket's buffers hold
	for i := range pushes {
		e.publish("app:app1", "graph:changed", map[string]any{"i": i, "pad": pad})
	}
	for i := 0; i < pushes; {
		if f := bob.read(); strings.Contains(f, `"graph:changed"`) {
			if !strings.Contains(f, fmt.Sprintf(`"i":%d,`, i)) {
				t.Fatalf("push %d: got %.60q", i, f)
			}
			i++
		}
	}
	if e.srv.ConnectionCount() != 2 {
		t.Errorf("%d connections: the stalled one must still be open (stuck, within WriteTimeout)", e.srv.ConnectionCount())
	}
}

// A room of more than presenceBigRoom editors that only gained members
// since its last list holds its room-wide list at the end of an interval
// (its joiners get theirs): the list waits for the room to settle or for
// the longest interval. A leave, or a smaller room, sends it as before; a
// held list goes out once the room has been quiet for presenceSettle.
func TestPresenceFillingRoomHolds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members int  // in the room when its first list went out
		leave   bool // the first member leaves after the joiner joined
		settle  time.Duration
		held    bool
	}{
		{"big room filling", presenceBigRoom + 1, false, time.Hour, true},
		{"small room", presenceBigRoom - 1, false, time.Hour, false},
		{"big room with a leave", presenceBigRoom + 2, true, time.Hour, false},
		{"big room settles", presenceBigRoom + 1, false, time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.srv.presenceWindow = time.Millisecond
			e.srv.presenceInterval = time.Hour // the test ends the interval (h.fire)
			e.srv.presenceSettle = tc.settle
			h := e.srv.root
			room := h.prefix + "r1"
			member := func(i int) *socket {
				u := &User{Name: fmt.Sprint("U", i), Email: fmt.Sprintf("u%d@x", i)}
				return &socket{c: heldConn(e.srv, u), h: h, id: fmt.Sprint("s", i), rooms: map[string]uint64{}, pushes: true}
			}
			var socks []*socket
			for i := range tc.members {
				socks = append(socks, member(i))
				h.join(socks[i], room)
			}
			watcher := socks[len(socks)-1] // stays in the room
			waitUntil(t, time.Minute, "the first list", func() bool { return len(queuedLists(watcher)) == 1 })
			joiner := member(tc.members)
			h.join(joiner, room)
			waitUntil(t, time.Minute, "the joiner's list", func() bool { return len(queuedLists(joiner)) == 1 })
			if tc.leave {
				h.leave(socks[0], room)
			}
			h.dueMu.Lock()
			d := h.due[room]
			h.dueMu.Unlock()
			h.fire(room, d) // the interval's end
			// The room's list replaces the one still queued (conflation):
			// the watcher's list has the joiner once the room's went out.
			hasJoiner := func() bool {
				got := queuedLists(watcher)
				return len(got) == 1 && strings.Contains(got[0], fmt.Sprintf(`"u%d@x"`, tc.members))
			}
			if tc.held {
				if hasJoiner() {
					t.Fatalf("the room-wide list went out while the room was filling: %s", queuedLists(watcher))
				}
				return
			}
			waitUntil(t, time.Minute, "the room-wide list with the joiner", hasJoiner)
		})
	}
}

// An editor whose connection joins a room in "/" and one in "/page/edit"
// within a window gets both joiners' lists from one joiners' tick: both
// are queued before a flusher writes the connection, so they go out in one
// write. The rooms' other members wait for their intervals.
func TestJoinersTickServesBothNamespaces(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.presenceWindow = time.Hour // the test runs the tick
	e.srv.presenceInterval = time.Hour
	e.srv.presenceSettle = time.Hour
	alice, bob := testUsers["alice"], testUsers["bob"]
	ac, bc := heldConn(e.srv, &alice), heldConn(e.srv, &bob)
	for _, h := range []*hub{e.srv.root, e.srv.page} {
		h.join(&socket{c: ac, h: h, id: "alice-" + h.nsp, rooms: map[string]uint64{}, pushes: true}, h.prefix+"r1")
		h.dueMu.Lock()
		d := h.due[h.prefix+"r1"]
		h.dueMu.Unlock()
		h.fire(h.prefix+"r1", d) // the window's end: alice's first list
	}
	if got := len(queued(ac)); got != 2 {
		t.Fatalf("alice has %d packets queued, want her two first lists", got)
	}
	for _, h := range []*hub{e.srv.root, e.srv.page} {
		h.join(&socket{c: bc, h: h, id: "bob-" + h.nsp, rooms: map[string]uint64{}, pushes: true}, h.prefix+"r1")
	}
	if got := queued(bc); len(got) != 0 {
		t.Fatalf("bob was sent %q before the tick", got)
	}
	e.srv.joinersTick()
	got := queued(bc)
	if len(got) != 2 || !strings.HasPrefix(got[0], `42["collab:online_editors"`) || !strings.HasPrefix(got[1], `42/page/edit,["collab:online_editors"`) {
		t.Fatalf("bob got %q after one tick, want the lists of both rooms", got)
	}
	for _, p := range got {
		if !strings.Contains(p, "alice@x") || !strings.Contains(p, "bob@x") {
			t.Fatalf("bob's list %s lacks alice or bob", p)
		}
	}
	for _, p := range queued(ac) {
		if strings.Contains(p, "bob@x") {
			t.Fatalf("alice got a list with bob before the interval's end: %s", p)
		}
	}
}
