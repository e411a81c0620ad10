package transport

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Defaults for Options.
const (
	// DefaultMaxBodyBytes is Express's `express.json({limit: "5mb"})`.
	DefaultMaxBodyBytes = 5 << 20
	// DefaultRequestTimeout bounds reading, analysing and answering one
	// request; Appsmith's calls take milliseconds.
	DefaultRequestTimeout = 30 * time.Second
)

// Options configures a Handler. The zero value serves without a secret,
// logs nothing and keeps its metrics in a registry of its own.
type Options struct {
	// Logger receives one debug line per request (method, route, status,
	// duration) and the panics recovered. Nil discards.
	Logger *slog.Logger
	// Registerer is where the Handler registers its metrics and the Go and
	// process collectors; Gatherer is what GET /metrics exposes. When
	// Registerer is nil a new registry is used for both. When only Gatherer
	// is nil, Registerer must also be a Gatherer (a *prometheus.Registry).
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Secret, when not empty, must be sent in the x-rts-secret header of
	// every /rts-api request except the health check.
	Secret string
	// MaxBodyBytes limits a request body (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// RequestTimeout limits one request (0: DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Apps serves the apps API (/rts-api/v1/apps…); nil answers 503 there.
	Apps Apps
	// ScanCache keeps the scans of texts that entity-refactor and batch
	// calls send again; nil: a cache of analysis.DefaultScanCacheBytes.
	ScanCache *analysis.ScanCache
	// AllowedHosts are the Host header values answered; any other gets 421
	// on every route (Root applies it to the sockets and the page too).
	// Nil allows the loopback names only.
	AllowedHosts *AllowedHosts
	// MaxScripts bounds the scripts of one multiple-script-data request
	// (0: DefaultMaxScripts).
	MaxScripts int
	// MaxAnswerBytes bounds the answer of one analysis request
	// (0: DefaultMaxAnswerBytes).
	MaxAnswerBytes int
	// MaxHeavy is how many heavy requests run at once (0: DefaultMaxHeavy);
	// HeavyQueue how many more may wait for a turn (0: 4 × MaxHeavy,
	// negative: none). Past both they get 503 with Retry-After.
	MaxHeavy, HeavyQueue int
	// ExtractCacheBytes bounds the cache of extraction answers
	// (0: DefaultExtractCacheBytes, negative: no cache).
	ExtractCacheBytes int64
	// SavedPagesBytes bounds the page saves kept to read the next save of
	// each page against (0: DefaultSavedPagesBytes, negative: none).
	SavedPagesBytes int64
}

// Handler serves Appsmith's RTS HTTP API and /metrics. It is safe for
// concurrent use.
type Handler struct {
	log        *slog.Logger
	apps       Apps
	hosts      *AllowedHosts
	hasSecret  bool
	secretSum  [sha256.Size]byte
	maxBody    int64
	maxScripts int
	maxAnswer  int
	timeout    time.Duration
	metrics    http.Handler
	gate       *heavyGate
	pool       *workPool
	cache      *extractCache // nil: no caching
	saved      *pageMemo     // nil: no saves kept
	renamer    refactor.Renamer
	// The analyses the AST routes run: analysis.Extract and
	// renamer.Script, unless a test of this handler makes them block or
	// panic (fields, not package variables, so such tests run in parallel
	// with the others).
	extract        func(script string, evalVersion int, invalid map[string]bool) analysis.IdentifierInfo
	refactorScript func(rn refactor.Renamer, script, oldName, newName string, isJSObject bool) (refactor.ScriptResult, error)

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	rejected *prometheus.CounterVec
	routes   [numRoutes]route
}

type routeID uint8

const (
	routeUnmatched routeID = iota
	routeHealth
	routeSingle
	routeMultiple
	routeRefactor
	routeBatch
	routeApps
	routeAppsImport
	routeAppGraph
	routeAppDependents
	routeAppRename
	routeDSLVersion
	routeDSLMigrate
	routeMetrics
	numRoutes
)

// Route paths, which are also the route label of the metrics.
const (
	PathHealthCheck    = "/rts-api/v1/health-check"
	PathSingleScript   = "/rts-api/v1/ast/single-script-data"
	PathMultipleScript = "/rts-api/v1/ast/multiple-script-data"
	PathEntityRefactor = "/rts-api/v1/ast/entity-refactor"
	PathRefactorBatch  = "/rts-api/v1/refactor/batch"
	PathMetrics        = "/metrics"
	apiPrefix          = "/rts-api"
	unmatchedLabel     = "unmatched"
)

