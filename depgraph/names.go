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
// reference position whose name is root, with its scope resolved.
type Scan struct {
	Text        string // the text the offsets refer to
	Occurrences []Occurrence
}

// ScanScript finds the occurrences of root in a binding script, parsed as
// Appsmith parses a binding for a rename (wrapped, never trimmed or
// unescaped). Offsets are into script itself.
func ScanScript(script, root string) (Scan, error) {
	src := wrapPrefix + script + wrapSuffix
	s, err := scan(src, root)
	if err != nil {
		return Scan{}, err
	}
	s.Text = script
	for i := range s.Occurrences {
		o := &s.Occurrences[i]
		o.Start -= len(wrapPrefix)
		o.End -= len(wrapPrefix)
		for j := range o.Props {
			o.Props[j].Start -= len(wrapPrefix)
			o.Props[j].End -= len(wrapPrefix)
		}
	}
	return s, nil
}

// ScanJSObject finds the occurrences of root in a JS object body
// (`export default {…}`). Offsets are into body.
func ScanJSObject(body, root string) (Scan, error) {
	src, prog, err := parseJSObjectBody(body)
	if err != nil {
		return Scan{}, err
	}
	s := walkScan(src, prog, root)
	if s == nil {
		return Scan{}, ErrSyntax
	}
	s.Text = body
	return *s, nil
}

func scan(src, root string) (Scan, error) {
	prog, err := parseProgram(src)
	if err != nil {
		return Scan{}, err
	}
	s := walkScan(src, prog, root)
	if s == nil {
		return Scan{}, ErrSyntax
	}
	return *s, nil
}

func walkScan(src string, prog *ast.Program, root string) *Scan {
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
		}
		for _, p := range w.props[oc.chainFrom:oc.chainTo] {
			o.Props = append(o.Props, Prop{Name: p.name, Start: int(p.start), End: int(p.end), Optional: p.optional})
		}
		s.Occurrences = append(s.Occurrences, o)
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
