package socketio

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countingSender counts the sends of the platform's batchSender.
type countingSender struct {
	batchSender
	sends *atomic.Int64
}

func (s countingSender) send(fds []int32, bufs [][]byte, res []int32) error {
	s.sends.Add(1)
	return s.batchSender.send(fds, bufs, res)
}

// shortSender writes at most limit bytes of each buffer, one write(2) a
// socket: every flush is a short write.
type shortSender struct{ limit int }

func (s shortSender) send(fds []int32, bufs [][]byte, res []int32) error {
	for i, fd := range fds {
		n, err := syscall.Write(int(fd), bufs[i][:min(s.limit, len(bufs[i]))])
		if err != nil {
			res[i] = -int32(err.(syscall.Errno))
			continue
		}
		res[i] = int32(n)
	}
	return nil
}
func (shortSender) close() {}

// fullSender finds every socket full.
type fullSender struct{}

func (fullSender) send(fds []int32, _ [][]byte, res []int32) error {
	for i := range fds {
		res[i] = -int32(syscall.EAGAIN)
	}
	return nil
}
func (fullSender) close() {}

// failingSender's every send fails, as a broken ring's would.
type failingSender struct{ sends *atomic.Int64 }

func (s failingSender) send(fds []int32, _ [][]byte, res []int32) error {
	s.sends.Add(1)
	for i := range fds {
		res[i] = -int32(syscall.EAGAIN)
	}
	return syscall.EBADF
}
func (failingSender) close() {}

// batchPaths are the ways a flusher writes: the platform's batchSender,
// none (io_uring refused, as under Docker's seccomp profile), and fakes
// that make every batched write short, find every socket full, or fail.
// sends counts the batched sends where that is checked.
func batchPaths() []struct {
	name  string
	use   func(size int) (batchSender, error)
	sends *atomic.Int64
	check func(t *testing.T, sends int64)
} {
	real := new(atomic.Int64)
	failed := new(atomic.Int64)
	return []struct {
		name  string
		use   func(size int) (batchSender, error)
		sends *atomic.Int64
		check func(t *testing.T, sends int64)
	}{
		{"platform", func(size int) (batchSender, error) {
			s, err := newPlatformBatchSender(size)
			if err != nil {
				return nil, err
			}
			return countingSender{s, real}, nil
		}, real, func(t *testing.T, sends int64) {
			s, err := newPlatformBatchSender(1)
			if err != nil {
				t.Logf("no batched writes here (%v): the one-write path ran", err)
				return
			}
			s.close()
			if sends == 0 {
				t.Error("no batched send was made")
			}
		}},
		{"refused", func(int) (batchSender, error) { return nil, syscall.EPERM }, nil, nil},
		{"short writes", func(int) (batchSender, error) { return shortSender{limit: 5}, nil }, nil, nil},
		{"full sockets", func(int) (batchSender, error) { return fullSender{}, nil }, nil, nil},
		{"failing", func(int) (batchSender, error) { return failingSender{failed}, nil }, failed, func(t *testing.T, sends int64) {
			if sends > batchFailLimit*int64(readyFlushers()) {
				t.Errorf("%d failed sends: each flusher must give up after %d", sends, batchFailLimit)
			}
		}},
	}
}

// readyFlushers is how many flushers a server starts (startFlushers).
func readyFlushers() int { return min(runtime.GOMAXPROCS(0), 4) }

// useBatchSender makes the servers of the rest of the test use make, and
// restores the platform's once they are shut down.
func useBatchSender(t *testing.T, make func(int) (batchSender, error)) {
	prev := newBatchSender
	newBatchSender = make
	t.Cleanup(func() { newBatchSender = prev }) // after newEnv's Shutdown: registered first
}

// joinApp dials a client of user and joins it to the app's room.
func joinApp(t *testing.T, e *testEnv, user, app string) *rawClient {
	c := dialRaw(t, e, "SESSION="+user, nil)
	c.write("40")
	c.readUntil("40{")
	c.write(`42["collab:start_edit","` + app + `"]`)
	c.readUntil(`42["collab:online_editors"`)
	return c
}

