package appmodel

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/appsmith-rts/rts/internal/lodashpath"
	"github.com/tidwall/gjson"
)

// Appsmith reads a binding's value with lodash get on the parsed JSON and
// then calls toString on it. This file reproduces both on gjson results, so
// that the JSON never has to be decoded into Go values.

// valueKind classifies a JavaScript value reached by get.
type valueKind uint8

const (
	valUndefined valueKind = iota
	valJSON                // a value stored in the JSON (json holds it)
	valString              // a derived string (a character of a string)
	valNumber              // a derived number (a string's or array's length)
)

type jsValue struct {
	kind valueKind
	json gjson.Result
	str  string
	num  float64
	// tree holds json as its node when it was read from a tree: its
	// properties are then found without scanning (nil otherwise).
	tree *jsonTree
	node int32
}

func jsonValue(r gjson.Result) jsValue {
	if !r.Exists() {
		return jsValue{}
	}
	return jsValue{kind: valJSON, json: r}
}

// object is the top level of a JSON object, read in one pass. Appsmith
// writes keys sorted, so widgetName, type and the binding path lists sit
// near the end of a widget: looking each up with gjson.Get rescans most of
// the widget every time, and did so about seven times per widget. One
// object is reused for many entities to spare the allocations. An object
// of a jsonTree looks its members up in the tree instead (no copy).
type object struct {
	members []member
	tree    *jsonTree
	node    int32
}

type member struct {
	key string
	val gjson.Result
}

func (o *object) reset(r gjson.Result) *object {
	o.members = o.members[:0]
	o.tree = nil
	r.ForEach(func(k, v gjson.Result) bool {
		o.members = append(o.members, member{k.Str, v})
		return true
	})
	return o
}

// resetTree makes o the object at node n of t.
func (o *object) resetTree(t *jsonTree, n int32) *object {
	o.members = o.members[:0]
	o.tree, o.node = t, n
	return o
}

// lookup is the value of key k. Of duplicate keys it takes the first, as
// gjson.Get does for nested objects (see property).
func (o *object) lookup(k string) gjson.Result {
	return o.value(k).json
}

// value is lookup as a jsValue.
func (o *object) value(k string) jsValue {
	if o.tree != nil {
		return treeValue(o.tree, o.tree.lookup(o.node, k))
	}
	for i := range o.members {
		if o.members[i].key == k {
			return jsonValue(o.members[i].val)
		}
	}
	return jsValue{}
}

// treeValue is node n of t (-1: undefined).
func treeValue(t *jsonTree, n int32) jsValue {
	if n < 0 {
		return jsValue{}
	}
	return jsValue{kind: valJSON, json: t.result(n), tree: t, node: n}
}

// get is lodash get(root, key). first, when not nil, supplies the value of
// a top-level key instead of the JSON (a query's .txt body replacing
// actionConfiguration.body).
func get(root *object, key string, first func(k string) (jsValue, bool)) jsValue {
	top := func(k string) jsValue {
		if first != nil {
			if v, ok := first(k); ok {
				return v
			}
		}
		return root.value(k)
	}
	// lodash's isKey: a key without "." or "[…]", or one the object has
	// as a literal key, is used whole.
	if !lodashpath.IsDeep(key) {
		return top(key)
	}
	if v := top(key); v.kind != valUndefined {
		return v
	}
	parts := lodashpath.Split(key)
	if len(parts) == 0 {
		return jsValue{}
	}
	v := top(parts[0])
	for _, p := range parts[1:] {
		if v.kind == valUndefined || (v.kind == valJSON && v.json.Type == gjson.Null) {
			return jsValue{}
		}
		v = property(v, p)
	}
	return v
}

// property is v[k] for the own properties JSON values have (inherited
// methods such as toString are not values Appsmith paths lead to).
//
// Of duplicate keys in an object gjson finds the first, where JSON.parse
// keeps the last. Appsmith writes its JSON with serialisers that cannot
// produce duplicates, so this costs nothing in practice, and scanning with
// gjson.Get measured faster than indexing each object's keys.
func property(v jsValue, k string) jsValue {
	switch v.kind {
	case valString:
		return stringProperty(v.str, k)
	case valJSON:
	default:
		return jsValue{}
	}
	if v.tree != nil {
		if p, ok := treeProperty(v.tree, v.node, k); ok {
			return p
		}
	}
	r := v.json
	switch {
	case r.IsObject():
		if k == "" {
			// gjson has no path for the empty key.
			var found gjson.Result
			r.ForEach(func(key, val gjson.Result) bool {
				if key.Str == "" {
					found = val
					return false
				}
				return true
			})
			return jsonValue(found)
		}
		return jsonValue(r.Get(gjson.Escape(k)))
	case r.IsArray():
		if k == "length" {
			n := 0
			r.ForEach(func(_, _ gjson.Result) bool { n++; return true })
			return jsValue{kind: valNumber, num: float64(n)}
		}
		idx, ok := arrayIndex(k)
		if !ok {
			return jsValue{}
		}
		var found gjson.Result
		i := 0
		r.ForEach(func(_, val gjson.Result) bool {
			if i == idx {
				found = val
				return false
			}
			i++
			return true
		})
		return jsonValue(found)
	case r.Type == gjson.String:
		return stringProperty(r.Str, k)
	}
	return jsValue{}
}

