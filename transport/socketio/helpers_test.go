package socketio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// ---- the real socket.io-client ----------------------------------------

var (
	nodeOnce sync.Once
	nodeErr  error
)

const nodeDir = "testdata/node"

// requireNode installs socket.io-client@4 into testdata/node (once per test
// binary; skipped when it is already there) and fails the test with a clear
// message when node or npm is missing. Nothing is skipped.
func requireNode(t testing.TB) {
	t.Helper()
	nodeOnce.Do(func() {
		for _, tool := range []string{"node", "npm"} {
			if _, err := exec.LookPath(tool); err != nil {
				nodeErr = fmt.Errorf("%s is not installed or not on PATH: the socketio tests drive the real socket.io-client v4 with Node.js 18+ and npm (install nodejs and npm)", tool)
				return
			}
		}
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "socket.io-client", "package.json")); err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "socket.io-client@4")
		cmd.Dir = nodeDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			nodeErr = fmt.Errorf("npm install --no-audit --no-fund socket.io-client@4 in %s failed: %v\n%s", nodeDir, err, out)
		}
	})
	if nodeErr != nil {
		t.Fatal(nodeErr)
	}
}

// msg is one JSON line printed by testdata/node/client.mjs.
type msg struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Event     string            `json:"event"`
	SID       string            `json:"sid"`
	Recovered bool              `json:"recovered"`
	Reason    string            `json:"reason"`
	Message   string            `json:"message"`
	Error     *string           `json:"error"`
	Args      []json.RawMessage `json:"args"`
	Seq       *uint64           `json:"seq"`
	NArgs     int               `json:"nargs"`
	Connected bool              `json:"connected"`
	PID       *string           `json:"pid"`
	Offset    *string           `json:"lastOffset"`
	raw       string
}

func (m msg) String() string { return m.raw }

// arg decodes argument i into v.
func (m msg) arg(t testing.TB, i int, v any) {
	t.Helper()
	if i >= len(m.Args) {
		t.Fatalf("%s: no argument %d", m.raw, i)
	}
	if err := json.Unmarshal(m.Args[i], v); err != nil {
		t.Fatalf("%s: argument %d: %v", m.raw, i, err)
	}
}

// nodeClient runs client.mjs; every output line is kept in log.
type nodeClient struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr syncBuffer // written by exec's copying goroutine while a failing wait reads it
	done   chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	log     []msg
	exited  bool
	cancel  context.CancelFunc
	waitErr error
}

func startNode(t testing.TB, baseURL string) *nodeClient {
	t.Helper()
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	n := &nodeClient{t: t, done: make(chan struct{}), cancel: cancel}
	n.cond = sync.NewCond(&n.mu)
	n.cmd = exec.CommandContext(ctx, "node", filepath.Join(nodeDir, "client.mjs"))
	n.cmd.Env = append(os.Environ(), "RTS_URL="+baseURL)
	n.cmd.Stderr = &n.stderr
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if n.stdin, err = n.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("starting node: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var m msg
			line := sc.Text()
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				m = msg{Type: "unparsed"}
			}
			m.raw = line
			n.mu.Lock()
			n.log = append(n.log, m)
			n.cond.Broadcast()
			n.mu.Unlock()
		}
		err := n.cmd.Wait()
		n.mu.Lock()
		n.exited, n.waitErr = true, err
		n.cond.Broadcast()
		n.mu.Unlock()
		close(n.done)
	}()
	t.Cleanup(n.stop)
	n.waitFor(func(m msg) bool { return m.Type == "ready" }, 20*time.Second, "node ready")
	return n
}

func (n *nodeClient) stop() {
	n.send(map[string]any{"op": "exit"})
	select {
	case <-n.done:
	case <-time.After(5 * time.Second):
		n.cancel()
		<-n.done
	}
	n.cancel()
	if e := n.errors(); e != "" {
		n.t.Errorf("node client reported errors: %s", e)
	}
}

