package store

import (
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Imports build documents as JSON text, so that key order and every
// value's text survive exactly as the app had them. These helpers edit a
// JSON object's text member by member.

// jsonQuote quotes s as encoding/json does without HTML escaping: ", \
// and control characters escaped, U+2028 and U+2029 too, invalid UTF-8
// as U+FFFD. Import quotes every JS object and query body: it is the
// quoting's speed.
func jsonQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
	return b.String()
}

const hexDigits = "0123456789abcdef"

// member is one key and raw value for an object being rewritten.
type member struct{ key, raw string }

// rewrite returns obj's text with each member passed through fn (return
// keep false to drop it), then the members of add whose keys it did not
// have. Keys named in add replace the values of existing keys.
func rewrite(obj gjson.Result, fn func(key string, v gjson.Result) (raw string, keep bool), add ...member) string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	seen := map[string]bool{}
	write := func(key, raw string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(jsonQuote(key))
		b.WriteByte(':')
		b.WriteString(raw)
	}
	replace := map[string]string{}
	for _, m := range add {
		replace[m.key] = m.raw
	}
	obj.ForEach(func(k, v gjson.Result) bool {
		if seen[k.Str] {
			return true // a duplicate key: gjson reads the first, and so does BSON's reader of the result
		}
		seen[k.Str] = true
		if raw, ok := replace[k.Str]; ok {
			write(k.Str, raw)
			return true
		}
		raw, keep := v.Raw, true
		if fn != nil {
			raw, keep = fn(k.Str, v)
		}
		if keep {
			write(k.Str, raw)
		}
		return true
	})
	for _, m := range add {
		if !seen[m.key] {
			write(m.key, m.raw)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// setPath sets the value at a dotted path of object keys, creating the
// objects on the way when they are missing.
func setPath(obj gjson.Result, path []string, raw string) string {
	if len(path) == 1 {
		return rewrite(obj, nil, member{path[0], raw})
	}
	child := obj.Get(gjsonKey(path[0]))
	if !child.IsObject() {
		child = gjson.Parse("{}")
	}
	return rewrite(obj, nil, member{path[0], setPath(child, path[1:], raw)})
}

// setIfPresent sets the value at path only when the path's parent object
// exists.
func setIfPresent(obj gjson.Result, path []string, raw string) string {
	parent := obj
	for _, k := range path[:len(path)-1] {
		parent = parent.Get(gjsonKey(k))
		if !parent.IsObject() {
			return obj.Raw
		}
	}
	return setPath(obj, path, raw)
}

// gjsonKey escapes a key for use as one gjson path element.
func gjsonKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		switch r {
		case '.', '*', '?', '|', '#', '@', '\\', '!', '=', '<', '>', '%':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
