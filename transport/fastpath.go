package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/appsmith-rts/rts/internal/rawsock"
)

// The fast path. A page save is one POST of tens of KB answered from the
// cache in tens of microseconds, and net/http's own work per request was
// as large as the answer's: a 4 KB read buffer (three reads for a 14 KB
// body), a goroutine started after every body to watch the connection,
// its wake-up and the deadline changes that stop it, a context, the
// header parsing and canonicalising, the date formatted again. So the
// server reads each new connection itself: a request it can read without
// doubt (parseHead: a POST to one of the analysis routes, HTTP/1.1, plain
// headers, a Content-Length) is served here, with the same handler, one
// read for a head and a body that fit the buffer and one write for the
// answer. The first request that is anything else hands the connection,
// with what was read of it, to net/http for the rest of its life, so
// everything else (GETs, chunked bodies, 100-continue, malformed requests
// and their errors) is net/http's as before; a WebSocket handshake to the
// Socket.IO endpoint is the exception, served here too (fastupgrade.go).
//
// The answer is what net/http writes for the same handler's calls, header
// for header (TestFastPathMatchesNetHTTP): the handler's headers sorted,
// then Date, Content-Length and Content-Type as net/http adds them; the
// unread rest of a body is discarded up to 256 KB, or the connection is
// closed after the answer; Connection: close ends the connection. What it
// does not do: a request's context is not cancelled when its client goes
// away in the middle of it (net/http's watching goroutine is what this
// saves); deadlines still bound it. Handlers of the fast routes must not
// use Hijack, Flush, trailers or Transfer-Encoding, nor keep the request,
// its headers or the ResponseWriter once they have returned (a connection
// reuses them for its next request): the routes are the analysis routes,
// whose handler does none of that.

// DefaultFastPaths are the routes served by the fast path unless
// ServerOptions.FastPaths says otherwise: the POST routes the Java
// backend calls (the analysis ones on every save). A pooled connection
// that carried one of them keeps the fast path for the next.
var DefaultFastPaths = []string{PathMultipleScript, PathSingleScript, PathEntityRefactor, PathRefactorBatch, PathDSLMigrate}

// idleSpin is how long a fast connection that has just answered keeps
// reading its socket for the next request before it waits with the
// poller. A client sending one request at a time (the Java backend
// migrating pages, dslreplay) sends the next one tens of microseconds
// after it has read an answer; waiting for it with the poller parks the
// goroutine and the idle core halts (on the VMs measured, at once: no
// halt polling), so the next request pays a cross-core wake-up and a
// context switch, each tens of microseconds in a nested VM. Reading again
// for a bounded time avoids both, and the client's write then wakes
// no one. It costs at most idleSpin of CPU a wait, and yields the core to
// any runnable goroutine between reads. Only a connection that is the
// fast path's only one spins: on a server with one core, a spinning
// goroutine keeps the runtime from polling the network, so with several
// clients the others' requests waited for the spin to end (page saves
// over 8 connections: 20 % fewer a second, 25 % more CPU each); the
// connections net/http serves (WebSockets, GETs) are not counted, and
// there may wait up to idleSpin longer. A spin that ends without a
// request (an idle or slow client) makes the connection skip the next 1,
// 3, 7 ... 63 waits before it spins again, so such a client costs at
// most one spin in 64 waits; one that ends with a request resets that. The first request of
// a connection is waited for without spinning. 100 µs: dslreplay's next
// request came within it after 89-96 % of the answers (50 µs: 16-95 %,
// from run to run).
const idleSpin = 100 * time.Microsecond

// fastBufBytes is a fast connection's read buffer: a request head and the
// body of an average page save (14 KB) in one read.
const fastBufBytes = 32 << 10

// maxPostHandlerReadBytes is net/http's: how much of an unread body is
// discarded after the handler to keep the connection.
const maxPostHandlerReadBytes = 256 << 10

