package loadgen

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/transport"
)

// The corpus is read once per test binary.
var loadCorpus = func() func(tb testing.TB) *Corpus {
	read := sync.OnceValues(func() (*Corpus, error) { return LoadCorpus("") })
	return func(tb testing.TB) *Corpus {
		tb.Helper()
		c, err := read()
		if errors.Is(err, fs.ErrNotExist) {
			tb.Skipf("conformance corpus not available: %v", err)
		}
		if err != nil {
			tb.Fatalf("conformance corpus: %v", err)
		}
		return c
	}
}()

// TestLoadEndToEnd runs the load generator for a fixed number of requests
// (not a time, so that a slow machine runs the same test) at concurrency 4
// against rts's real HTTP handler (package transport, behind a secret) on
// 127.0.0.1, with the corpus scripts, and demands zero failures.
func TestLoadEndToEnd(t *testing.T) {
	t.Parallel()
	c := loadCorpus(t)
	const secret = "e2e-secret"
	h, err := transport.NewHandler(transport.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	requests := int64(400)
	endpoints := []Endpoint{Single, Mixed}
	if testing.Short() {
		requests = 100
		endpoints = endpoints[:1]
	}
	for _, e := range endpoints {
		t.Run(string(e), func(t *testing.T) {
			gen, err := NewGenerator(c, e, 10)
			if err != nil {
				t.Fatal(err)
			}
			// The timeout only stops a hung request.
			res, err := Run(context.Background(), Config{
				URL: srv.URL, Concurrency: 4, Requests: requests, Secret: secret, Timeout: 2 * time.Minute,
			}, gen)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d requests, %.0f req/s, %.0f scripts/s, p50 %v p99 %v",
				e, res.Requests, res.ReqPerSec, res.ScriptsPerSec, res.Latency.P50, res.Latency.P99)
			if res.Failed() != 0 {
				t.Errorf("%d failed requests (non-2xx %d, invalid %d, errors %d): %s",
					res.Failed(), res.Non2xx, res.Invalid, res.Errors, res.FirstError)
			}
			if res.OK != requests || res.ReqPerSec <= 0 || res.Latency.Count != int(res.OK) {
				t.Errorf("ok %d, %v req/s, %d latencies", res.OK, res.ReqPerSec, res.Latency.Count)
			}
			if res.Sample.Status != http.StatusOK {
				t.Errorf("sample answer %d %s", res.Sample.Status, res.Sample.Response)
			}
		})
	}

	// Without the secret every request is refused, and counted as such.
	gen, err := NewGenerator(c, Single, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 2, Requests: 20}, gen)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Non2xx != 20 || res.StatusCodes["401"] != 20 || res.Sample.Status != http.StatusUnauthorized {
		t.Errorf("without the secret: ok %d, non-2xx %d, status %v, sample %d", res.OK, res.Non2xx, res.StatusCodes, res.Sample.Status)
	}
}
