package liveapps

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/report"
	"github.com/appsmith-rts/rts/store"
)

// hooked runs a hook before each write: the test is then another writer
// between a rename's plan and its write.
type hooked struct {
	store.Store
	beforeWrite func()
}

func (h *hooked) Write(ctx context.Context, puts []store.Put) ([]store.Doc, error) {
	if f := h.beforeWrite; f != nil {
		h.beforeWrite = nil
		f()
	}
	return h.Store.Write(ctx, puts)
}

// TestRenameConflict: another writer changes a document a rename is about
// to write. The rename fails with *ConflictError naming it, nothing of it
// is written, the other writer's change stays and the room takes it in; a
// rename planned again succeeds and keeps it. On every kind of store.
func TestRenameConflict(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   func(t *testing.T) (store.Store, writer)
	}{
		{"memory", func(t *testing.T) (store.Store, writer) {
			m := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
			return m, memWriter{m}
		}},
		{"memory-standalone", func(t *testing.T) (store.Store, writer) {
			m := store.NewMemory(store.MemoryOptions{Standalone: true, Logger: testLogger()})
			return m, memWriter{m}
		}},
		{"mongodb", func(t *testing.T) (store.Store, writer) {
			m := mongoStore(t)
			return m, newMongoWriter(t, m.Database())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, w := tc.st(t)
			h := &hooked{Store: st}
			r, _ := openRoom(t, h)
			id, err := r.Import(ctx, tinyApp(t))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Graph(ctx, id, ""); err != nil {
				t.Fatal(err)
			}
			getUsers := docOf(t, st, id, store.CollAction, "unpublishedAction.name", "getUsers")
			home := docOf(t, st, id, store.CollPage, "unpublishedPage.name", "Home")
			// Renaming Table1 writes the page and the action (its body and
			// query parameter refer to Table1); the other writer changes
			// the action.
			h.beforeWrite = func() {
				w.edit(t, getUsers.Key, func(s string) string {
					return replaceOnce(t, s, `"executeOnLoad":`, `"otherWriter":"was here","executeOnLoad":`)
				})
			}
			_, err = r.Rename(ctx, id, "Home", "Table1", "UsersTable", false)
			var ce *ConflictError
			if !errors.As(err, &ce) || len(ce.Documents) != 1 || ce.Documents[0] != getUsers.Key.String() {
				t.Fatalf("err = %v, want a *ConflictError naming %s", err, getUsers.Key)
			}
			action := docOf(t, st, id, store.CollAction, "unpublishedAction.name", "getUsers").Text
			if !strings.Contains(action, "was here") || strings.Contains(action, "UsersTable") {
				t.Errorf("action after the conflict: %s", action)
			}
			if page := docOf(t, st, id, store.CollPage, "unpublishedPage.name", "Home"); page.Rev != home.Rev {
				t.Error("the page was written by a rename that failed")
			}
			if _, err := r.Rename(ctx, id, "Home", "Table1", "UsersTable", false); err != nil {
				t.Fatalf("rename after the conflict: %v", err)
			}
			action = docOf(t, st, id, store.CollAction, "unpublishedAction.name", "getUsers").Text
			if !strings.Contains(action, "was here") || !strings.Contains(action, "UsersTable") {
				t.Errorf("action after the retried rename: %s", action)
			}
		})
	}
}

// unknownCount is how many references of the app resolve to nothing.
func unknownCount(g report.App) int {
	n := 0
	for _, p := range g.Pages {
		n += len(p.Unknown)
	}
	return n
}

