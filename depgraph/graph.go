package depgraph

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/appsmith-rts/rts/internal/parallel"
)

// EntityKind tells widgets, actions and JS objects apart.
type EntityKind uint8

const (
	WidgetEntity EntityKind = iota
	ActionEntity
	JSObjectEntity
)

func (k EntityKind) String() string {
	switch k {
	case ActionEntity:
		return "action"
	case JSObjectEntity:
		return "jsobject"
	}
	return "widget"
}

// Entity is a widget, an action or a JS object of a page.
type Entity struct {
	Name string
	Kind EntityKind
	Type string // widget type (TABLE_WIDGET_V2) or plugin type (API, DB)
	// OnLoad: an action, or a function of a JS object, that runs when the
	// page loads. Such an entity is used even if nothing refers to it.
	OnLoad bool
	// Parent is the widget a widget sits in (a container, modal, tab…);
	// "" on the page's main canvas, and for actions and JS objects.
	Parent string
}

// BindingKind is where a binding's code sits, which decides whether it takes
// part in evaluation order.
type BindingKind uint8

const (
	KindBinding  BindingKind = iota // a widget property
	KindTrigger                     // a widget event handler: runs on events, never evaluated
	KindAction                      // an action's configuration
	KindJSObject                    // a JS object member
)

func (k BindingKind) String() string {
	switch k {
	case KindTrigger:
		return "trigger"
	case KindAction:
		return "action"
	case KindJSObject:
		return "jsobject"
	}
	return "binding"
}

// Binding is one node's code: the `{{ }}` snippets of a widget property or
// action setting, or a JS object member's value.
type Binding struct {
	Node     string // Table1.tableData, Api1.config.body, JSObject1.myFun1
	Entity   string
	Kind     BindingKind
	Snippets []string
	// Function marks a JS object member that is a function: calling itself
	// is recursion, not a cycle.
	Function bool
}

// Edge goes from a binding node to a reference its code makes, whose root
// is an entity of the same page.
type Edge struct {
	Page, From, To string
	Kind           BindingKind
}

// Unknown is a reference whose root is neither an entity of the page, nor a
// local, nor a known global.
type Unknown struct {
	Page, From, Ref string
	// Reason: "other-page" (an entity of another page: Page names it),
	// "misspelt" (close to an entity of the page: Suggestion names it), or
	// "unknown" (nothing like it).
	Reason     string
	OtherPage  string
	Suggestion string
}

// Env is what the graph knows about the code it links and the platform the
// app runs on. It is handed in so that the graph holds no parser and no
// platform tables of its own; appmodel.NewGraph hands in Appsmith's.
type Env struct {
	// References lists the references one snippet of code makes (member
	// chains such as Api1.data[0], each once, in source order); ok is false
	// when the snippet does not parse. Required; it is called from several
	// goroutines at once during Load.
	References func(snippet string) (refs []string, ok bool)
	// IsGlobal reports whether a reference root needs no entity (the
	// language's and the platform's globals). Nil: none does.
	IsGlobal func(root string) bool
	// DefaultProperties maps, for a widget type, each meta property to the
	// default property it starts from (an input's text starts from its
	// defaultText), so that a reference to the meta property depends on the
	// default's binding; nil when the type has none. The graph only reads
	// the maps. Nil: no widget has any.
	DefaultProperties func(widgetType string) map[string]string
}

// Graph is the dependency graph of one app: per page, binding nodes at
// property-path granularity and the edges their references make. It is
// updated incrementally: each Set/Remove re-analyses only the binding or
// entity given, patches edges and cycles, and returns what changed.
//
// A Graph is not safe for concurrent use; callers serialise updates and
// queries (the store holds one lock per app).
type Graph struct {
	App   string
	env   Env
	pages []*page
	byKey map[string]*page
	// entityPages counts, per entity name, the pages that have it, for
	// telling "on another page" from "unknown".
	entityPages map[string]map[*page]bool
	// libraries are the globals of the app's installed JS libraries.
	libraries map[string]bool
}

// SetLibraries declares the global names the app's custom JS libraries
// define (their accessors, e.g. dayjs): references to them are not unknown.
func (g *Graph) SetLibraries(names []string) {
	g.libraries = map[string]bool{}
	for _, n := range names {
		g.libraries[n] = true
	}
}

type page struct {
	name     string
	entities []*entity
	byName   map[string]*entity
	nodes    map[string]*node
	// refIndex: reference root → nodes whose code refers to it. It is how
	// a new or removed entity finds the bindings that mention it.
	refIndex map[string]map[*node]struct{}
	sccSeq   int
	sccs     map[int][]*node // cyclic strongly connected components
	sccPaths map[int][]string
	seq      int // insertion counter for stable order
	// tarjanGen counts findAllCycles' runs (see tarjanState).
	tarjanGen uint64
}

