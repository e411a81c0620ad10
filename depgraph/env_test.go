package depgraph

import (
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
)

// testDefaults is the widget table the graph tests need (a part of
// Appsmith's, which appmodel hands in).
var testDefaults = map[string]map[string]string{
	"INPUT_WIDGET_V2": {"text": "defaultText"},
	"TABLE_WIDGET_V2": {"selectedRowIndex": "defaultSelectedRowIndex", "selectedRow": "defaultSelectedRowIndex"},
}

// testEnv analyses code with the JavaScript analysis, as the server does.
func testEnv() Env {
	return Env{
		References: func(code string) ([]string, bool) {
			info := analysis.Extract(code, 2, nil)
			return info.References, !info.IsError
		},
		IsGlobal:          analysis.IsKnownGlobal,
		DefaultProperties: func(typ string) map[string]string { return testDefaults[typ] },
	}
}

func newTestGraph(app string) *Graph { return NewGraph(app, testEnv()) }

// TestGraphTakesItsKnowledgeFromEnv: the graph knows no language and no
// platform; what it links comes from the Env it is given. Here code is
// names joined by "+", "!" marks code that does not parse, and "$" is the
// only global.
func TestGraphTakesItsKnowledgeFromEnv(t *testing.T) {
	t.Parallel()
	env := Env{
		References: func(code string) ([]string, bool) {
			if strings.Contains(code, "!") {
				return nil, false
			}
			return strings.Split(code, "+"), true
		},
		IsGlobal: func(root string) bool { return root == "$" },
		DefaultProperties: func(typ string) map[string]string {
			if typ == "W" {
				return map[string]string{"value": "start"}
			}
			return nil
		},
	}
	g := NewGraph("app", env)
	g.Load([]PageInput{{
		Name:     "P",
		Entities: []Entity{{Name: "A", Type: "W"}, {Name: "B"}},
		Bindings: []Binding{
			{Node: "A.start", Entity: "A", Snippets: []string{"B.x"}},
			{Node: "B.x", Entity: "B", Snippets: []string{"A.value+$.now+C.y"}},
			{Node: "B.z", Entity: "B", Snippets: []string{"!"}},
		},
	}})
	r, _ := g.PageReport("P")
	if want := [][]string{{"A.start", "B.x", "A.start"}}; len(r.Cycles) != 1 || strings.Join(r.Cycles[0], " ") != strings.Join(want[0], " ") {
		t.Errorf("cycles %v, want %v (A.value starts from A.start)", r.Cycles, want)
	}
	if len(r.Unknown) != 1 || r.Unknown[0].Ref != "C.y" {
		t.Errorf("unknown %+v, want only C.y ($ is a global)", r.Unknown)
	}
	if len(r.SyntaxErrors) != 1 || r.SyntaxErrors[0] != "B.z" {
		t.Errorf("syntax errors %v, want [B.z]", r.SyntaxErrors)
	}

	// Without tables, nothing is global and no meta property has a default.
	bare := NewGraph("app", Env{References: env.References})
	bare.Load([]PageInput{{
		Name:     "P",
		Entities: []Entity{{Name: "A", Type: "W"}},
		Bindings: []Binding{{Node: "A.start", Entity: "A", Snippets: []string{"A.value+$.now"}}},
	}})
	r, _ = bare.PageReport("P")
	if len(r.Cycles) != 0 || len(r.Unknown) != 1 || r.Unknown[0].Ref != "$.now" {
		t.Errorf("bare env: cycles %v unknown %+v", r.Cycles, r.Unknown)
	}
}

func TestNewGraphWithoutReferencesPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("NewGraph without Env.References did not panic")
		}
	}()
	NewGraph("app", Env{})
}
