package analysis

// JSSnippets is the literal port of Appsmith's template splitting, for the
// test on the real apps' values (which needs appmodel, a package above).
var JSSnippets = jsSnippets
