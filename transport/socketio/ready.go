package socketio

import (
	"errors"
	"runtime"
	"sync"
	"syscall"
)

// readyBatch is how many connections a flusher takes from the ready queue
// at once.
const readyBatch = 64

// readyQueue is the FIFO of connections with something to send. A few
// flusher goroutines (Server.flushers) take connections in turn and write
// each one's whole queue in one non-blocking write: every connection with
// something pending is written once per pass, in the order it became
// ready, so on a server that is behind every receiver is equally behind
// (and its queued pointers and editor lists conflate meanwhile) instead of
// some waiting for seconds; and a write costs no goroutine wake-up, no
// timer and no deadline. A connection is in the queue at most once
// (conn.queued), so the queue is bounded by the number of connections. A
// write the socket cannot take at once (its buffer is full: a slow
// reader) goes to the connection's own writer goroutine (conn.flush),
// which blocks with WriteTimeout; the connection comes back to the queue
// once that writer ends. On Linux the writes of a pass go out together,
// in one io_uring_enter (batchWriter).
type readyQueue struct {
	mu    sync.Mutex
	conns []*conn // conns[head:] are waiting
	head  int
	wake  chan struct{} // cap 1: "something was pushed"
	// poll, when set, starts the readers of readable sockets between a
	// backlog's passes (poller.pollNow); set before the flushers start.
	poll *poller
	stop chan struct{} // closed by Shutdown: the flushers end
	wg   sync.WaitGroup
}

