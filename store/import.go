package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// InputError is an import that cannot be stored: not an app, not valid
// JSON, or a document BSON cannot hold. It wraps ErrBadInput.
type InputError struct{ Err error }

func (e *InputError) Error() string   { return "store: bad input: " + e.Err.Error() }
func (e *InputError) Unwrap() []error { return []error{ErrBadInput, e.Err} }

// importSet is an app as Appsmith stores it: one text per document, in
// extended JSON.
type importSet struct {
	appID       bson.ObjectID
	application string
	pages       []string
	actions     []string
	collections []string
	libraries   []string
}

// Import stores an app loaded by appmodel.Load (a git folder or an export
// file) as Appsmith would: new ObjectIDs, documents linked by applicationId
// and pageId, JS function actions by collectionId, a git app's widget files
// assembled into each page's unpublishedPage.layouts[0].dsl, JS object
// bodies in unpublishedCollection.body and query bodies in
// actionConfiguration.body. It returns the new application id. Plugin and
// datasource references stay as the app names them (Appsmith's exports use
// plugin names, not ids).
func (s *Store) Import(ctx context.Context, app *appmodel.App) (string, error) {
	var set *importSet
	var err error
	switch {
	case app == nil:
		return "", &InputError{Err: errors.New("no app")}
	case app.Format == appmodel.FormatGit:
		set, err = gitImport(app)
	case app.Path != "":
		var b []byte
		b, err = os.ReadFile(app.Path)
		if err == nil {
			set, err = exportImport(string(b))
		}
	default:
		return "", &InputError{Err: errors.New("an export read from a stream: import its bytes with ImportExport")}
	}
	if err != nil {
		return "", asInputError(err)
	}
	return s.write(ctx, set)
}

// ImportExport stores an app from the body of an Appsmith export
// (POST /rts-api/v1/apps/import). A body that is not an export is an
// *InputError naming the position of the problem.
func (s *Store) ImportExport(ctx context.Context, r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", &InputError{Err: err}
	}
	// The model's loader is the validator: what it cannot load, the store
	// could not serve either.
	if _, err := appmodel.LoadExport(bytes.NewReader(b)); err != nil {
		return "", &InputError{Err: err}
	}
	set, err := exportImport(string(b))
	if err != nil {
		return "", asInputError(err)
	}
	return s.write(ctx, set)
}

func asInputError(err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// write inserts the documents, the application last: until it exists the
// others belong to no listed app, and when a write fails they are removed.
func (s *Store) write(ctx context.Context, set *importSet) (string, error) {
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	id := set.appID.Hex()
	type batch struct {
		coll  string
		texts []string
	}
	batches := []batch{{collPage, set.pages}, {collAction, set.actions}, {collCollection, set.collections},
		{collJSLib, set.libraries}, {collApplication, []string{set.application}}}
	parsed := make([][]any, len(batches))
	for i, b := range batches {
		for j, t := range b.texts {
			var doc bson.D
			if err := bson.UnmarshalExtJSON([]byte(t), false, &doc); err != nil {
				return "", &InputError{Err: fmt.Errorf("%s document %d cannot be stored: %w", b.coll, j+1, err)}
			}
			parsed[i] = append(parsed[i], s.encodeDoc(doc))
		}
	}
	var libIDs []any
	for i, b := range batches {
		if len(parsed[i]) == 0 {
			continue
		}
		wctx, cancel := s.opCtx(ctx)
		res, err := s.coll(b.coll).InsertMany(wctx, parsed[i])
		cancel()
		if b.coll == collJSLib && res != nil {
			libIDs = append(libIDs, res.InsertedIDs...)
		}
		if err != nil {
			s.cleanup(ctx, id, libIDs)
			if isUnavailable(err) {
				return "", s.fail("import", err)
			}
			return "", &InputError{Err: fmt.Errorf("%s documents refused by MongoDB: %w", b.coll, err)}
		}
	}
	s.setUp(true)
	s.log.Info("app imported", "app", id, "pages", len(set.pages), "actions", len(set.actions), "collections", len(set.collections))
	s.events.emit(Event{AppID: id, Kind: EventImported})
	return id, nil
}

// cleanup removes what a failed import wrote, as far as it can.
func (s *Store) cleanup(ctx context.Context, appID string, libIDs []any) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.OpTimeout)
	defer cancel()
	for _, c := range appCollections {
		s.coll(c).DeleteMany(ctx, bson.D{{Key: "applicationId", Value: appID}})
	}
	if len(libIDs) > 0 {
		s.coll(collJSLib).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: libIDs}}}})
	}
}