type route struct {
	label  string
	method string
	open   bool // never behind the secret
	serve  func(*Handler, *exchange)

	observer prometheus.Observer
	counters [600]atomic.Pointer[prometheus.Counter] // by status code
}

// exchange is the state of one request, pooled with its buffers.
type exchange struct {
	w           http.ResponseWriter
	r           *http.Request
	status      int
	deadline    time.Time
	bodyStarted bool // the body has been read from (100 Continue was sent)
	in, out     []byte

	// multiple-script-data's scratch: the lazy reading of the scripts,
	// their answers, their cache lookups.
	scan       scriptScan
	answersBuf [][]byte
	lookups    []cacheLookup
	spans      []int32  // the answer's scripts for the saved pages (see savedPage.spans)
	misses     []int    // the scripts the cache did not answer
	kept       [][]byte // per script read against a kept save: its answer there, or nil
	rest       []span   // the scripts read against a kept save that it does not answer
	scratch    []byte   // one analysed script's answer, before the cache copies it
	clen       [1]string
}

// answers returns a slice of n nil answers, reusing the exchange's.
func (x *exchange) answers(n int) [][]byte {
	if cap(x.answersBuf) < n {
		x.answersBuf = make([][]byte, n)
	}
	x.answersBuf = x.answersBuf[:n]
	return x.answersBuf
}

// keepItems is the most scripts whose scratch an exchange keeps for the
// next request: the largest page of the shared apps has 455.
const keepItems = 1024

// keepBuffer is the largest buffer returned to the pool, so that one large
// request does not pin megabytes for the life of the process.
const keepBuffer = 64 << 10

var exchanges = sync.Pool{New: func() any {
	return &exchange{in: make([]byte, 0, 4096), out: make([]byte, 0, 4096)}
}}

