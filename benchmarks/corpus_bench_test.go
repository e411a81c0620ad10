package benchmarks

import (
	"errors"
	"io/fs"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
	"github.com/appsmith-rts/rts/refactor"
)

// The corpus is read once per test binary.
var (
	corpusOnce sync.Once
	corpusData *loadgen.Corpus
	corpusErr  error
)

func loadCorpus(tb testing.TB) *loadgen.Corpus {
	tb.Helper()
	corpusOnce.Do(func() { corpusData, corpusErr = loadgen.LoadCorpus("") })
	if errors.Is(corpusErr, fs.ErrNotExist) {
		tb.Skipf("conformance corpus not available: %v", corpusErr)
	}
	if corpusErr != nil {
		tb.Fatalf("conformance corpus: %v", corpusErr)
	}
	return corpusData
}

// Sinks keep the compiler from discarding the work measured.
var (
	sinkInfo  analysis.IdentifierInfo
	sinkRes   refactor.ScriptResult
	sinkProps []analysis.JSProperty
	sinkErr   error
)

// reportThroughput adds the scripts/s metric: one script per iteration.
func reportThroughput(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "scripts/s")
	}
}

// offsets spreads RunParallel goroutines over the corpus.
var offsets atomic.Uint64

func BenchmarkExtract(b *testing.B) {
	cases := loadCorpus(b).Extract
	benchExtract(b, cases)
}

func BenchmarkExtractParallel(b *testing.B) {
	cases := loadCorpus(b).Extract
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(offsets.Add(7919)) % len(cases)
		var info analysis.IdentifierInfo
		for pb.Next() {
			c := &cases[i]
			info = analysis.Extract(c.Script, c.EvalVersion, c.Invalid)
			if i++; i == len(cases) {
				i = 0
			}
		}
		_ = info
	})
	reportThroughput(b)
}

// Size classes of extract scripts, in bytes.
const (
	shortBelow = 100  // short: < 100 B
	longAbove  = 1024 // long: > 1 KB; medium in between
)

// BenchmarkExtractBySize shows the per-script cost by script length.
func BenchmarkExtractBySize(b *testing.B) {
	var short, medium, long []loadgen.ExtractCase
	for _, c := range loadCorpus(b).Extract {
		switch n := len(c.Script); {
		case n < shortBelow:
			short = append(short, c)
		case n > longAbove:
			long = append(long, c)
		default:
			medium = append(medium, c)
		}
	}
	for _, class := range []struct {
		name  string
		cases []loadgen.ExtractCase
	}{{"short", short}, {"medium", medium}, {"long", long}} {
		b.Run(class.name, func(b *testing.B) {
			if len(class.cases) == 0 {
				b.Skip("no scripts in this class")
			}
			total := 0
			for _, c := range class.cases {
				total += len(c.Script)
			}
			benchExtract(b, class.cases)
			b.ReportMetric(float64(total)/float64(len(class.cases)), "bytes/script")
			b.ReportMetric(float64(len(class.cases)), "scripts")
		})
	}
}

func benchExtract(b *testing.B, cases []loadgen.ExtractCase) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := &cases[i%len(cases)]
		sinkInfo = analysis.Extract(c.Script, c.EvalVersion, c.Invalid)
	}
	reportThroughput(b)
}

func BenchmarkRefactor(b *testing.B) {
	benchRefactor(b, loadCorpus(b).Refactor)
}

// benchRefactor renames one case per iteration, cycling through cases,
// with a cache of scans as the server holds one (JS object bodies recur).
func benchRefactor(b *testing.B, cases []loadgen.RefactorCase) {
	r := refactor.NewRenamer(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := &cases[i%len(cases)]
		sinkRes, sinkErr = r.Script(c.Script, c.OldName, c.NewName, c.IsJSObject)
	}
	reportThroughput(b)
}

func BenchmarkRefactorParallel(b *testing.B) {
	cases := loadCorpus(b).Refactor
	r := refactor.NewRenamer(0)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(offsets.Add(7919)) % len(cases)
		var res refactor.ScriptResult
		for pb.Next() {
			c := &cases[i]
			res, _ = r.Script(c.Script, c.OldName, c.NewName, c.IsJSObject)
			if i++; i == len(cases) {
				i = 0
			}
		}
		_ = res
	})
	reportThroughput(b)
}

// BenchmarkRefactorBindings is the rename workload the Java backend sends
// most: single bindings (isJSObject false), without the JS object bodies
// that dominate BenchmarkRefactor's time.
func BenchmarkRefactorBindings(b *testing.B) {
	var cases []loadgen.RefactorCase
	for _, c := range loadCorpus(b).Refactor {
		if !c.IsJSObject {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		b.Skip("no binding rename cases")
	}
	benchRefactor(b, cases)
}

func BenchmarkJSObject(b *testing.B) {
	bodies := loadCorpus(b).JSObject
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sinkProps, sinkErr = analysis.ParseJSObject(bodies[i%len(bodies)])
	}
	reportThroughput(b)
}

func BenchmarkJSObjectParallel(b *testing.B) {
	bodies := loadCorpus(b).JSObject
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(offsets.Add(7919)) % len(bodies)
		var props []analysis.JSProperty
		for pb.Next() {
			props, _ = analysis.ParseJSObject(bodies[i])
			if i++; i == len(bodies) {
				i = 0
			}
		}
		_ = props
	})
	reportThroughput(b)
}
