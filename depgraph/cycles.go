package depgraph

import "sort"

// Cycles are the strongly connected components of a page's evaluation
// graph (trigger nodes excluded: event handlers are never evaluated). A bulk
// load finds them all with Tarjan's algorithm; an update recomputes only the
// components of the nodes it touched: an edge change at node x can only
// split x's own component or merge the components on paths through x, and
// x's component is exactly forward(x) ∩ backward(x).

// evalOut lists the evaluation dependencies of n.
func evalOut(n *node) []*node {
	if n.kind == KindTrigger {
		return nil
	}
	return n.out
}

func (p *page) findAllCycles() {
	p.sccs = map[int][]*node{}
	p.sccPaths = map[int][]string{}
	// Tarjan's state lives on the nodes, tagged with this run's
	// generation (a node of another run reads as not seen): maps keyed by
	// node were a third of loading a page.
	p.tarjanGen++
	gen := p.tarjanGen
	index := 0
	var stack []*node
	var strong func(v *node)
	strong = func(v *node) {
		index++
		v.tarjan = tarjanState{gen: gen, index: index, low: index, onStack: true}
		stack = append(stack, v)
		for _, w := range evalOut(v) {
			if w.tarjan.gen != gen {
				strong(w)
				v.tarjan.low = min(v.tarjan.low, w.tarjan.low)
			} else if w.tarjan.onStack {
				v.tarjan.low = min(v.tarjan.low, w.tarjan.index)
			}
		}
		if v.tarjan.low == v.tarjan.index {
			var comp []*node
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				w.tarjan.onStack = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			p.record(comp)
		}
	}
	nodes := p.sortedNodes()
	for _, n := range nodes {
		n.scc = 0
	}
	for _, n := range nodes {
		if n.tarjan.gen != gen {
			strong(n)
		}
	}
}

// tarjanState is a node's part in findAllCycles' run gen.
type tarjanState struct {
	gen        uint64
	index, low int
	onStack    bool
}

// record keeps comp if it is a cycle: several nodes, or one that depends on
// itself.
func (p *page) record(comp []*node) int {
	if len(comp) == 1 && !containsNode(evalOut(comp[0]), comp[0]) {
		return 0
	}
	sortNodes(comp)
	p.sccSeq++
	p.sccs[p.sccSeq] = comp
	// The path is kept from now: once an update has changed the edges, the
	// cycle it resolved can no longer be walked.
	p.sccPaths[p.sccSeq] = p.cyclePath(comp)
	for _, n := range comp {
		n.scc = p.sccSeq
	}
	return p.sccSeq
}

// updateCycles recomputes the components of the touched nodes and reports
// cycles found and resolved.
func (p *page) updateCycles(touched []*node, ch *Change) {
	before := map[string][]string{}
	var affected []*node
	drop := func(id int) {
		comp := p.sccs[id]
		if comp == nil {
			return
		}
		before[componentKey(comp)] = p.sccPaths[id]
		delete(p.sccs, id)
		delete(p.sccPaths, id)
		for _, m := range comp {
			m.scc = 0
			affected = append(affected, m)
		}
	}
	for _, t := range touched {
		if t.scc != 0 {
			drop(t.scc)
		}
		affected = append(affected, t)
	}
	after := map[string][]string{}
	for i := 0; i < len(affected); i++ {
		x := affected[i]
		if x.scc != 0 || p.nodes[x.name] != x {
			continue
		}
		back := p.reach(x, false)
		if len(back) == 0 {
			continue
		}
		fwd := p.reach(x, true)
		var comp []*node
		for n := range fwd {
			if back[n] {
				comp = append(comp, n)
			}
		}
		if len(comp) == 0 {
			continue
		}
		if !containsNode(comp, x) {
			comp = append(comp, x)
		}
		for _, m := range comp {
			if m.scc != 0 {
				drop(m.scc) // merged into x's component
			}
		}
		if id := p.record(comp); id != 0 {
			after[componentKey(p.sccs[id])] = p.sccPaths[id]
		}
	}
	for key, path := range after {
		if _, was := before[key]; !was {
			ch.CyclesFound = append(ch.CyclesFound, path)
		}
	}
	for key, path := range before {
		if _, is := after[key]; !is {
			ch.CyclesResolved = append(ch.CyclesResolved, path)
		}
	}
	sortPaths(ch.CyclesFound)
	sortPaths(ch.CyclesResolved)
}

// reach is the set of nodes reachable from x along evaluation edges
// (forward) or against them (backward), x itself only if on a cycle.
func (p *page) reach(x *node, forward bool) map[*node]bool {
	seen := map[*node]bool{}
	stack := []*node{x}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if forward {
			for _, w := range evalOut(v) {
				if !seen[w] {
					seen[w] = true
					stack = append(stack, w)
				}
			}
			continue
		}
		for w := range v.in {
			if w.kind != KindTrigger && !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return seen
}

func componentKey(comp []*node) string {
	names := make([]string, len(comp))
	for i, n := range comp {
		names[i] = n.name
	}
	sort.Strings(names)
	key := ""
	for _, n := range names {
		key += n + "\x00"
	}
	return key
}

// cyclePath is one cycle through a component, from its alphabetically first
// node back to it along the shortest way, e.g. [Input1.defaultText,
// Input2.defaultText, Input1.defaultText].
func (p *page) cyclePath(comp []*node) []string {
	in := map[*node]bool{}
	start := comp[0]
	for _, n := range comp {
		in[n] = true
		if n.name < start.name {
			start = n
		}
	}
	prev := map[*node]*node{}
	queue := []*node{start}
	var last *node
	for len(queue) > 0 && last == nil {
		v := queue[0]
		queue = queue[1:]
		next := append([]*node(nil), evalOut(v)...)
		sort.Slice(next, func(i, j int) bool { return next[i].name < next[j].name })
		for _, w := range next {
			if !in[w] {
				continue
			}
			if w == start {
				last = v
				break
			}
			if _, seen := prev[w]; !seen {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	if last == nil {
		return []string{start.name, start.name}
	}
	var rev []string
	for v := last; v != start; v = prev[v] {
		rev = append(rev, v.name)
	}
	path := []string{start.name}
	for i := len(rev) - 1; i >= 0; i-- {
		path = append(path, rev[i])
	}
	return append(path, start.name)
}

func sortPaths(paths [][]string) {
	sort.Slice(paths, func(i, j int) bool { return paths[i][0] < paths[j][0] })
}
