package pagedsl

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

var showDiffs = flag.Int("dsl.show", 0, "print this many differing DSL conformance cases")

type dslCase struct {
	ID               string          `json:"id"`
	Source           string          `json:"source"`
	FromVersion      *int            `json:"fromVersion"`
	Input            json.RawMessage `json:"input"`
	Expected         json.RawMessage `json:"expected"`
	Nondeterministic []string        `json:"nondeterministic"`
	Error            string          `json:"error"`
}

func loadDSLCases(t testing.TB) []*dslCase {
	t.Helper()
	path, err := shareddata.Path("conformance", "dsl.jsonl.gz")
	if err != nil {
		t.Skip(err)
	}
	var cases []*dslCase
	err = shareddata.ReadJSONLines(path, func(_ int, c *dslCase) error {
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func fixedOptions() Options {
	return Options{
		Rand: rand.New(rand.NewPCG(1, 2)),
		Now:  func() time.Time { return time.UnixMilli(1700000000000) },
	}
}

// allPorted reports whether the step table is complete.
func allPorted() bool {
	for _, s := range steps {
		if s == nil {
			return false
		}
	}
	return true
}

// TestConformanceDSL runs every case of the shared corpus through Migrate
// and compares the answer with Appsmith's as JSON values (nondeterministic
// paths by shape). While steps are missing, cases that reach one are
// counted per missing step and the bar applies to the others; once the
// table is complete the bar is 99.5% of all cases, and every case on
// which Appsmith throws must give a *JSError.
func TestConformanceDSL(t *testing.T) {
	cases := loadDSLCases(t)
	if len(cases) < 700 {
		t.Fatalf("corpus has %d cases, expected 705", len(cases))
	}
	notPortedAt := map[int]int{}
	diffsByStart := map[string][]string{}
	var ran, same, errCases, errSame, shown int
	// deterministic counts the identical answers without random or clock
	// values, ordered those that are identical byte for byte (key order
	// included) once encoded.
	var deterministic, ordered int
	for _, c := range cases {
		in, err := Decode(c.Input)
		if err != nil {
			t.Fatalf("%s: input does not decode: %v", c.ID, err)
		}
		out, err := MigrateWith(in, fixedOptions())
		if errors.Is(err, ErrNotPorted) {
			var np *NotPortedError
			errors.As(err, &np)
			notPortedAt[np.Step]++
			continue
		}
		if errors.Is(err, ErrInternal) {
			t.Errorf("%s (%s): internal error: %v", c.ID, c.Source, err)
			continue
		}
		ran++
		start := "none"
		if c.FromVersion != nil {
			start = strconv.Itoa(*c.FromVersion)
		}
		if c.Error != "" {
			errCases++
			var jsErr *JSError
			if errors.As(err, &jsErr) {
				errSame++
				same++
			} else {
				diffsByStart[start] = append(diffsByStart[start], c.ID+": Appsmith throws "+c.Error+", we answer a DSL")
			}
			continue
		}
		if err != nil {
			diffsByStart[start] = append(diffsByStart[start], c.ID+": we throw "+err.Error())
			if shown < *showDiffs {
				shown++
				t.Logf("%s (%s, from %s): we throw %v", c.ID, c.Source, start, err)
			}
			continue
		}
		want, err := Decode(c.Expected)
		if err != nil {
			t.Fatalf("%s: expected does not decode: %v", c.ID, err)
		}
		// Compare what a client sees: the encoded answer, parsed again.
		got, err := Decode(Encode(out))
		if err != nil {
			t.Fatalf("%s: our answer does not decode: %v", c.ID, err)
		}
		alignNondeterministic(got, want, c.Nondeterministic)
		if d := firstDiff(got, want, "$", nondetSet(c.Nondeterministic)); d != "" {
			diffsByStart[start] = append(diffsByStart[start], c.ID+": "+d)
			if shown < *showDiffs {
				shown++
				t.Logf("%s (%s, from %s): %s", c.ID, c.Source, start, d)
			}
			continue
		}
		same++
		if len(c.Nondeterministic) == 0 {
			deterministic++
			if string(Encode(out)) == string(Encode(want)) {
				ordered++
			} else if shown < *showDiffs {
				shown++
				t.Logf("%s: same values, other key order", c.ID)
			}
		}
	}
	var missing []int
	for n := range notPortedAt {
		missing = append(missing, n)
	}
	sort.Ints(missing)
	for _, n := range missing {
		t.Logf("not ported: step %d stops %d cases", n, notPortedAt[n])
	}
	var starts []string
	for s := range diffsByStart {
		starts = append(starts, s)
	}
	sort.Strings(starts)
	for _, s := range starts {
		d := diffsByStart[s]
		t.Logf("from version %s: %d cases differ, first: %s", s, len(d), d[0])
	}
	t.Logf("DSL conformance: %d/%d cases identical among %d whose chain is ported (%d of %d error cases throw)",
		same, ran, ran, errSame, errCases)
	t.Logf("key order: %d of %d identical deterministic answers are byte-identical", ordered, deterministic)
	if allPorted() {
		if deterministic > 0 && float64(ordered) < 0.995*float64(deterministic) {
			t.Errorf("only %d of %d deterministic answers keep Appsmith's key order", ordered, deterministic)
		}
		rate := 100 * float64(same) / float64(len(cases))
		t.Logf("all steps ported: %.2f%% of all %d cases identical", rate, len(cases))
		if rate < 99.5 {
			t.Errorf("%.2f%% of all cases identical, the bar is 99.5%%", rate)
		}
		if errSame != errCases {
			t.Errorf("%d of %d cases on which Appsmith throws give an error", errSame, errCases)
		}
		return
	}
	if ran > 0 {
		if rate := 100 * float64(same) / float64(ran); rate < 99 {
			t.Errorf("%.2f%% of the cases whose chain is ported are identical, the bar is 99%%", rate)
		}
	}
}

func nondetSet(paths []string) map[string]bool {
	m := map[string]bool{}
	for _, p := range paths {
		m[p] = true
	}
	return m
}

// resolvePath finds the value at a path like $.children[3].chartData and
// the object holding it.
func resolvePath(v any, path string) (parent *Object, key string, val any) {
	p := strings.TrimPrefix(path, "$")
	cur := v
	for p != "" {
		switch p[0] {
		case '.':
			end := strings.IndexAny(p[1:], ".[")
			if end < 0 {
				end = len(p) - 1
			}
			o, ok := cur.(*Object)
			if !ok {
				return nil, "", Undefined
			}
			key = p[1 : end+1]
			parent, cur = o, o.Get(key)
			p = p[end+1:]
		case '[':
			end := strings.IndexByte(p, ']')
			n, err := strconv.Atoi(p[1:end])
			a, ok := cur.(*Array)
			if err != nil || !ok || n >= len(a.Items) {
				return nil, "", Undefined
			}
			parent, cur = nil, a.Items[n]
			p = p[end+1:]
		default:
			return nil, "", Undefined
		}
	}
	return parent, key, cur
}

// alignNondeterministic renames the random keys of our object-valued
// nondeterministic paths (chart series) to Appsmith's, position by
// position, also in the widget's dynamicBindingPathList, so that the rest
// compares as values.
func alignNondeterministic(got, want any, paths []string) {
	for _, p := range paths {
		gp, key, gv := resolvePath(got, p)
		_, _, wv := resolvePath(want, p)
		g, ok1 := gv.(*Object)
		w, ok2 := wv.(*Object)
		if !ok1 || !ok2 || g.Len() != w.Len() || gp == nil {
			continue
		}
		renamed := NewObject()
		rename := map[string]string{}
		for i, k := range g.Keys() {
			renamed.Set(w.Keys()[i], g.Get(k))
			rename[k] = w.Keys()[i]
		}
		gp.Set(key, renamed)
		if list, ok := gp.Get("dynamicBindingPathList").(*Array); ok {
			for _, e := range list.Items {
				eo, ok := e.(*Object)
				if !ok {
					continue
				}
				s, ok := eo.Get("key").(string)
				if !ok {
					continue
				}
				for from, to := range rename {
					if strings.HasPrefix(s, key+"."+from+".") {
						eo.Set("key", key+"."+to+"."+strings.TrimPrefix(s, key+"."+from+"."))
					}
				}
			}
		}
	}
}

// firstDiff describes the first difference between two JSON values
// (objects compared as unordered maps), or "" when they are equal.
// Values at nondeterministic paths need only the same kind.
func firstDiff(got, want any, path string, nondet map[string]bool) string {
	if nondet[path] {
		if TypeOf(got) != TypeOf(want) {
			return fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want))
		}
		if _, ok := want.(*Object); !ok {
			return ""
		}
	}
	switch w := want.(type) {
	case *Object:
		g, ok := got.(*Object)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an object", path, short(got))
		}
		for _, k := range w.Keys() {
			if !g.Has(k) {
				return fmt.Sprintf("%s.%s: missing, want %s", path, k, short(w.Get(k)))
			}
			if d := firstDiff(g.Get(k), w.Get(k), path+"."+k, nondet); d != "" {
				return d
			}
		}
		for _, k := range g.Keys() {
			if !w.Has(k) {
				return fmt.Sprintf("%s.%s: unexpected %s", path, k, short(g.Get(k)))
			}
		}
		return ""
	case *Array:
		g, ok := got.(*Array)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an array", path, short(got))
		}
		for i := 0; i < len(w.Items) && i < len(g.Items); i++ {
			if d := firstDiff(g.Items[i], w.Items[i], fmt.Sprintf("%s[%d]", path, i), nondet); d != "" {
				return d
			}
		}
		if len(g.Items) != len(w.Items) {
			return fmt.Sprintf("%s: %d items, want %d", path, len(g.Items), len(w.Items))
		}
		return ""
	default:
		if !StrictEq(got, want) {
			return fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want))
		}
		return ""
	}
}

func short(v any) string {
	s := string(Encode(v))
	if v == Undefined {
		s = "undefined"
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
