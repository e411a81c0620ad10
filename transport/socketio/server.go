package socketio

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Server is the realtime endpoint. It implements http.Handler; mount it at
// "/rts/" (the socket.io client's path "/rts" requests "/rts/?EIO=4&…").
// Call Shutdown to close the connections and stop its background janitor.
type Server struct {
	opts     Options
	log      *slog.Logger
	m        *metrics
	auth     *authenticator
	upgrader websocket.Upgrader
	root     *hub // namespace "/"
	page     *hub // namespace "/page/edit"
	sessions sessionStore
	ready    *readyQueue // connections with something to send, and their flushers
	poll     *poller     // starts a connection's reader when its socket is readable; nil: a reader goroutine per connection
	// readBufs holds the buffers readers read into (*[]byte), borrowed
	// for one readReady, so an idle connection holds none.
	readBufs sync.Pool
	broker   broker // memBroker, or redisBroker with Options.Redis

	presenceWindow   time.Duration // see presenceWindow; immutable after New
	presenceInterval time.Duration // see presenceInterval; immutable after New
	presenceSettle   time.Duration // see presenceSettle; immutable after New
	// presenceSent, when set (tests, before the first join), is called
	// by a room's timer after its list went out, with the interval that
	// starts: a test reacts within the timer's own goroutine, so what it
	// checks does not depend on how soon the scheduler runs it.
	presenceSent func(room string, interval time.Duration)
	// joiners is the rooms, of both namespaces, whose joiners get their
	// lists at the next joiners' tick (joinersDue); jtimer fires it.
	jmu     sync.Mutex // a leaf; guards joiners, jtimer, jarmed
	joiners []joinersEntry
	jtimer  *time.Timer
	jarmed  bool
	// frames holds the buffers writers frame their batches into (*[]byte),
	// borrowed for one write, so an idle connection holds none.
	frames sync.Pool

	hasSecret bool     // Options.Secret is set
	secretSum [32]byte // its SHA-256: compared in constant time, whatever the length

	// offset is the server-wide counter of pushed events; see Publish.
	offset atomic.Uint64
	// pubMu serialises Publish (and recovery replays) so that every
	// connection receives pushed events in offset order; see the package doc.
	pubMu      sync.Mutex
	pubMembers []*socket // scratch, guarded by pubMu

	ctx    context.Context // cancelled by Shutdown (aborts in-flight auth)
	cancel context.CancelFunc

	mu       sync.Mutex // guards conns, handlers, closed
	conns    map[*conn]struct{}
	handlers int           // ServeHTTP calls in progress
	closed   bool          // Shutdown called
	idle     chan struct{} // closed when closed && handlers == 0

	stopJanitor chan struct{}
	janitorDone chan struct{}
}

// New validates opts, fills in defaults and returns a Server.
func New(opts Options) (*Server, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("socketio: registering metrics: %w", err)
	}
	s := &Server{
		opts:             opts,
		presenceWindow:   presenceWindow,
		presenceInterval: presenceInterval,
		presenceSettle:   presenceSettle,
		log:              opts.Logger,
		m:                m,
		conns:            make(map[*conn]struct{}),
		idle:             make(chan struct{}),
		stopJanitor:      make(chan struct{}),
		janitorDone:      make(chan struct{}),
		ready:            newReadyQueue(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.auth = newAuthenticator(s.ctx, &s.opts, m)
	if opts.Secret != "" {
		s.hasSecret, s.secretSum = true, sha256.Sum256([]byte(opts.Secret))
	}
	s.root = newHub(s, nspRoot, prefixApp)
	s.page = newHub(s, nspPage, prefixPage)
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		// Clients send small packets: a 256-byte read buffer (instead of
		// keeping net/http's 4 KiB one) holds a pointer event (about 150
		// bytes) and any frame header or control frame (gorilla peeks at
		// most 14+125 bytes); a longer message is read past it. Messages are framed by conn's
		// writer into pooled buffers; gorilla writes only control frames,
		// from a pool, so an idle connection holds no write buffer.
		ReadBufferSize:  256,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     func(*http.Request) bool { return true }, // checked in ServeHTTP
	}
	s.log.Info("sockets: "+s.mode(), "signed_in", opts.APIBaseURL != "", "secret", s.hasSecret)
	s.broker = memBroker{s}
	if opts.Redis != nil {
		if s.broker, err = newRedisBroker(s); err != nil {
			return nil, err
		}
	}
	if p, err := newPoller(); err == nil {
		s.poll = p
	} else if !errors.Is(err, errNoEpoll) {
		s.log.Warn("sockets: no epoll, one reader goroutine per connection", "err", err)
	}
	go s.janitor()
	s.ready.startFlushers()
	return s, nil
}

