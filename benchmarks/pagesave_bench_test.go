package benchmarks

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
	"github.com/appsmith-rts/rts/transport"
)

var (
	traceOnce  sync.Once
	tracePages []loadgen.PageBindings
	traceErr   error
)

// traceBodies returns each page's bindings as JSON strings, encoded once:
// encoding is the client's work, not the server's.
func traceBodies(b *testing.B) [][][]byte {
	traceOnce.Do(func() { tracePages, traceErr = loadgen.LoadPageBindings("") })
	if traceErr != nil {
		b.Skip(traceErr)
	}
	encoded := make([][][]byte, len(tracePages))
	for i, p := range tracePages {
		for _, s := range p.Scripts {
			q, _ := json.Marshal(s)
			encoded[i] = append(encoded[i], q)
		}
	}
	return encoded
}

// appendSave appends the body of layout save number save of the trace:
// every binding of its page (20 saves per page, then the next), the one at
// save % len(page) edited.
func appendSave(dst []byte, encoded [][][]byte, save int) []byte {
	page := encoded[(save/20)%len(encoded)]
	k := save % len(page)
	dst = append(dst, `{"scripts":[`...)
	for i, q := range page {
		if i > 0 {
			dst = append(dst, ',')
		}
		if i == k {
			var s string
			_ = json.Unmarshal(q, &s)
			q, _ = json.Marshal(loadgen.EditScript(s, strconv.Itoa(save)))
		}
		dst = append(dst, q...)
	}
	return append(dst, `],"evalVersion":2}`...)
}

// BenchmarkPageSave replays the page-save trace through rts's HTTP
// handler on loopback: each iteration is one layout save, every widget
// binding of a page sent to multiple-script-data with one of them edited,
// 20 saves per page before the next. With the extraction cache only the
// edited binding is analysed; without it, all of them.
//
//	go test -run '^$' -bench PageSave -benchtime 5s ./benchmarks/
func BenchmarkPageSave(b *testing.B) {
	encoded := traceBodies(b)
	for _, bc := range []struct {
		name  string
		cache int64
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			h, err := transport.NewHandler(transport.Options{ExtractCacheBytes: bc.cache})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			client := srv.Client()
			var body []byte
			scripts := 0
			save := 0
			for b.Loop() {
				body = appendSave(body[:0], encoded, save)
				res, err := client.Post(srv.URL+transport.PathMultipleScript, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("save %d: status %d", save, res.StatusCode)
				}
				scripts += len(encoded[(save/20)%len(encoded)])
				save++
			}
			b.ReportMetric(float64(save)/b.Elapsed().Seconds(), "saves/s")
			b.ReportMetric(float64(scripts)/b.Elapsed().Seconds(), "scripts/s")
		})
	}
}

// BenchmarkPageSaveHandler is BenchmarkPageSave without the network: the
// trace's requests straight into the handler's ServeHTTP, so that what it
// measures is rts's own work per save (reading the body, the cache, the
// one analysis, the answer), not loopback TCP or net/http. cpu-µs/op is
// the process's CPU time per save (collector included), the figure to
// quote from a shared machine. Building each body (a 14 KB copy on
// average) is inside the loop.
//
//	go test -run '^$' -bench PageSaveHandler -cpu 1 -count 6 ./benchmarks/
func BenchmarkPageSaveHandler(b *testing.B) {
	encoded := traceBodies(b)
	h, err := transport.NewHandler(transport.Options{})
	if err != nil {
		b.Fatal(err)
	}
	w := &discardWriter{h: http.Header{}}
	req := httptest.NewRequest("POST", "http://127.0.0.1"+transport.PathMultipleScript, nil)
	req.Header.Set("Content-Type", "application/json")
	var body []byte
	rd := bytes.NewReader(nil)
	// Every page once first, so that the cache holds what a server that
	// has seen these pages holds.
	for p := range encoded {
		body = appendSave(body[:0], encoded, 20*p)
		w.serve(b, h, req, rd, body)
	}
	w.bytes = 0
	b.ReportAllocs()
	cpu0 := processCPU()
	save := 0
	for b.Loop() {
		body = appendSave(body[:0], encoded, save)
		w.serve(b, h, req, rd, body)
		save++
	}
	b.ReportMetric((processCPU()-cpu0)*1e6/float64(save), "cpu-µs/op")
	b.ReportMetric(float64(w.bytes)/float64(save), "answer-B/op")
}

// discardWriter is a ResponseWriter that keeps only the status and counts
// the answer's bytes.
type discardWriter struct {
	h      http.Header
	status int
	bytes  int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { w.bytes += len(p); return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// The deadline methods are those of net/http's own ResponseWriter.
func (w *discardWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *discardWriter) SetWriteDeadline(time.Time) error { return nil }

func (w *discardWriter) serve(b *testing.B, h http.Handler, req *http.Request, rd *bytes.Reader, body []byte) {
	rd.Reset(body)
	req.Body = io.NopCloser(rd)
	req.ContentLength = int64(len(body))
	clear(w.h)
	w.status = 0
	h.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		b.Fatalf("status %d", w.status)
	}
}
