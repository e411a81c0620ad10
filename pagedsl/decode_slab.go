package pagedsl

import "unsafe"

// slabs are the decoder's bulk allocations: a decoded page is thousands
// of objects, arrays, key and value slices and strings, and allocating
// each on its own made the allocator and the collector most of the
// decoding time. Pieces are carved from larger blocks instead. A piece
// keeps its whole block alive, which costs nothing here: a page's values
// live and die together (the route drops the page once it is answered).
// The blocks belong to one document: a decoder drops them when it is
// released, since a block kept for the next document would keep the
// whole previous page reachable, and the collector would mark it on
// every cycle. Each carved slice has its capacity cut to its length
// (plus any room asked for), so a step that appends to it reallocates
// rather than writing over a neighbour.
type slabs struct {
	objs   []Object
	arrs   []Array
	strs   []string
	anys   []any
	bytes  []byte
	ints   []int32
	lazies []lazyVal
	spans  []mspan
	// size is the length of the document being decoded: blocks are sized
	// from it, so that a small page allocates little.
	size int
	// grown is the size of the next block of each kind: blocks start
	// small and double, since a lazy decoding (lazy.go) builds far fewer
	// values than the document's size suggests.
	grown [slabKinds]int
}

// Kinds of blocks.
const (
	kindObjs = iota
	kindArrs
	kindStrs
	kindAnys
	kindInts
	kindBytes
	kindLazies
	kindSpans
	slabKinds
)

// block is the number of elements of a new block of a kind when a
// document holds about one for every per bytes: a quarter of that (at
// least 16, at most max), so that the unused end of a document's last
// block is small; and at most twice the kind's previous block.
func (s *slabs) block(kind, per, max int) int {
	n := min(max, 16+s.size/(4*per), 16+s.grown[kind])
	s.grown[kind] = 2 * n
	return n
}

func (s *slabs) newObject() *Object {
	if len(s.objs) == 0 {
		// Page DSLs hold about one object per 260 bytes.
		s.objs = make([]Object, s.block(kindObjs, 256, 512))
	}
	o := &s.objs[0]
	s.objs = s.objs[1:]
	return o
}

func (s *slabs) newArray(items []any) *Array {
	if len(s.arrs) == 0 {
		s.arrs = make([]Array, s.block(kindArrs, 512, 1024))
	}
	a := &s.arrs[0]
	s.arrs = s.arrs[1:]
	a.Items = items
	return a
}

// Blocks of keys, values and string bytes hold at most slabSlots or
// slabBytes; a request for more than a quarter of that gets its own.
const (
	slabSlots = 4096
	slabBytes = 64 << 10
)

// takeStrings returns a copy of keys with room for extra more.
func (s *slabs) takeStrings(keys []string, extra int) []string {
	n := len(keys)
	c := n + extra
	if c > slabSlots/4 {
		return append(make([]string, 0, c), keys...)
	}
	if len(s.strs) < c {
		s.strs = make([]string, max(c, s.block(kindStrs, 32, slabSlots)))
	}
	out := s.strs[:n:c]
	s.strs = s.strs[c:]
	copy(out, keys)
	return out
}

// takeValues returns a copy of vals with room for extra more (nil when
// both are 0).
func (s *slabs) takeValues(vals []any, extra int) []any {
	n := len(vals)
	c := n + extra
	if c == 0 {
		return nil
	}
	if c > slabSlots/4 {
		return append(make([]any, 0, c), vals...)
	}
	if len(s.anys) < c {
		s.anys = make([]any, max(c, s.block(kindAnys, 24, slabSlots)))
	}
	out := s.anys[:n:c]
	s.anys = s.anys[c:]
	copy(out, vals)
	return out
}

// takeTable returns an empty key table with room for n slots.
func (s *slabs) takeTable(n int) []int32 {
	if n > slabSlots/4 {
		return make([]int32, 0, n)
	}
	if len(s.ints) < n {
		s.ints = make([]int32, max(n, s.block(kindInts, 16, slabSlots)))
	}
	out := s.ints[:0:n]
	s.ints = s.ints[n:]
	return out
}

// text returns b as a string. The bytes are copied into a block that is
// never written again, so the string may point into it.
func (s *slabs) text(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > slabBytes/4 {
		return string(b)
	}
	if len(s.bytes) < n {
		s.bytes = make([]byte, max(n, s.block(kindBytes, 8, slabBytes)))
	}
	out := s.bytes[:n:n]
	s.bytes = s.bytes[n:]
	copy(out, b)
	return unsafe.String(&out[0], n)
}

// boxString returns s in an interface.
func (s *slabs) boxString(str string) any { return str }
