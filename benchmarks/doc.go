// Package benchmarks holds rts's `go test -bench` benchmarks over the real
// scripts of the conformance corpus and the shared apps (extraction,
// renames, the graph, the page-save trace through the HTTP handler, the
// import and the live apps). It exports nothing: what its commands share
// is benchmarks/internal/loadgen (the load generator) and
// benchmarks/internal/served (a served binary, driven from outside).
package benchmarks
