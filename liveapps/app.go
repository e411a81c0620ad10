package liveapps

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/parallel"
	"github.com/appsmith-rts/rts/store"
)

// scratch prefixes the names documents have in the model: a rename's
// plan names the texts it edits by these names, and the room hands the
// planner the texts (appmodel.App.SetFileText). No such folder exists.
const scratch = "rts-live"

// document is one stored document of a loaded app, as text, and what the
// model took from it.
type document struct {
	key  store.Key
	rev  store.Rev
	text string
	file string // the name Locations give the text
	seq  int    // first-seen order, for a stable entity order

	page   *appmodel.Page
	action appmodel.ActionDocument
	jsobj  appmodel.JSObjectDocument
	app    appmodel.ApplicationDocument
	lib    libraryDoc
}

type awaited struct {
	rev   store.Rev
	since time.Time
}

type libraryDoc struct {
	uid       string
	accessors []string
}

// appState is a loaded app: its documents, the model assembled from them,
// the live graph and the name index. mu guards everything but lastUsed
// (see doc.go for the lock order).
type appState struct {
	id string
	mu sync.Mutex

	loaded bool
	docs   map[store.Key]*document
	byFile map[string]*document
	appDoc *document
	seq    int
	model  *appmodel.App
	graph  *depgraph.Graph
	names  *nameIndex
	// awaiting holds, for each document the app took in from somewhere
	// else than the change feed (its own writes, a conflict's fresh
	// read), the revision it took: until the feed shows that revision,
	// what it says of the document is older (see takeChange).
	awaiting map[store.Key]awaited
	// rendered holds the graph's JSON by page ("" the whole app) until
	// the graph changes.
	rendered map[string][]byte
	// bytes estimates the memory the app holds (see estimateBytes).
	bytes int64

	lastUsed atomic.Int64 // unix nanoseconds of the last request
	// ready mirrors loaded for readers that do not take mu (ListApps).
	ready atomic.Bool
}

func (a *appState) put(d *document) {
	if old := a.docs[d.key]; old != nil {
		delete(a.byFile, old.file)
		d.seq = old.seq
	}
	a.docs[d.key] = d
	a.byFile[d.file] = d
	if d.key.Coll == store.CollApplication {
		a.appDoc = d
	}
	a.names.forget(d.key)
}

func (a *appState) remove(k store.Key) {
	if d := a.docs[k]; d != nil {
		delete(a.byFile, d.file)
		delete(a.docs, k)
		a.names.forget(k)
	}
}

// newDocument takes a stored document in; it is parsed separately.
func (a *appState) newDocument(sd store.Doc) *document {
	a.seq++
	return &document{
		key: sd.Key, rev: sd.Rev, text: sd.Text, seq: a.seq,
		file: filepath.Join(scratch, url.PathEscape(a.id), sd.Key.Coll+"-"+url.PathEscape(sd.Key.ID)+".json"),
	}
}

// parse reads what the model needs from the document's text.
func (d *document) parse() error {
	if d.text == "" {
		return fmt.Errorf("document %s is empty", d.key)
	}
	doc := appmodel.Document{File: d.file, Text: d.text}
	var err error
	switch d.key.Coll {
	case store.CollApplication:
		d.app, err = appmodel.LoadApplicationDocument(doc)
	case store.CollPage:
		d.page, err = appmodel.LoadPageDocument(doc)
	case store.CollAction:
		d.action, err = appmodel.LoadActionDocument(doc)
	case store.CollCollection:
		d.jsobj, err = appmodel.LoadJSObjectDocument(doc)
	case store.CollLibrary:
		d.lib, err = parseLibrary(doc)
	}
	if err != nil {
		return fmt.Errorf("document %s: %w", d.key, err)
	}
	return nil
}

func parseLibrary(d appmodel.Document) (libraryDoc, error) {
	if !gjson.Valid(d.Text) {
		return libraryDoc{}, errors.New("not JSON")
	}
	doc := gjson.Parse(d.Text)
	l := libraryDoc{uid: doc.Get("uidString").Str}
	for _, a := range doc.Get("accessor").Array() {
		l.accessors = append(l.accessors, a.Str)
	}
	return l, nil
}

// parseAll parses documents on all cores: page DSLs and JS object bodies
// are most of the cost of loading a large app.
func parseAll(docs []*document) error {
	errs := make([]error, len(docs))
	parallel.For(len(docs), func(k int) { errs[k] = docs[k].parse() })
	return errors.Join(errs...)
}

