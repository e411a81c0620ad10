package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func hasEdgeTo(r depgraph.AppReport, page, prefix string) bool {
	for _, e := range r.Edges {
		if e.Page == page && strings.HasPrefix(e.To, prefix) {
			return true
		}
	}
	return false
}

// docsOf lists the app's documents of a collection as text, by _id.
func docsOf(t *testing.T, db *mongo.Database, coll, appID string) map[string]string {
	t.Helper()
	cur, err := db.Collection(coll).Find(context.Background(), bson.D{{Key: "applicationId", Value: appID}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for cur.Next(context.Background()) {
		out[idString(cur.Current.Lookup("_id"))] = renderText(cur.Current)
	}
	return out
}

func idOf(t *testing.T, docs map[string]string, path, value string) string {
	t.Helper()
	for id, text := range docs {
		if gjson.Get(text, path).Str == value {
			return id
		}
	}
	t.Fatalf("no document with %s = %q", path, value)
	return ""
}

// TestRenameThroughEmbeddedStore renames on the embedded default (no URI):
// the documents change, the graph follows, an event goes out, and all of
// it is still there after closing and reopening the store on its DataDir.
func TestRenameThroughEmbeddedStore(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	s, err := Open(ctx, Options{DataDir: dataDir, Logger: testLogger(t), PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close(ctx) }()
	if s.URI() == "" {
		t.Fatal("no embedded server")
	}
	app, err := appmodel.Load(tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Import(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan Event, 16)
	s.Subscribe(func(ev Event) { events <- ev })

	// A dry run plans and writes nothing.
	client, err := mongo.Connect(options.Client().ApplyURI(s.URI()))
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database(s.Database())
	before := docsOf(t, db, collAction, id)
	dry, err := s.Rename(ctx, id, "", "getUsers", "fetchUsers", true)
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || dry.RefactorCount == 0 || len(dry.Changes) == 0 || len(dry.Documents) == 0 {
		t.Fatalf("dry run = %+v", dry)
	}
	if after := docsOf(t, db, collAction, id); !mapsEqual(before, after) {
		t.Fatal("a dry run wrote")
	}

	start := time.Now()
	res, err := s.Rename(ctx, id, "Home", "getUsers", "fetchUsers", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rename getUsers → fetchUsers: %d documents, %d references, written in %v",
		len(res.Documents), res.RefactorCount, time.Since(start).Round(time.Millisecond))
	if res.Page != "Home" || res.Kind != appmodel.KindAction || res.RefactorCount != dry.RefactorCount {
		t.Errorf("result = %+v", res)
	}
	// Utils.select calls getUsers.run(): the JS object body changed.
	var sawBody, sawName bool
	for _, c := range res.Changes {
		sawBody = sawBody || c.Entity == "Utils" && c.Kind == refactor.CodeReference && strings.HasPrefix(c.Document, collCollection+"/")
		sawName = sawName || c.Entity == "getUsers" && c.Kind == refactor.EntityName && c.After == "fetchUsers"
	}
	if !sawBody || !sawName {
		t.Errorf("changes = %+v", res.Changes)
	}
	checkRenamed := func(s *Store) {
		t.Helper()
		g, err := s.Graph(ctx, id, "Home")
		if err != nil {
			t.Fatal(err)
		}
		if hasEdgeTo(g, "Home", "getUsers") || !hasEdgeTo(g, "Home", "fetchUsers.") {
			t.Errorf("graph after the rename: %+v", g.Edges)
		}
		for _, e := range g.Pages[0].Entities {
			if e.Name == "getUsers" {
				t.Error("getUsers still an entity")
			}
		}
	}
	checkRenamed(s)
	ev := waitEvent(t, events, "the rename", func(ev Event) bool { return ev.Kind == EventRenamed })
	{
		if ev.Kind != EventRenamed || ev.OldName != "getUsers" || ev.NewName != "fetchUsers" || ev.Page != "Home" ||
			ev.RefactorCount != res.RefactorCount || len(ev.Change.EdgesAdded) == 0 || len(ev.Change.EdgesRemoved) == 0 {
			t.Errorf("event = %+v", ev)
		}
	}
	actions := docsOf(t, db, collAction, id)
	fetch := idOf(t, actions, "unpublishedAction.name", "fetchUsers")
	if v := gjson.Get(actions[fetch], fieldVersion).Int(); v != 1 {
		t.Errorf("rtsVersion = %d", v)
	}
	for _, text := range docsOf(t, db, collCollection, id) {
		if !strings.Contains(gjson.Get(text, "unpublishedCollection.body").Str, "fetchUsers.run(") {
			t.Errorf("JS object body not renamed: %s", text)
		}
	}

	// A JS object rename also renames what its function actions keep.
	if _, err := s.Rename(ctx, id, "", "Utils", "Helpers", false); err != nil {
		t.Fatal(err)
	}
	actions = docsOf(t, db, collAction, id)
	fn := idOf(t, actions, "pluginType", "JS")
	if got := gjson.Get(actions[fn], "unpublishedAction.fullyQualifiedName").Str; got != "Helpers.select" {
		t.Errorf("fullyQualifiedName = %q", got)
	}

	// A name that is taken, or invalid, is the plan's error; nothing moves.
	var conflict *refactor.Conflict
	if _, err := s.Rename(ctx, id, "Home", "Helpers", "Table1", false); !errors.As(err, &conflict) {
		t.Errorf("rename onto a taken name: %v", err)
	}
	var nameErr *refactor.NameError
	if _, err := s.Rename(ctx, id, "Home", "Helpers", "for", false); !errors.As(err, &nameErr) {
		t.Errorf("rename to a reserved word: %v", err)
	}

	// Without clients left, the embedded server stops at once.
	client.Disconnect(ctx)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, Options{DataDir: dataDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	checkRenamed(s)
	g, err := s.Graph(ctx, id, "Home")
	if err != nil {
		t.Fatal(err)
	}
	if !hasEdgeTo(g, "Home", "Helpers.") || hasEdgeTo(g, "Home", "Utils.") {
		t.Errorf("the JS object rename did not survive reopening: %+v", g.Edges)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRenameOnRealApp renames an action used across a real export and
// checks every stored reference moved with it.
func TestRenameOnRealApp(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, testDB(t))
	path, err := shareddata.Path("testdata", "exported", "CommunityIssuesExport.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.ImportExport(ctx, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Graph(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := s.Rename(ctx, id, "", "fetch_label_config", "labelConfig", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rename on %s: %d documents, %d references, written in %v", filepath.Base(path),
		len(res.Documents), res.RefactorCount, time.Since(start).Round(time.Millisecond))
	if res.RefactorCount == 0 {
		t.Fatal("nothing renamed")
	}
	db := otherClient(t, testURI, s.Database())
	for _, coll := range appCollections {
		for docID, text := range docsOf(t, db, coll, id) {
			// The published side keeps the old name until Appsmith
			// publishes; the edited side must not.
			for _, side := range []string{"unpublishedPage", "unpublishedAction", "unpublishedCollection"} {
				if v := gjson.Get(text, side); v.Exists() && strings.Contains(v.Raw, "fetch_label_config") {
					i := strings.Index(v.Raw, "fetch_label_config")
					t.Errorf("%s/%s still names fetch_label_config in %s: …%s…", coll, docID, side, v.Raw[max(0, i-80):min(len(v.Raw), i+40)])
				}
			}
		}
	}
	g, err := s.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	offline, err := appmodel.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := appmodel.BuildGraph(offline).Snapshot("")
	if len(g.Edges) != len(want.Edges) || !hasEdgeTo(g, res.Page, "labelConfig") {
		t.Errorf("after the rename: %d edges (before %d)", len(g.Edges), len(want.Edges))
	}
}

// TestRenameConflict: another writer changes a document the rename is
// about to write. Whether it comes before the check or between the check
// and the write, the rename fails with *ConflictError naming it, the other
// writer's change stays, and nothing of the rename is left.
func TestRenameConflict(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, testDB(t))
	id := importTinyLoaded(t, s.Store)
	db := otherClient(t, testURI, s.Database())
	pages := docsOf(t, db, collPage, id)
	home := idOf(t, pages, "unpublishedPage.name", "Home")
	actions := docsOf(t, db, collAction, id)
	getUsers := idOf(t, actions, "unpublishedAction.name", "getUsers")

	for i, tc := range []struct {
		name string
		hook *func()
	}{
		{"before the check", &testHookBeforeVerify},
		{"after the check", &testHookBeforeWrite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			marker := "changed " + tc.name
			key := fmt.Sprintf("otherWriter%d", i)
			// Renaming Table1 writes the page (the widget) and the action
			// (its body and query parameter refer to Table1); the other
			// writer changes the action, which is written second.
			*tc.hook = func() {
				editDoc(t, db, collAction, getUsers, func(s string) string {
					return replaceOnce(t, s, `"executeOnLoad":`, `"`+key+`":"`+marker+`","executeOnLoad":`)
				})
			}
			defer func() { *tc.hook = nil }()
			pageBefore := docText(t, db, collPage, home)
			_, err := s.Rename(ctx, id, "Home", "Table1", "UsersTable", false)
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConflictError", err)
			}
			if len(ce.Documents) != 1 || ce.Documents[0] != collAction+"/"+getUsers {
				t.Errorf("conflicting documents = %v", ce.Documents)
			}
			action := docText(t, db, collAction, getUsers)
			if !strings.Contains(action, marker) {
				t.Error("the other writer's change was lost")
			}
			if strings.Contains(action, "UsersTable") {
				t.Error("the rename was written into the changed document")
			}
			page := docText(t, db, collPage, home)
			if strings.Contains(page, "UsersTable") {
				t.Error("the rename was left in the page")
			}
			if gjson.Get(page, "unpublishedPage").Raw != gjson.Get(pageBefore, "unpublishedPage").Raw {
				t.Error("the page's content was not put back")
			}
			// The store took the other writer's document in: a new plan
			// works on it.
			g, err := s.Graph(ctx, id, "Home")
			if err != nil || !hasEdgeTo(g, "Home", "Table1.") {
				t.Errorf("graph after the conflict: %v", err)
			}
		})
	}
	res, err := s.Rename(ctx, id, "Home", "Table1", "UsersTable", false)
	if err != nil {
		t.Fatalf("rename after the conflicts: %v", err)
	}
	if action := docText(t, db, collAction, getUsers); !strings.Contains(action, "UsersTable") || !strings.Contains(action, "changed after the check") ||
		!strings.Contains(action, "changed before the check") {
		t.Errorf("retried rename: %+v\n%s", res, action)
	}
}
