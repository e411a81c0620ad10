package refactor

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// UnifiedDiff renders a plan's file changes and moves as a unified diff
// with three lines of context, paths relative to base. The line diff is
// gopls's (a Myers diff with a bounded cost: a huge file with few changed
// lines costs little, and any file gets a correct diff).
func UnifiedDiff(base string, results []FileResult, moves []Move) string {
	var b strings.Builder
	rel := func(p string) string {
		if r, err := filepath.Rel(base, p); err == nil {
			return r
		}
		return p
	}
	for _, r := range results {
		name := rel(r.File)
		text, err := udiff.ToUnified("a/"+name, "b/"+name, r.Before, udiff.Lines(r.Before, r.After), udiff.DefaultContextLines)
		if err != nil {
			// The edits come from the same two texts; this cannot happen,
			// and a diff that says so beats a crash.
			fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n# diff failed: %v\n", name, name, err)
			continue
		}
		b.WriteString(text)
	}
	for _, m := range moves {
		fmt.Fprintf(&b, "rename from %s\nrename to %s\n", rel(m.From), rel(m.To))
	}
	return b.String()
}
