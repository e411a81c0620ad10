package report

import (
	"bytes"
	"encoding/json"

	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/parallel"
)

// JSON is FromGraph(g, page) as compact JSON without HTML escaping, the
// bytes encoding/json writes for it (without the final newline). Each
// page's part, its report and its edges, is built and encoded apart from
// the others on all cores, then the parts are joined: for the largest
// shared app this is 1.4 MB, and a server's first answer for an app waits
// for it.
func JSON(g *depgraph.Graph, page string) ([]byte, bool, error) {
	names := g.Pages()
	if page != "" {
		if _, ok := g.PageReport(page); !ok {
			return nil, false, nil
		}
		names = []string{page}
	}
	type part struct {
		page, edges []byte
		err         error
	}
	parts := make([]part, len(names))
	parallel.For(len(names), func(i int) {
		pr, _ := g.PageReport(names[i])
		es, _ := g.PageEdges(names[i])
		pt := &parts[i]
		if pt.page, pt.err = encode(pageOf(pr)); pt.err != nil {
			return
		}
		if edges, err := encode(Edges(es)); err != nil {
			pt.err = err
		} else {
			// The elements only: the parts go into one list.
			pt.edges = edges[1 : len(edges)-1]
		}
	})
	app, err := encode(g.App)
	if err != nil {
		return nil, true, err
	}
	size := len(app) + 32
	for _, pt := range parts {
		if pt.err != nil {
			return nil, true, pt.err
		}
		size += len(pt.page) + len(pt.edges) + 2
	}
	out := make([]byte, 0, size)
	out = append(out, `{"app":`...)
	out = append(out, app...)
	out = append(out, `,"pages":[`...)
	for i, pt := range parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, pt.page...)
	}
	out = append(out, `],"edges":[`...)
	first := true
	for _, pt := range parts {
		if len(pt.edges) == 0 {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, pt.edges...)
	}
	out = append(out, "]}"...)
	return out, true, nil
}

// encode is v as encoding/json writes it without HTML escaping.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
