package socketio

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Close codes sent in the WebSocket close frame.
const (
	// CloseGoingAway (1001) is sent to every connection by Shutdown.
	CloseGoingAway = websocket.CloseGoingAway
	// CloseProtocolError (1002) follows a frame that is not a valid
	// Engine.IO / Socket.IO packet.
	CloseProtocolError = websocket.CloseProtocolError
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

// conn is one Engine.IO connection. The reader goroutine (serve, started
// by ServeHTTP) reads; a writer goroutine (flush) exists only while there
// is something to send, and at most one at a time; the ping timer and
// everything else only enqueue.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	netc   net.Conn
	raw    syscall.RawConn // netc's socket, for non-blocking writes; nil: always the writer goroutine
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
	ping        *time.Timer   // the next Engine.IO ping or connect timeout check; set under qmu
	namespaces  atomic.Int32  // connected namespace sockets

	// Owned by the reader goroutine.
	sockets  map[string]*socket // by namespace
	userJSON []byte             // {"name":…,"email":…} of user
}

func newConn(srv *Server, ws *websocket.Conn, user *User) *conn {
	c := &conn{
		srv:        srv,
		ws:         ws,
		netc:       ws.UnderlyingConn(),
		id:         newID(),
		user:       user,
		opened:     time.Now(),
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		sockets:    make(map[string]*socket, 2),
	}
	if user != nil {
		c.userJSON, _ = jsonMarshal(user)
	}
	if sc, ok := c.netc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	return c
}

// start arms the heartbeat; the first enqueue starts a writer.
func (c *conn) start() {
	c.qmu.Lock()
	c.ping = time.AfterFunc(c.srv.opts.PingInterval, c.pingTick)
	c.qmu.Unlock()
}

// pingTick queues an Engine.IO ping, or closes a connection that joined no
// namespace within ConnectTimeout.
func (c *conn) pingTick() {
	if c.closingFlag.Load() {
		return
	}
	o := &c.srv.opts
	if c.namespaces.Load() == 0 && time.Since(c.opened) >= o.ConnectTimeout {
		c.stop(websocket.ClosePolicyViolation, "no namespace joined")
		return
	}
	c.enqueue(outMsg{b: pingFrame})
	c.qmu.Lock()
	c.ping.Reset(o.PingInterval)
	c.qmu.Unlock()
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
		buf = appendTextFrame(buf, m.b)
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

// appendTextFrame appends an unmasked, final WebSocket text frame (RFC 6455
// §5.2; a server never masks) carrying payload.
func appendTextFrame(buf, payload []byte) []byte {
	const finText = 0x80 | websocket.TextMessage
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
// socket, which ends the reader's read.
func (c *conn) finish(code int, text string) {
	c.qmu.Lock()
	if c.ping != nil {
		c.ping.Stop()
	}
	c.qmu.Unlock()
	if code != 0 {
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(closeGrace))
	}
	_ = c.ws.Close()
	close(c.writerDone)
}

// errClientClose is an Engine.IO close packet from the client.
var errClientClose = errors.New("socketio: client sent close")

// readLoop reads until the connection ends and returns socket.io's
// disconnect reason. Its frame stays small (see serve): the error's
// classification and the packet's handling are calls it does not inline.
func (c *conn) readLoop() string {
	c.ws.SetReadLimit(int64(c.srv.opts.MaxPayload))
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.opts.PingInterval + c.srv.opts.PingTimeout))
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			return c.readEndReason(err)
		}
		if mt != websocket.TextMessage {
			continue // binary attachments are not supported; ignore them
		}
		if reason := c.handleRead(data); reason != "" {
			return reason
		}
	}
}

// readEndReason is the disconnect reason for the read error err.
//
//go:noinline
func (c *conn) readEndReason(err error) string {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case c.closingFlag.Load():
		return "forced server close"
	case errors.As(err, &ce):
		return "transport close"
	case errors.As(err, &ne) && ne.Timeout():
		return "ping timeout"
	}
	return "transport error"
}

// handleRead handles one text message; it returns a disconnect reason
// when the message ends the connection.
//
//go:noinline
func (c *conn) handleRead(data []byte) string {
	err := c.handleFrame(data)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errClientClose):
		c.stop(websocket.CloseNormalClosure, "")
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
