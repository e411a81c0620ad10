package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/appsmith-rts/rts/depgraph"
)

// Diff is what a change to an app does to its graph, page by page:
// entities added, removed and renamed, edges added and removed, and the
// cycles and unknown references the new version introduces or fixes. It is
// what a reviewer of a pull request on a git-connected app wants to know.
type Diff struct {
	Old     string      `json:"old"`
	New     string      `json:"new"`
	Pages   []PageDiff  `json:"pages"`
	Summary DiffSummary `json:"summary"`
}

// PageDiff is one page's part of a Diff. Status is "changed", or
// "added" or "removed" for a whole page; an added page lists everything it
// has as added, a removed one everything it had as removed.
type PageDiff struct {
	Name         string     `json:"name"`
	Status       string     `json:"status"`
	Added        []Entity   `json:"added"`
	Removed      []Entity   `json:"removed"`
	Renamed      []Rename   `json:"renamed"`
	EdgesAdded   []Edge     `json:"edgesAdded"`
	EdgesRemoved []Edge     `json:"edgesRemoved"`
	CyclesAdded  [][]string `json:"cyclesAdded"`
	CyclesFixed  [][]string `json:"cyclesFixed"`
	UnknownAdded []Unknown  `json:"unknownAdded"`
	UnknownFixed []Unknown  `json:"unknownFixed"`
}

// Rename is an entity that changed its name and nothing else its
// references show.
type Rename struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	Type string `json:"type,omitempty"`
}

// DiffSummary counts a Diff.
type DiffSummary struct {
	EntitiesAdded   int `json:"entitiesAdded"`
	EntitiesRemoved int `json:"entitiesRemoved"`
	EntitiesRenamed int `json:"entitiesRenamed"`
	EdgesAdded      int `json:"edgesAdded"`
	EdgesRemoved    int `json:"edgesRemoved"`
	CyclesAdded     int `json:"cyclesAdded"`
	CyclesFixed     int `json:"cyclesFixed"`
	UnknownAdded    int `json:"unknownAdded"`
	UnknownFixed    int `json:"unknownFixed"`
}

// Fails reports whether the new version brings a cycle or an unknown
// reference the old one did not have: what a CI check refuses.
func (d Diff) Fails() bool { return d.Summary.CyclesAdded+d.Summary.UnknownAdded > 0 }

// Compare compares two versions of an app's graph.
//
// An entity that is gone and one that came, on the same page, of the same
// kind and type, are one entity renamed when their references match: the
// same binding paths reading the same things, and the same bindings of
// other entities reading it (its own name left out of both). Edges, cycles
// and unknown references of the old version are compared under the new
// names, so a rename shows as a rename and nothing else.
func Compare(old, cur App) Diff {
	d := Diff{Old: old.App, New: cur.App, Pages: []PageDiff{}}
	oldPages := map[string]*Page{}
	for i := range old.Pages {
		oldPages[old.Pages[i].Name] = &old.Pages[i]
	}
	oldEdges, curEdges := edgesByPage(old.Edges), edgesByPage(cur.Edges)
	seen := map[string]bool{}
	for i := range cur.Pages {
		p := &cur.Pages[i]
		seen[p.Name] = true
		op := oldPages[p.Name]
		if op == nil {
			op = &Page{Name: p.Name}
		}
		pd := diffPage(op, p, oldEdges[p.Name], curEdges[p.Name])
		if oldPages[p.Name] == nil {
			pd.Status = "added"
		}
		if pd.Status != "changed" || !pd.empty() {
			d.Pages = append(d.Pages, pd)
		}
	}
	for i := range old.Pages {
		p := &old.Pages[i]
		if seen[p.Name] {
			continue
		}
		pd := diffPage(p, &Page{Name: p.Name}, oldEdges[p.Name], nil)
		pd.Status = "removed"
		d.Pages = append(d.Pages, pd)
	}
	for _, p := range d.Pages {
		s := &d.Summary
		s.EntitiesAdded += len(p.Added)
		s.EntitiesRemoved += len(p.Removed)
		s.EntitiesRenamed += len(p.Renamed)
		s.EdgesAdded += len(p.EdgesAdded)
		s.EdgesRemoved += len(p.EdgesRemoved)
		s.CyclesAdded += len(p.CyclesAdded)
		s.CyclesFixed += len(p.CyclesFixed)
		s.UnknownAdded += len(p.UnknownAdded)
		s.UnknownFixed += len(p.UnknownFixed)
	}
	return d
}

