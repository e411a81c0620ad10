package refactor

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

// copyDir copies an app folder into a temporary directory.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// treeSums maps every file of a folder (relative path) to its SHA-256.
func treeSums(t testing.TB, dir string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		sums[rel] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

type edgeKey struct{ page, from, to string }

func edgeSet(app *appmodel.App) map[edgeKey]bool {
	set := map[edgeKey]bool{}
	for _, e := range appmodel.Edges(app) {
		set[edgeKey{e.Page, e.From, e.To}] = true
	}
	return set
}

// substitute renames the entity in an edge set, as a correct rename must.
func substitute(set map[edgeKey]bool, page, old, new string) map[edgeKey]bool {
	out := map[edgeKey]bool{}
	swap := func(s string) string {
		if depgraph.RootOf(s) == old {
			return new + s[len(old):]
		}
		return s
	}
	for e := range set {
		if e.page == page {
			e.from, e.to = swap(e.from), swap(e.to)
		}
		out[e] = true
	}
	return out
}

type target struct {
	page, name string
	refs       int
}

// mostReferenced lists the entities with the most incoming edges.
func mostReferenced(app *appmodel.App, n int) []target {
	count := map[[2]string]int{}
	for _, e := range appmodel.Edges(app) {
		count[[2]string{e.Page, depgraph.RootOf(e.To)}]++
	}
	var out []target
	for k, c := range count {
		out = append(out, target{k[0], k[1], c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].refs != out[j].refs {
			return out[i].refs > out[j].refs
		}
		return out[i].page+out[i].name < out[j].page+out[j].name
	})
	return out[:min(n, len(out))]
}

// TestRenameRealApps renames the most referenced entities of each shared
// app: afterwards the app's graph must be the graph before with the name
// substituted, and renaming back must restore every file byte for byte.
func TestRenameRealApps(t *testing.T) {
	n := 20
	if testing.Short() {
		n = 3
	}
	for _, name := range []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"} {
		t.Run(name, func(t *testing.T) {
			src, err := shareddata.Path("testdata", "apps", name)
			if err != nil {
				t.Fatal(err)
			}
			dir := copyDir(t, src)
			original := treeSums(t, dir)
			app, err := appmodel.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			before := edgeSet(app)
			for _, tg := range mostReferenced(app, n) {
				newName := tg.name + "Renamed"
				plan, err := PlanRename(app, tg.page, tg.name, newName)
				if err != nil {
					t.Errorf("%s/%s: plan: %v", tg.page, tg.name, err)
					continue
				}
				if err := ApplyPlan(plan); err != nil {
					t.Fatalf("%s/%s: apply: %v", tg.page, tg.name, err)
				}
				renamed, err := appmodel.LoadDir(dir)
				if err != nil {
					t.Fatalf("%s/%s: reload after rename: %v", tg.page, tg.name, err)
				}
				want := substitute(before, tg.page, tg.name, newName)
				got := edgeSet(renamed)
				if missing, extra := setDiff(want, got), setDiff(got, want); len(missing)+len(extra) > 0 {
					t.Errorf("%s/%s → %s (%d refs, %d edits): %d edges missing, %d extra; e.g. missing %v extra %v",
						tg.page, tg.name, newName, tg.refs, plan.RefactorCount, len(missing), len(extra), first(missing), first(extra))
				}
				if _, ok := renamed.Page(tg.page).EntityNames()[newName]; !ok {
					t.Errorf("%s/%s: no entity %s after the rename", tg.page, tg.name, newName)
				}
				back, err := PlanRename(renamed, tg.page, newName, tg.name)
				if err != nil {
					t.Fatalf("%s/%s: plan back: %v", tg.page, tg.name, err)
				}
				if err := ApplyPlan(back); err != nil {
					t.Fatalf("%s/%s: apply back: %v", tg.page, tg.name, err)
				}
				if diff := sumDiff(original, treeSums(t, dir)); diff != "" {
					t.Fatalf("%s/%s: renaming back did not restore the files: %s", tg.page, tg.name, diff)
				}
			}
		})
	}
}

func setDiff(a, b map[edgeKey]bool) []edgeKey {
	var out []edgeKey
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from+out[i].to < out[j].from+out[j].to })
	return out
}

func first(list []edgeKey) any {
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

func sumDiff(a, b map[string][32]byte) string {
	var diffs []string
	for f, s := range a {
		if t, ok := b[f]; !ok {
			diffs = append(diffs, "missing "+f)
		} else if s != t {
			diffs = append(diffs, "changed "+f)
		}
	}
	for f := range b {
		if _, ok := a[f]; !ok {
			diffs = append(diffs, "new "+f)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 5 {
		diffs = append(diffs[:5], "…")
	}
	return strings.Join(diffs, ", ")
}