// bufferBeforeChunking is net/http's: an answer without a Content-Length
// that is larger is sent chunked, a smaller one gets its length.
const bufferBeforeChunking = 2048

var fastBufs = sync.Pool{New: func() any { b := make([]byte, fastBufBytes); return &b }}

// fastFront is a listener for net/http: it accepts the connections itself
// and serves them while their requests are fast ones; Accept returns the
// others to net/http.
type fastFront struct {
	ln          net.Listener
	hs          *http.Server
	log         *slog.Logger
	paths       []string
	upgrades    []string // path prefixes of handshakes served here (fastupgrade.go)
	handoff     chan net.Conn
	acceptErr   chan error
	closed      chan struct{}
	closeOnce   sync.Once
	startOnce   sync.Once
	shutting    atomic.Bool
	mu          sync.Mutex
	conns       map[*fastConn]struct{}
	connsDone   sync.WaitGroup
	date        atomic.Pointer[fastDate]
	idleTimeout time.Duration
	headTimeout time.Duration
	// open counts the connections the fast path serves: a connection
	// spins for its next request only when it is the only one (see
	// idleSpin).
	open atomic.Int32
	// spins counts the waits that spun (for the tests).
	spins atomic.Int64
	// rawUnderRace turns raw I/O on under the race detector too, for
	// tests of the raw path that read no server logs (see serve).
	rawUnderRace bool
}

func newFastFront(ln net.Listener, hs *http.Server, log *slog.Logger, paths []string) *fastFront {
	return &fastFront{
		ln: ln, hs: hs, log: log, paths: paths,
		handoff:     make(chan net.Conn),
		acceptErr:   make(chan error, 1),
		closed:      make(chan struct{}),
		conns:       map[*fastConn]struct{}{},
		idleTimeout: hs.IdleTimeout,
		headTimeout: hs.ReadHeaderTimeout,
	}
}

// Accept returns the next connection for net/http: one handed over.
func (f *fastFront) Accept() (net.Conn, error) {
	f.startOnce.Do(func() { go f.acceptLoop() })
	select {
	case c := <-f.handoff:
		return c, nil
	case err := <-f.acceptErr:
		return nil, err
	case <-f.closed:
		return nil, net.ErrClosed
	}
}

// Close stops accepting (net/http's Shutdown and Close call it); the fast
// connections are stopped by shutdown.
func (f *fastFront) Close() error {
	var err error
	f.closeOnce.Do(func() {
		close(f.closed)
		err = f.ln.Close()
	})
	return err
}

func (f *fastFront) Addr() net.Addr { return f.ln.Addr() }

// acceptLoop accepts as net/http's Serve does: temporary errors (too many
// open files) wait and retry, others end it.
func (f *fastFront) acceptLoop() {
	var delay time.Duration
	for {
		c, err := f.ln.Accept()
		if err != nil {
			select {
			case <-f.closed:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				f.log.Warn("accept failed; retrying", "error", err, "delay", delay)
				select {
				case <-time.After(delay):
				case <-f.closed:
					return
				}
				continue
			}
			f.acceptErr <- err
			return
		}
		delay = 0
		fc := &fastConn{f: f, c: c}
		f.mu.Lock()
		if f.shutting.Load() {
			f.mu.Unlock()
			_ = c.Close()
			continue
		}
		f.conns[fc] = struct{}{}
		f.connsDone.Add(1)
		f.open.Add(1)
		f.mu.Unlock()
		go fc.serve()
	}
}