// TestCrashMidRename kills a rename on a server without transactions
// (the journal) after each step of its write, then starts again on the
// same data: the app is each time either fully renamed or untouched, and
// every binding resolves as before.
func TestCrashMidRename(t *testing.T) {
	ctx := context.Background()
	base := store.NewMemory(store.MemoryOptions{Standalone: true, Logger: testLogger()})
	r0, _ := openRoom(t, base)
	id, err := r0.Import(ctx, tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := r0.Graph(ctx, id, "")
	plan, err := r0.Rename(ctx, id, "Home", "getUsers", "fetchUsers", true)
	if err != nil {
		t.Fatal(err)
	}
	r0.Close()
	steps := len(plan.Documents) + 2 // the intent, each document, the end
	for k := 0; k <= steps; k++ {
		// Every try starts from the app as imported: a fresh copy.
		m := store.NewMemory(store.MemoryOptions{Standalone: true, Logger: testLogger()})
		set, err := store.BuildImport(tinyApp(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Import(ctx, set); err != nil {
			t.Fatal(err)
		}
		r, _ := openRoom(t, m)
		if _, err := r.Graph(ctx, set.AppID, ""); err != nil {
			t.Fatal(err)
		}
		m.CrashAfter(k)
		_, err = r.Rename(ctx, set.AppID, "Home", "getUsers", "fetchUsers", false)
		if k < steps && err == nil {
			t.Fatalf("killed after %d steps, the rename succeeded", k)
		}
		r.Close()
		again, _, err := m.Reopen(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := openRoom(t, again)
		g, err := r2.Graph(ctx, set.AppID, "")
		if err != nil {
			t.Fatal(err)
		}
		old, renamed := reportHasEdgeTo(g, "Home", "getUsers"), reportHasEdgeTo(g, "Home", "fetchUsers")
		if old == renamed {
			t.Errorf("killed after %d steps: edges to getUsers %v, to fetchUsers %v: half renamed", k, old, renamed)
		}
		if unknownCount(g) != unknownCount(before) || len(g.Edges) != len(before.Edges) {
			t.Errorf("killed after %d steps: %d unknown references (before %d), %d edges (before %d)",
				k, unknownCount(g), unknownCount(before), len(g.Edges), len(before.Edges))
		}
		if again.Journals() != 0 {
			t.Errorf("killed after %d steps: journal left", k)
		}
		r2.Close()
	}
	_ = id
}

// TestEviction: past the memory budget the least recently used app is
// dropped; an app nobody asks about is dropped after IdleAfter; a dropped
// app loads again on its next request.
func TestEviction(t *testing.T) {
	ctx := context.Background()
	m := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
	r, reg := openRoom(t, m, func(o *Options) { o.MemoryBudget = 1 })
	a, _ := r.Import(ctx, tinyApp(t))
	b, _ := r.Import(ctx, tinyApp(t))
	r.Graph(ctx, a, "")
	r.Graph(ctx, b, "")
	if u := r.Usage(); u.Apps != 1 || u.Bytes == 0 {
		t.Errorf("usage over the budget: %+v", u)
	}
	if n := counter(t, reg, "rts_live_apps_evicted_total", "budget"); n != 1 {
		t.Errorf("evictions for the budget: %v", n)
	}
	list, _ := r.ListApps(ctx)
	for _, s := range list {
		if s.Loaded != (s.ID == b) {
			t.Errorf("%s loaded %v", s.ID, s.Loaded)
		}
	}
	if _, err := r.Graph(ctx, a, ""); err != nil {
		t.Errorf("an evicted app does not load again: %v", err)
	}

	idle, ireg := openRoom(t, m, func(o *Options) { o.IdleAfter = 20 * time.Millisecond })
	idle.Graph(ctx, a, "")
	waitFor(t, "the idle app to be evicted", func() bool { return idle.Usage().Apps == 0 })
	if n := counter(t, ireg, "rts_live_apps_evicted_total", "idle"); n != 1 {
		t.Errorf("evictions for idleness: %v", n)
	}
}

// TestEstimateBytes: what the budget counts for an app is within a factor
// of two of the heap the app really holds (measured on the largest shared
// app).
func TestEstimateBytes(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("loads the largest shared app")
	}
	ctx := context.Background()
	p, err := shareddata.Path("testdata", "apps", "NewIdeel-Appsmith")
	if err != nil {
		t.Fatal(err)
	}
	app, err := appmodel.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	// The embedded store, whose texts are the room's own (the memory
	// store would share them).
	r, _ := openRoom(t, sqliteStore(t, t.TempDir()))
	id, err := r.Import(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	app = nil
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	h0 := heap()
	if _, err := r.Graph(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	h1 := heap()
	est := r.Usage().Bytes
	held := int64(h1) - int64(h0)
	t.Logf("NewIdeel-Appsmith held %.1f MiB of heap, estimated %.1f MiB", float64(held)/(1<<20), float64(est)/(1<<20))
	if held <= 0 || est < held/2 || est > held*2 {
		t.Errorf("estimate %d bytes for %d held", est, held)
	}
}

// TestWriteFailsHalfway: the server stops answering in the middle of a
// rename's journal write and comes back. The rename fails, the room lets
// go of the app, and the next request finds it settled, fully renamed,
// every binding resolving.
func TestWriteFailsHalfway(t *testing.T) {
	ctx := context.Background()
	m := store.NewMemory(store.MemoryOptions{Standalone: true, Logger: testLogger()})
	r, _ := openRoom(t, m)
	id, _ := r.Import(ctx, tinyApp(t))
	before, _ := r.Graph(ctx, id, "")
	m.FailAfter(2)
	if _, err := r.Rename(ctx, id, "Home", "getUsers", "fetchUsers", false); err == nil {
		t.Fatal("the rename succeeded")
	}
	if u := r.Usage(); u.Apps != 0 {
		t.Errorf("the app stayed loaded after a failed write: %+v", u)
	}
	g, err := r.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if reportHasEdgeTo(g, "Home", "getUsers") || !reportHasEdgeTo(g, "Home", "fetchUsers") {
		t.Errorf("after the failure: edges to getUsers %v, to fetchUsers %v",
			reportHasEdgeTo(g, "Home", "getUsers"), reportHasEdgeTo(g, "Home", "fetchUsers"))
	}
	if unknownCount(g) != unknownCount(before) || len(g.Edges) != len(before.Edges) || m.Journals() != 0 {
		t.Errorf("%d unknown (before %d), %d edges (before %d), %d journals", unknownCount(g), unknownCount(before), len(g.Edges), len(before.Edges), m.Journals())
	}
}
