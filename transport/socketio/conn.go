package socketio

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Close codes sent in the WebSocket close frame.
const (
	// CloseGoingAway (1001) is sent to every connection by Shutdown.
	CloseGoingAway = 1001
	// CloseProtocolError (1002) follows a frame that is not a valid
	// Engine.IO / Socket.IO packet.
	CloseProtocolError = 1002
	// CloseSlowConsumer (4008, reason "slow consumer") is sent when a
	// connection's send queue would exceed Options.MaxQueueBytes; the queue
	// is dropped and the connection closed (a client that is not reading at
	// all may not see the frame; its TCP connection is closed within
	// closeGrace). The event is counted in rts_ws_slow_consumers_total. A
	// "/" session cut this way may still be recovered within the window.
	CloseSlowConsumer = 4008
)

// maxIdleBatch is the largest queue capacity a connection keeps between
// bursts.
const maxIdleBatch = 16

// closeGrace bounds the close handshake write and the write a slow
// consumer is stuck in.
const closeGrace = time.Second

// writerLinger is how long a writer goroutine waits for more to send
// before it ends: a busy connection keeps its writer, an idle one has none.
const writerLinger = time.Second

// maxPooledFrameBuf is the largest frame buffer returned to Server.frames;
// a flush bigger than it allocates its own.
const maxPooledFrameBuf = 64 << 10

var (
	pingFrame = []byte{eioPing}
	pongFrame = []byte{eioPong}
)

// outMsg is one queued WebSocket text message: an encoded packet, shared
// between receivers and never mutated.
type outMsg struct {
	b []byte
	// key, when set, conflates: a newer message with the same key replaces
	// this one while it still waits in the queue (a sender's pointer: the
	// receiver wants the latest position, not a backlog).
	key string
}

// conn is one Engine.IO connection. A reader goroutine (readReady,
// started by the server's poller) exists only while the client's bytes
// wait to be read, at most one at a time; a writer goroutine (flush)
// exists only while a socket cannot take what is queued, at most one at a
// time; the ping timer and everything else only enqueue.
type conn struct {
	srv    *Server
	netc   net.Conn
	raw    syscall.RawConn // netc's socket, for non-blocking reads and writes; nil: blocking reads and the writer goroutine
	id     string          // Engine.IO sid
	user   *User           // nil: unauthenticated; immutable
	opened time.Time
	// secretOK: the upgrade request carried Options.Secret in x-rts-secret.
	// Set before the connection's goroutines start; immutable.
	secretOK bool

	qmu     sync.Mutex // guards the fields below up to closeText
	q       []outMsg
	qbytes  int
	writing bool // a writer goroutine runs (it alone clears this)
	queued  bool // in the server's ready queue or being written by a flusher (see readyQueue)
	// pending is what a flusher could not write at once (pendingMsgs
	// messages): the writer goroutine it started writes it first.
	pending     []byte
	pendingMsgs int
	closing     bool
	closeCode   int // 0: close without a close frame
	closeText   string

	closingFlag atomic.Bool   // mirrors closing for the writer's hot path
	wdeadline   time.Time     // the write deadline the writer last set (the writer's alone)
	wake        chan struct{} // cap 1: "the queue changed", for a lingering writer
	writerDone  chan struct{} // closed once the connection is closed
	ping        *time.Timer   // the next Engine.IO ping, ping timeout or connect timeout check; set under qmu
	nextPing    time.Time     // when the next Engine.IO ping is due; guarded by qmu
	endReason   string        // why the server stopped the connection ("": forced server close); guarded by qmu
	namespaces  atomic.Int32  // connected namespace sockets
	lastRead    atomic.Int64  // UnixNano of the last read that returned bytes
	pollTok     uint64        // the poller's token; set once before reads start

	// rmu is held by whoever handles the client's bytes (the reader of the
	// moment) and by the teardown's start; it guards ended and the
	// fields below.
	rmu     sync.Mutex
	ended   bool               // teardown has started: read nothing more
	fr      frameReader        // the client's frames across reads
	sockets map[string]*socket // by namespace
	// userJSON is {"name":…,"email":…} of user; immutable.
	userJSON []byte
}