func isTemporary(err error) bool {
	t, ok := err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// shutdown stops the fast connections: idle ones at once, busy ones after
// their answer, all of them when ctx ends.
func (f *fastFront) shutdown(ctx context.Context) error {
	f.stopAccepting()
	done := make(chan struct{})
	go func() { f.connsDone.Wait(); close(done) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		f.closeIdle()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			f.closeAll()
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// stopAccepting makes the accept loop close what it accepts from now on.
// Under the lock, so that a connection it counted in connsDone was counted
// before shutdown waits on it.
func (f *fastFront) stopAccepting() {
	f.mu.Lock()
	f.shutting.Store(true)
	f.mu.Unlock()
}

func (f *fastFront) closeIdle() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for fc := range f.conns {
		if fc.state.CompareAndSwap(connIdle, connClosed) {
			_ = fc.c.Close()
		}
	}
}

func (f *fastFront) closeAll() {
	f.stopAccepting()
	f.mu.Lock()
	defer f.mu.Unlock()
	for fc := range f.conns {
		fc.state.Store(connClosed)
		_ = fc.c.Close()
	}
}

// fastDate is the Date header's value for one second.
type fastDate struct {
	sec int64
	b   []byte
}

func (f *fastFront) dateNow() []byte {
	now := time.Now()
	if d := f.date.Load(); d != nil && d.sec == now.Unix() {
		return d.b
	}
	d := &fastDate{sec: now.Unix(), b: now.UTC().AppendFormat(make([]byte, 0, 29), http.TimeFormat)}
	f.date.Store(d)
	return d.b
}

const (
	connActive int32 = iota
	connIdle
	connClosed
)

// fastConn is one connection while the fast path serves it.
type fastConn struct {
	f      *fastFront
	c      net.Conn
	state  atomic.Int32
	buf    []byte
	r, w   int // unread bytes: buf[r:w]
	head   fastHead
	out    []byte
	ctx    context.Context
	remote string
	// The read and write deadlines wanted (by the handler through
	// http.ResponseController, or between requests) and those the
	// connection has: a wanted one is applied just before the read or
	// write it bounds, so that a request whose body came with its head
	// and whose deadlines do not change costs no timer updates.
	rdl, wdl, rdlSet, wdlSet time.Time
	// hijacked: a WebSocket handshake's handler took the connection
	// (fastupgrade.go).
	hijacked bool
	// raw reads and writes the socket without waking sysmon
	// (internal/rawsock); nil: through c.
	raw *rawsock.Conn
	// spinSkip: waits for a request left to make without spinning;
	// spinMisses: spins in a row that ended without one (see idleSpin).
	spinSkip, spinMisses int
	// What a request's reading and answering need, reused by the next
	// request of the connection: the fast routes' handler keeps neither
	// the request, its body, its headers nor the answer's once it has
	// returned. sent and sentVals hold the answer's headers as they were
	// at WriteHeader.
	ex fastExchange
	// req is the request being served, reset from reqBase (an empty request
	// with the connection's context) for each: WithContext on a new request
	// made two of them a request.
	req, reqBase          http.Request
	reqHdr, respHdr, sent http.Header
	reqVals, sentVals     []string
}

type fastExchange struct {
	body fastBody
	resp fastResponse
	url  url.URL
}

func (fc *fastConn) read(p []byte, spin time.Duration) (int, error) {
	if !fc.rdl.Equal(fc.rdlSet) {
		_ = fc.c.SetReadDeadline(fc.rdl)
		fc.rdlSet = fc.rdl
	}
	if fc.raw != nil {
		return fc.raw.Read(p, spin)
	}
	return fc.c.Read(p)
}

func (fc *fastConn) write(p []byte) error {
	fc.applyWriteDeadline()
	if fc.raw != nil {
		return fc.raw.Write(p, nil)
	}
	_, err := fc.c.Write(p)
	return err
}

func (fc *fastConn) writev(a, b []byte) error {
	fc.applyWriteDeadline()
	if fc.raw != nil {
		return fc.raw.Write(a, b)
	}
	bufs := net.Buffers{a, b}
	_, err := bufs.WriteTo(fc.c)
	return err
}

func (fc *fastConn) applyWriteDeadline() {
	if !fc.wdl.Equal(fc.wdlSet) {
		_ = fc.c.SetWriteDeadline(fc.wdl)
		fc.wdlSet = fc.wdl
	}
}

// serve reads and answers requests until the connection ends or one of
// them is not for the fast path.
func (fc *fastConn) serve() {
	f := fc.f
	bp := fastBufs.Get().(*[]byte)
	fc.buf = *bp
	handed := false
	ctx, cancel := context.WithCancel(context.WithValue(
		context.WithValue(context.Background(), http.ServerContextKey, f.hs),
		http.LocalAddrContextKey, fc.c.LocalAddr()))
	fc.ctx, fc.remote = ctx, fc.c.RemoteAddr().String()
	if !raceEnabled || f.rawUnderRace {
		// The race detector learns that a write to a socket happens
		// before the peer's read of it from net.Conn's own I/O (a
		// test reading the server's logs after its answer relies on
		// it); raw I/O would leave it blind there.
		fc.raw = rawsock.New(fc.c)
	}
	defer func() {
		cancel()
		if !handed {
			_ = fc.c.Close()
		}
		fastBufs.Put(bp)
		f.mu.Lock()
		delete(f.conns, fc)
		f.mu.Unlock()
		f.open.Add(-1)
		f.connsDone.Done()
	}()
	first := true
	var headStart time.Time // when the first bytes of an incomplete head came
	for {
		n, ok := parseHead(fc.buf[fc.r:fc.w], f.paths, &fc.head)
		if !ok {
			if served, keep := fc.serveUpgrade(); served {
				handed = fc.hijacked
				if keep && !f.shutting.Load() {
					first = false
					continue
				}
				return
			}
			handed = fc.handOver()
			return
		}
		if n == 0 {
			if fc.r == fc.w {
				fc.r, fc.w = 0, 0
				// Idle between requests: Shutdown may close it now.
				if !fc.state.CompareAndSwap(connActive, connIdle) || f.shutting.Load() {
					return
				}
				timeout := f.idleTimeout
				if first {
					timeout = f.headTimeout
				}
				fc.rdl = time.Time{}
				if timeout > 0 {
					fc.rdl = time.Now().Add(timeout)
				}
				headStart = time.Time{}
			} else {
				if fc.r > 0 {
					fc.w = copy(fc.buf, fc.buf[fc.r:fc.w])
					fc.r = 0
				}
				if fc.w == len(fc.buf) {
					handed = fc.handOver() // a head this large is net/http's to judge
					return
				}
				if headStart.IsZero() && f.headTimeout > 0 {
					headStart = time.Now()
					fc.rdl = headStart.Add(f.headTimeout)
				}
			}
			var spin time.Duration
			var spinStart time.Time
			if fc.w == 0 && !first && idleSpin > 0 && fc.raw != nil {
				if fc.spinSkip > 0 {
					fc.spinSkip--
				} else if f.open.Load() == 1 {
					spin, spinStart = idleSpin, time.Now()
					f.spins.Add(1)
				}
			}
			m, err := fc.read(fc.buf[fc.w:], spin)
			if spin > 0 {
				if time.Since(spinStart) < spin {
					fc.spinMisses = 0
				} else {
					fc.spinMisses = min(fc.spinMisses+1, 6)
					fc.spinSkip = 1<<fc.spinMisses - 1
				}
			}
			fc.w += m
			if m > 0 && !fc.state.CompareAndSwap(connIdle, connActive) && fc.state.Load() == connClosed {
				return
			}
			if err != nil {
				if m > 0 {
					continue // parse what came; the error comes again
				}
				return // net/http too closes a connection that ends or stalls between requests
			}
			continue
		}
		first = false
		fc.state.Store(connActive)
		if !fc.serveOne(n) || f.shutting.Load() {
			return
		}
	}
}

// handOver gives the connection and what was read of it to net/http.
func (fc *fastConn) handOver() bool {
	pc := &prefixConn{Conn: fc.c}
	if fc.r < fc.w {
		pc.pre = append([]byte(nil), fc.buf[fc.r:fc.w]...)
	}
	_ = fc.c.SetDeadline(time.Time{}) // net/http sets its own; a handler's old one must not linger
	select {
	case fc.f.handoff <- pc:
		return true
	case <-fc.f.closed:
		return false
	}
}

// serveOne answers the request whose head is buf[r:r+n]. It reports
// whether the connection may serve another.
func (fc *fastConn) serveOne(n int) (keep bool) {
	hb := fc.buf[fc.r : fc.r+n]
	head := string(hb) // the header values are substrings of this one copy
	fc.r += n
	h := &fc.head
	hdr := reuseHeader(&fc.reqHdr)
	vals := slices.Grow(fc.reqVals[:0], len(h.lines))[:len(h.lines)]
	fc.reqVals = vals
	for k, l := range h.lines {
		name := hb[l[0]:l[1]]
		var key string
		if isCanonicalKey(name) {
			key = head[l[0]:l[1]]
		} else {
			key = http.CanonicalHeaderKey(head[l[0]:l[1]])
		}
		vals[k] = head[l[2]:l[3]]
		if old, ok := hdr[key]; ok {
			hdr[key] = append(old, vals[k])
		} else {
			hdr[key] = vals[k : k+1 : k+1]
		}
	}
	delete(hdr, "Host")
	// net/http's fixPragmaCacheControl.
	if p := hdr["Pragma"]; len(p) > 0 && p[0] == "no-cache" {
		if _, ok := hdr["Cache-Control"]; !ok {
			hdr["Cache-Control"] = []string{"no-cache"}
		}
	}
	x := &fc.ex
	*x = fastExchange{body: fastBody{fc: fc, remain: h.contentLength}, url: url.URL{Path: h.path}}
	body := &x.body
	if fc.reqBase.Context() != fc.ctx {
		fc.reqBase = *(&http.Request{}).WithContext(fc.ctx)
	}
	fc.req = fc.reqBase
	r := &fc.req
	r.Method, r.URL, r.Proto, r.ProtoMajor, r.ProtoMinor = http.MethodPost, &x.url, "HTTP/1.1", 1, 1
	r.Header, r.Body, r.ContentLength = hdr, body, h.contentLength
	r.Host, r.RemoteAddr, r.RequestURI = head[h.host[0]:h.host[1]], fc.remote, h.path
	if h.contentLength == 0 {
		r.Body = http.NoBody
	}
	w := &x.resp
	*w = fastResponse{fc: fc, req: r, body: body, hdr: reuseHeader(&fc.respHdr), clen: -1}
	fc.out = fc.out[:0]
	if !fc.runHandler(w, r) {
		return false
	}
	w.finish()
	if len(fc.out) > 0 && w.err == nil {
		w.err = fc.write(fc.out)
	}
	if cap(fc.out) > 16<<10 { // large answers leave from the handler's buffer; this one holds heads
		fc.out = nil
	}
	if w.err != nil || w.closeAfter {
		return false
	}
	// net/http's finishRequest closes the body: what is left is discarded.
	if !body.closed {
		_ = body.Close()
	}
	return body.remain == 0 && body.err == nil && !body.early
}

// reuseHeader empties *h for a new request, making it the first time.
func reuseHeader(h *http.Header) http.Header {
	if *h == nil {
		*h = make(http.Header, 8)
	} else {
		clear(*h)
	}
	return *h
}

// snapshot is h.Clone() into the connection's reused map and values.
func (fc *fastConn) snapshot(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	n := 0
	for _, v := range h {
		n += len(v)
	}
	sent := reuseHeader(&fc.sent)
	vals := slices.Grow(fc.sentVals[:0], n) // no growing below: the slices stay the values'
	for k, v := range h {
		if v == nil {
			sent[k] = nil // as Clone keeps it
			continue
		}
		start := len(vals)
		vals = append(vals, v...)
		sent[k] = vals[start:len(vals):len(vals)]
	}
	fc.sentVals = vals
	return sent
}

// runHandler calls the handler as net/http's conn.serve does: a panic is
// logged (http.ErrAbortHandler silently) and ends the connection.
func (fc *fastConn) runHandler(w *fastResponse, r *http.Request) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				fc.f.log.Error(fmt.Sprintf("http: panic serving %v: %v\n%s", fc.remote, v, buf))
			}
			ok = false
		}
	}()
	fc.f.hs.Handler.ServeHTTP(w, r)
	return true
}