func (n *nodeClient) errors() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var b strings.Builder
	for _, m := range n.log {
		if m.Type == "error" || m.Type == "unparsed" {
			b.WriteString(m.raw + "\n")
		}
	}
	return b.String()
}

func (n *nodeClient) send(cmd map[string]any) {
	b, _ := json.Marshal(cmd)
	_, _ = n.stdin.Write(append(b, '\n'))
}

// waitFor returns the first message of the whole log matching pred, waiting
// up to d for it.
func (n *nodeClient) waitFor(pred func(msg) bool, d time.Duration, what string) msg {
	n.t.Helper()
	var found msg
	n.waitLog(func(log []msg) bool {
		for _, m := range log {
			if pred(m) {
				found = m
				return true
			}
		}
		return false
	}, d, what)
	return found
}

// waitCount waits until k messages of the log match pred.
func (n *nodeClient) waitCount(pred func(msg) bool, k int, d time.Duration, what string) {
	n.t.Helper()
	n.waitLog(func(log []msg) bool {
		seen := 0
		for _, m := range log {
			if pred(m) {
				seen++
			}
		}
		return seen >= k
	}, d, what)
}

// waitLog waits up to d until check(log) holds.
func (n *nodeClient) waitLog(check func([]msg) bool, d time.Duration, what string) {
	n.t.Helper()
	deadline := time.Now().Add(d)
	timer := time.AfterFunc(d, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	})
	defer timer.Stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		if check(n.log) {
			return
		}
		if n.exited || time.Now().After(deadline) {
			n.t.Fatalf("waiting for %s: not seen in %v (node exited: %v %v)\nlog:\n%s\nstderr:\n%s",
				what, d, n.exited, n.waitErr, n.dumpLocked(), n.stderr.String())
		}
		n.cond.Wait()
	}
}

// all returns every message matching pred so far.
func (n *nodeClient) all(pred func(msg) bool) []msg {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []msg
	for _, m := range n.log {
		if pred(m) {
			out = append(out, m)
		}
	}
	return out
}

func (n *nodeClient) dumpLocked() string {
	var b strings.Builder
	start := max(0, len(n.log)-60)
	for _, m := range n.log[start:] {
		s := m.raw
		if len(s) > 300 {
			s = s[:300] + "…"
		}
		b.WriteString("  " + s + "\n")
	}
	return b.String()
}

// Predicates.
func isConnect(id string) func(msg) bool {
	return func(m msg) bool { return m.ID == id && m.Type == "connect" }
}

func isEvent(id, event string) func(msg) bool {
	return func(m msg) bool { return m.ID == id && m.Type == "event" && m.Event == event }
}

// ---- the server under test ---------------------------------------------

// users of the stand-in Appsmith backend, by SESSION cookie.
var testUsers = map[string]User{
	"alice": {Name: "Alice", Email: "alice@x"},
	"bob":   {Name: "Bob", Email: "bob@x"},
	"carol": {Name: "Carol", Email: "carol@x"},
}

type testEnv struct {
	t        testing.TB
	srv      *Server
	hs       *httptest.Server
	backend  *httptest.Server
	reg      *prometheus.Registry
	meCalls  atomic.Int64
	logs     *syncBuffer
	shutdown bool
}

// newEnv starts the stand-in backend and the server under test on
// 127.0.0.1 and registers their shutdown and a goroutine-leak check.
func newEnv(t testing.TB, mutate func(*Options)) *testEnv {
	t.Helper()
	return newEnvLeaks(t, mutate, true)
}

