package appmodel

import (
	"iter"
	"strings"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/tidwall/gjson"
)

// Format is the on-disk shape an app was loaded from.
type Format uint8

const (
	// FormatGit is Appsmith's git format: one file per widget, action and JS
	// object under pages/<page>/.
	FormatGit Format = iota + 1
	// FormatExport is the single JSON file Appsmith exports and imports.
	FormatExport
)

func (f Format) String() string {
	switch f {
	case FormatGit:
		return "git"
	case FormatExport:
		return "export"
	}
	return "unknown"
}

// Kind is the kind of an entity, with the names the graph JSON uses.
type Kind string

const (
	KindWidget   Kind = "widget"
	KindAction   Kind = "action"
	KindJSObject Kind = "jsobject"
)

// BindingKind is the kind of a binding, and of the edges it produces.
type BindingKind string

const (
	// BindingWidget is a path in a widget's dynamicBindingPathList.
	BindingWidget BindingKind = "binding"
	// BindingTrigger is a widget event handler (dynamicTriggerPathList): it
	// runs on events, so it matters for renames and impact but not for
	// evaluation order.
	BindingTrigger BindingKind = "trigger"
	// BindingAction is a path in an action's dynamicBindingPathList.
	BindingAction BindingKind = "action"
	// BindingJSObject is one member of a JS object.
	BindingJSObject BindingKind = "jsobject"
)

// App is an Appsmith application: its pages in order.
type App struct {
	// Name is exportedApplication.name for an export; for the git format,
	// which stores no name, the folder's base name.
	Name   string
	Format Format
	// Path is the folder (git) or file (export) the app was loaded from; ""
	// when the export came from a reader.
	Path string
	// EvaluationVersion is the app's evaluationVersion (2 when absent).
	EvaluationVersion int
	exportText        string // the export file's text (export format)
	// texts are file texts given by SetFileText (documents from a store).
	texts map[string]string
	// Libraries are the globals of the app's custom JS libraries (their
	// accessors, e.g. dayjs), from jslibs/*.json or customJSLibList.
	Libraries []string
	Pages     []*Page
}

// Page holds the entities of one page. Entity names are page-scoped.
type Page struct {
	Name string
	// ID identifies the page within its source: the directory name in the
	// git format, the gitSyncId (else id) of the pageList entry in an export.
	ID string
	// File is the page's own JSON file (git) or the export file.
	File string
	// JSON is the page document (git: the whole page file; export: the
	// pageList entry).
	JSON gjson.Result
	// jsOnLoad: JS object name → its functions that run on page load, read
	// from the JS actions before the JS objects are built.
	jsOnLoad map[string][]string
	// texts are the files the page was read from, as read: a rename edits
	// them without reading them again. They share memory with the parsed
	// JSON, so keeping them costs nothing extra.
	texts     map[string]string
	Widgets   []*Widget
	Actions   []*Action
	JSObjects []*JSObject
}

// Widget is one widget of a page's DSL, except the root MainContainer and
// the canvases that only hold children (see README: entities).
type Widget struct {
	Name string // widgetName
	Type string // e.g. TABLE_WIDGET_V2
	ID   string // widgetId
	// File holds the widget: its own JSON file in the git format, the export
	// file otherwise.
	File string
	// JSON is the widget object; JSON.Index is its byte offset in File.
	JSON     gjson.Result
	Bindings []Binding
	// place is what Containers reads of JSON, taken when the widget was
	// read from a whole tree (nil otherwise: Containers reads JSON).
	place *placement
}

// Action is a query or API (pluginType other than JS).
type Action struct {
	Name          string
	ID            string
	PluginType    string // DB, API, SAAS, …
	PluginID      string
	ExecuteOnLoad bool
	// File holds the action: queries/<q>/metadata.json, or the export file.
	File string
	// JSON is unpublishedAction; JSON.Index is its byte offset in File.
	JSON gjson.Result
	// BodyFile is the sibling queries/<q>/<q>.txt whose text replaces
	// actionConfiguration.body (git format only); "" when there is none.
	BodyFile string
	Body     string // BodyFile's text
	Bindings []Binding
}

// JSObject is a JS object (action collection) and its members.
type JSObject struct {
	Name string
	ID   string
	// File holds the object's metadata: jsobjects/<j>/metadata.json, or the
	// export file.
	File string
	// JSON is unpublishedCollection; JSON.Index is its byte offset in File.
	JSON gjson.Result
	// Body is the source `export default { … }` and BodyLoc where it is
	// stored (the .js file, or a JSON string in the export file).
	Body    string
	BodyLoc Location
	// Members are the object's properties in source order; their offsets
	// are into Body.
	Members []analysis.JSProperty
	// OnLoadFunctions are the members Appsmith runs when the page loads
	// (their JS actions have executeOnLoad).
	OnLoadFunctions []string
	// ParseErr is set when Body does not parse; the object then has no
	// members and no bindings (Appsmith's parser gives up the same way).
	ParseErr error
	Bindings []Binding
}

// Binding is one analysed value of an entity: a widget or action binding
// path, or a JS object member.
type Binding struct {
	Entity string
	// Path is the key: "primaryColumns.name.computedValue", "config.body"
	// is stored as "body" (Node adds "config."), "datasourceUrl", or a JS
	// member name.
	Path string
	// Node is the graph node: "<Widget>.<path>", "<Action>.config.<path>",
	// "<Action>.datasourceUrl", "<JSObject>.<member>".
	Node string
	Kind BindingKind
	// Value is the text analysed: the value converted as JavaScript's
	// toString would ("" when absent), or a JS member's trimmed code.
	Value string
	// Snippets are the code pieces sent to reference extraction: the
	// `{{ }}` contents of Value, or the whole member code for a JS object.
	// They are substrings of Value.
	Snippets []string
	// Loc is where Value is stored, for writing an edited value back.
	Loc Location
}

