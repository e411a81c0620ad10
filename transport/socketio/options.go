package socketio

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Defaults, taken from socket.io v4 where it has one.
const (
	DefaultPingInterval   = 25 * time.Second // socket.io pingInterval
	DefaultPingTimeout    = 20 * time.Second // socket.io pingTimeout
	DefaultMaxQueueBytes  = 1 << 20          // per connection send queue, bytes
	DefaultRecoveryWindow = 2 * time.Minute  // socket.io maxDisconnectionDuration
	DefaultMaxPayload     = 1_000_000        // socket.io maxHttpBufferSize; also the read limit
	DefaultWriteTimeout   = 10 * time.Second
	// DefaultAuthTimeout bounds one /users/me call; a call that times out
	// is tried once more, so a sign-in waits at most about 2×8 s, inside
	// socket.io-client's 20 s connect timeout (Appsmith's RTS has none: a
	// loaded backend answering in 4 s must not leave editors signed out).
	DefaultAuthTimeout    = 8 * time.Second
	DefaultAuthCacheTTL   = 30 * time.Second
	DefaultHistorySize    = 512       // events kept per room for recovery
	DefaultHistoryBytes   = 512 << 10 // bytes kept per room for recovery (also bounded by RecoveryWindow)
	DefaultPointerRate    = 30        // collab:mouse_pointer events per second per socket
	DefaultConnectTimeout = 45 * time.Second
	DefaultNodeTTL        = 15 * time.Second // Redis heartbeat key TTL (refreshed every NodeTTL/3)
	DefaultRedisPrefix    = "rts:"
)

// Options configures a Server. Zero values get the defaults above.
type Options struct {
	// APIBaseURL is Appsmith's API base (APPSMITH_API_BASE_URL, for example
	// http://localhost:8080/api/v1). Sockets are authenticated with
	// GET {APIBaseURL}/users/me carrying the SESSION cookie of the upgrade
	// request. Empty: every socket is unauthenticated.
	APIBaseURL string
	// ReleaseVersion is sent as info:release_version on connection to "/".
	ReleaseVersion string
	// AllowedOrigins lists the browser origins allowed to open a socket:
	// "https://app.example.com" (scheme and host must match), a bare host
	// "app.example.com" (any scheme), or "*" (any). Empty: the Origin's host
	// must equal the request's Host. A request without an Origin header
	// (not a browser) is always allowed.
	AllowedOrigins []string
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the metrics (rts_ws_*); nil keeps them in a
	// private registry. The global registry is never used implicitly.
	Registerer prometheus.Registerer
	// HTTPClient calls /users/me; nil uses a client with AuthTimeout.
	HTTPClient *http.Client
	// defaultClient: HTTPClient is fill's, so the calls may take
	// authConns instead (plain HTTP, no proxy).
	defaultClient bool

	PingInterval time.Duration // server ping period (Engine.IO pingInterval)
	PingTimeout  time.Duration // Engine.IO pingTimeout
	// MaxQueueBytes bounds a connection's pending outgoing bytes; a
	// connection over it is a slow consumer and is disconnected.
	MaxQueueBytes int
	// RecoveryWindow is how long a disconnected "/" session may be
	// recovered (Socket.IO connection-state recovery) and how long pushed
	// events are kept. Negative disables recovery (no pid, no offsets).
	RecoveryWindow time.Duration

	// MaxPayload is the read limit per WebSocket message, announced as
	// maxPayload in the open packet.
	MaxPayload int
	// WriteTimeout bounds every write to a connection: a write that has
	// not completed within it (at least half of it, as the deadline is
	// renewed only when less than half is left) closes the connection.
	WriteTimeout time.Duration
	// AuthTimeout bounds one /users/me call (a call that fails without an
	// answer or with a 5xx is tried once more); AuthCacheTTL is how long its
	// answer is reused for the same cookie (failures: at most 5 s).
	AuthTimeout  time.Duration
	AuthCacheTTL time.Duration
	// HistorySize and HistoryBytes bound each room's recovery history (the
	// RecoveryWindow bounds it in time).
	HistorySize  int
	HistoryBytes int
	// PointerRate is the most collab:mouse_pointer events relayed per
	// second per socket; the excess is dropped.
	PointerRate float64
	// ConnectTimeout closes an Engine.IO connection that joined no
	// namespace within it (socket.io connectTimeout).
	ConnectTimeout time.Duration
	// AnonymousViewers lets unauthenticated sockets join app rooms on "/"
	// to receive pushes (graph:changed, entity:renamed) — for a standalone
	// server with no Appsmith backend to authenticate against, where the
	// graph page still wants live updates. They never appear in presence
	// and cannot send pointers. Ignored when APIBaseURL is set.
	AnonymousViewers bool
	// Secret, when set (APPSMITH_RTS_SECRET), guards the app rooms' pushes
	// (graph:changed, entity:renamed, graph:resync): only a socket that
	// presents it — in its CONNECT auth {"secret": …} or in the upgrade
	// request's x-rts-secret header — receives them, and only such a socket
	// may join an app room without a signed-in user (a viewer: never in
	// presence, no pointers). Presence stays cookie-authenticated as in
	// Appsmith: a signed-in socket without the secret still joins app and
	// page rooms and sees the editor lists, but no pushes.
	Secret string

	// Redis, when set, makes this Server one node of several sharing
	// rooms, presence, per-room seq, recovery history and sessions (see
	// the package doc, "Several nodes"). nil: a single node, nothing shared.
	// The client is not closed by Shutdown.
	Redis *redis.Client
	// RedisPrefix prefixes every Redis key and channel (default "rts:").
	RedisPrefix string
	// NodeID names this node in Redis (default: random, per Server).
	NodeID string
	// NodeTTL is the heartbeat key's TTL; the heartbeat and the dead-node
	// janitor run every NodeTTL/3. A node that dies leaves the other
	// nodes' presence lists within about NodeTTL+NodeTTL/3 (default 15 s).
	NodeTTL time.Duration
}

