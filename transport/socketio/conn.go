package socketio

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
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

var (
	pingFrame = []byte{eioPing}
	pongFrame = []byte{eioPong}
)

// outMsg is one queued WebSocket text message: a prepared broadcast frame
// or plain bytes (shared between receivers, never mutated).
type outMsg struct {
	pm *websocket.PreparedMessage
	b  []byte
	n  int // bytes charged to the queue
}

// conn is one Engine.IO connection. Exactly two goroutines touch the
// WebSocket: the reader (serve, started by ServeHTTP) and the writer
// (writeLoop). Everything else only enqueues.
type conn struct {
	srv  *Server
	ws   *websocket.Conn
	netc net.Conn
	id   string // Engine.IO sid
	user *User  // nil: unauthenticated; immutable
	// secretOK: the upgrade request carried Options.Secret in x-rts-secret.
	// Set before the connection's goroutines start; immutable.
	secretOK bool
	opened   time.Time

	qmu       sync.Mutex // guards the fields below up to closeText
	q         []outMsg
	qbytes    int
	closing   bool
	closeCode int // 0: close without a close frame
	closeText string

	closingFlag atomic.Bool   // mirrors closing for the writer's hot path
	wake        chan struct{} // cap 1: "the queue changed"
	writerDone  chan struct{}
	namespaces  atomic.Int32 // connected namespace sockets

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
	return c
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue adds m to the send queue. It never blocks: when the queue would
// exceed MaxQueueBytes the connection is marked a slow consumer and closed.
// It reports whether m was queued.
func (c *conn) enqueue(m outMsg) bool {
	c.qmu.Lock()
	if c.closing {
		c.qmu.Unlock()
		return false
	}
	if c.qbytes+m.n > c.srv.opts.MaxQueueBytes {
		c.setClosingLocked(CloseSlowConsumer, "slow consumer")
		c.qmu.Unlock()
		c.srv.m.slow.Inc()
		c.srv.log.Warn("socket: slow consumer disconnected", "sid", c.id, "max_queue_bytes", c.srv.opts.MaxQueueBytes)
		// Unblock a write stuck on a peer that does not read: the writer
		// sees closing before its next frame.
		_ = c.netc.SetWriteDeadline(time.Now().Add(closeGrace))
		c.signal()
		return false
	}
	c.q = append(c.q, m)
	c.qbytes += m.n
	c.qmu.Unlock()
	c.signal()
	return true
}

// send queues one packet for this connection only.
func (c *conn) send(pkt []byte) bool { return c.enqueue(outMsg{b: pkt, n: len(pkt)}) }

// stop asks the writer to close the connection, with a close frame when
// code is not 0. Pending messages are dropped. Safe from any goroutine.
func (c *conn) stop(code int, text string) {
	c.qmu.Lock()
	first := !c.closing
	if first {
		c.setClosingLocked(code, text)
	}
	c.qmu.Unlock()
	if first {
		// A write stuck on a peer that does not read ends within closeGrace.
		_ = c.netc.SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.signal()
}

func (c *conn) setClosingLocked(code int, text string) {
	c.closing = true
	c.closeCode, c.closeText = code, text
	clear(c.q)
	c.q = c.q[:0]
	c.qbytes = 0
	c.closingFlag.Store(true)
}

// writeLoop is the only goroutine that writes messages. It sends the
// Engine.IO heartbeat, drains the queue, and closes the WebSocket (which
// ends the reader) when stopped or when a write fails.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	defer c.ws.Close()
	o := &c.srv.opts
	ticker := time.NewTicker(o.PingInterval)
	defer ticker.Stop()
	var batch []outMsg
	for {
		select {
		case <-c.wake:
		case <-ticker.C:
			if c.namespaces.Load() == 0 && time.Since(c.opened) >= o.ConnectTimeout {
				c.stop(websocket.ClosePolicyViolation, "no namespace joined")
				break
			}
			if !c.closingFlag.Load() {
				_ = c.ws.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
				if err := c.ws.WriteMessage(websocket.TextMessage, pingFrame); err != nil {
					c.stop(0, "")
					return
				}
			}
		}
		c.qmu.Lock()
		if c.closing {
			code, text := c.closeCode, c.closeText
			c.qmu.Unlock()
			if code != 0 {
				_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(closeGrace))
			}
			return
		}
		batch, c.q = c.q, batch[:0]
		c.qmu.Unlock()
		for i := range batch {
			if c.closingFlag.Load() {
				break
			}
			m := batch[i]
			batch[i] = outMsg{}
			_ = c.ws.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
			var err error
			if m.pm != nil {
				err = c.ws.WritePreparedMessage(m.pm)
			} else {
				err = c.ws.WriteMessage(websocket.TextMessage, m.b)
			}
			if err != nil {
				c.stop(0, "")
				return
			}
			c.srv.m.sent.Inc()
			c.qmu.Lock()
			if !c.closing {
				c.qbytes -= m.n
			}
			c.qmu.Unlock()
		}
		clear(batch)
		batch = batch[:0]
		if cap(batch) > maxIdleBatch {
			batch = nil // do not keep a burst's capacity on an idle connection
		}
	}
}

// errClientClose is an Engine.IO close packet from the client.
var errClientClose = errors.New("socketio: client sent close")

// readLoop reads until the connection ends and returns socket.io's
// disconnect reason.
func (c *conn) readLoop() string {
	o := &c.srv.opts
	c.ws.SetReadLimit(int64(o.MaxPayload))
	deadline := o.PingInterval + o.PingTimeout
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(deadline))
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
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
		if mt != websocket.TextMessage {
			continue // binary attachments are not supported; ignore them
		}
		if err := c.handleFrame(data); err != nil {
			if errors.Is(err, errClientClose) {
				c.stop(websocket.CloseNormalClosure, "")
				return "transport close"
			}
			c.srv.log.Debug("socket: bad packet", "sid", c.id, "err", err)
			c.stop(CloseProtocolError, "parse error")
			return "parse error"
		}
	}
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