type entity struct {
	Entity
	nodes []*node
	order int
	// defaults: meta property → default property, for the entity's type.
	defaults map[string]string
}

type node struct {
	name     string
	ent      *entity
	kind     BindingKind
	function bool
	refs     []string
	errors   int // snippets that did not parse
	out      []*node
	in       map[*node]struct{} // the nodes whose out holds this one; nil until one does
	scc      int
	order    int
	tarjan   tarjanState
}

// NewGraph returns an empty graph for an app, analysing code with env.
func NewGraph(app string, env Env) *Graph {
	if env.References == nil {
		panic("depgraph: NewGraph needs Env.References")
	}
	return &Graph{App: app, env: env, byKey: map[string]*page{}, entityPages: map[string]map[*page]bool{}}
}

// AddPage adds an empty page (pages keep the order they were added in).
func (g *Graph) AddPage(name string) {
	g.page(name)
}

func (g *Graph) page(name string) *page {
	if p, ok := g.byKey[name]; ok {
		return p
	}
	p := &page{
		name: name, byName: map[string]*entity{}, nodes: map[string]*node{},
		refIndex: map[string]map[*node]struct{}{}, sccs: map[int][]*node{}, sccPaths: map[int][]string{},
	}
	g.pages = append(g.pages, p)
	g.byKey[name] = p
	return p
}

// Pages lists the page names in order.
func (g *Graph) Pages() []string {
	out := make([]string, len(g.pages))
	for i, p := range g.pages {
		out[i] = p.name
	}
	return out
}

// --- bulk load ---

// PageInput is everything of one page, for a bulk load.
type PageInput struct {
	Name     string
	Entities []Entity
	Bindings []Binding
}

// Load builds the graph of whole pages at once: the bindings are analysed in
// parallel on all cores, then linked, then cycles found in one pass per page.
// It is the fast path for opening an app; incremental updates follow.
func (g *Graph) Load(pages []PageInput) {
	// Snippets recur across an app (theme bindings, copied widgets and
	// pages): each distinct one is analysed once, the distinct ones spread
	// over all cores.
	index := map[string]int{}
	var uniq []string
	for i := range pages {
		for j := range pages[i].Bindings {
			for _, s := range pages[i].Bindings[j].Snippets {
				if _, ok := index[s]; !ok {
					index[s] = len(uniq)
					uniq = append(uniq, s)
				}
			}
		}
	}
	type analysed struct {
		refs []string
		ok   bool
	}
	infos := make([]analysed, len(uniq))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	// Blocks of snippets handed out as workers finish the last: snippets
	// differ in cost by orders of magnitude (a JS function against a
	// theme binding), so fixed halves end at different times.
	const block = 64
	var taken atomic.Int64
	for w := 0; w < workers && w*block < len(uniq); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(taken.Add(block)) - block
				if lo >= len(uniq) {
					return
				}
				for k := lo; k < min(lo+block, len(uniq)); k++ {
					infos[k].refs, infos[k].ok = g.env.References(uniq[k])
				}
			}
		}()
	}
	wg.Wait()

	// The pages themselves and the names of their entities are the
	// graph's shared state; set them first, in order.
	ps := make([]*page, len(pages))
	distinct := map[*page]bool{}
	for i := range pages {
		ps[i] = g.page(pages[i].Name)
		distinct[ps[i]] = true
		for _, e := range pages[i].Entities {
			g.putEntity(ps[i], e)
		}
	}
	// Then each page's nodes, edges and cycles, which only touch that page:
	// on all cores, unless a page is given twice.
	added := make([][]string, len(pages)) // entities only bindings name
	loadPage := func(i int) {
		p := ps[i]
		for j := range pages[i].Bindings {
			b := &pages[i].Bindings[j]
			if p.byName[b.Entity] == nil {
				added[i] = append(added[i], b.Entity)
			}
			n := g.newNodeIn(p, b)
			for _, s := range b.Snippets {
				info := &infos[index[s]]
				if !info.ok {
					n.errors++
					continue
				}
				for _, r := range info.refs {
					if !containsString(n.refs, r) {
						n.refs = append(n.refs, r)
					}
				}
			}
			p.index(n)
		}
		for _, n := range p.sortedNodes() {
			g.link(p, n)
		}
		p.findAllCycles()
	}
	if len(distinct) < len(pages) {
		for i := range pages {
			loadPage(i)
		}
	} else {
		parallel.For(len(pages), loadPage)
	}
	for i, names := range added {
		for _, name := range names {
			g.notePage(name, ps[i])
		}
	}
}

