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
	id := doc.Get("_id")
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
	doc, err := parseJSONObject(d.File, d.Text)
	if err != nil {
		return nil, err
	}
	up := doc.Get("unpublishedPage")
	if softDeleted(doc) || !up.IsObject() || softDeleted(up) {
		return nil, nil
	}
	p := &Page{Name: up.Get("name").Str, ID: DocumentID(doc), File: d.File, JSON: doc}
	if p.Name == "" {
		return nil, fileErr(d.File, "no unpublishedPage.name")
	}
	top := new(object)
	var werr error
	up.Get("layouts").ForEach(func(_, layout gjson.Result) bool {
		werr = walkDSL(p, d.File, layout.Get("dsl"), true, top)
		return werr == nil
	})
	if werr != nil {
		return nil, werr
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
	doc, err := parseJSONObject(d.File, d.Text)
	if err != nil {
		return ActionDocument{}, err
	}
	ad := ActionDocument{ID: DocumentID(doc)}
	ua := doc.Get("unpublishedAction")
	if softDeleted(doc) || !live(ua) {
		return ad, nil
	}
	ad.PageID = ua.Get("pageId").Str
	if doc.Get("pluginType").Str == "JS" {
		obj, fn, ok := strings.Cut(ua.Get("fullyQualifiedName").Str, ".")
		if ok {
			ad.JSObject, ad.JSFunction = obj, fn
			ad.OnLoad = ua.Get("executeOnLoad").Bool()
		}
		return ad, nil
	}
	a := &Action{
		Name: ua.Get("name").Str, ID: ad.ID, PluginType: doc.Get("pluginType").Str,
		PluginID: doc.Get("pluginId").Str, ExecuteOnLoad: ua.Get("executeOnLoad").Bool(),
		File: d.File, JSON: ua,
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
	doc, err := parseJSONObject(d.File, d.Text)
	if err != nil {
		return JSObjectDocument{}, err
	}
	jd := JSObjectDocument{ID: DocumentID(doc)}
	uc := doc.Get("unpublishedCollection")
	if softDeleted(doc) || !live(uc) {
		return jd, nil
	}
	jd.PageID = uc.Get("pageId").Str
	body := uc.Get("body")
	j := &JSObject{
		Name: uc.Get("name").Str, ID: jd.ID, File: d.File, JSON: uc, Body: body.Str,
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
