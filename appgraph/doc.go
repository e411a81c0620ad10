// Package appgraph owns the meeting of the Appsmith app model and the
// dependency graph: an appmodel.App's pages, entities and bindings as the
// graph's input, and the Env that gives the graph Appsmith's knowledge
// (code analysed as Appsmith evaluates a binding, its globals, the widgets'
// default properties). Neither appmodel nor depgraph knows the other; the
// packages that hold an app's graph (liveapps, the CLI) build it here.
package appgraph