// analyse extracts the references of a binding's snippets, each once, in
// order.
func (g *Graph) analyse(snippets []string) ([]string, int) {
	var refs []string
	errs := 0
	for _, s := range snippets {
		found, ok := g.env.References(s)
		if !ok {
			errs++
			continue
		}
		for _, r := range found {
			if !containsString(refs, r) {
				refs = append(refs, r)
			}
		}
	}
	return refs, errs
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --- entities ---

func (g *Graph) putEntity(p *page, e Entity) *entity {
	ent, added := g.putEntityIn(p, e)
	if added {
		g.notePage(e.Name, p)
	}
	return ent
}

// putEntityIn is putEntity without the graph's index of which pages have
// which names (notePage): it touches only p. added is false when p had
// the entity already.
func (g *Graph) putEntityIn(p *page, e Entity) (ent *entity, added bool) {
	if ent, ok := p.byName[e.Name]; ok {
		ent.Entity = e
		ent.defaults = g.defaultsOf(e.Type)
		return ent, false
	}
	p.seq++
	ent = &entity{Entity: e, order: p.seq, defaults: g.defaultsOf(e.Type)}
	p.entities = append(p.entities, ent)
	p.byName[e.Name] = ent
	return ent, true
}

// notePage records that page p has an entity named name.
func (g *Graph) notePage(name string, p *page) {
	if g.entityPages[name] == nil {
		g.entityPages[name] = map[*page]bool{}
	}
	g.entityPages[name][p] = true
}

// SetEntity adds an entity to a page, or updates its kind, type and
// on-load flag. References to its name elsewhere on the page become edges.
func (g *Graph) SetEntity(pageName string, e Entity) Change {
	p := g.page(pageName)
	_, existed := p.byName[e.Name]
	var before snapshot
	if !existed {
		before = g.snapshotOf(p, p.referrers(e.Name))
	}
	g.putEntity(p, e)
	ch := Change{Page: p.name}
	if !existed {
		touched := p.referrers(e.Name)
		for _, n := range touched {
			g.link(p, n)
		}
		g.diff(p, before, touched, &ch)
		p.updateCycles(touched, &ch)
	}
	return ch
}

// RemoveEntity removes an entity and all its bindings from a page.
// References to it become unknown.
func (g *Graph) RemoveEntity(pageName, name string) Change {
	p := g.page(pageName)
	ent, ok := p.byName[name]
	ch := Change{Page: p.name}
	if !ok {
		return ch
	}
	for len(ent.nodes) > 0 {
		c := g.RemoveBinding(pageName, ent.nodes[len(ent.nodes)-1].name)
		ch.Merge(c)
	}
	referrers := p.referrers(name)
	before := g.snapshotOf(p, referrers)
	delete(p.byName, name)
	for i, e := range p.entities {
		if e == ent {
			p.entities = append(p.entities[:i], p.entities[i+1:]...)
			break
		}
	}
	delete(g.entityPages[name], p)
	if len(g.entityPages[name]) == 0 {
		delete(g.entityPages, name)
	}
	for _, n := range referrers {
		g.link(p, n)
	}
	g.diff(p, before, referrers, &ch)
	p.updateCycles(referrers, &ch)
	return ch
}

// --- bindings ---

func (g *Graph) newNode(p *page, b *Binding) *node {
	if p.byName[b.Entity] == nil {
		g.putEntity(p, Entity{Name: b.Entity})
	}
	return g.newNodeIn(p, b)
}

// newNodeIn is newNode touching only p: an entity it has to add is not
// noted in the graph's index of names (Load notes it afterwards).
func (g *Graph) newNodeIn(p *page, b *Binding) *node {
	ent := p.byName[b.Entity]
	if ent == nil {
		ent, _ = g.putEntityIn(p, Entity{Name: b.Entity})
	}
	p.seq++
	n := &node{name: b.Node, ent: ent, kind: b.Kind, function: b.Function, order: p.seq}
	p.nodes[b.Node] = n
	ent.nodes = append(ent.nodes, n)
	return n
}

// SetBinding adds or replaces the code of one binding node and patches the
// graph: only this node's snippets are analysed.
func (g *Graph) SetBinding(pageName string, b Binding) Change {
	p := g.page(pageName)
	refs, errs := g.analyse(b.Snippets)
	ch := Change{Page: p.name}
	n, existed := p.nodes[b.Node]
	touched := []*node{}
	var before snapshot
	if existed {
		before = g.snapshotOf(p, []*node{n})
		p.unindex(n)
		n.kind, n.function = b.Kind, b.Function
	} else {
		n = g.newNode(p, &b)
		// Bindings that refer to this entity may now reach the new node.
		touched = append(touched, p.referrers(b.Entity)...)
		before = g.snapshotOf(p, touched)
	}
	n.refs, n.errors = refs, errs
	p.index(n)
	touched = append(touched, n)
	for _, t := range touched {
		g.link(p, t)
	}
	g.diff(p, before, touched, &ch)
	p.updateCycles(touched, &ch)
	ch.Nodes = appendUnique(ch.Nodes, n.name)
	return ch
}

// RemoveBinding removes one binding node.
func (g *Graph) RemoveBinding(pageName, nodeName string) Change {
	p := g.page(pageName)
	ch := Change{Page: p.name}
	n, ok := p.nodes[nodeName]
	if !ok {
		return ch
	}
	dependents := make([]*node, 0, len(n.in))
	for d := range n.in {
		if d != n {
			dependents = append(dependents, d)
		}
	}
	sortNodes(dependents)
	before := g.snapshotOf(p, append([]*node{n}, dependents...))
	p.unindex(n)
	n.refs = nil
	g.link(p, n) // drops its out-edges and their reverse entries
	delete(p.nodes, nodeName)
	for i, x := range n.ent.nodes {
		if x == n {
			n.ent.nodes = append(n.ent.nodes[:i], n.ent.nodes[i+1:]...)
			break
		}
	}
	for _, d := range dependents {
		g.link(p, d)
	}
	g.diff(p, before, append([]*node{n}, dependents...), &ch)
	p.updateCycles(append([]*node{n}, dependents...), &ch)
	ch.Nodes = appendUnique(ch.Nodes, nodeName)
	return ch
}

func (p *page) index(n *node) {
	for _, r := range n.refs {
		root := RootOf(r)
		set := p.refIndex[root]
		if set == nil {
			set = map[*node]struct{}{}
			p.refIndex[root] = set
		}
		set[n] = struct{}{}
	}
}

func (p *page) unindex(n *node) {
	for _, r := range n.refs {
		root := RootOf(r)
		if set := p.refIndex[root]; set != nil {
			delete(set, n)
			if len(set) == 0 {
				delete(p.refIndex, root)
			}
		}
	}
}

// referrers are the nodes whose code refers to name, in stable order.
func (p *page) referrers(name string) []*node {
	set := p.refIndex[name]
	out := make([]*node, 0, len(set))
	for n := range set {
		if _, live := p.nodes[n.name]; live {
			out = append(out, n)
		}
	}
	sortNodes(out)
	return out
}

// link recomputes a node's dependency edges from its references.
func (g *Graph) link(p *page, n *node) {
	for _, t := range n.out {
		delete(t.in, n)
	}
	n.out = n.out[:0]
	for _, r := range n.refs {
		ent := p.byName[RootOf(r)]
		if ent == nil {
			continue
		}
		for _, t := range ent.nodes {
			if t == n && n.function {
				continue // recursion
			}
			if reaches(r, t.name, ent) && !containsNode(n.out, t) {
				n.out = append(n.out, t)
				if t.in == nil {
					t.in = map[*node]struct{}{}
				}
				t.in[n] = struct{}{}
			}
		}
	}
}

// reaches reports whether reference r reaches binding node name of ent:
// the same path, a path under the other, or a meta property whose default
// property is the node (Input1.text reaches Input1.defaultText).
func reaches(r, name string, ent *entity) bool {
	if overlaps(r, name) {
		return true
	}
	if ent.defaults == nil {
		return false
	}
	rest := strings.TrimPrefix(r, ent.Name+".")
	if rest == r {
		return false
	}
	meta := rest
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		meta = rest[:i]
	}
	if d, ok := ent.defaults[meta]; ok {
		return overlaps(ent.Name+"."+d, name)
	}
	return false
}

func (g *Graph) defaultsOf(widgetType string) map[string]string {
	if g.env.DefaultProperties == nil {
		return nil
	}
	return g.env.DefaultProperties(widgetType)
}

// RootOf is the entity part of a reference: the text before the first `.`
// or `[` (lodash toPath(ref)[0] for the references the analysis returns).
func RootOf(ref string) string {
	if i := strings.IndexAny(ref, ".["); i >= 0 {
		return ref[:i]
	}
	return ref
}

// overlaps: a equals b, or one is a path under the other.
func overlaps(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if !strings.HasPrefix(b, a) {
		return false
	}
	return len(a) == len(b) || b[len(a)] == '.' || b[len(a)] == '['
}

func containsNode(list []*node, n *node) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// sortNodes sorts by order, which no two nodes of a page share.
func sortNodes(list []*node) {
	slices.SortFunc(list, func(a, b *node) int { return cmp.Compare(a.order, b.order) })
}

func (p *page) sortedNodes() []*node {
	out := make([]*node, 0, len(p.nodes))
	for _, n := range p.nodes {
		out = append(out, n)
	}
	sortNodes(out)
	return out
}

func appendUnique(list []string, s string) []string {
	if containsString(list, s) {
		return list
	}
	return append(list, s)
}
