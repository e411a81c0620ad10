package analysis

import (
	"container/list"
	"slices"
	"strings"
	"sync"

	"github.com/dop251/goja/ast"
)

// DefaultScanCacheBytes is the size of a ScanCache made with no size.
const DefaultScanCacheBytes = 64 << 20

// ScanCache keeps the scans of recent texts, indexed by name, so that a
// text is parsed once while it stays unchanged. JS object bodies are the
// costly part of renames: Appsmith's backend sends every JS object of a
// page, whole, with every entity-refactor of a rename, and the same bodies
// again with the next rename. Binding snippets recur across an app (copied
// widgets and pages: the largest shared app has 12,322 snippets, 2,474
// distinct).
//
// Whoever serves renames holds one (the HTTP handler, the store); it is safe
// for concurrent use. A nil *ScanCache keeps nothing: every scan parses.
type ScanCache struct {
	scripts, jsObjects scanLRU
}

// NewScanCache returns a cache of about limit bytes, half for binding
// scripts and half for JS object bodies; limit <= 0 means
// DefaultScanCacheBytes.
func NewScanCache(limit int) *ScanCache {
	if limit <= 0 {
		limit = DefaultScanCacheBytes
	}
	c := &ScanCache{}
	c.scripts.init(limit / 2)
	c.jsObjects.init(limit / 2)
	return c
}

// ScanScript is the package's ScanScript, answered from the cache when no
// capture is possible (newRoot is "" or absent from the text). The scan's
// slices are the caller's.
func (c *ScanCache) ScanScript(script, root, newRoot string) (Scan, error) {
	// A capture needs a declaration of newRoot, which needs its text.
	if c == nil || newRoot != "" && strings.Contains(script, newRoot) {
		return freshScript(script, root, newRoot)
	}
	return c.scripts.scan(script, root, indexScript)
}

// ScanJSObject is the package's ScanJSObject, answered from the cache when
// no capture is possible. The scan's slices are the caller's.
func (c *ScanCache) ScanJSObject(body, root, newRoot string) (Scan, error) {
	if c == nil || newRoot != "" && strings.Contains(body, newRoot) {
		return freshJSObject(body, root, newRoot)
	}
	return c.jsObjects.scan(body, root, indexJSObject)
}

// scanIndex is every reference-position identifier of a body, by name, and
// every string argument naming something, by the string, packed: a cached
// index is mostly offsets, so that the cache holds little more than its
// texts. (The index of Go values it replaced, maps of []Occurrence whose
// names were substrings of the parser's wrapped copy of the text, kept
// about 3.5 bytes for every byte of text; a rename of a JS object body of
// the shared apps' corpus keeps 0.7 now.) Occurrences for one name are
// built when asked for, so callers own them.
type scanIndex struct {
	body string
	err  error
	// strs holds every name, key, property and function name the index
	// refers to, each once: a strRef is a place in it.
	strs  string
	names []nameRun   // sorted by name
	occs  []packedOcc // grouped by name, in text order within a name
	props []packedProp
	args  []packedArg // sorted by value, in text order within a value
	size  int
}

// strRef is the string strs[off:off+n] of its index.
type strRef struct{ off, n uint32 }

func (ix *scanIndex) str(r strRef) string { return ix.strs[r.off : r.off+r.n] }

// nameRun is the occurrences occs[from:to] of one name.
type nameRun struct {
	name     strRef
	from, to int32
}

type packedOcc struct {
	start, end, keyStart int32
	key                  strRef // the key of {key: name}; n == 0 when none
	propFrom, propTo     int32
	free, shorthand      bool
}

type packedProp struct {
	name       strRef
	start, end int32
	optional   bool
}

type packedArg struct {
	value, fn  strRef
	start, end int32
}

// Bytes per packed element, for the cache's size (amd64; the limit is an
// estimate either way).
const (
	nameRunBytes    = 16
	packedOccBytes  = 32
	packedPropBytes = 20
	packedArgBytes  = 24
	scanIndexBytes  = 256 // the index itself, its LRU element and map entry
)

// scanLRU is a byte-bounded LRU of scan indexes. Its lock is held only for
// map and list operations, never while parsing.
type scanLRU struct {
	mu      sync.Mutex
	limit   int
	size    int
	entries map[string]*list.Element // body → element holding *scanIndex
	order   list.List                // front: most recently used
}

func (c *scanLRU) init(limit int) {
	c.limit = limit
	c.entries = map[string]*list.Element{}
}

// scan answers a scan from the cache (index builds the entry on a miss).
func (c *scanLRU) scan(text, root string, index func(string) *scanIndex) (Scan, error) {
	ix := c.get(text)
	if ix == nil {
		ix = index(text)
		c.put(ix)
	}
	if ix.err != nil {
		return Scan{}, ix.err
	}
	return ix.scan(text, root), nil
}

func (c *scanLRU) get(body string) *scanIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[body]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*scanIndex)
	}
	return nil
}

func (c *scanLRU) put(ix *scanIndex) {
	if ix.size > c.limit/4 {
		return // one huge body must not flush everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[ix.body]; ok {
		return
	}
	c.entries[ix.body] = c.order.PushFront(ix)
	c.size += ix.size
	for c.size > c.limit {
		old := c.order.Back()
		c.order.Remove(old)
		gone := old.Value.(*scanIndex)
		delete(c.entries, gone.body)
		c.size -= gone.size
	}
}

