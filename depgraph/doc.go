// Package depgraph owns the dependency graph of an app: per page, binding
// nodes at property-path granularity, the edges their references make,
// cycles with their full path, unknown and unused entities, impact
// (dependents, dependencies) and evaluation order, kept up to date one
// binding or entity at a time and reporting what each update changed. It
// parses nothing itself: what a snippet refers to, which names are globals
// and which widget properties start from which defaults come in an Env
// (appgraph.Env hands in Appsmith's), so the graph holds no parser and
// no platform tables.
package depgraph
