package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of a run: the load generator always stops by itself.
const (
	MaxDuration    = 10 * time.Minute
	MaxRequests    = 10_000_000 // also bounds the latency samples kept (80 MB)
	MaxConcurrency = 1024
)

// Config describes one load run.
type Config struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8091. Requests go
	// to URL + the endpoint path, and nowhere else (no proxy, no redirects).
	URL string
	// Concurrency is the number of goroutines sending requests, each one
	// request at a time over keep-alive connections.
	Concurrency int
	// Duration ends the measured phase; Requests ends it after that many
	// requests. With both, whichever comes first. At least one is needed.
	Duration time.Duration
	Requests int64
	// Warmup runs the same load for this long before measuring (0: none).
	Warmup time.Duration
	// Secret, when set, is sent as the x-rts-secret header.
	Secret string
	// Timeout bounds each request (0: 10 s).
	Timeout time.Duration
	// Client, when set, sends the requests; otherwise a keep-alive client
	// sized for Concurrency is made and closed at the end.
	Client *http.Client
}

// Latency summarises the latencies of the successful requests, exactly
// (every sample kept; nearest-rank percentiles).
type Latency struct {
	Count int           `json:"count"`
	Min   time.Duration `json:"-"`
	Mean  time.Duration `json:"-"`
	P50   time.Duration `json:"-"`
	P90   time.Duration `json:"-"`
	P99   time.Duration `json:"-"`
	P999  time.Duration `json:"-"`
	Max   time.Duration `json:"-"`
}

// MarshalJSON writes the latencies in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return json.Marshal(struct {
		Count int     `json:"count"`
		Min   float64 `json:"minMs"`
		Mean  float64 `json:"meanMs"`
		P50   float64 `json:"p50Ms"`
		P90   float64 `json:"p90Ms"`
		P99   float64 `json:"p99Ms"`
		P999  float64 `json:"p999Ms"`
		Max   float64 `json:"maxMs"`
	}{l.Count, ms(l.Min), ms(l.Mean), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max)})
}

// Sample is one request and the server's answer, shown so that a reader
// sees what was measured.
type Sample struct {
	Path     string `json:"path"`
	Request  string `json:"request"`
	Status   int    `json:"status"`
	Response string `json:"response"`
	Error    string `json:"error,omitempty"`
}

// Warmup counts the warm-up phase, which is not measured.
type Warmup struct {
	Requests int64 `json:"requests"`
	Failed   int64 `json:"failed"`
}

// Result is the outcome of a run. Requests = OK + Non2xx + Invalid + Errors.
type Result struct {
	URL         string   `json:"url"`
	Endpoint    Endpoint `json:"endpoint"`
	Batch       int      `json:"batch,omitempty"`
	Concurrency int      `json:"concurrency"`
	GOMAXPROCS  int      `json:"gomaxprocs"`

	Elapsed time.Duration `json:"-"`
	Seconds float64       `json:"seconds"`

	Requests int64 `json:"requests"`
	// OK: HTTP 200 with a body holding "success".
	OK int64 `json:"ok"`
	// Non2xx: an HTTP status outside 200–299.
	Non2xx int64 `json:"non2xx"`
	// Invalid: a 2xx status other than 200, or a body without "success".
	Invalid int64 `json:"invalid"`
	// Errors: no HTTP answer (connection refused or reset, timeout).
	Errors int64 `json:"errors"`
	// SuccessFalse counts OK answers with "success":false — the legitimate
	// answer of entity-refactor to a script that does not parse.
	SuccessFalse int64            `json:"successFalse"`
	StatusCodes  map[string]int64 `json:"statusCodes"`
	FirstError   string           `json:"firstError,omitempty"`

	Scripts       int64   `json:"scripts"` // scripts in OK requests
	ReqPerSec     float64 `json:"reqPerSec"`
	ScriptsPerSec float64 `json:"scriptsPerSec"`
	BytesSent     int64   `json:"bytesSent"`
	BytesReceived int64   `json:"bytesReceived"`

	Latency Latency `json:"latency"`
	Warmup  Warmup  `json:"warmup"`
	Sample  Sample  `json:"sample"`
	// Stopped says why the measured phase ended.
	Stopped string `json:"stopped"`
}