// NewHandler builds a Handler and registers its metrics.
func NewHandler(o Options) (*Handler, error) {
	h := &Handler{
		apps:       o.Apps,
		log:        o.Logger,
		hosts:      o.AllowedHosts,
		maxBody:    o.MaxBodyBytes,
		maxScripts: o.MaxScripts,
		maxAnswer:  o.MaxAnswerBytes,
		timeout:    o.RequestTimeout,
		pool:       newWorkPool(runtime.GOMAXPROCS(0) - 1),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	if h.maxScripts <= 0 {
		h.maxScripts = DefaultMaxScripts
	}
	if h.maxAnswer <= 0 {
		h.maxAnswer = DefaultMaxAnswerBytes
	}
	heavy, queue := o.MaxHeavy, o.HeavyQueue
	if heavy <= 0 {
		heavy = DefaultMaxHeavy()
	}
	if queue == 0 {
		queue = 4 * heavy
	}
	h.gate = newHeavyGate(heavy, queue)
	switch {
	case o.ExtractCacheBytes == 0:
		h.cache = newExtractCache(DefaultExtractCacheBytes)
	case o.ExtractCacheBytes > 0:
		h.cache = newExtractCache(o.ExtractCacheBytes)
	}
	switch {
	case o.SavedPagesBytes == 0:
		h.saved = newPageMemo(DefaultSavedPagesBytes)
	case o.SavedPagesBytes > 0:
		h.saved = newPageMemo(o.SavedPagesBytes)
	}
	if h.timeout <= 0 {
		h.timeout = DefaultRequestTimeout
	}
	h.renamer.Scans = o.ScanCache
	if h.renamer.Scans == nil {
		h.renamer.Scans = analysis.NewScanCache(0)
	}
	h.extract, h.refactorScript = analysis.Extract, refactor.Renamer.Script
	if o.Secret != "" {
		// Hashing first makes the comparison constant-time in the length too.
		h.hasSecret, h.secretSum = true, sha256.Sum256([]byte(o.Secret))
	}

	reg, gat := o.Registerer, o.Gatherer
	if reg == nil {
		r := prometheus.NewRegistry()
		reg, gat = r, r
	}
	if gat == nil {
		g, ok := reg.(prometheus.Gatherer)
		if !ok {
			return nil, errors.New("transport: Options.Gatherer is nil and Registerer is not a Gatherer")
		}
		gat = g
	}
	h.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rts_http_requests_total",
		Help: "HTTP requests answered, by route pattern and status code.",
	}, []string{"route", "code"})
	h.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "rts_http_request_duration_seconds",
		Help: "Time from receiving a request's headers to its answer, by route pattern.",
		// Appsmith's backend logs RTS calls slower than 50 ms; most take well
		// under one, so the buckets start at 100 µs.
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	h.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rts_http_rejected_total",
		Help: "Requests refused by a limit: host (not one of the server's names), scripts, answer_bytes, body_bytes, busy (heavy requests).",
	}, []string{"reason"})
	for _, reason := range []string{"host", "scripts", "answer_bytes", "body_bytes", "busy"} {
		h.rejected.WithLabelValues(reason)
	}
	own := []prometheus.Collector{h.requests, h.duration, h.rejected, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rts_http_heavy_waiting",
		Help: "Heavy requests waiting for a turn.",
	}, func() float64 { return float64(h.gate.waiting.Load()) }), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rts_http_heavy_running",
		Help: "Heavy requests running.",
	}, func() float64 { return float64(len(h.gate.run)) })}
	if h.cache != nil {
		own = append(own, h.cache.collectors()...)
	}
	if h.saved != nil {
		own = append(own, h.saved.collectors()...)
	}
	for _, c := range append(own,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	) {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if errors.As(err, &already) && !slices.Contains(own, c) {
				continue // the caller registered its own Go or process collector
			}
			return nil, fmt.Errorf("transport: registering metrics: %w", err)
		}
	}
	h.metrics = promhttp.HandlerFor(gat, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(h.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})

	h.routes = [numRoutes]route{
		routeUnmatched:     {label: unmatchedLabel, serve: (*Handler).serveNotFound},
		routeHealth:        {label: PathHealthCheck, method: http.MethodGet, open: true, serve: (*Handler).serveHealth},
		routeSingle:        {label: PathSingleScript, method: http.MethodPost, serve: (*Handler).serveSingle},
		routeMultiple:      {label: PathMultipleScript, method: http.MethodPost, serve: (*Handler).serveMultiple},
		routeRefactor:      {label: PathEntityRefactor, method: http.MethodPost, serve: (*Handler).serveRefactor},
		routeBatch:         {label: PathRefactorBatch, method: http.MethodPost, serve: (*Handler).serveBatch},
		routeApps:          {label: PathApps, method: http.MethodGet, serve: (*Handler).serveApps},
		routeAppsImport:    {label: PathAppsImport, method: http.MethodPost, serve: (*Handler).serveImport},
		routeAppGraph:      {label: labelAppGraph, method: http.MethodGet, serve: (*Handler).serveAppGraph},
		routeAppDependents: {label: labelAppDependent, method: http.MethodGet, serve: (*Handler).serveAppDependents},
		routeAppRename:     {label: labelAppRename, method: http.MethodPost, serve: (*Handler).serveAppRename},
		routeDSLVersion:    {label: PathDSLVersion, method: http.MethodGet, serve: (*Handler).serveDSLVersion},
		routeDSLMigrate:    {label: PathDSLMigrate, method: http.MethodPost, serve: (*Handler).serveDSLMigrate},
		routeMetrics:       {label: PathMetrics, method: http.MethodGet, open: true, serve: (*Handler).serveMetrics},
	}
	for i := range h.routes {
		h.routes[i].observer = h.duration.WithLabelValues(h.routes[i].label)
	}
	return h, nil
}

// routeOf maps a path to its route as Express's router would: exact, or
// differing in case or by one trailing slash.
func routeOf(path string) routeID {
	if id := exactRoute(path); id != routeUnmatched {
		return id
	}
	if id, _ := appRoute(path); id != routeUnmatched {
		return id
	}
	if len(path) > 1 && len(path) <= len(PathMultipleScript)+1 {
		return exactRoute(strings.ToLower(strings.TrimSuffix(path, "/")))
	}
	return routeUnmatched
}

