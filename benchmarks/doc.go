// Package benchmarks holds rts's `go test -bench` benchmarks over the real
// scripts of the conformance corpus and the shared apps (extraction,
// renames, the graph, the page-save trace through the HTTP handler), and
// the driver of a served rts binary that cmd/servedbench runs (served.go).
// The load generator its other commands share is
// benchmarks/internal/loadgen.
package benchmarks
