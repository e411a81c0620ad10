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
// every cycle, unless the page is recycled (Recycle): its blocks are
// then cleared and kept for the next page, which saves the collector and
// the kernel from supplying fresh memory for every page. Each carved slice has its capacity cut to its length
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
	// arena records the blocks made, for Recycle, and supplies blocks
	// of recycled pages; nil: blocks are made and left to the collector.
	arena *arena
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
		s.objs = newBlock(s.arena.objs(), s.block(kindObjs, 256, 512))
	}
	o := &s.objs[0]
	s.objs = s.objs[1:]
	return o
}

func (s *slabs) newArray(items []any) *Array {
	if len(s.arrs) == 0 {
		s.arrs = newBlock(s.arena.arrs(), s.block(kindArrs, 512, 1024))
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

// takeCopy returns a copy of items with room for extra more, cut from
// the block *blk of kind (a new one, of about one element per per bytes
// of the document, when it is short); more than a quarter of slabSlots
// gets a slice of its own.
func takeCopy[T any](s *slabs, blk *[]T, list *blocks[T], kind, per int, items []T, extra int) []T {
	n := len(items)
	c := n + extra
	if c > slabSlots/4 {
		return append(make([]T, 0, c), items...)
	}
	if len(*blk) < c {
		*blk = newBlock(list, max(c, s.block(kind, per, slabSlots)))
	}
	out := (*blk)[:n:c]
	*blk = (*blk)[c:]
	copy(out, items)
	return out
}

// takeStrings returns a copy of keys with room for extra more.
func (s *slabs) takeStrings(keys []string, extra int) []string {
	return takeCopy(s, &s.strs, s.arena.strs(), kindStrs, 32, keys, extra)
}

// takeValues returns a copy of vals with room for extra more (nil when
// both are 0).
func (s *slabs) takeValues(vals []any, extra int) []any {
	if len(vals)+extra == 0 {
		return nil
	}
	return takeCopy(s, &s.anys, s.arena.anys(), kindAnys, 24, vals, extra)
}

// takeTable returns an empty key table with room for n slots.
func (s *slabs) takeTable(n int) []int32 {
	return takeCopy(s, &s.ints, s.arena.ints(), kindInts, 16, nil, n)
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
		s.bytes = newBlock(s.arena.bytes(), max(n, s.block(kindBytes, 8, slabBytes)))
	}
	out := s.bytes[:n:n]
	s.bytes = s.bytes[n:]
	copy(out, b)
	return unsafe.String(&out[0], n)
}

// boxString returns s in an interface.
func (s *slabs) boxString(str string) any { return str }
