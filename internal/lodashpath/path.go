// Package lodashpath owns how lodash reads a property path ("a.b[0]",
// `a["x.y"]`): the parts stringToPath picks and the reIsDeepProp test for
// whether a key is a path at all. Appsmith reads bindings (appmodel) and
// migrates page DSLs (pagedsl) through lodash get and set, and both must
// split paths exactly as it does.
package lodashpath

import (
	"strings"
	"unicode/utf8"
)

// Split splits a path as lodash's stringToPath does, with its regular
// expression
//
//	/[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))/g
//
// picking the parts, and a leading "." adding an empty first key. (castPath,
// which first uses a key whole when it is not deep or the object has it
// as a literal key, is the caller's: it needs the object.)
func Split(key string) []string {
	var out []string
	if strings.HasPrefix(key, ".") {
		out = append(out, "")
	}
	for i := 0; i < len(key); {
		c := key[i]
		if c != '.' && c != '[' && c != ']' {
			j := i + 1
			for j < len(key) && key[j] != '.' && key[j] != '[' && key[j] != ']' {
				j++
			}
			out = append(out, key[i:j])
			i = j
			continue
		}
		if c == '[' {
			if part, end, ok := bracketPart(key, i); ok {
				out = append(out, part)
				i = end
				continue
			}
		}
		// The empty alternative: a "." or "[]" followed by ".", "[]" or the
		// end stands for an empty key. The match is empty, so the scan
		// then moves on by one character either way.
		if atEmptyKey(key, i) {
			out = append(out, "")
		}
		i++
	}
	return out
}

func atEmptyKey(key string, i int) bool {
	var n int
	switch {
	case key[i] == '.':
		n = 1
	case strings.HasPrefix(key[i:], "[]"):
		n = 2
	default:
		return false
	}
	rest := key[i+n:]
	return rest == "" || rest[0] == '.' || strings.HasPrefix(rest, "[]")
}

// bracketPart matches `[number]` or `["quoted"]` / `['quoted']` at key[i].
func bracketPart(key string, i int) (part string, end int, ok bool) {
	j := i + 1
	// -?\d+(?:\.\d+)?
	k := j
	if k < len(key) && key[k] == '-' {
		k++
	}
	d := k
	for k < len(key) && isDigit(key[k]) {
		k++
	}
	if k > d {
		if k+1 < len(key) && key[k] == '.' && isDigit(key[k+1]) {
			k++
			for k < len(key) && isDigit(key[k]) {
				k++
			}
		}
		if k < len(key) && key[k] == ']' {
			return key[j:k], k + 1, true
		}
	}
	if j >= len(key) || (key[j] != '"' && key[j] != '\'') {
		return "", 0, false
	}
	q := key[j]
	hasEscape := false
	for k = j + 1; k < len(key); {
		switch key[k] {
		case q:
			if k+1 < len(key) && key[k+1] == ']' {
				s := key[j+1 : k]
				if hasEscape {
					s = unescape(s)
				}
				return s, k + 2, true
			}
			return "", 0, false // an unescaped quote cannot be part of the key
		case '\\':
			// \\. where . matches anything but a line terminator.
			r, size := utf8.DecodeRuneInString(key[k+1:])
			if size == 0 || r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 {
				return "", 0, false
			}
			hasEscape = true
			k += 1 + size
		default:
			k++
		}
	}
	return "", 0, false
}

// unescape applies lodash's reEscapeChar replace, /\\(\\)?/g → "$1":
// a backslash is dropped, a doubled one becomes one.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+1 < len(s) && s[i+1] == '\\' {
				b.WriteByte('\\')
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsDeep is lodash's reIsDeepProp test: the key has a "." or a
// bracket pair `[…]` (no brackets inside, or a quoted part).
func IsDeep(key string) bool {
	if strings.IndexByte(key, '.') >= 0 {
		return true
	}
	for i := strings.IndexByte(key, '['); i >= 0; {
		j := i + 1
		for j < len(key) && key[j] != '[' && key[j] != ']' {
			j++
		}
		if j < len(key) && key[j] == ']' {
			return true
		}
		if _, _, ok := bracketPart(key, i); ok {
			return true
		}
		next := strings.IndexByte(key[i+1:], '[')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}
