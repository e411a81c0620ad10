package pagedsl

import (
	"math"
)

// undefinedType is the type of Undefined; a struct so that it compares
// equal to itself inside an interface.
type undefinedType struct{}

// Undefined is JavaScript's undefined: what Get answers for an absent
// property, and a value a step may store to make a key vanish from the
// encoded JSON as JSON.stringify does.
var Undefined any = undefinedType{}

func (undefinedType) String() string { return "undefined" }

// Array is a JS array. A pointer so that aliasing and in-place mutation
// behave as in JS.
type Array struct{ Items []any }

// NewArray returns an array holding items.
func NewArray(items ...any) *Array { return &Array{Items: items} }

// Object is a JS plain object: keys in the order JS enumerates them
// (array-index keys first, ascending, then the others in insertion order).
type Object struct {
	keys []string
	vals []any
	nidx int            // how many leading keys are array indexes
	idx  map[string]int // key -> position, kept only for larger objects
}

// indexThreshold is the size from which an Object keeps a key map; below
// it a linear scan is faster than hashing.
const indexThreshold = 12

// NewObject returns an empty object.
func NewObject() *Object { return &Object{} }

func (o *Object) find(k string) int {
	if o.idx == nil && len(o.keys) >= indexThreshold {
		// Built on the first lookup: most decoded objects are never
		// searched by key.
		o.reindex()
	}
	if o.idx != nil {
		if i, ok := o.idx[k]; ok {
			return i
		}
		return -1
	}
	for i, kk := range o.keys {
		if kk == k {
			return i
		}
	}
	return -1
}

func (o *Object) reindex() {
	if len(o.keys) < indexThreshold {
		o.idx = nil
		return
	}
	if o.idx == nil {
		o.idx = make(map[string]int, len(o.keys))
	} else {
		clear(o.idx)
	}
	for i, k := range o.keys {
		o.idx[k] = i
	}
}

// Get returns the value of own property k, or Undefined when absent.
func (o *Object) Get(k string) any {
	if i := o.find(k); i >= 0 {
		return o.vals[i]
	}
	return Undefined
}

// Has reports whether k is an own property (even one holding Undefined),
// as `k in o` does for a plain object.
func (o *Object) Has(k string) bool { return o.find(k) >= 0 }

// Set assigns o[k] = v: an existing key keeps its position, a new key is
// placed where JS would enumerate it.
func (o *Object) Set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		return
	}
	n, isIndex := arrayIndex(k)
	if !isIndex {
		o.keys = append(o.keys, k)
		o.vals = append(o.vals, v)
		if o.idx != nil {
			o.idx[k] = len(o.keys) - 1
		}
		return
	}
	// Index keys usually arrive in ascending order: search from the end
	// of the index keys.
	pos := o.nidx
	for pos > 0 {
		m, _ := arrayIndex(o.keys[pos-1])
		if m < n {
			break
		}
		pos--
	}
	o.keys = append(o.keys, "")
	o.vals = append(o.vals, nil)
	copy(o.keys[pos+1:], o.keys[pos:])
	copy(o.vals[pos+1:], o.vals[pos:])
	o.keys[pos], o.vals[pos] = k, v
	o.nidx++
	if o.idx != nil {
		for i := pos; i < len(o.keys); i++ {
			o.idx[o.keys[i]] = i
		}
	}
}

// Delete removes own property k (delete o[k]).
func (o *Object) Delete(k string) {
	i := o.find(k)
	if i < 0 {
		return
	}
	if i < o.nidx {
		o.nidx--
	}
	o.keys = append(o.keys[:i], o.keys[i+1:]...)
	o.vals = append(o.vals[:i], o.vals[i+1:]...)
	o.idx = nil // rebuilt on the next lookup
}

// Keys returns the own keys in JS enumeration order (Object.keys, but
// including keys that hold Undefined). The slice must not be modified.
func (o *Object) Keys() []string { return o.keys }

// Len is the number of own keys.
func (o *Object) Len() int { return len(o.keys) }

// Clone is a shallow copy, like {...o}.
func (o *Object) Clone() *Object {
	return &Object{
		keys: append([]string(nil), o.keys...),
		vals: append([]any(nil), o.vals...),
		nidx: o.nidx,
	}
}

// arrayIndex reports whether k is a canonical array index ("0".."4294967294")
// and its value; JS enumerates such keys first, in ascending order.
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n < math.MaxUint32
}

