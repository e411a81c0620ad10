package transport

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// direct answers one multiple-script-data body through h's ServeHTTP.
func direct(h http.Handler, body string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+PathMultipleScript, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func newDirect(t testing.TB, o Options) (*Handler, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o.Registerer = reg
	h, err := NewHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	return h, reg
}

// counterValue reads a counter or gauge of reg.
func counterValue(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// pageScripts are bindings as a page sends them: JSON string texts, some
// with escapes, commas and brackets inside, which the reading of the bytes
// between two kept scripts must not take for the array's.
var pageScripts = []string{
	`"appsmith.theme.colors.primaryColor"`,
	`"appsmith.theme.borderRadius.appBorderRadius"`,
	`"Table1.selectedRow.id ? Api1.data.filter(u => u.id === Table1.selectedRow.id) : []"`,
	`"Input1.text + \"\\\", \\\"\" + Input2.text"`,
	`"[\"a\",\"b\"].map(x => x + \"]\")"`,
	`"JSObject1.myFun1()"`,
	`"{{ Api2.data.map(r => ({label: r.name, value: r.id})) }}"`,
	`"moment().format(\"YYYY-MM-DD\")"`,
	`"Select1.selectedOptionValue === \"\\\\\" ? 1 : 2"`,
	`"\u00e9t\u00e9 \u2014 caf\u00e9"`,
	`"été — café"`,
	`"(() => { const a = [1,2,3]; return a.length })()"`,
	`"Text1.text.length > 10"`,
	`"appsmith.store.user?.name ?? \"\""`,
}

func pageBody(scripts []string, tail string) string {
	return `{"scripts":[` + strings.Join(scripts, ",") + `]` + tail + `}`
}

func edited(scripts []string, k int, with string) []string {
	out := append([]string(nil), scripts...)
	out[k] = with
	return out
}

// TestSavedPagesAnswerAsWithout: a save read against a kept earlier one
// is answered as a handler that keeps nothing and caches nothing answers
// it, status and bytes, whatever changed between the two: one script or
// two, at either end or inside, scripts added or removed, spacing, the
// eval version, malformed or non-string scripts, too many scripts.
func TestSavedPagesAnswerAsWithout(t *testing.T) {
	t.Parallel()
	base := pageScripts
	n := len(base)
	tail := `,"evalVersion":2`
	cases := map[string]string{
		"same":               pageBody(base, tail),
		"edit first":         pageBody(edited(base, 0, `"appsmith.theme.colors.backgroundColor"`), tail),
		"edit inside":        pageBody(edited(base, 5, `"JSObject1.myFun2(Input1.text)"`), tail),
		"edit last":          pageBody(edited(base, n-1, `"appsmith.store.user?.email"`), tail),
		"edit grows":         pageBody(edited(base, 6, `"{{ Api2.data.map(r => ({label: r.name, value: r.id, x: Table1.selectedRow})) }}"`), tail),
		"edit shrinks":       pageBody(edited(base, 2, `"a"`), tail),
		"two edits":          pageBody(edited(edited(base, 3, `"b"`), 9, `"c"`), tail),
		"both ends":          pageBody(edited(edited(base, 0, `"b"`), n-1, `"c"`), tail),
		"inserted first":     pageBody(append([]string{`"Button1.isDisabled"`}, base...), tail),
		"inserted inside":    pageBody(append(append(append([]string(nil), base[:7]...), `"Button1.isDisabled"`, `"x + y"`), base[7:]...), tail),
		"appended":           pageBody(append(append([]string(nil), base...), `"Button1.isDisabled"`), tail),
		"removed first":      pageBody(base[1:], tail),
		"removed inside":     pageBody(append(append([]string(nil), base[:4]...), base[6:]...), tail),
		"removed last":       pageBody(base[:n-1], tail),
		"one left":           pageBody(base[:1], tail),
		"none left":          pageBody(nil, tail),
		"spacing":            `{"scripts":[` + strings.Join(base[:7], ", ") + ",\n" + strings.Join(base[7:], ",") + `]` + tail + `}`,
		"eval version 1":     pageBody(base, `,"evalVersion":1`),
		"no eval version":    pageBody(base, ``),
		"eval version first": `{"evalVersion":1,"scripts":[` + strings.Join(base, ",") + `]}`,
		"bad escape":         pageBody(edited(base, 5, `"a\x"`), tail),
		"raw newline":        pageBody(edited(base, 5, "\"a\nb\""), tail),
		"number":             pageBody(edited(base, 5, `12`), tail),
		"object":             pageBody(edited(base, 5, `{"a":"b"}`), tail),
		"null":               pageBody(edited(base, n-1, `null`), tail),
		"unterminated":       `{"scripts":[` + strings.Join(base[:5], ",") + `,"abc`,
		"trailing comma":     `{"scripts":[` + strings.Join(base, ",") + `,]` + tail + `}`,
		"missing comma":      `{"scripts":[` + strings.Join(base[:5], ",") + strings.Join(base[5:], ",") + `]` + tail + `}`,
		"extra bracket":      `{"scripts":[` + strings.Join(base, ",") + `]]` + tail + `}`,
		"repeated key":       pageBody(base, tail+`,"scripts":["a"]`),
		"too many":           pageBody(append(append([]string(nil), base...), `"a"`, `"b"`, `"c"`), tail),
		"limit exactly":      pageBody(append(append([]string(nil), base...), `"a"`, `"b"`), tail),
		"escaped quote edit": pageBody(edited(base, 4, `"[\"a\",\"b\"].map(x => x + \"],\")"`), tail),
		"quote in edit":      pageBody(edited(base, 4, `"\"",""`), tail),
		"appended junk":      pageBody(base, tail) + `x`,
		"whitespace after":   pageBody(base, tail) + " \n",
		"bom":                "\uFEFF" + pageBody(base, tail),
	}
	plain, _ := newDirect(t, Options{ExtractCacheBytes: -1, SavedPagesBytes: -1, MaxScripts: n + 2})
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, cache := range []int64{0, -1} {
				h, reg := newDirect(t, Options{ExtractCacheBytes: cache, MaxScripts: n + 2})
				for _, first := range []string{pageBody(base, tail), pageBody(base, `,"evalVersion":1`)} {
					wantFirstStatus, wantFirst := direct(plain, first)
					if st, got := direct(h, first); st != wantFirstStatus || got != wantFirst {
						t.Fatalf("first save: %d %s, want %d %s", st, got, wantFirstStatus, wantFirst)
					}
					wantStatus, want := direct(plain, body)
					// Twice: against the first save, then against itself.
					for round := range 2 {
						if st, got := direct(h, body); st != wantStatus || got != want {
							t.Fatalf("cache %d, round %d: %d %s\nwant %d %s", cache, round, st, got, wantStatus, want)
						}
					}
				}
				if name == "same" && counterValue(t, reg, "rts_saved_page_hits_total") == 0 {
					t.Error("the same body again was not read against the kept save")
				}
			}
		})
	}
}

