package analysis

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
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
