package transport

import (
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/appsmith-rts/rts/analysis"
)

// Responses are appended to a pooled buffer by hand so that they come out
// as Node's JSON.stringify writes them: keys in the order Appsmith's
// controllers build them, `<`, `>`, `&`, U+2028 and U+2029 left literal
// (encoding/json escapes all five), and no reflection per request.

const hexDigits = "0123456789abcdef"

// escapes maps an ASCII byte to the letter after the backslash JSON.stringify
// writes for it, 'u' for \u00XX, or 0 for a byte written as is.
var escapes = func() (t [utf8.RuneSelf]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = 'b', 't', 'n', 'f', 'r'
	t['"'], t['\\'] = '"', '\\'
	return t
}()

// appendString appends s as a JSON string. Bytes that are not UTF-8 become
// U+FFFD; the request reader never produces them.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if e := escapes[c]; e != 0 {
				dst = append(dst, s[start:i]...)
				if e == 'u' {
					dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
				} else {
					dst = append(dst, '\\', e)
				}
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			start = i + 1
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendStrings appends a JSON array of strings; with emptyIsNull an empty
// string is written as null (Appsmith's `undefined` variable name of a
// destructuring declarator, which JSON.stringify writes as null in arrays).
func appendStrings(dst []byte, list []string, emptyIsNull bool) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		if emptyIsNull && s == "" {
			dst = append(dst, "null"...)
		} else {
			dst = appendString(dst, s)
		}
	}
	return append(dst, ']')
}

// appendInfo appends one IdentifierInfo as Appsmith's AstService returns it.
func appendInfo(dst []byte, info *analysis.IdentifierInfo) []byte {
	dst = append(dst, `{"references":`...)
	dst = appendStrings(dst, info.References, false)
	dst = append(dst, `,"functionalParams":`...)
	dst = appendStrings(dst, info.FunctionalParams, false)
	dst = append(dst, `,"variables":`...)
	dst = appendStrings(dst, info.Variables, true)
	if info.IsError {
		return append(dst, `,"isError":true}`...)
	}
	return append(dst, `,"isError":false}`...)
}

// appendJSNumber appends f as JSON.stringify does: JavaScript's number
// form, and null for the non-finite.
func appendJSNumber(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(dst, "null"...)
	}
	return analysis.AppendJSNumber(dst, f)
}

// maxEchoDepth bounds the nesting appendJSValue rebuilds; deeper values are
// echoed minified instead (JSON.stringify would overflow V8's stack there).
const maxEchoDepth = 512

// appendJSValue appends raw, one valid JSON value, as
// JSON.stringify(JSON.parse(raw)) writes it: numbers in JavaScript's form,
// strings re-escaped, object keys that are array indices first in numeric
// order, a duplicate key keeping its first position and its last value.
// It is only used to echo a wrong-typed field in a validation error.
func appendJSValue(dst, raw []byte) []byte {
	p := echoParser{b: raw}
	v, ok := p.value(0)
	if !ok {
		return appendMinified(dst, raw)
	}
	return v.append(dst)
}

type jsValue struct {
	kind  kind
	str   string  // kindString
	num   float64 // kindNumber
	items []jsValue
	keys  []string // kindObject, in JavaScript's property order
}

type echoParser struct {
	b []byte
	i int
}

func (p *echoParser) value(depth int) (jsValue, bool) {
	if depth > maxEchoDepth {
		return jsValue{}, false
	}
	p.i = skipWS(p.b, p.i)
	start := p.i
	switch k := kindOf(p.b[p.i]); k {
	case kindString:
		end, _ := skipString(p.b, p.i)
		p.i = end
		return jsValue{kind: k, str: decodeString(p.b[start+1:end-1], false)}, true
	case kindNumber:
		end, _ := skipNumber(p.b, p.i)
		p.i = end
		f, _ := strconv.ParseFloat(string(p.b[start:end]), 64)
		return jsValue{kind: k, num: f}, true
	case kindFalse:
		p.i += len("false")
		return jsValue{kind: k}, true
	case kindTrue, kindNull:
		p.i += len("true")
		return jsValue{kind: k}, true
	case kindArray:
		v := jsValue{kind: k}
		p.i = skipWS(p.b, p.i+1)
		if p.b[p.i] == ']' {
			p.i++
			return v, true
		}
		for {
			item, ok := p.value(depth + 1)
			if !ok {
				return jsValue{}, false
			}
			v.items = append(v.items, item)
			p.i = skipWS(p.b, p.i)
			c := p.b[p.i]
			p.i++
			if c == ']' {
				return v, true
			}
		}
	default: // kindObject
		v := jsValue{kind: kindObject}
		index := map[string]int{}
		p.i = skipWS(p.b, p.i+1)
		if p.b[p.i] == '}' {
			p.i++
			return v, true
		}
		for {
			p.i = skipWS(p.b, p.i)
			end, _ := skipString(p.b, p.i)
			key := decodeString(p.b[p.i+1:end-1], false)
			p.i = skipWS(p.b, end) + 1 // past ':'
			val, ok := p.value(depth + 1)
			if !ok {
				return jsValue{}, false
			}
			if at, dup := index[key]; dup {
				v.items[at] = val
			} else {
				index[key] = len(v.keys)
				v.keys = append(v.keys, key)
				v.items = append(v.items, val)
			}
			p.i = skipWS(p.b, p.i)
			c := p.b[p.i]
			p.i++
			if c == '}' {
				break
			}
		}
		v.orderKeys()
		return v, true
	}
}

// orderKeys puts array-index keys first, ascending, as JavaScript orders
// an object's own properties.
func (v *jsValue) orderKeys() {
	idx := make([]int, len(v.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, aok := arrayIndex(v.keys[idx[a]])
		kb, bok := arrayIndex(v.keys[idx[b]])
		if aok && bok {
			return ka < kb
		}
		return aok && !bok
	})
	keys := make([]string, len(idx))
	items := make([]jsValue, len(idx))
	for i, j := range idx {
		keys[i], items[i] = v.keys[j], v.items[j]
	}
	v.keys, v.items = keys, items
}

// arrayIndex reports whether k is a canonical array index (0 … 2³²−2).
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		if !isDigit(k[i]) {
			return 0, false
		}
		n = n*10 + uint64(k[i]-'0')
	}
	return n, n < 1<<32-1
}

func (v *jsValue) append(dst []byte) []byte {
	switch v.kind {
	case kindString:
		return appendString(dst, v.str)
	case kindNumber:
		return appendJSNumber(dst, v.num)
	case kindTrue:
		return append(dst, "true"...)
	case kindFalse:
		return append(dst, "false"...)
	case kindNull:
		return append(dst, "null"...)
	case kindArray:
		dst = append(dst, '[')
		for i := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.items[i].append(dst)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, k := range v.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = v.items[i].append(dst)
	}
	return append(dst, '}')
}

// appendMinified appends valid JSON without its insignificant whitespace.
func appendMinified(dst, raw []byte) []byte {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString:
			dst = append(dst, c)
			if c == '\\' {
				i++
				dst = append(dst, raw[i])
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			dst = append(dst, c)
		case c != ' ' && c != '\t' && c != '\n' && c != '\r':
			dst = append(dst, c)
		}
	}
	return dst
}
