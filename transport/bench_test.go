package transport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmarks drive a real Server over loopback from 8 keep-alive
// clients, as the Java backend's pool does in a burst. The load generator
// shares the machine's cores with the server, so the raw-client variants
// speak HTTP/1.1 by hand to leave the cores to the server; the
// NetHTTPClient variants show the same load from Go's own client.
//
//	go test -bench . -benchmem ./transport/

const benchClients = 8

var (
	benchSingle = `{"script":"(function abc() { let Api2 = { }; return Api2.data ? str.data + Api1.data : [] })()","evalVersion":2}`
	benchRename = `{"script":"Table1.selectedRow.id ? getUsers.data.filter(u => u.id === Table1.selectedRow.id) : getUsers.data","oldName":"getUsers","newName":"fetchUsers","isJSObject":false,"evalVersion":2}`
)

func benchMultiple() string {
	scripts := make([]string, 50)
	for i := range scripts {
		scripts[i] = fmt.Sprintf(`"Table%d.selectedRow.id ? Api%d.data.filter(u => u.id === Input%d.text) : []"`, i, i, i)
	}
	return `{"scripts":[` + strings.Join(scripts, ",") + `],"evalVersion":2}`
}

func BenchmarkSingleScriptData(b *testing.B)   { benchRaw(b, PathSingleScript, benchSingle) }
func BenchmarkEntityRefactor(b *testing.B)     { benchRaw(b, PathEntityRefactor, benchRename) }
func BenchmarkMultipleScriptData(b *testing.B) { benchRaw(b, PathMultipleScript, benchMultiple()) }
func BenchmarkHealthCheck(b *testing.B)        { benchRawGet(b, PathHealthCheck) }

func BenchmarkSingleScriptDataNetHTTPClient(b *testing.B) {
	benchNetHTTP(b, PathSingleScript, benchSingle)
}

func BenchmarkEntityRefactorNetHTTPClient(b *testing.B) {
	benchNetHTTP(b, PathEntityRefactor, benchRename)
}

// BenchmarkHandler measures this package's own cost: no network, no
// net/http server, just ServeHTTP.
func BenchmarkHandler(b *testing.B) {
	h, err := NewHandler(Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path, body string }{
		{"single", PathSingleScript, benchSingle},
		{"refactor", PathEntityRefactor, benchRename},
		{"validation", PathEntityRefactor, `{"script":1}`},
		{"multiple50", PathMultipleScript, benchMultiple()}, // from the cache after the first
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &discardWriter{h: http.Header{}}
			req := httptest.NewRequest("POST", "http://127.0.0.1"+bc.path, nil)
			req.Header.Set("Content-Type", "application/json")
			body := strings.NewReader(bc.body)
			for b.Loop() {
				body.Reset(bc.body)
				req.Body = io.NopCloser(body)
				req.ContentLength = int64(len(bc.body))
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, req)
				if w.status != http.StatusOK && bc.name != "validation" {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// The deadline methods are those of net/http's own ResponseWriter.
func (w *discardWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *discardWriter) SetWriteDeadline(time.Time) error { return nil }

// startBenchServer runs a Server on a free loopback port for b.
func startBenchServer(b *testing.B) string {
	b.Helper()
	h, err := NewHandler(Options{})
	if err != nil {
		b.Fatal(err)
	}
	return runUntilCleanup(b, NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: h}))
}

// latencies collects the duration of every request of a benchmark run.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// report adds req/s and latency percentiles to the benchmark's output.
func (l *latencies) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	pct := func(p float64) float64 {
		return float64(l.all[int(float64(len(l.all)-1)*p)].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func runClients(b *testing.B, client func(pb *testing.PB, lat *[]time.Duration)) {
	var l latencies
	b.ReportAllocs()
	b.SetParallelism(max(1, benchClients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1<<16)
		client(pb, &lat)
		l.add(lat)
	})
	b.StopTimer()
	l.report(b)
}

func benchRaw(b *testing.B, path, body string) {
	addr := startBenchServer(b)
	req := []byte("POST " + path + " HTTP/1.1\r\nHost: " + addr +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	runClients(b, func(pb *testing.PB, lat *[]time.Duration) { rawClient(b, addr, req, pb, lat) })
}

func benchRawGet(b *testing.B, path string) {
	addr := startBenchServer(b)
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	runClients(b, func(pb *testing.PB, lat *[]time.Duration) { rawClient(b, addr, req, pb, lat) })
}

// rawClient sends req over one keep-alive connection for as long as pb
// says, reading each answer whole.
func rawClient(b *testing.B, addr string, req []byte, pb *testing.PB, lat *[]time.Duration) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 16<<10)
	body := make([]byte, 0, 16<<10)
	for pb.Next() {
		start := time.Now()
		if _, err := c.Write(req); err != nil {
			b.Error(err)
			return
		}
		status, n, err := readHead(r)
		if err != nil {
			b.Error(err)
			return
		}
		body = slices.Grow(body[:0], n)[:n]
		if _, err := io.ReadFull(r, body); err != nil {
			b.Error(err)
			return
		}
		*lat = append(*lat, time.Since(start))
		if status != 200 {
			b.Errorf("status %d: %s", status, body)
			return
		}
	}
}

// readHead reads a response's status line and headers and returns the
// status and Content-Length.
func readHead(r *bufio.Reader) (status, length int, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	if len(line) < 12 {
		return 0, 0, fmt.Errorf("bad status line %q", line)
	}
	status, _ = strconv.Atoi(string(line[9:12]))
	length = -1
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return 0, 0, fmt.Errorf("no Content-Length")
	}
	return status, length, nil
}

func benchNetHTTP(b *testing.B, path, body string) {
	url := "http://" + startBenchServer(b) + path
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients * 2, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	runClients(b, func(pb *testing.PB, lat *[]time.Duration) {
		rd := strings.NewReader(body)
		for pb.Next() {
			start := time.Now()
			rd.Reset(body)
			res, err := client.Post(url, "application/json", rd)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			*lat = append(*lat, time.Since(start))
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
