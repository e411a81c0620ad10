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

	"github.com/appsmith-rts/rts/appmodel"
)

// The MongoDB store is tested against FerretDB v1, the real MongoDB wire
// server (it has neither transactions nor change streams: the MongoDB
// store journals and polls there). One embedded FerretDB serves the
// package's tests, each in a database of its own. With MONGODB_URI set they
// run against that server instead.
// testSelectTimeout bounds connecting to the test server: a hang guard,
// not the 2 s default, which a loaded machine under -race can exceed while
// the embedded FerretDB answers slowly.
const testSelectTimeout = time.Minute

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

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() && os.Getenv("RTS_STORE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
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

func tinySet(t testing.TB) *ImportSet {
	t.Helper()
	set, err := BuildImport(tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	return set
}
