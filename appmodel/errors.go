package appmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/tidwall/gjson"
)

// FileError is a problem with one file of an app: it cannot be read, is
// not valid JSON, or lacks something the model needs.
type FileError struct {
	File string
	// Offset is the byte offset of a JSON syntax error (encoding/json's
	// SyntaxError.Offset: the error was found after reading that many
	// bytes), or -1. Line and Col (1-based, Col in bytes) locate it.
	Offset    int
	Line, Col int
	Err       error
}

func (e *FileError) Error() string {
	name := e.File
	if name == "" {
		name = "<input>"
	}
	if e.Offset >= 0 {
		return fmt.Sprintf("%s:%d:%d: %v (byte offset %d)", name, e.Line, e.Col, e.Err, e.Offset)
	}
	return name + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

func fileErr(file string, format string, args ...any) error {
	return &FileError{File: file, Offset: -1, Err: fmt.Errorf(format, args...)}
}

// readFile reads a file, reporting errors against the path without the
// "open" prefix os adds.
func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", &FileError{File: path, Offset: -1, Err: err}
	}
	return string(b), nil
}

// parseJSONObject checks that text is one JSON object and returns it.
// gjson does not validate, so invalid JSON is found here, once per file;
// encoding/json is only asked for the error position.
func parseJSONObject(file, text string) (gjson.Result, error) {
	if !gjson.Valid(text) {
		var raw json.RawMessage
		err := json.Unmarshal([]byte(text), &raw)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(text, int(se.Offset)-1)
			return gjson.Result{}, &FileError{File: file, Offset: int(se.Offset), Line: line, Col: col, Err: se}
		}
		if err != nil {
			return gjson.Result{}, &FileError{File: file, Offset: -1, Err: err}
		}
		// encoding/json accepts what gjson rejected; trust the stricter
		// standard library parser's verdict that it is JSON.
	}
	r := gjson.Parse(text)
	if !r.IsObject() {
		return gjson.Result{}, fileErr(file, "not a JSON object")
	}
	return r, nil
}

// lineCol is the 1-based line and byte column of offset in text.
func lineCol(text string, offset int) (line, col int) {
	offset = max(0, min(offset, len(text)))
	before := text[:offset]
	line = 1 + strings.Count(before, "\n")
	return line, offset - strings.LastIndexByte(before, '\n')
}