// mode says in words who may do what on the sockets, for the start log:
// a configuration, not a fault, so it is logged at INFO.
func (s *Server) mode() string {
	o := &s.opts
	var who string
	switch {
	case o.APIBaseURL != "":
		who = "users sign in with their SESSION cookie (GET " + strings.TrimRight(o.APIBaseURL, "/") + "/users/me) for presence and pointers"
	default:
		who = "no API base URL, so nobody signs in (no presence, no pointers)"
	}
	var pushes string
	switch {
	case s.hasSecret:
		pushes = "app pushes only to sockets that present the secret"
	case o.APIBaseURL == "" && o.AnonymousViewers:
		pushes = "any socket may watch app pushes read-only"
	case o.APIBaseURL == "":
		pushes = "no socket joins a room"
	default:
		pushes = "app pushes to signed-in sockets"
	}
	return who + "; " + pushes
}

func (s *Server) hubFor(nsp string) *hub {
	switch nsp {
	case nspRoot:
		return s.root
	case nspPage:
		return s.page
	}
	return nil
}

// newID returns 20 URL-safe random characters (like Engine.IO's ids).
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// Engine.IO handshake error codes (engine.io's Server.errors).
const (
	eioErrUnknownTransport = 0
	eioErrUnknownSID       = 1
	eioErrBadRequest       = 3
	eioErrForbidden        = 4
	eioErrUnsupported      = 5
)

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg})
	_, _ = w.Write(append(b, '\n'))
}

