package pagedsl

import (
	"slices"
	"testing"
)

// benchInputs are the corpus inputs Appsmith migrates without throwing,
// and the largest of them.
func benchInputs(b *testing.B) (all [][]byte, largest []byte) {
	for _, c := range loadDSLCases(b) {
		if c.Error != "" {
			continue
		}
		all = append(all, c.Input)
		if len(c.Input) > len(largest) {
			largest = c.Input
		}
	}
	return all, largest
}

// migrateBytes is the route's work: decode (sharing the body, as the
// route does), migrate, encode into buf (the route reuses pooled buffers
// sized for the page), recycle the page's memory.
func migrateBytes(b *testing.B, in []byte, buf *[]byte) int {
	v, err := DecodeShared(in)
	if err != nil {
		b.Fatal(err)
	}
	out, err := Migrate(v)
	if err != nil {
		b.Fatal(err)
	}
	*buf = AppendEncode(slices.Grow((*buf)[:0], len(in)+len(in)/8+64), out)
	Recycle(v)
	return len(*buf)
}

// BenchmarkDSLMigrateCorpus is one pass over every page of the corpus
// (decode, migrate, encode), one page at a time.
func BenchmarkDSLMigrateCorpus(b *testing.B) {
	all, _ := benchInputs(b)
	var size int64
	for _, in := range all {
		size += int64(len(in))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var buf []byte
	cpu := processCPU()
	for b.Loop() {
		for _, in := range all {
			migrateBytes(b, in, &buf)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(len(all)), "pages/op")
}

// reportCPU adds the process CPU time per iteration since start (GC
// included), the figure to quote from a busy machine.
func reportCPU(b *testing.B, start float64) {
	if end := processCPU(); end > start {
		b.ReportMetric((end-start)*1e3/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkDSLMigrateLargest is the migration alone (Migrate, the
// decoding of a fresh copy outside the timer) of the largest page of the
// corpus.
func BenchmarkDSLMigrateLargest(b *testing.B) {
	_, largest := benchInputs(b)
	b.SetBytes(int64(len(largest)))
	b.ReportAllocs()
	var migrateCPU float64
	for b.Loop() {
		b.StopTimer()
		v, err := Decode(largest)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu := processCPU()
		if _, err := Migrate(v); err != nil {
			b.Fatal(err)
		}
		migrateCPU += processCPU() - cpu
	}
	if migrateCPU > 0 {
		b.ReportMetric(migrateCPU*1e3/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkDSLRouteLargest is the route's work on the largest page:
// decode, migrate, encode.
func BenchmarkDSLRouteLargest(b *testing.B) {
	_, largest := benchInputs(b)
	b.SetBytes(int64(len(largest)))
	b.ReportAllocs()
	var buf []byte
	cpu := processCPU()
	for b.Loop() {
		migrateBytes(b, largest, &buf)
	}
	reportCPU(b, cpu)
}

// BenchmarkDSLDecodeLargest is Decode alone on the largest page.
func BenchmarkDSLDecodeLargest(b *testing.B) {
	_, largest := benchInputs(b)
	b.SetBytes(int64(len(largest)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := Decode(largest); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkDSLEncodeLargest is AppendEncode alone of the largest page,
// migrated, into a reused buffer (as the route's pooled one).
func BenchmarkDSLEncodeLargest(b *testing.B) {
	_, largest := benchInputs(b)
	v, err := Decode(largest)
	if err != nil {
		b.Fatal(err)
	}
	out, err := Migrate(v)
	if err != nil {
		b.Fatal(err)
	}
	buf := AppendEncode(nil, out)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		buf = AppendEncode(buf[:0], out)
	}
	reportCPU(b, cpu)
}
