package socketio

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// User is an authenticated Appsmith user.
type User struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

const (
	anonymousUser   = "anonymousUser"
	failureCacheTTL = 5 * time.Second
	maxAuthBody     = 1 << 20
	maxAuthEntries  = 100_000
)

// authenticator answers "who is this SESSION cookie" with
// GET {base}/users/me, caching each answer briefly under the SHA-256 of the
// cookie (the cookie itself is neither stored nor logged). Concurrent lookups
// of one cookie share one request.
type authenticator struct {
	ctx     context.Context // the server's: calls end with it, not with one client's request
	base    string
	client  *http.Client
	timeout time.Duration
	ttl     time.Duration
	log     *slog.Logger
	m       *metrics
	// The auth counters of every sign-in, looked up once.
	okC, cachedC prometheus.Counter
	// lean, when set, makes the calls instead of client (see authConns).
	lean *authConns

	mu    sync.Mutex
	cache map[[32]byte]*authEntry

	// workers make the /users/me calls (see dispatch).
	workers *lingerPool[authJob]
}

// authJob is one /users/me call for the entry e.
type authJob struct {
	e      *authEntry
	cookie string
}

type authEntry struct {
	done    chan struct{} // closed when user/expires are set
	user    *User
	json    []byte // user's {"name","email"} (editor lists), nil with user
	expires time.Time
}

func newAuthenticator(ctx context.Context, o *Options, m *metrics) *authenticator {
	a := &authenticator{
		ctx:     ctx,
		base:    strings.TrimRight(o.APIBaseURL, "/"),
		client:  o.HTTPClient,
		timeout: o.AuthTimeout,
		ttl:     o.AuthCacheTTL,
		log:     o.Logger,
		m:       m,
		cache:   make(map[[32]byte]*authEntry),
		okC:     m.auth.WithLabelValues("ok"),
		cachedC: m.auth.WithLabelValues("cached"),
	}
	a.workers = newLingerPool(a.settle, authWorkerLinger, authMaxConns, ctx.Done())
	if o.defaultClient && a.base != "" {
		a.lean = newAuthConns(a.base + "/users/me")
	}
	return a
}

// sessionCookie returns the SESSION cookie of r, or "".
func sessionCookie(r *http.Request) string {
	c, err := r.Cookie("SESSION")
	if err != nil {
		return ""
	}
	return c.Value
}

// lookup returns the user of the cookie, or nil when unauthenticated
// (no cookie, no API base, anonymousUser, missing email, or any failure).
func (a *authenticator) lookup(ctx context.Context, cookie string) *User {
	u, _ := a.lookupJSON(ctx, cookie)
	return u
}

// lookupJSON is lookup, with the user's JSON for editor lists (nil with a
// nil user).
func (a *authenticator) lookupJSON(ctx context.Context, cookie string) (*User, []byte) {
	if cookie == "" || a.base == "" {
		a.m.auth.WithLabelValues("no_cookie").Inc()
		return nil, nil
	}
	key := sha256.Sum256([]byte(cookie))
	now := time.Now()
	a.mu.Lock()
	e, ok := a.cache[key]
	if ok {
		select {
		case <-e.done:
			if now.Before(e.expires) {
				a.mu.Unlock()
				a.cachedC.Inc()
				return e.user, e.json
			}
			ok = false // expired: fetch again
		default: // in flight: wait for it below
		}
	}
	if !ok {
		if len(a.cache) >= maxAuthEntries {
			a.pruneLocked(now, true)
		}
		e = &authEntry{done: make(chan struct{})}
		a.cache[key] = e
		a.mu.Unlock()
		a.dispatch(authJob{e: e, cookie: cookie})
	} else {
		a.mu.Unlock()
	}
	select {
	case <-e.done:
		return e.user, e.json
	case <-ctx.Done():
		return nil, nil
	}
}

// authWorkerLinger is how long an auth worker waits for its next call
// before it ends: a burst of sign-ins keeps its workers, a quiet server
// has none.
const authWorkerLinger = time.Second

// dispatch makes the /users/me call of j on a worker goroutine, which
// settles j.e: an idle worker, a new one while there are fewer than
// authMaxConns, or else the caller's own goroutine (as many calls wait
// for a backend connection then anyway). A call runs deep (net/http's
// client, a context with a deadline, encoding/json's reflection); made
// on the connection's own handshake goroutine, new for each connection,
// every call grew that goroutine's stack, copying it several times (7 %
// of the server's CPU in a 10,000-editor join, runtime.newstack under
// the handshake, issue 15).
func (a *authenticator) dispatch(j authJob) {
	if !a.workers.start(j) {
		a.settle(j)
	}
}

// settle calls /users/me for j and publishes the answer to every lookup
// waiting on j.e.
func (a *authenticator) settle(j authJob) {
	user, ttl := a.fetch(a.ctx, j.cookie)
	var js []byte
	if user != nil {
		// Encoded here, on the worker's grown stack, rather than on the
		// connection's new handshake goroutine (encoding/json runs deep).
		js, _ = jsonMarshal(user)
	}
	a.mu.Lock()
	j.e.user, j.e.json, j.e.expires = user, js, time.Now().Add(ttl)
	close(j.e.done)
	a.mu.Unlock()
}

