package appgraph

import (
	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/parallel"
)

// Input turns the app into the dependency graph's input: per page, its
// entities and every binding's snippets. Pages are independent and only
// read: they are done on all cores (a stored page's widget tree is one
// JSON text that finding containers walks again, a tenth of an app's load).
func Input(app *appmodel.App) []depgraph.PageInput {
	pages := make([]depgraph.PageInput, len(app.Pages))
	parallel.For(len(pages), func(i int) { pages[i] = PageInput(app.Pages[i]) })
	return pages
}

// PageInput is Input for one page.
func PageInput(p *appmodel.Page) depgraph.PageInput {
	in := depgraph.PageInput{Name: p.Name}
	parents := p.Containers()
	for _, w := range p.Widgets {
		in.Entities = append(in.Entities, depgraph.Entity{Name: w.Name, Kind: depgraph.WidgetEntity, Type: w.Type, Parent: parents[w.Name]})
	}
	for _, a := range p.Actions {
		in.Entities = append(in.Entities, depgraph.Entity{Name: a.Name, Kind: depgraph.ActionEntity, Type: a.PluginType, OnLoad: a.ExecuteOnLoad})
	}
	for _, j := range p.JSObjects {
		in.Entities = append(in.Entities, depgraph.Entity{Name: j.Name, Kind: depgraph.JSObjectEntity, OnLoad: len(j.OnLoadFunctions) > 0})
	}
	for b := range p.Bindings() {
		in.Bindings = append(in.Bindings, Binding(p, b))
	}
	return in
}

// Binding is one binding as the graph takes it.
func Binding(p *appmodel.Page, b *appmodel.Binding) depgraph.Binding {
	gb := depgraph.Binding{Node: b.Node, Entity: b.Entity, Snippets: b.Snippets}
	switch b.Kind {
	case appmodel.BindingTrigger:
		gb.Kind = depgraph.KindTrigger
	case appmodel.BindingAction:
		gb.Kind = depgraph.KindAction
	case appmodel.BindingJSObject:
		gb.Kind = depgraph.KindJSObject
		for _, j := range p.JSObjects {
			if j.Name != b.Entity {
				continue
			}
			for _, m := range j.Members {
				if m.Key == b.Path {
					gb.Function = m.Kind == analysis.Function
				}
			}
		}
	default:
		gb.Kind = depgraph.KindBinding
	}
	return gb
}

// Env is what the dependency graph needs to know about Appsmith: code
// is JavaScript analysed as Appsmith evaluates a binding (evaluation version
// 2), JavaScript's and Appsmith's globals need no entity, and a widget's
// meta properties start from its default properties.
func Env() depgraph.Env {
	return depgraph.Env{
		References: func(code string) ([]string, bool) {
			info := analysis.Extract(code, 2, nil)
			return info.References, !info.IsError
		},
		IsGlobal:          analysis.IsKnownGlobal,
		DefaultProperties: appmodel.DefaultProperties,
	}
}

// New returns an empty dependency graph for an Appsmith app.
func New(appName string) *depgraph.Graph {
	return depgraph.NewGraph(appName, Env())
}

// Build loads the app's dependency graph.
func Build(app *appmodel.App) *depgraph.Graph {
	g := New(app.Name)
	g.SetLibraries(app.Libraries)
	g.Load(Input(app))
	return g
}