func (o *Options) fill() error {
	if o.APIBaseURL != "" {
		u, err := url.Parse(o.APIBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("socketio: APIBaseURL %q is not an http(s) URL", o.APIBaseURL)
		}
	}
	durations := []struct {
		p   *time.Duration
		def time.Duration
		nm  string
	}{
		{&o.PingInterval, DefaultPingInterval, "PingInterval"},
		{&o.PingTimeout, DefaultPingTimeout, "PingTimeout"},
		{&o.WriteTimeout, DefaultWriteTimeout, "WriteTimeout"},
		{&o.AuthTimeout, DefaultAuthTimeout, "AuthTimeout"},
		{&o.AuthCacheTTL, DefaultAuthCacheTTL, "AuthCacheTTL"},
		{&o.ConnectTimeout, DefaultConnectTimeout, "ConnectTimeout"},
		{&o.NodeTTL, DefaultNodeTTL, "NodeTTL"},
	}
	for _, d := range durations {
		if *d.p < 0 {
			return fmt.Errorf("socketio: %s must not be negative", d.nm)
		}
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if o.RecoveryWindow == 0 {
		o.RecoveryWindow = DefaultRecoveryWindow
	}
	ints := []struct {
		p   *int
		def int
		nm  string
	}{
		{&o.MaxQueueBytes, DefaultMaxQueueBytes, "MaxQueueBytes"},
		{&o.MaxPayload, DefaultMaxPayload, "MaxPayload"},
		{&o.HistorySize, DefaultHistorySize, "HistorySize"},
		{&o.HistoryBytes, DefaultHistoryBytes, "HistoryBytes"},
	}
	for _, d := range ints {
		if *d.p < 0 {
			return fmt.Errorf("socketio: %s must not be negative", d.nm)
		}
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if o.PointerRate < 0 {
		return errors.New("socketio: PointerRate must not be negative")
	}
	if o.PointerRate == 0 {
		o.PointerRate = DefaultPointerRate
	}
	if o.RedisPrefix == "" {
		o.RedisPrefix = DefaultRedisPrefix
	}
	if o.NodeID == "" {
		o.NodeID = newID()
	}
	if strings.ContainsAny(o.NodeID, ":\n") {
		return errors.New("socketio: NodeID must not contain ':' or a newline")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.HTTPClient == nil {
		// A bounded pool of kept-alive connections to the backend: a
		// burst of (re)connecting sockets reuses them instead of dialing
		// (the default transport keeps only 2 idle; with 64 kept, a join
		// of 200 sockets at a time dialed and closed a connection for
		// most calls: 11 % of a 10,000-editor join's CPU). Calls beyond
		// the bound wait for a connection, within AuthTimeout.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = authMaxConns
		tr.MaxConnsPerHost = authMaxConns
		tr.MaxIdleConns = authMaxConns
		o.defaultClient = true
		o.HTTPClient = &http.Client{
			Transport: tr,
			Timeout:   o.AuthTimeout,
			// /users/me never redirects; following one could leak the cookie.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return nil
}

// authMaxConns bounds the default HTTPClient's connections to the backend
// (/users/me calls in flight), all of them kept alive between bursts.
const authMaxConns = 128

func (o *Options) recovery() bool { return o.RecoveryWindow > 0 }