// assemble builds the app model from the parsed documents: pages in the
// application's order (then any others in the order first seen), each with
// its actions and JS objects in the order first seen.
func (a *appState) assemble() {
	byColl := map[string][]*document{}
	for _, d := range a.docs {
		byColl[d.key.Coll] = append(byColl[d.key.Coll], d)
	}
	for _, ds := range byColl {
		slices.SortFunc(ds, func(x, y *document) int { return x.seq - y.seq })
	}
	info := a.appDoc.app
	app := &appmodel.App{Name: info.Name, Format: appmodel.FormatExport, EvaluationVersion: info.EvaluationVersion}
	for _, l := range byColl[store.CollLibrary] {
		if slices.Contains(info.LibraryIDs, l.lib.uid) {
			app.Libraries = append(app.Libraries, l.lib.accessors...)
		}
	}
	byID := map[string]*appmodel.Page{}
	var pages []*appmodel.Page
	add := func(d *document) {
		if d == nil || d.page == nil || byID[d.page.ID] != nil {
			return
		}
		d.page.Actions, d.page.JSObjects = nil, nil
		byID[d.page.ID] = d.page
		pages = append(pages, d.page)
	}
	for _, id := range info.PageIDs {
		add(a.docs[store.Key{Coll: store.CollPage, ID: id}])
	}
	for _, d := range byColl[store.CollPage] {
		add(d)
	}
	onLoad := map[string]map[string][]string{} // page → object → functions
	for _, d := range byColl[store.CollAction] {
		ad := d.action
		p := byID[ad.PageID]
		switch {
		case p == nil:
		case ad.Action != nil:
			p.Actions = append(p.Actions, ad.Action)
		case ad.OnLoad:
			if onLoad[ad.PageID] == nil {
				onLoad[ad.PageID] = map[string][]string{}
			}
			onLoad[ad.PageID][ad.JSObject] = append(onLoad[ad.PageID][ad.JSObject], ad.JSFunction)
		}
	}
	for _, d := range byColl[store.CollCollection] {
		j := d.jsobj.JSObject
		p := byID[d.jsobj.PageID]
		if j == nil || p == nil {
			continue
		}
		j.OnLoadFunctions = onLoad[d.jsobj.PageID][j.Name]
		p.JSObjects = append(p.JSObjects, j)
	}
	app.Pages = pages
	a.model = app
}

// pageOf is the page a document's entities belong to ("" for none).
func (d *document) pageOf() string {
	switch d.key.Coll {
	case store.CollPage:
		if d.page != nil {
			return d.page.ID
		}
		return d.key.ID
	case store.CollAction:
		return d.action.PageID
	case store.CollCollection:
		return d.jsobj.PageID
	}
	return ""
}

// fetched is the current state of one document; doc nil when it is gone.
type fetched struct {
	key store.Key
	doc *store.Doc
}

// apply brings changed documents into a loaded app and patches the graph:
// only the pages whose documents changed are compared, and only the
// bindings whose code changed are analysed again. A page that appears,
// disappears or is renamed rebuilds the whole graph instead (pages are
// the graph's top-level keys). It returns one event per changed page and
// the documents it could not read (kept in their last good state).
func (a *appState) apply(fs []fetched, kind EventKind) ([]Event, []error) {
	affected := map[string]bool{}
	structural := false
	type update struct {
		key store.Key
		doc *document // nil: removed
	}
	var updates []update
	var bad []error
	for _, f := range fs {
		old := a.docs[f.key]
		if f.doc == nil || f.doc.Text == "" {
			if old != nil {
				updates = append(updates, update{key: f.key})
				affected[old.pageOf()] = true
				structural = structural || old.key.Coll == store.CollPage && old.page != nil || old.key.Coll == store.CollApplication
			}
			continue
		}
		if old != nil && old.rev == f.doc.Rev {
			continue
		}
		if old != nil && old.text == f.doc.Text {
			old.rev = f.doc.Rev
			continue
		}
		d := a.newDocument(*f.doc)
		if err := d.parse(); err != nil {
			// Keep the last good state, at the new revision: a rename that
			// touches it will plan on the old text and conflict.
			bad = append(bad, err)
			if old != nil {
				old.rev = d.rev
			}
			continue
		}
		updates = append(updates, update{key: f.key, doc: d})
		affected[d.pageOf()] = true
		if old != nil {
			affected[old.pageOf()] = true
		}
		switch f.key.Coll {
		case store.CollPage:
			wasPage, isPage := old != nil && old.page != nil, d.page != nil
			if wasPage != isPage || wasPage && old.page.Name != d.page.Name {
				structural = true
			}
		case store.CollApplication:
			o := a.appDoc.app
			if o.EvaluationVersion != d.app.EvaluationVersion || !slices.Equal(o.PageIDs, d.app.PageIDs) ||
				!slices.Equal(o.LibraryIDs, d.app.LibraryIDs) || d.app.Deleted {
				structural = true
			}
		case store.CollLibrary:
			structural = true
		}
	}
	if len(updates) == 0 {
		return nil, bad
	}
	a.rendered = nil
	oldInputs := map[string]depgraph.PageInput{}
	if !structural {
		for _, p := range a.model.Pages {
			if affected[p.ID] {
				oldInputs[p.ID] = appgraph.PageInput(p)
			}
		}
	}
	for _, u := range updates {
		if u.doc == nil {
			a.remove(u.key)
		} else {
			a.put(u.doc)
		}
	}
	a.assemble()
	a.bytes = estimateBytes(a)
	if structural {
		old := a.graph
		a.graph = appgraph.Build(a.model)
		return []Event{{AppID: a.id, Kind: kind, Change: edgeDiff(old, a.graph)}}, bad
	}
	a.graph.App = a.model.Name
	var events []Event
	for _, p := range a.model.Pages {
		if !affected[p.ID] {
			continue
		}
		ch := diffPage(a.graph, oldInputs[p.ID], appgraph.PageInput(p))
		if !ch.Empty() {
			events = append(events, Event{AppID: a.id, Page: p.Name, Kind: kind, Change: ch})
		}
	}
	return events, bad
}

