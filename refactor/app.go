package refactor

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/tidwall/gjson"
)

// ChangeKind says what a change in a plan renames.
type ChangeKind string

const (
	// CodeReference: identifiers in a binding's code.
	CodeReference ChangeKind = "reference"
	// StringReference: a name written as a string to resetWidget, showModal
	// or closeModal (Appsmith issue #21618), marked so a reviewer sees it.
	StringReference ChangeKind = "string-reference"
	// EntityName: the entity's own stored name (widgetName, action name,
	// JS object name, a JS member's key).
	EntityName ChangeKind = "name"
	// StoredKey: a name Appsmith stores as a key or an id (List widget
	// template keys, binding path lists, git-format ids).
	StoredKey ChangeKind = "key"
)

// Change is one renamed place, for showing a plan.
type Change struct {
	Entity string     `json:"entity"`
	Path   string     `json:"path"`
	Kind   ChangeKind `json:"kind"`
	File   string     `json:"file"`
	Count  int        `json:"count"`
	Before string     `json:"before"`
	After  string     `json:"after"`
}

// FileEdits are byte edits to one file and the text they were planned on:
// applying them to anything else would corrupt it.
type FileEdits struct {
	File   string
	Before string
	Edits  []Edit
}

// Move renames a file or folder named after the entity (git format).
type Move struct {
	From, To string
}

// Plan is every edit a rename needs on one page of an app, computed before
// anything is written.
type Plan struct {
	App           string
	Page          string
	OldName       string
	NewName       string
	Kind          appmodel.Kind
	Changes       []Change
	Files         []FileEdits
	Moves         []Move
	RefactorCount int // references renamed: code and strings
}

// Conflict is a rename that cannot be made; Where says which entity, file
// or binding is in the way.
type Conflict struct {
	Reason string
	Where  []string
}

func (c *Conflict) Error() string {
	if len(c.Where) == 0 {
		return c.Reason
	}
	return c.Reason + ": " + strings.Join(c.Where, "; ")
}

// PlanRename computes the rename of oldName to newName on a page of app:
// every binding, trigger, action setting and JS object body that refers to
// it, the entity's own name, the keys and ids Appsmith stores it in, and
// (git format) the files and folders named after it. oldName may be a JS
// object member, `JSObject1.myFun1` with newName `JSObject1.myFun2`.
//
// pageName may be "" when exactly one page has the entity.
// Only bindings whose text contains the old name are parsed, and snippets
// that recur in the app are parsed once.
func PlanRename(app *appmodel.App, pageName, oldName, newName string) (*Plan, error) {
	return NewRenamer(0).PlanRename(app, pageName, oldName, newName)
}

// PlanRename is the package's PlanRename, with r's cache: a second rename
// in the same app parses only what changed.
func (r Renamer) PlanRename(app *appmodel.App, pageName, oldName, newName string) (*Plan, error) {
	oldSegs, newSegs := strings.Split(oldName, "."), strings.Split(newName, ".")
	if len(oldSegs) > 2 || len(newSegs) != len(oldSegs) {
		return nil, &Conflict{Reason: fmt.Sprintf("rename %q to %q: name an entity (Api1) or a JS object member (JSObject1.myFun1) on both sides", oldName, newName)}
	}
	if len(oldSegs) == 2 && newSegs[0] != oldSegs[0] {
		return nil, &Conflict{Reason: fmt.Sprintf("a member rename keeps its object: %q cannot become %q", oldName, newName)}
	}
	if err := CheckNewName(newSegs[len(newSegs)-1]); err != nil && len(newSegs) == 1 {
		return nil, err
	} else if len(newSegs) == 2 && !analysis.IsValidIdentifier(newSegs[1]) {
		return nil, &NameError{newName, "not a valid JavaScript identifier"}
	}
	page, err := findPage(app, pageName, oldSegs[0])
	if err != nil {
		return nil, err
	}
	pl := &planner{
		scans: r.Scans,
		app:   app, page: page, oldSegs: oldSegs, newSegs: newSegs,
		plan:  &Plan{App: app.Name, Page: page.Name, OldName: oldName, NewName: newName},
		files: map[string]string{},
		edits: map[string][]Edit{},
	}
	if err := pl.checkTaken(); err != nil {
		return nil, err
	}
	if err := pl.references(); err != nil {
		return nil, err
	}
	if err := pl.names(); err != nil {
		return nil, err
	}
	return pl.finish()
}

