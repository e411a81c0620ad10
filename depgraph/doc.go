// Package depgraph owns the JavaScript analysis of Appsmith bindings and the
// dependency graph built from it.
//
// The analysis runs on goja's parser and AST only (no goja runtime). One
// walker (walk.go) visits every node of goja's AST in the order acorn-walk's
// base visitor does, so that the answers match Appsmith's @shared/ast library
// wherever that library is right. While walking it declares every binding in
// a real scope tree; references are bound to scopes only after the walk
// (declare, then bind), because JavaScript hoists `var` declarations.
//
// Positions are byte offsets into the text that was given, never UTF-16
// units: a rename splices the same string it parsed, so the unit does not
// matter as long as it is the same one throughout.
package depgraph