// fastBody is a request body: the buffered bytes first, then the
// connection, up to its Content-Length.
type fastBody struct {
	fc     *fastConn
	remain int64
	err    error
	closed bool
	early  bool // closed with more than maxPostHandlerReadBytes unread
}

func (b *fastBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.read(p)
}

func (b *fastBody) read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	fc := b.fc
	var n int
	if fc.r < fc.w {
		n = copy(p, fc.buf[fc.r:fc.w])
		fc.r += n
	} else {
		// Straight into p: the buffer holds nothing, and reading more than
		// the body could take the next request's bytes there.
		var err error
		n, err = fc.read(p, 0)
		if err != nil && n == 0 {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			b.err = err
			return 0, err
		}
	}
	b.remain -= int64(n)
	if b.remain == 0 {
		return n, io.EOF
	}
	return n, nil
}

// Close is net/http's server-side Close: up to maxPostHandlerReadBytes of
// what is left is read and discarded; past that the connection will close.
func (b *fastBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.remain > maxPostHandlerReadBytes {
		b.early = true
		return nil
	}
	_, err := io.Copy(io.Discard, readerFunc(b.read))
	return err
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// fastResponse is the ResponseWriter of a fast request. The answer is
// assembled in the connection's out buffer and leaves in one write (a
// large final body write goes with it in one writev).
type fastResponse struct {
	fc          *fastConn
	req         *http.Request
	body        *fastBody
	hdr         http.Header // the handler's
	sent        http.Header // its copy at WriteHeader, as net/http takes
	status      int
	wroteHeader bool
	headerDone  bool // the head is in fc.out
	chunking    bool
	clen        int64 // declared Content-Length, or -1
	written     int64
	pend        []byte // body bytes before the head is done
	closeAfter  bool
	err         error
	upgrade     bool // a WebSocket handshake: Hijack is allowed
}

func (w *fastResponse) Header() http.Header { return w.hdr }

func (w *fastResponse) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.wroteHeader {
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		// An informational answer goes at once, before the final one.
		out := appendStatusLine(w.fc.out, code)
		out = appendHeader(out, w.hdr, excludedNoBody)
		w.fc.out = append(out, "\r\n"...)
		w.flushOut()
		return
	}
	w.wroteHeader = true
	w.status = code
	// As net/http does: the copy is taken first, and an invalid length is
	// dropped from the handler's map only (the copy keeps it, and the
	// answer goes chunked without it).
	w.sent = w.fc.snapshot(w.hdr)
	if cl := getHeader(w.hdr, "Content-Length"); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.clen = v
		} else {
			w.fc.f.log.Warn(fmt.Sprintf("http: invalid Content-Length of %q", cl))
			w.hdr.Del("Content-Length")
		}
	}
}

