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

// newArrayLen returns an array of n items, all nil. Small arrays (most
// children arrays, which traversals replace on every step) are one
// allocation holding both the header and the items; the items' capacity
// is their length, so appending moves them out as for any slice.
func newArrayLen(n int) *Array {
	switch {
	case n == 0:
		return &Array{}
	case n == 1:
		p := &struct {
			a  Array
			it [1]any
		}{}
		p.a.Items = p.it[:]
		return &p.a
	case n == 2:
		p := &struct {
			a  Array
			it [2]any
		}{}
		p.a.Items = p.it[:]
		return &p.a
	case n <= 4:
		p := &struct {
			a  Array
			it [4]any
		}{}
		p.a.Items = p.it[:n:n]
		return &p.a
	case n <= 8:
		p := &struct {
			a  Array
			it [8]any
		}{}
		p.a.Items = p.it[:n:n]
		return &p.a
	}
	return &Array{Items: make([]any, n)}
}

// Object is a JS plain object: keys in the order JS enumerates them
// (array-index keys first, ascending, then the others in insertion order).
type Object struct {
	keys []string
	vals []any
	nidx int // how many leading keys are array indexes
	// idx is an open-addressing table of key positions (position+1, 0
	// for an empty slot; its length a power of two at least 1.5 times
	// the key count), kept only for larger objects and built on the first
	// lookup; empty when not built or out of date. A plain slice rather than a map: widgets have dozens of
	// keys, are read a few times each, and a Go map costs more to build
	// than all those lookups.
	idx []int32
	// doc and spans: where each property was in the text the object was
	// lazily decoded from (lazy.go), for the properties still holding
	// the value read there (spans may be shorter than keys: properties
	// added since have none). Encoding copies those properties' text.
	doc   *document
	spans []mspan
}

// indexThreshold is the size from which an Object keeps a key table;
// below it a linear scan is faster than hashing.
const indexThreshold = 12

// NewObject returns an empty object.
func NewObject() *Object { return &Object{} }

// hashKey is the hash of the key tables (hashString, which the decoder
// also computes while reading a key).
func hashKey(k string) uint32 { return hashString(k) }

// Hashes of the keys every traversal looks up in every widget.
var (
	hashType     = hashString("type")
	hashChildren = hashString("children")
)

// lookupHash is hashKey for a lookup: the two keys read most are
// compared (a length and one load each) rather than hashed.
func lookupHash(k string) uint32 {
	switch k {
	case "type":
		return hashType
	case "children":
		return hashChildren
	}
	return hashString(k)
}

func (o *Object) find(k string) int {
	if len(o.idx) == 0 {
		if len(o.keys) < indexThreshold {
			for i, kk := range o.keys {
				if sameString(kk, k) {
					return i
				}
			}
			return -1
		}
		o.reindex()
	}
	mask := uint32(len(o.idx) - 1)
	for h := lookupHash(k) & mask; ; h = (h + 1) & mask {
		p := o.idx[h]
		if p == 0 {
			return -1
		}
		if sameString(o.keys[p-1], k) {
			return int(p - 1)
		}
	}
}

// reindex builds the key table; it reports false when two keys are equal
// (only the decoder, before it has applied JS's rules, can have those).
func (o *Object) reindex() bool { return o.reindexHashed(nil) }

// reindexHashed is reindex with the keys' hashes already computed
// (hashes[i] of keys[i]), or nil.
func (o *Object) reindexHashed(hashes []uint32) bool {
	if len(o.keys) < indexThreshold {
		o.idx = nil
		return true
	}
	size := tableSize(len(o.keys))
	if cap(o.idx) >= size {
		o.idx = o.idx[:size]
		clear(o.idx)
	} else {
		o.idx = make([]int32, size)
	}
	mask := uint32(size - 1)
	for i, k := range o.keys {
		var h uint32
		if hashes != nil {
			h = hashes[i] & mask
		} else {
			h = hashKey(k) & mask
		}
		for o.idx[h] != 0 {
			if o.keys[o.idx[h]-1] == k {
				o.idx = nil
				return false
			}
			h = (h + 1) & mask
		}
		o.idx[h] = int32(i + 1)
	}
	return true
}

// tableSize is the length of the key table of n keys: a power of two,
// at least 16 and 1.5 n.
func tableSize(n int) int {
	size := 16
	for size < n+n/2 {
		size <<= 1
	}
	return size
}

// indexAppended records the key just appended at the end of keys.
func (o *Object) indexAppended() {
	n := len(o.keys)
	if n+n/2 > len(o.idx) {
		o.reindex()
		return
	}
	mask := uint32(len(o.idx) - 1)
	h := hashKey(o.keys[n-1]) & mask
	for o.idx[h] != 0 {
		h = (h + 1) & mask
	}
	o.idx[h] = int32(n)
}

// Get returns the value of own property k, or Undefined when absent.
func (o *Object) Get(k string) any {
	if i := o.find(k); i >= 0 {
		return o.valAt(i)
	}
	return Undefined
}

