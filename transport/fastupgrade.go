package transport

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"strings"
)

// WebSocket handshakes on the fast path. Every editor that opens the
// realtime endpoint sends one GET with Upgrade: websocket, which the
// handler answers by hijacking the connection. Handed to net/http, each
// cost a goroutine of its own started by net/http's Serve, its pooled
// 4 KB reader and writer, the connection's state tracking, the read of
// the request a second time, and a background read to stop at the hijack:
// about a tenth of the server's CPU while 10,000 editors join (issue 15).
// A handshake whose head arrived whole, and nothing after it, is served
// by the fast connection's goroutine instead: the head is parsed with
// net/http's own request parser (http.ReadRequest), the same handler is
// called, and its Hijack gets the connection. An answer without a hijack
// (a refused handshake) is written as for a fast request, and the
// connection goes on serving. Anything else (a head net/http must judge,
// a body, Expect) is net/http's as before.

// DefaultUpgradePaths are the path prefixes whose WebSocket handshakes the
// fast path serves unless ServerOptions.UpgradePaths says otherwise: the
// Socket.IO endpoint's.
var DefaultUpgradePaths = []string{"/rts/"}

// errNotUpgrade: Hijack on a fast request that is not a handshake (the
// fast routes' handlers must not hijack).
var errNotUpgrade = errors.New("transport: Hijack is only supported on WebSocket handshakes")

// serveUpgrade serves the request at buf[r:w] when it is a WebSocket
// handshake for one of the upgrade paths whose head is complete and
// alone in the buffer. served reports whether it did; keep whether the
// connection may serve another request (false too when it was hijacked:
// then hijacked is set and the connection is the handler's).
func (fc *fastConn) serveUpgrade() (served, keep bool) {
	f := fc.f
	b := fc.buf[fc.r:fc.w]
	if len(f.upgrades) == 0 || !bytes.HasPrefix(b, []byte("GET /")) || !bytes.HasSuffix(b, []byte("\r\n\r\n")) ||
		bytes.Index(b, []byte("\r\n\r\n")) != len(b)-4 {
		return false, false
	}
	target := b[len("GET "):]
	target = target[:max(bytes.IndexByte(target, ' '), 0)]
	if !fc.isUpgradePath(target) || !plainHead(b) {
		return false, false
	}
	req, err := http.ReadRequest(bufio.NewReaderSize(bytes.NewReader(b), len(b)))
	if err != nil || req.Method != http.MethodGet || req.ProtoMajor != 1 || req.ProtoMinor != 1 ||
		!plainHost(req.Host) || req.ContentLength != 0 || len(req.TransferEncoding) != 0 ||
		hasHeader(req.Header, "Content-Length") || hasHeader(req.Header, "Expect") || req.Close ||
		!hasToken(getHeader(req.Header, "Upgrade"), "websocket") ||
		!hasToken(getHeader(req.Header, "Connection"), "upgrade") {
		return false, false
	}
	fc.r = fc.w
	req.RemoteAddr = fc.remote
	req = req.WithContext(fc.ctx)
	x := &struct {
		body fastBody
		resp fastResponse
	}{}
	w := &x.resp
	*w = fastResponse{fc: fc, req: req, body: &x.body, hdr: http.Header{}, clen: -1, upgrade: true}
	x.body.fc = fc
	fc.out = fc.out[:0]
	if !fc.runHandler(w, req) {
		return true, false
	}
	if fc.hijacked {
		return true, false
	}
	w.finish()
	if len(fc.out) > 0 && w.err == nil {
		w.err = fc.write(fc.out)
	}
	return true, w.err == nil && !w.closeAfter
}

func (fc *fastConn) isUpgradePath(target []byte) bool {
	for _, p := range fc.f.upgrades {
		if bytes.HasPrefix(target, []byte(p)) {
			return true
		}
	}
	return false
}

// plainHead reports whether the head has no control bytes but its line
// ends and tabs, and one Host line: what net/http's server would refuse
// beyond http.ReadRequest's checks is left to it.
func plainHead(b []byte) bool {
	hosts := 0
	for i, c := range b {
		if c < 0x20 && c != '\r' && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
		if c == '\n' && len(b)-i > 5 && strings.EqualFold(string(b[i+1:i+6]), "host:") {
			hosts++
		}
	}
	return hosts == 1
}

// plainHost reports whether h is a host[:port] of letters, digits, dots,
// dashes, underscores and brackets: anything else (empty, a zone, odd
// bytes net/http's server would refuse) goes to net/http.
func plainHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_:[]", c) >= 0) {
			return false
		}
	}
	return true
}

// Hijack hands a WebSocket handshake's connection to the handler, as
// net/http's does; nothing of it is buffered (serveUpgrade took only a
// request alone in the buffer), and its deadlines are the handler's to
// set.
func (w *fastResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	fc := w.fc
	switch {
	case !w.upgrade:
		return nil, nil, errNotUpgrade
	case fc.hijacked:
		return nil, nil, http.ErrHijacked
	case w.wroteHeader:
		return nil, nil, errors.New("transport: Hijack after WriteHeader")
	}
	fc.hijacked = true
	// Small buffers: the handler reads its own frames and writes through
	// the connection (gorilla's Upgrader, with a write buffer pool, only
	// checks the reader for early frames).
	return fc.c, bufio.NewReadWriter(bufio.NewReaderSize(fc.c, 16), bufio.NewWriterSize(fc.c, 16)), nil
}
