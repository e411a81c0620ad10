package analysis

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// TestCachedJSObjectScanEqualsFresh: the cached index answers every name
// as a fresh scan does, concurrently, and a changed body is scanned anew.
func TestCachedJSObjectScanEqualsFresh(t *testing.T) {
	t.Parallel()
	body := "export default {\n\tf: (Api1) => Api1.data + Api2.run({Api1}),\n\tg() { showModal('Modal1'); return this.f() + Api1?.x.y },\n\tApi1: 1,\n}"
	names := []string{"Api1", "Api2", "Modal1", "showModal", "nothing"}
	fresh := func(body, name string) Scan {
		src, prog, err := parseJSObjectBody(body)
		if err != nil {
			t.Fatal(err)
		}
		s := walkScan(src, prog, name, "")
		s.Text = body
		return *s
	}
	cache := NewScanCache(0)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				for _, name := range names {
					got, err := cache.ScanJSObject(body, name, "")
					if err != nil {
						t.Error(err)
						return
					}
					if want := fresh(body, name); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: cached %+v\nfresh %+v", name, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	changed := body + " "
	if got, _ := cache.ScanJSObject(changed, "Api2", ""); got.Text != changed {
		t.Error("a changed body was answered from the old one")
	}
	if _, err := cache.ScanJSObject("export default {", "x", ""); err != ErrSyntax {
		t.Errorf("broken body: %v", err)
	}
}

func TestCachedScriptScanEqualsFresh(t *testing.T) {
	t.Parallel()
	script := "(() => { const Api1 = 1; return Api1 })() + Api1.data + {k: Api1}.k + showModal('Api1') + `${Api1?.x}`"
	cache := NewScanCache(0)
	for _, name := range []string{"Api1", "showModal", "k"} {
		got, err := cache.ScanScript(script, name, "")
		if err != nil {
			t.Fatal(err)
		}
		want, err := ScanScript(script, name, "Api1") // the new name occurs: a fresh scan
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.Occurrences {
			want.Occurrences[i].Captured = false
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: cached %+v\nfresh %+v", name, got, want)
		}
	}
}

// TestScanCacheEvicts: the cache stays within its size, the most recently
// used texts stay, and an evicted text is scanned anew, alike.
func TestScanCacheEvicts(t *testing.T) {
	t.Parallel()
	cache := NewScanCache(64 << 10) // 32 KiB per kind
	first := "Api1.data + 0"
	want, err := cache.ScanScript(first, "Api1", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		script := fmt.Sprintf("Api1.data + %d", i+1)
		if _, err := cache.ScanScript(script, "Api1", ""); err != nil {
			t.Fatal(err)
		}
		if c := &cache.scripts; c.size > c.limit {
			t.Fatalf("after %d scripts the cache holds %d bytes, limit %d", i+1, c.size, c.limit)
		}
	}
	if cache.scripts.get(first) != nil {
		t.Error("the least recently used script is still kept")
	}
	if cache.scripts.get("Api1.data + 1000") == nil {
		t.Error("the most recently used script is gone")
	}
	got, err := cache.ScanScript(first, "Api1", "")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("rescanned after eviction: %+v, %v; want %+v", got, err, want)
	}
	// A nil cache scans every time and answers the same.
	if got, err := (*ScanCache)(nil).ScanScript(first, "Api1", ""); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("nil cache: %+v, %v; want %+v", got, err, want)
	}
}

// cachedEqualsFresh reports how a scan from the cache's packed index
// differs from a fresh scan of the same text, "" when alike. The cache
// never marks captures (it is not asked when newRoot occurs), so neither
// does the fresh scan here.
func cachedEqualsFresh(cache *ScanCache, text, root string, jsObject bool) string {
	var got, want Scan
	var gotErr, wantErr error
	if jsObject {
		got, gotErr = cache.ScanJSObject(text, root, "")
		want, wantErr = freshJSObject(text, root, "")
	} else {
		got, gotErr = cache.ScanScript(text, root, "")
		want, wantErr = freshScript(text, root, "")
	}
	if gotErr != wantErr || !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("root %q jsObject %v:\ncached %+v %v\n fresh %+v %v", root, jsObject, got, gotErr, want, wantErr)
	}
	return ""
}

// TestCachedScanEqualsFreshCorpus: over every rename of the conformance
// corpus, a scan answered from the packed index (built on the first
// call, answered from it on the second) equals a fresh scan, for the
// renamed root and for a name that never occurs.
func TestCachedScanEqualsFreshCorpus(t *testing.T) {
	t.Parallel()
	path, err := shareddata.Path("conformance", "refactor.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	type refactorCase struct {
		Input struct {
			Script     string `json:"script"`
			OldName    string `json:"oldName"`
			IsJSObject bool   `json:"isJSObject"`
		} `json:"input"`
	}
	cache := NewScanCache(0)
	cases, bad := 0, 0
	err = shareddata.ReadJSONLines(path, func(line int, c *refactorCase) error {
		root, _, _ := strings.Cut(c.Input.OldName, ".")
		cases++
		for _, r := range []string{root, root, "neverAName"} {
			if d := cachedEqualsFresh(cache, c.Input.Script, r, c.Input.IsJSObject); d != "" {
				bad++
				if bad <= 3 {
					t.Errorf("line %d: %s", line, d)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cases < 10000 || bad > 0 {
		t.Errorf("%d cases, %d differ", cases, bad)
	}
}

// FuzzScanCache: whatever the text and the name, the cache's packed index
// answers as a fresh scan does.
func FuzzScanCache(f *testing.F) {
	for _, s := range []string{
		"Api1.data + Api2?.x.y + {Api1} + {k: Api1}.k + showModal('Api1')",
		"(() => { const Api1 = 1; return Api1 })() + `${Api1?.x}` + navigateTo(\"P\")",
		"export default {\n\tf: (Api1) => Api1.data + Api2.run({Api1}),\n\tg() { showModal('Modal1'); return this.f() + Api1?.x.y },\n}",
		"\\u0041pi1.data + Api1", "export default {", "a.b.c.d",
	} {
		f.Add(s, "Api1", false)
		f.Add(s, "Api1", true)
		f.Add(s, "showModal", false)
	}
	f.Fuzz(func(t *testing.T, text, root string, jsObject bool) {
		cache := NewScanCache(0)
		for range 2 { // built, then answered from the index
			if d := cachedEqualsFresh(cache, text, root, jsObject); d != "" {
				t.Fatal(d)
			}
		}
	})
}
