package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/appsmith-rts/rts/appmodel"
)

// The package's tests share one embedded FerretDB (SQLite in a temporary
// folder, a random port), each test in a database of its own. With
// MONGODB_URI set they run against that server instead, and the tests that
// need change streams run too.
var (
	testURI      string
	realMongo    bool
	testDBSerial atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		testURI, realMongo = uri, true
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "rts-store-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err := startFerret(dir, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.stop()
	testURI = srv.uri
	return m.Run()
}

// ferret is a FerretDB a test controls (to stop it, for one).
type ferret struct {
	uri    string
	addr   string
	cancel context.CancelFunc
	done   chan struct{}
}

func startFerret(dir, addr string) (*ferret, error) {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	fr := &ferret{uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	fr.addr = strings.TrimSuffix(strings.TrimPrefix(fr.uri, "mongodb://"), "/")
	go func() {
		defer close(fr.done)
		f.Run(ctx)
	}()
	return fr, nil
}

func (f *ferret) stop() {
	f.cancel()
	<-f.done
}

// testDB names a fresh database for one test.
func testDB(t *testing.T) string {
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("t%d_%s", testDBSerial.Add(1), name)
}

type testStore struct {
	*Store
	reg *prometheus.Registry
}

// openTest opens a store on the shared server in a database of the test's
// own, closed when the test ends.
func openTest(t *testing.T, db string, mod ...func(*Options)) testStore {
	t.Helper()
	reg := prometheus.NewRegistry()
	o := Options{MongoURI: testURI, Database: db, Registerer: reg, PollInterval: 200 * time.Millisecond,
		Logger: testLogger(t)}
	for _, f := range mod {
		f(&o)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return testStore{s, reg}
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() && os.Getenv("RTS_STORE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// otherClient is a second writer, as Appsmith's server would be.
func otherClient(t *testing.T, uri, db string) *mongo.Database {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	return c.Database(db)
}

// docText reads a document as relaxed extended JSON.
func docText(t *testing.T, db *mongo.Database, coll, id string) string {
	t.Helper()
	raw, err := db.Collection(coll).FindOne(context.Background(), bson.D{{Key: "_id", Value: idValue(id)}}).Raw()
	if err != nil {
		t.Fatalf("%s/%s: %v", coll, id, err)
	}
	return renderText(raw)
}

// editDoc is another writer changing a document the way Appsmith does:
// the whole document replaced, updatedAt bumped.
func editDoc(t *testing.T, db *mongo.Database, coll, id string, edit func(string) string) {
	t.Helper()
	before := docText(t, db, coll, id)
	after := edit(before)
	if after == before {
		t.Fatalf("%s/%s: the edit changed nothing", coll, id)
	}
	var d bson.D
	if err := bson.UnmarshalExtJSON([]byte(after), false, &d); err != nil {
		t.Fatal(err)
	}
	now := bson.NewDateTimeFromTime(time.Now())
	found := false
	for i := range d {
		if d[i].Key == fieldUpdatedAt {
			d[i].Value, found = now, true
		}
	}
	if !found {
		d = append(d, bson.E{Key: fieldUpdatedAt, Value: now})
	}
	res, err := db.Collection(coll).ReplaceOne(context.Background(), bson.D{{Key: "_id", Value: idValue(id)}}, d)
	if err != nil || res.MatchedCount != 1 {
		t.Fatalf("%s/%s: replace: %v (matched %v)", coll, id, err, res)
	}
}

// replaceOnce replaces old by new exactly once in s.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%q occurs %d times", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

func tinyApp(t *testing.T) string {
	p, err := filepath.Abs("../appmodel/testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// importTinyLoaded imports the tiny test app into s and loads its graph,
// returning the application id.
func importTinyLoaded(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	app, err := appmodel.Load(tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Import(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Graph(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	return id
}
