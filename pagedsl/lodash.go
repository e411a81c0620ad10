package pagedsl

import (
	"regexp"
	"strconv"

	"github.com/appsmith-rts/rts/internal/lodashpath"
)

// The lodash functions Appsmith's steps call (get, set, isEmpty), with
// the semantics they have on any JSON value, not only on the shapes the
// steps expect: odd pages then migrate (or stay unchanged) as they do
// there.

// isEmptyValue is lodash isEmpty: null, undefined, numbers and booleans
// are empty; arrays and strings when their length is 0; objects without
// own keys.
func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case *Object:
		return x.Len() == 0
	case *Array:
		return len(x.Items) == 0
	case string:
		return x == ""
	}
	return true
}

// lodashGet is lodash get(obj, path): the value at a dotted/bracketed
// path, or undefined when a step of the way is null or undefined.
func lodashGet(obj, path any) any {
	if isNullish(obj) {
		return Undefined
	}
	keys := castPath(path, obj)
	cur := obj
	i := 0
	for ; i < len(keys) && !isNullish(cur); i++ {
		cur = Prop(cur, keys[i])
	}
	if i == 0 || i != len(keys) {
		return Undefined
	}
	return cur
}

// lodashSet is lodash set(obj, path, value): missing or primitive
// intermediate values are replaced by a new array (when the next key is
// an index) or object. Properties an array cannot hold in this model (a
// non-index key) are dropped, as JSON.stringify would drop them.
func lodashSet(obj, path, value any) {
	if !isObj(obj) {
		return
	}
	keys := castPath(path, obj)
	nested := obj
	for i, k := range keys {
		if k == "__proto__" || k == "constructor" || k == "prototype" {
			return
		}
		nv := value
		if i != len(keys)-1 {
			cur := Prop(nested, k)
			switch {
			case isObj(cur):
				nv = cur
			case isLodashIndex(keys[i+1]):
				nv = &Array{}
			default:
				nv = NewObject()
			}
		}
		if !lodashAssign(nested, k, nv) {
			return
		}
		nested = nv
	}
}

// lodashAssign is nested[k] = v on an object or array; it reports false
// when the array cannot hold k.
func lodashAssign(nested any, k string, v any) bool {
	switch x := nested.(type) {
	case *Object:
		x.Set(k, v)
		return true
	case *Array:
		n, ok := arrayIndex(k)
		if !ok || n > uint64(MaxArrayGrowth) {
			return false
		}
		for uint64(len(x.Items)) <= n {
			x.Items = append(x.Items, Undefined)
		}
		x.Items[n] = v
		return true
	}
	return false
}

// MaxArrayGrowth bounds how far lodashSet extends an array for a large
// index in a path (JS would make a sparse array; a page asking for
// billions of holes is refused by leaving the array alone).
const MaxArrayGrowth = 1 << 16

var lodashUint = regexp.MustCompile(`^(?:0|[1-9]\d*)$`)

// isLodashIndex is lodash's isIndex for a path key.
func isLodashIndex(k string) bool {
	if !lodashUint.MatchString(k) {
		return false
	}
	n, err := strconv.ParseFloat(k, 64)
	return err == nil && n < 1<<53-1
}

// castPath is lodash castPath: an array is the path itself, a plain key
// (or one the object has literally) is one key, anything else is parsed
// by stringToPath.
func castPath(path, obj any) []string {
	switch p := path.(type) {
	case *Array:
		out := make([]string, len(p.Items))
		for i, it := range p.Items {
			out[i] = toKey(it)
		}
		return out
	case string:
		if !lodashpath.IsDeep(p) || hasKey(obj, p) {
			return []string{p}
		}
		return lodashpath.Split(p)
	case *Object:
		s := ToString(p)
		if !lodashpath.IsDeep(s) || hasKey(obj, s) {
			return []string{s}
		}
		return lodashpath.Split(s)
	}
	return []string{toKey(path)}
}

// toKey is lodash toKey: strings as they are, -0 as "-0", anything else
// through String().
func toKey(v any) string {
	if f, ok := v.(float64); ok && f == 0 && 1/f < 0 {
		return "-0"
	}
	return ToString(v)
}

// hasKey is `k in Object(obj)` for the key test of castPath.
func hasKey(obj any, k string) bool {
	switch x := obj.(type) {
	case *Object:
		return x.Has(k)
	case *Array:
		n, ok := arrayIndex(k)
		return k == "length" || (ok && n < uint64(len(x.Items)))
	case string:
		n, ok := arrayIndex(k)
		return k == "length" || (ok && n < uint64(StrLen(x)))
	}
	return false
}
