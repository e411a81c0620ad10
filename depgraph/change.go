package depgraph

import (
	"slices"
	"strings"
)

// Change is what one update did to the graph.
type Change struct {
	Page                          string
	EdgesAdded, EdgesRemoved      []Edge
	CyclesFound, CyclesResolved   [][]string
	UnknownFound, UnknownResolved []Unknown
	// Nodes whose code or whose dependencies changed.
	Nodes []string
}

// Empty reports whether the update changed nothing visible.
func (c *Change) Empty() bool {
	return len(c.EdgesAdded)+len(c.EdgesRemoved)+len(c.CyclesFound)+len(c.CyclesResolved)+
		len(c.UnknownFound)+len(c.UnknownResolved)+len(c.Nodes) == 0
}

// Merge adds o, a change made after c, to c. What one made and the other
// undid cancels out: an edge added then removed, a cycle found then
// resolved, an unknown reference found then resolved (and the reverse).
func (c *Change) Merge(o Change) {
	c.EdgesAdded, c.EdgesRemoved = mergeOpposites(c.EdgesAdded, c.EdgesRemoved, o.EdgesAdded, o.EdgesRemoved, func(e Edge) Edge { return e })
	cycleKey := func(p []string) string { return strings.Join(p, "\x00") }
	c.CyclesFound, c.CyclesResolved = mergeOpposites(c.CyclesFound, c.CyclesResolved, o.CyclesFound, o.CyclesResolved, cycleKey)
	unknownKey := func(u Unknown) [2]string { return [2]string{u.From, u.Ref} }
	c.UnknownFound, c.UnknownResolved = mergeOpposites(c.UnknownFound, c.UnknownResolved, o.UnknownFound, o.UnknownResolved, unknownKey)
	for _, n := range o.Nodes {
		c.Nodes = appendUnique(c.Nodes, n)
	}
}

// mergeOpposites appends later additions and removals to earlier ones,
// dropping pairs where one undoes the other.
func mergeOpposites[T any, K comparable](added, removed, laterAdded, laterRemoved []T, key func(T) K) ([]T, []T) {
	cancel := func(list []T, x T) ([]T, bool) {
		k := key(x)
		for i, y := range list {
			if key(y) == k {
				return append(list[:i:i], list[i+1:]...), true
			}
		}
		return list, false
	}
	for _, x := range laterAdded {
		var undone bool
		if removed, undone = cancel(removed, x); !undone {
			added = append(added, x)
		}
	}
	for _, x := range laterRemoved {
		var undone bool
		if added, undone = cancel(added, x); !undone {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// --- edges and unknowns of nodes, before and after an update ---

// snapshot holds the edges and unknown references of some nodes.
type snapshot struct {
	edges   map[Edge]bool
	unknown map[[2]string]bool // (from, ref)
}

func (g *Graph) snapshotOf(p *page, nodes []*node) snapshot {
	s := snapshot{edges: map[Edge]bool{}, unknown: map[[2]string]bool{}}
	for _, n := range nodes {
		for _, r := range n.refs {
			if p.byName[RootOf(r)] != nil {
				s.edges[Edge{Page: p.name, From: n.name, To: r, Kind: n.kind}] = true
			} else if g.isUnknown(p, n, r) {
				s.unknown[[2]string{n.name, r}] = true
			}
		}
	}
	return s
}

func (g *Graph) diff(p *page, before snapshot, nodes []*node, ch *Change) {
	live := make([]*node, 0, len(nodes))
	for _, n := range nodes {
		if p.nodes[n.name] == n {
			live = append(live, n)
		}
	}
	after := g.snapshotOf(p, live)
	for e := range after.edges {
		if !before.edges[e] {
			ch.EdgesAdded = append(ch.EdgesAdded, e)
		}
	}
	for e := range before.edges {
		if !after.edges[e] {
			ch.EdgesRemoved = append(ch.EdgesRemoved, e)
		}
	}
	for u := range after.unknown {
		if !before.unknown[u] {
			ch.UnknownFound = append(ch.UnknownFound, g.classify(p, u[0], u[1]))
		}
	}
	for u := range before.unknown {
		if !after.unknown[u] {
			ch.UnknownResolved = append(ch.UnknownResolved, Unknown{Page: p.name, From: u[0], Ref: u[1]})
		}
	}
	sortEdges(ch.EdgesAdded)
	sortEdges(ch.EdgesRemoved)
	sortUnknown(ch.UnknownFound)
	sortUnknown(ch.UnknownResolved)
	for _, n := range nodes {
		ch.Nodes = appendUnique(ch.Nodes, n.name)
	}
}

// sortEdges and sortUnknown sort by keys no two elements share (a node
// refers to a name once), so any sort gives the same order.
func sortEdges(es []Edge) {
	slices.SortFunc(es, func(a, b Edge) int {
		if c := strings.Compare(a.From, b.From); c != 0 {
			return c
		}
		return strings.Compare(a.To, b.To)
	})
}

func sortUnknown(us []Unknown) {
	slices.SortFunc(us, func(a, b Unknown) int {
		if c := strings.Compare(a.From, b.From); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
}
