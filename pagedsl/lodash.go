package pagedsl

import (
	"regexp"
	"strings"
)

// reIsDeepProp is lodash's test for a property path that needs parsing
// (a dot or a bracket group); its quoted-bracket branch needs
// backreferences and is covered by the plain bracket form for the paths
// widgets hold.
var reIsDeepProp = regexp.MustCompile(`\.|\[[^\[\]]*\]`)

func isPlainProp(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// hasKey is `k in Object(v)` for own data properties.
func hasKey(v any, k string) bool {
	switch x := v.(type) {
	case *Object:
		return x.Has(k)
	case *Array:
		if k == "length" {
			return true
		}
		n, ok := arrayIndex(k)
		return ok && n < uint64(len(x.Items))
	case string:
		if k == "length" {
			return true
		}
		n, ok := arrayIndex(k)
		return ok && n < uint64(StrLen(x))
	}
	return false
}

// lodashGet is lodash's get(obj, path): the path is a key of obj or a
// dotted/bracketed path; a missing step gives Undefined, never a throw.
func lodashGet(obj any, path string) any {
	var keys []string
	if isPlainProp(path) || !reIsDeepProp.MatchString(path) || (!isNullish(obj) && hasKey(obj, path)) {
		keys = []string{path}
	} else {
		keys = stringToPath(path)
	}
	cur := obj
	for _, k := range keys {
		if isNullish(cur) {
			return Undefined
		}
		cur = Prop(cur, k)
	}
	return cur
}

// stringToPath is lodash's path parser: names between dots, [0]-style
// numbers, quoted ["a.b"] keys, and an empty name where two separators
// meet.
func stringToPath(s string) []string {
	var out []string
	if strings.HasPrefix(s, ".") {
		out = append(out, "")
	}
	sep := func(c byte) bool { return c == '.' || c == '[' || c == ']' }
	// atSep reports the (?:\.|\[\]) alternative at i and its length.
	atSep := func(i int) int {
		if i < len(s) && s[i] == '.' {
			return 1
		}
		if i+1 < len(s) && s[i] == '[' && s[i+1] == ']' {
			return 2
		}
		return 0
	}
	for i := 0; i < len(s); {
		if !sep(s[i]) {
			j := i
			for j < len(s) && !sep(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
			continue
		}
		if s[i] == '[' {
			if end, num := bracketNumber(s, i); end > 0 {
				out = append(out, num)
				i = end
				continue
			}
			if end, key := bracketQuoted(s, i); end > 0 {
				out = append(out, key)
				i = end
				continue
			}
		}
		if n := atSep(i); n > 0 && (i+n == len(s) || atSep(i+n) > 0) {
			out = append(out, "")
		}
		i++
	}
	return out
}

// bracketNumber matches \[(-?\d+(?:\.\d+)?)\] at i.
func bracketNumber(s string, i int) (end int, num string) {
	j := i + 1
	if j < len(s) && s[j] == '-' {
		j++
	}
	digits := func() int {
		n := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if digits() == 0 {
		return 0, ""
	}
	if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
		j++
		digits()
	}
	if j < len(s) && s[j] == ']' {
		return j + 1, s[i+1 : j]
	}
	return 0, ""
}

// bracketQuoted matches \[(["'])((?:(?!\1)[^\\]|\\.)*?)\1\] at i and
// unescapes the key as lodash does (a backslash escapes the next
// backslash, and is dropped before anything else).
func bracketQuoted(s string, i int) (end int, key string) {
	if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\'') {
		return 0, ""
	}
	q := s[i+1]
	var b strings.Builder
	for j := i + 2; j < len(s); {
		switch s[j] {
		case '\\':
			if j+1 >= len(s) {
				return 0, ""
			}
			if s[j+1] == '\\' {
				b.WriteByte('\\')
			} else {
				b.WriteByte(s[j+1])
			}
			j += 2
		case q:
			if j+1 < len(s) && s[j+1] == ']' {
				return j + 2, b.String()
			}
			return 0, ""
		default:
			b.WriteByte(s[j])
			j++
		}
	}
	return 0, ""
}