// diffPage patches a page of the graph from its old input to its new one:
// bindings and entities that went are removed, entities that came or
// changed are set, then bindings that came or changed are set.
func diffPage(g *depgraph.Graph, old, cur depgraph.PageInput) depgraph.Change {
	ch := depgraph.Change{Page: cur.Name}
	oldEnt := map[string]depgraph.Entity{}
	for _, e := range old.Entities {
		oldEnt[e.Name] = e
	}
	curEnt := map[string]depgraph.Entity{}
	for _, e := range cur.Entities {
		curEnt[e.Name] = e
	}
	oldB := map[string]*depgraph.Binding{}
	for i := range old.Bindings {
		oldB[old.Bindings[i].Node] = &old.Bindings[i]
	}
	curB := map[string]*depgraph.Binding{}
	for i := range cur.Bindings {
		curB[cur.Bindings[i].Node] = &cur.Bindings[i]
	}
	for _, b := range old.Bindings {
		if _, stays := curEnt[b.Entity]; stays && curB[b.Node] == nil {
			ch.Merge(g.RemoveBinding(cur.Name, b.Node))
		}
	}
	for _, e := range old.Entities {
		if _, stays := curEnt[e.Name]; !stays {
			ch.Merge(g.RemoveEntity(cur.Name, e.Name))
		}
	}
	for _, e := range cur.Entities {
		if o, ok := oldEnt[e.Name]; !ok || o != e {
			ch.Merge(g.SetEntity(cur.Name, e))
		}
	}
	for i := range cur.Bindings {
		b := &cur.Bindings[i]
		if o := oldB[b.Node]; o == nil || !sameBinding(o, b) {
			ch.Merge(g.SetBinding(cur.Name, *b))
		}
	}
	return ch
}

func sameBinding(a, b *depgraph.Binding) bool {
	return a.Entity == b.Entity && a.Kind == b.Kind && a.Function == b.Function && slices.Equal(a.Snippets, b.Snippets)
}

// edgeDiff is the change between two whole graphs, as edges.
func edgeDiff(old, cur *depgraph.Graph) depgraph.Change {
	var ch depgraph.Change
	before := map[depgraph.Edge]bool{}
	for _, e := range old.Edges() {
		before[e] = true
	}
	after := map[depgraph.Edge]bool{}
	for _, e := range cur.Edges() {
		after[e] = true
		if !before[e] {
			ch.EdgesAdded = append(ch.EdgesAdded, e)
		}
	}
	for _, e := range old.Edges() {
		if !after[e] {
			ch.EdgesRemoved = append(ch.EdgesRemoved, e)
		}
	}
	return ch
}

// bytesPerTextByte is how much memory a loaded app holds per byte of its
// documents' text: the texts themselves, the parsed model (gjson results
// point into the texts) and the graph. Measured on the shared apps
// (TestEstimateBytes keeps it honest).
const bytesPerTextByte = 3

// estimateBytes is what the memory budget counts for an app.
func estimateBytes(a *appState) int64 {
	var n int64
	for _, d := range a.docs {
		n += int64(len(d.text))
	}
	return n * bytesPerTextByte
}