// authRetryPause is the wait before the one retry of a failed /users/me
// call: long enough for a momentarily overloaded backend to catch up,
// short next to the socket.io client's 20 s connect timeout.
const authRetryPause = 200 * time.Millisecond

// fetch calls /users/me and returns the user (nil: unauthenticated) and how
// long the answer may be cached. A call that fails without an answer (a
// timeout, a refused or broken connection) or with a 5xx is tried once
// more: under load the backend is often just late, and a socket left
// unauthenticated silently misses presence and pointers (Appsmith's RTS
// waits for /users/me without any timeout). A final failure is logged as a
// warning that says what the socket lost.
func (a *authenticator) fetch(ctx context.Context, cookie string) (*User, time.Duration) {
	user, ttl, err := a.attempt(ctx, cookie)
	if err == nil {
		return user, ttl
	}
	if ctx.Err() != nil {
		return nil, failureCacheTTL // shutting down: no retry, no noise
	}
	a.log.Warn("socket auth: /users/me failed, retrying once", "err", err)
	select {
	case <-time.After(authRetryPause):
	case <-ctx.Done():
		return nil, failureCacheTTL
	}
	user, ttl, err = a.attempt(ctx, cookie)
	if err == nil {
		return user, ttl
	}
	if ctx.Err() == nil {
		a.log.Warn("socket auth: /users/me failed twice; the socket stays unauthenticated (no presence, no pointers)",
			"err", err, "timeout", a.timeout)
	}
	return nil, failureCacheTTL
}

// errAuthStatus is a 5xx answer of /users/me: worth one retry.
type errAuthStatus int

func (e errAuthStatus) Error() string { return "status " + strconv.Itoa(int(e)) }

// attempt is one /users/me call. err is set only for failures worth a
// retry (no answer, a 5xx); a definite answer (a user, a refusal, an
// anonymous or malformed body) has err nil.
func (a *authenticator) attempt(ctx context.Context, cookie string) (*User, time.Duration, error) {
	status, body, err := a.get(ctx, cookie)
	if err != nil {
		a.m.auth.WithLabelValues("error").Inc()
		if errors.Is(err, errBadBase) {
			return nil, failureCacheTTL, nil // a bad base URL does not heal
		}
		return nil, failureCacheTTL, err
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		a.m.auth.WithLabelValues("unauthorized").Inc()
		a.log.Info("socket auth: /users/me refused the session", "status", status)
		return nil, min(a.ttl, failureCacheTTL), nil
	case status >= 500:
		a.m.auth.WithLabelValues("error").Inc()
		return nil, min(a.ttl, failureCacheTTL), errAuthStatus(status)
	case status != http.StatusOK:
		a.m.auth.WithLabelValues("error").Inc()
		a.log.Error("socket auth: /users/me answered an error", "status", status)
		return nil, min(a.ttl, failureCacheTTL), nil
	}
	var env struct {
		Data *struct {
			Email *string `json:"email"`
			Name  *string `json:"name"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Data == nil || env.Data.Email == nil || *env.Data.Email == "" {
		a.m.auth.WithLabelValues("anonymous").Inc()
		return nil, a.ttl, nil
	}
	u := &User{Email: *env.Data.Email, Name: *env.Data.Email}
	if env.Data.Name != nil && *env.Data.Name != "" {
		u.Name = *env.Data.Name
	}
	if u.Email == anonymousUser || u.Name == anonymousUser {
		a.m.auth.WithLabelValues("anonymous").Inc()
		return nil, a.ttl, nil
	}
	a.okC.Inc()
	return u, a.ttl, nil
}

// close releases the kept backend connections (Shutdown).
func (a *authenticator) close() {
	if a.lean != nil {
		a.lean.close()
	}
}

// errBadBase is a request that cannot be made (a malformed base URL).
var errBadBase = errors.New("socketio: bad API base URL")

// get is one GET /users/me with the cookie: the answer's status and body
// (at most maxAuthBody bytes), or an error when none came (redacted:
// never the URL's query, never the cookie).
func (a *authenticator) get(ctx context.Context, cookie string) (int, []byte, error) {
	if a.lean != nil {
		status, body, err := a.lean.get(ctx, cookie, a.timeout)
		if err != nil {
			return 0, nil, errors.New(redactURLError(err))
		}
		return status, body, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/users/me", nil)
	if err != nil {
		return 0, nil, errBadBase
	}
	req.Header.Set("Cookie", (&http.Cookie{Name: "SESSION", Value: cookie}).String())
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, errors.New(redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAuthBody))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// prune drops expired entries (all settled entries when full is set and the
// cache is still over its bound).
func (a *authenticator) prune(now time.Time) {
	if a.lean != nil {
		a.lean.prune(now)
	}
	a.mu.Lock()
	a.pruneLocked(now, false)
	a.mu.Unlock()
}

func (a *authenticator) pruneLocked(now time.Time, full bool) {
	for k, e := range a.cache {
		select {
		case <-e.done:
			if !now.Before(e.expires) {
				delete(a.cache, k)
			}
		default:
		}
	}
	if full && len(a.cache) >= maxAuthEntries {
		for k, e := range a.cache {
			select {
			case <-e.done:
				delete(a.cache, k)
			default:
			}
		}
	}
}

// redactURLError keeps an error message free of anything but the operation;
// the request carries the cookie only in a header, which errors never
// include, but stay on the safe side and drop the URL's query.
func redactURLError(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i]
	}
	return s
}
