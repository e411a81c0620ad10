package appmodel

import (
	"runtime"
	"strings"
	"sync"

	"github.com/appsmith-rts/rts/analysis"
)

// Edge goes from a binding node to a reference its code makes.
type Edge struct {
	Page string `json:"page"`
	From string `json:"from"` // the binding's Node
	To   string `json:"to"`   // the reference exactly as extracted, e.g. Api1.data.users
	Kind string `json:"kind"` // the binding's kind
}

// Edges lists the binding edges of the app as the edge contract defines
// them: every snippet of every binding goes to analysis.Extract (evaluation
// version 2, no invalid identifiers); a reference is kept when its root is
// an entity of the same page; edges are unique per (page, from, to), in
// page, entity, binding, snippet and reference order, first one kept.
func Edges(app *App) []Edge {
	x := extractAll(app.Pages)
	n := 0
	per := make([][]Edge, len(app.Pages))
	for i, p := range app.Pages {
		per[i] = x.pageEdges(p)
		n += len(per[i])
	}
	out := make([]Edge, 0, n)
	for _, es := range per {
		out = append(out, es...)
	}
	return out
}

// PageEdges lists the edges of one page (see Edges).
func PageEdges(p *Page) []Edge {
	return extractAll([]*Page{p}).pageEdges(p)
}

// extraction holds the references of every snippet of some pages: refs[i]
// for the i-th distinct snippet, and ids the distinct-snippet number of
// each snippet in the order the pages' bindings list them, which is the
// order pageEdges reads them back in (so no snippet is hashed twice).
type extraction struct {
	refs [][]string
	ids  []int
	next int
}

// extractAll extracts the references of every distinct snippet of the
// pages. Extraction is nearly all the cost of the edges, and snippets
// recur across widgets and pages (theme bindings, copied columns, pages
// cloned from each other): the largest real app has 12,322 snippets but
// only 2,474 distinct ones. The distinct snippets are split over the CPUs.
func extractAll(pages []*Page) *extraction {
	index := map[string]int{}
	var uniq []string
	x := &extraction{}
	for _, p := range pages {
		for b := range p.Bindings() {
			for _, s := range b.Snippets {
				id, ok := index[s]
				if !ok {
					id = len(uniq)
					index[s] = id
					uniq = append(uniq, s)
				}
				x.ids = append(x.ids, id)
			}
		}
	}
	x.refs = make([][]string, len(uniq))
	workers := min(runtime.GOMAXPROCS(0), len(uniq)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Interleaved, so that long snippets (JS object functions,
			// which come last) are shared out too.
			for i := w; i < len(uniq); i += workers {
				x.refs[i] = analysis.Extract(uniq[i], 2, nil).References
			}
		})
	}
	wg.Wait()
	return x
}

// pageEdges must be called for the pages in the order extractAll saw them.
func (x *extraction) pageEdges(p *Page) []Edge {
	names := p.EntityNames()
	type key struct{ from, to string }
	seen := map[key]bool{}
	var out []Edge
	for b := range p.Bindings() {
		for range b.Snippets {
			refs := x.refs[x.ids[x.next]]
			x.next++
			for _, ref := range refs {
				root := rootOf(ref)
				if _, ok := names[root]; !ok && !(b.Kind == BindingJSObject && root == b.Entity) {
					continue
				}
				k := key{b.Node, ref}
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, Edge{Page: p.Name, From: b.Node, To: ref, Kind: string(b.Kind)})
			}
		}
	}
	return out
}

// rootOf is the entity part of a reference: the text before the first `.`
// or `[` (depgraph.RootOf, which the graph applies to the same references).
func rootOf(ref string) string {
	if i := strings.IndexAny(ref, ".["); i >= 0 {
		return ref[:i]
	}
	return ref
}
