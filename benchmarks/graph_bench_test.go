package benchmarks

import (
	"runtime"
	"sync"
	"testing"

	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

var appInputs = map[string][]depgraph.PageInput{}
var appInputsMu sync.Mutex

func loadInput(b *testing.B, name string) []depgraph.PageInput {
	b.Helper()
	appInputsMu.Lock()
	defer appInputsMu.Unlock()
	if in, ok := appInputs[name]; ok {
		return in
	}
	dir, err := shareddata.Path("testdata", "apps", name)
	if err != nil {
		b.Fatal(err)
	}
	app, err := appmodel.LoadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	in := appgraph.Input(app)
	appInputs[name] = in
	return in
}

func bindings(in []depgraph.PageInput) int {
	n := 0
	for _, p := range in {
		n += len(p.Bindings)
	}
	return n
}

// BenchmarkGraphBuild is the full build of each shared app's graph from its
// loaded model (analysis of every binding, linking, cycles).
func BenchmarkGraphBuild(b *testing.B) {
	for _, name := range []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"} {
		b.Run(name, func(b *testing.B) {
			in := loadInput(b, name)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				appgraph.New(name).Load(in)
			}
			b.ReportMetric(float64(bindings(in)), "bindings")
		})
	}
}

// BenchmarkGraphUpdate changes one binding of the largest app, alternating
// between two versions of its code, and measures the incremental update.
func BenchmarkGraphUpdate(b *testing.B) {
	in := loadInput(b, "NewIdeel-Appsmith")
	g := appgraph.New("app")
	g.Load(in)
	// A widget binding with references, on a busy page.
	var page string
	var bind depgraph.Binding
	for _, p := range in {
		for _, x := range p.Bindings {
			if x.Kind == depgraph.KindBinding && len(x.Snippets) == 1 && len(x.Snippets[0]) > 40 && len(p.Bindings) > 200 {
				page, bind = p.Name, x
				break
			}
		}
		if page != "" {
			break
		}
	}
	if page == "" {
		b.Fatal("no binding to update")
	}
	alt := bind
	alt.Snippets = []string{bind.Snippets[0] + " || null"}
	versions := []depgraph.Binding{alt, bind}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		g.SetBinding(page, versions[i&1])
		i++
	}
}

// BenchmarkGraphBuildScaled builds the largest app copied ×10 and ×100 with
// renamed entities, reporting the heap the graph keeps.
func BenchmarkGraphBuildScaled(b *testing.B) {
	base := loadInput(b, "NewIdeel-Appsmith")
	for _, factor := range []int{10, 100} {
		b.Run("x"+itoa(factor), func(b *testing.B) {
			in := scaleApp(base, factor)
			b.ReportAllocs()
			b.ResetTimer()
			var g *depgraph.Graph
			for b.Loop() {
				g = appgraph.New("scaled")
				g.Load(in)
			}
			b.StopTimer()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(bindings(in)), "bindings")
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMiB")
			runtime.KeepAlive(g)
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