func (p *PageDiff) empty() bool {
	return len(p.Added)+len(p.Removed)+len(p.Renamed)+len(p.EdgesAdded)+len(p.EdgesRemoved)+
		len(p.CyclesAdded)+len(p.CyclesFixed)+len(p.UnknownAdded)+len(p.UnknownFixed) == 0
}

func edgesByPage(edges []Edge) map[string][]Edge {
	out := map[string][]Edge{}
	for _, e := range edges {
		out[e.Page] = append(out[e.Page], e)
	}
	return out
}

func diffPage(old, cur *Page, oldEdges, curEdges []Edge) PageDiff {
	pd := PageDiff{
		Name: cur.Name, Status: "changed", Added: []Entity{}, Removed: []Entity{}, Renamed: []Rename{},
		EdgesAdded: []Edge{}, EdgesRemoved: []Edge{}, CyclesAdded: [][]string{}, CyclesFixed: [][]string{},
		UnknownAdded: []Unknown{}, UnknownFixed: []Unknown{},
	}
	oldByName, curByName := entitiesByName(old.Entities), entitiesByName(cur.Entities)
	var gone, came []Entity
	for _, e := range old.Entities {
		if c, ok := curByName[e.Name]; !ok || c.Kind != e.Kind {
			gone = append(gone, e)
		}
	}
	for _, e := range cur.Entities {
		if o, ok := oldByName[e.Name]; !ok || o.Kind != e.Kind {
			came = append(came, e)
		}
	}
	renamed := matchRenames(gone, came, oldEdges, curEdges)
	for _, e := range gone {
		if to, ok := renamed[e.Name]; ok {
			pd.Renamed = append(pd.Renamed, Rename{From: e.Name, To: to, Kind: e.Kind, Type: e.Type})
		} else {
			pd.Removed = append(pd.Removed, e)
		}
	}
	renamedTo := map[string]bool{}
	for _, to := range renamed {
		renamedTo[to] = true
	}
	for _, e := range came {
		if !renamedTo[e.Name] {
			pd.Added = append(pd.Added, e)
		}
	}
	sortEntities(pd.Added)
	sortEntities(pd.Removed)
	sort.Slice(pd.Renamed, func(i, j int) bool { return pd.Renamed[i].From < pd.Renamed[j].From })

	// The old version under the new names.
	rename := func(node string) string {
		root := depgraph.RootOf(node)
		if to, ok := renamed[root]; ok {
			return to + node[len(root):]
		}
		return node
	}
	same := func(s string) string { return s }
	edgeKey := func(name func(string) string) func(Edge) string {
		return func(e Edge) string { return name(e.From) + "\x00" + name(e.To) + "\x00" + e.Kind }
	}
	pd.EdgesAdded, pd.EdgesRemoved = addedAndGone(oldEdges, curEdges, edgeKey(rename), edgeKey(same), pd.EdgesAdded, pd.EdgesRemoved)
	cycle := func(name func(string) string) func([]string) string {
		return func(c []string) string { return cycleKey(c, name) }
	}
	pd.CyclesAdded, pd.CyclesFixed = addedAndGone(old.Cycles, cur.Cycles, cycle(rename), cycle(same), pd.CyclesAdded, pd.CyclesFixed)
	unknownKey := func(name func(string) string) func(Unknown) string {
		return func(u Unknown) string { return name(u.From) + "\x00" + name(u.Ref) }
	}
	pd.UnknownAdded, pd.UnknownFixed = addedAndGone(old.Unknown, cur.Unknown, unknownKey(rename), unknownKey(same), pd.UnknownAdded, pd.UnknownFixed)
	return pd
}

