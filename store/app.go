package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// docKey names a document: its collection and its _id (hex for an
// ObjectID).
type docKey struct{ coll, id string }

func (k docKey) String() string { return k.coll + "/" + k.id }

// version is what tells one state of a document from the next without
// reading it whole: Appsmith's updatedAt and the store's rtsVersion, as
// stored (zero values when absent).
type version struct {
	updatedAt bson.RawValue
	n         bson.RawValue
}

func versionOf(r bson.Raw) version {
	return version{updatedAt: lookup(r, fieldUpdatedAt), n: lookup(r, fieldVersion)}
}

// lookup copies a field's value out of a document, which Lookup would
// keep alive for the sake of a few bytes.
func lookup(r bson.Raw, key string) bson.RawValue {
	v := r.Lookup(key)
	v.Value = slices.Clone(v.Value)
	return v
}

func (v version) equal(w version) bool {
	return v.updatedAt.Equal(w.updatedAt) && v.n.Equal(w.n)
}

// filter matches the document only while it still has this version.
func (v version) filter(id bson.RawValue) bson.D {
	f := bson.D{{Key: "_id", Value: id}}
	for _, fv := range []struct {
		name string
		val  bson.RawValue
	}{{fieldUpdatedAt, v.updatedAt}, {fieldVersion, v.n}} {
		if fv.val.IsZero() {
			f = append(f, bson.E{Key: fv.name, Value: bson.D{{Key: "$exists", Value: false}}})
		} else {
			f = append(f, bson.E{Key: fv.name, Value: fv.val})
		}
	}
	return f
}

func (v version) next() int64 {
	n, _ := v.n.AsInt64OK()
	return n + 1
}

// document is one stored document of a loaded app, as text, and what the
// model took from it.
type document struct {
	key   docKey
	rawID bson.RawValue
	text  string // relaxed extended JSON
	file  string // where PlanRename reads text (see doc.go)
	ver   version
	seq   int // first-seen order, for a stable entity order

	page   *appmodel.Page
	action appmodel.ActionDocument
	jsobj  appmodel.JSObjectDocument
	app    appmodel.ApplicationDocument
	lib    libraryDoc
}

type libraryDoc struct {
	uid       string
	accessors []string
}

// appState is a loaded app: its documents, the model assembled from them
// and the live graph. mu guards everything (see doc.go for the lock order).
type appState struct {
	id string
	mu sync.Mutex

	loaded bool
	docs   map[docKey]*document
	byFile map[string]*document
	appDoc *document
	seq    int
	model  *appmodel.App
	graph  *depgraph.Graph
	// gen counts updates of the model. A poll whose snapshot predates an
	// update is dropped: it may have read documents before a write that
	// has since been applied, and would undo it in memory.
	gen uint64
}

// lockApp returns the app, loaded, with its mutex held.
func (s *Store) lockApp(ctx context.Context, id string) (*appState, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	a := s.apps[id]
	if a == nil {
		a = &appState{id: id}
		s.apps[id] = a
	}
	s.mu.Unlock()
	a.mu.Lock()
	if a.loaded {
		return a, nil
	}
	if err := s.load(ctx, a); err != nil {
		a.mu.Unlock()
		s.mu.Lock()
		if s.apps[id] == a && !a.loaded {
			delete(s.apps, id)
		}
		s.mu.Unlock()
		return nil, err
	}
	return a, nil
}

// loadedApps lists the apps whose graphs are live.
func (s *Store) loadedApps() []*appState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*appState, 0, len(s.apps))
	for _, a := range s.apps {
		out = append(out, a)
	}
	return out
}

// idValue is the _id an application id names: an ObjectID when it is one.
func idValue(id string) any {
	if oid, err := bson.ObjectIDFromHex(id); err == nil {
		return oid
	}
	return id
}

func idString(v bson.RawValue) string {
	if oid, ok := v.ObjectIDOK(); ok {
		return oid.Hex()
	}
	if s, ok := v.StringValueOK(); ok {
		return s
	}
	return v.String()
}

