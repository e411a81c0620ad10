package refactor

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
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

func edgeSet(edges []appmodel.Edge) map[edgeKey]bool {
	set := map[edgeKey]bool{}
	for _, e := range edges {
		set[edgeKey{e.Page, e.From, e.To}] = true
	}
	return set
}

// rootOf is the entity a reference or a node names.
func rootOf(ref string) string {
	if i := strings.IndexAny(ref, ".["); i >= 0 {
		return ref[:i]
	}
	return ref
}

// renamedPageEdges is what a correct rename must leave of a page's edges:
// those before, with the entity's name substituted.
func renamedPageEdges(set map[edgeKey]bool, page, old, new string) map[edgeKey]bool {
	out := map[edgeKey]bool{}
	swap := func(s string) string {
		if rootOf(s) == old {
			return new + s[len(old):]
		}
		return s
	}
	for e := range set {
		if e.page == page {
			out[edgeKey{e.page, swap(e.from), swap(e.to)}] = true
		}
	}
	return out
}

type target struct {
	page, name string
	refs       int
}

// mostReferenced lists the entities with the most incoming edges.
func mostReferenced(edges []appmodel.Edge, n int) []target {
	count := map[[2]string]int{}
	for _, e := range edges {
		count[[2]string{e.Page, rootOf(e.To)}]++
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
// app on disk: afterwards the page's edges must be the edges before with
// the name substituted, the rename must touch no file outside the page, and
// renaming back must restore every file byte for byte.
//
// The apps are copied once each and checked in parallel. Only the renamed
// page is read again after a rename (a rename touches no other page, which
// the test checks, and a whole app takes seconds to load under -race); the
// whole tree is compared with the original once, at the end.
func TestRenameRealApps(t *testing.T) {
	t.Parallel()
	n := 20
	if testing.Short() {
		n = 3
	}
	for _, name := range []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
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
			edges := appmodel.Edges(app)
			before := edgeSet(edges)
			renamer := NewRenamer(0) // as a server holds one: renames share scans
			for _, tg := range mostReferenced(edges, n) {
				renameAndBack(t, renamer, app, before, original, tg)
				if t.Failed() {
					return
				}
			}
			if diff := sumDiff(original, treeSums(t, dir)); diff != "" {
				t.Fatalf("after every rename and its reverse the files differ: %s", diff)
			}
		})
	}
}

// renameAndBack renames tg on disk, checks the result, and renames it back.
func renameAndBack(t *testing.T, r Renamer, app *appmodel.App, before map[edgeKey]bool, original map[string][32]byte, tg target) {
	t.Helper()
	newName := tg.name + "Renamed"
	at := func(format string, args ...any) string {
		return fmt.Sprintf("%s/%s → %s: ", tg.page, tg.name, newName) + fmt.Sprintf(format, args...)
	}
	pageIndex := slices.IndexFunc(app.Pages, func(p *appmodel.Page) bool { return p.Name == tg.page })
	pageDir := filepath.Dir(app.Pages[pageIndex].File)
	plan, err := r.PlanRename(app, tg.page, tg.name, newName)
	if err != nil {
		t.Errorf("%s", at("plan: %v", err))
		return
	}
	touched := planPaths(plan)
	for _, f := range touched {
		if !strings.HasPrefix(f, pageDir+string(filepath.Separator)) {
			t.Fatalf("%s", at("the plan touches %s, outside the page's folder %s", f, pageDir))
		}
	}
	if err := ApplyPlan(plan); err != nil {
		t.Fatalf("%s", at("apply: %v", err))
	}
	page, err := appmodel.LoadGitPage(pageDir)
	if err != nil {
		t.Fatalf("%s", at("reload after rename: %v", err))
	}
	want := renamedPageEdges(before, tg.page, tg.name, newName)
	got := edgeSet(appmodel.PageEdges(page))
	if missing, extra := setDiff(want, got), setDiff(got, want); len(missing)+len(extra) > 0 {
		t.Errorf("%s", at("(%d refs, %d edits): %d edges missing, %d extra; e.g. missing %v extra %v",
			tg.refs, plan.RefactorCount, len(missing), len(extra), first(missing), first(extra)))
	}
	if _, ok := page.EntityNames()[newName]; !ok {
		t.Errorf("%s", at("no entity %s after the rename", newName))
	}
	renamed := *app
	renamed.Pages = slices.Clone(app.Pages)
	renamed.Pages[pageIndex] = page
	back, err := r.PlanRename(&renamed, tg.page, newName, tg.name)
	if err != nil {
		t.Fatalf("%s", at("plan back: %v", err))
	}
	if err := ApplyPlan(back); err != nil {
		t.Fatalf("%s", at("apply back: %v", err))
	}
	// What the two plans touched holds its original bytes again, and what
	// they moved away is gone.
	for _, f := range append(touched, planPaths(back)...) {
		st, err := os.Stat(f)
		rel, _ := filepath.Rel(app.Path, f)
		sum, existed := original[rel]
		switch {
		case err != nil && existed:
			t.Fatalf("%s", at("renaming back did not restore %s: %v", rel, err))
		case err == nil && !existed && !st.IsDir():
			t.Fatalf("%s", at("renaming back left %s", rel))
		case err == nil && existed:
			b, err := os.ReadFile(f)
			if err != nil || sha256.Sum256(b) != sum {
				t.Fatalf("%s", at("renaming back did not restore %s byte for byte", rel))
			}
		}
	}
}

// planPaths lists the files a plan edits and the paths it moves.
func planPaths(p *Plan) []string {
	var out []string
	for _, f := range p.Files {
		out = append(out, f.File)
	}
	for _, m := range p.Moves {
		out = append(out, m.From, m.To)
	}
	return out
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
