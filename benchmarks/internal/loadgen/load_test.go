package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func ms2d(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x * float64(time.Millisecond))
	}
	return out
}

// seq returns 1..n milliseconds.
func seq(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample p50", ms2d(7), 50, 7 * time.Millisecond},
		{"one sample p99", ms2d(7), 99, 7 * time.Millisecond},
		{"p0 is min", seq(10), 0, 1 * time.Millisecond},
		{"negative is min", seq(10), -5, 1 * time.Millisecond},
		{"p10 of 10", seq(10), 10, 1 * time.Millisecond},
		{"p11 of 10", seq(10), 11, 2 * time.Millisecond},
		{"p50 of 10", seq(10), 50, 5 * time.Millisecond},
		{"p51 of 10", seq(10), 51, 6 * time.Millisecond},
		{"p90 of 10", seq(10), 90, 9 * time.Millisecond},
		{"p99 of 10", seq(10), 99, 10 * time.Millisecond},
		{"p100 is max", seq(10), 100, 10 * time.Millisecond},
		{"over 100 is max", seq(10), 150, 10 * time.Millisecond},
		{"p50 of 2", ms2d(1, 3), 50, 1 * time.Millisecond},
		{"p50 of 3", ms2d(1, 2, 3), 50, 2 * time.Millisecond},
		{"p50 of 4", ms2d(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100", seq(100), 99, 99 * time.Millisecond},
		{"p99.9 of 1000", seq(1000), 99.9, 999 * time.Millisecond},
		{"p99 of 1000", seq(1000), 99, 990 * time.Millisecond},
		{"p99.99 of 1000", seq(1000), 99.99, 1000 * time.Millisecond},
		{"p50 of 1001", seq(1001), 50, 501 * time.Millisecond},
		{"ties", ms2d(1, 1, 1, 5, 5), 60, 1 * time.Millisecond},
		{"ties above", ms2d(1, 1, 1, 5, 5), 61, 5 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percentile(tc.samples, tc.p); got != tc.want {
				t.Errorf("Percentile(%d samples, %v) = %v, want %v", len(tc.samples), tc.p, got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	s := seq(1000)
	rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	got := Summarize(s)
	want := Latency{
		Count: 1000,
		Min:   1 * time.Millisecond,
		Mean:  500500 * time.Microsecond,
		P50:   500 * time.Millisecond,
		P90:   900 * time.Millisecond,
		P99:   990 * time.Millisecond,
		P999:  999 * time.Millisecond,
		Max:   1000 * time.Millisecond,
	}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if (Summarize(nil) != Latency{}) {
		t.Error("Summarize(nil) is not zero")
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"count":1000,"minMs":1,"meanMs":500.5,"p50Ms":500,"p90Ms":900,"p99Ms":990,"p999Ms":999,"maxMs":1000}`
	if string(b) != wantJSON {
		t.Errorf("JSON %s, want %s", b, wantJSON)
	}
}

// smallCorpus is a corpus made up in the test, so the generator's output
// can be checked exactly.
func smallCorpus() *Corpus {
	return &Corpus{
		Extract: []ExtractCase{
			{Script: "Api1.data", EvalVersion: 2},
			{Script: `a < b && "x" ? Table1.selectedRow["name"] : '\n'`, EvalVersion: 1},
			{Script: "é ✓ \u2028", EvalVersion: 2},
		},
		Refactor: []RefactorCase{
			{Script: "Api1.run()", OldName: "Api1", NewName: "Api2", EvalVersion: 2},
			{Script: "export default { f: () => Api1.data }", OldName: "Api1", NewName: "Api_2", IsJSObject: true, EvalVersion: 2},
		},
	}
}

// strictDecode decodes body into v, rejecting unknown fields and trailing
// data.
func strictDecode(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if dec.More() {
		t.Fatalf("body %s: trailing data", body)
	}
}

// checkRequest validates one generated request: path per endpoint, a body
// of exactly the fields the endpoint takes, with the right types.
func checkRequest(t *testing.T, r *Request, batch int) {
	t.Helper()
	if !json.Valid(r.Body) {
		t.Fatalf("invalid JSON: %s", r.Body)
	}
	var raw map[string]json.RawMessage
	strictDecode(t, r.Body, &raw)
	switch r.Endpoint {
	case Single:
		if r.Path != PathSingle || r.Scripts != 1 {
			t.Fatalf("single request: path %s, %d scripts", r.Path, r.Scripts)
		}
		var b struct {
			Script      *string `json:"script"`
			EvalVersion *int    `json:"evalVersion"`
		}
		strictDecode(t, r.Body, &b)
		if b.Script == nil || b.EvalVersion == nil || (*b.EvalVersion != 1 && *b.EvalVersion != 2) {
			t.Fatalf("single body %s", r.Body)
		}
	case Multiple:
		if r.Path != PathMultiple || r.Scripts != batch {
			t.Fatalf("multiple request: path %s, %d scripts, want %d", r.Path, r.Scripts, batch)
		}
		var b struct {
			Scripts     []string `json:"scripts"`
			EvalVersion *int     `json:"evalVersion"`
		}
		strictDecode(t, r.Body, &b)
		if len(b.Scripts) != batch || b.EvalVersion == nil || *b.EvalVersion != 2 {
			t.Fatalf("multiple body has %d scripts, want %d: %.200s", len(b.Scripts), batch, r.Body)
		}
	case Refactor:
		if r.Path != PathRefactor || r.Scripts != 1 {
			t.Fatalf("refactor request: path %s, %d scripts", r.Path, r.Scripts)
		}
		var b struct {
			Script      *string `json:"script"`
			OldName     *string `json:"oldName"`
			NewName     *string `json:"newName"`
			IsJSObject  *bool   `json:"isJSObject"`
			EvalVersion *int    `json:"evalVersion"`
		}
		strictDecode(t, r.Body, &b)
		if b.Script == nil || b.OldName == nil || *b.OldName == "" || b.NewName == nil || *b.NewName == "" ||
			b.IsJSObject == nil || b.EvalVersion == nil {
			t.Fatalf("refactor body %s", r.Body)
		}
	default:
		t.Fatalf("request of endpoint %q", r.Endpoint)
	}
}

func TestGeneratorSmallCorpus(t *testing.T) {
	t.Parallel()
	c := smallCorpus()

	g, err := NewGenerator(c, Single, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantSingle := []string{
		`{"script":"Api1.data","evalVersion":2}`,
		`{"script":"a < b && \"x\" ? Table1.selectedRow[\"name\"] : '\\n'","evalVersion":1}`,
		"{\"script\":\"é ✓ \\u2028\",\"evalVersion\":2}",
	}
	for i := range 7 {
		r := g.Request(uint64(i))
		checkRequest(t, r, 0)
		if got, want := string(r.Body), wantSingle[i%3]; got != want {
			t.Errorf("single #%d: %s, want %s", i, got, want)
		}
	}

	g, err = NewGenerator(c, Refactor, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantRefactor := []string{
		`{"script":"Api1.run()","oldName":"Api1","newName":"Api2","isJSObject":false,"evalVersion":2}`,
		`{"script":"export default { f: () => Api1.data }","oldName":"Api1","newName":"Api_2","isJSObject":true,"evalVersion":2}`,
	}
	for i := range 4 {
		r := g.Request(uint64(i))
		checkRequest(t, r, 0)
		if got, want := string(r.Body), wantRefactor[i%2]; got != want {
			t.Errorf("refactor #%d: %s, want %s", i, got, want)
		}
	}

	// Batches of 2 over 3 scripts: windows [0 1] [2 0], then again.
	g, err = NewGenerator(c, Multiple, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g.Distinct() != 2 {
		t.Errorf("%d distinct multiple requests, want 2", g.Distinct())
	}
	for i, want := range [][]string{{"Api1.data", c.Extract[1].Script}, {"é ✓ \u2028", "Api1.data"}, {"Api1.data", c.Extract[1].Script}} {
		r := g.Request(uint64(i))
		checkRequest(t, r, 2)
		var b multipleBody
		strictDecode(t, r.Body, &b)
		if fmt.Sprint(b.Scripts) != fmt.Sprint(want) {
			t.Errorf("multiple #%d: %q, want %q", i, b.Scripts, want)
		}
	}

	for _, bad := range []int{0, -1, MaxBatch + 1} {
		if _, err := NewGenerator(c, Multiple, bad); err == nil {
			t.Errorf("batch %d accepted", bad)
		}
	}
	if _, err := NewGenerator(c, "bogus", 1); err == nil {
		t.Error("endpoint bogus accepted")
	}
	if _, err := NewGenerator(&Corpus{Extract: c.Extract}, Refactor, 1); err == nil {
		t.Error("refactor endpoint without refactor cases accepted")
	}
	if _, err := NewGenerator(&Corpus{Refactor: c.Refactor}, Mixed, 1); err == nil {
		t.Error("mixed endpoint without extract cases accepted")
	}
}

func TestGeneratorMixed(t *testing.T) {
	t.Parallel()
	c := smallCorpus()
	g, err := NewGenerator(c, Mixed, 2)
	if err != nil {
		t.Fatal(err)
	}
	single, _ := NewGenerator(c, Single, 0)
	multiple, _ := NewGenerator(c, Multiple, 2)
	ref, _ := NewGenerator(c, Refactor, 0)
	var n [3]uint64 // single, multiple, refactor
	for i := range uint64(1000) {
		r := g.Request(i)
		checkRequest(t, r, 2)
		// Each kind walks its own sequence in order, without gaps.
		var want *Request
		switch r.Endpoint {
		case Single:
			want = single.Request(n[0])
			n[0]++
		case Multiple:
			want = multiple.Request(n[1])
			n[1]++
		case Refactor:
			want = ref.Request(n[2])
			n[2]++
		}
		if !bytes.Equal(r.Body, want.Body) {
			t.Fatalf("mixed #%d: %s, want %s", i, r.Body, want.Body)
		}
	}
	if n != [3]uint64{400, 100, 500} {
		t.Errorf("mix of 1000 requests: single, multiple, refactor = %v, want [400 100 500]", n)
	}
}

func TestGeneratorCorpus(t *testing.T) {
	t.Parallel()
	c := loadCorpus(t)
	if len(c.Extract) == 0 || len(c.Refactor) == 0 || len(c.JSObject) == 0 {
		t.Fatalf("corpus %s lacks an op", c)
	}
	for _, e := range []Endpoint{Single, Multiple, Refactor, Mixed} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			g, err := NewGenerator(c, e, 25)
			if err != nil {
				t.Fatal(err)
			}
			// Every distinct request once (mixed: a full cycle of the
			// longest sequence would take too long under -race; 5,000).
			n := g.Distinct()
			if e == Mixed {
				n = 5000
			}
			for i := range uint64(n) {
				checkRequest(t, g.Request(i), 25)
			}
		})
	}
}

// writeCorpus writes lines as a gzip JSON-lines file.
func writeCorpus(t *testing.T, path string, lines ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, strings.Join(lines, "\n")+"\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCorpus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCorpus(t, filepath.Join(dir, "a.jsonl.gz"),
		`{"input":{"op":"extract","script":"Api1.data","evalVersion":1},"expected":{"references":["Api1.data"]}}`,
		`{"input":{"op":"extract","script":"x","invalidIdentifiers":{"x":true}},"expected":{}}`,
		`{"input":{"op":"jsobject","script":"export default {}"},"expected":{}}`)
	writeCorpus(t, filepath.Join(dir, "b.jsonl.gz"),
		`{"input":{"op":"refactor","script":"Api1","oldName":"Api1","newName":"Api2","isJSObject":false,"evalVersion":2},"expected":{}}`)
	c, err := LoadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Extract) != 2 || len(c.Refactor) != 1 || len(c.JSObject) != 1 || len(c.Files) != 2 {
		t.Fatalf("loaded %s", c)
	}
	if c.Extract[0].EvalVersion != 1 || c.Extract[1].EvalVersion != 2 || !c.Extract[1].Invalid["x"] || c.Extract[0].Invalid != nil {
		t.Errorf("extract cases %+v", c.Extract)
	}
	if r := c.Refactor[0]; r.OldName != "Api1" || r.NewName != "Api2" || r.IsJSObject {
		t.Errorf("refactor case %+v", r)
	}

	writeCorpus(t, filepath.Join(dir, "quirks-x.jsonl.gz"), `{"input":{"op":"extract","script":"skipped"}}`)
	if c, err := LoadCorpus(dir); err != nil || len(c.Extract) != 2 || len(c.Files) != 2 {
		t.Errorf("with a quirks file: %v, %v", c, err)
	}
	// Another corpus in the folder (cases without an op, like the DSL
	// migrations') is passed over.
	writeCorpus(t, filepath.Join(dir, "dsl.jsonl.gz"), `{"input":{"dsl":{}},"expected":{}}`)
	if c, err := LoadCorpus(dir); err != nil || len(c.Extract) != 2 || len(c.Files) != 2 {
		t.Errorf("with another corpus: %v, %v", c, err)
	}
	writeCorpus(t, filepath.Join(dir, "c.jsonl.gz"), `{"input":{"op":"nope"}}`)
	if _, err := LoadCorpus(dir); err == nil || !strings.Contains(err.Error(), "unknown op") {
		t.Errorf("unknown op: err %v", err)
	}
	if _, err := LoadCorpus(t.TempDir()); err == nil {
		t.Error("empty folder accepted")
	}
	if _, err := LoadCorpus(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing folder accepted")
	}
}

// classifyingServer answers single-script-data by script: "ok" → 200
// success, "500" → HTTP 500, "201" → HTTP 201, "nosuccess" → 200 without
// "success", "false" → 200 "success":false, "drop" → connection closed
// without an answer. It requires x-rts-secret when secret is set.
func classifyingServer(t *testing.T, secret string) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if secret != "" && r.Header.Get("x-rts-secret") != secret {
			http.Error(w, `{"success":false,"message":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Path != PathSingle || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.NotFound(w, r)
			return
		}
		var body singleBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch body.Script {
		case "ok":
			io.WriteString(w, `{"success":true,"data":{"references":[]}}`)
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"success":false,"message":"Something went wrong"}`)
		case "201":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"success":true}`)
		case "nosuccess":
			io.WriteString(w, `{"data":1}`)
		case "false":
			io.WriteString(w, `{"success":false,"data":{"error":"Syntax Error"}}`)
		case "drop":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func scriptsCorpus(scripts ...string) *Corpus {
	c := &Corpus{}
	for _, s := range scripts {
		c.Extract = append(c.Extract, ExtractCase{Script: s, EvalVersion: 2})
	}
	return c
}

func TestRunCountsEveryFailure(t *testing.T) {
	t.Parallel()
	srv, hits := classifyingServer(t, "")
	gen, err := NewGenerator(scriptsCorpus("ok", "500", "201", "nosuccess", "false", "drop"), Single, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 3, Requests: 60, Duration: 30 * time.Second}, gen)
	if err != nil {
		t.Fatal(err)
	}
	// 60 requests over 6 scripts: 10 of each.
	if res.Requests != 60 || res.OK != 20 || res.SuccessFalse != 10 || res.Non2xx != 10 || res.Invalid != 20 || res.Errors != 10 {
		t.Errorf("requests %d ok %d (success:false %d) non2xx %d invalid %d errors %d; want 60 20 (10) 10 20 10",
			res.Requests, res.OK, res.SuccessFalse, res.Non2xx, res.Invalid, res.Errors)
	}
	if res.Failed() != 40 || res.Scripts != 20 || res.Latency.Count != 20 {
		t.Errorf("failed %d, scripts %d, latencies %d; want 40 20 20", res.Failed(), res.Scripts, res.Latency.Count)
	}
	if res.StatusCodes["200"] != 30 || res.StatusCodes["500"] != 10 || res.StatusCodes["201"] != 10 {
		t.Errorf("status codes %v", res.StatusCodes)
	}
	if res.FirstError == "" || res.Stopped != "60 requests" {
		t.Errorf("first error %q, stopped %q", res.FirstError, res.Stopped)
	}
	if res.Sample.Status != 200 || res.Sample.Request != `{"script":"ok","evalVersion":2}` || !strings.Contains(res.Sample.Response, `"success":true`) {
		t.Errorf("sample %+v", res.Sample)
	}
	if got := hits.Load(); got != 61 { // the sample, then 60
		t.Errorf("server saw %d requests, want 61", got)
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"requests    60: ok 20, non-2xx 10, invalid 20, errors 10", "500×10", "p50 ", "sample      POST " + PathSingle} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
}

func TestRunSecret(t *testing.T) {
	t.Parallel()
	srv, _ := classifyingServer(t, "s3cret")
	gen, _ := NewGenerator(scriptsCorpus("ok"), Single, 0)
	res, err := Run(context.Background(), Config{URL: srv.URL + "/", Concurrency: 2, Requests: 10, Secret: "s3cret"}, gen)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 10 || res.Failed() != 0 {
		t.Errorf("with the secret: ok %d failed %d (%s)", res.OK, res.Failed(), res.FirstError)
	}
	res, err = Run(context.Background(), Config{URL: srv.URL, Concurrency: 2, Requests: 10}, gen)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Non2xx != 10 || res.Sample.Status != http.StatusUnauthorized || res.Sample.Error == "" {
		t.Errorf("without the secret: ok %d non2xx %d sample %+v", res.OK, res.Non2xx, res.Sample)
	}
}

func TestRunDurationAndWarmup(t *testing.T) {
	t.Parallel()
	srv, _ := classifyingServer(t, "")
	gen, _ := NewGenerator(scriptsCorpus("ok"), Single, 0)
	res, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 2, Duration: 200 * time.Millisecond, Warmup: 50 * time.Millisecond}, gen)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK == 0 || res.Failed() != 0 || res.ReqPerSec <= 0 || res.Warmup.Requests == 0 || res.Stopped != "duration 200ms" {
		t.Errorf("ok %d failed %d req/s %v warm-up %+v stopped %q", res.OK, res.Failed(), res.ReqPerSec, res.Warmup, res.Stopped)
	}
	if res.Elapsed < 200*time.Millisecond || res.Elapsed > 5*time.Second {
		t.Errorf("elapsed %v", res.Elapsed)
	}
	var js bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON output %s: %v", js.Bytes(), err)
	}
	for _, k := range []string{"requests", "errors", "non2xx", "reqPerSec", "scriptsPerSec", "latency", "sample"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON output lacks %q: %s", k, js.Bytes())
		}
	}
	if strings.Count(strings.TrimSpace(js.String()), "\n") != 0 {
		t.Error("JSON output spans several lines")
	}
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	srv, _ := classifyingServer(t, "")
	gen, _ := NewGenerator(scriptsCorpus("ok"), Single, 0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	// Without the cancel the run would last its minute and say so.
	res, err := Run(ctx, Config{URL: srv.URL, Concurrency: 2, Duration: time.Minute}, gen)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != "cancelled" || res.Failed() != 0 {
		t.Errorf("after cancel: stopped %q, failed %d (%s)", res.Stopped, res.Failed(), res.FirstError)
	}
}

func TestRunRejects(t *testing.T) {
	t.Parallel()
	gen, _ := NewGenerator(scriptsCorpus("ok"), Single, 0)
	// A port nothing listens on: the sample fails and the run stops.
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	for _, cfg := range []Config{
		{URL: dead, Concurrency: 1, Requests: 1},
		{URL: "ftp://127.0.0.1:1", Concurrency: 1, Requests: 1},
		{URL: "http://", Concurrency: 1, Requests: 1},
		{URL: "http://127.0.0.1:1/?q=1", Concurrency: 1, Requests: 1},
		{URL: dead, Concurrency: 0, Requests: 1},
		{URL: dead, Concurrency: MaxConcurrency + 1, Requests: 1},
		{URL: dead, Concurrency: 1},
		{URL: dead, Concurrency: 1, Duration: MaxDuration + 1},
		{URL: dead, Concurrency: 1, Requests: MaxRequests + 1},
	} {
		if _, err := Run(context.Background(), cfg, gen); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	if _, err := Run(context.Background(), Config{URL: dead, Concurrency: 1, Requests: 1}, nil); err == nil {
		t.Error("nil generator accepted")
	}
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"single", "multiple", "refactor", "mixed"} {
		if e, err := ParseEndpoint(s); err != nil || string(e) != s {
			t.Errorf("ParseEndpoint(%q) = %q, %v", s, e, err)
		}
	}
	if _, err := ParseEndpoint("Single"); err == nil {
		t.Error("ParseEndpoint accepted Single")
	}
}
