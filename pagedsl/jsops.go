package pagedsl

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// JS operations the steps share, each with the throwing behaviour of the
// JS expression it stands for.

// isArray is Array.isArray.
func isArray(v any) bool {
	_, ok := v.(*Array)
	return ok
}

// objectValues is Object.values(v).
func objectValues(v any) []any {
	switch x := v.(type) {
	case *Object:
		vals := make([]any, 0, x.Len())
		for i := range x.keys {
			vals = append(vals, x.valAt(i))
		}
		return vals
	case *Array:
		return append([]any(nil), x.Items...)
	case string:
		keys := objectKeys(x)
		vals := make([]any, len(keys))
		for i := range keys {
			vals[i] = Substring(x, i, i+1)
		}
		return vals
	case nil, undefinedType:
		throwf("Cannot convert undefined or null to object")
	}
	return nil
}

// spreadInto is the `...v` part of an object literal: own enumerable
// properties of v are assigned to dst in order (strings spread their
// characters, other primitives nothing).
func spreadInto(dst *Object, v any) {
	switch x := v.(type) {
	case *Object:
		for i, k := range x.keys {
			dst.Set(k, x.shareAt(i))
		}
	case *Array:
		for i, it := range x.Items {
			dst.Set(strconv.Itoa(i), it)
		}
	case string:
		for i := range objectKeys(x) {
			dst.Set(strconv.Itoa(i), Substring(x, i, i+1))
		}
	}
}

// iterate is what `[...v]` and for-of accept: arrays give their items,
// strings their characters (code points); anything else throws
// "<what> is not iterable".
func iterate(v any, what string) []any {
	switch x := v.(type) {
	case *Array:
		return x.Items
	case string:
		var out []any
		for _, r := range x {
			out = append(out, string(r))
		}
		return out
	}
	throwf("%s is not iterable", what)
	return nil
}

// arrayMethod returns the items of v for a call like v.map(...), throwing
// as JS does when v is nullish or has no such method.
func arrayMethod(v any, what, method string) []any {
	switch x := v.(type) {
	case *Array:
		return x.Items
	case nil, undefinedType:
		throwf("Cannot read properties of %s (reading '%s')", ToString(v), method)
	}
	throwf("%s.%s is not a function", what, method)
	return nil
}

// jsIncludes is v.includes(x) for an array (SameValueZero) or a string;
// other values throw.
func jsIncludes(v any, x any, what string) bool {
	switch a := v.(type) {
	case *Array:
		for _, it := range a.Items {
			if StrictEq(it, x) {
				return true
			}
			if f, ok := it.(float64); ok && math.IsNaN(f) {
				if g, ok := x.(float64); ok && math.IsNaN(g) {
					return true
				}
			}
		}
		return false
	case string:
		return strings.Contains(a, ToString(x))
	}
	arrayMethod(v, what, "includes")
	return false
}

// jsonParse is JSON.parse(v): v is converted to a string first, and a
// syntax error throws.
func jsonParse(v any) any {
	out, err := decode([]byte(ToString(v)), true)
	if err != nil {
		throwPlain("SyntaxError: " + err.Error())
	}
	return out
}

// jsonStringify is JSON.stringify(v) for a value that is not undefined.
func jsonStringify(v any) string {
	return string(Encode(v))
}

// cloneDeep is lodash's cloneDeep on JSON values: shared objects stay
// shared in the copy.
func cloneDeep(v any) any {
	return cloneWith(v, map[any]any{})
}

func cloneWith(v any, seen map[any]any) any {
	switch x := v.(type) {
	case *Object:
		if c, ok := seen[x]; ok {
			return c
		}
		var c *Object
		if doc := x.doc; doc != nil && doc.slabs.arena != nil {
			// A copy of a page's widget is carved from the page's
			// blocks like Clone's, and keeps the link to the page (not
			// its spans: every value is copied) so that the children
			// arrays later traversals give it are carved too (step 9
			// deep-copies every widget of the oldest pages, which then
			// run some 80 more steps).
			s := &doc.slabs
			c = s.newObject()
			c.keys = s.takeStrings(x.keys, 0)
			c.vals = s.takeValues(nil, len(x.vals))[:len(x.vals)]
			c.nidx, c.doc = x.nidx, doc
			if len(x.idx) != 0 {
				c.idx = takeCopy(s, &s.ints, s.arena.ints(), kindInts, 16, x.idx, 0)
			}
		} else {
			c = &Object{keys: append([]string(nil), x.keys...), vals: make([]any, len(x.vals)), nidx: x.nidx}
		}
		seen[x] = c
		for i := range x.vals {
			c.vals[i] = cloneWith(x.valAt(i), seen)
		}
		return c
	case *Array:
		if c, ok := seen[x]; ok {
			return c
		}
		c := &Array{Items: make([]any, len(x.Items))}
		seen[x] = c
		for i, it := range x.Items {
			c.Items[i] = cloneWith(it, seen)
		}
		return c
	}
	return v
}

// orderedSet is a JS object used only for its keys, with the two merge
// orders Appsmith's path collection uses.
type orderedSet struct {
	keys []string
	has  map[string]bool
}

func newOrderedSet() *orderedSet { return &orderedSet{has: map[string]bool{}} }

// add is `{...set, [k]: v}`: a new key goes last, an existing one stays.
func (s *orderedSet) add(k string) {
	if !s.has[k] {
		s.has[k] = true
		s.keys = append(s.keys, k)
	}
}

// addAll is `{...set, ...other}`.
func (s *orderedSet) addAll(o *orderedSet) {
	for _, k := range o.keys {
		s.add(k)
	}
}

// prepender builds a set whose merges all put the new keys first
// (`set = {[k]: v, ...set}`, `set = {...other, ...set}`). It holds the
// keys in reverse, so that each merge appends: rebuilding the whole set
// for each key was quadratic in a table's columns times their controls.
type prepender struct {
	rev []string
	has map[string]bool
}

func newPrepender() *prepender { return &prepender{has: map[string]bool{}} }

// prepend is `set = {[k]: v, ...set}`: k goes first, even when present.
func (p *prepender) prepend(k string) {
	if p.has[k] {
		i := slices.Index(p.rev, k)
		p.rev = slices.Delete(p.rev, i, i+1)
	} else {
		p.has[k] = true
	}
	p.rev = append(p.rev, k)
}

// prependAll is `set = {...other, ...set}`: other's keys first, in
// other's order.
func (p *prepender) prependAll(o *orderedSet) {
	for i := len(o.keys) - 1; i >= 0; i-- {
		p.prepend(o.keys[i])
	}
}

// set is the keys in order.
func (p *prepender) set() *orderedSet {
	slices.Reverse(p.rev)
	return &orderedSet{keys: p.rev, has: p.has}
}

// isDynamicValue is Appsmith's DATA_BIND_REGEX test: "{{" followed
// somewhere by "}}".
func isDynamicValue(s string) bool {
	i := strings.Index(s, "{{")
	return i >= 0 && strings.Contains(s[i+2:], "}}")
}

// tryJS runs fn as a JS try block with an empty catch: a throw inside
// stops fn and reports true, and what fn changed before it stays changed.
// Panics that are not JS throws (bugs in the port) go on.
func tryJS(fn func()) (threw bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(*JSError); !ok {
				panic(r)
			}
			threw = true
		}
	}()
	fn()
	return false
}

// num is ToNumber for the arithmetic operators (-, *, /).
func num(v any) float64 { return ToNumber(v) }

// newObject builds an object literal from alternating keys and values.
func newObject(kv ...any) *Object {
	o := NewObject()
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}