var (
	excludedNoBody = map[string]bool{"Content-Length": true, "Transfer-Encoding": true}
	excluded304    = map[string]bool{"Content-Type": true, "Content-Length": true, "Transfer-Encoding": true}
)

func (w *fastResponse) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.clen != -1 && w.written > w.clen {
		return 0, http.ErrContentLength
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.headerDone {
		if len(w.pend)+len(p) < bufferBeforeChunking {
			w.pend = append(w.pend, p...)
			return len(p), nil
		}
		first := p
		if len(w.pend) > 0 {
			first = append(w.pend[:len(w.pend):len(w.pend)], p...)
		}
		w.writeHead(first, false)
		if len(w.pend) > 0 {
			w.emit(w.pend)
			w.pend = nil
		}
	}
	w.emit(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// SetReadDeadline and SetWriteDeadline are what http.ResponseController
// finds; they take effect at the next read or write, and are called from
// the handler's goroutine (the transport's handler does so).
func (w *fastResponse) SetReadDeadline(t time.Time) error  { w.fc.rdl = t; return nil }
func (w *fastResponse) SetWriteDeadline(t time.Time) error { w.fc.wdl = t; return nil }

// emit adds body bytes after the head: into the out buffer, or, for the
// write that completes a declared length (the usual single write of an
// answer), straight out with what the buffer holds in one writev.
func (w *fastResponse) emit(p []byte) {
	fc := w.fc
	if w.chunking {
		fc.out = strconv.AppendInt(fc.out, int64(len(p)), 16)
		fc.out = append(fc.out, "\r\n"...)
		fc.out = append(fc.out, p...)
		fc.out = append(fc.out, "\r\n"...)
	} else if len(p) > 4096 && (w.written == w.clen || len(fc.out)+len(p) > 64<<10) {
		w.err = fc.writev(fc.out, p)
		fc.out = fc.out[:0]
		return
	} else {
		fc.out = append(fc.out, p...)
	}
	if len(fc.out) > 64<<10 {
		w.flushOut()
	}
}

func (w *fastResponse) flushOut() {
	if w.err == nil && len(w.fc.out) > 0 {
		w.err = w.fc.write(w.fc.out)
	}
	w.fc.out = w.fc.out[:0]
}

// finish completes the answer after the handler returned.
func (w *fastResponse) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerDone {
		w.writeHead(w.pend, true)
		if len(w.pend) > 0 {
			w.emit(w.pend)
		}
	}
	if w.chunking {
		w.fc.out = append(w.fc.out, "0\r\n\r\n"...)
	}
	if w.clen != -1 && bodyAllowed(w.status) && w.written != w.clen {
		w.closeAfter = true // too short: the client would read the next answer as its rest
	}
}

// writeHead puts the answer's head into fc.out as net/http's
// chunkWriter.writeHeader writes it for an HTTP/1.1 POST; first is the
// start of the body, done whether the handler has returned.
func (w *fastResponse) writeHead(first []byte, done bool) {
	w.headerDone = true
	f := w.fc.f
	hdr := w.sent
	exclude := map[string]bool(nil)
	del := func(k string) {
		if _, ok := hdr[k]; ok {
			if exclude == nil {
				exclude = map[string]bool{}
			}
			exclude[k] = true
		}
	}
	var setCL []byte
	var clBuf [20]byte
	var setType, setConn, setTE string
	if done && bodyAllowed(w.status) && !hasHeader(hdr, "Content-Length") {
		w.clen = int64(len(first))
		setCL = strconv.AppendInt(clBuf[:0], w.clen, 10)
	}
	hasCL := w.clen != -1
	keepAlives := !f.shutting.Load()
	if getHeader(hdr, "Connection") == "close" || !keepAlives {
		w.closeAfter = true
	}
	if w.req.ContentLength != 0 && !w.closeAfter {
		b := w.body
		discard, tooBig := false, false
		switch {
		case b.closed:
			if b.remain != 0 || b.err != nil {
				w.closeAfter = true
			}
		case b.remain == 0 && b.err == nil:
			b.closed = true // what reading it to its end and closing it would do
		case b.remain >= maxPostHandlerReadBytes:
			tooBig = true
		default:
			discard = true
		}
		if discard {
			_, err := io.CopyN(io.Discard, b, maxPostHandlerReadBytes+1)
			switch err {
			case nil:
				tooBig = true
			case http.ErrBodyReadAfterClose:
			case io.EOF:
				if b.Close() != nil {
					w.closeAfter = true
				}
			default:
				w.closeAfter = true
			}
		}
		if tooBig {
			w.closeAfter = true
			del("Connection")
			setConn = "close"
		}
	}
	if bodyAllowed(w.status) {
		_, haveType := hdr["Content-Type"]
		if hdr.Get("Content-Encoding") == "" && !haveType && len(first) > 0 {
			setType = http.DetectContentType(first)
		}
	} else {
		ks := excludedNoBody
		if w.status == http.StatusNotModified {
			ks = excluded304
		}
		for k := range ks {
			del(k)
		}
	}
	// The fast routes' handler sets neither; they are net/http's to
	// interpret and are left out rather than sent wrong.
	del("Transfer-Encoding")
	del("Trailer")
	if bodyAllowed(w.status) && !hasCL {
		w.chunking = true
		setTE = "chunked"
	}
	if w.chunking {
		del("Content-Length")
	}
	if w.closeAfter && (!keepAlives || !hasToken(getHeader(hdr, "Connection"), "close")) {
		del("Connection")
		setConn = "close"
	}
	out := appendStatusLine(w.fc.out, w.status)
	out = appendHeader(out, hdr, exclude)
	if !hasHeader(hdr, "Date") {
		out = append(out, "Date: "...)
		out = append(out, f.dateNow()...)
		out = append(out, "\r\n"...)
	}
	if setCL != nil {
		out = append(out, "Content-Length: "...)
		out = append(out, setCL...)
		out = append(out, "\r\n"...)
	}
	for _, kv := range [...][2]string{{"Content-Type", setType}, {"Connection", setConn}, {"Transfer-Encoding", setTE}} {
		if kv[1] != "" {
			out = append(out, kv[0]...)
			out = append(out, ": "...)
			out = append(out, kv[1]...)
			out = append(out, "\r\n"...)
		}
	}
	w.fc.out = append(out, "\r\n"...)
}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status <= 199 || status == http.StatusNoContent || status == http.StatusNotModified)
}

