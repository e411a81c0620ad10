package socketio

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A connection whose writer goroutine has handed it back to the flushers
// keeps being written after WriteTimeout has passed: the writer's deadline
// must not outlive it (RawConn.Write fails at once with a deadline in the
// past, which stopped the connection without a close frame).
func TestWriterLeavesNoDeadline(t *testing.T) {
	for _, p := range batchPaths()[:2] {
		t.Run(p.name, func(t *testing.T) {
			useBatchSender(t, p.use)
			const timeout = 2 * time.Second // the drain under -race fits in it
			e := newEnv(t, func(o *Options) {
				o.WriteTimeout = timeout
				o.MaxQueueBytes = 256 << 20
			})
			alice := dialSmallBuffer(t, e, "SESSION=alice")
			alice.write("40")
			alice.readUntil("40{")
			alice.write(`42["collab:start_edit","app1"]`)
			alice.readUntil(`42["collab:online_editors"`)
			var c *conn
			e.srv.mu.Lock()
			for k := range e.srv.conns {
				c = k
			}
			e.srv.mu.Unlock()
			writing := func() bool {
				c.qmu.Lock()
				defer c.qmu.Unlock()
				return c.writing
			}
			pad := strings.Repeat("x", 256<<10)
			const pushes = 24 // 6 MiB: more than the socket buffers hold (4 MiB + 32 KiB)
			for i := range pushes {
				e.publish("app:app1", "graph:changed", map[string]any{"i": i, "pad": pad})
			}
			waitUntil(t, time.Minute, "a writer goroutine stuck on the full socket", writing)
			for i := 0; i < pushes; {
				if strings.HasPrefix(alice.read(), `42["graph:changed"`) {
					i++
				}
			}
			waitUntil(t, time.Minute, "the writer goroutine to hand the connection back", func() bool { return !writing() })
			time.Sleep(timeout + 100*time.Millisecond) // past any deadline the writer set
			e.publish("app:app1", "graph:changed", map[string]any{"i": "after"})
			if f := alice.readUntil(`42["graph:changed"`); !strings.Contains(f, `"after"`) {
				t.Fatalf("got %.60q", f)
			}
		})
	}
}

// dialSmallBuffer is dialRaw with a 32 KiB receive buffer (no autotuning
// to 32 MiB): a few MiB fill the connection.
func dialSmallBuffer(t *testing.T, e *testEnv, cookie string) *rawClient {
	t.Helper()
	d := websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 32<<10) })
		return errors.Join(err, serr)
	}}).DialContext}
	return dialRawWith(t, &d, e, cookie, nil)
}
