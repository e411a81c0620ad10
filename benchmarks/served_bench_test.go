package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/liveapps"
	"github.com/appsmith-rts/rts/store"
)

// newIdeel is the largest shared app, loaded from its git folder.
func newIdeel(b *testing.B) (string, *appmodel.App) {
	b.Helper()
	dir, err := shareddata.Path("testdata", "apps", "NewIdeel-Appsmith")
	if err != nil {
		b.Fatal(err)
	}
	app, err := appmodel.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	return dir, app
}

// BenchmarkImport is `rts import` of NewIdeel-Appsmith in-process: the git
// folder read, the documents built, and one SQLite transaction (a fresh
// store each time).
func BenchmarkImport(b *testing.B) {
	dir, _ := newIdeel(b)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for b.Loop() {
		b.StopTimer()
		st, err := store.OpenSQLite(ctx, b.TempDir(), store.SQLiteOptions{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		app, err := appmodel.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		set, err := store.BuildImport(app)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Import(ctx, set); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close(ctx)
		b.StartTimer()
	}
}

// BenchmarkFirstGraph is the first GET /apps/{id}/graph of NewIdeel-Appsmith
// in-process: a fresh room over the embedded store loads the app's
// documents, parses them, assembles the model, builds and renders the graph.
// cpu-ns/op is the process's CPU time (all cores) over the same span: on
// a shared machine it moves far less than ns/op.
func BenchmarkFirstGraph(b *testing.B) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, id := storedNewIdeel(b, quiet)
	var size int
	var cpu float64
	for b.Loop() {
		b.StopTimer()
		r, err := liveapps.Open(liveapps.Options{Store: st, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		start := processCPU()
		b.StartTimer()
		g, err := r.GraphJSON(ctx, id, "")
		if err != nil {
			b.Fatal(err)
		}
		size = len(g)
		b.StopTimer()
		cpu += processCPU() - start
		r.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(size), "graph-bytes")
	b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/op")
}

// BenchmarkStoreLoad reads NewIdeel-Appsmith's documents from the embedded
// store (what a first graph starts with).
func BenchmarkStoreLoad(b *testing.B) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, id := storedNewIdeel(b, quiet)
	var n int
	for b.Loop() {
		docs, err := st.Load(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		n = len(docs.Docs)
	}
	b.ReportMetric(float64(n), "docs")
}

// storedNewIdeel is an embedded store holding NewIdeel-Appsmith, closed
// when the benchmark ends, and the app's id in it.
func storedNewIdeel(b *testing.B, logger *slog.Logger) (*store.SQLite, string) {
	_, app := newIdeel(b)
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, b.TempDir(), store.SQLiteOptions{Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close(ctx) })
	set, err := store.BuildImport(app)
	if err != nil {
		b.Fatal(err)
	}
	id, err := st.Import(ctx, set)
	if err != nil {
		b.Fatal(err)
	}
	return st, id
}
