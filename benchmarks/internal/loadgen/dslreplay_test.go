package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// writeDSLCorpus writes lines as a gzip JSON Lines file and returns its path.
func writeDSLCorpus(t *testing.T, lines ...string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range lines {
		io.WriteString(zw, l+"\n")
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dsl.jsonl.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// threeDSLs: two pages that migrate, one on which Appsmith's migration throws.
var threeDSLs = []string{
	`{"id":"a","fromVersion":3,"input":{"widgetName": "MainContainer", "version": 3, "children": []},"expected":{"version":94},"nondeterministic":[]}`,
	`{"id":"b","fromVersion":null,"input":{"widgetName":"MainContainer","children":[{"type":"TABLE_WIDGET"}]},"expected":{"version":94},"nondeterministic":[]}`,
	`{"id":"c","fromVersion":12,"input":{"version":12,"throw":true},"expected":null,"nondeterministic":[],"error":"TypeError: x"}`,
}

func TestLoadDSLCorpus(t *testing.T) {
	t.Parallel()
	cases, err := LoadDSLCorpus(writeDSLCorpus(t, threeDSLs...))
	if err != nil {
		t.Fatal(err)
	}
	want := []DSLCase{
		{ID: "a", Body: []byte(`{"widgetName":"MainContainer","version":3,"children":[]}`)},
		{ID: "b", Body: []byte(`{"widgetName":"MainContainer","children":[{"type":"TABLE_WIDGET"}]}`)},
		{ID: "c", Body: []byte(`{"version":12,"throw":true}`), WantError: true},
	}
	if len(cases) != len(want) {
		t.Fatalf("%d cases, want %d", len(cases), len(want))
	}
	for i, c := range cases {
		if c.ID != want[i].ID || string(c.Body) != string(want[i].Body) || c.WantError != want[i].WantError {
			t.Errorf("case %d = {%s %s %v}, want {%s %s %v}", i, c.ID, c.Body, c.WantError, want[i].ID, want[i].Body, want[i].WantError)
		}
	}
}

func TestLoadDSLCorpusErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		path  func(t *testing.T) string
		error string
	}{
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none.jsonl.gz") }, "no such file"},
		{"no case", func(t *testing.T) string { return writeDSLCorpus(t) }, "no DSL cases"},
		{"input not an object", func(t *testing.T) string { return writeDSLCorpus(t, `{"id":"x","input":[1],"expected":null}`) }, ":1: input is not a JSON object"},
		{"no input", func(t *testing.T) string { return writeDSLCorpus(t, threeDSLs[0], `{"id":"x"}`) }, ":2: input is not a JSON object"},
		{"not JSON", func(t *testing.T) string { return writeDSLCorpus(t, `{"id":`) }, ":1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadDSLCorpus(tc.path(t))
			if err == nil || !strings.Contains(err.Error(), tc.error) {
				t.Fatalf("error %v, want one containing %q", err, tc.error)
			}
		})
	}
}

// The shared corpus: 705 pages, 7 of them make Appsmith's migration throw.
func TestLoadDSLCorpusShared(t *testing.T) {
	t.Parallel()
	cases, err := LoadDSLCorpus("")
	if err != nil {
		t.Fatal(err)
	}
	throws := 0
	for _, c := range cases {
		if c.WantError {
			throws++
		}
	}
	if len(cases) != 705 || throws != 7 {
		t.Fatalf("%d cases, %d throwing; want 705 and 7", len(cases), throws)
	}
}

// migrateServer imitates the migrate route: 200 and the DSL back, or
// Appsmith's 500 for a body asking to throw. It records how many requests
// were in flight at once and how many connections were opened.
type migrateServer struct {
	*httptest.Server
	requests, inFlight, maxInFlight, conns atomic.Int64
	secret                                 atomic.Value // the last x-rts-secret seen
	answer                                 func(body []byte) (int, string)
}

func newMigrateServer(t *testing.T, answer func(body []byte) (int, string)) *migrateServer {
	t.Helper()
	m := &migrateServer{answer: answer}
	if m.answer == nil {
		m.answer = func(body []byte) (int, string) {
			if bytes.Contains(body, []byte(`"throw":true`)) {
				return 500, `{"success":false,"message":"Something went wrong","data":{"error":"Something went wrong"}}`
			}
			return 200, `{"success":true,"data":` + string(body) + `}`
		}
	}
	m.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		n := m.inFlight.Add(1)
		defer m.inFlight.Add(-1)
		for {
			old := m.maxInFlight.Load()
			if n <= old || m.maxInFlight.CompareAndSwap(old, n) {
				break
			}
		}
		m.secret.Store(r.Header.Get("x-rts-secret"))
		if r.Method != http.MethodPost || r.URL.Path != MigratePath || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		code, text := m.answer(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, text)
	}))
	m.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			m.conns.Add(1)
		}
	}
	m.Start()
	t.Cleanup(m.Close)
	return m
}

