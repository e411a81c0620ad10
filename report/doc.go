// Package report owns what people and programs read about an app's
// dependency graph: the report of the graph (JSON as SPEC §3 and the HTTP
// API print it, Graphviz DOT, text, lint findings), the comparison of two
// versions of it (`rts diff`), the conversion of the graph's edges and
// unknown references that the pushes of graph changes share, and Printable,
// which keeps untrusted names from acting on a terminal. It reads a
// depgraph.Graph and changes nothing in it.
package report