// --- building documents ---

func oidJSON(id bson.ObjectID) string { return `{"$oid":"` + id.Hex() + `"}` }

func dateJSON(t time.Time) string {
	return fmt.Sprintf(`{"$date":{"$numberLong":"%d"}}`, t.UnixMilli())
}

// stored turns an app file's object into a stored document: Appsmith's
// _id replaces the file's id, the document is linked to its application,
// and it carries a modification time.
func stored(obj gjson.Result, id bson.ObjectID, appID string, now time.Time, extra ...member) string {
	add := []member{{"_id", oidJSON(id)}}
	if appID != "" {
		add = append(add, member{"applicationId", jsonQuote(appID)})
	}
	add = append(add, extra...)
	add = append(add, member{fieldUpdatedAt, dateJSON(now)})
	if !obj.Get("createdAt").Exists() {
		add = append(add, member{"createdAt", dateJSON(now)})
	}
	drop := func(k string, v gjson.Result) (string, bool) { return v.Raw, k != "id" }
	return rewrite(obj, drop, add...)
}

// exportImport builds the documents of an export. Actions and collections
// name their page by pageId, which exports set to the page's name (older
// ones to an id or gitSyncId); JS function actions name their collection
// by collectionId.
func exportImport(text string) (*importSet, error) {
	doc := gjson.Parse(text)
	now := time.Now()
	set := &importSet{appID: bson.NewObjectID()}
	appID := set.appID.Hex()
	pageRef := map[string]string{}
	var pageEntries []string // "id" members of application.pages
	defaultPage := doc.Get("unpublishedDefaultPageName").Str
	defaultSet := false
	for _, entry := range doc.Get("pageList").Array() {
		id := bson.NewObjectID()
		hex := id.Hex()
		for _, r := range []string{entry.Get("id").Str, entry.Get("gitSyncId").Str, entry.Get("unpublishedPage.name").Str} {
			if _, taken := pageRef[r]; r != "" && !taken {
				pageRef[r] = hex
			}
		}
		if r := entry.Get("publishedPage.name").Str; r != "" {
			if _, taken := pageRef[r]; !taken {
				pageRef[r] = hex
			}
		}
		set.pages = append(set.pages, stored(entry, id, appID, now))
		isDefault := !defaultSet && entry.Get("unpublishedPage.name").Str == defaultPage
		defaultSet = defaultSet || isDefault
		pageEntries = append(pageEntries, fmt.Sprintf(`{"id":%s,"isDefault":%t}`, jsonQuote(hex), isDefault))
	}
	collRef := map[string]string{}
	collIDs := make([]bson.ObjectID, 0)
	actRef := map[string]string{}
	actIDs := make([]bson.ObjectID, 0)
	for _, item := range doc.Get("actionList").Array() {
		id := bson.NewObjectID()
		actIDs = append(actIDs, id)
		for _, r := range []string{item.Get("id").Str, item.Get("gitSyncId").Str} {
			if r != "" {
				actRef[r] = id.Hex()
			}
		}
	}
	for _, item := range doc.Get("actionCollectionList").Array() {
		id := bson.NewObjectID()
		collIDs = append(collIDs, id)
		for _, r := range []string{item.Get("id").Str, item.Get("gitSyncId").Str} {
			if r != "" {
				collRef[r] = id.Hex()
			}
		}
	}
	relink := func(obj gjson.Result, side string, refs map[string]string, field string) string {
		v := obj.Get(side + "." + field)
		if hex, ok := refs[v.Str]; ok && v.Type == gjson.String {
			return setIfPresent(obj, []string{side, field}, jsonQuote(hex))
		}
		return obj.Raw
	}
	for i, item := range doc.Get("actionCollectionList").Array() {
		raw := item
		for _, side := range []string{"unpublishedCollection", "publishedCollection"} {
			raw = gjson.Parse(relink(raw, side, pageRef, "pageId"))
		}
		set.collections = append(set.collections, stored(raw, collIDs[i], appID, now))
	}
	for i, item := range doc.Get("actionList").Array() {
		raw := item
		for _, side := range []string{"unpublishedAction", "publishedAction"} {
			raw = gjson.Parse(relink(raw, side, pageRef, "pageId"))
			raw = gjson.Parse(relink(raw, side, collRef, "collectionId"))
		}
		set.actions = append(set.actions, stored(raw, actIDs[i], appID, now))
	}
	for i, p := range set.pages {
		set.pages[i] = relinkOnLoad(gjson.Parse(p), actRef, collRef)
	}
	var libUIDs []string
	for _, lib := range doc.Get("customJSLibList").Array() {
		uid := libraryUID(lib)
		libUIDs = append(libUIDs, uid)
		set.libraries = append(set.libraries, stored(lib, bson.NewObjectID(), "", now, member{"uidString", jsonQuote(uid)}))
	}
	app := doc.Get("exportedApplication")
	if !app.IsObject() {
		app = gjson.Parse("{}")
	}
	set.application = stored(app, set.appID, "", now, applicationMembers(app, pageEntries, libUIDs)...)
	return set, nil
}