// getHeader and hasHeader read a canonical key as net/http's internal
// Header.get and has do.
func getHeader(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func hasHeader(h http.Header, key string) bool {
	_, ok := h[key]
	return ok
}

// hasToken is net/http's: whether v holds token as one of its
// comma-separated elements, case-insensitively.
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	if v == token {
		return true
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if b := v[sp]; b != token[0] && b|0x20 != token[0] {
			continue
		}
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if endPos := sp + len(token); endPos != len(v) && !isTokenBoundary(v[endPos]) {
			continue
		}
		if equalFoldASCII(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// appendStatusLine is net/http's writeStatusLine for HTTP/1.1.
func appendStatusLine(b []byte, code int) []byte {
	b = append(b, "HTTP/1.1 "...)
	if text := http.StatusText(code); text != "" {
		b = strconv.AppendInt(b, int64(code), 10)
		b = append(b, ' ')
		b = append(b, text...)
		return append(b, "\r\n"...)
	}
	return fmt.Appendf(b, "%03d status code %d\r\n", code, code)
}

// appendHeader is Header.WriteSubset into b: sorted, values trimmed and
// their line breaks made spaces, invalid names left out.
func appendHeader(b []byte, h http.Header, exclude map[string]bool) []byte {
	aw := appendWriter{b: b}
	_ = h.WriteSubset(&aw, exclude)
	return aw.b
}

type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) { a.b = append(a.b, p...); return len(p), nil }

func (a *appendWriter) WriteString(s string) (int, error) {
	a.b = append(a.b, s...)
	return len(s), nil
}

// prefixConn is a connection handed to net/http with the bytes already
// read from it. ReadFrom and CloseWrite keep what net/http finds on a TCP
// connection (sendfile, the half-close after an error answer).
type prefixConn struct {
	net.Conn
	pre []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *prefixConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

// SyscallConn offers the socket to a handler that takes the connection
// over and reads it directly (the WebSocket endpoint's poller), as corkConn
// does; every WebSocket arrives through here, its upgrade request being
// the connection's first. While bytes read ahead are still unread, reading
// the socket would skip them, so it is refused and the taker falls back to
// Read.
func (c *prefixConn) SyscallConn() (syscall.RawConn, error) {
	if len(c.pre) > 0 {
		return nil, errors.New("transport: bytes read ahead of the socket are unread")
	}
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("transport: connection has no socket")
}

func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