// valAt is the i-th value, decoded if it was deferred.
func (o *Object) valAt(i int) any {
	switch l := o.vals[i].(type) {
	case *lazyVal:
		v := l.value()
		o.vals[i] = v
		return v
	case rawScalar:
		sp := o.spans[i]
		v := quickScalar(o.doc.data[sp.vs:sp.ve])
		if v == nil {
			v = o.doc.scalarAt(sp)
		}
		o.vals[i] = v
		return v
	}
	return o.vals[i]
}

// shareAt is the i-th value as a copy of the object may hold it: a
// deferred scalar is decoded (its span is this object's), a deferred
// container stays shared.
func (o *Object) shareAt(i int) any {
	if _, ok := o.vals[i].(rawScalar); ok {
		return o.valAt(i)
	}
	return o.vals[i]
}

// dropSpans forgets where the properties were in the text (their
// positions are about to change), decoding the deferred scalars that
// needed them.
func (o *Object) dropSpans() {
	for i := range o.spans {
		if _, ok := o.vals[i].(rawScalar); ok {
			o.valAt(i)
		}
	}
	o.spans = nil
}

// rawText returns the text of property k while its value is still the
// document's (a string or number not read yet, or a container not read
// yet), and which of the two it is, so that a step can look for a
// substring without decoding the value. Such text is canonical: a string
// in it is escaped only where JSON.stringify escapes (quotes, backslashes,
// control characters), so a substring without those is in the text
// exactly when it is in the decoded strings.
func (o *Object) rawText(k string) (text []byte, container, ok bool) {
	i := o.find(k)
	if i < 0 {
		return nil, false, false
	}
	switch l := o.vals[i].(type) {
	case rawScalar:
		sp := o.spans[i]
		return o.doc.data[sp.vs:sp.ve], false, true
	case *lazyVal:
		if l.v == nil {
			return l.doc.data[l.start:l.end], true, true
		}
	}
	return nil, false, false
}

// Has reports whether k is an own property (even one holding Undefined),
// as `k in o` does for a plain object.
func (o *Object) Has(k string) bool { return o.find(k) >= 0 }

// Set assigns o[k] = v: an existing key keeps its position, a new key is
// placed where JS would enumerate it.
func (o *Object) Set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		if i < len(o.spans) {
			o.spans[i].ks = -1
		}
		return
	}
	n, isIndex := arrayIndex(k)
	if !isIndex {
		o.keys = append(o.keys, k)
		o.vals = append(o.vals, v)
		if len(o.idx) != 0 {
			o.indexAppended()
		}
		return
	}
	o.dropSpans()
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
	o.idx = o.idx[:0] // positions moved: rebuilt on the next lookup
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
	if i < len(o.spans) {
		o.spans = append(o.spans[:i], o.spans[i+1:]...)
	}
	o.keys = append(o.keys[:i], o.keys[i+1:]...)
	o.vals = append(o.vals[:i], o.vals[i+1:]...)
	o.idx = o.idx[:0] // rebuilt on the next lookup
}

// Keys returns the own keys in JS enumeration order (Object.keys, but
// including keys that hold Undefined). The slice must not be modified.
func (o *Object) Keys() []string { return o.keys }

// Len is the number of own keys.
func (o *Object) Len() int { return len(o.keys) }

// cloneRoom is how many keys a clone has room for beyond its own: a
// spread copy is usually given a few more properties at once.
const cloneRoom = 4

// Clone is a shallow copy, like {...o}. The key table is copied too
// (the keys keep their positions), saving the copy's first lookup from
// rehashing every key.
//
// A clone of a page's object is carved from the page's blocks (and
// recycled with it): migrations clone most widgets, sometimes more than
// once, and these copies were the largest part of what a migration
// allocated.
func (o *Object) Clone() *Object {
	if o.doc != nil && o.doc.slabs.arena != nil {
		s := &o.doc.slabs
		c := s.newObject()
		c.keys = s.takeStrings(o.keys, cloneRoom)
		c.vals = s.takeValues(o.vals, cloneRoom)
		c.nidx, c.doc = o.nidx, o.doc
		if o.spans != nil {
			c.spans = s.takeSpans(o.spans, 0)
		}
		if len(o.idx) != 0 {
			c.idx = takeCopy(s, &s.ints, s.arena.ints(), kindInts, 16, o.idx, 0)
		}
		return c
	}
	n := len(o.keys)
	c := &Object{
		keys: append(make([]string, 0, n+cloneRoom), o.keys...),
		vals: append(make([]any, 0, n+cloneRoom), o.vals...),
		nidx: o.nidx,
	}
	if o.spans != nil {
		c.doc, c.spans = o.doc, append([]mspan(nil), o.spans...)
	}
	if len(o.idx) != 0 {
		c.idx = append([]int32(nil), o.idx...)
	}
	return c
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
