package depgraph

import (
	"sort"
	"strings"
)

// EntityInfo describes one entity in a report.
type EntityInfo struct {
	Name   string
	Kind   EntityKind
	Type   string
	Parent string // see Entity.Parent
}

// PageReport is what a page's graph says about it: its entities, the full
// path of every cycle, the unknown references and the unused entities.
type PageReport struct {
	Name     string
	Entities []EntityInfo
	Cycles   [][]string
	Unknown  []Unknown
	Unused   []string
	// SyntaxErrors lists binding nodes with code that does not parse.
	SyntaxErrors []string
}

// Report returns every page's report, in page order.
func (g *Graph) Report() []PageReport {
	out := make([]PageReport, 0, len(g.pages))
	for _, p := range g.pages {
		out = append(out, g.pageReport(p))
	}
	return out
}

// PageReport returns one page's report; ok is false for an unknown page.
func (g *Graph) PageReport(name string) (PageReport, bool) {
	p, ok := g.byKey[name]
	if !ok {
		return PageReport{}, false
	}
	return g.pageReport(p), true
}

func (g *Graph) pageReport(p *page) PageReport {
	r := PageReport{Name: p.name, Cycles: [][]string{}, Unknown: []Unknown{}, Unused: []string{}, SyntaxErrors: []string{}}
	for _, e := range p.entities {
		r.Entities = append(r.Entities, EntityInfo{Name: e.Name, Kind: e.Kind, Type: e.Type, Parent: e.Parent})
	}
	for _, path := range p.sccPaths {
		r.Cycles = append(r.Cycles, path)
	}
	sortPaths(r.Cycles)
	used := map[string]bool{}
	for _, n := range p.sortedNodes() {
		if n.errors > 0 {
			r.SyntaxErrors = append(r.SyntaxErrors, n.name)
		}
		for _, ref := range n.refs {
			root := RootOf(ref)
			if p.byName[root] != nil {
				if root != n.ent.Name {
					used[root] = true
				}
			} else if g.isUnknown(p, n, ref) {
				r.Unknown = append(r.Unknown, g.classify(p, n.name, ref))
			}
		}
	}
	for _, e := range p.entities {
		if (e.Kind == ActionEntity || e.Kind == JSObjectEntity) && !e.OnLoad && !used[e.Name] {
			r.Unused = append(r.Unused, e.Name)
		}
	}
	sort.Strings(r.Unused)
	sortUnknown(r.Unknown)
	return r
}

// Edges lists every edge, page by page, sorted by from then to.
func (g *Graph) Edges() []Edge {
	var out []Edge
	for _, p := range g.pages {
		out = p.appendEdges(out)
	}
	return out
}

// PageEdges lists one page's edges as Edges does; ok is false for an
// unknown page. Like PageReport it only reads the graph, so several pages
// can be read at once (the graph's JSON is rendered page by page on all
// cores).
func (g *Graph) PageEdges(name string) ([]Edge, bool) {
	p, ok := g.byKey[name]
	if !ok {
		return nil, false
	}
	return p.appendEdges(nil), true
}

func (p *page) appendEdges(out []Edge) []Edge {
	start := len(out)
	for _, n := range p.nodes {
		for _, r := range n.refs {
			if p.byName[RootOf(r)] != nil {
				out = append(out, Edge{Page: p.name, From: n.name, To: r, Kind: n.kind})
			}
		}
	}
	sortEdges(out[start:])
	return out
}

