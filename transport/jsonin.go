package transport

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The request reader is hand-written rather than encoding/json because the
// answers depend on details encoding/json hides: a field of the wrong type
// must be echoed back as its value, keys must match case-sensitively as in
// JavaScript (encoding/json folds case), and the last duplicate key wins as
// in JSON.parse. It is also several times faster for these small bodies.

// kind is the JSON type of a value.
type kind uint8

const (
	kindAbsent kind = iota // the key is not in the body (JavaScript undefined)
	kindString
	kindNumber
	kindTrue
	kindFalse
	kindNull
	kindObject
	kindArray
)

// span is one JSON value of a body: its kind and the bytes [start, end),
// quotes included for strings.
type span struct {
	kind       kind
	start, end int
}

// body is what the AST routes read from a request: the spans of the keys
// they know. Other keys are checked for syntax and skipped.
type body struct {
	buf         []byte
	script      span
	scripts     span
	evalVersion span
	oldName     span
	newName     span
	isJSObject  span
}

// syntaxError is malformed JSON at byte offset off.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at position %d", e.msg, e.off) }

// errNotObject is a body that is valid JSON but neither an object nor an
// array (Express's JSON parser is strict and rejects those).
var errNotObject = &syntaxError{msg: "Request body must be a JSON object"}

// parseBody reads a whole request body. An empty body is an empty object,
// as with Express; a top-level array has no keys, so every field is absent.
// A leading UTF-8 byte order mark is ignored, as body-parser's decoder does.
func parseBody(b []byte, out *body) error { return parseBodyScan(b, out, nil) }

// parseBodyScan is parseBody that, given a scan, reads the top-level
// "scripts" array into it without checking its strings (see scriptScan).
// Its errors are only good for telling that the body is malformed: the
// strict parseBody names the first error.
func parseBodyScan(b []byte, out *body, scan *scriptScan) error {
	*out = body{buf: b}
	if scan != nil {
		scan.reset()
	}
	i := 0
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		i = 3
	}
	if i == len(b) {
		return nil
	}
	i = skipWS(b, i)
	if i == len(b) {
		return &syntaxError{off: i, msg: "Unexpected end of JSON input"}
	}
	first := b[i]
	if first != '{' {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if end = skipWS(b, end); end != len(b) {
			return &syntaxError{off: end, msg: "Unexpected data after JSON value"}
		}
		if first == '[' {
			return nil
		}
		return errNotObject
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return unexpected(b, i, "Expected a string key")
			}
			keyEnd, err := skipString(b, i)
			if err != nil {
				return err
			}
			key := b[i+1 : keyEnd-1]
			i = skipWS(b, keyEnd)
			if i >= len(b) || b[i] != ':' {
				return unexpected(b, i, "Expected ':'")
			}
			i = skipWS(b, i+1)
			start := i
			if scan != nil && i < len(b) && b[i] == '[' && string(key) == "scripts" {
				i, err = scan.array(b, i)
			} else {
				i, err = skipValue(b, i)
			}
			if err != nil {
				return err
			}
			out.set(key, span{kind: kindOf(b[start]), start: start, end: i})
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return unexpected(b, i, "Expected ',' or '}'")
		}
	}
	if i = skipWS(b, i); i != len(b) {
		return &syntaxError{off: i, msg: "Unexpected data after JSON value"}
	}
	return nil
}

// set records a top-level key; a later duplicate replaces an earlier one.
func (o *body) set(rawKey []byte, v span) {
	if bytes.IndexByte(rawKey, '\\') >= 0 {
		rawKey = []byte(decodeString(rawKey, true))
	}
	if p := o.slot(rawKey); p != nil {
		*p = v
	}
}

func (o *body) slot(key []byte) *span {
	switch string(key) {
	case "script":
		return &o.script
	case "scripts":
		return &o.scripts
	case "evalVersion":
		return &o.evalVersion
	case "oldName":
		return &o.oldName
	case "newName":
		return &o.newName
	case "isJSObject":
		return &o.isJSObject
	}
	return nil
}

// str decodes a string span.
func (o *body) str(v span) string { return decodeString(o.buf[v.start+1:v.end-1], false) }

// raw is the text of a span.
func (o *body) raw(v span) []byte { return o.buf[v.start:v.end] }

func kindOf(c byte) kind {
	switch c {
	case '"':
		return kindString
	case '{':
		return kindObject
	case '[':
		return kindArray
	case 't':
		return kindTrue
	case 'f':
		return kindFalse
	case 'n':
		return kindNull
	}
	return kindNumber
}

