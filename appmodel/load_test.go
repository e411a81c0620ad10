package appmodel

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/tidwall/gjson"
)

func TestTinyApp(t *testing.T) {
	t.Parallel()
	app, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "tiny" || app.Format != FormatGit || app.EvaluationVersion != 2 {
		t.Errorf("app = %q %v v%d", app.Name, app.Format, app.EvaluationVersion)
	}
	if len(app.Pages) != 2 || app.Pages[0].Name != "Home" || app.Pages[1].Name != "Page2" {
		t.Fatalf("pages = %v", pageNames(app))
	}
	home := app.Pages[0]
	wantEntities := []EntityInfo{
		{"Container1", KindWidget, "CONTAINER_WIDGET"},
		{"Input1", KindWidget, "INPUT_WIDGET_V2"},
		{"Table1", KindWidget, "TABLE_WIDGET_V2"},
		{"getUsers", KindAction, "API"},
		{"Utils", KindJSObject, ""},
	}
	if got := home.Entities(); !reflect.DeepEqual(got, wantEntities) {
		t.Errorf("entities = %v\nwant %v", got, wantEntities)
	}

	// Every binding, in order, with its kind and value.
	type bk struct {
		node  string
		kind  BindingKind
		value string
	}
	var got []bk
	for b := range home.Bindings() {
		got = append(got, bk{b.Node, b.Kind, b.Value})
	}
	want := []bk{
		{"Container1.borderRadius", BindingWidget, "{{appsmith.theme.borderRadius.appBorderRadius}}"},
		{"Input1.defaultText", BindingWidget, "{{Table1.selectedRow.name}}"},
		{"Input1.maxChars", BindingWidget, "5"},
		{"Table1.tableData", BindingWidget, "{{getUsers.data.users}} {{getUsers.data.users}}"},
		{"Table1.primaryColumns.first name.computedValue", BindingWidget, "{{currentRow.name + Input1.text}}"},
		{"Table1.onRowSelected", BindingWidget, "{{Utils.select(Table1.selectedRow.id)}}"},
		{"Table1.onPageChange", BindingTrigger, "{{getUsers.run()}}"},
		{"getUsers.config.body", BindingAction, "{\"q\": {{Input1.text}}}\n"},
		{"getUsers.datasourceUrl", BindingAction, "https://{{Container1.isVisible ? 'a' : 'b'}}.example.com"},
		{"getUsers.config.queryParameters[0].value", BindingAction, "{{Table1.pageSize}}"},
		{"getUsers.config.path", BindingAction, ""},
		{"Utils.limit", BindingJSObject, "10"},
		{"Utils.select", BindingJSObject, "function (id) {\n\t\tstoreValue('id', id); // Table1.comment is not a reference\n\t\treturn getUsers.run({id})\n\t}"},
		{"Utils.peek", BindingJSObject, "() => this.limit + Input1.text"},
		{"Utils.other", BindingJSObject, "() => Text1.text"},
		{"Utils.self", BindingJSObject, "() => Utils.limit"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bindings:\n%v\nwant\n%v", got, want)
	}

	wantEdges := []Edge{
		{"Home", "Input1.defaultText", "Table1.selectedRow.name", "binding"},
		{"Home", "Table1.tableData", "getUsers.data.users", "binding"},
		{"Home", "Table1.primaryColumns.first name.computedValue", "Input1.text", "binding"},
		{"Home", "Table1.onRowSelected", "Utils.select", "binding"},
		{"Home", "Table1.onRowSelected", "Table1.selectedRow.id", "binding"},
		{"Home", "Table1.onPageChange", "getUsers.run", "trigger"},
		{"Home", "getUsers.config.body", "Input1.text", "action"},
		{"Home", "getUsers.datasourceUrl", "Container1.isVisible", "action"},
		{"Home", "getUsers.config.queryParameters[0].value", "Table1.pageSize", "action"},
		{"Home", "Utils.select", "getUsers.run", "jsobject"},
		{"Home", "Utils.peek", "Input1.text", "jsobject"},
		{"Home", "Utils.self", "Utils.limit", "jsobject"},
		{"Page2", "Text1.text", "Text1.isVisible", "binding"},
	}
	if got := Edges(app); !reflect.DeepEqual(got, wantEdges) {
		t.Errorf("edges:\n%v\nwant\n%v", got, wantEdges)
	}
	if got := PageEdges(app.Pages[1]); !reflect.DeepEqual(got, wantEdges[len(wantEdges)-1:]) {
		t.Errorf("PageEdges(Page2) = %v", got)
	}
}

// TestLocations checks that every binding's Location points at its value,
// which is what a rename will splice.
func TestLocations(t *testing.T) {
	t.Parallel()
	apps := []*App{}
	tiny, err := LoadDir("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	apps = append(apps, tiny)
	for _, name := range exportedApps {
		if path, err := shareddata.Path("testdata", "exported", name); err == nil {
			app, err := LoadExportFile(path)
			if err != nil {
				t.Fatal(err)
			}
			apps = append(apps, app)
		}
	}
	files := map[string]string{}
	read := func(path string) string {
		if s, ok := files[path]; ok {
			return s
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[path] = string(b)
		return files[path]
	}
	checked := map[Encoding]int{}
	for _, app := range apps {
		for _, p := range app.Pages {
			bodies := map[string]*JSObject{}
			for _, j := range p.JSObjects {
				bodies[j.Name] = j
				src := read(j.BodyLoc.File)[j.BodyLoc.Start:j.BodyLoc.End]
				if j.BodyLoc.Encoding == JSONString {
					src = gjson.Parse(src).Str
				}
				if src != j.Body {
					t.Errorf("%s: BodyLoc does not hold the body", j.Name)
				}
			}
			for b := range p.Bindings() {
				checked[b.Loc.Encoding]++
				switch b.Loc.Encoding {
				case JSONString, JSONOther:
					raw := read(b.Loc.File)[b.Loc.Start:b.Loc.End]
					v := gjson.Parse(raw)
					if b.Loc.Encoding == JSONString && v.Str != b.Value || b.Loc.Encoding == JSONOther && !v.Exists() {
						t.Errorf("%s: location %d-%d holds %.40q, value %.40q", b.Node, b.Loc.Start, b.Loc.End, raw, b.Value)
					}
				case Text:
					if raw := read(b.Loc.File)[b.Loc.Start:b.Loc.End]; raw != b.Value {
						t.Errorf("%s: location holds %.40q, value %.40q", b.Node, raw, b.Value)
					}
				case InBody:
					j := bodies[b.Entity]
					code := j.Body[b.Loc.Start:b.Loc.End]
					if !strings.HasSuffix(b.Value, strings.TrimSpace(code)) {
						t.Errorf("%s: body range holds %.40q, value %.40q", b.Node, code, b.Value)
					}
				case NoValue:
					if b.Value != "" {
						t.Errorf("%s: no location but value %q", b.Node, b.Value)
					}
				}
			}
		}
	}
	for _, enc := range []Encoding{JSONString, JSONOther, Text, InBody, NoValue} {
		if checked[enc] == 0 {
			t.Errorf("no binding with encoding %d checked", enc)
		}
	}
}

func pageNames(app *App) []string {
	var out []string
	for _, p := range app.Pages {
		out = append(out, p.Name)
	}
	return out
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want string // the error text, with the testdata path
		is   error
	}{
		{"broken/json", "broken/json/pages/Page1/widgets/Text1.json:3:27: invalid character ',' looking for beginning of object key string (byte offset 54)", nil},
		{"broken/missing-page", "broken/missing-page/pages/Page1/Page1.json: no such file or directory", fs.ErrNotExist},
		{"broken/missing-js", "broken/missing-js/pages/Page1/jsobjects/Utils/Utils.js: JS object body missing", nil},
		{"broken/no-widget-name", "broken/no-widget-name/pages/Page1/widgets/Text1.json: widget at byte offset 0 has no widgetName", nil},
		{"broken/page-not-object", "broken/page-not-object/pages/Page1/Page1.json: not a JSON object", nil},
		{"broken/no-application", "broken/no-application/application.json: no such file or directory", fs.ErrNotExist},
		{"broken/nothing-here", "broken/nothing-here: no such file or directory", fs.ErrNotExist},
		{"broken/export-truncated.json", "broken/export-truncated.json:1:153: unexpected end of JSON input (byte offset 153)", nil},
		{"broken/export-orphan-action.json", `broken/export-orphan-action.json: action "q1" at byte offset 124: pageId "Nope" names no page`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			app, err := Load(filepath.Join("testdata", tt.path))
			if err == nil {
				t.Fatalf("loaded %v, want an error", app)
			}
			if got := filepath.ToSlash(err.Error()); got != "testdata/"+tt.want {
				t.Errorf("error\n %s\nwant\n %s", got, "testdata/"+tt.want)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FileError", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error is not %v", tt.is)
			}
		})
	}
}

