package liveapps

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/appsmith-rts/rts/store"
)

// writer is another writer of the store, as Appsmith's server is.
type writer interface {
	edit(t *testing.T, k store.Key, fn func(string) string)
	insert(t *testing.T, k store.Key, text string)
	remove(t *testing.T, k store.Key)
}

type memWriter struct{ m *store.Memory }

func (w memWriter) edit(t *testing.T, k store.Key, fn func(string) string) {
	if _, err := w.m.Edit(k, fn); err != nil {
		t.Fatal(err)
	}
}
func (w memWriter) insert(_ *testing.T, k store.Key, text string) { w.m.Insert(k, text) }
func (w memWriter) remove(_ *testing.T, k store.Key)              { w.m.Delete(k) }

// mongoWriter writes through the driver, as Appsmith does: whole
// documents replaced, updatedAt bumped.
type mongoWriter struct{ db *mongo.Database }

func newMongoWriter(t *testing.T, database string) mongoWriter {
	c, err := mongo.Connect(options.Client().ApplyURI(mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	return mongoWriter{c.Database(database)}
}

func oid(t *testing.T, id string) bson.ObjectID {
	o, err := bson.ObjectIDFromHex(id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (w mongoWriter) edit(t *testing.T, k store.Key, fn func(string) string) {
	ctx := context.Background()
	raw, err := w.db.Collection(k.Coll).FindOne(ctx, bson.D{{Key: "_id", Value: oid(t, k.ID)}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := bson.MarshalExtJSON(raw, false, false)
	w.replace(t, k, fn(string(text)), false)
}

func (w mongoWriter) insert(t *testing.T, k store.Key, text string) { w.replace(t, k, text, true) }

func (w mongoWriter) replace(t *testing.T, k store.Key, text string, insert bool) {
	var d bson.D
	if err := bson.UnmarshalExtJSON([]byte(text), false, &d); err != nil {
		t.Fatal(err)
	}
	var out bson.D
	for _, e := range d {
		if e.Key != "updatedAt" {
			out = append(out, e)
		}
	}
	out = append(out, bson.E{Key: "updatedAt", Value: bson.NewDateTimeFromTime(time.Now())})
	var err error
	if insert {
		_, err = w.db.Collection(k.Coll).InsertOne(context.Background(), out)
	} else {
		_, err = w.db.Collection(k.Coll).ReplaceOne(context.Background(), bson.D{{Key: "_id", Value: oid(t, k.ID)}}, out)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (w mongoWriter) remove(t *testing.T, k store.Key) {
	if _, err := w.db.Collection(k.Coll).DeleteOne(context.Background(), bson.D{{Key: "_id", Value: oid(t, k.ID)}}); err != nil {
		t.Fatal(err)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%q occurs %d times", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// followOthers is the sync test: another writer adds bindings to a widget
// and to an action, deletes a JS object outright and adds a page; each
// time a subscriber hears the new or removed edges and the room's graph
// has them. At the end the graph kept up to date equals one loaded afresh.
// between runs after the first change (to break the feed, say).
func followOthers(t *testing.T, st store.Store, w writer, wantMode string, mod func(*Options), between func()) (*Room, *prometheus.Registry) {
	ctx := context.Background()
	var mods []func(*Options)
	if mod != nil {
		mods = append(mods, mod)
	}
	r, reg := openRoom(t, st, mods...)
	id, err := r.Import(ctx, tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Graph(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the room to follow the store", func() bool { return r.Mode() == wantMode })
	evs := subscribe(r)
	home := docOf(t, st, id, store.CollPage, "unpublishedPage.name", "Home").Key
	getUsers := docOf(t, st, id, store.CollAction, "unpublishedAction.name", "getUsers").Key
	utils := docOf(t, st, id, store.CollCollection, "unpublishedCollection.name", "Utils").Key

	w.edit(t, home, func(s string) string {
		s = replaceOnce(t, s, `"defaultText":"{{Table1.selectedRow.name}}"`,
			`"defaultText":"{{Table1.selectedRow.name}}","placeholderText":"{{getUsers.data.hint}}"`)
		return replaceOnce(t, s, `{"key":"maxChars"},{"key":"defaultText"}]`, `{"key":"maxChars"},{"key":"defaultText"},{"key":"placeholderText"}]`)
	})
	evs.wait(t, "Input1.placeholderText → getUsers.data.hint", func(ev Event) bool {
		return ev.Kind == EventGraph && ev.AppID == id && ev.Page == "Home" && hasEdge(ev.Change.EdgesAdded, "Input1.placeholderText", "getUsers.data.hint")
	})
	if g, _ := r.Graph(ctx, id, "Home"); !reportHasEdgeTo(g, "Home", "getUsers.data.hint") {
		t.Fatal("the room's graph lacks the new edge")
	}
	if between != nil {
		between()
	}

	w.edit(t, getUsers, func(s string) string {
		return replaceOnce(t, s, `"actionConfiguration":{`, `"actionConfiguration":{"path":"/u/{{Input1.text}}",`)
	})
	evs.wait(t, "getUsers.config.path → Input1.text", func(ev Event) bool {
		return ev.Page == "Home" && hasEdge(ev.Change.EdgesAdded, "getUsers.config.path", "Input1.text")
	})

	w.remove(t, utils)
	removed := func(ev Event) bool {
		return ev.Page == "Home" && hasEdge(ev.Change.EdgesRemoved, "Table1.onRowSelected", "Utils.select")
	}
	if wantMode == "polling" {
		// Polling by updatedAt cannot see a document deleted outright:
		// the full comparison does (CompareEvery, short here).
		evs.wait(t, "Utils gone (found by the full comparison)", removed)
	} else {
		evs.wait(t, "Utils gone", removed)
	}

	page := `{"_id":{"$oid":"` + bson.NewObjectID().Hex() + `"},"applicationId":"` + id + `",` +
		`"unpublishedPage":{"name":"Extra","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","children":[` +
		`{"widgetName":"Text9","widgetId":"t9","type":"TEXT_WIDGET","text":"{{Text9.isVisible}}","dynamicBindingPathList":[{"key":"text"}]}]}}]}}`
	w.insert(t, store.Key{Coll: store.CollPage, ID: gjsonStr(page, "_id.$oid")}, page)
	evs.wait(t, "the new page's edge", func(ev Event) bool { return hasEdge(ev.Change.EdgesAdded, "Text9.text", "Text9.isVisible") })

	live, err := r.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := openRoom(t, st)
	want, err := fresh.Graph(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := graphDiff(live, want); diff != "" || len(live.Pages) != 3 {
		t.Errorf("the graph kept up to date differs from one loaded afresh: %s", diff)
	}
	return r, reg
}

// TestFollowStream: the memory store as a replica set; the stream breaks
// after the first change and is resumed after its token.
func TestFollowStream(t *testing.T) {
	m := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
	_, reg := followOthers(t, m, memWriter{m}, "change-stream", nil, m.BreakStreams)
	if n := counter(t, reg, "rts_live_documents_synced_total", "stream"); n < 3 {
		t.Errorf("synced from the stream: %v", n)
	}
}

// TestFollowStreamGap: the stream breaks and, before it can reopen, more
// changes happen than the server's log keeps: it cannot resume, so the
// room compares every loaded app in full and misses nothing.
func TestFollowStreamGap(t *testing.T) {
	ctx := context.Background()
	m := store.NewMemory(store.MemoryOptions{OplogSize: 3, Logger: testLogger()})
	r, reg := openRoom(t, m)
	id, _ := r.Import(ctx, tinyApp(t))
	r.Graph(ctx, id, "")
	waitFor(t, "the stream", func() bool { return r.Mode() == "change-stream" })
	evs := subscribe(r)
	home := docOf(t, m, id, store.CollPage, "unpublishedPage.name", "Home").Key
	release := m.HoldStreams()
	m.BreakStreams()
	m.Edit(home, func(s string) string {
		s = replaceOnce(t, s, `"defaultText":"{{Table1.selectedRow.name}}"`,
			`"defaultText":"{{Table1.selectedRow.name}}","placeholderText":"{{getUsers.data.hint}}"`)
		return replaceOnce(t, s, `{"key":"maxChars"},{"key":"defaultText"}]`, `{"key":"maxChars"},{"key":"defaultText"},{"key":"placeholderText"}]`)
	})
	for i := range 4 { // more changes than the log keeps
		m.Edit(home, func(s string) string {
			return strings.Replace(s, `"unpublished`, fmt.Sprintf(`"n%d":1,"unpublished`, i), 1)
		})
	}
	release()
	evs.wait(t, "the edits, found by the full comparison", func(ev Event) bool {
		return hasEdge(ev.Change.EdgesAdded, "Input1.placeholderText", "getUsers.data.hint")
	})
	if n := counter(t, reg, "rts_live_documents_synced_total", "compare"); n < 1 {
		t.Errorf("synced by comparison: %v", n)
	}
}

// TestFollowPolling: the memory store as a standalone server is polled.
func TestFollowPolling(t *testing.T) {
	m := store.NewMemory(store.MemoryOptions{Standalone: true, Logger: testLogger()})
	followOthers(t, m, memWriter{m}, "polling", func(o *Options) { o.CompareEvery = 50 * time.Millisecond }, nil)
}

// TestFollowMongoPolling: MongoDB without change streams (FerretDB, the
// real wire server) is polled by an indexed updatedAt.
func TestFollowMongoPolling(t *testing.T) {
	st := mongoStore(t)
	followOthers(t, st, newMongoWriter(t, st.Database()), "polling", func(o *Options) { o.CompareEvery = 200 * time.Millisecond }, nil)
}

// TestFollowNothingEmbedded: the embedded store has no other writer:
// nothing is followed, so nothing runs while the server idles.
func TestFollowNothingEmbedded(t *testing.T) {
	r, _ := openRoom(t, sqliteStore(t, t.TempDir()))
	waitFor(t, "the mode", func() bool { return r.Mode() == "none" })
}

// counter is the value of a counter (of the series with this label value,
// "" for one without labels).
func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" && len(m.GetLabel()) == 0 {
				return m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	return 0
}
