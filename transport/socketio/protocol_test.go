package socketio

// Protocol edges with a raw gorilla client, auth and options.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

func TestHandshakeErrors(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		query      string
		hdr        map[string]string
		status     int
		code       int
		msgContain string
	}{
		{"EIO=4&transport=polling", nil, 400, 0, "only the websocket transport"},
		{"EIO=4&transport=polling&sid=abc", nil, 400, 0, "websocket"},
		{"EIO=3&transport=websocket", nil, 400, 5, "Unsupported protocol version"},
		{"transport=websocket", nil, 400, 5, "Unsupported protocol version"},
		{"EIO=4&transport=flashsocket", nil, 400, 0, "Transport unknown"},
		{"EIO=4&transport=websocket&sid=abc", nil, 400, 1, "Session ID unknown"},
		{"EIO=4&transport=websocket", nil, 400, 3, "expected a WebSocket upgrade"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, e.hs.URL+"/rts/?"+tt.query, nil)
		for k, v := range tt.hdr {
			req.Header.Set(k, v)
		}
		resp, err := e.hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tt.status || body.Code != tt.code || !strings.Contains(body.Message, tt.msgContain) ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %+v (%v), want %d code %d containing %q", tt.query, resp.StatusCode, body, err, tt.status, tt.code, tt.msgContain)
		}
	}
	if got := e.counter("rts_ws_upgrades_rejected_total", "reason", "transport"); got != 4 {
		t.Errorf("rejected{transport} = %v", got)
	}
}

func TestOriginCheck(t *testing.T) {
	e := newEnv(t, nil)
	// Same host: allowed; no Origin (not a browser): allowed; another: 403.
	host := strings.TrimPrefix(e.hs.URL, "http://")
	dialRaw(t, e, "", http.Header{"Origin": {"http://" + host}})
	dialRaw(t, e, "", nil)
	_, resp, err := websocket.DefaultDialer.Dial(e.wsURL(), http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v %v", err, resp)
	}
	resp.Body.Close()

	s := &Server{}
	check := func(allowed []string, origin, host string, want bool) {
		t.Helper()
		s.opts.AllowedOrigins = allowed
		r := httptest.NewRequest(http.MethodGet, "http://"+host+"/rts/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if got := s.originAllowed(r); got != want {
			t.Errorf("AllowedOrigins %v, Origin %q, Host %q: %v, want %v", allowed, origin, host, got, want)
		}
	}
	check(nil, "https://app.example.com", "app.example.com", true)
	check(nil, "https://APP.example.com", "app.example.com", true)
	check(nil, "https://app.example.com:8443", "app.example.com", false)
	check(nil, "null", "app.example.com", false)
	check([]string{"https://app.example.com"}, "https://app.example.com", "rts.internal", true)
	check([]string{"https://app.example.com/"}, "https://app.example.com", "rts.internal", true)
	check([]string{"https://app.example.com"}, "http://app.example.com", "rts.internal", false)
	check([]string{"app.example.com"}, "http://app.example.com", "rts.internal", true)
	check([]string{"*"}, "https://anything.example", "rts.internal", true)
	check([]string{"https://a.example"}, "https://b.example", "b.example", false)
}

func TestOpenPacketAndPingTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.PingInterval = 100 * time.Millisecond
		o.PingTimeout = 150 * time.Millisecond
	})
	ws, resp, err := websocket.DefaultDialer.Dial(e.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer ws.Close()
	_, open, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var hs struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
		PingTimeout  int      `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}
	if open[0] != '0' || json.Unmarshal(open[1:], &hs) != nil || len(hs.SID) != 20 || hs.Upgrades == nil || len(hs.Upgrades) != 0 ||
		hs.PingInterval != 100 || hs.PingTimeout != 150 || hs.MaxPayload != DefaultMaxPayload {
		t.Fatalf("open packet %s", open)
	}
	if !strings.Contains(string(open), `"upgrades":[]`) {
		t.Fatalf("upgrades must be an empty array: %s", open)
	}
	ws.WriteMessage(websocket.TextMessage, []byte("40"))
	// Read pings without answering: the server gives up after
	// pingInterval + pingTimeout of silence.
	start := time.Now()
	pings := 0
	for {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if string(b) == "2" {
			pings++
		}
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second || pings < 1 {
		t.Fatalf("closed after %v with %d pings", d, pings)
	}
}

func expectClose(t *testing.T, ws *websocket.Conn, code int) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Fatalf("close: %v, want code %d", err, code)
		}
		return
	}
}

func TestProtocolViolationsClose(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.MaxPayload = 1000
		o.PingInterval = 50 * time.Millisecond
		o.ConnectTimeout = 150 * time.Millisecond
	})
	for _, bad := range []string{"9", "4x", `42{"not":"an array"}`, `42["connect"]`, "0{}"} {
		c := dialRaw(t, e, "", nil)
		c.write(bad)
		expectClose(t, c.ws, CloseProtocolError)
	}
	// Over the read limit.
	c := dialRaw(t, e, "", nil)
	c.write(`42["x","` + strings.Repeat("a", 2000) + `"]`)
	expectClose(t, c.ws, websocket.CloseMessageTooBig)
	// No namespace within ConnectTimeout.
	c = dialRaw(t, e, "", nil)
	// The goroutine gets its own copy of the connection: c is reassigned
	// below while it may still run (the race detector saw it).
	go func(ws *websocket.Conn) {
		for { // answer pings so only the connect timeout applies
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if string(b) == "2" {
				_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
			}
		}
	}(c.ws)
	waitUntil(t, 5*time.Second, "connect timeout", func() bool { return e.srv.ConnectionCount() == 0 })
	// The Engine.IO close packet closes the connection.
	c = dialRaw(t, e, "", nil)
	c.write("1")
	expectClose(t, c.ws, websocket.CloseNormalClosure)
	// Binary frames and binary packets are ignored; the connection lives.
	c = dialRaw(t, e, "SESSION=alice", nil)
	c.write("40")
	c.readUntil("40{")
	_ = c.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	c.write(`451-["collab:start_edit",{"_placeholder":true,"num":0}]`)
	c.write(`42/nope,["collab:start_edit","x"]`) // namespace not connected: ignored
	c.write(`421["collab:start_edit","app1"]`)
	if ack := c.readUntil("43"); ack != `431[{"ok":true}]` {
		t.Fatalf("ack %q", ack)
	}
}

func TestServerPingAnsweredAndClientPing(t *testing.T) {
	e := newEnv(t, nil)
	c := dialRaw(t, e, "", nil)
	c.write("2probe") // an EIO3-style ping is answered
	if got := c.read(); got != "3probe" {
		t.Fatalf("pong %q", got)
	}
}

func TestPublishErrors(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		room, event string
		payload     any
	}{
		{"", "graph:changed", nil},
		{"app:1", "", nil},
		{"app:1", "connect", nil},
		{"app:1", "disconnect", nil},
		{"app:1", "graph:changed", json.RawMessage(`[1]`)},
		{"app:1", "graph:changed", "text"},
	} {
		if _, err := e.srv.Publish(tc.room, tc.event, tc.payload); err == nil {
			t.Errorf("Publish(%q, %q, %v) succeeded", tc.room, tc.event, tc.payload)
		}
	}
	if seq, err := e.srv.Publish("app:1", "graph:changed", nil); err != nil || seq != 1 {
		t.Fatalf("Publish: %d %v", seq, err)
	}
	for _, body := range []string{`{`, `{"room":"","event":"x"}`} {
		resp, err := e.hs.Client().Post(e.hs.URL+"/rts-publish", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("publish endpoint %s: %d", body, resp.StatusCode)
		}
	}
	resp, err := e.hs.Client().Get(e.hs.URL + "/rts-publish")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET publish endpoint: %d", resp.StatusCode)
	}
}

func TestHistoryBounds(t *testing.T) {
	var h history
	now := time.Now()
	add := func(off uint64, size int, at time.Time) {
		h.add(histEntry{off: off, at: at, pkt: make([]byte, size)}, 3, 100, now.Add(-time.Minute))
	}
	add(1, 10, now)
	add(2, 10, now)
	if es, ok := h.since(0); !ok || len(es) != 2 {
		t.Fatalf("since(0) = %v %v", es, ok)
	}
	add(3, 10, now)
	add(4, 10, now) // count bound 3: evicts 1
	if _, ok := h.since(0); ok {
		t.Fatal("since(0) after eviction of 1 must fail")
	}
	if es, ok := h.since(1); !ok || len(es) != 3 || es[0].off != 2 {
		t.Fatalf("since(1) = %v %v", es, ok)
	}
	if es, ok := h.since(4); !ok || len(es) != 0 {
		t.Fatalf("since(4) = %v %v", es, ok)
	}
	add(5, 90, now) // byte bound 100: evicts 2 and 3
	if es, ok := h.since(3); !ok || len(es) != 2 || h.bytes != 100 {
		t.Fatalf("since(3) = %d entries, %v, bytes %d", len(es), ok, h.bytes)
	}
	if _, ok := h.since(2); ok {
		t.Fatal("since(2) after eviction of 3 must fail")
	}
	h.trim(3, 100, now.Add(time.Second)) // age bound
	if len(h.entries) != 0 || h.evictedMax != 5 || h.bytes != 0 {
		t.Fatalf("after age trim: %+v", h)
	}
}

func TestAuthenticator(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	slow := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("SESSION")
		mu.Lock()
		calls[c.Value]++
		mu.Unlock()
		switch c.Value {
		case "alice":
			time.Sleep(50 * time.Millisecond) // concurrent lookups share this call
			io.WriteString(w, `{"responseMeta":{"status":200},"data":{"email":"alice@x","name":"Alice"}}`)
		case "noname":
			io.WriteString(w, `{"data":{"email":"n@x"}}`)
		case "nullemail":
			io.WriteString(w, `{"data":{"email":null,"name":"X"}}`)
		case "anonname":
			io.WriteString(w, `{"data":{"email":"a@x","name":"anonymousUser"}}`)
		case "broken":
			w.WriteHeader(500)
		case "slow":
			<-slow
		default:
			w.WriteHeader(401)
		}
	}))
	defer backend.Close()
	defer close(slow)
	logs := &syncBuffer{}
	o := Options{APIBaseURL: backend.URL + "/api/v1/", AuthTimeout: 200 * time.Millisecond,
		Logger: newTestLogger(logs)}
	if err := o.fill(); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, _ := newMetrics(reg)
	a := newAuthenticator(context.Background(), &o, m)
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if u := a.lookup(ctx, "alice"); u == nil || *u != (User{"Alice", "alice@x"}) {
				t.Errorf("alice: %+v", u)
			}
		}()
	}
	wg.Wait()
	if u := a.lookup(ctx, "noname"); u == nil || u.Name != "n@x" {
		t.Errorf("noname: %+v", u)
	}
	for _, c := range []string{"nullemail", "anonname", "broken", "nobody", ""} {
		if u := a.lookup(ctx, c); u != nil {
			t.Errorf("%q authenticated as %+v", c, u)
		}
	}
	start := time.Now()
	if u := a.lookup(ctx, "slow"); u != nil || time.Since(start) > 2*time.Second {
		t.Errorf("slow backend: %+v after %v", u, time.Since(start))
	}
	a.lookup(ctx, "alice")
	mu.Lock()
	if calls["alice"] != 1 || calls["nobody"] != 1 {
		t.Errorf("backend calls %v: want one per cookie (cache and shared in-flight calls)", calls)
	}
	mu.Unlock()
	if metricValue(t, reg, "rts_ws_auth_checks_total", "result", "cached") < 1 {
		t.Error("cache hits not counted")
	}
	for _, secret := range []string{"alice", "nobody", "broken", "slow"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs mention the cookie %q:\n%s", secret, logs)
		}
	}
	// Expiry.
	a.prune(time.Now().Add(time.Hour))
	a.mu.Lock()
	n := len(a.cache)
	a.mu.Unlock()
	if n != 0 {
		t.Errorf("%d entries after prune", n)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{APIBaseURL: "localhost:8080"},
		{APIBaseURL: "ftp://x/api"},
		{PingInterval: -1},
		{MaxQueueBytes: -1},
		{PointerRate: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	reg := prometheus.NewRegistry()
	s, err := New(Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if _, err := New(Options{Registerer: reg}); err == nil {
		t.Error("a second server on the same registry must fail (duplicate metrics)")
	}
	if s.opts.PingInterval != DefaultPingInterval || s.opts.MaxQueueBytes != DefaultMaxQueueBytes || s.opts.RecoveryWindow != DefaultRecoveryWindow {
		t.Errorf("defaults not filled: %+v", s.opts)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "rts_ws_") {
			t.Errorf("metric %s lacks the rts_ws_ prefix", mf.GetName())
		}
	}
	// Shutdown is idempotent.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryDisabled(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.RecoveryWindow = -1 })
	c := dialRaw(t, e, "SESSION=alice", nil)
	c.write("40")
	if got := c.readUntil("40{"); strings.Contains(got, "pid") {
		t.Fatalf("pid offered with recovery disabled: %s", got)
	}
	c.write(`42["collab:start_edit","app1"]`)
	c.readUntil(`42["collab:online_editors"`)
	e.publish("app:app1", "graph:changed", map[string]any{"a": 1})
	if got := c.readUntil(`42["graph:changed"`); got != `42["graph:changed",{"a":1,"seq":1}]` {
		t.Fatalf("push %s", got)
	}
}

func TestShutdownRefusesNewConnections(t *testing.T) {
	e := newEnv(t, nil)
	c := dialRaw(t, e, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	expectClose(t, c.ws, CloseGoingAway)
	resp, err := e.hs.Client().Get(e.hs.URL + "/rts/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after shutdown: %d", resp.StatusCode)
	}
}