// load reads every document of the app and builds its model and graph.
func (s *Store) load(ctx context.Context, a *appState) error {
	appRaw, err := s.findOne(ctx, collApplication, bson.D{{Key: "_id", Value: idValue(a.id)}})
	if err != nil {
		return s.fail("load", err)
	}
	if appRaw == nil {
		return fmt.Errorf("%w: application %q", ErrNotFound, a.id)
	}
	raws := []fetched{{key: docKey{collApplication, a.id}, raw: appRaw}}
	for _, c := range appCollections {
		rs, err := s.findAll(ctx, c, bson.D{{Key: "applicationId", Value: a.id}}, nil)
		if err != nil {
			return s.fail("load", err)
		}
		for _, r := range rs {
			raws = append(raws, fetched{key: docKey{c, idString(r.Lookup("_id"))}, raw: r})
		}
	}
	a.docs, a.byFile, a.seq = map[docKey]*document{}, map[string]*document{}, 0
	docs := make([]*document, len(raws))
	for i, f := range raws {
		docs[i] = s.newDocument(a, f)
	}
	if err := parseAll(docs); err != nil {
		return err
	}
	for _, d := range docs {
		a.put(d)
	}
	if a.appDoc.app.Deleted {
		return fmt.Errorf("%w: application %q is deleted", ErrNotFound, a.id)
	}
	if err := s.loadLibraries(ctx, a); err != nil {
		return err
	}
	a.assemble()
	a.graph = appmodel.BuildGraph(a.model)
	a.loaded = true
	a.gen++
	s.log.Info("app loaded", "app", a.id, "name", a.model.Name, "pages", len(a.model.Pages), "documents", len(a.docs))
	return nil
}

// loadLibraries reads the custom JS libraries the application lists.
func (s *Store) loadLibraries(ctx context.Context, a *appState) error {
	for k, d := range a.docs {
		if k.coll == collJSLib {
			delete(a.docs, k)
			delete(a.byFile, d.file)
		}
	}
	ids := a.appDoc.app.LibraryIDs
	if len(ids) == 0 {
		return nil
	}
	rs, err := s.findAll(ctx, collJSLib, bson.D{{Key: "uidString", Value: bson.D{{Key: "$in", Value: ids}}}}, nil)
	if err != nil {
		return s.fail("load", err)
	}
	for _, r := range rs {
		d := s.newDocument(a, fetched{key: docKey{collJSLib, idString(r.Lookup("_id"))}, raw: r})
		if err := d.parse(); err != nil {
			return err
		}
		a.put(d)
	}
	return nil
}

func (a *appState) put(d *document) {
	if old := a.docs[d.key]; old != nil {
		delete(a.byFile, old.file)
		d.seq = old.seq
	}
	a.docs[d.key] = d
	a.byFile[d.file] = d
	if d.key.coll == collApplication {
		a.appDoc = d
	}
}

func (a *appState) remove(k docKey) {
	if d := a.docs[k]; d != nil {
		delete(a.byFile, d.file)
		delete(a.docs, k)
	}
}

// newDocument renders a fetched document as text; it is parsed separately.
func (s *Store) newDocument(a *appState, f fetched) *document {
	a.seq++
	text, err := bson.MarshalExtJSON(f.raw, false, false)
	d := &document{
		key: f.key, rawID: lookup(f.raw, "_id"), text: string(text), ver: versionOf(f.raw), seq: a.seq,
		file: filepath.Join(s.scratch, url.PathEscape(a.id), f.key.coll+"-"+url.PathEscape(f.key.id)+".json"),
	}
	if err != nil {
		// Kept with an empty text: parse reports it.
		d.text = ""
	}
	return d
}

// parse reads what the model needs from the document's text.
func (d *document) parse() error {
	if d.text == "" {
		return fmt.Errorf("%w: %s cannot be rendered as JSON", ErrBadInput, d.key)
	}
	doc := appmodel.Document{File: d.file, Text: d.text}
	var err error
	switch d.key.coll {
	case collApplication:
		d.app, err = appmodel.LoadApplicationDocument(doc)
	case collPage:
		d.page, err = appmodel.LoadPageDocument(doc)
	case collAction:
		d.action, err = appmodel.LoadActionDocument(doc)
	case collCollection:
		d.jsobj, err = appmodel.LoadJSObjectDocument(doc)
	case collJSLib:
		d.lib, err = parseLibrary(doc)
	}
	if err != nil {
		return fmt.Errorf("document %s: %w", d.key, err)
	}
	return nil
}

