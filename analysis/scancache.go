package analysis

import (
	"container/list"
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
// capture is possible (newRoot is "" or absent from the text). A cached
// scan's slices are shared: read only.
func (c *ScanCache) ScanScript(script, root, newRoot string) (Scan, error) {
	// A capture needs a declaration of newRoot, which needs its text.
	if c == nil || newRoot != "" && strings.Contains(script, newRoot) {
		return freshScript(script, root, newRoot)
	}
	return c.scripts.scan(script, root, indexScript)
}

// ScanJSObject is the package's ScanJSObject, answered from the cache when
// no capture is possible. A cached scan's slices are shared: read only.
func (c *ScanCache) ScanJSObject(body, root, newRoot string) (Scan, error) {
	if c == nil || newRoot != "" && strings.Contains(body, newRoot) {
		return freshJSObject(body, root, newRoot)
	}
	return c.jsObjects.scan(body, root, indexJSObject)
}

// scanIndex is every reference-position identifier of a body, by name, and
// every string argument naming something, by the string.
type scanIndex struct {
	body    string
	err     error
	byName  map[string][]Occurrence
	strings map[string][]StringArg
	size    int
}

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
	return Scan{Text: text, Occurrences: ix.byName[root], Strings: ix.strings[root]}, nil
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
	ix := &scanIndex{body: body, size: 2*len(body) + 256}
	src, prog, err := parseJSObjectBody(body)
	if err != nil {
		ix.err = err
		return ix
	}
	if !ix.fill(src, prog, 0) {
		ix.err = ErrSyntax
	}
	return ix
}

// indexScript scans a binding script (wrapped as Appsmith wraps it) for
// every name at once; offsets are into script.
func indexScript(script string) *scanIndex {
	ix := &scanIndex{body: script, size: 2*len(script) + 256}
	src := wrapPrefix + script + wrapSuffix
	prog, err := parseProgram(src)
	if err != nil {
		ix.err = err
		return ix
	}
	if !ix.fill(src, prog, len(wrapPrefix)) {
		ix.err = ErrSyntax
	}
	return ix
}

// fill records the walk's occurrences; shift is subtracted from offsets
// (the wrapper's length for scripts).
func (ix *scanIndex) fill(src string, prog *ast.Program, shift int) bool {
	w := newWalker(src)
	defer w.free()
	w.chains = true
	w.program(prog)
	if w.failed {
		return false
	}
	ix.byName = make(map[string][]Occurrence)
	for i := range w.occs {
		oc := &w.occs[i]
		o := Occurrence{Name: oc.name, Start: int(oc.start) - shift, End: int(oc.end) - shift, Free: !w.bound(oc.name, oc.scope), Shorthand: oc.shorthand}
		if oc.keyName != "" && !oc.keyQuoted {
			o.Key, o.KeyStart = oc.keyName, int(oc.keyStart)-shift
		}
		for _, p := range w.props[oc.chainFrom:oc.chainTo] {
			o.Props = append(o.Props, Prop{Name: p.name, Start: int(p.start) - shift, End: int(p.end) - shift, Optional: p.optional})
		}
		ix.byName[oc.name] = append(ix.byName[oc.name], o)
		ix.size += 96 + 48*len(o.Props)
	}
	for _, a := range w.strs {
		if !w.bound(a.fn, a.scope) {
			if ix.strings == nil {
				ix.strings = make(map[string][]StringArg)
			}
			ix.strings[a.value] = append(ix.strings[a.value], StringArg{Func: a.fn, Start: int(a.start) - shift, End: int(a.end) - shift})
			ix.size += 64
		}
	}
	return true
}
