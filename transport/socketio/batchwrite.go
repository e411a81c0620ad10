package socketio

import (
	"slices"
	"syscall"
)

// batchSender writes several sockets' buffers with one system call
// (io_uring on Linux): a delivered pointer's write(2) is mostly the system
// call's own cost on a busy server, and one call per pass instead of one
// per receiver halves it (BenchmarkSocketSend).
type batchSender interface {
	// send writes bufs[i] to the socket fds[i] without waiting and sets
	// res[i] to the bytes the socket took, or to -errno (-EAGAIN: its
	// buffer is full). The kernel holds no buffer once it returns. An
	// error means a send was not made: its res is -EAGAIN.
	send(fds []int32, bufs [][]byte, res []int32) error
	close()
}

// newBatchSender makes a batchSender for up to entries sockets a call, or
// fails where the system has none (not Linux; io_uring forbidden by
// seccomp or sysctl). A variable: tests force the one-write-per-connection
// path.
var newBatchSender = newPlatformBatchSender

// batchFailLimit is how many failed sends in a row make a flusher give up
// its batchSender for good (a send that fails leaves its connections to
// their writer goroutines, which costs a goroutine each).
const batchFailLimit = 3

// batchWriter writes a flusher pass's connections with one batchSender
// call: each connection's queue is framed as flushReady does, every
// socket takes what it can at once, and each result is settled as
// flushReady settles its write (readyFlush.done): a short write or a full
// socket hands the rest to the connection's writer goroutine, so no byte
// is lost or reordered.
type batchWriter struct {
	s     batchSender
	max   int // connections a send carries at most
	fails int // failed sends in a row
	fl    []readyFlush
	slot  []int // fl[i]'s index in fds, or -1: not in the send
	fds   []int32
	bufs  [][]byte
	res   []int32
}

// newBatchWriter returns nil when there is no batchSender here: the
// flusher writes each connection itself.
func newBatchWriter(size int) *batchWriter {
	s, err := newBatchSender(size)
	if err != nil {
		return nil
	}
	return &batchWriter{s: s, max: size}
}

func (w *batchWriter) close() {
	if w != nil && w.s != nil {
		w.s.close()
		w.s = nil
	}
}

// flush writes conns (as flushReady would each) and returns msgs, the
// flusher's scratch. A nil w (no batchSender here) writes each connection
// with flushReady.
func (w *batchWriter) flush(conns []*conn, msgs []outMsg) []outMsg {
	for len(conns) > 0 {
		if w == nil || w.s == nil { // none here, or given up (batchFailLimit), maybe within this pass
			for _, c := range conns {
				msgs = c.flushReady(msgs[:0])
			}
			return msgs
		}
		k := min(len(conns), w.max)
		msgs = w.flushSome(conns[:k], msgs)
		conns = conns[k:]
	}
	return msgs
}

func (w *batchWriter) flushSome(conns []*conn, msgs []outMsg) []outMsg {
	for _, c := range conns {
		var f readyFlush
		var ok bool
		if f, msgs, ok = c.takeReady(msgs); ok {
			w.fl = append(w.fl, f)
		}
		clear(msgs) // framed: the packets are not needed any more
		msgs = msgs[:0]
	}
	if len(w.fl) > 0 {
		w.slot = slices.Grow(w.slot[:0], len(w.fl))[:len(w.fl)]
		w.hold(0)
		for i := range w.fl {
			w.fl[i].done()
		}
	}
	clear(w.fl)
	w.fl = w.fl[:0]
	clear(w.bufs)
	w.bufs, w.fds = w.bufs[:0], w.fds[:0]
	return msgs
}

// hold takes the socket of w.fl[i:] one by one, each inside its
// connection's RawConn.Write, so that no descriptor is closed (and its
// number reused by another connection) until the send has returned; then
// it sends. A connection that is closing writes nothing more, and one
// without a raw socket goes to its writer goroutine, as in tryWrite.
func (w *batchWriter) hold(i int) {
	if i == len(w.fl) {
		w.send()
		return
	}
	f := &w.fl[i]
	c := f.c
	w.slot[i] = -1
	switch {
	case c.closingFlag.Load():
		f.err = errClosing
	case c.raw == nil:
		// f.n is 0: everything to the writer goroutine.
	default:
		held := false
		err := c.raw.Write(func(fd uintptr) bool {
			held = true
			w.slot[i] = len(w.fds)
			w.fds = append(w.fds, int32(fd))
			w.bufs = append(w.bufs, f.buf)
			w.hold(i + 1)
			return true // never wait for the socket: the writer goroutine does
		})
		if held {
			return
		}
		f.err = err // closed meanwhile, or a stale write deadline
	}
	w.hold(i + 1)
}

// send writes the held sockets and records each result in its flush.
func (w *batchWriter) send() {
	if len(w.fds) == 0 {
		return
	}
	w.res = slices.Grow(w.res[:0], len(w.fds))[:len(w.fds)]
	if err := w.s.send(w.fds, w.bufs, w.res); err != nil {
		if w.fails++; w.fails >= batchFailLimit {
			w.s.close()
			w.s = nil
		}
	} else {
		w.fails = 0
	}
	for i := range w.fl {
		j := w.slot[i]
		if j < 0 {
			continue
		}
		switch r := w.res[j]; {
		case r >= 0:
			w.fl[i].n = int(r)
		case r == -int32(syscall.EAGAIN), r == -int32(syscall.EINTR):
			// Nothing taken: the writer goroutine writes it all.
		default:
			w.fl[i].err = syscall.Errno(-r)
		}
	}
}
