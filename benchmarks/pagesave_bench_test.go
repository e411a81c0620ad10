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

	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
	"github.com/appsmith-rts/rts/transport"
)

var (
	traceOnce  sync.Once
	tracePages []loadgen.PageBindings
	traceErr   error
)

// BenchmarkPageSave replays the page-save trace through rts's HTTP
// handler on loopback: each iteration is one layout save, every widget
// binding of a page sent to multiple-script-data with one of them edited,
// 20 saves per page before the next. With the extraction cache only the
// edited binding is analysed; without it, all of them.
//
//	go test -run '^$' -bench PageSave -benchtime 5s ./benchmarks/
func BenchmarkPageSave(b *testing.B) {
	traceOnce.Do(func() { tracePages, traceErr = loadgen.LoadPageBindings("") })
	if traceErr != nil {
		b.Skip(traceErr)
	}
	// The bodies, as JSON string lists, built once: encoding is the
	// client's work, not the server's.
	encoded := make([][][]byte, len(tracePages))
	for i, p := range tracePages {
		for _, s := range p.Scripts {
			q, _ := json.Marshal(s)
			encoded[i] = append(encoded[i], q)
		}
	}
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
			var body bytes.Buffer
			scripts := 0
			save := 0
			for b.Loop() {
				page := encoded[(save/20)%len(encoded)]
				k := save % len(page)
				body.Reset()
				body.WriteString(`{"scripts":[`)
				for i, q := range page {
					if i > 0 {
						body.WriteByte(',')
					}
					if i == k {
						var s string
						_ = json.Unmarshal(q, &s)
						q, _ = json.Marshal(loadgen.EditScript(s, strconv.Itoa(save)))
					}
					body.Write(q)
				}
				body.WriteString(`],"evalVersion":2}`)
				res, err := client.Post(srv.URL+transport.PathMultipleScript, "application/json", &body)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("save %d: status %d", save, res.StatusCode)
				}
				scripts += len(page)
				save++
			}
			b.ReportMetric(float64(save)/b.Elapsed().Seconds(), "saves/s")
			b.ReportMetric(float64(scripts)/b.Elapsed().Seconds(), "scripts/s")
		})
	}
}
