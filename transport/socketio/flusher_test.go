package socketio

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// On one P, a goroutine that becomes runnable while a flusher works
// through a backlog runs before the backlog is written: a flusher yields
// between passes. The runtime preempted a flusher that never blocked only
// every 10 ms, and the readers whose pointers the backlog conflates, and
// the handshakes, waited that long (docs/socketio.md).
func TestFlusherYieldsBetweenPasses(t *testing.T) {
	onOnePEachPath(t, func(t *testing.T, e *testEnv) {
		// Three passes: the flusher may run two in a row (every 61st
		// time the runtime takes its global queue first).
		const n = 3 * readyBatch
		for i := range n {
			joinApp(t, e, "alice", fmt.Sprintf("app%d", i))
		}
		if w := readyWaiting(e.srv.ready); w != 0 {
			t.Fatalf("%d connections waiting before the backlog", w)
		}
		seen := make(chan int)
		// Runnable before the flusher is woken, so behind it.
		go func() { seen <- readyWaiting(e.srv.ready) }()
		for i := range n {
			e.publish(fmt.Sprintf("app:app%d", i), "graph:changed", map[string]any{"i": i})
		}
		if w := <-seen; w == 0 {
			t.Fatalf("the goroutine ran only once all %d connections were written", n)
		}
	})
}

// readyWaiting is how many connections wait in q.
func readyWaiting(q *readyQueue) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.conns) - q.head
}

// On one P, a pointer that arrives while a flusher works through a
// backlog is read between its passes, and replaces the sender's older
// pointer still waiting for the receiver: the receiver gets the newest
// position, not the stale one first. The poller waits in the runtime's
// netpoller, which the scheduler consults only once nothing else is
// runnable (or from sysmon every 10 ms), so a flusher that stays
// runnable used to leave the pointer unread until the whole backlog was
// written.
func TestFlusherReadsBetweenPasses(t *testing.T) {
	onOnePEachPath(t, func(t *testing.T, e *testEnv) {
		if e.srv.poll == nil {
			t.Skip("no epoll here: every connection has its own reader")
		}
		e.srv.presenceInterval = time.Hour // no room-wide list joins the backlog
		page := func(user string) (*rawClient, string) {
			c := dialRaw(t, e, "SESSION="+user, nil)
			c.write("40/page/edit,")
			var ack struct{ Sid string }
			if err := json.Unmarshal([]byte(strings.TrimPrefix(c.readUntil("40/page/edit,{"), "40/page/edit,")), &ack); err != nil || ack.Sid == "" {
				t.Fatalf("page CONNECT answer: %v", err)
			}
			c.write(`42/page/edit,["collab:start_edit","p1"]`)
			c.readUntil(`42/page/edit,["collab:online_editors"`)
			return c, ack.Sid
		}
		sender, sid := page("bob")
		receiver, _ := page("carol")
		const n = 3 * readyBatch
		for i := range n {
			joinApp(t, e, "alice", fmt.Sprintf("app%d", i))
		}
		for i := range n {
			e.publish(fmt.Sprintf("app:app%d", i), "graph:changed", map[string]any{"i": i})
		}
		// The sender's older pointer, queued behind the backlog as
		// the relay queues one.
		old := encodeEvent(nspPage, EventMousePointer, []byte(`{"data":{"x":1,"y":1},"pageId":"p1","socketId":"`+sid+`"}`))
		e.srv.page.broadcast("page:p1", outMsg{b: old, key: sid})
		sender.write(`42/page/edit,["collab:mouse_pointer",{"data":{"x":2,"y":1},"pageId":"p1"}]`)
		f := receiver.readUntil(`42/page/edit,["collab:mouse_pointer"`)
		if !strings.Contains(f, `"x":2`) {
			t.Fatalf("the receiver got the stale pointer first: %.80q", f)
		}
	})
}

// onOnePEachPath runs test on one P, with one flusher, once over io_uring
// where there is one and once with one write per connection.
func onOnePEachPath(t *testing.T, test func(t *testing.T, e *testEnv)) {
	for _, p := range batchPaths()[:2] {
		t.Run(p.name, func(t *testing.T) {
			useBatchSender(t, p.use)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			test(t, newEnv(t, nil))
		})
	}
}