// newConn returns the connection of user (nil: unauthenticated), whose
// JSON is userJSON (nil: encoded here).
func newConn(srv *Server, netc net.Conn, user *User, userJSON []byte) *conn {
	c := &conn{
		srv:        srv,
		netc:       netc,
		id:         newID(),
		user:       user,
		opened:     time.Now(),
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		sockets:    make(map[string]*socket, 2),
	}
	if c.userJSON = userJSON; user != nil && userJSON == nil {
		c.userJSON, _ = jsonMarshal(user)
	}
	if sc, ok := c.netc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
		}
	}
	return c
}

// start arms the heartbeat and starts reading (through the poller, or a
// goroutine blocked in its read when there is none); the first enqueue
// starts a writer.
func (c *conn) start() {
	c.lastRead.Store(c.opened.UnixNano())
	c.qmu.Lock()
	c.nextPing = c.opened.Add(c.srv.opts.PingInterval)
	c.ping = time.AfterFunc(c.srv.opts.PingInterval, c.pingTick)
	c.qmu.Unlock()
	// net/http may have left deadlines on the hijacked connection; reads
	// are bounded by the ping timeout instead.
	_ = c.netc.SetReadDeadline(time.Time{})
	if c.srv.poll == nil || c.srv.poll.add(c) != nil {
		go c.readBlocking()
	}
}

// pingTick queues an Engine.IO ping when one is due, closes a connection
// that sent nothing for PingInterval+PingTimeout ("ping timeout": every
// client packet counts, as in engine.io) or joined no namespace within
// ConnectTimeout, and arms the timer for the next of these.
func (c *conn) pingTick() {
	if c.closingFlag.Load() {
		return
	}
	o := &c.srv.opts
	now := time.Now()
	if c.namespaces.Load() == 0 && now.Sub(c.opened) >= o.ConnectTimeout {
		c.stop(closePolicyViolation, "no namespace joined")
		return
	}
	deadline := time.Unix(0, c.lastRead.Load()).Add(o.PingInterval + o.PingTimeout)
	if !now.Before(deadline) {
		c.qmu.Lock()
		if !c.closing {
			c.endReason = "ping timeout"
		}
		c.qmu.Unlock()
		c.stop(0, "")
		return
	}
	c.qmu.Lock()
	due := !now.Before(c.nextPing)
	if due {
		c.nextPing = now.Add(o.PingInterval)
	}
	c.ping.Reset(min(c.nextPing.Sub(now), deadline.Sub(now)))
	c.qmu.Unlock()
	if due {
		c.enqueue(outMsg{b: pingFrame})
	}
}

// enqueue adds m to the send queue, replacing a queued message with m's
// key. It never blocks: when the queue would exceed MaxQueueBytes the
// connection is marked a slow consumer and closed. It reports whether m
// was queued.
func (c *conn) enqueue(m outMsg) bool {
	c.qmu.Lock()
	if c.closing {
		c.qmu.Unlock()
		return false
	}
	if m.key != "" {
		// Newest last: a pending message of this key is usually near the
		// end, and the queue holds one per key at most.
		for i := len(c.q) - 1; i >= 0; i-- {
			if c.q[i].key == m.key {
				c.qbytes += len(m.b) - len(c.q[i].b)
				c.q[i] = m
				c.qmu.Unlock()
				c.srv.m.conflated.Inc()
				return true
			}
		}
	}
	if c.qbytes+len(m.b) > c.srv.opts.MaxQueueBytes {
		c.setClosingLocked(CloseSlowConsumer, "slow consumer")
		start := c.startWriterLocked()
		c.qmu.Unlock()
		c.srv.m.slow.Inc()
		c.srv.log.Warn("socket: slow consumer disconnected", "sid", c.id, "max_queue_bytes", c.srv.opts.MaxQueueBytes)
		// Unblock a write stuck on a peer that does not read: the writer
		// sees closing before its next frame.
		_ = c.netc.SetWriteDeadline(time.Now().Add(closeGrace))
		c.kick(start)
		return false
	}
	c.q = append(c.q, m)
	c.qbytes += len(m.b)
	// A connection whose writer goroutine runs wakes it; any other goes
	// to the ready queue, once.
	push := !c.writing && !c.queued
	c.queued = c.queued || push
	writing := c.writing
	c.qmu.Unlock()
	switch {
	case push:
		c.srv.ready.push(c)
	case writing:
		c.kick(false)
	}
	return true
}

