package depgraph

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"testing"
)

func widget(name, typ string) Entity { return Entity{Name: name, Kind: WidgetEntity, Type: typ} }

func bind(node, code string) Binding {
	return Binding{Node: node, Entity: NodeEntity(node), Kind: KindBinding, Snippets: []string{code}}
}

func TestGraphCyclesUnknownUnused(t *testing.T) {
	t.Parallel()
	g := newTestGraph("app")
	g.Load([]PageInput{{
		Name: "Page1",
		Entities: []Entity{
			widget("Input1", "INPUT_WIDGET_V2"), widget("Input2", "INPUT_WIDGET_V2"), widget("Text1", "TEXT_WIDGET"),
			widget("Button1", "BUTTON_WIDGET"),
			{Name: "getUsers", Kind: ActionEntity, Type: "API"},
			{Name: "unusedQuery", Kind: ActionEntity, Type: "DB"},
			{Name: "onLoadQuery", Kind: ActionEntity, Type: "DB", OnLoad: true},
			{Name: "Utils", Kind: JSObjectEntity},
		},
		Bindings: []Binding{
			bind("Input1.defaultText", "Input2.text"),
			bind("Input2.defaultText", "Input1.text + ''"),
			bind("Text1.text", "getUsers.data.length + Api9.data + Page2Query.data + Utlis.x + moment().format()"),
			{Node: "Button1.onClick", Entity: "Button1", Kind: KindTrigger, Snippets: []string{"Utils.go(Text1.text); showAlert('x')"}},
			{Node: "Utils.go", Entity: "Utils", Kind: KindJSObject, Function: true, Snippets: []string{"() => Utils.go()"}},
		},
	}, {
		Name:     "Page2",
		Entities: []Entity{{Name: "Page2Query", Kind: ActionEntity}},
	}})
	r, _ := g.PageReport("Page1")
	wantCycles := [][]string{{"Input1.defaultText", "Input2.defaultText", "Input1.defaultText"}}
	if !reflect.DeepEqual(r.Cycles, wantCycles) {
		t.Errorf("cycles %v, want %v", r.Cycles, wantCycles)
	}
	wantUnknown := []Unknown{
		{Page: "Page1", From: "Text1.text", Ref: "Api9.data", Reason: "unknown"},
		{Page: "Page1", From: "Text1.text", Ref: "Page2Query.data", Reason: "other-page", OtherPage: "Page2"},
		{Page: "Page1", From: "Text1.text", Ref: "Utlis.x", Reason: "misspelt", Suggestion: "Utils"},
	}
	if !reflect.DeepEqual(r.Unknown, wantUnknown) {
		t.Errorf("unknown %+v\nwant %+v", r.Unknown, wantUnknown)
	}
	if want := []string{"unusedQuery"}; !reflect.DeepEqual(r.Unused, want) {
		t.Errorf("unused %v, want %v", r.Unused, want)
	}
	order := g.EvaluationOrder("Page1")
	if containsString(order, "Button1.onClick") {
		t.Errorf("trigger in evaluation order: %v", order)
	}
	deps, _ := g.Dependents("Page1", "Text1.text")
	if len(deps) != 1 || deps[0].Node != "Button1.onClick" || !reflect.DeepEqual(deps[0].Via, []string{"Text1.text", "Button1.onClick"}) {
		t.Errorf("dependents of Text1.text: %+v", deps)
	}
	deps, _ = g.Dependents("Page1", "getUsers.data")
	if len(deps) != 2 || deps[0].Node != "Text1.text" || !reflect.DeepEqual(deps[1].Via, []string{"getUsers.data", "Text1.text", "Button1.onClick"}) {
		t.Errorf("dependents of getUsers.data: %+v", deps)
	}

	deps, _ = g.Dependencies("Page1", "Button1.onClick")
	if len(deps) != 2 || deps[0].Node != "Utils.go" || !reflect.DeepEqual(deps[1].Via, []string{"Button1.onClick", "Text1.text"}) {
		t.Errorf("dependencies of Button1.onClick: %+v", deps)
	}

	// Breaking the cycle is reported, and so is making a new one.
	ch := g.SetBinding("Page1", bind("Input2.defaultText", "'fixed'"))
	if !reflect.DeepEqual(ch.CyclesResolved, wantCycles) || len(ch.CyclesFound) != 0 {
		t.Errorf("resolve: %+v", ch)
	}
	if len(ch.EdgesRemoved) != 1 || ch.EdgesRemoved[0].To != "Input1.text" {
		t.Errorf("edges removed: %+v", ch.EdgesRemoved)
	}
	ch = g.SetBinding("Page1", bind("Input2.defaultText", "Input2.text"))
	if want := [][]string{{"Input2.defaultText", "Input2.defaultText"}}; !reflect.DeepEqual(ch.CyclesFound, want) {
		t.Errorf("self cycle: %+v", ch.CyclesFound)
	}
	// A new entity resolves the unknown reference to it.
	ch = g.SetEntity("Page1", Entity{Name: "Api9", Kind: ActionEntity})
	if len(ch.UnknownResolved) != 1 || ch.UnknownResolved[0].Ref != "Api9.data" || len(ch.EdgesAdded) != 1 {
		t.Errorf("entity added: %+v", ch)
	}
}