// TestSavedPagesUsed: the second save of a page looks up only what
// changed, and a page's saves keep being read against the last one.
func TestSavedPagesUsed(t *testing.T) {
	t.Parallel()
	h, reg := newDirect(t, Options{})
	base := pageScripts
	tail := `,"evalVersion":2`
	direct(h, pageBody(base, tail))
	missesBefore := counterValue(t, reg, "rts_extract_cache_misses_total")
	for k := range base {
		body := pageBody(edited(base, k, fmt.Sprintf(`"Input%d.text"`, k)), tail)
		if st, _ := direct(h, body); st != http.StatusOK {
			t.Fatalf("save %d: status %d", k, st)
		}
	}
	hits := counterValue(t, reg, "rts_saved_page_hits_total")
	reused := counterValue(t, reg, "rts_saved_page_scripts_total")
	lookups := counterValue(t, reg, "rts_extract_cache_hits_total") + counterValue(t, reg, "rts_extract_cache_misses_total") - missesBefore
	if hits != float64(len(base)) {
		t.Errorf("%v of %d saves read against the previous one", hits, len(base))
	}
	// Save k differs from save k-1 in scripts k-1 and k (k-1 back to its
	// original, k edited): two lookups a save, the first save's one.
	if want := float64(2*len(base) - 1); lookups != want || reused != float64(len(base)*len(base))-want {
		t.Errorf("%v cache lookups and %v scripts from the kept save; want %v and %v", lookups, reused, want, float64(len(base)*len(base))-want)
	}
}

