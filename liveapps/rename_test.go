package liveapps

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/report"
	"github.com/appsmith-rts/rts/store"
)

func gjsonStr(text, path string) string { return gjson.Get(text, path).Str }

// TestRenameEmbedded renames on the embedded store: a dry run writes
// nothing; a rename changes the documents, the graph follows, the event
// goes out; what Appsmith keeps beside the code is renamed too; a taken or
// unusable name moves nothing; all of it is there for a new room after the
// store is reopened.
func TestRenameEmbedded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := sqliteStore(t, dir)
	r, _ := openRoom(t, st)
	id, err := r.Import(ctx, tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	evs := subscribe(r)
	before, _ := st.Load(ctx, id)

	dry, err := r.Rename(ctx, id, "", "getUsers", "fetchUsers", true)
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || dry.RefactorCount == 0 || len(dry.Changes) == 0 || len(dry.Documents) == 0 {
		t.Fatalf("dry run = %+v", dry)
	}
	if after, _ := st.Load(ctx, id); !reflect.DeepEqual(before, after) {
		t.Fatal("a dry run wrote")
	}

	res, err := r.Rename(ctx, id, "Home", "getUsers", "fetchUsers", false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Page != "Home" || res.Kind != appmodel.KindAction || res.RefactorCount != dry.RefactorCount || !reflect.DeepEqual(res.Documents, dry.Documents) {
		t.Errorf("result = %+v", res)
	}
	var sawBody, sawName bool
	for _, c := range res.Changes {
		sawBody = sawBody || c.Entity == "Utils" && c.Kind == refactor.CodeReference && strings.HasPrefix(c.Document, store.CollCollection+"/")
		sawName = sawName || c.Entity == "getUsers" && c.Kind == refactor.EntityName && c.After == "fetchUsers"
	}
	if !sawBody || !sawName {
		t.Errorf("changes = %+v", res.Changes)
	}
	checkRenamed := func(r *Room) {
		t.Helper()
		g, err := r.Graph(ctx, id, "Home")
		if err != nil {
			t.Fatal(err)
		}
		if reportHasEdgeTo(g, "Home", "getUsers") || !reportHasEdgeTo(g, "Home", "fetchUsers.") {
			t.Errorf("graph after the rename: %+v", g.Edges)
		}
	}
	checkRenamed(r)
	ev := evs.wait(t, "the rename", func(ev Event) bool { return ev.Kind == EventRenamed })
	if ev.OldName != "getUsers" || ev.NewName != "fetchUsers" || ev.Page != "Home" || ev.RefactorCount != res.RefactorCount {
		t.Errorf("event = %+v", ev)
	}
	ev = evs.wait(t, "the rename's graph change", func(ev Event) bool { return ev.Kind == EventGraph && ev.Reason == EventRenamed })
	if ev.Page != "Home" || len(ev.Change.EdgesAdded) == 0 || len(ev.Change.EdgesRemoved) == 0 {
		t.Errorf("graph event = %+v", ev)
	}
	js := docOf(t, st, id, store.CollCollection, "unpublishedCollection.name", "Utils")
	if !strings.Contains(gjsonStr(js.Text, "unpublishedCollection.body"), "fetchUsers.run(") {
		t.Errorf("JS object body not renamed: %s", js.Text)
	}

	// A JS object rename also renames what its function actions keep.
	if _, err := r.Rename(ctx, id, "", "Utils", "Helpers", false); err != nil {
		t.Fatal(err)
	}
	fn := docOf(t, st, id, store.CollAction, "pluginType", "JS")
	if got := gjsonStr(fn.Text, "unpublishedAction.fullyQualifiedName"); got != "Helpers.select" {
		t.Errorf("fullyQualifiedName = %q", got)
	}

	// A name taken, or one Appsmith would not take: nothing moves.
	unchanged, _ := st.Load(ctx, id)
	var conflict *refactor.Conflict
	if _, err := r.Rename(ctx, id, "Home", "Helpers", "Table1", false); !errors.As(err, &conflict) {
		t.Errorf("rename onto a taken name: %v", err)
	}
	var nameErr *refactor.NameError
	for _, bad := range []string{"for", "__proto__", "constructor", "has space", "a-b", "9lives", strings.Repeat("x", 31), "Helpers.prototype"} {
		old := "Helpers"
		if strings.Contains(bad, ".") {
			old = "Helpers.select"
		}
		if _, err := r.Rename(ctx, id, "Home", old, bad, false); !errors.As(err, &nameErr) {
			t.Errorf("rename to %q: %v", bad, err)
		}
	}
	if now, _ := st.Load(ctx, id); !reflect.DeepEqual(unchanged, now) {
		t.Error("a refused rename wrote")
	}

	// A new start on the same folder sees it all.
	r.Close()
	st.Close(ctx)
	again, _ := openRoom(t, sqliteStore(t, dir))
	checkRenamed(again)
	g, _ := again.Graph(ctx, id, "Home")
	if !reportHasEdgeTo(g, "Home", "Helpers.") || reportHasEdgeTo(g, "Home", "Utils.") {
		t.Errorf("the JS object rename did not survive reopening: %+v", g.Edges)
	}
}

// TestCheckRename: the names Appsmith's editor takes.
func TestCheckRename(t *testing.T) {
	for _, tt := range []struct {
		old, new string
		ok       bool
	}{
		{"Api1", "Api2", true},
		{"Api1", "_private", true},
		{"Api1", "get_users_2", true},
		{"Api1", strings.Repeat("x", 30), true},
		{"Api1", strings.Repeat("x", 31), false},
		{"Api1", "has space", false},
		{"Api1", "dollar$", false},
		{"Api1", "ünïcode", false},
		{"Api1", "1st", false},
		{"Api1", "__proto__", false},
		{"Api1", "constructor", false},
		{"Api1", "prototype", false},
		{"JS1.fn", "JS1.fn2", true},
		{"JS1.fn", "JS1.$fn", true},
		{"JS1.fn", "JS1." + strings.Repeat("y", 200), true},
		{"JS1.fn", "JS1." + strings.Repeat("y", 256), false},
		{"JS1.fn", "JS1.constructor", false},
		{strings.Repeat("z", 600), "Api2", false},
	} {
		err := checkRename(tt.old, tt.new)
		if (err == nil) != tt.ok {
			t.Errorf("checkRename(%.20q, %.20q) = %v", tt.old, tt.new, err)
		}
	}
}

// TestRenameOnRealApp renames an action used across a real export: every
// stored reference on the edited side moves with it, and the graph has
// as many edges as before.
func TestRenameOnRealApp(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
	r, _ := openRoom(t, st)
	path, err := shareddata.Path("testdata", "exported", "CommunityIssuesExport.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.ImportExport(ctx, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	before, err := r.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Rename(ctx, id, "", "fetch_label_config", "labelConfig", false)
	if err != nil {
		t.Fatal(err)
	}
	if res.RefactorCount == 0 {
		t.Fatal("nothing renamed")
	}
	docs, _ := st.Load(ctx, id)
	for _, d := range docs.Docs {
		for _, side := range []string{"unpublishedPage", "unpublishedAction", "unpublishedCollection"} {
			if v := gjson.Get(d.Text, side); v.Exists() && strings.Contains(v.Raw, "fetch_label_config") {
				t.Errorf("%s still names fetch_label_config in %s", d.Key, side)
			}
		}
	}
	g, _ := r.Graph(ctx, id, "")
	if len(g.Edges) != len(before.Edges) || !reportHasEdgeTo(g, res.Page, "labelConfig") {
		t.Errorf("after the rename: %d edges (before %d)", len(g.Edges), len(before.Edges))
	}
}

// TestSharedAppsGraphs: each shared app imported and loaded gives the
// graph its files give (pages, entities, edges, cycles, unknown and
// unused), and the rename of its most referenced entity there and back
// leaves the same graph.
func TestSharedAppsGraphs(t *testing.T) {
	ctx := context.Background()
	names := []string{"rm", "AppsmithNew", "NewIdeel-Appsmith"}
	if testing.Short() || raceEnabled {
		names = names[:1]
	}
	st := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
	r, _ := openRoom(t, st)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			p, err := shareddata.Path("testdata", "apps", n)
			if err != nil {
				t.Fatal(err)
			}
			app, err := appmodel.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := report.FromGraph(appgraph.Build(app), "")
			id, err := r.Import(ctx, app)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Graph(ctx, id, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := graphDiff(got, want); diff != "" {
				t.Fatalf("loaded graph differs from the files': %s", diff)
			}
			page, name := mostReferenced(got)
			for _, step := range [][2]string{{name, name + "X"}, {name + "X", name}} {
				if _, err := r.Rename(ctx, id, page, step[0], step[1], false); err != nil {
					t.Fatalf("rename %s → %s: %v", step[0], step[1], err)
				}
			}
			back, _ := r.Graph(ctx, id, "")
			if diff := graphDiff(back, want); diff != "" {
				t.Errorf("after renaming %s and back the graph differs: %s", name, diff)
			}
		})
	}
}