func TestLoadExportReader(t *testing.T) {
	t.Parallel()
	app, err := LoadExport(strings.NewReader(`{"exportedApplication": {"name": "R"}, "pageList": [
		{"unpublishedPage": {"name": "P", "layouts": [{"dsl": {"widgetName": "MainContainer", "children": [
			{"widgetName": "T", "type": "TEXT_WIDGET", "text": "{{q.data}}", "dynamicBindingPathList": [{"key": "text"}]}]}}]}}],
		"actionList": [{"pluginType": "DB", "unpublishedAction": {"name": "q", "pageId": "P"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Edge{{"P", "T.text", "q.data", "binding"}}
	if got := Edges(app); !reflect.DeepEqual(got, want) {
		t.Errorf("edges = %v", got)
	}
	// A JS object that does not parse is kept, with no members and no
	// edges, as Appsmith does; the app still loads.
	app, err = LoadExport(strings.NewReader(`{"exportedApplication": {"name": "R"}, "pageList": [
		{"unpublishedPage": {"name": "P", "layouts": []}}],
		"actionCollectionList": [{"unpublishedCollection": {"name": "Bad", "pageId": "P", "body": "export default { f: () => {"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if j := app.Pages[0].JSObjects[0]; j.ParseErr == nil || len(j.Bindings) != 0 || len(Edges(app)) != 0 {
		t.Errorf("broken JS object: err %v, %d bindings", j.ParseErr, len(j.Bindings))
	}
	_, err = LoadExport(strings.NewReader(`{"a": 1,}`))
	if err == nil || err.Error() != "<input>:1:9: invalid character '}' looking for beginning of object key string (byte offset 9)" {
		t.Errorf("error = %v", err)
	}
	_, err = LoadExport(strings.NewReader(`{"a": 1}`))
	if err == nil || !strings.Contains(err.Error(), "not an Appsmith export") {
		t.Errorf("error = %v", err)
	}
}

var exportedApps = []string{"CommunityIssuesExport.json", "TableMigrationAppExported.json"}

func TestLoadExported(t *testing.T) {
	t.Parallel()
	for _, name := range exportedApps {
		t.Run(name, func(t *testing.T) {
			path, err := shareddata.Path("testdata", "exported", name)
			if err != nil {
				t.Fatal(err)
			}
			app, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if app.Format != FormatExport || app.Name == "" || len(app.Pages) == 0 {
				t.Fatalf("app %q format %v with %d pages", app.Name, app.Format, len(app.Pages))
			}
			var widgets, actions, jsobjects, bindings int
			for _, p := range app.Pages {
				widgets += len(p.Widgets)
				actions += len(p.Actions)
				jsobjects += len(p.JSObjects)
				for range p.Bindings() {
					bindings++
				}
				for _, w := range p.Widgets {
					if w.Type == "CANVAS_WIDGET" || w.Name == "MainContainer" {
						t.Errorf("%s: %s %s is an entity", p.Name, w.Type, w.Name)
					}
				}
				for _, j := range p.JSObjects {
					if j.ParseErr != nil {
						t.Errorf("%s: JS object %s: %v", p.Name, j.Name, j.ParseErr)
					}
				}
				names := map[string]bool{}
				for _, e := range p.Entities() {
					if names[e.Name] {
						t.Errorf("%s: entity %s twice", p.Name, e.Name)
					}
					names[e.Name] = true
				}
			}
			edges := Edges(app)
			t.Logf("%s: %d pages, %d widgets, %d actions, %d JS objects, %d bindings, %d edges",
				app.Name, len(app.Pages), widgets, actions, jsobjects, bindings, len(edges))
			if widgets == 0 || actions == 0 || jsobjects == 0 || bindings == 0 || len(edges) == 0 {
				t.Errorf("empty model")
			}

			again, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(app, again) {
				t.Errorf("loading twice gives different models")
			}
			if !reflect.DeepEqual(edges, Edges(again)) {
				t.Errorf("loading twice gives different edges")
			}
		})
	}
}

// The exported apps' shapes, checked against the files: their pages in
// order; every action that is not a JS function (pluginType JS) and not
// soft-deleted (unpublishedAction.deletedAt, as TableMigration's old
// copies are) is an entity.
func TestExportedShapes(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		pages    []string
		jsobject int
	}{
		"CommunityIssuesExport.json":     {[]string{"Issues"}, 4},
		"TableMigrationAppExported.json": {[]string{"Credit Card Home", "Change color and font"}, 4},
	}
	for name, want := range cases {
		path, err := shareddata.Path("testdata", "exported", name)
		if err != nil {
			t.Fatal(err)
		}
		app, err := LoadExportFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := pageNames(app); !reflect.DeepEqual(got, want.pages) {
			t.Errorf("%s: pages %v, want %v", name, got, want.pages)
		}
		doc := gjson.Parse(read(t, path))
		nonJS := 0
		doc.Get("actionList").ForEach(func(_, a gjson.Result) bool {
			deleted := a.Get("unpublishedAction.deletedAt")
			if a.Get("pluginType").Str != "JS" && (!deleted.Exists() || deleted.Type == gjson.Null) {
				nonJS++
			}
			return true
		})
		actions, jsobjects := 0, 0
		for _, p := range app.Pages {
			actions += len(p.Actions)
			jsobjects += len(p.JSObjects)
		}
		if actions != nonJS || jsobjects != want.jsobject {
			t.Errorf("%s: %d actions, %d JS objects; want %d, %d", name, actions, jsobjects, nonJS, want.jsobject)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadTwiceEqual(t *testing.T) {
	t.Parallel()
	for _, name := range realApps {
		if testing.Short() && name != "rm" {
			continue
		}
		b, err := loadRealAppFresh(name)
		if err != nil {
			t.Fatal(err)
		}
		if a := loadRealApp(t, name); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: loading twice gives different models", name)
		}
	}
}

// TestLoadGitPageEqualsLoadDir: a page read on its own is the page LoadDir
// reads; a folder that is no page is an error naming its file.
func TestLoadGitPageEqualsLoadDir(t *testing.T) {
	t.Parallel()
	app := loadRealApp(t, "AppsmithNew")
	for _, p := range app.Pages[:3] {
		got, err := LoadGitPage(filepath.Dir(p.File))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: LoadGitPage differs from the page LoadDir read", p.Name)
		}
	}
	dir := t.TempDir()
	if _, err := LoadGitPage(dir); err == nil || !strings.Contains(err.Error(), filepath.Base(dir)+".json") {
		t.Errorf("empty folder: %v", err)
	}
}