// startWriterLocked claims the writer role when no writer runs.
func (c *conn) startWriterLocked() bool {
	if c.writing {
		return false
	}
	c.writing = true
	return true
}

// kick starts a writer (start) or wakes the lingering one.
func (c *conn) kick(start bool) {
	if start {
		go c.flush()
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// send queues one packet for this connection only.
func (c *conn) send(pkt []byte) bool { return c.enqueue(outMsg{b: pkt}) }

// stop asks the writer to close the connection, with a close frame when
// code is not 0. Pending messages are dropped. Safe from any goroutine.
func (c *conn) stop(code int, text string) {
	c.qmu.Lock()
	first := !c.closing
	if first {
		c.setClosingLocked(code, text)
	}
	start := c.startWriterLocked()
	c.qmu.Unlock()
	if first {
		// A write stuck on a peer that does not read ends within closeGrace.
		_ = c.netc.SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.kick(start)
}

func (c *conn) setClosingLocked(code int, text string) {
	c.closing = true
	c.closeCode, c.closeText = code, text
	clear(c.q)
	c.q = c.q[:0]
	c.qbytes = 0
	c.closingFlag.Store(true)
}

// flush is the writer goroutine, for a connection the flushers cannot
// write without blocking (a slow reader; see readyQueue) and for closing
// one: it sends what a flusher left pending, then everything queued in one
// write per batch, lingers briefly for more, and ends when the queue stays
// empty (the flushers write the connection again). When the connection is
// closing it writes the close frame, closes the WebSocket (which ends the
// reader) and never hands the role back.
func (c *conn) flush() {
	o := &c.srv.opts
	var batch []outMsg
	var linger *time.Timer
	defer func() {
		if linger != nil {
			linger.Stop()
		}
	}()
	for {
		c.qmu.Lock()
		if c.closing {
			code, text := c.closeCode, c.closeText
			c.qmu.Unlock()
			c.finish(code, text)
			return
		}
		if c.pending != nil {
			p, k := c.pending, c.pendingMsgs
			c.pending, c.pendingMsgs = nil, 0
			c.qmu.Unlock()
			if err := c.writeBuf(p, o.WriteTimeout); err != nil {
				c.stop(0, "")
				continue // finish closes
			}
			c.srv.m.sent.Add(float64(k))
			c.srv.m.writes.Inc()
			continue
		}
		if len(c.q) == 0 {
			c.qmu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-c.wake:
				linger.Stop() // no stale tick can follow (Go ≥ 1.23 timers)
				continue
			case <-linger.C:
			}
			c.qmu.Lock()
			if len(c.q) == 0 && !c.closing {
				// The flushers write the connection from now on: no
				// deadline of ours may outlive us, since RawConn.Write
				// fails at once once it has passed. Under qmu: a stop
				// sets its own deadline after it has set closing.
				if !c.wdeadline.IsZero() {
					c.wdeadline = time.Time{}
					_ = c.netc.SetWriteDeadline(c.wdeadline)
				}
				c.writing = false
				c.qmu.Unlock()
				return
			}
			c.qmu.Unlock()
			continue
		}
		batch, c.q = c.q, batch[:0]
		c.qmu.Unlock()
		// Drain a stale wake-up: everything queued so far is in batch.
		select {
		case <-c.wake:
		default:
		}
		n, err := c.writeBatch(batch, o.WriteTimeout)
		clear(batch)
		batch = batch[:0]
		if cap(batch) > maxIdleBatch {
			batch = nil // do not keep a burst's capacity
		}
		if err != nil {
			c.stop(0, "")
			continue // finish closes
		}
		c.qmu.Lock()
		if !c.closing {
			c.qbytes -= n
		}
		c.qmu.Unlock()
	}
}

// writeBatch frames batch into one pooled buffer and writes it in one
// call. It returns the bytes of payload sent.
func (c *conn) writeBatch(batch []outMsg, timeout time.Duration) (int, error) {
	bp, _ := c.srv.frames.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := (*bp)[:0]
	n := 0
	for _, m := range batch {
		buf = appendFrame(buf, m)
		n += len(m.b)
	}
	err := c.writeBuf(buf, timeout)
	if cap(buf) <= maxPooledFrameBuf {
		*bp = buf[:0]
		c.srv.frames.Put(bp)
	}
	if err == nil {
		c.srv.m.sent.Add(float64(len(batch)))
		c.srv.m.writes.Inc()
	}
	return n, err
}

// writeBuf writes buf, blocking for at most about timeout.
func (c *conn) writeBuf(buf []byte, timeout time.Duration) error {
	// The deadline first, then the closing check: a concurrent stop sets
	// closing before its shorter deadline, so one of the two wins. The
	// deadline is renewed only when less than half of timeout is left:
	// renewing it moves a runtime timer, a few percent of a busy server's
	// CPU when every write carries one pointer.
	if now := time.Now(); c.wdeadline.Sub(now) < timeout/2 {
		c.wdeadline = now.Add(timeout)
		_ = c.netc.SetWriteDeadline(c.wdeadline)
	}
	if c.closingFlag.Load() {
		return net.ErrClosed
	}
	_, err := c.netc.Write(buf)
	return err
}

// pongKey marks a queued WebSocket pong (the payload of the client's
// ping) rather than a text message. As a conflation key it answers only
// the latest of several pings still waiting, which RFC 6455 §5.5.3 allows.
const pongKey = "\x00pong"

// appendFrame appends m's WebSocket frame: a text message, or a pong.
func appendFrame(buf []byte, m outMsg) []byte {
	if m.key == pongKey {
		buf = append(buf, 0x80|wsOpPong, byte(len(m.b)))
		return append(buf, m.b...)
	}
	return appendTextFrame(buf, m.b)
}

// appendTextFrame appends an unmasked, final WebSocket text frame (RFC 6455
// §5.2; a server never masks) carrying payload.
func appendTextFrame(buf, payload []byte) []byte {
	const finText = 0x80 | wsOpText
	switch n := len(payload); {
	case n <= 125:
		buf = append(buf, finText, byte(n))
	case n <= 0xFFFF:
		buf = append(buf, finText, 126, byte(n>>8), byte(n))
	default:
		buf = append(buf, finText, 127)
		buf = binary.BigEndian.AppendUint64(buf, uint64(n))
	}
	return append(buf, payload...)
}

// finish ends the connection: the close frame (when code is set), then the
// socket; then, unless a reader already did, the teardown.
func (c *conn) finish(code int, text string) {
	c.qmu.Lock()
	if c.ping != nil {
		c.ping.Stop()
	}
	reason := c.endReason
	c.qmu.Unlock()
	if code != 0 {
		_ = c.netc.SetWriteDeadline(time.Now().Add(closeGrace))
		_, _ = c.netc.Write(appendCloseFrame(nil, code, text))
	}
	_ = c.netc.Close()
	close(c.writerDone)
	if reason == "" {
		reason = "forced server close"
	}
	if c.endRead() {
		c.teardown(reason)
	}
}

// endRead claims the teardown: it reports false when it has started
// already. It waits for a reader handling bytes to finish.
func (c *conn) endRead() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.ended {
		return false
	}
	c.ended = true
	return true
}

// errClientClose is an Engine.IO close packet from the client.
var errClientClose = errors.New("socketio: client sent close")

// readBufSize is the buffer a reader reads into, borrowed from
// Server.readBufs for one readReady: a client's packets are small (a
// pointer is about 150 bytes), and a longer frame is read across reads.
const readBufSize = 4096

// maxReadsPerWake bounds the reads of one readReady: a client that keeps
// sending is re-armed and waits its turn behind the others.
const maxReadsPerWake = 8

// readReady is a reader goroutine, started by the poller when c's socket
// is readable: it reads what is there without blocking, handles it, and
// re-arms the socket, or tears the connection down when it has ended.
func (c *conn) readReady() {
	c.rmu.Lock()
	if c.ended {
		c.rmu.Unlock()
		return
	}
	reason := c.readAvailable()
	if reason == "" {
		if err := c.srv.poll.rearm(c); err != nil {
			reason = c.readEndReason(err)
		}
	}
	c.releaseRead(reason)
}

// releaseRead releases rmu, ending the connection when reason is not empty:
// ended is set under rmu, so no later read handles bytes after the end.
// It reports whether the connection ended.
func (c *conn) releaseRead(reason string) bool {
	if reason == "" {
		c.rmu.Unlock()
		return false
	}
	c.ended = true
	c.rmu.Unlock()
	c.teardown(reason)
	return true
}

// readAvailable reads and handles what the socket holds; it returns a
// disconnect reason when the connection has ended.
func (c *conn) readAvailable() string {
	bp, _ := c.srv.readBufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, readBufSize)
		bp = &b
	}
	defer c.srv.readBufs.Put(bp)
	buf := *bp
	for range maxReadsPerWake {
		n, err := c.readNow(buf)
		switch {
		case err == syscall.EAGAIN:
			return ""
		case err != nil:
			return c.readEndReason(err)
		case n == 0: // the client closed its side without a close frame
			return c.readEndReason(io.ErrUnexpectedEOF)
		}
		c.lastRead.Store(time.Now().UnixNano())
		if reason := c.consume(buf[:n]); reason != "" {
			return reason
		}
		if n < len(buf) {
			return "" // drained; a later arrival wakes the poller again
		}
	}
	return ""
}