func findPage(app *appmodel.App, pageName, root string) (*appmodel.Page, error) {
	if pageName != "" {
		p := app.Page(pageName)
		if p == nil {
			return nil, &Conflict{Reason: fmt.Sprintf("no page %q in app %q", pageName, app.Name)}
		}
		if _, ok := p.EntityNames()[root]; !ok {
			return nil, &Conflict{Reason: fmt.Sprintf("no entity %q on page %q", root, pageName)}
		}
		return p, nil
	}
	var found []*appmodel.Page
	for _, p := range app.Pages {
		if _, ok := p.EntityNames()[root]; ok {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return nil, &Conflict{Reason: fmt.Sprintf("no entity %q in app %q", root, app.Name)}
	case 1:
		return found[0], nil
	}
	var names []string
	for _, p := range found {
		names = append(names, "page "+p.Name)
	}
	return nil, &Conflict{Reason: fmt.Sprintf("%q is on several pages; choose one", root), Where: names}
}

type planner struct {
	scans            *analysis.ScanCache
	app              *appmodel.App
	page             *appmodel.Page
	oldSegs, newSegs []string
	plan             *Plan
	files            map[string]string // file → text as read
	edits            map[string][]Edit // file → edits
	captured         []string
}

func (pl *planner) member() bool { return len(pl.oldSegs) == 2 }

func (pl *planner) checkTaken() error {
	if pl.member() {
		j := pl.jsObject(pl.oldSegs[0])
		if j == nil {
			return &Conflict{Reason: fmt.Sprintf("%q is not a JS object on page %q", pl.oldSegs[0], pl.page.Name)}
		}
		found := false
		for _, m := range j.Members {
			switch m.Key {
			case pl.oldSegs[1]:
				found = true
			case pl.newSegs[1]:
				return &Conflict{Reason: fmt.Sprintf("%q already has a member %q", j.Name, m.Key), Where: []string{j.BodyLoc.File}}
			}
		}
		if !found {
			return &Conflict{Reason: fmt.Sprintf("JS object %q has no member %q", j.Name, pl.oldSegs[1])}
		}
		return nil
	}
	newName := pl.newSegs[0]
	for _, e := range pl.page.Entities() {
		if e.Name == newName {
			return &Conflict{
				Reason: fmt.Sprintf("%q is already the name of %s %s on page %q", newName, e.Kind, e.Name, pl.page.Name),
				Where:  []string{pl.entityFile(e.Name)},
			}
		}
	}
	return nil
}

func (pl *planner) entityFile(name string) string {
	for _, w := range pl.page.Widgets {
		if w.Name == name {
			return w.File
		}
	}
	for _, a := range pl.page.Actions {
		if a.Name == name {
			return a.File
		}
	}
	if j := pl.jsObject(name); j != nil {
		return j.File
	}
	return ""
}

func (pl *planner) jsObject(name string) *appmodel.JSObject {
	for _, j := range pl.page.JSObjects {
		if j.Name == name {
			return j
		}
	}
	return nil
}

func (pl *planner) read(file string) (string, error) {
	if text, ok := pl.files[file]; ok {
		return text, nil
	}
	if text, ok := pl.app.FileText(file); ok {
		pl.files[file] = text
		return text, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	pl.files[file] = string(b)
	return string(b), nil
}

// --- references in code ---

func (pl *planner) references() error {
	root := pl.oldSegs[0]
	renamingWidget := !pl.member() && pl.entityKind(root) == appmodel.KindWidget
	for _, w := range pl.page.Widgets {
		for i := range w.Bindings {
			if err := pl.templateBinding(w.Name, &w.Bindings[i], renamingWidget); err != nil {
				return err
			}
		}
	}
	for _, a := range pl.page.Actions {
		for i := range a.Bindings {
			if err := pl.templateBinding(a.Name, &a.Bindings[i], renamingWidget); err != nil {
				return err
			}
		}
	}
	for _, j := range pl.page.JSObjects {
		if err := pl.jsBody(j, renamingWidget); err != nil {
			return err
		}
	}
	if len(pl.captured) > 0 {
		return &Conflict{
			Reason: fmt.Sprintf("renaming to %q would make references resolve to a local of that name", pl.plan.NewName),
			Where:  pl.captured,
		}
	}
	return nil
}

func (pl *planner) entityKind(name string) appmodel.Kind {
	return pl.page.EntityNames()[name]
}

func (pl *planner) templateBinding(entity string, b *appmodel.Binding, strs bool) error {
	root := pl.oldSegs[0]
	if !strings.Contains(b.Value, root) {
		return nil
	}
	if b.Loc.Encoding != appmodel.JSONString && b.Loc.Encoding != appmodel.Text {
		return nil // not stored as editable text
	}
	var edits []Edit
	refs, strRefs := 0, 0
	for _, sp := range analysis.TemplateSpans(b.Value) {
		code := b.Value[sp.Start:sp.End]
		if !strings.Contains(code, root) {
			continue
		}
		sc, err := pl.scans.ScanScript(code, root, pl.newSegs[0])
		if err != nil {
			continue // code that does not parse is left alone, as Appsmith does
		}
		es, n := pl.editsFor(sc, b.Node, strs)
		for _, e := range es {
			edits = append(edits, Edit{e.Start + sp.Start, e.End + sp.Start, e.New})
		}
		refs += n
		strRefs += pl.countStrings(sc, strs)
	}
	if len(edits) == 0 {
		return nil
	}
	after, err := Apply(b.Value, edits)
	if err != nil {
		return err
	}
	if err := pl.addValueEdits(b.Loc, b.Value, edits); err != nil {
		return err
	}
	pl.note(entity, b.Path, b.Loc.File, b.Value, after, refs, strRefs)
	return nil
}

// note records the changes of one value: code references and string
// references are listed separately so string ones stand out.
func (pl *planner) note(entity, path, file, before, after string, refs, strRefs int) {
	if refs > 0 {
		pl.plan.Changes = append(pl.plan.Changes, Change{Entity: entity, Path: path, Kind: CodeReference, File: file, Count: refs, Before: before, After: after})
	}
	if strRefs > 0 {
		pl.plan.Changes = append(pl.plan.Changes, Change{Entity: entity, Path: path, Kind: StringReference, File: file, Count: strRefs, Before: before, After: after})
	}
	pl.plan.RefactorCount += refs + strRefs
}

func (pl *planner) countStrings(sc analysis.Scan, strs bool) int {
	if !strs {
		return 0
	}
	n := 0
	for _, s := range sc.Strings {
		if s.Func != "navigateTo" {
			n++
		}
	}
	return n
}

// editsFor lists the edits in one scanned script: code references, and for
// a widget the names passed as strings.
func (pl *planner) editsFor(sc analysis.Scan, where string, strs bool) ([]Edit, int) {
	for _, o := range sc.Occurrences {
		if o.Free && o.Captured && matches(o, pl.oldSegs) {
			pl.captured = append(pl.captured, where)
			break
		}
	}
	edits, n := EditsFor(sc, pl.oldSegs, pl.newSegs)
	if strs {
		for _, s := range sc.Strings {
			if s.Func != "navigateTo" {
				edits = append(edits, Edit{s.Start, s.End, pl.newSegs[0]})
			}
		}
	}
	return edits, n
}

func matches(o analysis.Occurrence, oldSegs []string) bool {
	if len(o.Props) < len(oldSegs)-1 {
		return false
	}
	for i, seg := range oldSegs[1:] {
		if o.Props[i].Name != seg {
			return false
		}
	}
	return true
}

func (pl *planner) jsBody(j *appmodel.JSObject, strs bool) error {
	root := pl.oldSegs[0]
	renameKey := pl.member() && j.Name == root
	if !strings.Contains(j.Body, root) && !renameKey {
		return nil
	}
	if j.ParseErr != nil {
		if renameKey {
			return &Conflict{Reason: fmt.Sprintf("JS object %q does not parse; its member cannot be renamed", j.Name), Where: []string{j.BodyLoc.File}}
		}
		return nil
	}
	sc, err := pl.scans.ScanJSObject(j.Body, root, pl.newSegs[0])
	if err != nil {
		return nil
	}
	edits, refs := pl.editsFor(sc, j.Name, strs)
	strRefs := pl.countStrings(sc, strs)
	// A JS object calls its own members through `this` as well.
	if renameKey {
		for _, m := range j.Members {
			if m.Key == pl.oldSegs[1] {
				edits = append(edits, Edit{m.KeyStart, m.KeyEnd, pl.newSegs[1]})
			}
		}
		ts, n := thisMemberEdits(j.Body, pl.oldSegs[1], pl.newSegs[1])
		edits = append(edits, ts...)
		refs += n
	}
	if len(edits) == 0 {
		return nil
	}
	after, err := Apply(j.Body, edits)
	if err != nil {
		return err
	}
	if err := pl.addValueEdits(j.BodyLoc, j.Body, edits); err != nil {
		return err
	}
	pl.note(j.Name, "body", j.BodyLoc.File, j.Body, after, refs, strRefs)
	if renameKey {
		pl.plan.Changes = append(pl.plan.Changes, Change{Entity: j.Name, Path: "body", Kind: EntityName, File: j.BodyLoc.File, Count: 1,
			Before: pl.oldSegs[1], After: pl.newSegs[1]})
	}
	return nil
}

// thisMemberEdits renames `this.old` inside a JS object body: members call
// each other that way.
func thisMemberEdits(body, oldKey, newKey string) ([]Edit, int) {
	sc, err := analysis.ScanJSObjectThis(body)
	if err != nil {
		return nil, 0
	}
	var edits []Edit
	for _, p := range sc {
		if p.Name == oldKey {
			edits = append(edits, Edit{p.Start, p.End, newKey})
		}
	}
	return edits, len(edits)
}

// addValueEdits turns edits to a stored value into edits to its file.
func (pl *planner) addValueEdits(loc appmodel.Location, value string, edits []Edit) error {
	text, err := pl.read(loc.File)
	if err != nil {
		return err
	}
	switch loc.Encoding {
	case appmodel.Text:
		if loc.Start < 0 || loc.End > len(text) || text[loc.Start:loc.End] != value {
			return &Conflict{Reason: "file changed since it was loaded", Where: []string{loc.File}}
		}
		for _, e := range edits {
			pl.edits[loc.File] = append(pl.edits[loc.File], Edit{e.Start + loc.Start, e.End + loc.Start, e.New})
		}
	case appmodel.JSONString:
		if loc.Start < 0 || loc.End > len(text) {
			return &Conflict{Reason: "file changed since it was loaded", Where: []string{loc.File}}
		}
		raw := text[loc.Start:loc.End]
		offsets, decoded, ok := jsonStringOffsets(raw)
		if !ok || decoded != value {
			return &Conflict{Reason: "file changed since it was loaded", Where: []string{loc.File}}
		}
		for _, e := range edits {
			pl.edits[loc.File] = append(pl.edits[loc.File], Edit{loc.Start + offsets[e.Start], loc.Start + offsets[e.End], jsonEscape(e.New)})
		}
	default:
		return &Conflict{Reason: "value is not stored as text", Where: []string{loc.File}}
	}
	return nil
}

// --- names, keys and files ---

func (pl *planner) names() error {
	if pl.member() {
		return pl.memberNames()
	}
	old, new := pl.oldSegs[0], pl.newSegs[0]
	pl.plan.Kind = pl.entityKind(old)
	switch pl.plan.Kind {
	case appmodel.KindWidget:
		for _, w := range pl.page.Widgets {
			if w.Name == old {
				if err := pl.jsonField(w.Name, w.File, w.JSON, "widgetName", EntityName); err != nil {
					return err
				}
				pl.moveNamed(w.File, old, new)
			}
			if err := pl.listTemplateKeys(w); err != nil {
				return err
			}
		}
	case appmodel.KindAction:
		for _, a := range pl.page.Actions {
			if a.Name == old {
				if err := pl.jsonField(a.Name, a.File, a.JSON, "name", EntityName); err != nil {
					return err
				}
				if err := pl.gitIDs(a.File); err != nil {
					return err
				}
				if a.BodyFile != "" {
					pl.moveNamed(a.BodyFile, old, new)
				}
				pl.moveNamed(a.File, old, new)
			}
		}
		if err := pl.onLoadActions(); err != nil {
			return err
		}
	case appmodel.KindJSObject:
		j := pl.jsObject(old)
		if err := pl.jsonField(j.Name, j.File, j.JSON, "name", EntityName); err != nil {
			return err
		}
		if err := pl.gitIDs(j.File); err != nil {
			return err
		}
		if err := pl.jsFunctionActions(j, ""); err != nil {
			return err
		}
		if j.BodyLoc.File != j.File {
			pl.moveNamed(j.BodyLoc.File, old, new)
		}
		pl.moveNamed(j.File, old, new)
	}
	return nil
}

func (pl *planner) memberNames() error {
	pl.plan.Kind = appmodel.KindJSObject
	return pl.jsFunctionActions(pl.jsObject(pl.oldSegs[0]), pl.oldSegs[1])
}

// jsonField renames a string field of a JSON object of file. (gjson gives
// every nested result's Index from the start of the parsed document, which
// for the model's objects is the file.)
func (pl *planner) jsonField(entity, file string, obj gjson.Result, field string, kind ChangeKind) error {
	r := obj.Get(field)
	if r.Type != gjson.String || r.Str != pl.oldSegs[0] {
		return nil
	}
	return pl.replaceJSONString(entity, field, file, r.Index, r, kind, pl.newSegs[0])
}

func (pl *planner) replaceJSONString(entity, path, file string, at int, r gjson.Result, kind ChangeKind, newValue string) error {
	text, err := pl.read(file)
	if err != nil {
		return err
	}
	if at < 0 || at+len(r.Raw) > len(text) || text[at:at+len(r.Raw)] != r.Raw {
		return &Conflict{Reason: "file changed since it was loaded", Where: []string{file}}
	}
	pl.edits[file] = append(pl.edits[file], Edit{at, at + len(r.Raw), `"` + jsonEscape(newValue) + `"`})
	pl.plan.Changes = append(pl.plan.Changes, Change{Entity: entity, Path: path, Kind: kind, File: file, Count: 1, Before: r.Str, After: newValue})
	return nil
}

// listTemplateKeys renames what List widgets (v1) store under the names of
// the widgets in their template: template.<Name> and the binding path
// lists' template.<Name>.… entries.
func (pl *planner) listTemplateKeys(w *appmodel.Widget) error {
	old, new := pl.oldSegs[0], pl.newSegs[0]
	tmpl := w.JSON.Get("template")
	if !tmpl.IsObject() {
		return nil
	}
	text, err := pl.read(w.File)
	if err != nil {
		return err
	}
	var keyErr error
	tmpl.ForEach(func(k, _ gjson.Result) bool {
		if k.Type == gjson.String && k.Str == old {
			at := k.Index
			if at+len(k.Raw) > len(text) || text[at:at+len(k.Raw)] != k.Raw {
				keyErr = &Conflict{Reason: "file changed since it was loaded", Where: []string{w.File}}
				return false
			}
			pl.edits[w.File] = append(pl.edits[w.File], Edit{at, at + len(k.Raw), `"` + jsonEscape(new) + `"`})
			pl.plan.Changes = append(pl.plan.Changes, Change{Entity: w.Name, Path: "template", Kind: StoredKey, File: w.File, Count: 1, Before: old, After: new})
		}
		return true
	})
	if keyErr != nil {
		return keyErr
	}
	prefix := "template." + old + "."
	for _, list := range []string{"dynamicBindingPathList", "dynamicTriggerPathList", "dynamicPropertyPathList"} {
		arr := w.JSON.Get(list)
		var err error
		arr.ForEach(func(_, item gjson.Result) bool {
			key := item.Get("key")
			if key.Type == gjson.String && strings.HasPrefix(key.Str, prefix) {
				at := key.Index
				err = pl.replaceJSONString(w.Name, list, w.File, at, key, StoredKey, "template."+new+"."+strings.TrimPrefix(key.Str, prefix))
			}
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// gitIDs renames the ids the git format derives from names: the top-level
// "id": "<page>_<Name>" of an entity's metadata file.
func (pl *planner) gitIDs(file string) error {
	if pl.app.Format != appmodel.FormatGit {
		return nil
	}
	text, err := pl.read(file)
	if err != nil {
		return err
	}
	prefix := pl.page.ID + "_"
	id := gjson.Get(text, "id")
	if id.Type == gjson.String && id.Str == prefix+pl.oldSegs[0] {
		return pl.replaceJSONString(pl.oldSegs[0], "id", file, id.Index, id, StoredKey, prefix+pl.newSegs[0])
	}
	return nil
}

// jsFunctionActions renames, in the git format, the action files Appsmith
// keeps for each JS object function (pluginType JS): their fully qualified
// name, collection id and id, and the member's own name when member is not
// "". Their folders are named <Object>-<function>.
func (pl *planner) jsFunctionActions(j *appmodel.JSObject, member string) error {
	if pl.app.Format != appmodel.FormatGit || j == nil {
		return nil
	}
	dir := filepath.Join(filepath.Dir(filepath.Dir(j.File)), "..", "queries")
	dir = filepath.Clean(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // a page without queries
	}
	obj, newObj := j.Name, pl.newSegs[0]
	prefix := pl.page.ID + "_"
	for _, e := range entries {
		meta := filepath.Join(dir, e.Name(), "metadata.json")
		text, err := pl.read(meta)
		if err != nil {
			continue
		}
		root := gjson.Parse(text)
		ua := root.Get("unpublishedAction")
		fqn := ua.Get("fullyQualifiedName").Str
		if root.Get("pluginType").Str != "JS" || !strings.HasPrefix(fqn, obj+".") {
			continue
		}
		fn := strings.TrimPrefix(fqn, obj+".")
		if member != "" && fn != member {
			continue
		}
		newFn := fn
		if member != "" {
			newFn = pl.newSegs[1]
		}
		set := func(r gjson.Result, at int, path, value string, kind ChangeKind) error {
			if r.Type != gjson.String || r.Str == value {
				return nil
			}
			return pl.replaceJSONString(obj, path, meta, at, r, kind, value)
		}
		if err := set(ua.Get("fullyQualifiedName"), ua.Get("fullyQualifiedName").Index, "fullyQualifiedName", newObj+"."+newFn, StoredKey); err != nil {
			return err
		}
		if member != "" {
			if err := set(ua.Get("name"), ua.Get("name").Index, "name", newFn, EntityName); err != nil {
				return err
			}
		}
		if cid := ua.Get("collectionId"); cid.Str == prefix+obj {
			if err := set(cid, cid.Index, "collectionId", prefix+newObj, StoredKey); err != nil {
				return err
			}
		}
		if id := root.Get("id"); id.Str == prefix+obj+"."+fn {
			if err := set(id, id.Index, "id", prefix+newObj+"."+newFn, StoredKey); err != nil {
				return err
			}
		}
		if e.Name() == obj+"-"+fn {
			pl.plan.Moves = append(pl.plan.Moves, Move{filepath.Join(dir, e.Name()), filepath.Join(dir, newObj+"-"+newFn)})
		}
	}
	return nil
}

// onLoadActions renames the action in the page's layoutOnLoadActions.
func (pl *planner) onLoadActions() error {
	layouts := pl.page.JSON.Get("unpublishedPage.layouts")
	if !layouts.IsArray() {
		layouts = pl.page.JSON.Get("layouts")
	}
	var err error
	layouts.ForEach(func(_, layout gjson.Result) bool {
		sets := layout.Get("layoutOnLoadActions")
		sets.ForEach(func(_, set gjson.Result) bool {
			set.ForEach(func(_, act gjson.Result) bool {
				name := act.Get("name")
				if name.Type == gjson.String && name.Str == pl.oldSegs[0] {
					err = pl.replaceJSONString(pl.page.Name, "layoutOnLoadActions", pl.page.File, name.Index, name, StoredKey, pl.newSegs[0])
				}
				// The git format derives ids from names: <page>_<name>.
				if id := act.Get("id"); err == nil && pl.app.Format == appmodel.FormatGit && id.Str == pl.page.ID+"_"+pl.oldSegs[0] {
					err = pl.replaceJSONString(pl.page.Name, "layoutOnLoadActions", pl.page.File, id.Index, id, StoredKey, pl.page.ID+"_"+pl.newSegs[0])
				}
				return err == nil
			})
			return err == nil
		})
		return err == nil
	})
	return err
}

// moveNamed plans renaming a file named after the entity (Old.json,
// Old.txt, Old.js) and, when the folder holding it is named after the entity
// too (queries/Old/, jsobjects/Old/, a container's widgets/Old/), the folder.
func (pl *planner) moveNamed(file, old, new string) {
	if pl.app.Format != appmodel.FormatGit {
		return
	}
	dir, base := filepath.Split(file)
	dir = filepath.Clean(dir)
	ext := filepath.Ext(base)
	if strings.TrimSuffix(base, ext) == old {
		pl.addMove(Move{file, filepath.Join(dir, new+ext)})
	}
	if filepath.Base(dir) == old {
		pl.addMove(Move{dir, filepath.Join(filepath.Dir(dir), new)})
	}
}

func (pl *planner) addMove(m Move) {
	for _, x := range pl.plan.Moves {
		if x == m {
			return
		}
	}
	pl.plan.Moves = append(pl.plan.Moves, m)
}

func (pl *planner) finish() (*Plan, error) {
	files := make([]string, 0, len(pl.edits))
	for f := range pl.edits {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		edits := pl.edits[f]
		sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
		// Prove the edits apply before anything is written.
		if _, err := Apply(pl.files[f], edits); err != nil {
			return nil, &Conflict{Reason: "edits overlap", Where: []string{f}}
		}
		pl.plan.Files = append(pl.plan.Files, FileEdits{File: f, Before: pl.files[f], Edits: edits})
	}
	// Files move before the folders holding them, deepest first.
	sort.SliceStable(pl.plan.Moves, func(i, j int) bool {
		return strings.Count(pl.plan.Moves[i].From, string(filepath.Separator)) > strings.Count(pl.plan.Moves[j].From, string(filepath.Separator))
	})
	return pl.plan, nil
}
