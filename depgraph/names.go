package depgraph

import (
	"strings"
	"unicode"

	"github.com/dop251/goja/ast"
)

// Occurrence is one identifier in reference position, as a rename sees it.
type Occurrence struct {
	Name       string
	Start, End int  // byte offsets in the analysed text
	Free       bool // resolves to no declaration in the script (a global)
	Shorthand  bool // the value of a shorthand property {Name}
	// Key and KeyStart: for the value of a property {Key: Name}, the key
	// (written as an identifier) and where it starts.
	Key      string
	KeyStart int
	// Captured: renaming this occurrence to the new name given to the scan
	// would bind it to a local declaration of that name instead.
	Captured bool
	// Props are the non-computed member names directly above the
	// identifier: for `Api1?.data.x`, data (Optional) then x.
	Props []Prop
}

// Prop is one `.name` above an occurrence.
type Prop struct {
	Name       string
	Start, End int
	Optional   bool // written `?.name`
}

// Scan is the analysis of one script for renaming: every identifier in
// reference position whose name is root, with its scope resolved, and every
// string naming root passed to resetWidget, showModal, closeModal or
// navigateTo.
type Scan struct {
	Text        string // the text the offsets refer to
	Occurrences []Occurrence
	Strings     []StringArg
}

// StringArg is a name written as a string: `showModal("Modal1")`. Start and
// End bound the string's contents.
type StringArg struct {
	Func       string
	Start, End int
}

// ScanScript finds the occurrences of root in a binding script, parsed as
// Appsmith parses a binding for a rename (wrapped, never trimmed or
// unescaped). Offsets are into script itself. newRoot, if not "", is the
// name root is to become: occurrences it would be captured by are marked.
// Scans come from a cache of recent texts (see scancache.go) when no
// capture is possible; their slices must not be modified.
func ScanScript(script, root, newRoot string) (Scan, error) {
	// A capture needs a declaration of newRoot, which needs its text.
	if newRoot == "" || !strings.Contains(script, newRoot) {
		return cachedScan(scriptScans, script, root, indexScript)
	}
	src := wrapPrefix + script + wrapSuffix
	s, err := scan(src, root, newRoot)
	if err != nil {
		return Scan{}, err
	}
	s.Text = script
	for i := range s.Strings {
		s.Strings[i].Start -= len(wrapPrefix)
		s.Strings[i].End -= len(wrapPrefix)
	}
	for i := range s.Occurrences {
		o := &s.Occurrences[i]
		o.Start -= len(wrapPrefix)
		o.End -= len(wrapPrefix)
		if o.Key != "" {
			o.KeyStart -= len(wrapPrefix)
		}
		for j := range o.Props {
			o.Props[j].Start -= len(wrapPrefix)
			o.Props[j].End -= len(wrapPrefix)
		}
	}
	return s, nil
}

// ScanJSObject is ScanScript for a JS object body (`export default {…}`).
// Offsets are into body. Without a new name the scan comes from a cache of
// recent bodies (see scancache.go); its slices must not be modified.
func ScanJSObject(body, root, newRoot string) (Scan, error) {
	if newRoot == "" || !strings.Contains(body, newRoot) {
		return cachedScan(jsObjectScans, body, root, indexJSObject)
	}
	src, prog, err := parseJSObjectBody(body)
	if err != nil {
		return Scan{}, err
	}
	s := walkScan(src, prog, root, newRoot)
	if s == nil {
		return Scan{}, ErrSyntax
	}
	s.Text = body
	return *s, nil
}

func scan(src, root, newRoot string) (Scan, error) {
	prog, err := parseProgram(src)
	if err != nil {
		return Scan{}, err
	}
	s := walkScan(src, prog, root, newRoot)
	if s == nil {
		return Scan{}, ErrSyntax
	}
	return *s, nil
}

func walkScan(src string, prog *ast.Program, root, newRoot string) *Scan {
	w := newWalker(src)
	defer w.free()
	w.chains = true
	w.program(prog)
	if w.failed {
		return nil
	}
	s := &Scan{}
	for i := range w.occs {
		oc := &w.occs[i]
		if oc.name != root {
			continue
		}
		o := Occurrence{
			Name:      oc.name,
			Start:     int(oc.start),
			End:       int(oc.end),
			Free:      !w.bound(oc.name, oc.scope),
			Shorthand: oc.shorthand,
			Captured:  newRoot != "" && w.bound(newRoot, oc.scope),
		}
		if oc.keyName != "" && !oc.keyQuoted {
			o.Key, o.KeyStart = oc.keyName, int(oc.keyStart)
		}
		for _, p := range w.props[oc.chainFrom:oc.chainTo] {
			o.Props = append(o.Props, Prop{Name: p.name, Start: int(p.start), End: int(p.end), Optional: p.optional})
		}
		s.Occurrences = append(s.Occurrences, o)
	}
	for _, a := range w.strs {
		if a.value == root && !w.bound(a.fn, a.scope) {
			s.Strings = append(s.Strings, StringArg{Func: a.fn, Start: int(a.start), End: int(a.end)})
		}
	}
	return s
}

// IsValidIdentifier reports whether name is a JavaScript IdentifierName
// (reserved words included; see IsReservedWord).
func IsValidIdentifier(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if r == '$' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			continue
		}
		if i > 0 && '0' <= r && r <= '9' {
			continue
		}
		if r >= 0x80 && isIdentRune(r) && !(i == 0 && isIdentPartOnly(r)) {
			continue
		}
		return false
	}
	return true
}

func isIdentPartOnly(r rune) bool {
	return !strings.ContainsRune("$_", r) && !isLetterRune(r)
}

func isLetterRune(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) }

// ScanJSObjectThis lists the `this.name` member accesses of a JS object body
// made where `this` is the object (in its members, not in functions nested
// inside them): renaming a member renames these too.
func ScanJSObjectThis(body string) ([]Prop, error) {
	src, prog, err := parseJSObjectBody(body)
	if err != nil {
		return nil, err
	}
	w := newWalker(src)
	defer w.free()
	w.chains = true
	w.program(prog)
	if w.failed {
		return nil, ErrSyntax
	}
	out := make([]Prop, 0, len(w.thisProps))
	for _, p := range w.thisProps {
		out = append(out, Prop{Name: p.name, Start: int(p.start), End: int(p.end)})
	}
	return out, nil
}