// applicationMembers are the fields Appsmith's application document links
// its pages and libraries by.
func applicationMembers(app gjson.Result, pages, libUIDs []string) []member {
	pagesRaw := "[" + strings.Join(pages, ",") + "]"
	libs := make([]string, len(libUIDs))
	for i, u := range libUIDs {
		libs[i] = `{"uidString":` + jsonQuote(u) + `}`
	}
	ms := []member{{"pages", pagesRaw}, {"publishedPages", pagesRaw}}
	if len(libs) > 0 {
		libsRaw := "[" + strings.Join(libs, ",") + "]"
		ms = append(ms, member{"unpublishedCustomJSLibs", libsRaw}, member{"publishedCustomJSLibs", libsRaw})
	}
	if !app.Get("evaluationVersion").Exists() {
		ms = append(ms, member{"evaluationVersion", "2"})
	}
	return ms
}

// libraryUID is the key Appsmith links a custom library by.
func libraryUID(lib gjson.Result) string {
	if u := lib.Get("uidString").Str; u != "" {
		return u
	}
	return lib.Get("name").Str + "_" + lib.Get("url").Str
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

// gitImport builds the documents of a git-format app from its files: the
// model says which pages, widgets and JS objects there are, the folders
// hold the rest (every query, JS function actions included).
func gitImport(app *appmodel.App) (*importSet, error) {
	now := time.Now()
	set := &importSet{appID: bson.NewObjectID()}
	appID := set.appID.Hex()
	appText, err := os.ReadFile(filepath.Join(app.Path, "application.json"))
	if err != nil {
		return nil, err
	}
	appJSON := gjson.ParseBytes(appText)
	defaults := map[string]bool{}
	for _, p := range appJSON.Get("pages").Array() {
		if p.Get("isDefault").Bool() {
			defaults[p.Get("id").Str] = true
		}
	}
	var pageEntries []string
	defaultSet := false
	for _, p := range app.Pages {
		pageID := bson.NewObjectID()
		hex := pageID.Hex()
		page := gjson.Parse(setPath(p.JSON, []string{"unpublishedPage", "name"}, jsonQuote(p.Name)))
		dsl := buildDSL(page.Get("unpublishedPage.layouts.0.dsl"), p.Widgets)
		if page.Get("unpublishedPage.layouts.0").IsObject() {
			layout := gjson.Parse(rewrite(page.Get("unpublishedPage.layouts.0"), nil, member{"dsl", dsl}))
			layouts := []string{layout.Raw}
			for _, l := range page.Get("unpublishedPage.layouts").Array()[1:] {
				layouts = append(layouts, l.Raw)
			}
			page = gjson.Parse(setPath(page, []string{"unpublishedPage", "layouts"}, "["+strings.Join(layouts, ",")+"]"))
		} else {
			page = gjson.Parse(setPath(page, []string{"unpublishedPage", "layouts"}, `[{"dsl":`+dsl+`}]`))
		}
		isDefault := !defaultSet && (defaults[p.ID] || defaults[p.Name])
		defaultSet = defaultSet || isDefault
		pageEntries = append(pageEntries, fmt.Sprintf(`{"id":%s,"isDefault":%t}`, jsonQuote(hex), isDefault))

		collRef := map[string]string{}
		for _, j := range p.JSObjects {
			text, err := os.ReadFile(j.File)
			if err != nil {
				return nil, err
			}
			meta := gjson.ParseBytes(text)
			id := bson.NewObjectID()
			for _, r := range []string{meta.Get("id").Str, meta.Get("gitSyncId").Str, p.ID + "_" + j.Name} {
				if r != "" {
					collRef[r] = id.Hex()
				}
			}
			meta = gjson.Parse(setPath(meta, []string{"unpublishedCollection", "body"}, jsonQuote(j.Body)))
			meta = gjson.Parse(setPath(meta, []string{"unpublishedCollection", "pageId"}, jsonQuote(hex)))
			set.collections = append(set.collections, stored(meta, id, appID, now))
		}
		actions, err := gitActions(filepath.Join(filepath.Dir(p.File), "queries"), hex, collRef)
		if err != nil {
			return nil, err
		}
		actRef := map[string]string{}
		for _, a := range actions {
			id := bson.NewObjectID()
			for _, r := range []string{a.Get("id").Str, a.Get("gitSyncId").Str} {
				if r != "" {
					actRef[r] = id.Hex()
				}
			}
			set.actions = append(set.actions, stored(a, id, appID, now))
		}
		set.pages = append(set.pages, relinkOnLoad(gjson.Parse(stored(page, pageID, appID, now)), actRef, collRef))
	}
	var libUIDs []string
	libFiles, _ := filepath.Glob(filepath.Join(app.Path, "jslibs", "*.json"))
	slices.Sort(libFiles)
	for _, f := range libFiles {
		b, err := os.ReadFile(f)
		if err != nil || !gjson.ValidBytes(b) {
			continue // as the model's loader: a library only refines unknown references
		}
		lib := gjson.ParseBytes(b)
		uid := libraryUID(lib)
		libUIDs = append(libUIDs, uid)
		set.libraries = append(set.libraries, stored(lib, bson.NewObjectID(), "", now, member{"uidString", jsonQuote(uid)}))
	}
	appDoc := gjson.Parse(rewrite(appJSON, nil, member{"name", jsonQuote(app.Name)}))
	set.application = stored(appDoc, set.appID, "", now, applicationMembers(appJSON, pageEntries, libUIDs)...)
	return set, nil
}

// relinkOnLoad points a page's on-load actions (layoutOnLoadActions, a
// list of steps, each a list of actions run together) at the stored
// actions and collections: files name them by derived ids, Appsmith by
// _id.
func relinkOnLoad(page gjson.Result, actRef, collRef map[string]string) string {
	for _, side := range []string{"unpublishedPage", "publishedPage"} {
		layouts := page.Get(side + ".layouts")
		if !layouts.IsArray() {
			continue
		}
		var ls []string
		for _, l := range layouts.Array() {
			steps := l.Get("layoutOnLoadActions")
			if !steps.IsArray() {
				ls = append(ls, l.Raw)
				continue
			}
			var ss []string
			for _, step := range steps.Array() {
				if !step.IsArray() {
					ss = append(ss, step.Raw)
					continue
				}
				var as []string
				for _, act := range step.Array() {
					var add []member
					if hex, ok := actRef[act.Get("id").Str]; ok && act.IsObject() {
						add = append(add, member{"id", jsonQuote(hex)})
					}
					if hex, ok := collRef[act.Get("collectionId").Str]; ok && act.IsObject() {
						add = append(add, member{"collectionId", jsonQuote(hex)})
					}
					if len(add) == 0 {
						as = append(as, act.Raw)
					} else {
						as = append(as, rewrite(act, nil, add...))
					}
				}
				ss = append(ss, "["+strings.Join(as, ",")+"]")
			}
			ls = append(ls, rewrite(l, nil, member{"layoutOnLoadActions", "[" + strings.Join(ss, ",") + "]"}))
		}
		page = gjson.Parse(setPath(page, []string{side, "layouts"}, "["+strings.Join(ls, ",")+"]"))
	}
	return page.Raw
}

// gitActions reads queries/*/metadata.json (with the sibling <q>.txt as
// the body) and links each to its page and, for a JS function, to its
// collection.
func gitActions(dir, pageHex string, collRef map[string]string) ([]gjson.Result, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []gjson.Result
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, e.Name(), "metadata.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !gjson.ValidBytes(text) {
			return nil, fmt.Errorf("%s: not valid JSON", filepath.Join(dir, e.Name(), "metadata.json"))
		}
		meta := gjson.ParseBytes(text)
		if body, err := os.ReadFile(filepath.Join(dir, e.Name(), e.Name()+".txt")); err == nil {
			meta = gjson.Parse(setPath(meta, []string{"unpublishedAction", "actionConfiguration", "body"}, jsonQuote(string(body))))
		}
		meta = gjson.Parse(setIfPresent(meta, []string{"unpublishedAction", "pageId"}, jsonQuote(pageHex)))
		meta = gjson.Parse(setIfPresent(meta, []string{"publishedAction", "pageId"}, jsonQuote(pageHex)))
		if hex, ok := collRef[meta.Get("unpublishedAction.collectionId").Str]; ok {
			meta = gjson.Parse(setIfPresent(meta, []string{"unpublishedAction", "collectionId"}, jsonQuote(hex)))
		}
		out = append(out, meta)
	}
	return out, nil
}

