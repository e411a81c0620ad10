package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/appsmith-rts/rts/depgraph"
)

// App is the graph of an app as `rts graph --format json` and the
// HTTP API print it (SPEC §3): pages with their entities, cycles, unknown
// references and unused entities, then every edge. Lists are sorted so the
// output is stable.
type App struct {
	App   string `json:"app"`
	Pages []Page `json:"pages"`
	Edges []Edge `json:"edges"`
}

// Page is one page of an App.
type Page struct {
	Name         string     `json:"name"`
	Entities     []Entity   `json:"entities"`
	Cycles       [][]string `json:"cycles"`
	Unknown      []Unknown  `json:"unknown"`
	Unused       []string   `json:"unused"`
	SyntaxErrors []string   `json:"syntaxErrors"`
}

// Entity is one entity of a page.
type Entity struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Type string `json:"type,omitempty"`
	// Parent is the widget a widget sits in (a container, modal, tab…),
	// absent on the page's main canvas: the page groups widgets by it.
	Parent string `json:"parent,omitempty"`
}

// Unknown is an unknown reference and what it probably is.
type Unknown struct {
	From       string `json:"from"`
	Ref        string `json:"ref"`
	Reason     string `json:"reason"`
	Page       string `json:"page,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
}

// Edge is one edge.
type Edge struct {
	Page string `json:"page"`
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

// FromGraph renders the graph, or only one page of it when page is not "";
// false when there is no such page.
func FromGraph(g *depgraph.Graph, page string) (App, bool) {
	r := App{App: g.App, Pages: []Page{}, Edges: []Edge{}}
	found := page == ""
	for _, pr := range g.Report() {
		if page != "" && pr.Name != page {
			continue
		}
		found = true
		r.Pages = append(r.Pages, pageOf(pr))
	}
	for _, e := range g.Edges() {
		if page == "" || e.Page == page {
			r.Edges = append(r.Edges, edge(e))
		}
	}
	return r, found
}

// pageOf converts one page's report.
func pageOf(pr depgraph.PageReport) Page {
	pj := Page{Name: pr.Name, Entities: make([]Entity, 0, len(pr.Entities)), Cycles: pr.Cycles, Unknown: Unknowns(pr.Unknown), Unused: pr.Unused, SyntaxErrors: pr.SyntaxErrors}
	for _, e := range pr.Entities {
		pj.Entities = append(pj.Entities, Entity{Name: e.Name, Kind: e.Kind.String(), Type: e.Type, Parent: e.Parent})
	}
	return pj
}

// Edges converts the graph's edges, as reports and the pushes of graph
// changes print them; never nil, so JSON shows [].
func Edges(es []depgraph.Edge) []Edge {
	out := make([]Edge, 0, len(es))
	for _, e := range es {
		out = append(out, edge(e))
	}
	return out
}

func edge(e depgraph.Edge) Edge {
	return Edge{Page: e.Page, From: e.From, To: e.To, Kind: e.Kind.String()}
}

// Unknowns converts the graph's unknown references, as reports and the
// pushes of graph changes print them; never nil, so JSON shows [].
func Unknowns(us []depgraph.Unknown) []Unknown {
	out := make([]Unknown, 0, len(us))
	for _, u := range us {
		out = append(out, Unknown{From: u.From, Ref: u.Ref, Reason: u.Reason, Page: u.OtherPage, Suggestion: u.Suggestion})
	}
	return out
}

// WriteJSON writes the report as indented JSON without HTML escaping.
func (r App) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// DOT labels longer than this many lines, or lines longer than this many
// characters, are shortened: Graphviz sizes a node or an edge to its whole
// label, and a 1,600-character one-line label makes a page 13,000 px wide.
const (
	dotMaxLines    = 4
	dotMaxLineChar = 48
)

// WriteDOT writes the report as a Graphviz digraph: one cluster per page,
// entities as boxes (widgets), ellipses (actions) or hexagons (JS objects),
// an arrow from each entity to each entity its bindings refer to, labelled
// with the binding paths, one per line (at most dotMaxLines, then "+N
// more"); edges and entities on a cycle are red.
func (r App) WriteDOT(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("digraph app {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for pi, p := range r.Pages {
		onCycle := map[string]bool{}
		cycleEdge := map[[2]string]bool{}
		for _, c := range p.Cycles {
			for i, n := range c {
				onCycle[depgraph.NodeEntity(n)] = true
				if i > 0 {
					cycleEdge[[2]string{depgraph.NodeEntity(c[i-1]), depgraph.NodeEntity(n)}] = true
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
			fmt.Fprintf(&b, "    %s [label=%s, shape=%s%s];\n", dotID(p.Name, e.Name), dotQuote(shorten(e.Name, dotMaxLineChar)), shape, color)
		}
		labels := map[[2]string][]string{}
		var keys [][2]string
		for _, e := range r.Edges {
			if e.Page != p.Name {
				continue
			}
			k := [2]string{depgraph.NodeEntity(e.From), depgraph.RootOf(e.To)}
			if _, ok := labels[k]; !ok {
				keys = append(keys, k)
			}
			path := strings.TrimPrefix(e.From, k[0]+".")
			if !slices.Contains(labels[k], path) {
				labels[k] = append(labels[k], path)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
		for _, k := range keys {
			attrs := "label=" + dotQuote(dotLabel(labels[k]))
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

// dotLabel is an edge's binding paths, one per line, shortened.
func dotLabel(paths []string) string {
	lines := make([]string, 0, dotMaxLines)
	for i, p := range paths {
		if i == dotMaxLines-1 && len(paths) > dotMaxLines {
			lines = append(lines, fmt.Sprintf("+%d more", len(paths)-i))
			break
		}
		lines = append(lines, shorten(p, dotMaxLineChar))
	}
	return strings.Join(lines, "\n")
}

// shorten cuts s to at most n characters, the cut marked with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// WriteText writes one line per finding or edge, for people; names are
// Printable.
func (r App) WriteText(w io.Writer) error {
	var b bytes.Buffer
	for _, p := range r.Pages {
		fmt.Fprintf(&b, "page %s: %s\n", Printable(p.Name), plural(len(p.Entities), "entity"))
		for _, c := range p.Cycles {
			fmt.Fprintf(&b, "  cycle: %s\n", Printable(strings.Join(c, " → ")))
		}
		for _, e := range r.Edges {
			if e.Page == p.Name {
				fmt.Fprintf(&b, "  %s → %s (%s)\n", Printable(e.From), Printable(e.To), e.Kind)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// LintOptions says where the lint report finds what the graph does not
// know.
type LintOptions struct {
	// File names the file an entity is stored in, for the findings that
	// have no property to point at (unused entities); nil or "" for none.
	File func(page, entity string) string
}

// LintCounts are the findings of a lint report by kind. Cycles and unknown
// references are errors; unused entities are warnings.
type LintCounts struct {
	Cycles, Unknown, Unused int
}

// Errors is the number of findings that fail a lint.
func (c LintCounts) Errors() int { return c.Cycles + c.Unknown }

// Summary is the last line of a lint report.
func (c LintCounts) Summary() string {
	return fmt.Sprintf("%s (%s, %s), %s (%s)",
		plural(c.Errors(), "error"), plural(c.Cycles, "cycle"), plural(c.Unknown, "unknown reference"),
		plural(c.Unused, "warning"), plural(c.Unused, "unused entity"))
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	if strings.HasSuffix(one, "y") {
		return fmt.Sprintf("%d %sies", n, one[:len(one)-1])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// WriteLint writes each finding on a line of its own, as
// `page › entity › property: severity: message` (unused entities, which
// have no property, name their file instead), then a summary line. Names
// are Printable.
func (r App) WriteLint(w io.Writer, opts LintOptions) (LintCounts, error) {
	var b bytes.Buffer
	var n LintCounts
	place := func(page, node string) string {
		ent := depgraph.NodeEntity(node)
		s := page + " › " + ent
		if path := strings.TrimPrefix(node, ent); path != "" {
			s += " › " + strings.TrimPrefix(path, ".")
		}
		return Printable(s)
	}
	for _, p := range r.Pages {
		for _, c := range p.Cycles {
			fmt.Fprintf(&b, "%s: error: cycle: %s\n", place(p.Name, c[0]), Printable(strings.Join(c, " → ")))
			n.Cycles++
		}
		for _, u := range p.Unknown {
			fmt.Fprintf(&b, "%s: error: %s\n", place(p.Name, u.From), Printable("unknown reference "+u.Ref+unknownHint(u)))
			n.Unknown++
		}
		for _, name := range p.Unused {
			msg := "unused: nothing refers to it and it does not run on page load"
			if opts.File != nil {
				if f := opts.File(p.Name, name); f != "" {
					msg += " (" + f + ")"
				}
			}
			fmt.Fprintf(&b, "%s: warning: %s\n", place(p.Name, name), Printable(msg))
			n.Unused++
		}
	}
	b.WriteString(n.Summary() + "\n")
	_, err := w.Write(b.Bytes())
	return n, err
}

// Printable escapes what a terminal would act on instead of showing:
// control characters (an app's names and paths are untrusted, and an
// escape sequence in a widget name must not restyle or clear the screen)
// and the bidirectional overrides that make text read differently from
// what it is. Each becomes \u followed by its four hex digits.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unprintable(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unprintable(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unprintable(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// dotQuote quotes s as a DOT string. Backslashes are doubled, so a name
// cannot inject one of Graphviz's label escapes (\N, \G, \l…); a newline
// becomes \n, which Graphviz draws as a centred line break; other control
// characters are escaped as Printable does.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case unprintable(r):
			fmt.Fprintf(&b, `\\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func dotID(page, name string) string { return dotQuote(page + "/" + name) }
