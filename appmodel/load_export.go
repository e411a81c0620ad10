package appmodel

import (
	"io"

	"github.com/tidwall/gjson"
)

// LoadExportFile loads an app from Appsmith's single-file export.
func LoadExportFile(path string) (*App, error) {
	text, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return loadExport(path, text)
}

// LoadExport loads an export read from r. Locations then name no file.
func LoadExport(r io.Reader) (*App, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &FileError{Offset: -1, Err: err}
	}
	return loadExport("", string(b))
}

// loadExport reads exportedApplication, pageList (the widget tree of each
// page's unpublished layouts), actionList and actionCollectionList. Actions
// and collections name their page by pageId, which exports set to the
// page's name (older ones to an id).
func loadExport(file, text string) (*App, error) {
	doc, err := parseJSONObject(file, text)
	if err != nil {
		return nil, err
	}
	if !doc.Get("exportedApplication").Exists() && !doc.Get("pageList").Exists() {
		return nil, fileErr(file, "not an Appsmith export: no exportedApplication or pageList")
	}
	for _, f := range []struct {
		path   string
		object bool
	}{{"exportedApplication", true}, {"pageList", false}, {"actionList", false}, {"actionCollectionList", false}} {
		v := doc.Get(f.path)
		if v.Exists() && (f.object && !v.IsObject() || !f.object && !v.IsArray()) {
			kind := "a list"
			if f.object {
				kind = "an object"
			}
			return nil, fileErr(file, "not an Appsmith export: %s is not %s", f.path, kind)
		}
	}
	app := &App{
		Name:              doc.Get("exportedApplication.name").Str,
		Format:            FormatExport,
		Path:              file,
		EvaluationVersion: evalVersion(doc.Get("exportedApplication")),
		exportText:        text,
	}
	for _, a := range doc.Get("customJSLibList.#.accessor|@flatten").Array() {
		app.Libraries = append(app.Libraries, a.Str)
	}
	top := new(object)
	byRef := map[string]*Page{}
	// Pages that exist only in published form are not part of the edited
	// app; neither are their actions.
	gone := map[string]bool{}
	var perr error
	doc.Get("pageList").ForEach(func(_, entry gjson.Result) bool {
		up := entry.Get("unpublishedPage")
		refs := []string{entry.Get("gitSyncId").Str, entry.Get("id").Str, up.Get("name").Str}
		if !up.IsObject() || up.Get("deletedAt").Exists() && up.Get("deletedAt").Type != gjson.Null {
			for _, r := range refs {
				gone[r] = true
			}
			return true
		}
		p := &Page{Name: up.Get("name").Str, File: file, JSON: entry}
		p.ID = entry.Get("gitSyncId").Str
		if p.ID == "" {
			p.ID = entry.Get("id").Str
		}
		if p.Name == "" {
			perr = fileErr(file, "page at byte offset %d has no unpublishedPage.name", entry.Index)
			return false
		}
		up.Get("layouts").ForEach(func(_, layout gjson.Result) bool {
			perr = walkDSLValue(p, file, text, layout.Get("dsl"), top)
			return perr == nil
		})
		if perr != nil {
			return false
		}
		for _, r := range refs {
			if r != "" {
				byRef[r] = p
			}
		}
		app.Pages = append(app.Pages, p)
		return true
	})
	if perr != nil {
		return nil, perr
	}
	pageOf := func(what string, item, unpub gjson.Result) (*Page, bool, error) {
		ref := unpub.Get("pageId").Str
		if p := byRef[ref]; p != nil {
			return p, true, nil
		}
		if gone[ref] {
			return nil, false, nil
		}
		return nil, false, fileErr(file, "%s %q at byte offset %d: pageId %q names no page", what, unpub.Get("name").Str, item.Index, ref)
	}
	doc.Get("actionList").ForEach(func(_, item gjson.Result) bool {
		ua := item.Get("unpublishedAction")
		if !live(ua) {
			return true
		}
		if item.Get("pluginType").Str == "JS" {
			if p, ok, _ := pageOf("JS function", item, ua); ok {
				p.noteJSAction(ua)
			}
			return true
		}
		p, ok, err := pageOf("action", item, ua)
		if err != nil || !ok {
			perr = err
			return err == nil
		}
		a := &Action{
			Name: ua.Get("name").Str, ID: item.Get("id").Str, PluginType: item.Get("pluginType").Str,
			PluginID: item.Get("pluginId").Str, ExecuteOnLoad: ua.Get("executeOnLoad").Bool(),
			File: file, JSON: ua,
		}
		buildActionBindings(a, top)
		p.Actions = append(p.Actions, a)
		return true
	})
	if perr != nil {
		return nil, perr
	}
	doc.Get("actionCollectionList").ForEach(func(_, item gjson.Result) bool {
		uc := item.Get("unpublishedCollection")
		if !live(uc) {
			return true
		}
		p, ok, err := pageOf("JS object", item, uc)
		if err != nil || !ok {
			perr = err
			return err == nil
		}
		body := uc.Get("body")
		j := &JSObject{
			Name: uc.Get("name").Str, ID: item.Get("id").Str, File: file, JSON: uc, Body: body.Str,
			BodyLoc: Location{File: file, Start: body.Index, End: body.Index + len(body.Raw), Encoding: JSONString},
		}
		if !body.Exists() {
			j.BodyLoc = Location{File: file, Start: -1, End: -1, Encoding: NoValue}
		}
		j.OnLoadFunctions = p.jsOnLoad[j.Name]
		buildJSObjectBindings(j)
		p.JSObjects = append(p.JSObjects, j)
		return true
	})
	if perr != nil {
		return nil, perr
	}
	return app, nil
}