func exactRoute(path string) routeID {
	switch path {
	case PathHealthCheck:
		return routeHealth
	case PathSingleScript:
		return routeSingle
	case PathMultipleScript:
		return routeMultiple
	case PathEntityRefactor:
		return routeRefactor
	case PathRefactorBatch:
		return routeBatch
	case PathApps:
		return routeApps
	case PathAppsImport:
		return routeAppsImport
	case PathDSLVersion:
		return routeDSLVersion
	case PathDSLMigrate:
		return routeDSLMigrate
	case PathMetrics:
		return routeMetrics
	}
	return routeUnmatched
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := routeOf(r.URL.Path)
	if rt := &h.routes[id]; rt.method != r.Method && !(r.Method == http.MethodHead && rt.method == http.MethodGet) {
		id = routeUnmatched // Express answers a wrong method with 404 too
	}
	// Conn deadlines bound the body read and the answer under any server;
	// the analysis itself checks x.deadline where it can stop.
	x := exchanges.Get().(*exchange)
	x.w, x.r, x.status, x.deadline, x.bodyStarted = w, r, 0, start.Add(h.timeout), false
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(x.deadline)
	_ = rc.SetWriteDeadline(x.deadline)
	defer h.finish(x, id, start)

	if !h.hosts.Allows(r.Host) {
		h.refuseHost(x)
		return
	}
	if h.hasSecret && h.guarded(id, r.URL.Path) && !h.authorized(r) {
		x.sendRaw(http.StatusUnauthorized, `{"success":false,"message":"Unauthorized"}`)
		return
	}
	h.routes[id].serve(h, x)
}

// refuseHost answers a request for a name that is not the server's: 421,
// the status for "this server does not answer for that name".
func (h *Handler) refuseHost(x *exchange) {
	h.rejected.WithLabelValues("host").Inc()
	host := x.r.Host
	if len(host) > 100 {
		host = host[:100] + "…"
	}
	x.sendError(http.StatusMisdirectedRequest, "Misdirected request: this server does not answer for host "+
		strconv.Quote(host)+"; its names are set with APPSMITH_RTS_ALLOWED_HOSTS")
}

// guarded reports whether the secret applies: every /rts-api request, the
// health check excepted (the Java backend and Docker probe it bare).
func (h *Handler) guarded(id routeID, path string) bool {
	if id != routeUnmatched {
		return !h.routes[id].open
	}
	return len(path) >= len(apiPrefix) && strings.EqualFold(path[:len(apiPrefix)], apiPrefix) &&
		(len(path) == len(apiPrefix) || path[len(apiPrefix)] == '/') &&
		routeOf(path) != routeHealth
}

func (h *Handler) authorized(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get("X-Rts-Secret")))
	return subtle.ConstantTimeCompare(got[:], h.secretSum[:]) == 1
}

// finish recovers a panic of the route into the 500 answer Appsmith
// intends, then records the request.
func (h *Handler) finish(x *exchange, id routeID, start time.Time) {
	rt := &h.routes[id]
	if v := recover(); v != nil {
		stack := debug.Stack()
		if wp, ok := v.(workerPanic); ok {
			v, stack = wp.value, wp.stack
		}
		h.log.LogAttrs(context.Background(), slog.LevelError, "panic serving request",
			slog.String("method", x.r.Method), slog.String("route", rt.label),
			slog.String("panic", panicText(v)), slog.String("stack", string(stack)))
		if x.status == 0 {
			x.sendError(http.StatusInternalServerError, "Something went wrong")
		}
	}
	elapsed := time.Since(start)
	rt.observer.Observe(elapsed.Seconds())
	rt.counter(h, x.status).Inc()
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("method", x.r.Method), slog.String("route", rt.label),
			slog.Int("status", x.status), slog.Duration("duration", elapsed),
		}
		// The Java backend tags its calls; logging the tag correlates the two logs.
		if id := x.r.Header.Get("X-Appsmith-Request-Id"); id != "" && len(id) <= 128 {
			attrs = append(attrs, slog.String("request_id", id))
		}
		h.log.LogAttrs(context.Background(), slog.LevelDebug, "request", attrs...)
	}
	x.w, x.r = nil, nil
	// The answers point into the cache's arenas, which must not outlive
	// their generation because a pooled exchange remembers them.
	clear(x.answersBuf)
	x.answersBuf = x.answersBuf[:0]
	clear(x.kept) // they point into a kept save's answer
	x.kept = x.kept[:0]
	if cap(x.in) <= keepBuffer && cap(x.out) <= keepBuffer &&
		cap(x.scan.items) <= keepItems && cap(x.answersBuf) <= keepItems && cap(x.lookups) <= keepItems &&
		cap(x.spans) <= 4*keepItems && cap(x.misses) <= keepItems && cap(x.scratch) <= keepBuffer &&
		cap(x.kept) <= keepItems && cap(x.rest) <= keepItems {
		exchanges.Put(x)
	}
}