// TestGraphIncrementalEqualsRebuild applies random edits and compares the
// incrementally kept graph with one built from scratch after each.
func TestGraphIncrementalEqualsRebuild(t *testing.T) {
	t.Parallel()
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			incrementalEqualsRebuild(t, seed)
		})
	}
}

func incrementalEqualsRebuild(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	names := []string{"Input1", "Input2", "Input3", "Table1", "Text1", "Api1", "Api2", "JS1"}
	types := map[string]string{"Input1": "INPUT_WIDGET_V2", "Input2": "INPUT_WIDGET_V2", "Input3": "INPUT_WIDGET_V2", "Table1": "TABLE_WIDGET_V2", "Text1": "TEXT_WIDGET"}
	props := []string{"defaultText", "text", "tableData", "isVisible", "defaultSelectedRowIndex"}
	randomCode := func() string {
		code := "''"
		for k := rng.Intn(3); k >= 0; k-- {
			e := names[rng.Intn(len(names))]
			switch rng.Intn(4) {
			case 0:
				code += " + " + e
			case 1:
				code += " + " + e + "." + props[rng.Intn(len(props))]
			case 2:
				code += " + " + e + ".selectedRow.id"
			default:
				code += " + Missing" + fmt.Sprint(rng.Intn(3)) + ".x"
			}
		}
		return code
	}
	entities := map[string]bool{}
	bindings := map[string]Binding{}
	g := newTestGraph("app")
	g.AddPage("P")
	for step := 0; step < 400; step++ {
		e := names[rng.Intn(len(names))]
		switch op := rng.Intn(10); {
		case op < 6:
			if !entities[e] {
				continue
			}
			b := bind(e+"."+props[rng.Intn(len(props))], randomCode())
			if rng.Intn(5) == 0 {
				b.Kind = KindTrigger
			}
			bindings[b.Node] = b
			g.SetBinding("P", b)
		case op < 8:
			var nodes []string
			for n := range bindings {
				nodes = append(nodes, n)
			}
			if len(nodes) == 0 {
				continue
			}
			sort.Strings(nodes)
			n := nodes[rng.Intn(len(nodes))]
			delete(bindings, n)
			g.RemoveBinding("P", n)
		case op < 9:
			entities[e] = true
			g.SetEntity("P", Entity{Name: e, Type: types[e]})
		default:
			delete(entities, e)
			for n := range bindings {
				if NodeEntity(n) == e {
					delete(bindings, n)
				}
			}
			g.RemoveEntity("P", e)
		}
		fresh := newTestGraph("app")
		in := PageInput{Name: "P"}
		for _, name := range names {
			if entities[name] {
				in.Entities = append(in.Entities, Entity{Name: name, Type: types[name]})
			}
		}
		var nodes []string
		for n := range bindings {
			nodes = append(nodes, n)
		}
		sort.Strings(nodes)
		for _, n := range nodes {
			in.Bindings = append(in.Bindings, bindings[n])
		}
		fresh.Load([]PageInput{in})
		assertSameGraph(t, step, g, fresh)
		if t.Failed() {
			return
		}
	}
}