// Failed is the number of requests that did not get a valid answer.
func (r *Result) Failed() int64 { return r.Non2xx + r.Invalid + r.Errors }

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// samples sorted in ascending order: the smallest sample such that at least
// p% of the samples are ≤ it. p ≤ 0 gives the minimum; no samples give 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 || math.IsNaN(p) {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	// The epsilon keeps p·n/100 = 99 from becoming rank 100 through
	// floating-point error (e.g. 99.9·1000).
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9))
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// Summarize sorts samples in place and summarises them.
func Summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum float64
	for _, d := range samples {
		sum += float64(d)
	}
	return Latency{
		Count: len(samples),
		Min:   samples[0],
		Mean:  time.Duration(sum / float64(len(samples))),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		P999:  Percentile(samples, 99.9),
		Max:   samples[len(samples)-1],
	}
}

// NewClient returns an HTTP client for the load: keep-alive connections,
// enough idle connections per host for every goroutine, no proxy, no
// compression, no redirects followed.
func NewClient(concurrency int, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	idle := max(2*concurrency, 16)
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// BaseURL checks a base URL (http or https, a host, no query) and returns it
// without a trailing slash.
func BaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bad URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("bad URL %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("bad URL %q: no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("bad URL %q: give the base URL only", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// outcome classifies one request.
type outcome uint8

const (
	outOK outcome = iota
	outNon2xx
	outInvalid
	outError
	outCancelled // the run was cancelled while the request was in flight: not counted
)

// stats are one worker's counters; merged when the run ends.
type stats struct {
	ok, non2xx, invalid, errs, successFalse int64
	scripts, sent, received                 int64
	status                                  map[int]int64
	firstErr                                string
	lat                                     []time.Duration
}

func (s *stats) fail(msg string) {
	if s.firstErr == "" {
		s.firstErr = msg
	}
}

type runner struct {
	base   string
	secret string
	client *http.Client
	gen    *Generator
}

var (
	successKey   = []byte(`"success"`)
	successFalse = []byte(`"success":false`)
)

// do sends req and reads the whole answer into buf (the connection is then
// reused), returning its classification and latency.
func (r *runner) do(ctx context.Context, req *Request, buf *bytes.Buffer, s *stats) (outcome, time.Duration) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+req.Path, bytes.NewReader(req.Body))
	if err != nil {
		s.fail(err.Error())
		return outError, 0
	}
	hreq.Header.Set("Content-Type", "application/json")
	if r.secret != "" {
		hreq.Header.Set("x-rts-secret", r.secret)
	}
	buf.Reset()
	start := time.Now()
	resp, err := r.client.Do(hreq)
	if err == nil {
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
	}
	lat := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return outCancelled, lat
		}
		s.fail(err.Error())
		return outError, lat
	}
	s.sent += int64(len(req.Body))
	s.received += int64(buf.Len())
	if s.status == nil {
		s.status = make(map[int]int64)
	}
	s.status[resp.StatusCode]++
	body := buf.Bytes()
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		s.fail(fmt.Sprintf("%s: HTTP %d: %s", req.Path, resp.StatusCode, clip(body, 200)))
		return outNon2xx, lat
	case resp.StatusCode != http.StatusOK:
		s.fail(fmt.Sprintf("%s: HTTP %d, want 200", req.Path, resp.StatusCode))
		return outInvalid, lat
	case !bytes.Contains(body, successKey):
		s.fail(fmt.Sprintf("%s: HTTP 200 without \"success\": %s", req.Path, clip(body, 200)))
		return outInvalid, lat
	}
	if bytes.Contains(body, successFalse) {
		s.successFalse++
	}
	return outOK, lat
}