// buildDSL rebuilds a page's widget tree from the git format, where each
// widget is a file of its own (its canvases inline, without their children)
// and names its parent canvas by parentId. Widgets go under their parent in
// the model's order; one whose parent is nowhere on the page goes under the
// root, so that no widget of the page is lost.
func buildDSL(root gjson.Result, widgets []*appmodel.Widget) string {
	if !root.IsObject() {
		root = gjson.Parse(`{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","children":[]}`)
	}
	rootID := root.Get("widgetId").Str
	// Every widgetId that will be in the tree, and under which widget file
	// (-1: the root) it sits.
	owner := map[string]int{}
	var index func(n gjson.Result, file int)
	index = func(n gjson.Result, file int) {
		if id := n.Get("widgetId").Str; id != "" {
			if _, dup := owner[id]; !dup {
				owner[id] = file
			}
		}
		for _, c := range n.Get("children").Array() {
			index(c, file)
		}
	}
	index(root, -1)
	for i, w := range widgets {
		index(w.JSON, i)
	}
	children := map[string][]int{}
	// A widget whose parent lies inside itself, or inside a widget that is
	// attached under it, would never be reached from the root.
	reachesRoot := func(i int) bool {
		seen := map[int]bool{}
		for i >= 0 {
			if seen[i] {
				return false
			}
			seen[i] = true
			f, ok := owner[widgets[i].JSON.Get("parentId").Str]
			if !ok {
				return true // attached to the root below
			}
			i = f
		}
		return true
	}
	for i, w := range widgets {
		parent := w.JSON.Get("parentId").Str
		if _, ok := owner[parent]; !ok || !reachesRoot(i) {
			parent = rootID
		}
		children[parent] = append(children[parent], i)
	}
	var emit func(n gjson.Result) string
	emit = func(n gjson.Result) string {
		attached := children[n.Get("widgetId").Str]
		delete(children, n.Get("widgetId").Str) // each widgetId is filled once
		var kids []string
		for _, c := range n.Get("children").Array() {
			kids = append(kids, emit(c))
		}
		for _, i := range attached {
			kids = append(kids, emit(widgets[i].JSON))
		}
		if len(kids) == 0 && !n.Get("children").Exists() {
			return n.Raw
		}
		return rewrite(n, nil, member{"children", "[" + strings.Join(kids, ",") + "]"})
	}
	return emit(root)
}
