package analysis

import "github.com/dop251/goja/ast"

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
// Every call parses; see ScanCache.ScanScript for texts seen again.
func ScanScript(script, root, newRoot string) (Scan, error) {
	return (*ScanCache)(nil).ScanScript(script, root, newRoot)
}

// ScanJSObject is ScanScript for a JS object body (`export default {…}`).
// Offsets are into body.
func ScanJSObject(body, root, newRoot string) (Scan, error) {
	return (*ScanCache)(nil).ScanJSObject(body, root, newRoot)
}

// freshScript scans a script without the cache.
func freshScript(script, root, newRoot string) (Scan, error) {
	src := wrapPrefix + script + wrapSuffix
	prog, err := parseProgram(src)
	if err != nil {
		return Scan{}, err
	}
	s := walkScan(src, prog, root, newRoot)
	if s == nil {
		return Scan{}, ErrSyntax
	}
	s.Text = script
	shift := len(wrapPrefix)
	for i := range s.Strings {
		s.Strings[i].Start -= shift
		s.Strings[i].End -= shift
	}
	for i := range s.Occurrences {
		o := &s.Occurrences[i]
		o.Start -= shift
		o.End -= shift
		if o.Key != "" {
			o.KeyStart -= shift
		}
		for j := range o.Props {
			o.Props[j].Start -= shift
			o.Props[j].End -= shift
		}
	}
	return *s, nil
}

// freshJSObject scans a JS object body without the cache.
func freshJSObject(body, root, newRoot string) (Scan, error) {
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
