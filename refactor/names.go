package refactor

import (
	"fmt"

	"github.com/appsmith-rts/rts/analysis"
)

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
	case !analysis.IsValidIdentifier(name):
		return &NameError{name, "not a valid JavaScript identifier"}
	case analysis.IsReservedWord(name):
		return &NameError{name, "a JavaScript reserved word"}
	case analysis.IsKnownGlobal(name):
		return &NameError{name, "already a JavaScript or Appsmith global"}
	}
	return nil
}