// indexJSObject scans a body for every name at once.
func indexJSObject(body string) *scanIndex {
	ix := &scanIndex{body: body}
	src, prog, err := parseJSObjectBody(body)
	if err != nil {
		ix.err = err
	} else if !ix.fill(src, prog, 0) {
		ix.err = ErrSyntax
	}
	ix.size = ix.bytes()
	return ix
}

// indexScript scans a binding script (wrapped as Appsmith wraps it) for
// every name at once; offsets are into script.
func indexScript(script string) *scanIndex {
	ix := &scanIndex{body: script}
	src := wrapPrefix + script + wrapSuffix
	if prog, err := parseProgram(src); err != nil {
		ix.err = err
	} else if !ix.fill(src, prog, len(wrapPrefix)) {
		ix.err = ErrSyntax
	}
	ix.size = ix.bytes()
	return ix
}

// bytes is what the index keeps, its text included.
func (ix *scanIndex) bytes() int {
	return scanIndexBytes + len(ix.body) + len(ix.strs) + nameRunBytes*len(ix.names) +
		packedOccBytes*len(ix.occs) + packedPropBytes*len(ix.props) + packedArgBytes*len(ix.args)
}

// fill packs the walk's occurrences; shift is subtracted from offsets (the
// wrapper's length for scripts). Every string it keeps is copied into
// ix.strs, so the index holds nothing of the parse.
func (ix *scanIndex) fill(src string, prog *ast.Program, shift int) bool {
	w := newWalker(src)
	defer w.free()
	w.chains = true
	w.program(prog)
	if w.failed {
		return false
	}
	var strs []byte
	refs := map[string]strRef{}
	ref := func(s string) strRef {
		r, ok := refs[s]
		if !ok {
			r = strRef{uint32(len(strs)), uint32(len(s))}
			strs = append(strs, s...)
			refs[s] = r
		}
		return r
	}
	// Occurrences grouped by name: a stable sort of their indexes keeps
	// text order within a name.
	order := make([]int32, len(w.occs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(w.occs[a].name, w.occs[b].name) })
	ix.occs = make([]packedOcc, 0, len(w.occs))
	nProps := 0
	for i := range w.occs {
		nProps += int(w.occs[i].chainTo - w.occs[i].chainFrom)
	}
	ix.props = make([]packedProp, 0, nProps)
	for k, i := range order {
		oc := &w.occs[i]
		if k == 0 || w.occs[order[k-1]].name != oc.name {
			ix.names = append(ix.names, nameRun{name: ref(oc.name), from: int32(len(ix.occs))})
		}
		o := packedOcc{start: oc.start - int32(shift), end: oc.end - int32(shift), free: !w.bound(oc.name, oc.scope), shorthand: oc.shorthand, propFrom: int32(len(ix.props))}
		if oc.keyName != "" && !oc.keyQuoted {
			o.key, o.keyStart = ref(oc.keyName), oc.keyStart-int32(shift)
		}
		for _, p := range w.props[oc.chainFrom:oc.chainTo] {
			ix.props = append(ix.props, packedProp{name: ref(p.name), start: p.start - int32(shift), end: p.end - int32(shift), optional: p.optional})
		}
		o.propTo = int32(len(ix.props))
		ix.occs = append(ix.occs, o)
		ix.names[len(ix.names)-1].to = int32(len(ix.occs))
	}
	for _, a := range w.strs {
		if !w.bound(a.fn, a.scope) {
			ix.args = append(ix.args, packedArg{value: ref(a.value), fn: ref(a.fn), start: a.start - int32(shift), end: a.end - int32(shift)})
		}
	}
	ix.strs = string(strs)
	slices.SortStableFunc(ix.args, func(a, b packedArg) int { return strings.Compare(ix.str(a.value), ix.str(b.value)) })
	ix.names = slices.Clip(ix.names)
	return true
}

// scan is the Scan of root from the index: the occurrences and string
// arguments of root, in text order, built afresh (one allocation each for
// the occurrences, their properties and the string arguments).
func (ix *scanIndex) scan(text, root string) Scan {
	s := Scan{Text: text}
	i, found := slices.BinarySearchFunc(ix.names, root, func(r nameRun, root string) int { return strings.Compare(ix.str(r.name), root) })
	if found {
		run := ix.names[i]
		occs := ix.occs[run.from:run.to]
		var props []Prop
		if n := int(occs[len(occs)-1].propTo - occs[0].propFrom); n > 0 {
			props = make([]Prop, 0, n)
		}
		s.Occurrences = make([]Occurrence, len(occs))
		for k, po := range occs {
			o := &s.Occurrences[k]
			*o = Occurrence{Name: root, Start: int(po.start), End: int(po.end), Free: po.free, Shorthand: po.shorthand}
			if po.key.n > 0 {
				o.Key, o.KeyStart = ix.str(po.key), int(po.keyStart)
			}
			if po.propTo > po.propFrom {
				from := len(props)
				for _, pp := range ix.props[po.propFrom:po.propTo] {
					props = append(props, Prop{Name: ix.str(pp.name), Start: int(pp.start), End: int(pp.end), Optional: pp.optional})
				}
				o.Props = props[from:len(props):len(props)]
			}
		}
	}
	lo, _ := slices.BinarySearchFunc(ix.args, root, func(a packedArg, root string) int { return strings.Compare(ix.str(a.value), root) })
	hi := lo
	for hi < len(ix.args) && ix.str(ix.args[hi].value) == root {
		hi++
	}
	if hi > lo {
		s.Strings = make([]StringArg, hi-lo)
		for k, a := range ix.args[lo:hi] {
			s.Strings[k] = StringArg{Func: ix.str(a.fn), Start: int(a.start), End: int(a.end)}
		}
	}
	return s
}