func mustLoad(t *testing.T, lines ...string) []DSLCase {
	t.Helper()
	cases, err := LoadDSLCorpus(writeDSLCorpus(t, lines...))
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// Every case once a round, one at a time on one keep-alive connection; the
// throwing case's 500 counts as the right answer.
func TestReplayDSL(t *testing.T) {
	t.Parallel()
	srv := newMigrateServer(t, nil)
	cases := mustLoad(t, threeDSLs...)
	res, err := ReplayDSL(context.Background(), DSLReplayConfig{URL: srv.URL + "/", Rounds: 3, Warmup: 1, Secret: "s3"}, cases)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 9 || res.OK != 9 || res.Failed != 0 || res.FirstError != "" {
		t.Errorf("requests %d ok %d failed %d (%s), want 9 9 0", res.Requests, res.OK, res.Failed, res.FirstError)
	}
	if got := res.StatusCodes; len(got) != 2 || got["200"] != 6 || got["500"] != 3 {
		t.Errorf("status codes %v, want 200×6 500×3", got)
	}
	// 1 probe + 1 warm-up round + 3 measured rounds of 3.
	if n := srv.requests.Load(); n != 13 {
		t.Errorf("server saw %d requests, want 13", n)
	}
	if n := srv.maxInFlight.Load(); n != 1 {
		t.Errorf("%d requests in flight at once, want 1", n)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections opened, want 1 (keep-alive)", n)
	}
	if s := srv.secret.Load(); s != "s3" {
		t.Errorf("x-rts-secret %q, want s3", s)
	}
	if res.Latency.Count != 9 || len(res.RoundSeconds) != 3 || res.Stopped != "3 rounds" {
		t.Errorf("latency count %d, rounds %v, stopped %q", res.Latency.Count, res.RoundSeconds, res.Stopped)
	}
	if res.Cases != 3 || res.Largest.ID != "b" || res.Largest.Bytes != len(cases[1].Body) {
		t.Errorf("cases %d, largest %+v; want 3 and b", res.Cases, res.Largest)
	}
	var text, js bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"requests    9: ok 9, failed 0 (status 200×6 500×3)", "3 rounds measured after 1 warm-up", "req/s", "p50 ", "p99 ", "largest     b,"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back["ok"] != float64(9) {
		t.Errorf("JSON output %s (%v)", js.String(), err)
	}
}

// Wrong answers are counted, never hidden, and the first one is named.
func TestReplayDSLCountsWrongAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(body []byte) (int, string)
		failed int64
		first  string
	}{
		{"404 everywhere", func([]byte) (int, string) { return 404, `{"success":false,"message":"Cannot POST"}` }, 6, "a: HTTP 404, want 200"},
		{"200 where Appsmith throws", func([]byte) (int, string) { return 200, `{"success":true,"data":{}}` }, 2, "c: HTTP 200, want 500"},
		{"200 without success", func(b []byte) (int, string) {
			if bytes.Contains(b, []byte("throw")) {
				return 500, `{"success":false}`
			}
			return 200, `{"data":{}}`
		}, 4, `a: HTTP 200 without "success":true`},
		{"500 without the envelope", func(b []byte) (int, string) {
			if bytes.Contains(b, []byte("throw")) {
				return 500, `Internal Server Error`
			}
			return 200, `{"success":true}`
		}, 2, `c: HTTP 500 without "success":false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newMigrateServer(t, tc.answer)
			res, err := ReplayDSL(context.Background(), DSLReplayConfig{URL: srv.URL, Rounds: 2}, mustLoad(t, threeDSLs...))
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 6 || res.Failed != tc.failed || res.OK != 6-tc.failed {
				t.Errorf("requests %d ok %d failed %d, want 6 %d %d", res.Requests, res.OK, res.Failed, 6-tc.failed, tc.failed)
			}
			if !strings.HasPrefix(res.FirstError, tc.first) {
				t.Errorf("first error %q, want prefix %q", res.FirstError, tc.first)
			}
		})
	}
}

func TestReplayDSLBadConfig(t *testing.T) {
	t.Parallel()
	cases := mustLoad(t, threeDSLs...)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		name  string
		cfg   DSLReplayConfig
		cases []DSLCase
		error string
	}{
		{"no rounds", DSLReplayConfig{URL: "http://127.0.0.1:1", Rounds: 0}, cases, "rounds must be within"},
		{"too many rounds", DSLReplayConfig{URL: "http://127.0.0.1:1", Rounds: MaxRounds + 1}, cases, "rounds must be within"},
		{"negative warm-up", DSLReplayConfig{URL: "http://127.0.0.1:1", Rounds: 1, Warmup: -1}, cases, "rounds must be within"},
		{"bad URL", DSLReplayConfig{URL: "ftp://x", Rounds: 1}, cases, "scheme must be http"},
		{"no cases", DSLReplayConfig{URL: "http://127.0.0.1:1", Rounds: 1}, nil, "no DSL cases"},
		{"negative spin", DSLReplayConfig{URL: "http://127.0.0.1:1", Rounds: 1, Spin: -1}, cases, "spin must be within"},
		{"long spin", DSLReplayConfig{URL: "http://127.0.0.1:1", Rounds: 1, Spin: MaxSpin + 1}, cases, "spin must be within"},
		{"unreachable", DSLReplayConfig{URL: closed.URL, Rounds: 1}, cases, "did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReplayDSL(context.Background(), tc.cfg, tc.cases)
			if err == nil || !strings.Contains(err.Error(), tc.error) {
				t.Fatalf("error %v, want one containing %q", err, tc.error)
			}
		})
	}
}

// A cancel (Ctrl-C) ends the replay at once with what was measured so far.
func TestReplayDSLCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var seen atomic.Int64
	srv := newMigrateServer(t, func(body []byte) (int, string) {
		if seen.Add(1) == 5 { // the probe, then 4 measured: cancel in the second round
			once.Do(cancel)
		}
		return 200, `{"success":true}`
	})
	cases := mustLoad(t, threeDSLs[:2]...)
	res, err := ReplayDSL(ctx, DSLReplayConfig{URL: srv.URL, Rounds: 100}, cases)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != "cancelled" || res.Requests > 4 || res.Failed != 0 {
		t.Errorf("stopped %q after %d requests (%d failed); want cancelled, at most 4, none failed", res.Stopped, res.Requests, res.Failed)
	}
}
