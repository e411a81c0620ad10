package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/parallel"
	"github.com/appsmith-rts/rts/pagemigrate"
)

// ImportSet is an app as Appsmith stores it, ready to be written: one
// document per page, action, JS object and library, and the application,
// each checked against MongoDB's limits and rendered as the text a load
// gives back.
type ImportSet struct {
	AppID       string
	Name        string
	Application Doc
	// Docs are the pages, actions and JS objects.
	Docs      []Doc
	Libraries []Doc
	// Migrated are the page layouts whose DSL was older than the latest
	// page-DSL version and was migrated on the way in, as Appsmith would
	// when the page is opened.
	Migrated []pagemigrate.Layout
	// NotMigrated are pages on which Appsmith's migration throws; they are
	// imported as they are (Appsmith would fail to open them too).
	NotMigrated []error
}

// importTexts is an app as Appsmith stores it, one extended JSON text per
// document, before the texts are checked.
type importTexts struct {
	appID       bson.ObjectID
	application string
	pages       []string
	actions     []string
	collections []string
	libraries   []string
	migrated    []pagemigrate.Layout
	notMigrated []error
}

// BuildImport prepares an app loaded by appmodel.Load (a git folder or an
// export file) for Import, as Appsmith would store it: new ObjectIDs,
// documents linked by applicationId and pageId, JS function actions by
// collectionId, a git app's widget files assembled into each page's
// unpublishedPage.layouts[0].dsl, JS object bodies in
// unpublishedCollection.body and query bodies in actionConfiguration.body.
// Plugin and datasource references stay as the app names them (Appsmith's
// exports use plugin names, not ids).
func BuildImport(app *appmodel.App) (*ImportSet, error) {
	return BuildImportWith(app, ImportOptions{})
}

// BuildImportWith is BuildImport with options.
func BuildImportWith(app *appmodel.App, opts ImportOptions) (*ImportSet, error) {
	var set *importTexts
	var err error
	switch {
	case app == nil:
		return nil, &InputError{Err: errors.New("no app")}
	case app.Format == appmodel.FormatGit:
		set, err = gitImport(app, opts.MigratePages)
	case app.Path != "":
		var b []byte
		b, err = os.ReadFile(app.Path)
		if err == nil {
			set, err = exportImport(string(b), opts.MigratePages)
		}
	default:
		return nil, &InputError{Err: errors.New("an export read from a stream: import its bytes with BuildExportImport")}
	}
	if err != nil {
		return nil, asInputError(err)
	}
	return set.check(app.Name)
}

// BuildExportImport prepares the body of an Appsmith export for Import
// (POST /rts-api/v1/apps/import). A body that is not an export is an
// *InputError naming the position of the problem.
func BuildExportImport(r io.Reader) (*ImportSet, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	// The model's loader is the validator: what it cannot load, rts could
	// not serve either.
	app, err := appmodel.LoadExport(bytes.NewReader(b))
	if err != nil {
		return nil, &InputError{Err: err}
	}
	set, err := exportImport(string(b), false)
	if err != nil {
		return nil, asInputError(err)
	}
	return set.check(app.Name)
}

