package socketio

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// authIdleTimeout closes a kept-alive backend connection unused this long
// (net/http's DefaultTransport.IdleConnTimeout).
const authIdleTimeout = 90 * time.Second

// authConns is the default client of /users/me for a backend reached over
// plain HTTP without a proxy: the calling goroutine writes the request on
// a kept-alive connection and reads the answer itself. net/http's
// Transport hands each call to a writer and a reader goroutine of the
// connection and back, with a context, a cancellation watcher and header
// maps on the way; when every editor of a 10,000-editor join signs in with
// a new cookie that was a fifth of the server's CPU, twice what the two
// system calls of a call cost (issue 15). What the backend receives is
// net/http's request without Accept-Encoding (the answer is small).
//
// Like the Transport it replaces (authMaxConns connections per host), it
// keeps at most authMaxConns connections, in use or idle: a call takes an
// idle one and dials only when there is none, and calls beyond the bound
// wait for one. A kept connection the backend has closed meanwhile is
// noticed by the call that takes it, which dials once more; idle ones are
// closed after authIdleTimeout (prune) and when the server shuts down.
type authConns struct {
	addr   string // host:port to dial
	head   []byte // the request up to the Cookie header's value
	slots  chan struct{}
	mu     sync.Mutex
	idle   []*authConn // newest last; guarded by mu
	closed bool        // guarded by mu
}

// authConn is one connection to the backend.
type authConn struct {
	nc   net.Conn
	br   *bufio.Reader
	used time.Time // when it went idle
}

// newAuthConns returns the client for GET target, or nil when net/http's
// must serve it: not plain http, a proxy configured for it, user info or a
// host this client would write differently.
func newAuthConns(target string) *authConns {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Host == "" || u.Opaque != "" ||
		strings.ContainsAny(u.Host, "% \t\r\n") {
		return nil
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err != nil || p != nil {
		return nil
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	head := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUser-Agent: Go-http-client/1.1\r\nAccept: application/json\r\nCookie: "
	return &authConns{addr: addr, head: []byte(head), slots: make(chan struct{}, authMaxConns)}
}

// aLongTimeAgo is a deadline in the past: it ends a call's blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// get calls GET with SESSION=cookie and returns the status and up to
// maxAuthBody bytes of the answer, within timeout; ctx ends it early.
func (p *authConns) get(ctx context.Context, cookie string, timeout time.Duration) (int, []byte, error) {
	deadline := time.Now().Add(timeout)
	select {
	case p.slots <- struct{}{}:
	default:
		t := time.NewTimer(timeout)
		select {
		case p.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return 0, nil, errors.New("no backend connection free within the timeout")
		case <-ctx.Done():
			t.Stop()
			return 0, nil, ctx.Err()
		}
	}
	defer func() { <-p.slots }()
	req := append(append(make([]byte, 0, len(p.head)+len(cookie)+24), p.head...),
		(&http.Cookie{Name: "SESSION", Value: cookie}).String()...)
	req = append(req, "\r\n\r\n"...)
	for {
		c, reused := p.take()
		if c == nil {
			d := net.Dialer{Deadline: deadline}
			nc, err := d.DialContext(ctx, "tcp", p.addr)
			if err != nil {
				return 0, nil, err
			}
			c = &authConn{nc: nc, br: bufio.NewReaderSize(nc, 2048)}
		}
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
		status, body, keep, err := c.roundTrip(req, deadline)
		if !stop() {
			keep = false
			if err == nil {
				err = ctx.Err()
			}
		}
		if err == nil && keep {
			p.put(c)
		} else {
			_ = c.nc.Close()
		}
		var ne net.Error
		if err != nil && reused && ctx.Err() == nil && !(errors.As(err, &ne) && ne.Timeout()) {
			continue // the backend closed the kept connection: a new one
		}
		return status, body, err
	}
}

// roundTrip writes req and reads the answer; keep reports whether the
// connection may carry another call.
func (c *authConn) roundTrip(req []byte, deadline time.Time) (status int, body []byte, keep bool, err error) {
	_ = c.nc.SetDeadline(deadline)
	if _, err = c.nc.Write(req); err != nil {
		return 0, nil, false, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, nil, false, err
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxAuthBody))
	_ = resp.Body.Close()
	if err != nil {
		return 0, nil, false, err
	}
	// A body cut at the limit leaves the rest unread, and a 1xx answer
	// leaves the final one: the connection is not reused then.
	keep = !resp.Close && len(body) < maxAuthBody && resp.StatusCode >= 200 && c.br.Buffered() == 0
	return resp.StatusCode, body, keep, nil
}

// take returns an idle connection, the most recently used (reused), or
// nil.
func (p *authConns) take() (c *authConn, reused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		c = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		return c, true
	}
	return nil, false
}

func (p *authConns) put(c *authConn) {
	_ = c.nc.SetDeadline(time.Time{})
	c.used = time.Now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = c.nc.Close()
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// prune closes the connections idle since before now-authIdleTimeout.
func (p *authConns) prune(now time.Time) {
	p.mu.Lock()
	keep := p.idle[:0]
	var old []*authConn
	for _, c := range p.idle { // oldest first
		if now.Sub(c.used) >= authIdleTimeout {
			old = append(old, c)
		} else {
			keep = append(keep, c)
		}
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	p.mu.Unlock()
	for _, c := range old {
		_ = c.nc.Close()
	}
}

// close closes the idle connections; the busy ones are closed when their
// call ends.
func (p *authConns) close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.nc.Close()
	}
}