// EvaluationOrder lists a page's binding nodes so that every node comes
// after the nodes it depends on (trigger nodes are left out: they are never
// evaluated). Nodes on a cycle come last, in a stable order.
func (g *Graph) EvaluationOrder(pageName string) []string {
	p, ok := g.byKey[pageName]
	if !ok {
		return nil
	}
	nodes := p.sortedNodes()
	pending := map[*node]int{}
	for _, n := range nodes {
		if n.kind == KindTrigger {
			continue
		}
		pending[n] = len(evalOut(n))
	}
	var order []string
	var ready []*node
	for _, n := range nodes {
		if c, ok := pending[n]; ok && c == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		v := ready[0]
		ready = ready[1:]
		order = append(order, v.name)
		delete(pending, v)
		dependents := make([]*node, 0, len(v.in))
		for d := range v.in {
			if _, ok := pending[d]; ok {
				dependents = append(dependents, d)
			}
		}
		sortNodes(dependents)
		for _, d := range dependents {
			pending[d]--
			if pending[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	for _, n := range nodes {
		if _, ok := pending[n]; ok {
			order = append(order, n.name)
		}
	}
	return order
}

// Path is one node reached in an impact query and how: Via runs from the
// queried node (or reference) to Node.
type Path struct {
	Node string
	Via  []string
}

// Dependents lists, transitively, the binding nodes that depend on target
// (a binding node such as Table1.tableData, or any reference such as
// Api1.data), each with the path by which it depends, nearest first.
// Triggers count: a rename or a change reaches event handlers too.
func (g *Graph) Dependents(pageName, target string) ([]Path, bool) {
	p, ok := g.byKey[pageName]
	if !ok {
		return nil, false
	}
	prev := map[*node]*node{}
	var queue []*node
	seed := func(n *node) {
		if _, seen := prev[n]; !seen {
			prev[n] = nil
			queue = append(queue, n)
		}
	}
	for _, n := range p.referrers(RootOf(target)) {
		for _, r := range n.refs {
			if overlaps(r, target) || (p.byName[RootOf(r)] != nil && reaches(r, target, p.byName[RootOf(r)])) {
				seed(n)
				break
			}
		}
	}
	if t := p.nodes[target]; t != nil {
		for _, d := range sortedSet(t.in) {
			seed(d)
		}
	}
	for i := 0; i < len(queue); i++ {
		v := queue[i]
		for _, d := range sortedSet(v.in) {
			if _, seen := prev[d]; !seen {
				prev[d] = v
				queue = append(queue, d)
			}
		}
	}
	out := make([]Path, 0, len(queue))
	for _, n := range queue {
		var via []string
		for v := n; v != nil; v = prev[v] {
			via = append(via, v.name)
		}
		via = append(via, target)
		for i, j := 0, len(via)-1; i < j; i, j = i+1, j-1 {
			via[i], via[j] = via[j], via[i]
		}
		out = append(out, Path{Node: n.name, Via: via})
	}
	return out, true
}

// Dependencies lists, transitively, the binding nodes a node depends on,
// with the path to each.
func (g *Graph) Dependencies(pageName, nodeName string) ([]Path, bool) {
	p, ok := g.byKey[pageName]
	if !ok {
		return nil, false
	}
	start := p.nodes[nodeName]
	if start == nil {
		return nil, false
	}
	prev := map[*node]*node{start: nil}
	queue := []*node{start}
	for i := 0; i < len(queue); i++ {
		v := queue[i]
		for _, w := range v.out {
			if _, seen := prev[w]; !seen {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	out := make([]Path, 0, len(queue)-1)
	for _, n := range queue[1:] {
		var via []string
		for v := n; v != nil; v = prev[v] {
			via = append(via, v.name)
		}
		for i, j := 0, len(via)-1; i < j; i, j = i+1, j-1 {
			via[i], via[j] = via[j], via[i]
		}
		out = append(out, Path{Node: n.name, Via: via})
	}
	return out, true
}

// References lists the references a binding node's code makes.
func (g *Graph) References(pageName, nodeName string) []string {
	if p, ok := g.byKey[pageName]; ok {
		if n := p.nodes[nodeName]; n != nil {
			return append([]string(nil), n.refs...)
		}
	}
	return nil
}

// FindEntity returns the page an entity is on, searching pages in order.
func (g *Graph) FindEntity(name string) (string, bool) {
	for _, p := range g.pages {
		if p.byName[name] != nil {
			return p.name, true
		}
	}
	return "", false
}

func sortedSet(set map[*node]struct{}) []*node {
	out := make([]*node, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sortNodes(out)
	return out
}

// NodeEntity is the entity a node name belongs to: the text before the
// first dot.
func NodeEntity(node string) string {
	if i := strings.IndexByte(node, '.'); i >= 0 {
		return node[:i]
	}
	return node
}
