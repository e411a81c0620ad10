// Package analysis owns the JavaScript analysis of Appsmith code on goja's
// parser and AST (no goja runtime): the references, parameters and
// variables of a binding (Extract), the members of a JS object
// (ParseJSObject), the `{{ }}` snippets of a template (SplitTemplate), the
// scans a rename needs (ScanScript, ScanJSObject, and ScanCache for texts
// seen again), and what a valid, reserved or global name is. One walker
// visits every node of goja's AST in the order acorn-walk's base visitor
// does, so that the answers match Appsmith's @shared/ast library wherever
// that library is right; it declares every binding in a real scope tree and
// binds references only after the walk, because JavaScript hoists `var`.
// Positions are byte offsets into the text given, never UTF-16 units: a
// rename splices the same string it parsed.
package analysis
