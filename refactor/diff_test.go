package refactor

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	long := func(n int, changed map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := changed[i]; ok {
				b.WriteString(s + "\n")
			} else {
				fmt.Fprintf(&b, "line %d\n", i)
			}
		}
		return b.String()
	}
	tests := []struct {
		name          string
		before, after string
		want          string // "" when only consistency is checked
	}{
		{name: "one line", before: "a\nApi1\nc\n", after: "a\nApi2\nc\n",
			want: "--- a/f.js\n+++ b/f.js\n@@ -1,3 +1,3 @@\n a\n-Api1\n+Api2\n c\n"},
		{name: "no newline at end", before: "x = Api1", after: "x = Api2",
			want: "--- a/f.js\n+++ b/f.js\n@@ -1 +1 @@\n-x = Api1\n\\ No newline at end of file\n+x = Api2\n\\ No newline at end of file\n"},
		{name: "two hunks far apart", before: long(40, nil), after: long(40, map[int]string{3: "three", 30: "thirty"})},
		{name: "changes close together share a hunk", before: long(40, nil), after: long(40, map[int]string{10: "ten", 15: "fifteen"})},
		{name: "a line added and one removed", before: "a\nb\nc\nd\n", after: "a\nc\nd\ne\n"},
		{name: "empty before", before: "", after: "new\n"},
		{name: "huge file, few changes", before: long(200000, nil), after: long(200000, map[int]string{7: "x", 150000: "y"})},
		{name: "unchanged", before: "same\n", after: "same\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := UnifiedDiff("/app", []FileResult{{File: "/app/f.js", Before: tt.before, After: tt.after}}, nil)
			if tt.want != "" || tt.before == tt.after {
				if got != tt.want {
					t.Fatalf("diff:\n%s\nwant:\n%s", got, tt.want)
				}
				return
			}
			patched, err := applyUnified(tt.before, got)
			if err != nil {
				t.Fatalf("%v in\n%.2000s", err, got)
			}
			if patched != tt.after {
				t.Fatalf("the diff applied to before does not give after:\n%.2000s", got)
			}
			if len(got) > 2000 && strings.Contains(tt.name, "huge") {
				t.Errorf("a diff of two changed lines is %d bytes", len(got))
			}
		})
	}
}

func TestUnifiedDiffMoves(t *testing.T) {
	t.Parallel()
	got := UnifiedDiff("/app", nil, []Move{{From: "/app/queries/Api1", To: "/app/queries/Api2"}})
	if want := "rename from queries/Api1\nrename to queries/Api2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nB\nc\n")
	f.Add("x", "y\n")
	f.Add("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n3\n4\n5\n6\n7\n8\n9\n10\n")
	f.Fuzz(func(t *testing.T, before, after string) {
		got := UnifiedDiff("/app", []FileResult{{File: "/app/f", Before: before, After: after}}, nil)
		if before == after {
			if got != "" {
				t.Fatalf("diff of equal texts: %q", got)
			}
			return
		}
		patched, err := applyUnified(before, got)
		if err != nil {
			t.Fatalf("%v in %q", err, got)
		}
		if patched != after {
			t.Fatalf("patched %q, want %q (diff %q)", patched, after, got)
		}
	})
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyUnified applies a one-file unified diff to before, checking every
// context and deleted line and every hunk's counts, as patch does.
func applyUnified(before, diff string) (string, error) {
	lines := strings.SplitAfter(before, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	dl := strings.SplitAfter(diff, "\n")
	if len(dl) < 3 || !strings.HasPrefix(dl[0], "--- ") || !strings.HasPrefix(dl[1], "+++ ") {
		return "", fmt.Errorf("no file header")
	}
	var out strings.Builder
	next := 0 // the next line of before to copy
	for i := 2; i < len(dl) && dl[i] != ""; {
		m := hunkHeader.FindStringSubmatch(strings.TrimSuffix(dl[i], "\n"))
		if m == nil {
			return "", fmt.Errorf("bad hunk header %q", dl[i])
		}
		count := func(s string) int {
			if s == "" {
				return 1
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		from, fromN, toN := count(m[1]), count(m[2]), count(m[4])
		if fromN == 0 {
			from++ // "-0,0": insert before line 1
		}
		for ; next < from-1; next++ {
			out.WriteString(lines[next])
		}
		i++
		var seenFrom, seenTo int
		for ; i < len(dl) && dl[i] != "" && !strings.HasPrefix(dl[i], "@@"); i++ {
			l := dl[i]
			text := l[1:]
			if i+1 < len(dl) && dl[i+1] == "\\ No newline at end of file\n" {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(lines) || lines[next] != text {
					return "", fmt.Errorf("line %d of before is not %q", next+1, text)
				}
				next++
				seenFrom++
				if l[0] == ' ' {
					out.WriteString(text)
					seenTo++
				}
			case '+':
				out.WriteString(text)
				seenTo++
			default:
				return "", fmt.Errorf("bad diff line %q", l)
			}
		}
		if seenFrom != fromN || seenTo != toN {
			return "", fmt.Errorf("hunk %q counts %d/%d lines", m[0], seenFrom, seenTo)
		}
	}
	for ; next < len(lines); next++ {
		out.WriteString(lines[next])
	}
	return out.String(), nil
}
