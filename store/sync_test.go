package store

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/depgraph"
	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// waitEvent waits for an event that satisfies ok.
func waitEvent(t *testing.T, events <-chan Event, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event with %s within 5s", what)
		}
	}
}

func hasEdge(es []depgraph.Edge, from, to string) bool {
	for _, e := range es {
		if e.From == from && e.To == to {
			return true
		}
	}
	return false
}

func reportHasEdge(r depgraph.AppReport, page, from, to string) bool {
	for _, e := range r.Edges {
		if e.Page == page && e.From == from && e.To == to {
			return true
		}
	}
	return false
}

// followOtherWriters is the sync test: another client writes bindings into
// a widget and an action, deletes a JS object and adds a page; each time a
// subscriber hears of the new or removed edges within seconds and the
// store's graph has them. At the end the incrementally kept graph equals
// one loaded afresh.
func followOtherWriters(t *testing.T, wantMode string) {
	ctx := context.Background()
	s := openTest(t, testDB(t))
	id := importTinyLoaded(t, s.Store)
	for deadline := time.Now().Add(5 * time.Second); s.SyncMode() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if s.SyncMode() != wantMode {
		t.Skipf("sync mode is %q here, not %q", s.SyncMode(), wantMode)
	}
	events := make(chan Event, 64)
	s.Subscribe(func(ev Event) { events <- ev })
	db := otherClient(t, testURI, s.Database())
	pages := docsOf(t, db, collPage, id)
	home := idOf(t, pages, "unpublishedPage.name", "Home")
	actions := docsOf(t, db, collAction, id)
	getUsers := idOf(t, actions, "unpublishedAction.name", "getUsers")

	// A new binding in a widget of the page document.
	start := time.Now()
	editDoc(t, db, collPage, home, func(s string) string {
		s = replaceOnce(t, s, `"defaultText":"{{Table1.selectedRow.name}}"`,
			`"defaultText":"{{Table1.selectedRow.name}}","placeholderText":"{{getUsers.data.hint}}"`)
		return replaceOnce(t, s, `{"key":"maxChars"},{"key":"defaultText"}]`, `{"key":"maxChars"},{"key":"defaultText"},{"key":"placeholderText"}]`)
	})
	ev := waitEvent(t, events, "Input1.placeholderText → getUsers.data.hint", func(ev Event) bool {
		return ev.Kind == EventGraph && ev.AppID == id && ev.Page == "Home" && hasEdge(ev.Change.EdgesAdded, "Input1.placeholderText", "getUsers.data.hint")
	})
	t.Logf("widget binding seen after %v (mode %s)", time.Since(start).Round(time.Millisecond), s.SyncMode())
	if !slices.Contains(ev.Change.Nodes, "Input1.placeholderText") || len(ev.Change.EdgesAdded) != 1 || len(ev.Change.EdgesRemoved) != 0 {
		t.Errorf("change = %+v", ev.Change)
	}
	g, err := s.Graph(ctx, id, "Home")
	if err != nil || !reportHasEdge(g, "Home", "Input1.placeholderText", "getUsers.data.hint") {
		t.Fatalf("the store's graph lacks the new edge (%v)", err)
	}

	// A new binding in an action.
	editDoc(t, db, collAction, getUsers, func(s string) string {
		return replaceOnce(t, s, `"actionConfiguration":{`, `"actionConfiguration":{"path":"/u/{{Input1.text}}",`)
	})
	waitEvent(t, events, "getUsers.config.path → Input1.text", func(ev Event) bool {
		return ev.Page == "Home" && hasEdge(ev.Change.EdgesAdded, "getUsers.config.path", "Input1.text")
	})

	// A JS object deleted: the handler that called it loses its edge.
	var utils string
	for docID, text := range docsOf(t, db, collCollection, id) {
		if gjsonStr(text, "unpublishedCollection.name") == "Utils" {
			utils = docID
		}
	}
	if _, err := db.Collection(collCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: idValue(utils)}}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, "Table1.onRowSelected → Utils.select removed", func(ev Event) bool {
		return ev.Page == "Home" && hasEdge(ev.Change.EdgesRemoved, "Table1.onRowSelected", "Utils.select")
	})

	// A new page: the graph is rebuilt and reports the new page's edges.
	page := `{"_id":{"$oid":"` + bson.NewObjectID().Hex() + `"},"applicationId":"` + id + `","updatedAt":{"$date":"2026-01-01T00:00:00Z"},` +
		`"unpublishedPage":{"name":"Extra","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","children":[` +
		`{"widgetName":"Text9","widgetId":"t9","type":"TEXT_WIDGET","text":"{{Text9.isVisible}}","dynamicBindingPathList":[{"key":"text"}]}]}}]}}`
	var doc bson.D
	if err := bson.UnmarshalExtJSON([]byte(page), false, &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(collPage).InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, events, "the new page's edge", func(ev Event) bool {
		return hasEdge(ev.Change.EdgesAdded, "Text9.text", "Text9.isVisible")
	})

	live, err := s.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	fresh := openTest(t, s.Database())
	want, err := fresh.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(live, want) {
		t.Errorf("graph kept up to date differs from one loaded afresh:\nlive  %+v\nfresh %+v", live, want)
	}
	if n := counterValue(t, s.reg, "rts_store_documents_synced_total"); n < 4 {
		t.Errorf("rts_store_documents_synced_total = %v", n)
	}
}

func gjsonStr(text, path string) string {
	return gjson.Get(text, path).Str
}

// TestSyncPolling follows other writers by polling, which is what FerretDB
// gets (it has no change streams).
func TestSyncPolling(t *testing.T) {
	if realMongo {
		t.Skip("MONGODB_URI is set: the server may offer change streams (TestSyncChangeStream covers it)")
	}
	followOtherWriters(t, modePolling)
}

// TestSyncChangeStream needs a MongoDB replica set.
func TestSyncChangeStream(t *testing.T) {
	if !realMongo {
		t.Skip("change streams need a real MongoDB replica set: set MONGODB_URI (FerretDB answers NotImplemented)")
	}
	followOtherWriters(t, modeChangeStream)
}
