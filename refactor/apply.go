package refactor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileResult is one file's text before and after a plan.
type FileResult struct {
	File          string
	Before, After string
}

// Preview applies a plan in memory to the texts it was planned on and
// returns the new texts. Nothing is read or written.
func Preview(p *Plan) ([]FileResult, error) {
	out := make([]FileResult, 0, len(p.Files))
	for _, f := range p.Files {
		after, err := Apply(f.Before, f.Edits)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.File, err)
		}
		out = append(out, FileResult{File: f.File, Before: f.Before, After: after})
	}
	return out, nil
}

// ApplyPlan writes a plan to disk whole or not at all: every file must
// still hold the text the plan was made on; every new text is written to a
// temporary file beside its original and only then renamed over it; the
// planned moves follow. If any step fails, what was already replaced is
// put back.
func ApplyPlan(p *Plan) error {
	for _, f := range p.Files {
		b, err := os.ReadFile(f.File)
		if err != nil {
			return err
		}
		if string(b) != f.Before {
			return &Conflict{Reason: "file changed since the rename was planned", Where: []string{f.File}}
		}
	}
	results, err := Preview(p)
	if err != nil {
		return err
	}
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, r := range results {
		t, err := writeTemp(r.File, r.After)
		if err != nil {
			return err
		}
		temps = append(temps, t)
	}
	var done []FileResult
	var moved []Move
	undo := func(cause error) error {
		var errs []error
		for i := len(moved) - 1; i >= 0; i-- {
			errs = append(errs, os.Rename(moved[i].To, moved[i].From))
		}
		for _, r := range done {
			errs = append(errs, os.WriteFile(r.File, []byte(r.Before), 0o644))
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("%w (and undoing it failed: %v)", cause, err)
		}
		return cause
	}
	for i, r := range results {
		if err := os.Rename(temps[i], r.File); err != nil {
			return undo(err)
		}
		done = append(done, r)
	}
	for _, m := range p.Moves {
		if _, err := os.Stat(m.To); err == nil {
			return undo(&Conflict{Reason: "cannot move: the target exists", Where: []string{m.To}})
		}
		if err := os.Rename(m.From, m.To); err != nil {
			return undo(err)
		}
		moved = append(moved, m)
	}
	return nil
}

func writeTemp(file, text string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".rts-*")
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(file); err == nil {
		f.Chmod(st.Mode().Perm())
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
