package analysis

// IdentifierInfo is what a script refers to and declares, as Appsmith's
// single-script-data endpoint answers it.
type IdentifierInfo struct {
	// References are the free member chains the script reads, in source
	// order, each once: `Api1.data.users`, `Table1.selectedRow`, `moment`.
	References []string
	// FunctionalParams are the parameter names of every function in the
	// script; "" stands for a destructured parameter, as in Appsmith.
	FunctionalParams []string
	// Variables are the names of every declarator; "" stands for a
	// destructuring declarator, which Appsmith reports as null.
	Variables []string
	// IsError is set when the script does not parse.
	IsError bool
}

// Extract analyses a binding script the way Appsmith's RTS does
// (extractIdentifierInfoFromCode): the script is trimmed, unescaped when
// evalVersion is 1, and parsed as the expression after `return`.
//
// Unlike Appsmith, a declaration hides a reference only inside its own scope,
// and catch and destructured bindings hide too. invalid lists names never
// to report (e.g. known globals); it may be nil.
func Extract(script string, evalVersion int, invalid map[string]bool) IdentifierInfo {
	script = sanitizeScript(script, evalVersion)
	src := wrapPrefix + script + wrapSuffix
	prog, err := parseProgram(src)
	if err != nil {
		return errorInfo()
	}
	w := newWalker(src)
	defer w.free()
	w.program(prog)
	if w.failed {
		return errorInfo()
	}
	return w.info(invalid)
}

func errorInfo() IdentifierInfo {
	return IdentifierInfo{References: []string{}, FunctionalParams: []string{}, Variables: []string{}, IsError: true}
}

// info resolves the recorded occurrences (the bind pass) and returns the free
// references.
func (w *walker) info(invalid map[string]bool) IdentifierInfo {
	var refs orderedSet
	for i := range w.occs {
		oc := &w.occs[i]
		if invalid[oc.name] || w.bound(oc.name, oc.scope) {
			continue
		}
		refs.add(oc.ref)
	}
	return IdentifierInfo{
		References:       nonNil(refs.list),
		FunctionalParams: nonNil(w.params.list),
		Variables:        nonNil(w.variables.list),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sanitizeScript is Appsmith's sanitizeScript: the regex /^\s+|\s+$/ without
// the g flag removes the leading whitespace, or if there is none the
// trailing whitespace, never both; evalVersion 1 then unescapes.
func sanitizeScript(js string, evalVersion int) string {
	if n := LeadingJSSpace(js); n > 0 {
		js = js[n:]
	} else {
		js = js[:len(js)-TrailingJSSpace(js)]
	}
	if evalVersion == 1 {
		js = unescapeJS(js)
	}
	return js
}
