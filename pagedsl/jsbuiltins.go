package pagedsl

import (
	"regexp"
	"strings"
)

// JS built-ins (Object.keys, spread, +, >, property assignment) and
// Appsmith's removeSpecialChars, on any JSON value: steps call them on
// whatever a page holds, and must throw, or not, where JS does.

// objectKeys is Object.keys(v): own enumerable keys of objects, indexes of
// arrays and strings, nothing for numbers and booleans; null and
// undefined throw.
func objectKeys(v any) []string {
	switch x := v.(type) {
	case nil, undefinedType:
		throwf("Cannot convert undefined or null to object")
	case *Object:
		return x.Keys()
	case *Array:
		return indexKeys(len(x.Items))
	case string:
		return indexKeys(StrLen(x))
	}
	return nil
}

// spread is {...v}: a shallow copy of an object, the indexed elements of
// an array or string, and an empty object for anything else (null and
// undefined included: spreading them does not throw).
func spread(v any) *Object {
	switch x := v.(type) {
	case *Object:
		return x.Clone()
	case *Array, string:
		o := NewObject()
		for _, k := range objectKeys(x) {
			o.Set(k, Prop(x, k))
		}
		return o
	}
	return NewObject()
}

// toPrimitive is ToPrimitive with the default hint for JSON values: plain
// objects and arrays become their toString text.
func toPrimitive(v any) any {
	if isObj(v) {
		return ToString(v)
	}
	return v
}

// jsGreater is a > b (the abstract relational comparison): two strings
// compare by UTF-16 code units, anything else as numbers, NaN is false.
func jsGreater(a, b any) bool {
	pa, pb := toPrimitive(a), toPrimitive(b)
	sa, aStr := pa.(string)
	sb, bStr := pb.(string)
	if aStr && bStr {
		return compareUnits(sb, sa) < 0
	}
	return ToNumber(pa) > ToNumber(pb)
}

// compareUnits orders two strings as JS does (by UTF-16 code units).
func compareUnits(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	ua, ub := units(a), units(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	return len(ua) - len(ub)
}

// jsAdd is a + b: string concatenation when either side is (or converts
// to) a string, numeric addition otherwise.
func jsAdd(a, b any) any {
	pa, pb := toPrimitive(a), toPrimitive(b)
	_, aStr := pa.(string)
	_, bStr := pb.(string)
	if aStr || bStr {
		return ToString(pa) + ToString(pb)
	}
	return ToNumber(pa) + ToNumber(pb)
}

var nonWordRun = regexp.MustCompile(`\W+`)

// removeSpecialChars is Appsmith's helper of that name:
// value.split(/\W+/).join("_").slice(0, limit). A value that is not a
// string has no split method and throws.
func removeSpecialChars(v any, limit int) string {
	s, ok := v.(string)
	if !ok {
		throwf("value.split is not a function")
	}
	// After the replacement only ASCII word characters and "_" remain
	// (every other character, lone surrogates included, is \W), so
	// slicing bytes is slicing UTF-16 code units.
	s = nonWordRun.ReplaceAllLiteralString(s, "_")
	if len(s) > limit {
		s = s[:limit]
	}
	return s
}

// hasOwn is v.hasOwnProperty(k) on a non-null value.
func hasOwn(v any, k string) bool {
	switch x := v.(type) {
	case *Object:
		return x.Has(k)
	case *Array, string:
		return hasKey(x, k)
	}
	return false
}

// assignProperty is v[k] = val in sloppy-mode code (the RTS bundle runs
// Appsmith's modules so): null and undefined throw, a primitive ignores
// it; an array keeps an index and drops any other key (JSON.stringify
// would not show it).
func assignProperty(v any, k string, val any) {
	switch x := v.(type) {
	case *Object:
		x.Set(k, val)
	case *Array:
		lodashAssign(x, k, val)
	case nil, undefinedType:
		throwf("Cannot set properties of %s (setting '%s')", ToString(v), k)
	}
}