// phase runs the load until the deadline passes or limit requests were
// started, and returns the per-worker stats.
func (r *runner) phase(ctx context.Context, conc int, deadline time.Time, limit int64, next *atomic.Uint64, record bool) []*stats {
	all := make([]*stats, conc)
	var wg sync.WaitGroup
	for w := range conc {
		s := &stats{}
		all[w] = s
		if record {
			// Preallocate the latency slice: exact when the count is known,
			// a generous guess otherwise (append grows it if needed).
			per := int64(1 << 15)
			if limit < MaxRequests {
				per = limit/int64(conc) + 1
			}
			s.lat = make([]time.Duration, 0, per)
		}
		wg.Go(func() {
			var buf bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := next.Add(1) - 1
				if int64(i) >= limit {
					return
				}
				req := r.gen.Request(i)
				switch out, lat := r.do(ctx, req, &buf, s); out {
				case outOK:
					s.ok++
					s.scripts += int64(req.Scripts)
					if record {
						s.lat = append(s.lat, lat)
					}
				case outNon2xx:
					s.non2xx++
				case outInvalid:
					s.invalid++
				case outError:
					s.errs++
					// A refused connection fails instantly: do not spin.
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	return all
}

// Run drives the server at cfg.URL with requests from gen: one sample
// request, the warm-up, then the measured phase. It returns an error only
// for a bad configuration or when the server cannot be reached at all;
// failed requests are counted in the Result, never hidden. Cancelling ctx
// stops the run early (requests in flight are dropped, not counted).
func Run(ctx context.Context, cfg Config, gen *Generator) (*Result, error) {
	base, err := BaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Concurrency < 1 || cfg.Concurrency > MaxConcurrency {
		return nil, fmt.Errorf("concurrency %d out of range 1..%d", cfg.Concurrency, MaxConcurrency)
	}
	if cfg.Duration < 0 || cfg.Duration > MaxDuration || cfg.Warmup < 0 || cfg.Warmup > MaxDuration {
		return nil, fmt.Errorf("duration and warm-up must be within 0..%s", MaxDuration)
	}
	if cfg.Requests < 0 || cfg.Requests > MaxRequests {
		return nil, fmt.Errorf("requests %d out of range 0..%d", cfg.Requests, MaxRequests)
	}
	if cfg.Duration == 0 && cfg.Requests == 0 {
		return nil, errors.New("give a duration or a number of requests")
	}
	if gen == nil || gen.Distinct() == 0 {
		return nil, errors.New("no requests to send")
	}
	client := cfg.Client
	if client == nil {
		client = NewClient(cfg.Concurrency, cfg.Timeout)
		defer client.CloseIdleConnections()
	}
	r := &runner{base: base, secret: cfg.Secret, client: client, gen: gen}

	res := &Result{
		URL: base, Endpoint: gen.Endpoint(), Concurrency: cfg.Concurrency,
		GOMAXPROCS: runtime.GOMAXPROCS(0), StatusCodes: map[string]int64{},
	}
	if gen.Endpoint() == Multiple || gen.Endpoint() == Mixed {
		res.Batch = gen.Batch()
	}

	// The sample: the first request, shown with the server's answer. A
	// server that cannot be reached at all ends the run here.
	sreq := gen.Request(0)
	var buf bytes.Buffer
	var ss stats
	out, _ := r.do(ctx, sreq, &buf, &ss)
	res.Sample = Sample{Path: sreq.Path, Request: clip(sreq.Body, 300), Response: clip(buf.Bytes(), 600)}
	for code := range ss.status {
		res.Sample.Status = code
	}
	if out == outError || out == outCancelled {
		if ss.firstErr == "" {
			ss.firstErr = context.Cause(ctx).Error()
		}
		return nil, fmt.Errorf("server at %s did not answer: %s", base, ss.firstErr)
	}
	if out != outOK {
		res.Sample.Error = ss.firstErr
	}

	var next atomic.Uint64
	if cfg.Warmup > 0 {
		ws := r.phase(ctx, cfg.Concurrency, time.Now().Add(cfg.Warmup), MaxRequests, &next, false)
		for _, s := range ws {
			res.Warmup.Requests += s.ok + s.non2xx + s.invalid + s.errs
			res.Warmup.Failed += s.non2xx + s.invalid + s.errs
		}
	}

	limit := cfg.Requests
	if limit == 0 {
		limit = MaxRequests
	}
	duration := cfg.Duration
	if duration == 0 {
		duration = MaxDuration
	}
	next.Store(0)
	start := time.Now()
	ws := r.phase(ctx, cfg.Concurrency, start.Add(duration), limit, &next, true)
	res.Elapsed = time.Since(start)
	res.Seconds = math.Round(res.Elapsed.Seconds()*1e3) / 1e3

	var lat []time.Duration
	n := 0
	for _, s := range ws {
		n += len(s.lat)
	}
	lat = make([]time.Duration, 0, n)
	for _, s := range ws {
		res.OK += s.ok
		res.Non2xx += s.non2xx
		res.Invalid += s.invalid
		res.Errors += s.errs
		res.SuccessFalse += s.successFalse
		res.Scripts += s.scripts
		res.BytesSent += s.sent
		res.BytesReceived += s.received
		for code, k := range s.status {
			res.StatusCodes[fmt.Sprint(code)] += k
		}
		if res.FirstError == "" {
			res.FirstError = s.firstErr
		}
		lat = append(lat, s.lat...)
		s.lat = nil
	}
	res.Requests = res.OK + res.Non2xx + res.Invalid + res.Errors
	res.Latency = Summarize(lat)
	if secs := res.Elapsed.Seconds(); secs > 0 {
		res.ReqPerSec = math.Round(float64(res.OK)/secs*10) / 10
		res.ScriptsPerSec = math.Round(float64(res.Scripts)/secs*10) / 10
	}
	switch {
	case ctx.Err() != nil:
		res.Stopped = "cancelled"
	case int64(next.Load()) >= limit:
		res.Stopped = fmt.Sprintf("%d requests", limit)
	default:
		res.Stopped = "duration " + duration.String()
	}
	return res, nil
}

// WriteText writes the result as one human-readable block.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target      %s  endpoint=%s", r.URL, r.Endpoint)
	if r.Batch > 0 {
		fmt.Fprintf(&b, " batch=%d", r.Batch)
	}
	fmt.Fprintf(&b, "  concurrency=%d  client GOMAXPROCS=%d\n", r.Concurrency, r.GOMAXPROCS)
	fmt.Fprintf(&b, "measured    %.2fs (stopped: %s); warm-up %d requests, %d failed\n",
		r.Elapsed.Seconds(), r.Stopped, r.Warmup.Requests, r.Warmup.Failed)
	fmt.Fprintf(&b, "requests    %d: ok %d, non-2xx %d, invalid %d, errors %d", r.Requests, r.OK, r.Non2xx, r.Invalid, r.Errors)
	if r.SuccessFalse > 0 {
		fmt.Fprintf(&b, " (ok with \"success\":false: %d)", r.SuccessFalse)
	}
	b.WriteByte('\n')
	if len(r.StatusCodes) > 0 {
		codes := make([]string, 0, len(r.StatusCodes))
		for c := range r.StatusCodes {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		b.WriteString("status     ")
		for _, c := range codes {
			fmt.Fprintf(&b, " %s×%d", c, r.StatusCodes[c])
		}
		b.WriteByte('\n')
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error %s\n", r.FirstError)
	}
	fmt.Fprintf(&b, "throughput  %.1f req/s, %.1f scripts/s (%.1f MB/s out, %.1f MB/s in)\n",
		r.ReqPerSec, r.ScriptsPerSec, mbps(r.BytesSent, r.Elapsed), mbps(r.BytesReceived, r.Elapsed))
	l := r.Latency
	fmt.Fprintf(&b, "latency     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (min %s, mean %s, n=%d)\n",
		ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max), ms(l.Min), ms(l.Mean), l.Count)
	fmt.Fprintf(&b, "sample      POST %s %s\n            → %d %s\n", r.Sample.Path, r.Sample.Request, r.Sample.Status, r.Sample.Response)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as one JSON object on one line.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/1e6) }

func mbps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / 1e6 / d.Seconds()
}

// clip returns b as text, cut to at most n bytes on a rune boundary.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	cut := n
	for cut > 0 && b[cut]&0xC0 == 0x80 {
		cut--
	}
	return string(b[:cut]) + fmt.Sprintf("… (%d bytes)", len(b))
}
