package socketio

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallingBackend is a /users/me that stalls (until the caller gives up)
// the first stall calls of each cookie, then answers the cookie as the
// user's email. It counts the calls per cookie.
type stallingBackend struct {
	*httptest.Server
	stall int
	mu    sync.Mutex
	calls map[string]int
}

func newStallingBackend(t *testing.T, stall int) *stallingBackend {
	b := &stallingBackend{stall: stall, calls: map[string]int{}}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("SESSION")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b.mu.Lock()
		b.calls[c.Value]++
		n := b.calls[c.Value]
		b.mu.Unlock()
		if n <= b.stall {
			<-r.Context().Done() // the server's AuthTimeout ends the call
			return
		}
		_, _ = io.WriteString(w, `{"data":{"email":"`+c.Value+`@x","name":"`+c.Value+`"}}`)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *stallingBackend) callsOf(cookie string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[cookie]
}

// A backend that is late once (a loaded Appsmith) must not leave the
// editor signed out: the socket still joins the app room and appears in
// its editor list.
func TestAuthRetriesAStalledUsersMe(t *testing.T) {
	backend := newStallingBackend(t, 1)
	e := newEnv(t, func(o *Options) {
		o.APIBaseURL = backend.URL + "/api/v1"
		o.AuthTimeout = 300 * time.Millisecond
	})
	c := dialRaw(t, e, "SESSION=dave", nil)
	c.write("40")
	c.readUntil("40{")
	c.write(`42["collab:start_edit","app1"]`)
	list := c.readUntil(`42["collab:online_editors"`)
	if !strings.Contains(list, `"email":"dave@x"`) {
		t.Fatalf("editor list %s does not show the signed-in editor", list)
	}
	if n := backend.callsOf("dave"); n != 2 {
		t.Errorf("/users/me called %d times, want 2 (one stalled call, one retry)", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "retrying") {
		t.Errorf("the stalled call is not logged as a warning:\n%s", logs)
	}
}

// When the retry fails too the socket is unauthenticated, and the log
// says so in a warning (the socket silently lost presence before).
func TestAuthFailureIsAWarning(t *testing.T) {
	backend := newStallingBackend(t, 2)
	e := newEnv(t, func(o *Options) {
		o.APIBaseURL = backend.URL + "/api/v1"
		o.AuthTimeout = 200 * time.Millisecond
	})
	c := dialRaw(t, e, "SESSION=erin", nil)
	c.write("40")
	c.readUntil("40{")
	c.write(`421["collab:start_edit","app1"]`)
	// The ack of start_edit refuses an unauthenticated socket.
	if ack := c.readUntil("431"); !strings.Contains(ack, "unauthenticated") {
		t.Fatalf("start_edit ack %s: want an unauthenticated refusal", ack)
	}
	if n := backend.callsOf("erin"); n != 2 {
		t.Errorf("/users/me called %d times, want 2", n)
	}
	var warned bool
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "stays unauthenticated") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that the socket stays unauthenticated:\n%s", e.logs)
	}
	if strings.Contains(e.logs.String(), "erin") {
		t.Errorf("the logs mention the cookie:\n%s", e.logs)
	}
}

// The default client keeps a bounded pool of connections to the backend
// alive: a burst of sockets signing in at once (three times the pool)
// reuses them instead of dialing one per call.
func TestAuthClientReusesConnections(t *testing.T) {
	var mu sync.Mutex
	var dialed, inflight int
	release := make(chan struct{})
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inflight++
		if inflight == authMaxConns {
			close(release) // the pool is full: answer everyone from now on
		}
		mu.Unlock()
		<-release
		c, _ := r.Cookie("SESSION")
		_, _ = io.WriteString(w, `{"data":{"email":"`+c.Value+`@x","name":"`+c.Value+`"}}`)
	}))
	backend.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			dialed++
			mu.Unlock()
		}
	}
	backend.Start()
	t.Cleanup(backend.Close)
	a, _ := newTestAuthenticator(t, t.Context(), backend.URL+"/api/v1", nil)
	lookupEach(t, a, 3*authMaxConns)
	mu.Lock()
	defer mu.Unlock()
	if dialed > authMaxConns {
		t.Errorf("%d connections dialed for %d calls, want at most %d", dialed, 3*authMaxConns, authMaxConns)
	}
}

// Calls run on at most authMaxConns worker goroutines; a sign-in beyond
// them still calls the backend at once (on its own goroutine) rather than
// waiting for a worker: here the backend answers only once it holds more
// calls than there are workers.
func TestAuthCallsBeyondTheWorkers(t *testing.T) {
	const want = authMaxConns + 8
	var mu sync.Mutex
	var inflight, maxWorkers int
	release := make(chan struct{})
	var a *authenticator
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inflight++
		maxWorkers = max(maxWorkers, int(a.workers.running()))
		if inflight == want {
			close(release)
		}
		mu.Unlock()
		select {
		case <-release:
		case <-time.After(time.Minute): // the calls beyond the workers never came: fail below, not hang
		}
		c, _ := r.Cookie("SESSION")
		_, _ = io.WriteString(w, `{"data":{"email":"`+c.Value+`@x","name":"`+c.Value+`"}}`)
	}))
	t.Cleanup(backend.Close)
	ctx, cancel := context.WithCancel(context.Background())
	a, _ = newTestAuthenticator(t, ctx, backend.URL+"/api/v1", func(o *Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: want}}
	})
	lookupEach(t, a, want)
	mu.Lock()
	if inflight != want {
		t.Errorf("the backend saw %d calls, want %d", inflight, want)
	}
	select {
	case <-release:
	default:
		t.Errorf("the backend never held %d calls at once: sign-ins beyond the %d workers waited", want, authMaxConns)
	}
	if maxWorkers > authMaxConns {
		t.Errorf("%d auth workers ran, want at most %d", maxWorkers, authMaxConns)
	}
	mu.Unlock()
	// The workers end with the server.
	cancel()
	for a.workers.running() != 0 {
		runtime.Gosched()
	}
}

// lookupEach signs in n users u0…u(n-1) at once, each answered by the
// backend as <cookie>@x.
func lookupEach(t *testing.T, a *authenticator, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cookie := fmt.Sprintf("u%d", i)
			if u := a.lookup(t.Context(), cookie); u == nil || u.Email != cookie+"@x" {
				t.Errorf("lookup(%s) = %+v", cookie, u)
			}
		})
	}
	wg.Wait()
}