// parseAll parses documents on all cores: page DSLs and JS object bodies
// are most of the cost of loading a large app.
func parseAll(docs []*document) error {
	errs := make([]error, len(docs))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(docs) {
					return
				}
				errs[k] = docs[k].parse()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// assemble builds the app model from the parsed documents: pages in the
// application's order (then any others in the order first seen), each with
// its actions and JS objects in the order first seen.
func (a *appState) assemble() {
	byColl := map[string][]*document{}
	for _, d := range a.docs {
		byColl[d.key.coll] = append(byColl[d.key.coll], d)
	}
	for _, ds := range byColl {
		slices.SortFunc(ds, func(x, y *document) int { return x.seq - y.seq })
	}
	info := a.appDoc.app
	app := &appmodel.App{Name: info.Name, Format: appmodel.FormatExport, EvaluationVersion: info.EvaluationVersion}
	for _, l := range byColl[collJSLib] {
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
		add(a.docs[docKey{collPage, id}])
	}
	for _, d := range byColl[collPage] {
		add(d)
	}
	onLoad := map[string]map[string][]string{} // page → object → functions
	for _, d := range byColl[collAction] {
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
	for _, d := range byColl[collCollection] {
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
	switch d.key.coll {
	case collPage:
		if d.page != nil {
			return d.page.ID
		}
		return d.key.id
	case collAction:
		return d.action.PageID
	case collCollection:
		return d.jsobj.PageID
	}
	return ""
}

// fetched is the current state of one document; raw is nil when it is
// gone.
type fetched struct {
	key docKey
	raw bson.Raw
}

// apply brings fetched documents into a loaded app and patches the graph:
// only the pages whose documents changed are compared, and only the
// bindings whose code changed are analysed again. A page that appears,
// disappears or is renamed rebuilds the whole graph instead (pages are
// the graph's top-level keys). It returns one event per changed page.
func (s *Store) apply(a *appState, fs []fetched, kind EventKind) []Event {
	affected := map[string]bool{}
	structural := false
	type update struct {
		key docKey
		doc *document // nil: removed
	}
	var updates []update
	for _, f := range fs {
		old := a.docs[f.key]
		if f.raw == nil {
			if old != nil {
				updates = append(updates, update{key: f.key})
				affected[old.pageOf()] = true
				structural = structural || old.key.coll == collPage && old.page != nil || old.key.coll == collApplication
			}
			continue
		}
		d := s.newDocument(a, f)
		if old != nil && old.text == d.text {
			old.ver = d.ver
			continue
		}
		if err := d.parse(); err != nil {
			// Keep the last good state; a rename that touches it will find
			// the text changed and report a conflict.
			s.log.Warn("changed document not understood; keeping its last good state", "app", a.id, "doc", f.key, "err", err)
			s.metrics.errors.WithLabelValues("sync").Inc()
			if old != nil {
				old.ver = d.ver
			}
			continue
		}
		updates = append(updates, update{key: f.key, doc: d})
		affected[d.pageOf()] = true
		if old != nil {
			affected[old.pageOf()] = true
		}
		switch f.key.coll {
		case collPage:
			wasPage, isPage := old != nil && old.page != nil, d.page != nil
			if wasPage != isPage || wasPage && old.page.Name != d.page.Name {
				structural = true
			}
		case collApplication:
			o := a.appDoc.app
			if o.EvaluationVersion != d.app.EvaluationVersion || !slices.Equal(o.PageIDs, d.app.PageIDs) ||
				!slices.Equal(o.LibraryIDs, d.app.LibraryIDs) || d.app.Deleted {
				structural = true
			}
		}
	}
	if len(updates) == 0 {
		return nil
	}
	a.gen++
	oldInputs := map[string]depgraph.PageInput{}
	if !structural {
		for _, p := range a.model.Pages {
			if affected[p.ID] {
				oldInputs[p.ID] = appmodel.PageGraphInput(p)
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
	if structural {
		old := a.graph
		a.graph = appmodel.BuildGraph(a.model)
		return []Event{{AppID: a.id, Kind: kind, Change: edgeDiff(old, a.graph)}}
	}
	a.graph.App = a.model.Name
	var events []Event
	for _, p := range a.model.Pages {
		if !affected[p.ID] {
			continue
		}
		ch := diffPage(a.graph, oldInputs[p.ID], appmodel.PageGraphInput(p))
		if !ch.Empty() {
			events = append(events, Event{AppID: a.id, Page: p.Name, Kind: kind, Change: ch})
		}
	}
	return events
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

// findOne returns the document, or nil when there is none.
func (s *Store) findOne(ctx context.Context, coll string, filter any) (bson.Raw, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	r, err := s.coll(coll).FindOne(ctx, filter).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		s.setUp(true)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.setUp(true)
	return decodeRaw(r), nil
}

// findAll reads every matching document in _id order.
func (s *Store) findAll(ctx context.Context, coll string, filter, projection any) ([]bson.Raw, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	o := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	if projection != nil {
		o.SetProjection(projection)
	}
	cur, err := s.coll(coll).Find(ctx, filter, o)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out []bson.Raw
	for cur.Next(ctx) {
		out = append(out, decodeRaw(slices.Clone(cur.Current)))
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	s.setUp(true)
	return out, nil
}