// addedAndGone appends to added what cur has and old has not, and to gone
// what old has and cur has not, comparing keys: oldKey names an old item
// under the new version's names.
func addedAndGone[T any](old, cur []T, oldKey, curKey func(T) string, added, gone []T) ([]T, []T) {
	had := make(map[string]bool, len(old))
	for _, x := range old {
		had[oldKey(x)] = true
	}
	has := make(map[string]bool, len(cur))
	for _, x := range cur {
		k := curKey(x)
		has[k] = true
		if !had[k] {
			added = append(added, x)
		}
	}
	for _, x := range old {
		if !has[oldKey(x)] {
			gone = append(gone, x)
		}
	}
	return added, gone
}

func entitiesByName(list []Entity) map[string]Entity {
	m := make(map[string]Entity, len(list))
	for _, e := range list {
		m[e.Name] = e
	}
	return m
}

func sortEntities(list []Entity) {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
}

// cycleKey names a cycle whichever node its path starts at: the path
// (without its repeated last node) rotated to start at its least node.
func cycleKey(c []string, rename func(string) string) string {
	nodes := make([]string, 0, len(c))
	for _, n := range c {
		nodes = append(nodes, rename(n))
	}
	if len(nodes) > 1 && nodes[0] == nodes[len(nodes)-1] {
		nodes = nodes[:len(nodes)-1]
	}
	if len(nodes) == 0 {
		return ""
	}
	least := 0
	for i, n := range nodes {
		if n < nodes[least] {
			least = i
		}
	}
	return strings.Join(append(nodes[least:], nodes[:least]...), "\x00")
}

// matchRenames pairs entities gone from a page with entities that came, of
// the same kind and type, whose references match (see Compare). A
// pairing must be the only one for both sides; an entity with no
// references at all matches nothing, as nothing tells it apart.
func matchRenames(gone, came []Entity, oldEdges, curEdges []Edge) map[string]string {
	out := map[string]string{}
	if len(gone) == 0 || len(came) == 0 {
		return out
	}
	sig := func(name string, edges []Edge) string {
		var refs []string
		self := func(n string) string {
			if root := depgraph.RootOf(n); root == name {
				return "\x00" + n[len(root):]
			}
			return n
		}
		for _, e := range edges {
			from, to := depgraph.NodeEntity(e.From), depgraph.RootOf(e.To)
			if from == name || to == name {
				refs = append(refs, self(e.From)+"\x01"+self(e.To)+"\x01"+e.Kind)
			}
		}
		if len(refs) == 0 {
			return ""
		}
		slices.Sort(refs)
		return strings.Join(refs, "\x02")
	}
	candidates := map[string][]string{} // gone name → came names that match
	matchedBy := map[string]int{}       // came name → how many gone ones match it
	for _, g := range gone {
		gs := sig(g.Name, oldEdges)
		if gs == "" {
			continue
		}
		for _, c := range came {
			if c.Kind == g.Kind && c.Type == g.Type && sig(c.Name, curEdges) == gs {
				candidates[g.Name] = append(candidates[g.Name], c.Name)
				matchedBy[c.Name]++
			}
		}
	}
	for g, cs := range candidates {
		if len(cs) == 1 && matchedBy[cs[0]] == 1 {
			out[g] = cs[0]
		}
	}
	return out
}

