package pagedsl

import (
	"sync"
	"unsafe"
)

// Recycling a page's memory. The route decodes a page, migrates it,
// encodes the answer and drops the page: the largest page of the corpus
// is 2.6 MB of blocks, so without reuse every large request made the
// collector run and the kernel supply (and, after the scavenger gave it
// back, fault in again) that much fresh memory. An arena records the
// blocks one lazily decoded page is carved from; Recycle clears them and
// pools them for the next page.

// blocks are the blocks of one kind: those the page uses, and free ones
// from recycled pages.
type blocks[T any] struct{ used, free [][]T }

// arena is the blocks of one page, of every kind, and the page's tape.
type arena struct {
	objs_   blocks[Object]
	arrs_   blocks[Array]
	strs_   blocks[string]
	anys_   blocks[any]
	ints_   blocks[int32]
	bytes_  blocks[byte]
	lazies_ blocks[lazyVal]
	spans_  blocks[mspan]
	tape    []tapeEntry
	// size is the bytes of all the blocks, used and free.
	size int
}

// maxArenaBytes bounds what a pooled arena keeps: a page larger than
// the corpus's largest (2.6 MB of blocks) is not worth keeping memory
// for.
const maxArenaBytes = 8 << 20

var arenaPool sync.Pool // *arena

// newArena returns a pooled arena, or a new one.
func newArena() *arena {
	if a, ok := arenaPool.Get().(*arena); ok {
		return a
	}
	return &arena{}
}

// The lists of each kind; nil for a nil arena (blocks are then made).
func (a *arena) objs() *blocks[Object] {
	if a == nil {
		return nil
	}
	return &a.objs_
}

func (a *arena) arrs() *blocks[Array] {
	if a == nil {
		return nil
	}
	return &a.arrs_
}

func (a *arena) strs() *blocks[string] {
	if a == nil {
		return nil
	}
	return &a.strs_
}

func (a *arena) anys() *blocks[any] {
	if a == nil {
		return nil
	}
	return &a.anys_
}

func (a *arena) ints() *blocks[int32] {
	if a == nil {
		return nil
	}
	return &a.ints_
}

func (a *arena) bytes() *blocks[byte] {
	if a == nil {
		return nil
	}
	return &a.bytes_
}

func (a *arena) lazies() *blocks[lazyVal] {
	if a == nil {
		return nil
	}
	return &a.lazies_
}

func (a *arena) spans() *blocks[mspan] {
	if a == nil {
		return nil
	}
	return &a.spans_
}

// newBlock returns a block of at least n elements, all zero: a free one
// of l (the first large enough, whole) or a new one, recorded in l.
func newBlock[T any](l *blocks[T], n int) []T {
	if l == nil {
		return make([]T, n)
	}
	for i := len(l.free) - 1; i >= 0; i-- {
		if b := l.free[i]; cap(b) >= n {
			last := len(l.free) - 1
			l.free[i] = l.free[last]
			l.free[last] = nil
			l.free = l.free[:last]
			l.used = append(l.used, b)
			return b
		}
	}
	b := make([]T, n)
	l.used = append(l.used, b)
	return b
}

// recycle moves the used blocks to the free ones, cleared when zeroed
// ones are needed (clearUsed; the kinds whose pieces are always written
// before they are read, and hold no pointers, need not be). rest is what
// the page left uncarved of its last block: pieces are carved from the
// front, so only the part before it needs clearing (a small page given
// a large recycled block used little of it). It returns the bytes of all
// the blocks.
func (l *blocks[T]) recycle(clearUsed bool, rest []T) int {
	var zero T
	for i, b := range l.used {
		b = b[:cap(b)]
		if clearUsed {
			used := b
			if i == len(l.used)-1 && len(rest) > 0 && &b[len(b)-len(rest)] == &rest[0] {
				used = b[:len(b)-len(rest)]
			}
			clear(used)
		}
		l.free = append(l.free, b)
		l.used[i] = nil
	}
	l.used = l.used[:0]
	n := 0
	for _, b := range l.free {
		n += cap(b)
	}
	return n * int(unsafe.Sizeof(zero))
}

// recycle readies a for another page; s are the page's slabs.
func (a *arena) recycle(s *slabs) {
	// Objects, arrays and lazy values are carved assuming zero memory;
	// keys and values are copied into their pieces, but the room left
	// after them must not keep the page's values reachable.
	a.size = a.objs_.recycle(true, s.objs) + a.arrs_.recycle(true, s.arrs) +
		a.strs_.recycle(true, s.strs) + a.anys_.recycle(true, s.anys) +
		a.lazies_.recycle(true, s.lazies) +
		// Key tables are cleared when built, spans and string bytes
		// copied in: no pointers, nothing to clear.
		a.ints_.recycle(false, nil) + a.bytes_.recycle(false, nil) + a.spans_.recycle(false, nil) +
		cap(a.tape)*int(unsafe.Sizeof(tapeEntry{}))
}

// Recycle gives the memory of page v, as Decode or DecodeShared returned
// it, to the next page decoded. Neither v nor anything read from it
// (Migrate's result included: it is v, changed) may be used afterwards;
// strings read from it included. A value not lazily decoded, or already
// recycled, is left to the collector.
func Recycle(v any) {
	o, ok := v.(*Object)
	if !ok || o.doc == nil || o.doc.slabs.arena == nil {
		return
	}
	doc := o.doc
	a := doc.slabs.arena
	a.tape = doc.tape[:0]
	a.recycle(&doc.slabs)
	// Deferred values read from now on (there must be none) would be
	// decoded into new memory.
	doc.slabs, doc.tape = slabs{}, nil
	if a.size <= maxArenaBytes {
		arenaPool.Put(a)
	}
}