// ServeHTTP accepts Engine.IO v4 WebSocket connections
// (?EIO=4&transport=websocket). Polling is refused with 400 and a JSON error.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		s.m.rejected.WithLabelValues("shutdown").Inc()
		writeError(w, http.StatusServiceUnavailable, eioErrBadRequest, "server shutting down")
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			s.exit()
		}
	}()

	q := r.URL.Query()
	switch {
	case q.Get("EIO") != "4":
		s.m.rejected.WithLabelValues("protocol").Inc()
		writeError(w, http.StatusBadRequest, eioErrUnsupported, "Unsupported protocol version: this server speaks Engine.IO 4 (socket.io v3/v4 clients)")
		return
	case q.Get("transport") == "polling":
		s.m.rejected.WithLabelValues("transport").Inc()
		writeError(w, http.StatusBadRequest, eioErrUnknownTransport, `Transport unknown: only the websocket transport is supported; connect with transports: ["websocket"]`)
		return
	case q.Get("transport") != "websocket":
		s.m.rejected.WithLabelValues("transport").Inc()
		writeError(w, http.StatusBadRequest, eioErrUnknownTransport, `Transport unknown: use transport=websocket`)
		return
	case q.Get("sid") != "":
		s.m.rejected.WithLabelValues("transport").Inc()
		writeError(w, http.StatusBadRequest, eioErrUnknownSID, "Session ID unknown: upgrades from polling are not supported; connect with the websocket transport directly")
		return
	case !websocket.IsWebSocketUpgrade(r):
		s.m.rejected.WithLabelValues("upgrade").Inc()
		writeError(w, http.StatusBadRequest, eioErrBadRequest, "Bad request: expected a WebSocket upgrade")
		return
	case !s.originAllowed(r):
		s.m.rejected.WithLabelValues("origin").Inc()
		writeError(w, http.StatusForbidden, eioErrForbidden, "Forbidden: origin not allowed")
		return
	}

	// Authenticate before the upgrade: the answer is usually cached, and a
	// connection then starts with its user settled (no pending joins).
	user, userJSON := s.auth.lookupJSON(r.Context(), sessionCookie(r))

	o := &s.opts
	if key, ok := plainUpgrade(r); ok {
		// The handshake's answer and the Engine.IO open packet go out in
		// one write: the client reads both at once (one write and one
		// read fewer per connection than the answer first and the open
		// packet through the queue, and none of gorilla's per-connection
		// state, which the connection drops anyway).
		netc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			s.m.rejected.WithLabelValues("upgrade").Inc()
			return
		}
		if brw.Reader.Buffered() > 0 { // as gorilla: no frames before the answer
			s.m.rejected.WithLabelValues("upgrade").Inc()
			_ = netc.Close()
			return
		}
		c := newConn(s, netc, user, userJSON)
		c.secretOK = s.secretMatches(r.Header.Get("X-Rts-Secret"))
		// Written before the connection is registered: Shutdown's close
		// frame can only follow it. net/http's deadlines are replaced by
		// gorilla's bound on the handshake's write.
		first := appendTextFrame(appendUpgradeAnswer(nil, key), encodeOpen(c.id, o.PingInterval.Milliseconds(), o.PingTimeout.Milliseconds(), o.MaxPayload))
		_ = netc.SetDeadline(time.Now().Add(s.upgrader.HandshakeTimeout))
		_, err = netc.Write(first)
		_ = netc.SetWriteDeadline(time.Time{})
		if err != nil {
			s.m.rejected.WithLabelValues("upgrade").Inc()
			_ = netc.Close()
			return
		}
		if !s.register(c) {
			_ = netc.SetWriteDeadline(time.Now().Add(closeGrace))
			_, _ = netc.Write(appendCloseFrame(nil, CloseGoingAway, "server shutting down"))
			_ = netc.Close()
			return
		}
		s.m.accepted.Inc()
		s.m.connections.Inc()
		s.m.sent.Inc()
		s.m.writes.Inc()
		handedOff = true
		c.start()
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.m.rejected.WithLabelValues("upgrade").Inc()
		return // the upgrader answered the request
	}
	// The WebSocket is ours from here (wsread.go, conn.go): gorilla's
	// Conn, with its read buffer, is dropped.
	c := newConn(s, ws.UnderlyingConn(), user, userJSON)
	c.secretOK = s.secretMatches(r.Header.Get("X-Rts-Secret"))
	if !s.register(c) {
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseGoingAway, "server shutting down"), time.Now().Add(closeGrace))
		_ = ws.Close()
		return
	}
	s.m.accepted.Inc()
	s.m.connections.Inc()
	c.send(encodeOpen(c.id, o.PingInterval.Milliseconds(), o.PingTimeout.Milliseconds(), o.MaxPayload))
	// This goroutine, and with it net/http's per-request state (buffers,
	// headers, contexts), ends now: an idle connection keeps its state, a
	// timer and its socket in the poller, and no goroutine.
	handedOff = true
	c.start()
}

// secretMatches reports whether v is the configured secret (false when no
// secret is set or v is empty).
func (s *Server) secretMatches(v string) bool {
	if !s.hasSecret || v == "" {
		return false
	}
	got := sha256.Sum256([]byte(v))
	return subtle.ConstantTimeCompare(got[:], s.secretSum[:]) == 1
}

// teardown closes the connection after its reader ended for reason.
func (c *conn) teardown(reason string) {
	s := c.srv
	defer s.exit()
	c.stop(0, "")
	<-c.writerDone
	if s.poll != nil {
		s.poll.remove(c)
	}
	persist := recoverable(reason)
	for _, sock := range c.sockets {
		c.closeSocket(sock, persist)
	}
	s.unregister(c)
	s.m.connections.Dec()
	s.log.Debug("socket: connection closed", "sid", c.id, "reason", reason)
}

// recoverable lists socket.io's RECOVERABLE_DISCONNECT_REASONS (plus a
// slow consumer, "forced server close").
func recoverable(reason string) bool {
	switch reason {
	case "transport error", "transport close", "forced close", "ping timeout", "forced server close":
		return true
	}
	return false
}

func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.handlers++
	return true
}

func (s *Server) exit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers--
	if s.closed && s.handlers == 0 {
		close(s.idle)
	}
}