// WriteJSON writes the diff as indented JSON.
func (d Diff) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WriteText writes the diff for people: a section per page that changed,
// a line per change, `error:` before what a CI check refuses (a new cycle,
// a new unknown reference), then a summary line. Names are Printable.
func (d Diff) WriteText(w io.Writer) error {
	var b bytes.Buffer
	line := func(format string, args ...any) {
		b.WriteString(Printable(fmt.Sprintf(format, args...)) + "\n")
	}
	kind := func(k string) string {
		return map[string]string{"widget": "widget", "action": "query", "jsobject": "JS object"}[k]
	}
	for _, p := range d.Pages {
		switch p.Status {
		case "added":
			line("page %s (added): %s, %s", p.Name, plural(len(p.Added), "entity"), plural(len(p.EdgesAdded), "edge"))
		case "removed":
			line("page %s (removed): it had %s, %s", p.Name, plural(len(p.Removed), "entity"), plural(len(p.EdgesRemoved), "edge"))
		default:
			// The edges of an entity that came or went are counted on its
			// line rather than listed: they came or went with it.
			added, removed := map[string]int{}, map[string]int{}
			for _, e := range p.Added {
				added[e.Name] = 0
			}
			for _, e := range p.Removed {
				removed[e.Name] = 0
			}
			with := func(counts map[string]int, e Edge) bool {
				for _, n := range []string{depgraph.NodeEntity(e.From), depgraph.RootOf(e.To)} {
					if _, ok := counts[n]; ok {
						counts[n]++
						return true
					}
				}
				return false
			}
			var edgeLines []string
			for _, e := range p.EdgesAdded {
				if !with(added, e) {
					edgeLines = append(edgeLines, fmt.Sprintf("  + %s → %s (%s)", e.From, e.To, e.Kind))
				}
			}
			for _, e := range p.EdgesRemoved {
				if !with(removed, e) {
					edgeLines = append(edgeLines, fmt.Sprintf("  - %s → %s (%s)", e.From, e.To, e.Kind))
				}
			}
			line("page %s", p.Name)
			for _, r := range p.Renamed {
				line("  renamed %s %s → %s", kind(r.Kind), r.From, r.To)
			}
			for _, e := range p.Added {
				line("  added   %s %s%s", kind(e.Kind), e.Name, edgeCount(added[e.Name]))
			}
			for _, e := range p.Removed {
				line("  removed %s %s%s", kind(e.Kind), e.Name, edgeCount(removed[e.Name]))
			}
			for _, l := range edgeLines {
				line("%s", l)
			}
		}
		for _, c := range p.CyclesAdded {
			line("  error: new cycle: %s", strings.Join(c, " → "))
		}
		for _, u := range p.UnknownAdded {
			line("  error: new unknown reference: %s reads %s%s", u.From, u.Ref, unknownHint(u))
		}
		if p.Status != "removed" {
			for _, c := range p.CyclesFixed {
				line("  fixed cycle: %s", strings.Join(c, " → "))
			}
			for _, u := range p.UnknownFixed {
				line("  fixed unknown reference: %s read %s", u.From, u.Ref)
			}
		}
	}
	s := d.Summary
	if len(d.Pages) == 0 {
		b.WriteString("no change to the graph\n")
	}
	fmt.Fprintf(&b, "%s added, %d removed, %d renamed; %s added, %d removed; %s, %d fixed; %s, %d fixed\n",
		plural(s.EntitiesAdded, "entity"), s.EntitiesRemoved, s.EntitiesRenamed,
		plural(s.EdgesAdded, "edge"), s.EdgesRemoved,
		plural(s.CyclesAdded, "new cycle"), s.CyclesFixed,
		plural(s.UnknownAdded, "new unknown reference"), s.UnknownFixed)
	_, err := w.Write(b.Bytes())
	return err
}

func edgeCount(n int) string {
	if n == 0 {
		return ""
	}
	return " (" + plural(n, "edge") + " with it)"
}

func unknownHint(u Unknown) string {
	switch u.Reason {
	case "other-page":
		return " (an entity of page " + u.Page + ")"
	case "misspelt":
		return " (did you mean " + u.Suggestion + "?)"
	}
	return ""
}
