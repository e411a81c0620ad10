// Package appmodel owns the Appsmith application model: an app loaded from
// Appsmith's git format (application.json and pages/), a single-file export
// or stored documents, as the entities of each page (widgets, actions, JS
// objects) with every binding's value, its `{{ }}` snippets and the Location
// its value is stored at (each entity keeps its raw JSON and each file its
// text, so a rename splices new values in without re-serialising anything);
// the binding edges of the edge contract (../shared/conformance/README.md),
// checked against the expected edges of three real apps; and Appsmith's
// widget default properties, which appgraph hands the graph. Which entities
// and paths count and how a value is read follow Appsmith's own code
// (lodash get, getDynamicBindings).
package appmodel