func asInputError(err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// check makes sure MongoDB could hold every document (see checkJSON) and
// compacts its text. Pages (the DSLs) are most of the work: the documents
// are checked on all cores.
func (t *importTexts) check(name string) (*ImportSet, error) {
	id := t.appID.Hex()
	set := &ImportSet{AppID: id, Name: name, Migrated: t.migrated, NotMigrated: t.notMigrated}
	type job struct {
		coll, text string
		n          int // position in its collection, for errors
		appID      string
	}
	var jobs []job
	add := func(coll string, texts []string, appID string) {
		for i, text := range texts {
			jobs = append(jobs, job{coll: coll, text: text, n: i + 1, appID: appID})
		}
	}
	add(CollPage, t.pages, id)
	add(CollAction, t.actions, id)
	add(CollCollection, t.collections, id)
	nDocs := len(jobs)
	add(CollLibrary, t.libraries, "")
	nLibs := len(jobs) - nDocs
	add(CollApplication, []string{t.application}, id)
	out := make([]Doc, len(jobs))
	errs := make([]error, len(jobs))
	parallel.For(len(jobs), func(i int) {
		j := jobs[i]
		text, err := checkJSON(j.text)
		if err != nil {
			errs[i] = &InputError{Err: fmt.Errorf("%s document %d: %w", j.coll, j.n, err)}
			return
		}
		out[i] = Doc{Key: Key{j.coll, appmodel.DocumentID(gjson.Parse(text))}, AppID: j.appID, Text: text}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	set.Docs, set.Libraries, set.Application = out[:nDocs], out[nDocs:nDocs+nLibs], out[len(out)-1]
	return set, nil
}

// toBSON parses an extended JSON text, checking MongoDB's limits on its
// way, and renders it back as a MongoDB load gives it.
func toBSON(text string) (string, bson.Raw, error) {
	var doc bson.D
	if err := bson.UnmarshalExtJSON([]byte(text), false, &doc); err != nil {
		return "", nil, fmt.Errorf("cannot be stored: %w", err)
	}
	b, err := bson.Marshal(doc)
	if err != nil {
		return "", nil, fmt.Errorf("cannot be stored: %w", err)
	}
	raw := bson.Raw(b)
	if len(raw) > MaxDocumentBytes {
		return "", nil, fmt.Errorf("is %d bytes, over MongoDB's limit of %d (16 MB)", len(raw), MaxDocumentBytes)
	}
	out, err := bson.MarshalExtJSON(raw, false, false)
	if err != nil {
		return "", nil, fmt.Errorf("cannot be rendered: %w", err)
	}
	return string(out), raw, nil
}

// idString is an _id as a Key names it: the hex of an ObjectID, a string
// as it is.
func idString(v bson.RawValue) string {
	if oid, ok := v.ObjectIDOK(); ok {
		return oid.Hex()
	}
	if s, ok := v.StringValueOK(); ok {
		return s
	}
	return v.String()
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
func exportImport(text string, migrate bool) (*importTexts, error) {
	doc := gjson.Parse(text)
	now := time.Now()
	set := &importTexts{appID: bson.NewObjectID()}
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
		if migrate {
			entry = migrateEntry(entry, set)
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

// gitImport builds the documents of a git-format app from its files: the
// model says which pages, widgets and JS objects there are, the folders
// hold the rest (every query, JS function actions included).
func gitImport(app *appmodel.App, migrate bool) (*importTexts, error) {
	now := time.Now()
	set := &importTexts{appID: bson.NewObjectID()}
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
	pageIDs := make([]bson.ObjectID, len(app.Pages))
	for i, p := range app.Pages {
		pageIDs[i] = bson.NewObjectID()
		isDefault := !defaultSet && (defaults[p.ID] || defaults[p.Name])
		defaultSet = defaultSet || isDefault
		pageEntries = append(pageEntries, fmt.Sprintf(`{"id":%s,"isDefault":%t}`, jsonQuote(pageIDs[i].Hex()), isDefault))
	}
	// Pages are built on all cores: each one's documents depend on its own
	// files only.
	type built struct {
		page                 string
		collections, actions []string
		migrated             *pagemigrate.Layout
		notMigrated          error
		err                  error
	}
	out := make([]built, len(app.Pages))
	parallel.For(len(app.Pages), func(i int) {
		b := &out[i]
		b.page, b.collections, b.actions, b.migrated, b.notMigrated, b.err = gitPage(app.Pages[i], pageIDs[i], appID, now, migrate)
	})
	for _, b := range out {
		if b.err != nil {
			return nil, b.err
		}
		if b.migrated != nil {
			set.migrated = append(set.migrated, *b.migrated)
		}
		if b.notMigrated != nil {
			set.notMigrated = append(set.notMigrated, b.notMigrated)
		}
		set.pages = append(set.pages, b.page)
		set.collections = append(set.collections, b.collections...)
		set.actions = append(set.actions, b.actions...)
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

// gitPage builds one page's documents: the page with its widget tree
// (migrated to the latest page-DSL version when older, if asked), its JS
// objects and its queries (JS function actions included).
func gitPage(p *appmodel.Page, pageID bson.ObjectID, appID string, now time.Time, migrate bool) (page string, collections, actions []string, migrated *pagemigrate.Layout, notMigrated, err error) {
	hex := pageID.Hex()
	doc := gjson.Parse(setPath(p.JSON, []string{"unpublishedPage", "name"}, jsonQuote(p.Name)))
	collRef := map[string]string{}
	for _, j := range p.JSObjects {
		text, err := pageFile(p, j.File)
		if err != nil {
			return "", nil, nil, nil, nil, err
		}
		meta := gjson.Parse(text)
		id := bson.NewObjectID()
		for _, r := range []string{meta.Get("id").Str, meta.Get("gitSyncId").Str, p.ID + "_" + j.Name} {
			if r != "" {
				collRef[r] = id.Hex()
			}
		}
		uc := meta.Get("unpublishedCollection")
		if !uc.IsObject() {
			uc = gjson.Parse("{}")
		}
		ucText := rewrite(uc, nil, member{"body", jsonQuote(j.Body)}, member{"pageId", jsonQuote(hex)})
		meta = gjson.Parse(rewrite(meta, nil, member{"unpublishedCollection", ucText}))
		collections = append(collections, stored(meta, id, appID, now))
	}
	acts, err := gitActions(p, filepath.Join(filepath.Dir(p.File), "queries"), hex, collRef)
	if err != nil {
		return "", nil, nil, nil, nil, err
	}
	actRef := map[string]string{}
	for _, a := range acts {
		id := bson.NewObjectID()
		for _, r := range []string{a.Get("id").Str, a.Get("gitSyncId").Str} {
			if r != "" {
				actRef[r] = id.Hex()
			}
		}
		actions = append(actions, stored(a, id, appID, now))
	}
	// The page's own file is small; the widget tree goes in last, so that
	// the large text is copied once or twice, not once per edit.
	doc = gjson.Parse(relinkOnLoad(doc, actRef, collRef))
	dsl := buildDSL(doc.Get("unpublishedPage.layouts.0.dsl"), p.Widgets)
	if migrate {
		if out, l, changed, merr := pagemigrate.MigrateText(p.Name, dsl); merr != nil {
			notMigrated = merr
		} else if changed {
			dsl, migrated = out, &l
		}
	}
	if doc.Get("unpublishedPage.layouts.0").IsObject() {
		layout := gjson.Parse(rewrite(doc.Get("unpublishedPage.layouts.0"), nil, member{"dsl", dsl}))
		layouts := []string{layout.Raw}
		for _, l := range doc.Get("unpublishedPage.layouts").Array()[1:] {
			layouts = append(layouts, l.Raw)
		}
		doc = gjson.Parse(setPath(doc, []string{"unpublishedPage", "layouts"}, "["+strings.Join(layouts, ",")+"]"))
	} else {
		doc = gjson.Parse(setPath(doc, []string{"unpublishedPage", "layouts"}, `[{"dsl":`+dsl+`}]`))
	}
	return stored(doc, pageID, appID, now), collections, actions, migrated, notMigrated, nil
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
func gitActions(p *appmodel.Page, dir, pageHex string, collRef map[string]string) ([]gjson.Result, error) {
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
		text, err := pageFile(p, filepath.Join(dir, e.Name(), "metadata.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !gjson.Valid(text) {
			return nil, fmt.Errorf("%s: not valid JSON", filepath.Join(dir, e.Name(), "metadata.json"))
		}
		meta := gjson.Parse(text)
		// Every edit in one rewrite per object (a query's body can be
		// large): the body (creating unpublishedAction and its
		// actionConfiguration if missing), then, where the object exists,
		// pageId on both sides and the JS function's collectionId.
		var top, ua []member
		uaObj := meta.Get("unpublishedAction")
		hasUA := uaObj.IsObject()
		if body, err := pageFile(p, filepath.Join(dir, e.Name(), e.Name()+".txt")); err == nil {
			ac := uaObj.Get("actionConfiguration")
			if !hasUA || !ac.IsObject() {
				ac = gjson.Parse("{}")
			}
			ua = append(ua, member{"actionConfiguration", rewrite(ac, nil, member{"body", jsonQuote(body)})})
			if !hasUA {
				uaObj, hasUA = gjson.Parse("{}"), true
			}
		}
		if hasUA {
			ua = append(ua, member{"pageId", jsonQuote(pageHex)})
			if hex, ok := collRef[uaObj.Get("collectionId").Str]; ok {
				ua = append(ua, member{"collectionId", jsonQuote(hex)})
			}
			top = append(top, member{"unpublishedAction", rewrite(uaObj, nil, ua...)})
		}
		if pa := meta.Get("publishedAction"); pa.IsObject() {
			top = append(top, member{"publishedAction", rewrite(pa, nil, member{"pageId", jsonQuote(pageHex)})})
		}
		if len(top) > 0 {
			meta = gjson.Parse(rewrite(meta, nil, top...))
		}
		out = append(out, meta)
	}
	return out, nil
}

// pageFile is the text of one of a git page's files as the model read it
// (the import then builds documents from exactly what was validated, and
// does not read the files twice); from the disk if the model did not keep it.
func pageFile(p *appmodel.Page, path string) (string, error) {
	if t, ok := p.FileText(path); ok {
		return t, nil
	}
	b, err := os.ReadFile(path)
	return string(b), err
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
		id, kids, _ := idAndChildren(n)
		if id != "" {
			if _, dup := owner[id]; !dup {
				owner[id] = file
			}
		}
		for _, c := range kids.Array() {
			index(c, file)
		}
	}
	index(root, -1)
	for i, w := range widgets {
		index(w.JSON, i)
	}
	parentIDs := make([]string, len(widgets)) // read once: each Get scans the widget's members
	for i, w := range widgets {
		parentIDs[i] = w.JSON.Get("parentId").Str
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
			f, ok := owner[parentIDs[i]]
			if !ok {
				return true // attached to the root below
			}
			i = f
		}
		return true
	}
	for i := range widgets {
		parent := parentIDs[i]
		if _, ok := owner[parent]; !ok || !reachesRoot(i) {
			parent = rootID
		}
		children[parent] = append(children[parent], i)
	}
	// One builder for the whole tree: building each node's text from its
	// children's would copy every widget once per level above it.
	var b strings.Builder
	b.Grow(len(root.Raw))
	var emit func(n gjson.Result)
	writeKids := func(kids gjson.Result, attached []int) {
		b.WriteByte('[')
		first := true
		for _, c := range kids.Array() {
			if !first {
				b.WriteByte(',')
			}
			first = false
			emit(c)
		}
		for _, i := range attached {
			if !first {
				b.WriteByte(',')
			}
			first = false
			emit(widgets[i].JSON)
		}
		b.WriteByte(']')
	}
	emit = func(n gjson.Result) {
		id, _, hasKids := idAndChildren(n)
		attached := children[id]
		delete(children, id) // each widgetId is filled once
		if len(attached) == 0 && !hasKids || !n.IsObject() {
			b.WriteString(n.Raw)
			return
		}
		// n's members as rewrite writes them: duplicates dropped (the
		// first is the one read), children replaced or added last.
		b.WriteByte('{')
		first := true
		seen := map[string]bool{}
		n.ForEach(func(k, v gjson.Result) bool {
			if seen[k.Str] {
				return true
			}
			seen[k.Str] = true
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(jsonQuote(k.Str))
			b.WriteByte(':')
			if k.Str == "children" {
				writeKids(v, attached)
			} else {
				b.WriteString(v.Raw)
			}
			return true
		})
		if !hasKids {
			if !first {
				b.WriteByte(',')
			}
			b.WriteString(`"children":`)
			writeKids(gjson.Result{}, attached)
		}
		b.WriteByte('}')
	}
	emit(root)
	return b.String()
}

// idAndChildren reads a widget's widgetId and children in one pass over
// its members (the first of duplicate keys, as gjson.Get reads them).
func idAndChildren(n gjson.Result) (id string, kids gjson.Result, hasKids bool) {
	gotID := false
	n.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "widgetId":
			if !gotID {
				id, gotID = v.Str, true
			}
		case "children":
			if !hasKids {
				kids, hasKids = v, true
			}
		}
		return !(gotID && hasKids)
	})
	return id, kids, hasKids
}