// treeProperty is property for a container of a tree; ok is false for
// other values, which property reads from their gjson result.
func treeProperty(t *jsonTree, n int32, k string) (jsValue, bool) {
	switch t.nodes[n].kind {
	case '{':
		return treeValue(t, t.lookup(n, k)), true
	case '[':
		if k == "length" {
			count := 0
			for c := t.firstChild(n); c != 0; c = t.nodes[c].next {
				count++
			}
			return jsValue{kind: valNumber, num: float64(count)}, true
		}
		idx, ok := arrayIndex(k)
		if !ok {
			return jsValue{}, true
		}
		for c := t.firstChild(n); c != 0; c = t.nodes[c].next {
			if idx == 0 {
				return treeValue(t, c), true
			}
			idx--
		}
		return jsValue{}, true
	}
	return jsValue{}, false
}

// stringProperty is s[k]: its length or one UTF-16 unit, as a string.
func stringProperty(s string, k string) jsValue {
	if k == "length" {
		return jsValue{kind: valNumber, num: float64(utf16Count(s))}
	}
	idx, ok := arrayIndex(k)
	if !ok {
		return jsValue{}
	}
	for _, r := range s {
		n := utf16.RuneLen(r)
		if idx < n {
			if n == 2 {
				// Half of a surrogate pair has no UTF-8 form.
				return jsValue{kind: valString, str: string(utf8.RuneError)}
			}
			return jsValue{kind: valString, str: string(r)}
		}
		idx -= n
	}
	return jsValue{}
}

func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// arrayIndex accepts the canonical index strings an array has properties
// for: "0", "12"; not "01", "-1", "1.0".
func arrayIndex(k string) (int, bool) {
	if k == "" || len(k) > 9 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
		n = n*10 + int(k[i]-'0')
	}
	return n, true
}

// toJSString is the value's toString, with undefined and null as "" (as
// the edge contract reads them). ok is false for undefined and null.
func toJSString(v jsValue) (s string, ok bool) {
	switch v.kind {
	case valString:
		return v.str, true
	case valNumber:
		return formatJSNumber(v.num), true
	case valJSON:
		if v.json.Type == gjson.Null {
			return "", false
		}
		return jsonToString(v.json), true
	}
	return "", false
}

func jsonToString(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number:
		return formatJSNumber(r.Num)
	case gjson.True:
		return "true"
	case gjson.False:
		return "false"
	case gjson.Null:
		return ""
	}
	if r.IsArray() {
		// Array.prototype.toString is join(","): null and undefined
		// elements are empty, nested arrays join recursively.
		var b strings.Builder
		first := true
		r.ForEach(func(_, el gjson.Result) bool {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(jsonToString(el))
			return true
		})
		return b.String()
	}
	return "[object Object]"
}

// formatJSNumber is Number.prototype.toString() (radix 10): the shortest
// digits that round-trip, laid out as ECMAScript's Number::toString says.
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0" // also -0
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// d.ddddde±x: the digits, and n = x+1 the position of the point.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	n, k := x+1, len(digits)
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		s = digits[:1]
		if k > 1 {
			s += "." + digits[1:]
		}
		if n-1 >= 0 {
			s += "e+" + strconv.Itoa(n-1)
		} else {
			s += "e-" + strconv.Itoa(1-n)
		}
	}
	return sign + s
}

// lessUTF16 orders strings as JavaScript's < does: by UTF-16 code units.
// It differs from Go's byte order only between U+E000–U+FFFF and the
// supplementary planes (surrogates sort below U+E000).
func lessUTF16(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return utf16Key(ra) < utf16Key(rb)
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b != ""
}

// utf16Key maps a rune to a value ordered like its first UTF-16 unit, with
// the second unit as tie-breaker.
func utf16Key(r rune) uint32 {
	if r < 0x10000 {
		return uint32(r) << 16
	}
	hi, lo := utf16.EncodeRune(r)
	return uint32(hi)<<16 | uint32(lo)
}