// TestSavedPagesKeptBetween: when a page's edit moves from one end to the
// other (a page saved again after others were), the scripts between the
// two edits, unchanged, are answered from the kept save: the cache is
// asked only for the two that differ, and the answer is the plain
// handler's.
func TestSavedPagesKeptBetween(t *testing.T) {
	t.Parallel()
	base := append(append([]string(nil), pageScripts...), pageScripts...) // edits more than sigBytes from either end
	n := len(base)
	tail := `,"evalVersion":2`
	plain, _ := newDirect(t, Options{ExtractCacheBytes: -1, SavedPagesBytes: -1})
	for _, tc := range []struct {
		name          string
		first, second []string
		lookups, kept float64 // cache lookups and scripts from the kept save, for the second save
	}{
		{"edit moves", edited(base, 4, `"Input1.text"`), edited(base, n-6, `"Input2.text"`), 2, float64(n - 2)},
		{"two edits", edited(base, 4, `"a"`), edited(edited(base, 4, `"b"`), n-6, `"c"`), 2, float64(n - 2)},
		// Counts differ: no pairing, the scripts between are looked up.
		{"one inserted", edited(base, 4, `"a"`), slices.Insert(edited(base, 4, `"b"`), n-6, `"c"`), float64(n - 9), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, reg := newDirect(t, Options{})
			direct(h, pageBody(tc.first, tail))
			lookups := func() float64 {
				return counterValue(t, reg, "rts_extract_cache_hits_total") + counterValue(t, reg, "rts_extract_cache_misses_total")
			}
			before := lookups()
			body := pageBody(tc.second, tail)
			wantStatus, want := direct(plain, body)
			if st, got := direct(h, body); st != wantStatus || got != want {
				t.Fatalf("%d %s\nwant %d %s", st, got, wantStatus, want)
			}
			if got, kept := lookups()-before, counterValue(t, reg, "rts_saved_page_scripts_total"); got != tc.lookups || kept != tc.kept {
				t.Errorf("%v cache lookups and %v scripts from the kept save; want %v and %v", got, kept, tc.lookups, tc.kept)
			}
		})
	}
}

// TestSavedPagesBounded: the kept saves stay within their byte bound and
// slots, and a save larger than an entry's bound is not kept.
func TestSavedPagesBounded(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	h, reg := newDirect(t, Options{SavedPagesBytes: limit})
	for p := range 100 {
		scripts := make([]string, 20)
		for i := range scripts {
			scripts[i] = fmt.Sprintf(`"Page%d.Widget%d.text + '%s'"`, p, i, strings.Repeat("x", p*10))
		}
		direct(h, pageBody(scripts, ""))
		if b := counterValue(t, reg, "rts_saved_page_bytes"); b > limit || b <= 0 {
			t.Fatalf("page %d: %v bytes kept, bound %d", p, b, limit)
		}
	}
	h.saved.mu.Lock()
	kept := 0
	for _, e := range h.saved.slots {
		if e != nil {
			kept++
		}
	}
	h.saved.mu.Unlock()
	if kept == 0 || kept > savedSlots {
		t.Errorf("%d saves kept", kept)
	}
	big := make([]string, 10)
	for i := range big {
		big[i] = `"` + strings.Repeat("a", savedMaxBody/10) + `"`
	}
	h2, reg2 := newDirect(t, Options{})
	direct(h2, pageBody(big, ""))
	if b := counterValue(t, reg2, "rts_saved_page_bytes"); b != 0 {
		t.Errorf("a %d-byte body was kept (%v bytes)", len(pageBody(big, "")), b)
	}
}

