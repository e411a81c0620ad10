package pagedsl

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// spreadFirst is JS's `{...first, ...rest}` on key lists: first's keys,
// then rest's keys not among them (the reference for prepender).
func spreadFirst(first, rest []string) []string {
	out := slices.Clone(first)
	for _, k := range rest {
		if !slices.Contains(first, k) {
			out = append(out, k)
		}
	}
	return out
}

// TestPrepender checks prepender's merges against JS's spread order, on
// sequences with repeated keys.
func TestPrepender(t *testing.T) {
	cases := []struct {
		name string
		ops  [][]string // one key: prepend; several (or none): prependAll
	}{
		{"empty", nil},
		{"singles", [][]string{{"a"}, {"b"}, {"c"}}},
		{"repeat moves first", [][]string{{"a"}, {"b"}, {"a"}}},
		{"all", [][]string{{"a"}, {"x", "y", "z"}, {"b"}}},
		{"all overlapping", [][]string{{"a"}, {"b"}, {"c"}, {"b", "q", "a"}}},
		{"empty all", [][]string{{"a"}, {}, {"b"}}},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := range 50 {
		var ops [][]string
		for range rnd.IntN(12) {
			var op []string // a set: each key once
			for range rnd.IntN(4) {
				if k := string(rune('a' + rnd.IntN(6))); !slices.Contains(op, k) {
					op = append(op, k)
				}
			}
			ops = append(ops, op)
		}
		cases = append(cases, struct {
			name string
			ops  [][]string
		}{"random " + string(rune('A'+n%26)), ops})
	}
	for _, c := range cases {
		p := newPrepender()
		var want []string
		for _, op := range c.ops {
			if len(op) == 1 {
				p.prepend(op[0])
			} else {
				o := newOrderedSet()
				for _, k := range op {
					o.add(k)
				}
				p.prependAll(o)
			}
			want = spreadFirst(op, want)
		}
		got := p.set()
		if !slices.Equal(got.keys, want) && len(got.keys)+len(want) > 0 {
			t.Errorf("%s %q: got %q, want %q", c.name, c.ops, got.keys, want)
		}
		for _, k := range want {
			if !got.has[k] {
				t.Errorf("%s: %q missing from has", c.name, k)
			}
		}
	}
}