func unexpected(b []byte, i int, msg string) error {
	if i >= len(b) {
		return &syntaxError{off: i, msg: "Unexpected end of JSON input"}
	}
	return &syntaxError{off: i, msg: msg}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue checks the JSON value starting at b[i] and returns the offset
// after it. It keeps its own stack instead of recursing so that a 5 MB body
// of `[` cannot exhaust the goroutine stack.
func skipValue(b []byte, i int) (int, error) {
	var stackBuf [64]byte
	stack := stackBuf[:0] // the closers of the open containers
	var err error
	for {
		// A value is expected at i.
		i = skipWS(b, i)
		if i >= len(b) {
			return i, unexpected(b, i, "")
		}
		switch c := b[i]; c {
		case '{', '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == closer {
				i++
				break
			}
			stack = append(stack, closer)
			if closer == '}' {
				if i, err = skipKey(b, i); err != nil {
					return i, err
				}
			}
			continue
		case '"':
			if i, err = skipString(b, i); err != nil {
				return i, err
			}
		case 't':
			if i, err = skipLiteral(b, i, "true"); err != nil {
				return i, err
			}
		case 'f':
			if i, err = skipLiteral(b, i, "false"); err != nil {
				return i, err
			}
		case 'n':
			if i, err = skipLiteral(b, i, "null"); err != nil {
				return i, err
			}
		default:
			if i, err = skipNumber(b, i); err != nil {
				return i, err
			}
		}
		// A value ended at i: close containers until one wants another value.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, unexpected(b, i, "")
			}
			closer := stack[len(stack)-1]
			if b[i] == closer {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return i, &syntaxError{off: i, msg: "Expected ',' or '" + string(closer) + "'"}
			}
			i++
			if closer == '}' {
				if i, err = skipKey(b, skipWS(b, i)); err != nil {
					return i, err
				}
			}
			break
		}
	}
}

// skipKey checks `"key" :` at b[i] and returns the offset after the colon.
func skipKey(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, unexpected(b, i, "Expected a string key")
	}
	i, err := skipString(b, i)
	if err != nil {
		return i, err
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, unexpected(b, i, "Expected ':'")
	}
	return i + 1, nil
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, unexpected(b, i, "Unexpected token")
	}
	return i + len(lit), nil
}

// skipNumber checks RFC 8259's number grammar.
func skipNumber(b []byte, i int) (int, error) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return start, unexpected(b, i, "Unexpected token")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, unexpected(b, i, "Unterminated fractional number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, unexpected(b, i, "Exponent part is missing a number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipString checks the string starting at the quote b[i] and returns the
// offset after its closing quote. Bytes that are not UTF-8 are accepted
// here and replaced when decoding, as Node's UTF-8 decoder does.
func skipString(b []byte, i int) (int, error) {
	i++
	for i < len(b) {
		// Scripts are long runs of plain bytes: skip them 8 at a time.
		for i+8 <= len(b) && !hasStringSpecial(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i + 1, unexpected(b, i+1, "")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, &syntaxError{off: i, msg: "Bad Unicode escape in JSON"}
				}
				i += 6
			default:
				return i + 1, &syntaxError{off: i + 1, msg: "Bad escaped character in JSON"}
			}
		case c < 0x20:
			return i, &syntaxError{off: i, msg: "Bad control character in string literal"}
		default:
			i++
		}
	}
	return i, &syntaxError{off: i, msg: "Unterminated string in JSON"}
}

// hasStringSpecial reports whether one of the 8 bytes of x ends or escapes
// a JSON string or is a control character: a '"', a '\\' or a byte below
// 0x20. These are the classic zero-byte tests (exact on whether any byte
// matches): (v - 0x01…) &^ v has a byte's top bit set where v has a zero
// byte, and (x - 0x20…) &^ x where x has a byte below 0x20.
func hasStringSpecial(x uint64) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	e := x ^ (ones * '\\')
	return ((q-ones)&^q|(e-ones)&^e|(x-ones*0x20)&^x)&tops != 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) rune {
	switch {
	case c <= '9':
		return rune(c - '0')
	case c >= 'a':
		return rune(c - 'a' + 10)
	}
	return rune(c - 'A' + 10)
}

// decodeString decodes the inside of a string that skipString accepted.
// Invalid UTF-8 and unpaired surrogates become U+FFFD (a Go string cannot
// hold a lone surrogate; JavaScript can, see docs/compatibility.md).
// With escaped set the caller knows there is a backslash.
func decodeString(s []byte, escaped bool) string {
	if !escaped {
		plain := true
		for _, c := range s {
			if c == '\\' || c >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			return string(s)
		}
		hasEscape := false
		for _, c := range s {
			if c == '\\' {
				hasEscape = true
				break
			}
		}
		if !hasEscape && utf8.Valid(s) {
			return string(s)
		}
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		// Plain ASCII runs are copied whole: JS object bodies are long and
		// have an escape only every line or so.
		j := i
		for j < len(s) && s[j] != '\\' && s[j] < utf8.RuneSelf {
			j++
		}
		out = append(out, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		c := s[i]
		if c == '\\' {
			switch s[i+1] {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hexVal(s[i+2])<<12 | hexVal(s[i+3])<<8 | hexVal(s[i+4])<<4 | hexVal(s[i+5])
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						lo := hexVal(s[i+2])<<12 | hexVal(s[i+3])<<8 | hexVal(s[i+4])<<4 | hexVal(s[i+5])
						if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
							r2 = dec
							i += 6
						}
					}
					r = r2
				}
				out = utf8.AppendRune(out, r)
				continue
			default: // '"', '\\', '/'
				out = append(out, s[i+1])
			}
			i += 2
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// number parses a number span (already checked by skipNumber).
func (o *body) number(v span) float64 {
	raw := o.buf[v.start:v.end]
	if len(raw) == 1 {
		return float64(raw[0] - '0')
	}
	f, _ := strconv.ParseFloat(string(raw), 64) // ±Inf on overflow, as JavaScript
	return f
}