// live reports whether an unpublished action or collection exists in the
// edited app: it has a name and is not soft-deleted.
func live(u gjson.Result) bool {
	if !u.IsObject() || u.Get("name").Str == "" {
		return false
	}
	d := u.Get("deletedAt")
	return !d.Exists() || d.Type == gjson.Null
}

// walkDSL adds the widgets of the DSL tree at node n of t in depth-first
// order. The root (MainContainer) is not an entity, and neither are
// canvases: the git format keeps a CANVAS_WIDGET inline in its parent's
// file rather than as a widget file of its own, and the two formats must
// give the same entities. A node's children are the values of its first
// "children" member (an array's elements, an object's member values);
// those that are not objects hold no widget. The walk keeps its own stack,
// so a deep tree costs memory, not the goroutine's stack.
func walkDSL(p *Page, file string, t *jsonTree, n int32, top *object) error {
	if n < 0 || t.nodes[n].kind != '{' {
		return nil
	}
	// pending holds, per level being walked, the next sibling to visit.
	var pending []int32
	visit := func(n int32, root bool) error {
		top.resetTree(t, n)
		if !root && top.lookup("type").Str != "CANVAS_WIDGET" {
			w, err := widgetOf(file, t.result(n), top)
			if err != nil {
				return err
			}
			w.place = placementIn(t, n)
			p.Widgets = append(p.Widgets, w)
		}
		if c := t.firstChild(t.lookup(n, "children")); c != 0 {
			pending = append(pending, c)
		}
		return nil
	}
	if err := visit(n, true); err != nil {
		return err
	}
	for len(pending) > 0 {
		c := pending[len(pending)-1]
		if c == 0 {
			pending = pending[:len(pending)-1]
			continue
		}
		pending[len(pending)-1] = t.nodes[c].next
		if t.nodes[c].kind != '{' {
			continue
		}
		if err := visit(c, false); err != nil {
			return err
		}
	}
	return nil
}

// walkDSLValue is walkDSL on a DSL gjson found in text.
func walkDSLValue(p *Page, file, text string, dsl gjson.Result, top *object) error {
	if !dsl.IsObject() {
		return nil
	}
	start, end := dsl.Index, dsl.Index+len(dsl.Raw)
	if start < 0 || end > len(text) || text[start:end] != dsl.Raw {
		return fileErr(file, "page %q: its DSL is not at byte offset %d", p.Name, start)
	}
	t := getTree()
	defer putTree(t)
	if ok, at := t.parse(text, start, end); !ok {
		return fileErr(file, "page %q: invalid DSL JSON at byte offset %d", p.Name, at)
	}
	return walkDSL(p, file, t, 0, top)
}
