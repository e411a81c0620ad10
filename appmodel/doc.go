// Package appmodel owns the Appsmith application model: loading an app from
// Appsmith's git format (a folder with application.json and pages/) or from a
// single-file export, the entities of each page (widgets, actions, JS
// objects), every binding of those entities with its value, its `{{ }}`
// snippets and where in the source the value is stored, and the binding edges
// the dependency graph is built from.
//
// The rules for which entities and paths count, how a value is read and how a
// template is split follow Appsmith's own code (lodash get,
// getDynamicStringSegments, getDynamicBindings) as pinned down by the edge
// contract in ../shared/conformance/README.md; the golden test compares
// Edges with the expected edge files of three real apps.
//
// Loading keeps each entity's raw JSON (as a gjson.Result whose Index is a
// byte offset into the file it came from) and a Location for every binding
// value, so that a rename can later splice new values back into the files
// without re-reading or re-serialising anything it did not change.
package appmodel
