package socketio

import (
	"fmt"
	"runtime"
	"testing"
)

// On one P, a goroutine that becomes runnable while a flusher works
// through a backlog runs before the backlog is written: a flusher yields
// between passes. The runtime preempted a flusher that never blocked only
// every 10 ms, and the readers whose pointers the backlog conflates, and
// the handshakes, waited that long (docs/socketio.md).
func TestFlusherYieldsBetweenPasses(t *testing.T) {
	for _, p := range batchPaths()[:2] { // io_uring where there is one, and one write per connection
		t.Run(p.name, func(t *testing.T) {
			useBatchSender(t, p.use)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			e := newEnv(t, nil) // one flusher
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
}

// readyWaiting is how many connections wait in q.
func readyWaiting(q *readyQueue) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.conns) - q.head
}
