package liveapps

import (
	"strings"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/store"
)

// nameIndex remembers, for each name a rename asked about, which of the
// app's documents mention it. A rename then hands the planner, and scans
// for derived copies, only those documents instead of every document of
// the page. It is filled on demand (a load costs nothing more) and a
// changed document is checked again the next time the index is used.
type nameIndex struct {
	byName  map[string]map[store.Key]bool
	pending map[store.Key]bool
}

func newNameIndex() *nameIndex {
	return &nameIndex{byName: map[string]map[store.Key]bool{}, pending: map[store.Key]bool{}}
}

// forget marks a document changed (or gone).
func (x *nameIndex) forget(k store.Key) {
	if len(x.byName) > 0 {
		x.pending[k] = true
	}
}

// mentions lists the documents whose text contains name. It errs on the
// side of more: a plain substring, so "Api1" also finds "Api10".
func (x *nameIndex) mentions(a *appState, name string) map[store.Key]bool {
	for k := range x.pending {
		d := a.docs[k]
		for n, set := range x.byName {
			if d != nil && strings.Contains(d.text, n) {
				set[k] = true
			} else {
				delete(set, k)
			}
		}
	}
	clear(x.pending)
	if set, ok := x.byName[name]; ok {
		return set
	}
	set := map[store.Key]bool{}
	for k, d := range a.docs {
		if strings.Contains(d.text, name) {
			set[k] = true
		}
	}
	x.byName[name] = set
	return set
}

// indexable says whether a name can be looked up as plain text: an ASCII
// name is never escaped in a document's JSON.
func indexable(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return false
		}
	}
	return name != ""
}

// Limits on names, as Appsmith's editor sets them: the entity name field
// turns every character outside [A-Za-z0-9_] into "_" and keeps at most 30
// characters (removeSpecialChars in app/client/src/utils/helpers.tsx), and
// the name must not be a JavaScript keyword or a name the editor already
// gives a meaning (isNameValid, same file). A JS object's member is named
// in code, so any identifier goes, up to maxName.
const (
	maxEntityName = 30
	maxName       = 255
)

// forbidden names would reach into every object's prototype.
var forbidden = map[string]bool{"__proto__": true, "constructor": true, "prototype": true}

// checkRename validates a rename's names before anything is planned:
// the new name as Appsmith's editor would accept it, and both within
// bounds. A member rename (Object.member) checks the member.
func checkRename(oldName, newName string) error {
	if len(oldName) > 2*maxName+1 {
		return &refactor.NameError{Name: oldName[:64] + "…", Reason: "longer than any name Appsmith allows"}
	}
	segs := strings.Split(newName, ".")
	last := segs[len(segs)-1]
	switch {
	case len(newName) > 2*maxName+1:
		return &refactor.NameError{Name: newName[:64] + "…", Reason: "longer than any name Appsmith allows"}
	case forbidden[last]:
		return &refactor.NameError{Name: newName, Reason: "a name every JavaScript object already has"}
	case len(segs) == 1 && len(last) > maxEntityName:
		return &refactor.NameError{Name: newName, Reason: "longer than the 30 characters Appsmith's editor allows"}
	case len(segs) == 1 && !editorName(last):
		return &refactor.NameError{Name: newName, Reason: "Appsmith's editor allows only letters, digits and _ in a name, not starting with a digit"}
	case len(segs) == 2 && (len(last) > maxName || !analysis.IsValidIdentifier(last)):
		return &refactor.NameError{Name: newName, Reason: "not a valid JavaScript identifier of at most 255 characters"}
	}
	return nil
}

// editorName: [A-Za-z_][A-Za-z0-9_]*.
func editorName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