func newReadyQueue() *readyQueue {
	return &readyQueue{wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

// startFlushers starts one flusher per usable CPU, at most 4.
func (q *readyQueue) startFlushers() {
	n := min(runtime.GOMAXPROCS(0), 4)
	q.wg.Add(n)
	for range n {
		go q.flusher()
	}
}

// shutdown ends the flushers (the connections are closed by then).
func (q *readyQueue) shutdown() {
	select {
	case <-q.stop:
	default:
		close(q.stop)
	}
	q.wg.Wait()
}

func (q *readyQueue) push(c *conn) {
	q.mu.Lock()
	q.conns = append(q.conns, c)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// waiting reports whether connections wait in the queue.
func (q *readyQueue) waiting() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.head < len(q.conns)
}

// pop moves up to readyBatch waiting connections to dst.
func (q *readyQueue) pop(dst []*conn) []*conn {
	q.mu.Lock()
	defer q.mu.Unlock()
	end := min(q.head+readyBatch, len(q.conns))
	dst = append(dst, q.conns[q.head:end]...)
	clear(q.conns[q.head:end])
	q.head = end
	if q.head == len(q.conns) {
		q.conns, q.head = q.conns[:0], 0
		if cap(q.conns) > 4096 {
			q.conns = nil // do not keep a burst's capacity
		}
	}
	return dst
}

func (q *readyQueue) flusher() {
	defer q.wg.Done()
	w := newBatchWriter(readyBatch) // nil: one write per connection
	defer w.close()
	var conns []*conn
	var msgs []outMsg
	var pb pollBuf
	for {
		conns = q.pop(conns[:0])
		if len(conns) == 0 {
			select {
			case <-q.wake:
				continue
			case <-q.stop:
				return
			}
		}
		msgs = w.flush(conns, msgs)
		clear(conns)
		clear(msgs)
		if q.poll != nil && q.waiting() {
			// More passes follow at once: read what the clients sent
			// meanwhile (their pointers conflate into this backlog)
			// rather than after it.
			q.poll.pollNow(&pb)
		}
		// A backlog keeps this loop runnable for as long as it lasts,
		// and the runtime preempts it only every 10 ms: on one P the
		// readers (which conflate what waits here) and the handshakes
		// would wait that long. A pass is at most readyBatch writes.
		runtime.Gosched()
	}
}

// flushReady writes c's queue for a flusher (c.queued is set: no other
// flusher writes c meanwhile). It returns msgs, the flusher's scratch.
func (c *conn) flushReady(msgs []outMsg) []outMsg {
	f, msgs, ok := c.takeReady(msgs)
	if !ok {
		return msgs
	}
	f.n, f.err = c.tryWrite(f.buf)
	f.done()
	return msgs
}

// readyFlush is one connection's part of a flusher pass: its queue framed
// into buf (from Server.frames), and what writing buf did.
type readyFlush struct {
	c       *conn
	bp      *[]byte // buf's pool entry
	buf     []byte
	msgs    int // messages in buf
	payload int // their bytes, as counted in c.qbytes
	n       int // bytes of buf the socket took
	err     error
}

// takeReady moves c's queue into a framed buffer for a flusher (c.queued
// is set: no other flusher takes c meanwhile); ok is false when there is
// nothing for the flusher to write (the queue is empty, or a writer
// goroutine has taken over). msgs is the flusher's scratch.
func (c *conn) takeReady(msgs []outMsg) (f readyFlush, _ []outMsg, ok bool) {
	c.qmu.Lock()
	if c.closing || c.writing || len(c.q) == 0 {
		c.queued = false // a writer goroutine took over, or nothing left
		c.qmu.Unlock()
		return f, msgs, false
	}
	start := len(msgs)
	msgs = append(msgs, c.q...)
	clear(c.q)
	c.q = c.q[:0]
	if cap(c.q) > maxIdleBatch {
		c.q = nil // do not keep a burst's capacity
	}
	c.qmu.Unlock()

	bp, _ := c.srv.frames.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	f = readyFlush{c: c, bp: bp, buf: (*bp)[:0], msgs: len(msgs) - start}
	for _, m := range msgs[start:] {
		f.buf = appendFrame(f.buf, m)
		f.payload += len(m.b)
	}
	return f, msgs, true
}

// done settles a flush once f.n and f.err say what the write did: the
// buffer goes back to the pool, an unwritten rest to the connection's
// writer goroutine (which writes it before anything queued since), a
// write error stops the connection, and a connection with more queued
// meanwhile goes to the back of the ready queue.
func (f *readyFlush) done() {
	c := f.c
	var rest []byte
	if f.err == nil && f.n < len(f.buf) {
		rest = append([]byte(nil), f.buf[f.n:]...) // the socket is full: the writer goroutine goes on
	}
	if cap(f.buf) <= maxPooledFrameBuf {
		*f.bp = f.buf[:0]
		c.srv.frames.Put(f.bp)
	}
	f.buf, f.bp = nil, nil
	if f.err != nil {
		c.qmu.Lock()
		c.queued = false
		c.qmu.Unlock()
		c.stop(0, "")
		return
	}
	if rest == nil {
		c.srv.m.sent.Add(float64(f.msgs))
		c.srv.m.writes.Inc()
	}
	c.qmu.Lock()
	if !c.closing {
		c.qbytes -= f.payload
	}
	switch {
	case c.closing || c.writing: // stop took the writer role: it closes
		c.queued = false
		c.qmu.Unlock()
	case rest != nil:
		c.queued = false
		c.writing = true
		c.pending, c.pendingMsgs = rest, f.msgs
		c.qmu.Unlock()
		go c.flush()
	case len(c.q) > 0: // more came meanwhile: back of the line
		c.qmu.Unlock()
		c.srv.ready.push(c)
	default:
		c.queued = false
		c.qmu.Unlock()
	}
}

// tryWrite writes what the socket takes of buf now, without waiting, and
// returns how much it took. Once the connection is closing it writes
// nothing more.
func (c *conn) tryWrite(buf []byte) (int, error) {
	if c.closingFlag.Load() {
		return 0, errClosing
	}
	if c.raw == nil {
		return 0, nil // everything to the writer goroutine
	}
	var n int
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), buf)
			if werr != syscall.EINTR {
				return true // never wait for the socket: the writer goroutine does
			}
		}
	})
	switch {
	case err != nil:
		return 0, err
	case werr == syscall.EAGAIN:
		return 0, nil
	case werr != nil:
		return 0, werr
	}
	return n, nil
}

// errClosing: the connection is closing; nothing more is written.
var errClosing = errors.New("socketio: connection closing")