func assertSameGraph(t *testing.T, step int, got, want *Graph) {
	t.Helper()
	if !reflect.DeepEqual(got.Edges(), want.Edges()) {
		t.Errorf("step %d: edges differ\n got %v\nwant %v", step, got.Edges(), want.Edges())
	}
	gr, wr := got.Report(), want.Report()
	for i := range gr {
		sortEntities := func(es []EntityInfo) []EntityInfo {
			out := append([]EntityInfo(nil), es...)
			sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
			return out
		}
		gr[i].Entities, wr[i].Entities = sortEntities(gr[i].Entities), sortEntities(wr[i].Entities)
	}
	if !reflect.DeepEqual(gr, wr) {
		t.Errorf("step %d: reports differ\n got %+v\nwant %+v", step, gr, wr)
	}
	gotOrder, wantOrder := got.EvaluationOrder("P"), want.EvaluationOrder("P")
	sort.Strings(gotOrder)
	sort.Strings(wantOrder)
	if !reflect.DeepEqual(gotOrder, wantOrder) {
		t.Errorf("step %d: evaluation sets differ", step)
	}
}

func TestGraphLibrariesAndTableColumnsAreNotUnknown(t *testing.T) {
	t.Parallel()
	g := newTestGraph("app")
	g.SetLibraries([]string{"dayjs"})
	g.Load([]PageInput{{
		Name:     "P",
		Entities: []Entity{widget("Table1", "TABLE_WIDGET_V2"), widget("Text1", "TEXT_WIDGET")},
		Bindings: []Binding{
			bind("Text1.text", "dayjs().format() + jspdf.x"),
			bind("Table1.primaryColumns.created_at.computedValue",
				`(() => { const tableData = Table1.processedTableData || []; return tableData.length > 0 ? tableData.map((currentRow) => currentRow["created_at"]) : created_at })()`),
		},
	}})
	r, _ := g.PageReport("P")
	if len(r.Unknown) != 1 || r.Unknown[0].Ref != "jspdf.x" {
		t.Errorf("unknown: %+v", r.Unknown)
	}
}

// TestLoadPagesAtOnce: Load links pages on all cores, yet an entity only a
// binding names is known to the other pages (other-page), and a page given
// twice gets both inputs, as loading the pages one after another would.
func TestLoadPagesAtOnce(t *testing.T) {
	t.Parallel()
	inputs := func() []PageInput {
		return []PageInput{
			{Name: "A", Bindings: []Binding{bind("Ghost.text", "B1.text"), bind("B1.text", "Ghost.text")}},
			{Name: "B", Entities: []Entity{widget("T", "TEXT_WIDGET")}, Bindings: []Binding{bind("T.text", "Ghost.text + Missing.x")}},
			{Name: "C", Entities: []Entity{widget("U", "TEXT_WIDGET")}, Bindings: []Binding{bind("U.text", "T.text")}},
			{Name: "C", Entities: []Entity{widget("V", "TEXT_WIDGET")}, Bindings: []Binding{bind("V.text", "U.text")}},
		}
	}
	bulk := newTestGraph("app")
	bulk.Load(inputs())
	one := newTestGraph("app")
	for _, in := range inputs() {
		for _, e := range in.Entities {
			one.SetEntity(in.Name, e)
		}
		for _, b := range in.Bindings {
			one.SetBinding(in.Name, b)
		}
	}
	if !reflect.DeepEqual(bulk.Report(), one.Report()) || !reflect.DeepEqual(bulk.Edges(), one.Edges()) {
		t.Fatalf("bulk load\n%+v\n%+v\none by one\n%+v\n%+v", bulk.Report(), bulk.Edges(), one.Report(), one.Edges())
	}
	r, _ := bulk.PageReport("B")
	want := []Unknown{
		{Page: "B", From: "T.text", Ref: "Ghost.text", Reason: "other-page", OtherPage: "A"},
		{Page: "B", From: "T.text", Ref: "Missing.x", Reason: "unknown"},
	}
	if !reflect.DeepEqual(r.Unknown, want) {
		t.Errorf("unknown %+v\nwant %+v", r.Unknown, want)
	}
	if c, _ := bulk.PageReport("A"); len(c.Cycles) != 1 {
		t.Errorf("page A cycles %v, want the one through Ghost.text and B1.text", c.Cycles)
	}
	if es, _ := bulk.PageEdges("C"); len(es) != 1 || es[0].From != "V.text" || es[0].To != "U.text" {
		t.Errorf("page C edges %+v, want V.text → U.text", es)
	}
}
