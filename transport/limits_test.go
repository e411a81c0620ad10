package transport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/analysis"
)

// countExtracts replaces h's analysis with one that counts its calls;
// call it before h serves.
func countExtracts(h *Handler) *atomic.Int64 {
	var n atomic.Int64
	orig := h.extract
	h.extract = func(s string, v int, inv map[string]bool) analysis.IdentifierInfo {
		n.Add(1)
		return orig(s, v, inv)
	}
	return &n
}

func scriptsBody(n int, script func(i int) string) string {
	var b strings.Builder
	b.WriteString(`{"scripts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(script(i)))
	}
	b.WriteString(`]}`)
	return b.String()
}

func TestMaxScripts(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{MaxScripts: 3})
	calls := countExtracts(h)
	srv := newTestServerHandler(t, h)
	distinct := func(i int) string { return fmt.Sprintf("Api%d.data", i) }
	if res := srv.post(t, multiple, scriptsBody(3, distinct)); res.status != 200 {
		t.Errorf("3 scripts, limit 3: %d %s", res.status, res.body)
	}
	calls.Store(0)
	res := srv.post(t, multiple, scriptsBody(4, distinct))
	want := `{"success":false,"message":"4 scripts in one request; the limit is 3","data":{"error":"4 scripts in one request; the limit is 3"}}`
	if res.status != 413 || res.body != want {
		t.Errorf("4 scripts, limit 3: %d %s", res.status, res.body)
	}
	if calls.Load() != 0 {
		t.Errorf("%d scripts analysed for a refused request", calls.Load())
	}
	// Wrong-typed elements past the limit are not listed: the count is enough.
	if res := srv.post(t, multiple, `{"scripts":["a",1,2,3,4]}`); res.status != 413 {
		t.Errorf("5 elements: %d %s", res.status, res.body)
	}

	def := newTestServer(t, Options{})
	if res := def.post(t, multiple, scriptsBody(DefaultMaxScripts, func(int) string { return "a" })); res.status != 200 {
		t.Errorf("%d scripts by default: %d %.200s", DefaultMaxScripts, res.status, res.body)
	}
	if res := def.post(t, multiple, scriptsBody(DefaultMaxScripts+1, func(int) string { return "a" })); res.status != 413 ||
		!strings.Contains(res.body, "10001 scripts in one request; the limit is 10000") {
		t.Errorf("%d scripts by default: %d %.200s", DefaultMaxScripts+1, res.status, res.body)
	}
	if m := get(t, def.Server, PathMetrics); !strings.Contains(m, `rts_http_rejected_total{reason="scripts"} 1`+"\n") {
		t.Error("the refusal is not counted")
	}
}

func TestMaxAnswerBytes(t *testing.T) {
	t.Parallel()
	for _, cache := range []int64{-1, 0} {
		srv := newTestServer(t, Options{MaxAnswerBytes: 1000, ExtractCacheBytes: cache})
		long := strings.Repeat("x", 1000) + ".data"
		want := `{"success":false,"message":"The answer would be larger than 1000 bytes; send fewer or smaller scripts per request",` +
			`"data":{"error":"The answer would be larger than 1000 bytes; send fewer or smaller scripts per request"}}`
		for i := range 2 { // the second time from the cache, when there is one
			if res := srv.post(t, single, `{"script":"`+long+`"}`); res.status != 413 || res.body != want {
				t.Errorf("cache %d, pass %d: single: %d %s", cache, i, res.status, res.body)
			}
			if res := srv.post(t, multiple, scriptsBody(20, func(i int) string { return fmt.Sprintf("Api%d.data", i) })); res.status != 413 || res.body != want {
				t.Errorf("cache %d, pass %d: multiple: %d %s", cache, i, res.status, res.body)
			}
			if res := srv.post(t, rename, `{"script":"`+long+`","oldName":"a","newName":"b","isJSObject":false}`); res.status != 413 || res.body != want {
				t.Errorf("cache %d, pass %d: entity-refactor: %d %s", cache, i, res.status, res.body)
			}
		}
		if res := srv.post(t, multiple, scriptsBody(5, func(i int) string { return fmt.Sprintf("Api%d.data", i) })); res.status != 200 {
			t.Errorf("cache %d: an answer under the limit: %d %s", cache, res.status, res.body)
		}
		// A repeated script counts each time it is answered.
		if res := srv.post(t, multiple, scriptsBody(20, func(int) string { return "Api1.data" })); res.status != 413 {
			t.Errorf("cache %d: 20 times one script: %d %.100s", cache, res.status, res.body)
		}
	}
}

// blockExtracts makes h's analysis of script wait until release is
// closed, telling entered each time it starts waiting; call it before h
// serves.
func blockExtracts(h *Handler, script string) (entered chan struct{}, release chan struct{}) {
	entered, release = make(chan struct{}, 16), make(chan struct{})
	orig := h.extract
	h.extract = func(s string, v int, inv map[string]bool) analysis.IdentifierInfo {
		if s == script {
			entered <- struct{}{}
			<-release
		}
		return orig(s, v, inv)
	}
	return entered, release
}

func TestHeavyGate(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{MaxHeavy: 1, HeavyQueue: 1, ExtractCacheBytes: -1})
	entered, release := blockExtracts(h, "BLOCK")
	srv := newTestServerHandler(t, h)

	type answer struct {
		status int
		body   string
	}
	results := make(chan answer, 2)
	send := func(body string) {
		res := srv.post(t, multiple, body)
		results <- answer{res.status, res.body}
	}
	go send(`{"scripts":["BLOCK","a"]}`) // runs, and blocks
	<-entered
	go send(`{"scripts":["b","c"]}`) // waits for a turn
	for h.gate.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	res := srv.post(t, multiple, `{"scripts":["d"]}`) // finds the line full
	busy := `{"success":false,"message":"The server is busy with 1 large requests and 1 waiting; retry in a second",` +
		`"data":{"error":"The server is busy with 1 large requests and 1 waiting; retry in a second"}}`
	if res.status != 503 || res.body != busy || res.header.Get("Retry-After") != "1" {
		t.Errorf("third heavy request: %d %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	// Small requests never wait for heavy ones.
	if res := srv.post(t, single, `{"script":"Api1.data"}`); res.status != 200 {
		t.Errorf("single-script-data while heavy requests wait: %d %s", res.status, res.body)
	}
	if res := srv.post(t, rename, `{"script":"Api1.data","oldName":"Api1","newName":"Api2","isJSObject":false}`); res.status != 200 {
		t.Errorf("entity-refactor while heavy requests wait: %d %s", res.status, res.body)
	}
	// A large single script is heavy.
	if res := srv.post(t, single, `{"script":"`+strings.Repeat("a", heavyBodyBytes)+`"}`); res.status != 503 {
		t.Errorf("a %d KB script while the line is full: %d %.100s", heavyBodyBytes>>10, res.status, res.body)
	}
	close(release)
	for range 2 {
		if a := <-results; a.status != 200 {
			t.Errorf("admitted request: %d %s", a.status, a.body)
		}
	}
	if m := get(t, srv.Server, PathMetrics); !strings.Contains(m, `rts_http_rejected_total{reason="busy"} 2`+"\n") ||
		!strings.Contains(m, "rts_http_heavy_waiting 0\n") || !strings.Contains(m, "rts_http_heavy_running 0\n") {
		t.Errorf("metrics after: %s", grepLines(m, "rts_http_heavy", "rejected"))
	}
}

// TestHeavyWaitEndsAtTheDeadline: a request waiting for a turn that never
// comes is answered when its time is up.
func TestHeavyWaitEndsAtTheDeadline(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{MaxHeavy: 1, HeavyQueue: 1, RequestTimeout: 300 * time.Millisecond, ExtractCacheBytes: -1})
	entered, release := blockExtracts(h, "BLOCK")
	srv := newTestServerHandler(t, h)
	first := make(chan struct{})
	go func() {
		defer close(first)
		if res, err := srv.Client().Post(srv.URL+multiple, "application/json", strings.NewReader(`{"scripts":["BLOCK"]}`)); err == nil {
			res.Body.Close()
		}
	}()
	<-entered
	res := srv.post(t, multiple, `{"scripts":["a"]}`)
	if res.status != 503 || !strings.Contains(res.body, "Request timed out") {
		t.Errorf("waiting past the deadline: %d %s", res.status, res.body)
	}
	close(release)
	<-first
}

func grepLines(s string, subs ...string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		for _, sub := range subs {
			if strings.Contains(line, sub) && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestRefusalsAreReadable is a client that writes its whole body before
// reading (Python's urllib, many HTTP libraries): whatever the refusal, it
// reads the JSON answer instead of a broken pipe or a reset.
func TestRefusalsAreReadable(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{Secret: "s"})
	addr := srv.Listener.Addr().String()
	big := bytes.Repeat([]byte("a"), 6<<20)
	tests := []struct {
		name    string
		head    string
		chunked bool
		status  int
		msg     string
	}{
		{"declared too large", "POST " + single + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Rts-Secret: s\r\nContent-Type: application/json\r\n", false, 413, "Request body is larger than 5 MB"},
		{"chunked too large", "POST " + single + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Rts-Secret: s\r\nContent-Type: application/json\r\n", true, 413, "Request body is larger than 5 MB"},
		{"foreign host", "POST " + single + " HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: application/json\r\n", false, 421, "Misdirected request"},
		{"no secret", "POST " + single + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n", false, 401, "Unauthorized"},
		{"unknown route", "POST /rts-api/v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Rts-Secret: s\r\n", false, 404, "Cannot POST"},
		{"not JSON", "POST " + single + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Rts-Secret: s\r\nContent-Type: text/plain\r\n", false, 400, "Validation error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(hangGuard))
			var req bytes.Buffer
			req.WriteString(tt.head)
			if tt.chunked {
				req.WriteString("Transfer-Encoding: chunked\r\n\r\n")
				for off := 0; off < len(big); off += 64 << 10 {
					fmt.Fprintf(&req, "%x\r\n", 64<<10)
					req.Write(big[off : off+64<<10])
					req.WriteString("\r\n")
				}
				req.WriteString("0\r\n\r\n")
			} else {
				fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n", len(big))
				req.Write(big)
			}
			if _, err := c.Write(req.Bytes()); err != nil {
				t.Fatalf("writing the request: %v", err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			b, err := io.ReadAll(res.Body)
			if err != nil || res.StatusCode != tt.status || !strings.Contains(string(b), tt.msg) {
				t.Errorf("got %d %.200s (%v), want %d %q", res.StatusCode, b, err, tt.status, tt.msg)
			}
		})
	}

	// A client that waits for 100 Continue is refused without sending its body.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangGuard))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Rts-Secret: s\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", single, len(big))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || res.StatusCode != 413 {
		t.Errorf("Expect: 100-continue: %v %v, want 413 before the body", res, err)
	}
}

// newTestServerHandler serves an existing Handler on loopback.
func newTestServerHandler(t *testing.T, h *Handler) *testServer {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv}
}

// TestWorkPool: a panic while analysing gives the tokens back, and a batch
// that cannot get one before its deadline is answered.
func TestWorkPool(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 64), make(chan struct{})
	// pooled is a handler with two tokens whose analysis panics on BOOM
	// and waits for release on BLOCK.
	pooled := func(timeout time.Duration) (*Handler, *testServer) {
		h := mustHandler(t, Options{ExtractCacheBytes: -1, RequestTimeout: timeout})
		orig := h.extract
		h.extract = func(s string, v int, inv map[string]bool) analysis.IdentifierInfo {
			switch s {
			case "BOOM":
				panic("boom")
			case "BLOCK":
				entered <- struct{}{}
				<-release
			}
			return orig(s, v, inv)
		}
		h.pool = newWorkPool(2)
		return h, newTestServerHandler(t, h)
	}
	// The default time limit: however slow the machine, these batches are
	// answered before it.
	h, srv := pooled(0)
	batch := func(tag, special string) string {
		return scriptsBody(100, func(i int) string {
			if i == 50 {
				return special
			}
			return fmt.Sprintf("%s%d.data", tag, i)
		})
	}
	for i := range 3 {
		if res := srv.post(t, multiple, batch(fmt.Sprint("a", i), "BOOM")); res.status != 500 {
			t.Fatalf("a panicking batch: %d %s", res.status, res.body)
		}
		if n := len(h.pool.tokens); n != 0 {
			t.Fatalf("%d tokens still held after a panic", n)
		}
	}
	if res := srv.post(t, multiple, batch("b", "c.data")); res.status != 200 {
		t.Errorf("after the panics: %d %.100s", res.status, res.body)
	}

	// A short limit, which the batch waiting for a token runs out (the
	// small request below has the same limit and takes no token).
	_, srv = pooled(2 * time.Second)
	// Two batches block while holding both tokens; a third times out waiting.
	done := make(chan int, 2)
	for i := range 2 {
		go func() {
			res, err := srv.Client().Post(srv.URL+multiple, "application/json", strings.NewReader(`{"scripts":["BLOCK","x`+fmt.Sprint(i)+`"]}`))
			if err != nil {
				done <- 0
				return
			}
			res.Body.Close()
			done <- res.StatusCode
		}()
	}
	<-entered
	<-entered
	if res := srv.post(t, multiple, `{"scripts":["c"]}`); res.status != 503 || !strings.Contains(res.body, "Request timed out") {
		t.Errorf("a batch with no token free: %d %s", res.status, res.body)
	}
	// Small requests do not need a token.
	if res := srv.post(t, single, `{"script":"d"}`); res.status != 200 {
		t.Errorf("single-script-data with no token free: %d %s", res.status, res.body)
	}
	close(release)
	for range 2 {
		<-done
	}
}
