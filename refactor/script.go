package refactor

import (
	"errors"
	"sort"
	"strings"

	"github.com/appsmith-rts/rts/analysis"
)

// ErrSyntax is returned for a script that does not parse.
var ErrSyntax = analysis.ErrSyntax

// ErrInvalidName is returned when a name is not a dotted JavaScript
// identifier: splicing it in could change what the code does.
var ErrInvalidName = errors.New("refactor: not a valid entity name")

// validDotted reports whether name is identifiers joined by dots.
func validDotted(name string) bool {
	for _, seg := range strings.Split(name, ".") {
		if !analysis.IsValidIdentifier(seg) {
			return false
		}
	}
	return true
}

// Edit replaces the bytes [Start, End) of a text with New.
type Edit struct {
	Start, End int
	New        string
}

// ScriptResult is a renamed script and the number of references renamed.
type ScriptResult struct {
	Script string
	Count  int
}

// Script renames the entity oldName to newName in one binding script or,
// with isJSObject, one JS object body, as Appsmith's entity-refactor does:
// only identifiers in reference position are renamed, never strings,
// comments, object keys or property names. oldName may be dotted
// (`JSObject1.myFun1` → `JSObject1.myFun2`) to rename a member.
//
// Where Appsmith is wrong, Script is right: a local, parameter, catch or
// destructured binding of the same name shadows only inside its own scope;
// a shorthand property {Api1} becomes {Api1: Api2}; a dotted rename keeps
// `?.` and whitespace and compares every segment.
//
// Script parses every time; a Renamer keeps the scans of texts it sees again.
func Script(script, oldName, newName string, isJSObject bool) (ScriptResult, error) {
	return Renamer{}.Script(script, oldName, newName, isJSObject)
}

// Renamer renames with a cache of recent scans: Appsmith's backend sends
// every JS object body of a page, whole, with every entity-refactor call of
// a rename, and an app's snippets recur, so a text seen again is not parsed
// again. Whoever serves renames holds one (the HTTP handler, the store); it
// is safe for concurrent use. The zero Renamer keeps nothing.
type Renamer struct {
	Scans *analysis.ScanCache
}

// NewRenamer returns a Renamer whose cache holds about cacheBytes
// (0: analysis.DefaultScanCacheBytes).
func NewRenamer(cacheBytes int) Renamer {
	return Renamer{Scans: analysis.NewScanCache(cacheBytes)}
}

// Script is the package's Script, with r's cache.
func (r Renamer) Script(script, oldName, newName string, isJSObject bool) (ScriptResult, error) {
	if !validDotted(oldName) || !validDotted(newName) {
		return ScriptResult{}, ErrInvalidName
	}
	oldSegs := strings.Split(oldName, ".")
	var (
		sc  analysis.Scan
		err error
	)
	if isJSObject {
		sc, err = r.Scans.ScanJSObject(script, oldSegs[0], "")
	} else {
		sc, err = r.Scans.ScanScript(script, oldSegs[0], "")
	}
	if err != nil {
		return ScriptResult{}, ErrSyntax
	}
	edits, count := EditsFor(sc, oldSegs, strings.Split(newName, "."))
	out, err := Apply(script, edits)
	if err != nil {
		return ScriptResult{}, err
	}
	return ScriptResult{Script: out, Count: count}, nil
}

// EditsFor lists the edits that rename every free occurrence of the dotted
// name oldSegs to newSegs, and how many references they rename.
func EditsFor(sc analysis.Scan, oldSegs, newSegs []string) ([]Edit, int) {
	var edits []Edit
	count := 0
	for _, o := range sc.Occurrences {
		if !o.Free || len(o.Props) < len(oldSegs)-1 {
			continue
		}
		match := true
		for i, seg := range oldSegs[1:] {
			if o.Props[i].Name != seg {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		count++
		switch {
		case len(oldSegs) == 1 && o.Shorthand:
			edits = append(edits, Edit{o.Start, o.End, o.Name + ": " + newSegs[0]})
		case len(oldSegs) == 1 && o.Key != "" && o.Key == newSegs[0]:
			// {Api2: Api1} renamed to Api2 is {Api2}: the reverse of
			// expanding a shorthand, so a rename and its reverse round-trip.
			edits = append(edits, Edit{o.KeyStart, o.End, newSegs[0]})
		case len(newSegs) == len(oldSegs):
			if newSegs[0] != oldSegs[0] {
				edits = append(edits, Edit{o.Start, o.End, newSegs[0]})
			}
			for i := 1; i < len(oldSegs); i++ {
				if newSegs[i] != oldSegs[i] {
					p := o.Props[i-1]
					edits = append(edits, Edit{p.Start, p.End, newSegs[i]})
				}
			}
		default:
			end := o.End
			if len(oldSegs) > 1 {
				end = o.Props[len(oldSegs)-2].End
			}
			edits = append(edits, Edit{o.Start, end, strings.Join(newSegs, ".")})
		}
	}
	return edits, count
}

// Apply applies edits to text. Edits must not overlap; they need not be
// sorted. Identical duplicate edits are applied once.
func Apply(text string, edits []Edit) (string, error) {
	if len(edits) == 0 {
		return text, nil
	}
	sorted := make([]Edit, len(edits))
	copy(sorted, edits)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b strings.Builder
	grow := len(text)
	for _, e := range sorted {
		grow += len(e.New) - (e.End - e.Start)
	}
	if grow > 0 {
		b.Grow(grow)
	}
	last := 0
	for i, e := range sorted {
		if i > 0 && e == sorted[i-1] {
			continue
		}
		if e.Start < last || e.End < e.Start || e.End > len(text) {
			return "", &OverlapError{Edit: e}
		}
		b.WriteString(text[last:e.Start])
		b.WriteString(e.New)
		last = e.End
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// OverlapError reports an edit that overlaps another or lies outside the text.
type OverlapError struct{ Edit Edit }

func (e *OverlapError) Error() string {
	return "refactor: overlapping or out-of-range edit"
}