func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// originAllowed checks the Origin header against AllowedOrigins (default:
// the request's own Host). Requests without Origin (not from a browser) pass.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if len(s.opts.AllowedOrigins) == 0 {
		return strings.EqualFold(u.Host, r.Host)
	}
	for _, a := range s.opts.AllowedOrigins {
		a = strings.TrimRight(a, "/")
		switch {
		case a == "*":
			return true
		case strings.Contains(a, "://"):
			if strings.EqualFold(a, u.Scheme+"://"+u.Host) {
				return true
			}
		case strings.EqualFold(a, u.Host):
			return true
		}
	}
	return false
}

// ConnectionCount is the number of open connections.
func (s *Server) ConnectionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown closes every connection with a going-away close frame (1001),
// refuses new ones, and waits until every connection goroutine has ended or
// ctx is done (then the remaining sockets are closed without ceremony and
// ctx's error is returned). Sessions are not kept across a shutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closed
	if first {
		s.closed = true
		if s.handlers == 0 {
			close(s.idle)
		}
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if first {
		s.cancel()
		close(s.stopJanitor)
	}
	for _, c := range conns {
		c.stop(CloseGoingAway, "server shutting down")
	}
	var err error
	select {
	case <-s.idle:
	case <-ctx.Done():
		err = ctx.Err()
		s.mu.Lock()
		for c := range s.conns {
			_ = c.netc.Close()
		}
		s.mu.Unlock()
	}
	<-s.janitorDone
	s.ready.shutdown()
	if s.poll != nil {
		s.poll.close()
	}
	s.root.flushPresence()
	s.page.flushPresence()
	s.jmu.Lock()
	if s.jtimer != nil {
		s.jtimer.Stop()
	}
	s.joiners = nil
	s.jmu.Unlock()
	s.broker.close()
	s.auth.close()
	return err
}

// janitor expires sessions, room histories, idle rooms and auth answers.
func (s *Server) janitor() {
	defer close(s.janitorDone)
	every := min(max(s.opts.RecoveryWindow/4, time.Second), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopJanitor:
			return
		case now := <-t.C:
			s.sweep(now)
		}
	}
}

func (s *Server) sweep(now time.Time) {
	// Expired sessions are kept one more window so a late client hears
	// "session_expired" rather than "unknown_session".
	s.sessions.expire(now.Add(-2 * max(s.opts.RecoveryWindow, 0)))
	s.root.sweep(now)
	s.page.sweep(now)
	s.auth.prune(now)
}

// Publish pushes event to every socket of namespace "/" in room (for
// example "app:<applicationId>") and returns the event's seq. payload must
// marshal to a JSON object (map[string]any, json.RawMessage, a struct…); a
// "seq" member is added that rises by one per room (it replaces any "seq"
// of the payload for JSON.parse, which keeps the last duplicate).
//
// With recovery enabled (the default) the event is also kept in the room's
// history and carries an offset as its last argument, exactly like
// socket.io's connection-state recovery; a client that reconnects within
// RecoveryWindow is replayed what it missed. The packet is encoded once and
// the same bytes are queued to every member; a member whose queue is full is
// disconnected as a slow consumer and the others are unaffected. Publish
// never blocks on a connection.
func (s *Server) Publish(room, event string, payload any) (uint64, error) {
	if room == "" {
		return 0, errors.New("socketio: Publish: empty room")
	}
	if event == "" || isReservedEvent(event) {
		return 0, fmt.Errorf("socketio: Publish: invalid event name %q", event)
	}
	body, err := objectJSON(payload)
	if err != nil {
		return 0, err
	}
	seq, err := s.broker.publish(room, event, body)
	if err != nil {
		return 0, err
	}
	s.m.published.Inc()
	return seq, nil
}