// TestSavedPagesConcurrent: pages saved from several goroutines at once
// through a memo smaller than all of them, each answer as a handler
// without memo or cache answers it (run with -race).
func TestSavedPagesConcurrent(t *testing.T) {
	t.Parallel()
	const pages, saves, workers = 40, 12, 8
	bodies := make([][]string, pages)
	for p := range bodies {
		scripts := make([]string, 10+p%7)
		for i := range scripts {
			scripts[i] = fmt.Sprintf(`"Api%d.data.filter(r => r.id === Input%d.text)"`, p%3, i)
		}
		for s := range saves {
			k := (s * 7) % len(scripts)
			bodies[p] = append(bodies[p], pageBody(edited(scripts, k, fmt.Sprintf(`"P%dS%d.text"`, p, s)), ""))
		}
	}
	plain, _ := newDirect(t, Options{ExtractCacheBytes: -1, SavedPagesBytes: -1})
	want := map[string]string{}
	for _, page := range bodies {
		for _, b := range page {
			_, want[b] = direct(plain, b)
		}
	}
	h, reg := newDirect(t, Options{SavedPagesBytes: 16 << 10})
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Go(func() {
			for round := range 3 {
				for p := w; p < pages; p += workers / 2 { // two workers share each page
					for _, b := range bodies[p] {
						if st, got := direct(h, b); st != http.StatusOK || got != want[b] {
							errs <- fmt.Sprintf("worker %d round %d page %d: %d %s, want %s", w, round, p, st, got, want[b])
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if counterValue(t, reg, "rts_saved_page_hits_total") == 0 {
		t.Error("no save was read against a kept one")
	}
}

// FuzzSavedPages: a body made from a kept save by cutting and inserting
// bytes anywhere is answered as a handler without memo or cache answers
// it, and so is the kept save when sent again after it.
func FuzzSavedPages(f *testing.F) {
	base := pageBody(pageScripts, `,"evalVersion":2`)
	for _, s := range []struct {
		pos, cut int
		insert   string
	}{
		{0, 0, ""}, {20, 3, "x"}, {40, 0, `","`}, {100, 10, `\"`}, {len(base) - 2, 1, "1"},
		{len(base) - 20, 0, `,"a"`}, {12, 0, `"a",`}, {12, 40, ""}, {60, 0, `\`}, {80, 2, `"],"`},
		{len(base) / 2, 5, `", 1, "`}, {len(base) - 1, 1, `,"scripts":["z"]}`},
	} {
		f.Add(uint16(s.pos), uint16(s.cut), []byte(s.insert))
	}
	plain, _ := newDirect(f, Options{ExtractCacheBytes: -1, SavedPagesBytes: -1, MaxScripts: 16})
	f.Fuzz(func(t *testing.T, pos, cut uint16, insert []byte) {
		p := min(int(pos), len(base))
		c := min(int(cut), len(base)-p)
		body := base[:p] + string(insert) + base[p+c:]
		h, _ := newDirect(t, Options{MaxScripts: 16})
		direct(h, base)
		wantStatus, want := direct(plain, body)
		if st, got := direct(h, body); st != wantStatus || got != want {
			t.Fatalf("%q: %d %s\nwant %d %s", body, st, got, wantStatus, want)
		}
		wantStatus, want = direct(plain, base)
		if st, got := direct(h, base); st != wantStatus || !bytes.Equal([]byte(got), []byte(want)) {
			t.Fatalf("base after %q: %d %s\nwant %d %s", body, st, got, wantStatus, want)
		}
	})
}

// TestSavedPagesAlike: many kept saves with the same start and end (pages
// of one app) are compared with a new body a few at a time, and each
// answer is still the plain handler's.
func TestSavedPagesAlike(t *testing.T) {
	t.Parallel()
	plain, _ := newDirect(t, Options{ExtractCacheBytes: -1, SavedPagesBytes: -1})
	h, reg := newDirect(t, Options{})
	page := func(p, edit int) string {
		scripts := append([]string(nil), pageScripts...)
		scripts[6] = fmt.Sprintf(`"Page%d.data"`, p)
		scripts[7] = fmt.Sprintf(`"Page%d.edit%d"`, p, edit)
		return pageBody(scripts, `,"evalVersion":2`)
	}
	for edit := range 3 {
		for p := range 20 {
			body := page(p, edit)
			_, want := direct(plain, body)
			if st, got := direct(h, body); st != http.StatusOK || got != want {
				t.Fatalf("page %d edit %d: %d %s, want %s", p, edit, st, got, want)
			}
		}
	}
	if counterValue(t, reg, "rts_saved_page_hits_total") == 0 {
		t.Error("no save was read against a kept one")
	}
}

// TestBufPoolFit: fit hands back a buffer whose capacity put will swap
// rather than copy (fits), keeps what it is given up for a later request
// of that size, and holds at most bufPoolBytes.
func TestBufPoolFit(t *testing.T) {
	t.Parallel()
	var p bufPool
	for _, tc := range []struct {
		name string
		had  int // capacity of the buffer given
		n    int
	}{
		{"empty", 0, 100},
		{"small fits", 4096, 3000},
		{"too large", 64 << 10, 14 << 10},
		{"too small", 4096, 30 << 10},
		{"class edge", 0, bufClassSize[5]},
		{"past the classes", 0, bufClassSize[bufClasses-1] + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := p.fit(make([]byte, min(7, tc.had), tc.had), tc.n)
			if len(got) != 0 {
				t.Errorf("len %d, want 0", len(got))
			}
			if tc.n <= bufClassSize[bufClasses-1] && !fits(cap(got), tc.n) {
				t.Errorf("cap %d does not fit %d", cap(got), tc.n)
			}
		})
	}
	// A buffer given up comes back for a request of its size.
	given := make([]byte, 0, bufClassSize[8])
	p.fit(given, 100)
	if got := p.fit(nil, bufClassSize[8]); cap(got) != cap(given) || &got[:1][0] != &given[:1][0] {
		t.Errorf("the buffer given up was not reused (cap %d)", cap(got))
	}
	for range 1000 {
		p.fit(make([]byte, 0, bufClassSize[bufClasses-1]), 100)
	}
	if p.bytes > bufPoolBytes {
		t.Errorf("%d bytes pooled, limit %d", p.bytes, bufPoolBytes)
	}
}