// newEnvLeaks is newEnv; checkLeaks=false leaves the goroutine-leak check to
// the caller (tests with several Servers check once, after all of them).
func newEnvLeaks(t testing.TB, mutate func(*Options), checkLeaks bool) *testEnv {
	t.Helper()
	before := socketioGoroutines()
	e := &testEnv{t: t, reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	e.backend = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/users/me" {
			http.NotFound(w, r)
			return
		}
		e.meCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		c, err := r.Cookie("SESSION")
		if err == nil {
			if u, ok := testUsers[c.Value]; ok {
				_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"email": u.Email, "name": u.Name}})
				return
			}
			if c.Value == "expired" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		_, _ = io.WriteString(w, `{"data":{"email":"anonymousUser","name":"anonymousUser"}}`)
	}))
	opts := Options{
		APIBaseURL:     e.backend.URL + "/api/v1",
		ReleaseVersion: "v1.2.3-test",
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer:     e.reg,
	}
	if mutate != nil {
		mutate(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	mux.Handle("/rts/", srv)
	mux.Handle("/rts-publish", srv.PublishHandler())
	e.hs = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.close()
		e.backend.Close()
		if checkLeaks {
			checkNoLeaks(t, before)
		}
	})
	return e
}

func (e *testEnv) close() {
	if e.shutdown {
		return
	}
	e.shutdown = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		e.t.Errorf("Shutdown: %v", err)
	}
	e.hs.Close()
}

func (e *testEnv) wsURL() string {
	return "ws" + strings.TrimPrefix(e.hs.URL, "http") + "/rts/?EIO=4&transport=websocket"
}

func (e *testEnv) publish(room, event string, payload any) uint64 {
	e.t.Helper()
	seq, err := e.srv.Publish(room, event, payload)
	if err != nil {
		e.t.Fatalf("Publish: %v", err)
	}
	return seq
}

// counter reads a metric value from the test registry.
func (e *testEnv) counter(name string, labels ...string) float64 {
	e.t.Helper()
	return metricValue(e.t, e.reg, name, labels...)
}

// metricValue returns the value of the counter or gauge name whose labels
// include the given name/value pairs (0 when there is none).
func metricValue(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}

func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ---- goroutine leaks -----------------------------------------------------

// socketioGoroutines returns the ids ("goroutine N") of goroutines running
// code of this package (outside tests).
func socketioGoroutines() map[string]bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]bool{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "rts/transport/socketio.(*") && !strings.Contains(g, "_test.go") {
			header, _, _ := strings.Cut(g, " [") // "goroutine N"
			out[header] = true
		}
	}
	return out
}

// checkNoLeaks fails when goroutines of this package that did not exist
// before are still running shortly after the server was shut down.
func checkNoLeaks(t testing.TB, before map[string]bool) {
	t.Helper()
	for range 300 {
		leaked := 0
		for g := range socketioGoroutines() {
			if !before[g] {
				leaked++
			}
		}
		if leaked == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Errorf("goroutines of this package leaked; all goroutines:\n%s", buf[:runtime.Stack(buf, true)])
}

// ---- a raw protocol client (gorilla) ---------------------------------------

type rawClient struct {
	t  testing.TB
	ws *websocket.Conn
}

// dialRaw opens a WebSocket, reads the open packet and connects to "/".
func dialRaw(t testing.TB, e *testEnv, cookie string, hdr http.Header) *rawClient {
	t.Helper()
	return dialRawWith(t, websocket.DefaultDialer, e, cookie, hdr)
}

// dialRawWith is dialRaw through d.
func dialRawWith(t testing.TB, d *websocket.Dialer, e *testEnv, cookie string, hdr http.Header) *rawClient {
	t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	if cookie != "" {
		hdr.Set("Cookie", cookie)
	}
	ws, resp, err := d.Dial(e.wsURL(), hdr)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	c := &rawClient{t: t, ws: ws}
	t.Cleanup(func() { ws.Close() })
	if open := c.read(); !strings.HasPrefix(open, "0{") {
		t.Fatalf("first frame %q is not an open packet", open)
	}
	return c
}

func (c *rawClient) write(s string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// read returns the next text frame, answering pings on the way.
func (c *rawClient) read() string {
	c.t.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if string(b) == "2" {
			c.write("3")
			continue
		}
		return string(b)
	}
}

// readUntil reads frames until one has the prefix.
func (c *rawClient) readUntil(prefix string) string {
	c.t.Helper()
	for {
		if f := c.read(); strings.HasPrefix(f, prefix) {
			return f
		}
	}
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
