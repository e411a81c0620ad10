package analysis

import "testing"

func BenchmarkExtractBinding(b *testing.B) {
	const s = "Table1.selectedRow?.id ? Api1.data.filter(u => u.active && u.id === Table1.selectedRow.id).map(u => u.name) : []"
	b.ReportAllocs()
	for b.Loop() {
		Extract(s, 2, nil)
	}
}
