package appmodel

import (
	"strings"

	"github.com/tidwall/gjson"
)

// Document is one stored document of an app: a newPage, newAction or
// actionCollection document as MongoDB holds it, rendered as JSON (relaxed
// extended JSON, so ObjectIDs read {"$oid": …}). Its fields are those of the
// export's pageList, actionList and actionCollectionList entries, which is
// why the model built from documents equals the one built from an export.
//
// File is the name Locations give the document's text: a rename's edits are
// byte edits to Text, and whoever plans them keeps Text readable under File.
type Document struct {
	File string
	Text string
}

// DocumentID is a document's _id: the hex of an ObjectID ({"$oid": …}) or a
// string id; "" when it has neither.
func DocumentID(doc gjson.Result) string {
	return idOf(doc.Get("_id"))
}

// idOf is the id an _id value holds.
func idOf(id gjson.Result) string {
	if oid := id.Get("$oid"); oid.Type == gjson.String {
		return oid.Str
	}
	if id.Type == gjson.String {
		return id.Str
	}
	return ""
}

// softDeleted reports whether a stored document is deleted as Appsmith
// marks it: deletedAt set, or the older boolean deleted.
func softDeleted(r gjson.Result) bool {
	d := r.Get("deletedAt")
	return d.Exists() && d.Type != gjson.Null || r.Get("deleted").Type == gjson.True
}

// LoadPageDocument reads a newPage document: the page named by
// unpublishedPage.name, with the widgets of its layouts' DSL. Page.ID is
// the document id and Page.JSON the whole document. A page that is deleted
// or exists only in published form gives nil and no error: it is not part
// of the edited app.
func LoadPageDocument(d Document) (*Page, error) {
	// One pass over the document, then lookups in place: the widget tree
	// is most of the text, and every gjson.Get of a member after it
	// would skip over it again.
	t := getTree()
	defer putTree(t)
	if err := t.parseObject(d.File, d.Text); err != nil {
		return nil, err
	}
	up := t.lookup(0, "unpublishedPage")
	if t.softDeleted(0) || up < 0 || t.nodes[up].kind != '{' || t.softDeleted(up) {
		return nil, nil
	}
	p := &Page{
		Name: t.result(t.lookup(up, "name")).Str, ID: idOf(t.result(t.lookup(0, "_id"))),
		File: d.File, JSON: gjson.Parse(d.Text),
	}
	if p.Name == "" {
		return nil, fileErr(d.File, "no unpublishedPage.name")
	}
	top := new(object)
	// Layouts as gjson's ForEach yields them: an array's elements or an
	// object's values; a scalar has no dsl.
	for l := t.firstChild(t.lookup(up, "layouts")); l != 0; l = t.nodes[l].next {
		if err := walkDSL(p, d.File, t, t.lookup(l, "dsl"), top); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ActionDocument is what a newAction document contributes to the model.
type ActionDocument struct {
	ID     string
	PageID string // unpublishedAction.pageId
	// Action is the query or API; nil for a JS object's function and for an
	// action that is deleted or exists only in published form.
	Action *Action
	// JSObject and JSFunction name a JS object's function (pluginType JS)
	// from its fullyQualifiedName; OnLoad says it runs when the page loads.
	JSObject, JSFunction string
	OnLoad               bool
}

// LoadActionDocument reads a newAction document.
func LoadActionDocument(d Document) (ActionDocument, error) {
	// One pass, then lookups in place: each gjson.Get of a member would
	// skip again over the published and unpublished copies before it.
	t := getTree()
	defer putTree(t)
	if err := t.parseObject(d.File, d.Text); err != nil {
		return ActionDocument{}, err
	}
	str := func(n int32, k string) string { return t.result(t.lookup(n, k)).Str }
	ad := ActionDocument{ID: idOf(t.result(t.lookup(0, "_id")))}
	ua := t.lookup(0, "unpublishedAction")
	if t.softDeleted(0) || !t.live(ua) {
		return ad, nil
	}
	ad.PageID = str(ua, "pageId")
	onLoad := t.result(t.lookup(ua, "executeOnLoad")).Bool()
	if str(0, "pluginType") == "JS" {
		obj, fn, ok := strings.Cut(str(ua, "fullyQualifiedName"), ".")
		if ok {
			ad.JSObject, ad.JSFunction = obj, fn
			ad.OnLoad = onLoad
		}
		return ad, nil
	}
	a := &Action{
		Name: str(ua, "name"), ID: ad.ID, PluginType: str(0, "pluginType"),
		PluginID: str(0, "pluginId"), ExecuteOnLoad: onLoad,
		File: d.File, JSON: t.result(ua),
	}
	buildActionBindings(a, new(object))
	ad.Action = a
	return ad, nil
}

// JSObjectDocument is what an actionCollection document contributes.
type JSObjectDocument struct {
	ID     string
	PageID string // unpublishedCollection.pageId
	// JSObject is nil when the collection is deleted or only published. Its
	// OnLoadFunctions come from the JS function actions, which are other
	// documents: the caller sets them.
	JSObject *JSObject
}

// LoadJSObjectDocument reads an actionCollection document; the body is
// unpublishedCollection.body, a JSON string of the document.
func LoadJSObjectDocument(d Document) (JSObjectDocument, error) {
	t := getTree()
	defer putTree(t)
	if err := t.parseObject(d.File, d.Text); err != nil {
		return JSObjectDocument{}, err
	}
	jd := JSObjectDocument{ID: idOf(t.result(t.lookup(0, "_id")))}
	uc := t.lookup(0, "unpublishedCollection")
	if t.softDeleted(0) || !t.live(uc) {
		return jd, nil
	}
	jd.PageID = t.result(t.lookup(uc, "pageId")).Str
	body := t.result(t.lookup(uc, "body"))
	j := &JSObject{
		Name: t.result(t.lookup(uc, "name")).Str, ID: jd.ID, File: d.File, JSON: t.result(uc), Body: body.Str,
		BodyLoc: Location{File: d.File, Start: body.Index, End: body.Index + len(body.Raw), Encoding: JSONString},
	}
	if body.Type != gjson.String {
		j.BodyLoc = Location{File: d.File, Start: -1, End: -1, Encoding: NoValue}
	}
	buildJSObjectBindings(j)
	jd.JSObject = j
	return jd, nil
}

// ApplicationDocument is what an application document contributes.
type ApplicationDocument struct {
	ID                string
	Name              string
	EvaluationVersion int
	// PageIDs lists pages[].id in the application's order.
	PageIDs []string
	// LibraryIDs are the uidStrings of unpublishedCustomJSLibs, the custom
	// JS libraries installed in the edited app.
	LibraryIDs []string
	Deleted    bool
}

// LoadApplicationDocument reads an application document.
func LoadApplicationDocument(d Document) (ApplicationDocument, error) {
	doc, err := parseJSONObject(d.File, d.Text)
	if err != nil {
		return ApplicationDocument{}, err
	}
	ad := ApplicationDocument{
		ID: DocumentID(doc), Name: doc.Get("name").Str,
		EvaluationVersion: evalVersion(doc), Deleted: softDeleted(doc),
	}
	doc.Get("pages").ForEach(func(_, p gjson.Result) bool {
		if id := p.Get("id"); id.Type == gjson.String {
			ad.PageIDs = append(ad.PageIDs, id.Str)
		}
		return true
	})
	doc.Get("unpublishedCustomJSLibs").ForEach(func(_, l gjson.Result) bool {
		if id := l.Get("uidString"); id.Type == gjson.String {
			ad.LibraryIDs = append(ad.LibraryIDs, id.Str)
		}
		return true
	})
	return ad, nil
}
