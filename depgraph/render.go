package depgraph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// AppReport is the graph of an app as `rts graph --format json` and the
// HTTP API print it (SPEC §3): pages with their entities, cycles, unknown
// references and unused entities, then every edge. Lists are sorted so the
// output is stable.
type AppReport struct {
	App   string     `json:"app"`
	Pages []PageJSON `json:"pages"`
	Edges []EdgeJSON `json:"edges"`
}

// PageJSON is one page of an AppReport.
type PageJSON struct {
	Name         string        `json:"name"`
	Entities     []EntityJSON  `json:"entities"`
	Cycles       [][]string    `json:"cycles"`
	Unknown      []UnknownJSON `json:"unknown"`
	Unused       []string      `json:"unused"`
	SyntaxErrors []string      `json:"syntaxErrors"`
}

// EntityJSON is one entity of a page.
type EntityJSON struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Type string `json:"type,omitempty"`
}

// UnknownJSON is an unknown reference and what it probably is.
type UnknownJSON struct {
	From       string `json:"from"`
	Ref        string `json:"ref"`
	Reason     string `json:"reason"`
	Page       string `json:"page,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
}

// EdgeJSON is one edge.
type EdgeJSON struct {
	Page string `json:"page"`
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

// Snapshot renders the graph, or only one page of it when page is not "".
func (g *Graph) Snapshot(page string) (AppReport, bool) {
	r := AppReport{App: g.App, Pages: []PageJSON{}, Edges: []EdgeJSON{}}
	found := page == ""
	for _, pr := range g.Report() {
		if page != "" && pr.Name != page {
			continue
		}
		found = true
		pj := PageJSON{Name: pr.Name, Entities: []EntityJSON{}, Cycles: pr.Cycles, Unknown: []UnknownJSON{}, Unused: pr.Unused, SyntaxErrors: pr.SyntaxErrors}
		for _, e := range pr.Entities {
			pj.Entities = append(pj.Entities, EntityJSON{Name: e.Name, Kind: e.Kind.String(), Type: e.Type})
		}
		for _, u := range pr.Unknown {
			pj.Unknown = append(pj.Unknown, UnknownJSON{From: u.From, Ref: u.Ref, Reason: u.Reason, Page: u.OtherPage, Suggestion: u.Suggestion})
		}
		r.Pages = append(r.Pages, pj)
	}
	for _, e := range g.Edges() {
		if page == "" || e.Page == page {
			r.Edges = append(r.Edges, EdgeJSON{Page: e.Page, From: e.From, To: e.To, Kind: e.Kind.String()})
		}
	}
	return r, found
}

// WriteJSON writes the report as indented JSON without HTML escaping.
func (r AppReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteDOT writes the report as a Graphviz digraph: one cluster per page,
// entities as boxes (widgets), ellipses (actions) or hexagons (JS objects),
// an arrow from each entity to each entity its bindings refer to, labelled
// with the binding paths; edges and entities on a cycle are red.
func (r AppReport) WriteDOT(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("digraph app {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n")
	for pi, p := range r.Pages {
		onCycle := map[string]bool{}
		cycleEdge := map[[2]string]bool{}
		for _, c := range p.Cycles {
			for i, n := range c {
				onCycle[NodeEntity(n)] = true
				if i > 0 {
					cycleEdge[[2]string{NodeEntity(c[i-1]), NodeEntity(n)}] = true
				}
			}
		}
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n", pi, dotQuote(p.Name))
		for _, e := range p.Entities {
			shape := map[string]string{"widget": "box", "action": "ellipse", "jsobject": "hexagon"}[e.Kind]
			color := ""
			if onCycle[e.Name] {
				color = ", color=red, fontcolor=red"
			}
			fmt.Fprintf(&b, "    %s [label=%s, shape=%s%s];\n", dotID(p.Name, e.Name), dotQuote(e.Name), shape, color)
		}
		labels := map[[2]string][]string{}
		var keys [][2]string
		for _, e := range r.Edges {
			if e.Page != p.Name {
				continue
			}
			k := [2]string{NodeEntity(e.From), RootOf(e.To)}
			if _, ok := labels[k]; !ok {
				keys = append(keys, k)
			}
			path := strings.TrimPrefix(e.From, k[0]+".")
			if !containsString(labels[k], path) {
				labels[k] = append(labels[k], path)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
		for _, k := range keys {
			attrs := "label=" + dotQuote(strings.Join(labels[k], "\\n"))
			if cycleEdge[k] {
				attrs += ", color=red, penwidth=2"
			}
			fmt.Fprintf(&b, "    %s -> %s [%s];\n", dotID(p.Name, k[0]), dotID(p.Name, k[1]), attrs)
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteText writes one line per finding or edge, for people.
func (r AppReport) WriteText(w io.Writer) error {
	var b bytes.Buffer
	for _, p := range r.Pages {
		fmt.Fprintf(&b, "page %s: %d entities\n", p.Name, len(p.Entities))
		for _, c := range p.Cycles {
			fmt.Fprintf(&b, "  cycle: %s\n", strings.Join(c, " → "))
		}
		for _, e := range r.Edges {
			if e.Page == p.Name {
				fmt.Fprintf(&b, "  %s → %s (%s)\n", e.From, e.To, e.Kind)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteLint writes each cycle, unknown reference and unused entity as
// `page › entity › path: message` and reports whether any is an error
// (cycles and unknown references are; unused entities are warnings).
func (r AppReport) WriteLint(w io.Writer) (errors int, err error) {
	var b bytes.Buffer
	for _, p := range r.Pages {
		for _, c := range p.Cycles {
			fmt.Fprintf(&b, "%s › %s › %s: cycle: %s\n", p.Name, NodeEntity(c[0]), strings.TrimPrefix(c[0], NodeEntity(c[0])+"."), strings.Join(c, " → "))
			errors++
		}
		for _, u := range p.Unknown {
			msg := "unknown reference " + u.Ref
			switch u.Reason {
			case "other-page":
				msg += " (an entity of page " + u.Page + ")"
			case "misspelt":
				msg += " (did you mean " + u.Suggestion + "?)"
			}
			fmt.Fprintf(&b, "%s › %s › %s: %s\n", p.Name, NodeEntity(u.From), strings.TrimPrefix(u.From, NodeEntity(u.From)+"."), msg)
			errors++
		}
		for _, name := range p.Unused {
			fmt.Fprintf(&b, "%s › %s › -: unused: nothing refers to it and it does not run on page load\n", p.Name, name)
		}
	}
	_, err = w.Write(b.Bytes())
	return errors, err
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func dotID(page, name string) string { return dotQuote(page + "/" + name) }
