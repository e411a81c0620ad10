package socketio

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// newTestAuthenticator is the server's authenticator for a backend at
// base (…/api/v1) with the default client.
func newTestAuthenticator(t *testing.T, ctx context.Context, base string, mutate func(*Options)) (*authenticator, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o := Options{APIBaseURL: base}
	if mutate != nil {
		mutate(&o)
	}
	if err := o.fill(); err != nil {
		t.Fatal(err)
	}
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthenticator(ctx, &o, m)
	t.Cleanup(a.close)
	return a, reg
}

// What the backend receives from the default client, and that one kept
// connection carries successive calls.
func TestAuthRequestOnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	heads := make(chan string, 2)
	go func() {
		c, err := ln.Accept() // one connection only: the second call must reuse it
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		for _, email := range []string{"dave@x", "erin@x"} {
			var head strings.Builder
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				head.WriteString(l)
				if l == "\r\n" {
					break
				}
			}
			heads <- head.String()
			body := `{"data":{"email":"` + email + `","name":"N"}}`
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+
				itoa(len(body))+"\r\n\r\n"+body)
		}
	}()
	a, _ := newTestAuthenticator(t, t.Context(), "http://"+ln.Addr().String()+"/api/v1/", nil)
	if a.lean == nil {
		t.Fatal("the default client for a plain-HTTP backend is not authConns")
	}
	for _, tc := range []struct{ cookie, email string }{{"dave", "dave@x"}, {"erin", "erin@x"}} {
		u := a.lookup(t.Context(), tc.cookie)
		if u == nil || u.Email != tc.email {
			t.Fatalf("lookup(%s) = %+v, want %s", tc.cookie, u, tc.email)
		}
		want := "GET /api/v1/users/me HTTP/1.1\r\nHost: " + ln.Addr().String() +
			"\r\nUser-Agent: Go-http-client/1.1\r\nAccept: application/json\r\nCookie: SESSION=" + tc.cookie + "\r\n\r\n"
		if got := <-heads; got != want {
			t.Errorf("request:\n%q\nwant\n%q", got, want)
		}
	}
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// A kept connection the backend closed meanwhile costs the call nothing:
// it dials again at once, without an error or the retry's pause.
func TestAuthRedialsAClosedConnection(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("SESSION")
		_, _ = io.WriteString(w, `{"data":{"email":"`+c.Value+`@x","name":"`+c.Value+`"}}`)
	}))
	defer backend.Close()
	a, reg := newTestAuthenticator(t, t.Context(), backend.URL+"/api/v1", nil)
	if u := a.lookup(t.Context(), "u1"); u == nil || u.Email != "u1@x" {
		t.Fatalf("first lookup = %+v", u)
	}
	backend.CloseClientConnections()
	if u := a.lookup(t.Context(), "u2"); u == nil || u.Email != "u2@x" {
		t.Fatalf("lookup after the backend closed the connection = %+v", u)
	}
	if n := metricValue(t, reg, "rts_ws_auth_checks_total", "result", "error"); n != 0 {
		t.Errorf("%v auth errors counted, want 0", n)
	}
}

// Shutting the server down ends a call the backend never answers (here
// the timeout is an hour).
func TestAuthShutdownEndsACall(t *testing.T) {
	got := make(chan struct{})
	var once sync.Once
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(got) })
		<-r.Context().Done()
	}))
	defer backend.Close()
	ctx, cancel := context.WithCancel(context.Background())
	a, _ := newTestAuthenticator(t, ctx, backend.URL+"/api/v1", func(o *Options) { o.AuthTimeout = 1 << 62 })
	done := make(chan *User)
	go func() { done <- a.lookup(context.Background(), "frank") }()
	<-got
	cancel()
	if u := <-done; u != nil {
		t.Errorf("lookup = %+v after shutdown, want nil", u)
	}
	for a.workers.running() != 0 {
		<-time.After(time.Millisecond)
	}
}

// Backends the lean client does not serve get net/http's.
func TestAuthConnsOnlyForPlainHTTP(t *testing.T) {
	for _, base := range []string{"https://backend/api/v1", "http://user:pw@backend/api/v1", "ftp://backend/api/v1"} {
		if p := newAuthConns(base + "/users/me"); p != nil {
			t.Errorf("newAuthConns(%s) = %+v, want nil", base, p)
		}
	}
	if p := newAuthConns("http://backend/api/v1/users/me"); p == nil || p.addr != "backend:80" {
		t.Errorf("newAuthConns(http://backend/…) = %+v, want one dialing backend:80", p)
	}
}
