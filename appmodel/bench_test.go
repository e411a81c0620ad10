package appmodel

import (
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// The largest real app: ~3,500 entities, ~12k bindings in ~4,800 files.
const benchApp = "NewIdeel-Appsmith"

func BenchmarkLoadDir(b *testing.B) {
	dir, err := shareddata.Path("testdata", "apps", benchApp)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEdges(b *testing.B) {
	app := loadRealApp(b, benchApp)
	b.ReportAllocs()
	for b.Loop() {
		Edges(app)
	}
}
