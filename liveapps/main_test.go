package liveapps

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/report"
	"github.com/appsmith-rts/rts/store"
)

// The MongoDB paths (polling by updatedAt, the journal) run against
// FerretDB, the real MongoDB wire server, embedded for the package.
var (
	mongoURI string
	dbSerial atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rts-liveapps-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	defer func() { cancel(); <-done }()
	mongoURI = f.MongoDBURI()
	return m.Run()
}

func testLogger() *slog.Logger {
	if os.Getenv("RTS_LIVE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// openRoom opens a room over st, closed when the test ends; it checks
// that closing it leaves no goroutine of its own behind.
func openRoom(t *testing.T, st store.Store, mod ...func(*Options)) (*Room, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o := Options{Store: st, Logger: testLogger(), Registerer: reg, PollInterval: 20 * time.Millisecond}
	for _, f := range mod {
		f(&o)
	}
	r, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	openRooms.Add(1)
	t.Cleanup(func() {
		r.Close()
		if openRooms.Add(-1) == 0 {
			if n := roomGoroutines(); n > 0 {
				t.Errorf("%d goroutines of closed rooms left", n)
			}
		}
	})
	return r, reg
}

// openRooms counts the rooms tests opened and have not closed.
var openRooms atomic.Int64

// roomGoroutines counts the goroutines running the room's code (Close
// waits for them, so there must be none after it).
func roomGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "liveapps.(*Room).follow") || strings.Contains(g, "liveapps.(*Room).janitor") ||
			strings.Contains(g, "liveapps.(*dispatcher).run") {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds (a hang guard of a minute, never a
// measure of speed).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func tinyApp(t testing.TB) *appmodel.App {
	t.Helper()
	p, err := filepath.Abs("../appmodel/testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	app, err := appmodel.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func sqliteStore(t *testing.T, dir string) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), dir, store.SQLiteOptions{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func mongoStore(t *testing.T) *store.Mongo {
	t.Helper()
	s, err := store.OpenMongo(context.Background(), store.MongoOptions{URI: mongoURI, Database: fmt.Sprintf("live%d", dbSerial.Add(1)), Logger: testLogger(),
		// A hang guard, not the 2 s default: connecting to the embedded
		// FerretDB takes longer than that on a loaded machine under -race.
		SelectTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// events collects a room's events.
type events struct{ ch chan Event }

func subscribe(r *Room) *events {
	e := &events{ch: make(chan Event, 1024)}
	r.Subscribe(func(ev Event) { e.ch <- ev })
	return e
}

func (e *events) wait(t *testing.T, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case ev := <-e.ch:
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("waited a minute for an event with %s", what)
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

func reportHasEdgeTo(r report.App, page, prefix string) bool {
	for _, e := range r.Edges {
		if e.Page == page && strings.HasPrefix(e.To, prefix) {
			return true
		}
	}
	return false
}

// docOf finds one of an app's stored documents.
func docOf(t *testing.T, st store.Store, appID, coll, path, value string) store.Doc {
	t.Helper()
	docs, err := st.Load(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append([]store.Doc{docs.Application}, docs.Docs...) {
		if d.Key.Coll == coll && gjsonStr(d.Text, path) == value {
			return d
		}
	}
	t.Fatalf("no %s with %s = %q", coll, path, value)
	return store.Doc{}
}

// mostReferenced is the page and name of the entity most edges point at.
func mostReferenced(r report.App) (page, name string) {
	count := map[[2]string]int{}
	for _, e := range r.Edges {
		count[[2]string{e.Page, depgraph.RootOf(e.To)}]++
	}
	var best [2]string
	for k, c := range count {
		if c > count[best] || c == count[best] && k[0]+k[1] < best[0]+best[1] {
			best = k
		}
	}
	return best[0], best[1]
}

// graphDiff compares two graph reports as sets: the same pages with the
// same entities (in any order), edges, cycles, unknown references and
// unused entities. A git app's widget files come in another order than
// the stored DSL's, which only orders entities differently.
func graphDiff(got, want report.App) string {
	if len(got.Pages) != len(want.Pages) {
		return fmt.Sprintf("%d pages, want %d", len(got.Pages), len(want.Pages))
	}
	edges := func(r report.App) map[report.Edge]bool {
		m := map[report.Edge]bool{}
		for _, e := range r.Edges {
			m[e] = true
		}
		return m
	}
	ge, we := edges(got), edges(want)
	for e := range we {
		if !ge[e] {
			return fmt.Sprintf("missing edge %+v (%d edges, want %d)", e, len(got.Edges), len(want.Edges))
		}
	}
	for e := range ge {
		if !we[e] {
			return fmt.Sprintf("extra edge %+v", e)
		}
	}
	byName := map[string]report.Page{}
	for _, p := range got.Pages {
		byName[p.Name] = p
	}
	for _, w := range want.Pages {
		g, ok := byName[w.Name]
		if !ok {
			return "missing page " + w.Name
		}
		ents := func(p report.Page) []string {
			var out []string
			for _, e := range p.Entities {
				out = append(out, e.Kind+" "+e.Name+" "+e.Type)
			}
			slices.Sort(out)
			return out
		}
		if !slices.Equal(ents(g), ents(w)) {
			return "entities differ on page " + w.Name
		}
		if !reflect.DeepEqual(g.Cycles, w.Cycles) || !reflect.DeepEqual(g.Unknown, w.Unknown) || !reflect.DeepEqual(g.Unused, w.Unused) {
			return "cycles, unknown or unused differ on page " + w.Name
		}
	}
	return ""
}