// readNow reads what the socket holds into buf without waiting
// (syscall.EAGAIN when it holds nothing).
func (c *conn) readNow(buf []byte) (int, error) {
	var n int
	var rerr error
	err := c.raw.Read(func(fd uintptr) bool {
		for {
			n, rerr = syscall.Read(int(fd), buf)
			if rerr != syscall.EINTR {
				return true // never wait: the poller says when there is more
			}
		}
	})
	if err != nil {
		return 0, err
	}
	if rerr != nil {
		return 0, rerr
	}
	return n, nil
}

// readBlocking is the reader when there is no poller (not Linux, or a
// connection without a raw socket): a goroutine blocked in its read for
// the connection's life.
func (c *conn) readBlocking() {
	buf := make([]byte, readBufSize)
	for {
		n, err := c.netc.Read(buf)
		c.rmu.Lock()
		if c.ended {
			c.rmu.Unlock()
			return
		}
		var reason string
		if n > 0 {
			c.lastRead.Store(time.Now().UnixNano())
			reason = c.consume(buf[:n])
		}
		if reason == "" && err != nil {
			reason = c.readEndReason(err)
		}
		if c.releaseRead(reason) {
			return
		}
	}
}

// consume handles the bytes of one read (under rmu); it returns a
// disconnect reason when they end the connection.
func (c *conn) consume(data []byte) string {
	var reason string
	werr := c.fr.feed(data, c.srv.opts.MaxPayload, func(ev wsEvent) bool {
		switch ev.op {
		case wsOpText:
			reason = c.handleRead(ev.payload)
		case wsOpPing:
			c.enqueue(outMsg{b: append([]byte(nil), ev.payload...), key: pongKey})
		case wsOpClose:
			c.stop(ev.code, "") // echo the client's code (RFC 6455 §5.5.1)
			reason = "transport close"
		}
		// Binary messages (Socket.IO attachments) are not supported:
		// ignored.
		return reason == ""
	})
	if werr != nil {
		c.srv.log.Debug("socket: websocket protocol error", "sid", c.id, "err", werr.text)
		c.stop(werr.code, werr.text)
		return "transport error"
	}
	return reason
}

