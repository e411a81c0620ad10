package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/prometheus/client_golang/prometheus"
)

func metricValue(t *testing.T, reg *prometheus.Registry, name string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		sum := 0.0
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			}
		}
		return sum, true
	}
	return 0, false
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	v, _ := metricValue(t, reg, name)
	return v
}

// TestMongoDown stops the server under a working store: calls fail fast
// with ErrUnavailable, rts_store_up drops to 0; when the server is back on
// the same address the store answers again without being reopened.
func TestMongoDown(t *testing.T) {
	if realMongo {
		t.Skip("stops the test's own FerretDB; MONGODB_URI is set")
	}
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := startFerret(dir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.stop() }()
	s := openTest(t, "down", func(o *Options) { o.MongoURI = srv.uri; o.SelectTimeout = time.Second })
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
	if v, ok := metricValue(t, s.reg, "rts_store_up"); !ok || v != 1 {
		t.Fatalf("rts_store_up = %v (%v) while up", v, ok)
	}

	srv.stop()
	start := time.Now()
	_, err = s.ListApps(ctx)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("ListApps with the server down: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %v", d)
	}
	t.Logf("down detected in %v: %v", time.Since(start).Round(time.Millisecond), err)
	for name, call := range map[string]func() error{
		"Graph":  func() error { _, err := s.Graph(ctx, id, ""); return err },
		"Rename": func() error { _, err := s.Rename(ctx, id, "", "Table1", "T2", false); return err },
		"Import": func() error { _, err := s.Import(ctx, app); return err },
	} {
		start := time.Now()
		if err := call(); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with the server down: %v", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %v to fail", name, d)
		}
	}
	if v, _ := metricValue(t, s.reg, "rts_store_up"); v != 0 {
		t.Errorf("rts_store_up = %v while down", v)
	}
	if v := counterValue(t, s.reg, "rts_store_errors_total"); v == 0 {
		t.Error("rts_store_errors_total did not count")
	}

	srv, err = startFerret(dir, srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, err := s.ListApps(ctx)
		if err == nil {
			if len(list) != 1 || list[0].ID != id {
				t.Errorf("apps after the restart: %+v", list)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store did not come back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := s.Graph(ctx, id, ""); err != nil {
		t.Errorf("Graph after the restart: %v", err)
	}
	if v, _ := metricValue(t, s.reg, "rts_store_up"); v != 1 {
		t.Errorf("rts_store_up = %v after the restart", v)
	}
}

// TestOpenUnusableDataDir: the embedded server's folder is checked at
// start, with an error naming it.
func TestOpenUnusableDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := []string{file, filepath.Join(file, "below"), "/proc/rts-store-test"}
	if os.Geteuid() != 0 {
		// Root writes through permissions; everyone else cannot.
		ro := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, ro)
	}
	for _, dir := range dirs {
		s, err := Open(context.Background(), Options{DataDir: dir})
		if err == nil {
			s.Close(context.Background())
			t.Errorf("Open(%s) succeeded", dir)
			continue
		}
		if !strings.Contains(err.Error(), dir) {
			t.Errorf("Open(%s): %v does not name the folder", dir, err)
		}
	}
}

// TestBadURI: a URI that does not parse is an error at start.
func TestBadURI(t *testing.T) {
	if _, err := Open(context.Background(), Options{MongoURI: "mongodb://[::1"}); err == nil {
		t.Error("Open with a malformed URI succeeded")
	}
}

// TestUnreachableAtStart: a MongoDB that does not answer at start is not an
// error of Open; calls fail fast with ErrUnavailable.
func TestUnreachableAtStart(t *testing.T) {
	s := openTest(t, "unreachable", func(o *Options) {
		o.MongoURI = "mongodb://127.0.0.1:1/"
		o.SelectTimeout = 300 * time.Millisecond
	})
	start := time.Now()
	if _, err := s.ListApps(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ListApps = %v", err)
	}
	if _, err := s.ImportExport(context.Background(), strings.NewReader(`{"exportedApplication":{"name":"x"},"pageList":[]}`)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ImportExport = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("failing took %v", d)
	}
	if s.SyncMode() != "" {
		t.Errorf("sync mode %q chosen without a server", s.SyncMode())
	}
	if v, ok := metricValue(t, s.reg, "rts_store_up"); !ok || v != 0 {
		t.Errorf("rts_store_up = %v (%v)", v, ok)
	}
}
