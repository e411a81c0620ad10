package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

func TestExtractCache(t *testing.T) {
	t.Parallel()
	if newExtractCache(0) != nil || newExtractCache(-1) != nil {
		t.Fatal("a cache of no size should be nil")
	}
	var none *extractCache
	none.put(2, []byte("a"), []byte("x")) // a nil cache keeps nothing and does not fail
	if _, ok := none.get(2, []byte("a")); ok {
		t.Fatal("nil cache has an entry")
	}

	c := newExtractCache(cacheShards * 2 * 4096)
	c.put(2, []byte("Api1.data"), []byte("v2"))
	c.put(1, []byte("Api1.data"), []byte("v1"))
	if v, ok := c.get(2, []byte("Api1.data")); !ok || string(v) != "v2" {
		t.Errorf("version 2: %q %v", v, ok)
	}
	if v, ok := c.get(1, []byte("Api1.data")); !ok || string(v) != "v1" {
		t.Errorf("version 1: %q %v", v, ok)
	}
	for _, miss := range []string{"Api1.dat", "Api1.datb", "", "Api1.data "} {
		if _, ok := c.get(2, []byte(miss)); ok {
			t.Errorf("%q hits", miss)
		}
	}
	// A second put of a key keeps the first value (both are the same answer).
	c.put(2, []byte("Api1.data"), []byte("other"))
	if v, _ := c.get(2, []byte("Api1.data")); string(v) != "v2" {
		t.Errorf("after a second put: %q", v)
	}
	// The caller's buffers are copied.
	key, val := []byte("k"), []byte("v")
	c.put(2, key, val)
	key[0], val[0] = 'x', 'x'
	if v, ok := c.get(2, []byte("k")); !ok || string(v) != "v" {
		t.Errorf("after changing the caller's buffers: %q %v", v, ok)
	}
	// Entries larger than an eighth of a generation are not kept.
	c.put(2, []byte("big"), make([]byte, 4096/8))
	if _, ok := c.get(2, []byte("big")); ok {
		t.Error("an oversized entry was kept")
	}
}

// TestExtractCacheBounded fills a small cache far past its size: it stays
// within its bytes, keeps what is read, drops what is not and counts it.
func TestExtractCacheBounded(t *testing.T) {
	t.Parallel()
	const limit = cacheShards * 2 * 8192
	c := newExtractCache(limit)
	key := func(i int) []byte { return fmt.Appendf(nil, "Api%d.data", i) }
	value := bytes.Repeat([]byte("v"), 100)
	hot := key(-1)
	c.put(2, hot, value)
	held := func() (cap int64) {
		for i := range c.shards {
			cap += int64(cgap(c.shards[i].cur) + cgap(c.shards[i].prev))
		}
		return cap
	}
	var answers [][]byte
	for i := range 20_000 {
		c.put(2, key(i), value)
		if i%100 == 0 {
			v, ok := c.get(2, hot)
			if !ok {
				t.Fatalf("the entry read all along was dropped after %d puts", i)
			}
			answers = append(answers, v)
		}
		if b, _ := c.size(); b > limit || held() > limit {
			t.Fatalf("%d bytes counted, %d held, limit %d", b, held(), limit)
		}
	}
	for _, v := range answers { // answers handed out earlier are intact
		if !bytes.Equal(v, value) {
			t.Fatalf("an earlier answer changed to %q", v)
		}
	}
	b, n := c.size()
	per := len(key(10_000)) + len(value) + indexCost
	if n < limit/per/2 {
		t.Errorf("%d entries in %d bytes: the cache is underused (an entry is about %d bytes)", n, b, per)
	}
	if _, ok := c.get(2, key(0)); ok {
		t.Error("the oldest entry is still there")
	}
	if _, ok := c.get(2, key(19_999)); !ok {
		t.Error("the newest entry is gone")
	}
	if ev := gathered(t, c, "rts_extract_cache_evictions_total"); int(ev) != 20_001-n {
		t.Errorf("%v evictions counted, %d entries dropped", ev, 20_001-n)
	}
}

// cgap is the arena capacity of a generation: what it holds in memory.
func cgap(g cacheGen) int { return cap(g.arena) }