// readEndReason is the disconnect reason for the read error err.
func (c *conn) readEndReason(err error) string {
	if c.closingFlag.Load() {
		return "forced server close"
	}
	_ = err // any other end of the stream is the transport's
	return "transport error"
}

// handleRead handles one text message; it returns a disconnect reason
// when the message ends the connection.
func (c *conn) handleRead(data []byte) string {
	err := c.handleFrame(data)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errClientClose):
		c.stop(closeNormal, "")
		return "transport close"
	}
	c.srv.log.Debug("socket: bad packet", "sid", c.id, "err", err)
	c.stop(CloseProtocolError, "parse error")
	return "parse error"
}

// handleFrame handles one Engine.IO packet.
func (c *conn) handleFrame(frame []byte) error {
	p, err := decodeEIO(frame)
	if err != nil {
		return err
	}
	switch p.Type {
	case eioMessage:
		sp, err := decodeSIO(p.Data)
		if err != nil {
			return err
		}
		c.handlePacket(sp)
	case eioPing: // EIO3-style client ping (or a probe): answer it
		c.send(append(append([]byte(nil), pongFrame...), p.Data...))
	case eioPong, eioNoop, eioUpgrade:
		// The read deadline was extended by the read itself.
	case eioClose:
		return errClientClose
	default: // eioOpen from a client
		return errUnknownType
	}
	return nil
}