// panicText describes a panic value without its data: a runtime error's
// text (an index, a nil map) never holds request data, any other value (an
// error message, a string) might quote a script, so only its type is told.
func panicText(v any) string {
	if re, ok := v.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("%T value", v)
}

// counter returns the request counter of this route and status code,
// creating the series on first use so that only codes seen are exported.
func (rt *route) counter(h *Handler, code int) prometheus.Counter {
	if code < 100 || code >= len(rt.counters) {
		return h.requests.WithLabelValues(rt.label, strconv.Itoa(code))
	}
	if c := rt.counters[code].Load(); c != nil {
		return *c
	}
	c := h.requests.WithLabelValues(rt.label, strconv.Itoa(code))
	rt.counters[code].Store(&c)
	return c
}

var contentTypeJSON = []string{"application/json; charset=utf-8"}

// send writes x.out as the JSON answer. An error answer first reads what
// is left of the body (see drainBody).
func (x *exchange) send(status int) {
	hdr := x.w.Header()
	if status >= 400 && !x.drainBody() {
		hdr.Set("Connection", "close")
	}
	hdr["Content-Type"] = contentTypeJSON
	x.status = status
	// Small answers get their Content-Length from net/http for free, and
	// leave in one write.
	if len(x.out) <= 2048 {
		x.w.WriteHeader(status)
		_, _ = x.w.Write(x.out)
		return
	}
	x.clen[0] = strconv.Itoa(len(x.out))
	hdr["Content-Length"] = x.clen[:] // servers copy it at WriteHeader, as net/http does
	cc := corkOf(x.r)
	if cc != nil {
		cc.cork()
		defer cc.uncork()
	}
	x.w.WriteHeader(status)
	_, _ = x.w.Write(x.out)
	if f, ok := x.w.(http.Flusher); ok && cc != nil {
		f.Flush() // net/http's buffers into the corked connection, before it is uncorked
	}
}

// sendDataRaw answers 200 {"success":true,"data":data} with data written
// as it is, without a copy into x.out.
func (x *exchange) sendDataRaw(data []byte) {
	const prefix, suffix = `{"success":true,"data":`, `}`
	hdr := x.w.Header()
	hdr["Content-Type"] = contentTypeJSON
	hdr["Content-Length"] = []string{strconv.Itoa(len(prefix) + len(data) + len(suffix))}
	x.status = http.StatusOK
	x.w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(x.w, prefix)
	_, _ = x.w.Write(data)
	_, _ = io.WriteString(x.w, suffix)
}

// timedOut answers a request that ran out of time. The answer gets a
// moment of its own to be written, and the connection is not reused: a
// read that hit the deadline has cancelled its context.
// It is 408 when the body did not arrive in time, 503 when the analysis
// did not finish in time.
func (x *exchange) timedOut(status int) {
	_ = http.NewResponseController(x.w).SetWriteDeadline(time.Now().Add(timeoutGrace))
	x.w.Header().Set("Connection", "close")
	x.sendError(status, "Request timed out")
}

// timeoutGrace is how long the answer to a timed-out request may take.
const timeoutGrace = time.Second

func (x *exchange) sendRaw(status int, body string) {
	x.out = append(x.out[:0], body...)
	x.send(status)
}

// sendError answers {"success":false,"message":msg,"data":{"error":msg}},
// the shape of Appsmith's BaseController.sendError with one message.
func (x *exchange) sendError(status int, msg string) {
	b := append(x.out[:0], `{"success":false,"message":`...)
	b = appendString(b, msg)
	b = append(b, `,"data":{"error":`...)
	b = appendString(b, msg)
	x.out = append(b, "}}"...)
	x.send(status)
}

func (h *Handler) serveHealth(x *exchange) {
	x.sendRaw(http.StatusOK, `{"success":true}`)
}

