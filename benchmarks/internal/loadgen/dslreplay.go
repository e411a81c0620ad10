package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// MigratePath is the route of Appsmith's page-DSL migration.
const MigratePath = "/rts-api/v1/dsl/migrate"

// MaxRounds bounds a DSL replay: every round sends the whole corpus.
const MaxRounds = 1000

// DSLCase is one page DSL of the migration corpus (dsl.jsonl.gz).
type DSLCase struct {
	ID string
	// Body is the DSL as the request body, compact JSON.
	Body []byte
	// WantError is true when Appsmith's migration throws on this DSL: the
	// route answers HTTP 500 with its error envelope.
	WantError bool
}

// dslLine is the part of a dsl.jsonl.gz line the replay needs.
type dslLine struct {
	ID       string          `json:"id"`
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
}

// LoadDSLCorpus reads the page-DSL migration corpus, in file order. path ""
// means dsl.jsonl.gz in the shared conformance folder.
func LoadDSLCorpus(path string) ([]DSLCase, error) {
	if path == "" {
		dir, err := DefaultCorpusDir()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "dsl.jsonl.gz")
	}
	var cases []DSLCase
	err := shareddata.ReadJSONLines(path, func(line int, l *dslLine) error {
		if len(l.Input) == 0 || l.Input[0] != '{' {
			return fmt.Errorf("%s:%d: input is not a JSON object", path, line)
		}
		var body bytes.Buffer
		if err := json.Compact(&body, l.Input); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		id := l.ID
		if id == "" {
			id = fmt.Sprintf("line %d", line)
		}
		cases = append(cases, DSLCase{ID: id, Body: body.Bytes(), WantError: string(l.Expected) == "null"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("no DSL cases in %s", path)
	}
	return cases, nil
}

// DSLReplayConfig describes one replay of the DSL corpus.
type DSLReplayConfig struct {
	URL string
	// Rounds measured; each sends every case once, in corpus order.
	Rounds int
	// Warmup rounds sent first, not measured (Node's JIT needs them).
	Warmup int
	// Secret, when set, is sent as the x-rts-secret header.
	Secret string
	// Timeout bounds each request (0: 60 s; the largest page takes Node
	// tens of milliseconds, far more on a loaded machine).
	Timeout time.Duration
	// Client, when set, sends the requests; otherwise, with NetHTTP, a
	// net/http keep-alive client with one connection is made and closed
	// at the end, and without it the lean client (leanhttp.go), which
	// costs the measuring side less time a request. An https URL always
	// goes through net/http.
	Client  *http.Client
	NetHTTP bool
	// Spin (lean client only, 0..MaxSpin): after sending a request, read
	// its socket again for up to this long before waiting with the
	// poller, so that the client's core does not halt while the server
	// works. It shows how much of a fast server's time a request is the
	// client's wake-up on this machine (see benchmarks/README.md, dsl7);
	// the default, 0, waits as any client does.
	Spin time.Duration
}

// MaxSpin bounds DSLReplayConfig.Spin.
const MaxSpin = 10 * time.Millisecond

// DSLReplayResult is the outcome of a replay. Requests = OK + Failed.
type DSLReplayResult struct {
	URL      string `json:"url"`
	Cases    int    `json:"cases"`
	DSLBytes int64  `json:"dslBytes"` // of one round's request bodies
	Rounds   int    `json:"rounds"`
	Warmup   int    `json:"warmupRounds"`

	Elapsed time.Duration `json:"-"`
	Seconds float64       `json:"seconds"`
	// RoundSeconds is each measured round's wall time.
	RoundSeconds []float64 `json:"roundSeconds"`
	// ClientCPUSeconds is the replay's own CPU time (this process, user
	// and system) over the measured rounds: the measuring side's share of
	// the wall time (0 where it is not measured).
	ClientCPUSeconds float64 `json:"clientCpuSeconds"`

	Requests int64 `json:"requests"`
	// OK: HTTP 200 with "success":true, or, for the cases where Appsmith's
	// migration throws, HTTP 500 with "success":false.
	OK          int64            `json:"ok"`
	Failed      int64            `json:"failed"`
	StatusCodes map[string]int64 `json:"statusCodes"`
	FirstError  string           `json:"firstError,omitempty"`

	ReqPerSec float64 `json:"reqPerSec"`
	Latency   Latency `json:"latency"`
	// Largest is the biggest DSL of the corpus and its median latency.
	Largest struct {
		ID       string  `json:"id"`
		Bytes    int     `json:"bytes"`
		MedianMs float64 `json:"medianMs"`
	} `json:"largest"`
	Stopped string `json:"stopped"`
}

// ReplayDSL sends every case of the corpus to cfg.URL's migrate route, one
// request at a time over one keep-alive connection: warm-up rounds, then the
// measured rounds. Like Run, it returns an error only for a bad
// configuration or an unreachable server; wrong answers are counted.
// Cancelling ctx ends the replay early (Stopped says so).
func ReplayDSL(ctx context.Context, cfg DSLReplayConfig, cases []DSLCase) (*DSLReplayResult, error) {
	base, err := BaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Rounds < 1 || cfg.Rounds > MaxRounds || cfg.Warmup < 0 || cfg.Warmup > MaxRounds {
		return nil, fmt.Errorf("rounds must be within 1..%d and warm-up rounds within 0..%d", MaxRounds, MaxRounds)
	}
	if cfg.Spin < 0 || cfg.Spin > MaxSpin {
		return nil, fmt.Errorf("spin must be within 0..%v", MaxSpin)
	}
	if len(cases) == 0 {
		return nil, errors.New("no DSL cases to send")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	r := &dslReplayer{url: base + MigratePath, secret: cfg.Secret, client: cfg.Client}
	if r.client == nil {
		if u, _ := url.Parse(base); u.Scheme == "http" && !cfg.NetHTTP {
			r.lean, r.path = newLeanClient(u.Host, timeout), u.Path+MigratePath
			r.lean.spin = cfg.Spin
			defer r.lean.close()
		} else {
			r.client = NewClient(1, timeout)
			defer r.client.CloseIdleConnections()
		}
	}

	res := &DSLReplayResult{URL: base, Cases: len(cases), Rounds: cfg.Rounds, Warmup: cfg.Warmup,
		StatusCodes: map[string]int64{}}
	largest := 0
	for i, c := range cases {
		res.DSLBytes += int64(len(c.Body))
		if len(c.Body) > len(cases[largest].Body) {
			largest = i
		}
	}
	res.Largest.ID, res.Largest.Bytes = cases[largest].ID, len(cases[largest].Body)

	// The first request tells an unreachable server from a slow one.
	if _, ok := r.send(ctx, &cases[0]); !ok && r.unreachable {
		return nil, fmt.Errorf("server at %s did not answer: %s", base, r.firstErr)
	}
	r.firstErr = ""
	for range cfg.Warmup {
		for i := range cases {
			if ctx.Err() != nil {
				break
			}
			r.send(ctx, &cases[i])
		}
	}
	r.status = map[int]int64{}
	r.firstErr = ""

	lat := make([]time.Duration, 0, len(cases)*cfg.Rounds)
	largestLat := make([]time.Duration, 0, cfg.Rounds)
	res.Stopped = fmt.Sprintf("%d rounds", cfg.Rounds)
	start, cpu0 := time.Now(), processCPU()
rounds:
	for range cfg.Rounds {
		roundStart := time.Now()
		for i := range cases {
			if ctx.Err() != nil {
				res.Stopped = "cancelled"
				break rounds
			}
			d, ok := r.send(ctx, &cases[i])
			if ctx.Err() != nil { // the answer was cut off by the cancel: not counted
				res.Stopped = "cancelled"
				break rounds
			}
			res.Requests++
			if !ok {
				res.Failed++
				continue
			}
			res.OK++
			lat = append(lat, d)
			if i == largest {
				largestLat = append(largestLat, d)
			}
		}
		res.RoundSeconds = append(res.RoundSeconds, math.Round(time.Since(roundStart).Seconds()*1e3)/1e3)
	}
	res.Elapsed = time.Since(start)
	res.ClientCPUSeconds = math.Round((processCPU()-cpu0)*1e3) / 1e3
	res.Seconds = math.Round(res.Elapsed.Seconds()*1e3) / 1e3
	for code, n := range r.status {
		res.StatusCodes[fmt.Sprint(code)] = n
	}
	res.FirstError = r.firstErr
	res.Latency = Summarize(lat)
	if len(largestLat) > 0 {
		slices.Sort(largestLat)
		res.Largest.MedianMs = math.Round(float64(Percentile(largestLat, 50))/1e3) / 1e3
	}
	if secs := res.Elapsed.Seconds(); secs > 0 {
		res.ReqPerSec = math.Round(float64(res.Requests)/secs*10) / 10
	}
	return res, nil
}

type dslReplayer struct {
	url, secret string
	client      *http.Client
	lean        *leanClient // instead of client
	path        string      // the lean client's request target
	buf         bytes.Buffer
	status      map[int]int64
	firstErr    string
	unreachable bool // the last request got no HTTP answer
}

var successTrue = []byte(`"success":true`)

// send posts one case and reads the whole answer (so the connection is
// reused); it reports the latency and whether the answer is the one the
// case calls for. Only the envelope is checked: check.js in the reference
// folder, or the conformance tests, compare the migrated DSL itself.
func (r *dslReplayer) send(ctx context.Context, c *DSLCase) (time.Duration, bool) {
	if r.lean != nil {
		start := time.Now()
		status, body, err := r.lean.post(ctx, r.path, r.secret, c.Body)
		d := time.Since(start)
		r.unreachable = status == 0
		if err != nil {
			r.fail(c, err.Error())
			return d, false
		}
		return d, r.check(c, status, body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(c.Body))
	if err != nil {
		r.fail(c, err.Error())
		return 0, false
	}
	req.Header.Set("Content-Type", "application/json")
	if r.secret != "" {
		req.Header.Set("x-rts-secret", r.secret)
	}
	r.buf.Reset()
	start := time.Now()
	resp, err := r.client.Do(req)
	if err == nil {
		_, err = r.buf.ReadFrom(resp.Body)
		resp.Body.Close()
	}
	d := time.Since(start)
	r.unreachable = resp == nil
	if err != nil {
		r.fail(c, err.Error())
		return d, false
	}
	return d, r.check(c, resp.StatusCode, r.buf.Bytes())
}

// check counts an answer's status and reports whether it is the one the
// case calls for.
func (r *dslReplayer) check(c *DSLCase, status int, body []byte) bool {
	if r.status == nil {
		r.status = map[int]int64{}
	}
	r.status[status]++
	want := http.StatusOK
	if c.WantError {
		want = http.StatusInternalServerError
	}
	switch {
	case status != want:
		r.fail(c, fmt.Sprintf("HTTP %d, want %d: %s", status, want, clip(body, 200)))
		return false
	case !c.WantError && !bytes.Contains(body, successTrue):
		r.fail(c, fmt.Sprintf("HTTP 200 without \"success\":true: %s", clip(body, 200)))
		return false
	case c.WantError && !bytes.Contains(body, successFalse):
		r.fail(c, fmt.Sprintf("HTTP 500 without \"success\":false: %s", clip(body, 200)))
		return false
	}
	return true
}

func (r *dslReplayer) fail(c *DSLCase, msg string) {
	if r.firstErr == "" {
		r.firstErr = c.ID + ": " + msg
	}
}

// WriteText writes the result as one human-readable block.
func (r *DSLReplayResult) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target      %s%s  one request at a time\n", r.URL, MigratePath)
	fmt.Fprintf(&b, "corpus      %d page DSLs, %.1f MB a round; %d rounds measured after %d warm-up (stopped: %s)\n",
		r.Cases, float64(r.DSLBytes)/1e6, r.Rounds, r.Warmup, r.Stopped)
	fmt.Fprintf(&b, "requests    %d: ok %d, failed %d", r.Requests, r.OK, r.Failed)
	codes := make([]string, 0, len(r.StatusCodes))
	for c := range r.StatusCodes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for i, c := range codes {
		sep := " "
		if i == 0 {
			sep = " (status "
		}
		fmt.Fprintf(&b, "%s%s×%d", sep, c, r.StatusCodes[c])
	}
	if len(codes) > 0 {
		b.WriteByte(')')
	}
	b.WriteByte('\n')
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error %s\n", r.FirstError)
	}
	fmt.Fprintf(&b, "total       %.3fs, %.1f req/s; rounds", r.Elapsed.Seconds(), r.ReqPerSec)
	for _, s := range r.RoundSeconds {
		fmt.Fprintf(&b, " %.3fs", s)
	}
	if r.ClientCPUSeconds > 0 {
		fmt.Fprintf(&b, "; this client's CPU %.3fs", r.ClientCPUSeconds)
	}
	b.WriteByte('\n')
	l := r.Latency
	fmt.Fprintf(&b, "latency     p50 %s  p90 %s  p99 %s  max %s  (min %s, mean %s, n=%d)\n",
		ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), ms(l.Min), ms(l.Mean), l.Count)
	fmt.Fprintf(&b, "largest     %s, %.1f MB: median %.3fms\n", r.Largest.ID, float64(r.Largest.Bytes)/1e6, r.Largest.MedianMs)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as one JSON object on one line.
func (r *DSLReplayResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