// Every connection of a room gets every push, complete and in order,
// whichever way the flushers write: a short write or a full socket hands
// the rest to the connection's writer goroutine, a failed send too, and
// nothing is lost or reordered.
func TestBatchedWritesArriveInOrder(t *testing.T) {
	for _, p := range batchPaths() {
		t.Run(p.name, func(t *testing.T) {
			useBatchSender(t, p.use)
			e := newEnv(t, nil)
			const clients, pushes = 40, 150
			cs := make([]*rawClient, clients)
			for i := range cs {
				cs[i] = joinApp(t, e, []string{"alice", "bob", "carol"}[i%3], "app1")
			}
			for i := range pushes {
				e.publish("app:app1", "graph:changed", map[string]any{"i": i, "pad": strings.Repeat("y", i%97)})
			}
			for ci, c := range cs {
				for i := 0; i < pushes; {
					f := c.read()
					if !strings.HasPrefix(f, `42["graph:changed"`) {
						continue
					}
					want := fmt.Sprintf(`"i":%d,"pad":"%s"`, i, strings.Repeat("y", i%97))
					if !strings.Contains(f, want) {
						t.Fatalf("client %d, push %d: got %.80q, want %s", ci, i, f, want)
					}
					i++
				}
			}
			if e.srv.ConnectionCount() != clients {
				t.Errorf("%d connections, want %d", e.srv.ConnectionCount(), clients)
			}
			if p.check != nil {
				p.check(t, p.sends.Load())
			}
		})
	}
}

// A receiver whose socket is full still gets a sender's last pointer once
// it reads again, whichever way the flushers write: the conflated pointer
// waits in its queue behind what its writer goroutine is stuck on.
func TestSlowReaderGetsLastPointer(t *testing.T) {
	for _, p := range batchPaths() {
		t.Run(p.name, func(t *testing.T) {
			useBatchSender(t, p.use)
			e := newEnv(t, func(o *Options) {
				o.WriteTimeout = time.Hour // the stalled receiver stays stuck until it reads
				o.MaxQueueBytes = 256 << 20
			})
			page := func(c *rawClient) {
				c.write("40/page/edit,")
				c.readUntil("40/page/edit,{")
				c.write(`42/page/edit,["collab:start_edit","p1"]`)
				c.readUntil(`42/page/edit,["collab:online_editors"`)
			}
			alice := joinApp(t, e, "alice", "app1")
			page(alice)
			bob := dialRaw(t, e, "SESSION=bob", nil)
			page(bob)
			// alice reads nothing for now: 16 MiB of pushes fill her
			// socket and leave her writer goroutine stuck.
			pad := strings.Repeat("x", 256<<10)
			const pushes = 64
			for i := range pushes {
				e.publish("app:app1", "graph:changed", map[string]any{"i": i, "pad": pad})
			}
			const last = 40
			for x := 1; x <= last; x++ { // over the rate: the last is held, then sent
				bob.write(fmt.Sprintf(`42/page/edit,["collab:mouse_pointer",{"data":{"x":%d,"y":1},"pageId":"p1"}]`, x))
			}
			seen, lastX := 0, 0
			for lastX != last {
				f := alice.read()
				switch {
				case strings.HasPrefix(f, `42["graph:changed"`):
					if !strings.Contains(f, fmt.Sprintf(`"i":%d,`, seen)) {
						t.Fatalf("push %d: got %.60q", seen, f)
					}
					seen++
				case strings.HasPrefix(f, `42/page/edit,["collab:mouse_pointer"`):
					if _, err := fmt.Sscanf(f[strings.Index(f, `"x":`):], `"x":%d`, &lastX); err != nil {
						t.Fatalf("pointer %q: %v", f, err)
					}
				}
			}
			if seen != pushes {
				t.Errorf("%d of %d pushes before bob's last pointer", seen, pushes)
			}
		})
	}
}