func (h *Handler) serveMetrics(x *exchange) {
	x.status = http.StatusOK
	h.metrics.ServeHTTP(x.w, x.r)
}

// serveNotFound is Express's `Cannot GET /path` 404, in JSON.
func (h *Handler) serveNotFound(x *exchange) {
	x.sendError(http.StatusNotFound, "Cannot "+x.r.Method+" "+x.r.URL.Path)
}

// readJSON reads and parses the request body into b. It answers the
// request itself and returns false when the body is unusable. As with
// Express, a body that is not declared JSON is not read and counts as {}.
func (h *Handler) readJSON(x *exchange, b *body) bool { return h.readJSONScan(x, b, nil) }

// readJSONScan is readJSON reading the scripts array lazily into scan
// (see scriptScan); a malformed body is answered with the strict reader's
// error.
func (h *Handler) readJSONScan(x *exchange, b *body, scan *scriptScan) bool {
	in, ok := h.readRaw(x)
	if !ok {
		return false
	}
	return parseJSONScan(x, in, b, scan)
}

// parseJSONScan is readJSONScan's reading of the body in, which readRaw
// returned.
func parseJSONScan(x *exchange, in []byte, b *body, scan *scriptScan) bool {
	if in == nil {
		*b = body{}
		if scan != nil {
			scan.reset()
		}
		return true
	}
	err := parseBodyScan(in, b, scan)
	if err != nil && scan != nil {
		// The strict reader fails too, and names the first error.
		scan.reset()
		err = parseBody(in, b)
	}
	if err != nil {
		x.sendMalformed(err)
		return false
	}
	return true
}

// strict reads again with the strict reader a body the lazy one accepted,
// answering 400 if it is malformed.
func (x *exchange) strict(b *body) bool {
	if err := parseBody(b.buf, b); err != nil {
		x.sendMalformed(err)
		return false
	}
	return true
}

func (x *exchange) sendMalformed(err error) {
	msg := "Malformed JSON: " + err.Error()
	if err == errNotObject {
		msg = errNotObject.msg
	}
	x.sendError(http.StatusBadRequest, msg)
}

// readRaw reads a JSON request body within the size and time limits. It
// answers the request itself and returns false when the body is unusable;
// a body not declared JSON is nil.
func (h *Handler) readRaw(x *exchange) ([]byte, bool) {
	r := x.r
	if !isJSON(r.Header.Get("Content-Type")) {
		return nil, true
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		x.sendError(http.StatusUnsupportedMediaType, "Unsupported Content-Encoding")
		return nil, false
	}
	if r.ContentLength > h.maxBody {
		h.rejected.WithLabelValues("body_bytes").Inc()
		x.sendError(http.StatusRequestEntityTooLarge, "Request body is larger than "+sizeText(h.maxBody))
		return nil, false
	}
	x.bodyStarted = true
	in, err := readBody(r.Body, x.in[:0], r.ContentLength, h.maxBody)
	x.in = in
	if errors.Is(err, errTooLarge) {
		h.rejected.WithLabelValues("body_bytes").Inc()
		x.sendError(http.StatusRequestEntityTooLarge, "Request body is larger than "+sizeText(h.maxBody))
		return nil, false
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		x.timedOut(http.StatusRequestTimeout)
		return nil, false
	}
	if err != nil {
		x.w.Header().Set("Connection", "close")
		x.sendError(http.StatusBadRequest, "Request body could not be read")
		return nil, false
	}
	if in == nil {
		in = []byte{}
	}
	return in, true
}

var errTooLarge = errors.New("request body too large")

// maxPrealloc is the largest body buffer allocated before its bytes arrive.
const maxPrealloc = 256 << 10

// readBody reads all of r into buf, failing with errTooLarge past limit
// bytes. length is the declared Content-Length, or -1.
func readBody(r io.Reader, buf []byte, length, limit int64) ([]byte, error) {
	if length >= 0 && length < maxPrealloc && int64(cap(buf)) < length+1 {
		// One extra byte lets the loop below see EOF without growing. Large
		// declared lengths grow with the data instead, so that clients
		// announcing 5 MB and sending nothing cannot make us hold it.
		buf = make([]byte, 0, length+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// isJSON is body-parser's type check for `application/json`: parameters
// and case do not matter.
func isJSON(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.EqualFold(strings.TrimSpace(ct), "application/json")
}

func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