// gathered reads one of the cache's metrics.
func gathered(t *testing.T, c *extractCache, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestExtractCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := newExtractCache(cacheShards * 2048)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := fmt.Appendf(nil, "k%d", (i*7+g)%300)
				if v, ok := c.get(2, k); ok && !bytes.Equal(v, append(k, '!')) {
					t.Errorf("key %s has value %s", k, v)
					return
				}
				c.put(2, k, append(bytes.Clone(k), '!'))
			}
		})
	}
	wg.Wait()
	if b, _ := c.size(); b > cacheShards*2048 {
		t.Errorf("%d bytes held", b)
	}
}

// TestConformanceThroughCache runs Appsmith's extraction corpus through
// multiple-script-data three ways, without a cache, with a cold cache and
// with a warm one: every answer must be the same bytes, and the same bytes
// JSON.stringify wrote for Appsmith's own answer (cases without
// invalidIdentifiers, which the route never sends, and without quirks).
func TestConformanceThroughCache(t *testing.T) {
	t.Parallel()
	path, err := shareddata.Path("conformance", "extract.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	type extractCase struct {
		Input struct {
			Script             string          `json:"script"`
			EvalVersion        json.RawMessage `json:"evalVersion"`
			InvalidIdentifiers json.RawMessage `json:"invalidIdentifiers"`
		} `json:"input"`
		Expected json.RawMessage `json:"expected"`
		Quirk    string          `json:"quirk"`
	}
	var cases []*extractCase
	if err := shareddata.ReadJSONLines(path, func(_ int, c *extractCase) error {
		cases = append(cases, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// One request per eval version and 1,000 scripts, as the backend batches.
	batches := map[string][]int{}
	for i, c := range cases {
		v := string(c.Input.EvalVersion)
		batches[v] = append(batches[v], i)
	}
	versions := make([]string, 0, len(batches))
	for v := range batches {
		versions = append(versions, v)
	}
	sort.Strings(versions)

	run := func(srv *testServer) [][]byte {
		answers := make([][]byte, len(cases))
		for _, v := range versions {
			idx := batches[v]
			for start := 0; start < len(idx); start += 1000 {
				part := idx[start:min(start+1000, len(idx))]
				var body strings.Builder
				body.WriteString(`{"scripts":[`)
				for k, i := range part {
					if k > 0 {
						body.WriteByte(',')
					}
					b, _ := json.Marshal(cases[i].Input.Script)
					body.Write(b)
				}
				body.WriteString(`]`)
				if v != "" {
					body.WriteString(`,"evalVersion":` + v)
				}
				body.WriteString(`}`)
				res := srv.post(t, multiple, body.String())
				var env struct {
					Data []json.RawMessage `json:"data"`
				}
				if res.status != 200 || json.Unmarshal([]byte(res.body), &env) != nil || len(env.Data) != len(part) {
					t.Fatalf("evalVersion %s batch at %d: %d %.300s", v, start, res.status, res.body)
				}
				for k, i := range part {
					answers[i] = env.Data[k]
				}
			}
		}
		return answers
	}
	uncached := run(newTestServer(t, Options{ExtractCacheBytes: -1, SavedPagesBytes: -1}))
	cachedSrv := newTestServer(t, Options{SavedPagesBytes: -1})
	cold := run(cachedSrv)
	warm := run(cachedSrv)
	// The same requests again with the saved pages: the second time each is
	// answered from the kept copy of the first (every batch under its size
	// bound).
	savedSrv := newTestServer(t, Options{SavedPagesBytes: 64 << 20})
	run(savedSrv)
	saved := run(savedSrv)

	same, compared := 0, 0
	for i, c := range cases {
		if !bytes.Equal(cold[i], uncached[i]) || !bytes.Equal(warm[i], uncached[i]) || !bytes.Equal(saved[i], uncached[i]) {
			t.Fatalf("case %d (%.100q): uncached %s, cold cache %s, warm cache %s, saved %s", i, c.Input.Script, uncached[i], cold[i], warm[i], saved[i])
		}
		if len(c.Input.InvalidIdentifiers) == 0 && c.Quirk == "" {
			compared++
			var want bytes.Buffer
			if err := json.Compact(&want, c.Expected); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(want.Bytes(), uncached[i]) {
				same++
			}
		}
	}
	rate := 100 * float64(same) / float64(compared)
	t.Logf("%d cases; %d/%d answers byte-identical to Appsmith's (%.2f%%)", len(cases), same, compared, rate)
	if rate < 99.5 {
		t.Errorf("byte agreement with Appsmith %.2f%% is below 99.5%%", rate)
	}
	metrics := get(t, cachedSrv.Server, PathMetrics)
	if !strings.Contains(metrics, fmt.Sprintf("rts_extract_cache_hits_total %d\n", len(cases))) {
		t.Errorf("the warm pass is not all hits:\n%s", grepLines(metrics, "rts_extract_cache"))
	}
	metrics = get(t, savedSrv.Server, PathMetrics)
	if !strings.Contains(metrics, fmt.Sprintf("rts_saved_page_scripts_total %d\n", len(cases))) {
		t.Errorf("the second pass is not all from the saved pages:\n%s", grepLines(metrics, "rts_saved_page"))
	}
}

// TestSingleThroughCache: single-script-data answers the same bytes from
// the cache, per eval version, and counts hits and misses.
func TestSingleThroughCache(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	plain := newTestServer(t, Options{ExtractCacheBytes: -1})
	for _, body := range []string{
		`{"script":"Api1.data[\"key\"]","evalVersion":1}`,
		`{"script":"Api1.data[\"key\"]","evalVersion":2}`,
		`{"script":"Api1.data[\"key\"]"}`,
		`{"script":"(function(){ const {a} = Api2.data; return a })()"}`,
		`{"script":"Api1.data +"}`,
		`{"script":"\u0041pi1.data"}`,
	} {
		want := plain.post(t, single, body)
		for pass := range 2 {
			if got := srv.post(t, single, body); got.status != want.status || got.body != want.body {
				t.Errorf("%s pass %d: %d %s, uncached %d %s", body, pass, got.status, got.body, want.status, want.body)
			}
		}
	}
	// evalVersion 1 and 2 differ on an escaped quote: one parses, one does not.
	if a, b := plain.post(t, single, `{"script":"Api1.data[\\\"key\\\"]","evalVersion":1}`), srv.post(t, single, `{"script":"Api1.data[\\\"key\\\"]","evalVersion":2}`); a.body == b.body {
		t.Errorf("eval versions 1 and 2 answer alike: %s", a.body)
	}
	m := get(t, srv.Server, PathMetrics)
	for _, line := range []string{"rts_extract_cache_hits_total 7", "rts_extract_cache_misses_total 6", "rts_extract_cache_entries 6"} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("metrics lack %s:\n%s", line, grepLines(m, "rts_extract_cache"))
		}
	}
}

// TestCacheGenIndex: the open-addressing index keeps entries whose hashes
// collide apart, finds entries past a dropped one, and keeps every live
// entry when it grows.
func TestCacheGenIndex(t *testing.T) {
	t.Parallel()
	g := cacheGen{slots: make([]cacheSlot, firstSlots)}
	key := func(i int) []byte { return fmt.Appendf(nil, "Api%d.data", i) }
	const n = 1000 // several rehashes
	for i := range n {
		h := uint64(i%7 + 1) // seven hashes for all: long runs of collisions
		if i%2 == 1 {
			h = uint64(i)*0x9E3779B97F4A7C15 | 1
		}
		g.add(h, 2, key(i), fmt.Appendf(nil, "v%d", i), 1<<30)
	}
	hashOf := func(i int) uint64 {
		if i%2 == 1 {
			return uint64(i)*0x9E3779B97F4A7C15 | 1
		}
		return uint64(i%7 + 1)
	}
	for i := range n {
		at := g.find(hashOf(i), 2, key(i))
		if at < 0 || string(g.value(at)) != fmt.Sprint("v", i) {
			t.Fatalf("entry %d: slot %d", i, at)
		}
		if g.find(hashOf(i), 1, key(i)) >= 0 {
			t.Fatalf("entry %d found at another eval version", i)
		}
	}
	for i := 0; i < n; i += 3 {
		g.drop(g.find(hashOf(i), 2, key(i)))
	}
	for i := range n {
		if found := g.find(hashOf(i), 2, key(i)) >= 0; found != (i%3 != 0) {
			t.Fatalf("entry %d after dropping every third: found %v", i, found)
		}
	}
	if want := n - (n+2)/3; g.n != want {
		t.Errorf("%d live entries, want %d", g.n, want)
	}
}
