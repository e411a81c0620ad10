package pagedsl

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// JS operations the later steps (57 to 93) perform on values that need
// not be objects, beside those in jsbuiltins.go: hasOwnProperty, the `in`
// operator, Object.keys/values, for...in, spread, and Appsmith's binding
// helpers (isDynamicValue, stringToJS). Each one throws where JS throws,
// so a step written with them throws exactly where Appsmith's does.

// hasOwnProp is `v.hasOwnProperty(k)` called on a value that may be
// null or undefined, which throws.
func hasOwnProp(v any, k string) bool {
	if isNullish(v) {
		throwf("Cannot read properties of %s (reading 'hasOwnProperty')", ToString(v))
	}
	return hasOwn(v, k)
}

// inOperator is `k in v`: a primitive right-hand side throws.
func inOperator(k string, v any) bool {
	if isObj(v) {
		return hasOwn(v, k)
	}
	throwf("Cannot use 'in' operator to search for '%s' in %s", k, ToString(v))
	return false
}

// indexKeys are the keys "0".."n-1" of an array or string.
func indexKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	return keys
}

// forInKeys is the key list `for (const k in v)` walks: none for null and
// undefined (no throw), otherwise Object.keys (a copy: the loop body may
// add keys).
func forInKeys(v any) []string {
	if isNullish(v) {
		return nil
	}
	return append([]string(nil), objectKeys(v)...)
}

// ownValues is Object.values(v) (throws on null and undefined).
func ownValues(v any) []any {
	keys := objectKeys(v)
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = Prop(v, k)
	}
	return vals
}

// spreadIter is the items of `[...(v || [])]`: a falsy v gives none, an
// array its items, a string its code points; anything else is not
// iterable and throws.
func spreadIter(v any) []any {
	if !Truthy(v) {
		return nil
	}
	switch x := v.(type) {
	case *Array:
		return append([]any(nil), x.Items...)
	case string:
		out := make([]any, 0, len(x))
		for i := 0; i < len(x); {
			_, size := utf8.DecodeRuneInString(x[i:])
			out = append(out, x[i:i+size])
			i += size
		}
		return out
	}
	throwf("%s is not iterable", ToString(v))
	return nil
}

// appendToList is `w[k] = [...(w[k] || []), items...]`.
func appendToList(w *Object, k string, items ...any) {
	w.Set(k, &Array{Items: append(spreadIter(w.Get(k)), items...)})
}

// keyEntry is the `{key: k}` entry of a dynamic*PathList.
func keyEntry(k string) *Object {
	o := NewObject()
	o.Set("key", k)
	return o
}

// isBinding is Appsmith's isDynamicValue: /{{([\s\S]*?)}}/ tested against
// String(v), so undefined ("undefined") is not a binding and an array of
// one binding string is.
func isBinding(v any) bool {
	s, ok := v.(string)
	if !ok {
		s = ToString(v)
	}
	i := strings.Index(s, "{{")
	return i >= 0 && strings.Contains(s[i+2:], "}}")
}

// stripJSSpace is s.replace(/\s/g, ""): every JS whitespace and line
// terminator removed.
func stripJSSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if isJSSpace(r) {
			return -1
		}
		return r
	}, s)
}

// bindingSegments is Appsmith's getDynamicStringSegments: the text split
// into plain parts and balanced {{...}} parts; the whole text as one
// segment when its braces do not balance. Cuts fall on ASCII braces, so
// byte offsets give the same pieces as JS's UTF-16 ones.
func bindingSegments(s string) []string {
	start := strings.Index(s, "{{")
	if start < 0 {
		return []string{s}
	}
	var segs []string
	if start > 0 {
		segs = append(segs, s[:start])
	}
	rest := s[start:]
	sum := 0
scan:
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '{':
			sum++
		case '}':
			sum--
			if i > 0 && rest[i-1] == '}' && sum == 0 {
				segs = append(segs, rest[:i+1])
				rest = rest[i+1:]
				if rest != "" {
					segs = append(segs, bindingSegments(rest)...)
				}
				// Either the tail was split recursively (JS breaks) or
				// nothing is left to scan.
				break scan
			}
		}
	}
	if sum != 0 && s != "" {
		return []string{s}
	}
	return segs
}

// bindingToJS is Appsmith's stringToJS: a text with {{...}} bindings as one
// JS expression, plain parts becoming template literals joined by " + ".
// A value that is not a non-empty string gives "".
func bindingToJS(v any) string {
	s, ok := v.(string)
	if !ok || s == "" {
		return ""
	}
	segs := bindingSegments(Trim(s))
	parts := make([]string, len(segs))
	for i, seg := range segs {
		snippet := ""
		if isBinding(seg) {
			snippet = Substring(seg, 2, StrLen(seg)-2)
		}
		if snippet != "" {
			parts[i] = snippet
		} else {
			parts[i] = "`" + seg + "`"
		}
	}
	return strings.Join(parts, " + ")
}