// publishLocal is Publish on this node alone: seq, offset and history are
// the node's own.
func (s *Server) publishLocal(room, event string, body []byte) (uint64, error) {
	o := &s.opts
	sh := s.root.shardFor(room)
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	sh.mu.Lock()
	r := sh.getOrCreate(room)
	r.seq++
	seq := r.seq
	now := time.Now()
	r.lastPub = now
	withSeq, err := injectFields(body, []byte(`"seq"`), strconv.AppendUint(nil, seq, 10))
	if err != nil {
		r.seq--
		sh.mu.Unlock()
		return 0, err
	}
	var pkt []byte
	if o.recovery() {
		off := s.offset.Add(1)
		pkt = encodeEvent(nspRoot, event, withSeq, formatOffset(off))
		r.hist.add(histEntry{off: off, at: now, pkt: pkt}, o.HistorySize, o.HistoryBytes, now.Add(-o.RecoveryWindow))
	} else {
		pkt = encodeEvent(nspRoot, event, withSeq)
	}
	members := s.pubMembers[:0]
	for m := range r.members {
		if m.pushes {
			members = append(members, m)
		}
	}
	sh.mu.Unlock()

	// Still under pubMu: every connection gets pushes in offset order.
	msg := outMsg{b: pkt}
	for _, m := range members {
		m.c.enqueue(msg)
	}
	clear(members)
	s.pubMembers = members[:0]
	return seq, nil
}

// objectJSON marshals payload and checks that it is a JSON object.
func objectJSON(payload any) ([]byte, error) {
	var b []byte
	switch p := payload.(type) {
	case nil:
		return []byte("{}"), nil
	case json.RawMessage:
		b = p
	case []byte:
		b = p
	default:
		var err error
		if b, err = json.Marshal(payload); err != nil {
			return nil, fmt.Errorf("socketio: Publish: %w", err)
		}
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, errors.New("socketio: Publish: payload is not a JSON object")
	}
	return b, nil
}

// PublishRequest is the body of PublishHandler.
type PublishRequest struct {
	Room    string          `json:"room"`
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
}

// PublishHandler returns an optional handler, off unless a caller mounts
// it, that calls Publish for POST {"room","event","payload"} and answers
// {"seq":n}. It is meant for load tests and local tooling: it performs no
// authentication, so never expose it publicly.
func (s *Server) PublishHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, eioErrBadRequest, "use POST")
			return
		}
		var req PublishRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, int64(s.opts.MaxPayload)))
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, eioErrBadRequest, "malformed JSON: "+err.Error())
			return
		}
		var payload any
		if req.Payload != nil {
			payload = req.Payload
		}
		seq, err := s.Publish(req.Room, req.Event, payload)
		if err != nil {
			writeError(w, http.StatusBadRequest, eioErrBadRequest, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, "{\"seq\":%d}\n", seq)
	})
}

// plainUpgrade reports whether r is a WebSocket handshake gorilla's
// Upgrader (as configured in New: no subprotocols, no compression, any
// origin) accepts, and returns its key: then ServeHTTP answers it itself,
// with the open packet in the same write. Anything else goes to gorilla,
// which refuses it with its own errors (or accepts one this stricter
// check left to it).
func plainUpgrade(r *http.Request) (key string, ok bool) {
	if r.Method != http.MethodGet ||
		!headerHasToken(r.Header, "Connection", "upgrade") ||
		!headerHasToken(r.Header, "Upgrade", "websocket") ||
		!headerHasToken(r.Header, "Sec-Websocket-Version", "13") {
		return "", false
	}
	key = r.Header.Get("Sec-Websocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		return "", false
	}
	return key, true
}

// headerHasToken reports whether a comma-separated list of tokens in one
// of the header's values holds token (ASCII case-insensitive, spaces and
// tabs around items ignored). A value with anything else in it (which
// gorilla's parser may read differently) reports false: gorilla decides.
func headerHasToken(h http.Header, name, token string) bool {
	found := false
	for _, v := range h[name] {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.Trim(item, " \t")
			for i := 0; i < len(item); i++ {
				if !isTokenByte(item[i]) {
					return false
				}
			}
			found = found || strings.EqualFold(item, token)
		}
	}
	return found
}

// isTokenByte reports whether b may appear in an RFC 7230 token.
func isTokenByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// websocketGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// appendUpgradeAnswer appends the 101 answer gorilla writes for a
// handshake with key (same status line, headers and order).
func appendUpgradeAnswer(b []byte, key string) []byte {
	sum := sha1.Sum([]byte(key + websocketGUID))
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = base64.StdEncoding.AppendEncode(b, sum[:])
	return append(b, "\r\n\r\n"...)
}
