package appmodel

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/tidwall/gjson"
)

// gjsonNodes lists a value and everything inside it as gjson's ForEach
// yields them, in document order: the order of a jsonTree's nodes.
func gjsonNodes(key string, r gjson.Result, out *[]struct {
	key string
	val gjson.Result
}) {
	*out = append(*out, struct {
		key string
		val gjson.Result
	}{key, r})
	if r.Type != gjson.JSON {
		return
	}
	r.ForEach(func(k, v gjson.Result) bool {
		gjsonNodes(k.Str, v, out)
		return true
	})
}

func sameResult(a, b gjson.Result) bool {
	return a.Type == b.Type && a.Raw == b.Raw && a.Str == b.Str && a.Index == b.Index &&
		(a.Num == b.Num || a.Num != a.Num && b.Num != b.Num)
}

// checkTree asserts that the tree reads text as gjson does: the same
// verdict on validity, the same values at the same offsets, the same keys,
// and lookups finding the member gjson.Get finds.
func checkTree(t *testing.T, text string) {
	t.Helper()
	tree := new(jsonTree)
	ok, _ := tree.parse(text, 0, len(text))
	if valid := gjson.Valid(text); ok != valid {
		t.Fatalf("tree accepts %q: %v; gjson.Valid: %v", text, ok, valid)
	}
	if !ok {
		return
	}
	var want []struct {
		key string
		val gjson.Result
	}
	gjsonNodes("", gjson.Parse(text), &want)
	if len(want) != len(tree.nodes) {
		t.Fatalf("%q: %d nodes, gjson yields %d values", text, len(tree.nodes), len(want))
	}
	for i := range want {
		n := int32(i)
		got := tree.result(n)
		if i == 0 && (got.IsObject() || got.IsArray()) {
			// gjson.Parse keeps the white space after a root container.
			got.Raw = text[got.Index:]
		}
		if !sameResult(got, want[i].val) {
			t.Fatalf("%q node %d = %+v, gjson %+v", text, i, got, want[i].val)
		}
		if tree.nodes[n].keyEnd != 0 && tree.key(n) != want[i].key {
			t.Fatalf("%q node %d key %q, gjson %q", text, i, tree.key(n), want[i].key)
		}
		if tree.nodes[n].kind != '{' {
			continue
		}
		for c := tree.firstChild(n); c != 0; c = tree.nodes[c].next {
			k := tree.key(c)
			if k == "" {
				continue // gjson has no path for the empty key
			}
			found := tree.result(tree.lookup(n, k))
			if g := want[i].val.Get(gjson.Escape(k)); !sameResult(found, g) {
				t.Fatalf("%q: lookup(%q) = %+v, gjson.Get %+v", text, k, found, g)
			}
		}
		if tree.lookup(n, "no such key") != -1 {
			t.Fatalf("%q: lookup of a missing key found one", text)
		}
	}
}

