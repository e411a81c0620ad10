package pagedsl

import "unsafe"

// slabs are the decoder's bulk allocations: a decoded page is thousands
// of objects, arrays, key and value slices and strings, and allocating
// each on its own made the allocator and the collector most of the
// decoding time. Pieces are carved from larger blocks instead. A piece
// keeps its whole block alive, which costs nothing here: a page's values
// live and die together (the route drops the page once it is answered).
// Each carved slice has its capacity cut to its length, so a step that
// appends to it reallocates rather than writing over a neighbour.
type slabs struct {
	objs  []Object
	arrs  []Array
	strs  []string
	anys  []any
	bytes []byte
}

// Block sizes, in elements: a few kilobytes each, so that a small
// document wastes little and a large one needs few blocks.
const (
	slabObjects = 64
	slabArrays  = 128
	slabSlots   = 1024
	slabBytes   = 16 << 10
)

func (s *slabs) newObject() *Object {
	if len(s.objs) == 0 {
		s.objs = make([]Object, slabObjects)
	}
	o := &s.objs[0]
	s.objs = s.objs[1:]
	return o
}

func (s *slabs) newArray(items []any) *Array {
	if len(s.arrs) == 0 {
		s.arrs = make([]Array, slabArrays)
	}
	a := &s.arrs[0]
	s.arrs = s.arrs[1:]
	a.Items = items
	return a
}

// takeStrings returns a copy of keys with room for extra more.
func (s *slabs) takeStrings(keys []string, extra int) []string {
	n := len(keys)
	c := n + extra
	if c > slabSlots/4 {
		return append(make([]string, 0, c), keys...)
	}
	if len(s.strs) < c {
		s.strs = make([]string, slabSlots)
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
		s.anys = make([]any, slabSlots)
	}
	out := s.anys[:n:c]
	s.anys = s.anys[c:]
	copy(out, vals)
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
		s.bytes = make([]byte, slabBytes)
	}
	out := s.bytes[:n:n]
	s.bytes = s.bytes[n:]
	copy(out, b)
	return unsafe.String(&out[0], n)
}

// boxString returns s in an interface.
func (s *slabs) boxString(str string) any { return str }
