package refactor

import (
	"fmt"
	"strings"

	"github.com/appsmith-rts/rts/depgraph"
)

// reservedWords are JavaScript's reserved words (strict mode included) and
// the literal names no binding can redefine.
var reservedWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`break case catch class const continue debugger default delete do else
		enum export extends false finally for function if import in instanceof new null return super switch
		this throw true try typeof var void while with yield let static implements interface package private
		protected public await async of get set undefined NaN Infinity`) {
		reservedWords[w] = true
	}
}

// NameError says why a new name cannot be used.
type NameError struct {
	Name   string
	Reason string
}

func (e *NameError) Error() string { return fmt.Sprintf("cannot rename to %q: %s", e.Name, e.Reason) }

// CheckNewName validates a new entity name (one identifier) on its own: a
// JavaScript identifier that is not a reserved word and not a name Appsmith
// or JavaScript already gives a meaning to in bindings.
func CheckNewName(name string) error {
	switch {
	case !depgraph.IsValidIdentifier(name):
		return &NameError{name, "not a valid JavaScript identifier"}
	case reservedWords[name]:
		return &NameError{name, "a JavaScript reserved word"}
	case depgraph.IsKnownGlobal(name):
		return &NameError{name, "already a JavaScript or Appsmith global"}
	}
	return nil
}
