package depgraph

import (
	"container/list"
	"sync"

	"github.com/dop251/goja/ast"
)

// JS object bodies are the costly part of renames: Appsmith's backend sends
// every JS object of a page, whole, with every entity-refactor of a rename,
// and the same bodies again with the next rename. Their scans are kept,
// indexed by name, so each body is parsed once while it stays unchanged.
var jsObjectScans = &scanCache{limit: 32 << 20, entries: map[string]*list.Element{}, order: list.New()}

// scanIndex is every reference-position identifier of a body, by name, and
// every string argument naming something, by the string.
type scanIndex struct {
	body    string
	err     error
	byName  map[string][]Occurrence
	strings map[string][]StringArg
	size    int
}

// scanCache is a byte-bounded LRU of scan indexes. Its lock is held only
// for map and list operations, never while parsing.
type scanCache struct {
	mu      sync.Mutex
	limit   int
	size    int
	entries map[string]*list.Element // body → element holding *scanIndex
	order   *list.List               // front: most recently used
}

func (c *scanCache) get(body string) *scanIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[body]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*scanIndex)
	}
	return nil
}

func (c *scanCache) put(ix *scanIndex) {
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
	if !ix.fill(src, prog) {
		ix.err = ErrSyntax
	}
	return ix
}

func (ix *scanIndex) fill(src string, prog *ast.Program) bool {
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
		o := Occurrence{Name: oc.name, Start: int(oc.start), End: int(oc.end), Free: !w.bound(oc.name, oc.scope), Shorthand: oc.shorthand}
		if oc.keyName != "" && !oc.keyQuoted {
			o.Key, o.KeyStart = oc.keyName, int(oc.keyStart)
		}
		for _, p := range w.props[oc.chainFrom:oc.chainTo] {
			o.Props = append(o.Props, Prop{Name: p.name, Start: int(p.start), End: int(p.end), Optional: p.optional})
		}
		ix.byName[oc.name] = append(ix.byName[oc.name], o)
		ix.size += 96 + 48*len(o.Props)
	}
	for _, a := range w.strs {
		if !w.bound(a.fn, a.scope) {
			if ix.strings == nil {
				ix.strings = make(map[string][]StringArg)
			}
			ix.strings[a.value] = append(ix.strings[a.value], StringArg{Func: a.fn, Start: int(a.start), End: int(a.end)})
			ix.size += 64
		}
	}
	return true
}

// cachedJSObjectScan is ScanJSObject without a new name to check captures
// against, from the cache. The returned slices are shared: read only.
func cachedJSObjectScan(body, root string) (Scan, error) {
	ix := jsObjectScans.get(body)
	if ix == nil {
		ix = indexJSObject(body)
		jsObjectScans.put(ix)
	}
	if ix.err != nil {
		return Scan{}, ix.err
	}
	return Scan{Text: body, Occurrences: ix.byName[root], Strings: ix.strings[root]}, nil
}
