package appmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"

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

// MaxFileBytes bounds every file of an app that is read: Appsmith's own
// exports stay far below it, and a bound keeps a mistaken argument (a disk
// image, a log) from filling the memory.
const MaxFileBytes = 64 << 20

// readFile reads a regular file of at most MaxFileBytes, reporting errors
// against the path without the "open" prefix os adds. Anything else (a
// device such as /dev/zero, a FIFO, a socket, or a symlink to one) is
// refused before it is opened: reading it could block or never end.
func readFile(path string) (string, error) {
	fail := func(err error) (string, error) {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", &FileError{File: path, Offset: -1, Err: err}
	}
	st, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	if err := checkRegular(st); err != nil {
		return fail(err)
	}
	// The file is read with plain system calls: an os.File of a regular
	// file costs four more (it tries the network poller, which refuses
	// it), and a git app is thousands of small files.
	fd, err := openRead(path)
	if err != nil {
		return fail(err)
	}
	defer syscall.Close(fd)
	// Checked again on the open file: the path may have been replaced.
	var fst syscall.Stat_t
	if err := fstat(fd, &fst); err != nil {
		return fail(err)
	}
	if fst.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return fail(errors.New("not a regular file"))
	}
	// Sized from the open file (one read and the one that finds the
	// end); the limit still holds if the file grows meanwhile.
	b := make([]byte, 0, min(fst.Size, MaxFileBytes)+1)
	for len(b) <= MaxFileBytes {
		n, err := readFD(fd, b[len(b):cap(b)])
		if err != nil {
			return fail(err)
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
		if len(b) == cap(b) {
			b = slices.Grow(b, min(len(b), MaxFileBytes+1-len(b)))
		}
	}
	if len(b) > MaxFileBytes {
		return fail(errTooLarge)
	}
	return string(b), nil
}

// openRead opens path read-only, retrying when a signal interrupts it.
func openRead(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		if err := syscall.Fstat(fd, st); err != syscall.EINTR {
			return err
		}
	}
}

// readFD is one read; 0 at the end of the file.
func readFD(fd int, b []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, b)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

var errTooLarge = fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)

// checkRegular accepts a regular file of at most MaxFileBytes.
func checkRegular(st fs.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		if st.Size() > MaxFileBytes {
			return errTooLarge
		}
		return nil
	case m&fs.ModeDevice != 0:
		return errors.New("not a regular file (a device)")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("not a regular file (a named pipe)")
	case m&fs.ModeSocket != 0:
		return errors.New("not a regular file (a socket)")
	case m.IsDir():
		return errors.New("is a directory, not a file")
	}
	return errors.New("not a regular file")
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