var treeSeeds = []string{
	`{}`, `[]`, ` {"a" : [1, 2.5e-3, -0, true, false, null, "x\"y\u00e9"] } `, `{"a":{"b":{"c":[]}}}`,
	`{"k\u0065y":1,"key":2}`, `{"a":1,"a":2}`, `"s"`, `12`, `-`, `01`, `1.`, `1e`, `{"a":1,}`, `[1,]`,
	`{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `tru`, `nul`, `{"a":"\x01"}`, `{"a":"\q"}`, `{"a":"\u12"}`,
	`{"a":1}x`, `{`, `[`, `"`, ``, ` `, `{"":{"":[{}]}}`, "{\"a\":\"\xff\"}", `[[[[[]]]]]`,
	`{"children":[{"type":"CANVAS_WIDGET","widgetId":"c","children":[{"widgetName":"A","type":"X","widgetId":"a","parentId":"c"}]}]}`,
}

func TestJSONTreeReadsAsGJSON(t *testing.T) {
	for _, s := range treeSeeds {
		checkTree(t, s)
	}
	// The shared apps' exports, and a deep tree.
	for _, name := range []string{"CommunityIssuesExport.json", "TableMigrationAppExported.json"} {
		path, err := shareddata.Path("testdata", "exported", name)
		if err != nil {
			t.Skip(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkTree(t, string(b))
	}
	checkTree(t, strings.Repeat(`{"children":[`, 500)+strings.Repeat(`]}`, 500))
}

// TestJSONTreeDeepNesting: nesting far beyond what a goroutine's stack
// would allow a recursive reader is parsed, and refused when unclosed.
func TestJSONTreeDeepNesting(t *testing.T) {
	const depth = 1_000_000
	text := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	tree := new(jsonTree)
	if ok, _ := tree.parse(text, 0, len(text)); !ok || len(tree.nodes) != depth {
		t.Fatalf("ok %v, %d nodes; want %d", ok, len(tree.nodes), depth)
	}
	if ok, at := tree.parse(text[:len(text)-1], 0, len(text)-1); ok || at != len(text)-1 {
		t.Fatalf("unclosed: ok %v at %d", ok, at)
	}
}

func FuzzJSONTree(f *testing.F) {
	for _, s := range treeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkTree(t, text)
	})
}

// loadPageGJSON is LoadPageDocument as it was before jsonTree: gjson
// lookups and a recursive walk. The tree must give the same page.
func loadPageGJSON(d Document) (*Page, error) {
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
	var walk func(node gjson.Result, root bool) error
	walk = func(node gjson.Result, root bool) error {
		if !node.IsObject() {
			return nil
		}
		top := new(object).reset(node)
		if !root && top.lookup("type").Str != "CANVAS_WIDGET" {
			w, err := widgetOf(d.File, node, top)
			if err != nil {
				return err
			}
			p.Widgets = append(p.Widgets, w)
		}
		var err error
		top.lookup("children").ForEach(func(_, child gjson.Result) bool {
			err = walk(child, false)
			return err == nil
		})
		return err
	}
	var werr error
	up.Get("layouts").ForEach(func(_, layout gjson.Result) bool {
		werr = walk(layout.Get("dsl"), true)
		return werr == nil
	})
	if werr != nil {
		return nil, werr
	}
	return p, nil
}

// samePage asserts that two reads of a page document agree on everything
// the model holds, containers included.
func samePage(t *testing.T, got, want *Page) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Fatalf("page %v, want %v", got, want)
	}
	if got == nil {
		return
	}
	if got.Name != want.Name || got.ID != want.ID || got.File != want.File || !sameResult(got.JSON, want.JSON) {
		t.Fatalf("page %q %q, want %q %q", got.Name, got.ID, want.Name, want.ID)
	}
	if len(got.Widgets) != len(want.Widgets) {
		t.Fatalf("%d widgets, want %d", len(got.Widgets), len(want.Widgets))
	}
	for i, w := range got.Widgets {
		v := want.Widgets[i]
		if w.Name != v.Name || w.Type != v.Type || w.ID != v.ID || w.File != v.File || !sameResult(w.JSON, v.JSON) {
			t.Fatalf("widget %d: %q %q at %d, want %q %q at %d", i, w.Name, w.Type, w.JSON.Index, v.Name, v.Type, v.JSON.Index)
		}
		if !reflect.DeepEqual(w.Bindings, v.Bindings) {
			t.Fatalf("widget %s bindings\n%+v\nwant\n%+v", w.Name, w.Bindings, v.Bindings)
		}
		if w.place == nil {
			t.Fatalf("widget %s read from a tree has no placement", w.Name)
		}
	}
	if g, w := got.Containers(), want.Containers(); !reflect.DeepEqual(g, w) {
		t.Fatalf("containers %v, want %v", g, w)
	}
}

func checkPageDocument(t *testing.T, text string) {
	t.Helper()
	d := Document{File: "page.json", Text: text}
	got, err := LoadPageDocument(d)
	want, werr := loadPageGJSON(d)
	if fmt.Sprint(err) != fmt.Sprint(werr) {
		t.Fatalf("error %v, want %v", err, werr)
	}
	samePage(t, got, want)
}

var pageSeeds = []string{
	`{"_id":{"$oid":"p1"},"unpublishedPage":{"name":"P","layouts":[{"dsl":{"widgetName":"MainContainer","children":[` +
		`{"widgetName":"Modal1","type":"MODAL_WIDGET","widgetId":"m","children":[{"type":"CANVAS_WIDGET","widgetId":"mc","children":[` +
		`{"widgetName":"Text1","type":"TEXT_WIDGET","widgetId":"t","parentId":"mc","text":"{{Api1.data[0].name}}","dynamicBindingPathList":[{"key":"text"}]},` +
		`{"widgetName":"T2","type":"TABLE_WIDGET_V2","primaryColumns":{"a":{"computedValue":"{{currentRow.x}}"},"b.c":{"v":[1,{"w":"{{y}}"}]}},` +
		`"dynamicBindingPathList":[{"key":"primaryColumns.a.computedValue"},{"key":"primaryColumns.b.c.v[1].w"},{"key":"primaryColumns.a.computedValue.length"},{"key":"primaryColumns.b.c.v.length"},{"key":"primaryColumns.a.computedValue.2"}],` +
		`"dynamicTriggerPathList":[{"key":"onClick"},{"key":"primaryColumns.a.computedValue"}],"onClick":"{{showModal('Modal1')}}"}]}]},` +
		`{"widgetName":"Orphan","type":"INPUT_WIDGET_V2","parentId":"mc"}]}}]}}`,
	`{"_id":"p2","deletedAt":null,"unpublishedPage":{"name":"Q","layouts":{"x":{"dsl":{"children":{"a":{"widgetName":"W","type":"X"}}}}}}}`,
	`{"_id":"p3","unpublishedPage":{"name":"R","layouts":[{"dsl":{"children":[{"type":"X"}]}}]}}`,
	`{"_id":"p4","unpublishedPage":{"name":"S","deletedAt":"2024"}}`,
	`{"deleted":true,"unpublishedPage":{"name":"S"}}`,
	`{"unpublishedPage":{"name":""}}`,
	`{"unpublishedPage":[]}`,
	`{"unpublishedPage":{"name":"N","layouts":[{"dsl":{"children":"x","widgetName":"Root"}},3,[{"dsl":{}}]]}}`,
	`{"unpublishedPage":{"name":"E","layouts":[{"dsl":{"children":[{"widgetN\u0061me":"Esc","type":"A","children":[{"type":"CANVAS_WIDGET","widgetId":"e\u0031"}]},{"widgetName":"In","parentId":"e1","type":"B"}]}}]}}`,
	`[1]`, `{"unpublishedPage":`, `{"a":1} {}`,
}

// TestPageDocumentAsBefore: the tree reads every page of the shared
// exports, and documents made to hit each branch, as gjson lookups did.
func TestPageDocumentAsBefore(t *testing.T) {
	for _, s := range pageSeeds {
		checkPageDocument(t, s)
	}
	for _, name := range []string{"CommunityIssuesExport.json", "TableMigrationAppExported.json"} {
		path, err := shareddata.Path("testdata", "exported", name)
		if err != nil {
			t.Skip(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pages := 0
		gjson.Get(string(b), "pageList").ForEach(func(_, entry gjson.Result) bool {
			checkPageDocument(t, entry.Raw)
			pages++
			return true
		})
		if pages == 0 {
			t.Fatalf("%s: no pages", name)
		}
	}
}

func FuzzPageDocument(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkPageDocument(t, text)
	})
}

// loadActionGJSON and loadJSObjectGJSON are LoadActionDocument and
// LoadJSObjectDocument as they were before jsonTree.
func loadActionGJSON(d Document) (ActionDocument, error) {
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

func loadJSObjectGJSON(d Document) (JSObjectDocument, error) {
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

func checkActionDocuments(t *testing.T, text string) {
	t.Helper()
	d := Document{File: "doc.json", Text: text}
	a, err := LoadActionDocument(d)
	wa, werr := loadActionGJSON(d)
	if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(a, wa) {
		t.Fatalf("action %+v %v\nwant %+v %v", a, err, wa, werr)
	}
	j, err := LoadJSObjectDocument(d)
	wj, werr := loadJSObjectGJSON(d)
	if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(j, wj) {
		t.Fatalf("JS object %+v %v\nwant %+v %v", j, err, wj, werr)
	}
}

var actionSeeds = []string{
	`{"_id":{"$oid":"a1"},"pluginType":"API","pluginId":"p","unpublishedAction":{"name":"Api1","pageId":"pg","executeOnLoad":true,` +
		`"actionConfiguration":{"body":"{{Input1.text}}","queryParameters":[{"value":"{{x}}"}]},"datasource":{"datasourceConfiguration":{"url":"https://{{y}}"}},` +
		`"dynamicBindingPathList":[{"key":"body"},{"key":"queryParameters[0].value"},{"key":"datasourceUrl"}]}}`,
	`{"_id":"a2","pluginType":"JS","unpublishedAction":{"name":"f","fullyQualifiedName":"Obj.f","executeOnLoad":"true","pageId":"pg"}}`,
	`{"_id":"a3","deletedAt":"x","unpublishedAction":{"name":"A"}}`,
	`{"_id":"a4","unpublishedAction":{"name":"A","deletedAt":null,"executeOnLoad":1}}`,
	`{"_id":"c1","unpublishedCollection":{"name":"Utils","pageId":"pg","body":"export default {\n  a: 1,\n  f() { return Api1.data }\n}"}}`,
	`{"_id":"c2","unpublishedCollection":{"name":"Bad","body":"export default {"}}`,
	`{"_id":"c3","unpublishedCollection":{"name":"NoBody","body":3}}`,
	`{"unpublishedCollection":{"name":""}}`, `{"unpublishedAction":[]}`, `[]`, `{"a":`,
}

// TestActionDocumentsAsBefore: actions and JS objects, from the shared
// exports and documents made for each branch, read as before.
func TestActionDocumentsAsBefore(t *testing.T) {
	for _, s := range actionSeeds {
		checkActionDocuments(t, s)
	}
	for _, name := range []string{"CommunityIssuesExport.json", "TableMigrationAppExported.json"} {
		path, err := shareddata.Path("testdata", "exported", name)
		if err != nil {
			t.Skip(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, list := range []string{"actionList", "actionCollectionList"} {
			gjson.Get(string(b), list).ForEach(func(_, item gjson.Result) bool {
				checkActionDocuments(t, item.Raw)
				n++
				return true
			})
		}
		if n == 0 {
			t.Fatalf("%s: no actions", name)
		}
	}
}

func FuzzActionDocument(f *testing.F) {
	for _, s := range actionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkActionDocuments(t, text)
	})
}
