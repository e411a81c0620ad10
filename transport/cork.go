package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// An answer larger than net/http's 4 KB connection buffer leaves the
// server in two writes: the headers with the start of the body when the
// buffer fills, then the rest. On loopback each write is a trip through
// the receiving side of TCP and a wake-up of the reader, and on a page
// save (a 15–40 KB answer) the second trip was a tenth of the server's
// CPU. A corked connection holds small writes back while a handler writes
// one answer and sends them with the next large write (one writev) or when
// the answer is complete: one write per answer, as Node's http module does
// with its own cork.

// corkListener wraps every accepted connection in a corkConn.
type corkListener struct{ net.Listener }

func (l corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corkConn{Conn: c}, nil
}

// corkBytes is the most a corked connection holds back: net/http's
// connection buffer (4 KB) and a margin.
const corkBytes = 8 << 10

var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, corkBytes); return &b }}

// corkConn is a connection that can hold back its writes. Only the
// goroutine serving the connection's request corks it and writes to it
// (net/http writes an HTTP/1 answer from the handler's goroutine), so its
// state needs no lock. A connection that is never corked (a WebSocket
// after its upgrade, the graph page) writes straight through.
type corkConn struct {
	net.Conn
	corked  bool
	pending *[]byte // held-back bytes while corked, from corkBuffers
	bufs    [2][]byte
}

// cork starts holding writes back; uncork sends them.
func (c *corkConn) cork() {
	c.corked = true
	if c.pending == nil {
		c.pending = corkBuffers.Get().(*[]byte)
	}
}

func (c *corkConn) Write(p []byte) (int, error) {
	if !c.corked {
		return c.Conn.Write(p)
	}
	held := *c.pending
	if len(held)+len(p) <= cap(held) {
		*c.pending = append(held, p...)
		return len(p), nil
	}
	if len(held) == 0 {
		return c.Conn.Write(p)
	}
	// What is held and p in one writev. net.Buffers consumes its slice,
	// so it is rebuilt over the connection's own array each time.
	c.bufs = [2][]byte{held, p}
	bufs := net.Buffers(c.bufs[:])
	n, err := bufs.WriteTo(c.Conn)
	c.bufs = [2][]byte{}
	*c.pending = held[:0]
	return int(max(0, n-int64(len(held)))), err
}

// uncork sends what is held back. A failed write closes the connection:
// net/http, which saw the held-back write succeed, must not reuse it.
func (c *corkConn) uncork() {
	c.corked = false
	if c.pending == nil {
		return
	}
	held := *c.pending
	var err error
	if len(held) > 0 {
		_, err = c.Conn.Write(held)
	}
	*c.pending = held[:0]
	corkBuffers.Put(c.pending)
	c.pending = nil
	if err != nil {
		_ = c.Conn.Close()
	}
}

// ReadFrom and CloseWrite keep what net/http finds on a TCP connection:
// sendfile for files (the graph page), and the half-close with which it
// ends a connection after an error answer so that the client can read it.
func (c *corkConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok && !c.corked {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c}, r)
}

func (c *corkConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn exposes the TCP socket, as *net.TCPConn does, to a handler
// that takes the connection over: the WebSocket endpoint reads and writes
// it without blocking (transport/socketio's poller and flushers). Without
// it every WebSocket of the served binary fell back to a goroutine blocked
// in its read and a writer goroutine per write.
func (c *corkConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("transport: connection has no socket")
}

// writerOnly hides corkConn's ReadFrom from io.Copy, which would call it
// again.
type writerOnly struct{ io.Writer }

type corkKey struct{}

// corkContext is http.Server's ConnContext: it lets a handler find the
// connection its answer goes to.
func corkContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*corkConn); ok {
		return context.WithValue(ctx, corkKey{}, cc)
	}
	return ctx
}

// corkOf returns the corkable connection r came on, or nil (a server
// other than Server, or a test's recorder).
func corkOf(r *http.Request) *corkConn {
	cc, _ := r.Context().Value(corkKey{}).(*corkConn)
	return cc
}