// Encoding says how a Location's bytes relate to a binding's Value.
type Encoding uint8

const (
	// NoValue: the path leads nowhere (Value is ""); nothing to edit.
	NoValue Encoding = iota
	// JSONString: the range is a JSON string literal, quotes included,
	// that decodes to Value.
	JSONString
	// JSONOther: the range is a JSON number, boolean, null, object or
	// array; Value is its JavaScript string form and cannot be edited in
	// place as text.
	JSONOther
	// Text: the range holds Value's text itself (a query's .txt body).
	Text
	// InBody: the range is into the JS object's Body (a member's value;
	// for a method it starts at the parameter list, where Value reads
	// "function (…) {…}"). BodyLoc says where Body itself lives.
	InBody
	// Derived: the value is computed from stored data (a string's length or
	// one of its characters, as lodash get reads it); nothing to edit.
	Derived
)

// Location is a byte range in a file.
type Location struct {
	File       string
	Start, End int
	Encoding   Encoding
}

// EntityInfo names an entity of a page.
type EntityInfo struct {
	Name string
	Kind Kind
	Type string // widget type or action plugin type; "" for JS objects
}

// Entities lists the page's entities in the contract's order: widgets,
// actions, JS objects.
func (p *Page) Entities() []EntityInfo {
	out := make([]EntityInfo, 0, len(p.Widgets)+len(p.Actions)+len(p.JSObjects))
	for _, w := range p.Widgets {
		out = append(out, EntityInfo{Name: w.Name, Kind: KindWidget, Type: w.Type})
	}
	for _, a := range p.Actions {
		out = append(out, EntityInfo{Name: a.Name, Kind: KindAction, Type: a.PluginType})
	}
	for _, j := range p.JSObjects {
		out = append(out, EntityInfo{Name: j.Name, Kind: KindJSObject})
	}
	return out
}

// EntityNames is the set of entity names of the page.
func (p *Page) EntityNames() map[string]Kind {
	m := make(map[string]Kind, len(p.Widgets)+len(p.Actions)+len(p.JSObjects))
	for _, w := range p.Widgets {
		m[w.Name] = KindWidget
	}
	for _, a := range p.Actions {
		m[a.Name] = KindAction
	}
	for _, j := range p.JSObjects {
		m[j.Name] = KindJSObject
	}
	return m
}

// Bindings yields every binding of the page in the contract's order
// (widgets, actions, JS objects; within an entity, its Bindings order).
func (p *Page) Bindings() iter.Seq[*Binding] {
	return func(yield func(*Binding) bool) {
		for _, w := range p.Widgets {
			for i := range w.Bindings {
				if !yield(&w.Bindings[i]) {
					return
				}
			}
		}
		for _, a := range p.Actions {
			for i := range a.Bindings {
				if !yield(&a.Bindings[i]) {
					return
				}
			}
		}
		for _, j := range p.JSObjects {
			for i := range j.Bindings {
				if !yield(&j.Bindings[i]) {
					return
				}
			}
		}
	}
}

// Page returns the page with the given name, or nil.
func (a *App) Page(name string) *Page {
	for _, p := range a.Pages {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// noteJSAction records a JS object function's action (pluginType JS):
// whether it runs on page load, which matters for unused-entity reports.
func (p *Page) noteJSAction(ua gjson.Result) {
	if !ua.Get("executeOnLoad").Bool() {
		return
	}
	obj, fn, ok := strings.Cut(ua.Get("fullyQualifiedName").Str, ".")
	if !ok {
		return
	}
	if p.jsOnLoad == nil {
		p.jsOnLoad = map[string][]string{}
	}
	p.jsOnLoad[obj] = append(p.jsOnLoad[obj], fn)
}

// readFile reads one of the page's files and keeps its text.
func (p *Page) readFile(path string) (string, error) {
	text, err := readFile(path)
	if err == nil {
		p.keep(path, text)
	}
	return text, err
}

// FileText returns the text one of the page's files had when the page
// was loaded (git format: the page's JSON, its widget, query and JS object
// files).
func (p *Page) FileText(path string) (string, bool) {
	t, ok := p.texts[path]
	return t, ok
}

func (p *Page) keep(path, text string) {
	if p.texts == nil {
		p.texts = map[string]string{}
	}
	p.texts[path] = text
}

// FileText returns the text a file of the app had when the app was loaded
// (the export file, or any file of a git-format page).
func (a *App) FileText(path string) (string, bool) {
	if t, ok := a.texts[path]; ok {
		return t, true
	}
	if a.exportText != "" && path == a.Path {
		return a.exportText, true
	}
	for _, p := range a.Pages {
		if t, ok := p.texts[path]; ok {
			return t, true
		}
	}
	return "", false
}

// SetFileText records the text of a file the model's Locations name, for
// models built from text that no file holds (a store's documents): renames
// plan on it instead of reading the file.
func (a *App) SetFileText(path, text string) {
	if a.texts == nil {
		a.texts = map[string]string{}
	}
	a.texts[path] = text
}
