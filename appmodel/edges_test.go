package appmodel

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

var realApps = []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"}

// knownMissing are expected edges this implementation deliberately does
// not produce, each with its reason (also in docs/compatibility.md).
var knownMissing = map[string]string{
	// `displayCommission({ commissionType, commissionValue }) {…}`: the
	// parameter is destructured, so inside the function commissionType is
	// the parameter, not the page's widget of the same name. Appsmith's
	// extractor does not bind destructured parameters (the "destructuring"
	// quirk of the conformance corpus) and reports the widget;
	// analysis.Extract scopes them correctly.
	"Validation Auto|JSObject2.displayCommission|commissionType":    "destructured parameter shadows widget",
	"Validation Health|JSObject2.displayCommission|commissionType":  "destructured parameter shadows widget",
	"Validation Housing|JSObject2.displayCommission|commissionType": "destructured parameter shadows widget",
}

type expectedEdges struct {
	App   string `json:"app"`
	Pages []struct {
		Name     string `json:"name"`
		Entities []struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
		} `json:"entities"`
	} `json:"pages"`
	Edges []Edge `json:"edges"`
}

func readExpected(t testing.TB, name string) *expectedEdges {
	t.Helper()
	path, err := shareddata.Path("testdata", "apps", name+".edges.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var exp expectedEdges
	if err := json.NewDecoder(zr).Decode(&exp); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &exp
}

// realAppModels loads each real app once for all the tests, which only
// read it (a large app takes seconds to load under -race).
var realAppModels = map[string]func() (*App, error){}

func init() {
	for _, name := range realApps {
		realAppModels[name] = sync.OnceValues(func() (*App, error) { return loadRealAppFresh(name) })
	}
}

// loadRealApp returns the shared model of a real app: read only.
func loadRealApp(t testing.TB, name string) *App {
	t.Helper()
	app, err := realAppModels[name]()
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func loadRealAppFresh(name string) (*App, error) {
	dir, err := shareddata.Path("testdata", "apps", name)
	if err != nil {
		return nil, err
	}
	return LoadDir(dir)
}

func TestEdgesMatchExpected(t *testing.T) {
	t.Parallel()
	for _, name := range realApps {
		t.Run(name, func(t *testing.T) {
			exp := readExpected(t, name)
			app := loadRealApp(t, name)
			if app.Name != exp.App {
				t.Errorf("app name %q, want %q", app.Name, exp.App)
			}
			comparePages(t, app, exp)
			compareEdges(t, Edges(app), exp.Edges)
		})
	}
}

func comparePages(t *testing.T, app *App, exp *expectedEdges) {
	t.Helper()
	if len(app.Pages) != len(exp.Pages) {
		t.Errorf("%d pages, want %d", len(app.Pages), len(exp.Pages))
	}
	for i := range min(len(app.Pages), len(exp.Pages)) {
		p, ep := app.Pages[i], exp.Pages[i]
		if p.Name != ep.Name {
			t.Errorf("page %d is %q, want %q", i, p.Name, ep.Name)
			continue
		}
		got := p.Entities()
		if len(got) != len(ep.Entities) {
			t.Errorf("page %q: %d entities, want %d", p.Name, len(got), len(ep.Entities))
		}
		for j := range min(len(got), len(ep.Entities)) {
			if got[j].Name != ep.Entities[j].Name || string(got[j].Kind) != ep.Entities[j].Kind {
				t.Errorf("page %q entity %d: %s %s, want %s %s", p.Name, j,
					got[j].Kind, got[j].Name, ep.Entities[j].Kind, ep.Entities[j].Name)
				break
			}
		}
	}
}

func compareEdges(t *testing.T, got, want []Edge) {
	t.Helper()
	type key struct{ page, from, to string }
	k := func(e Edge) key { return key{e.Page, e.From, e.To} }
	wantSet := make(map[key]Edge, len(want))
	for _, e := range want {
		wantSet[k(e)] = e
	}
	gotSet := make(map[key]Edge, len(got))
	for _, e := range got {
		if _, dup := gotSet[k(e)]; dup {
			t.Errorf("duplicate edge %+v", e)
		}
		gotSet[k(e)] = e
	}
	var missing, extra []string
	known := 0
	for _, e := range want {
		if _, ok := gotSet[k(e)]; !ok {
			if _, ok := knownMissing[e.Page+"|"+e.From+"|"+e.To]; ok {
				known++
				continue
			}
			missing = append(missing, fmt.Sprintf("%s: %s -> %s (%s)", e.Page, e.From, e.To, e.Kind))
		}
	}
	kindDiff := 0
	for _, e := range got {
		w, ok := wantSet[k(e)]
		if !ok {
			extra = append(extra, fmt.Sprintf("%s: %s -> %s (%s)", e.Page, e.From, e.To, e.Kind))
		} else if w.Kind != e.Kind {
			kindDiff++
			if kindDiff <= 20 {
				t.Errorf("edge %s: %s -> %s has kind %s, want %s", e.Page, e.From, e.To, e.Kind, w.Kind)
			}
		}
	}
	t.Logf("edges: want %d, got %d, missing %d (+%d known), extra %d, kind differs %d",
		len(want), len(got), len(missing), known, len(extra), kindDiff)
	if len(missing)+len(extra) > 0 {
		t.Errorf("edge sets differ: %d missing, %d extra", len(missing), len(extra))
		for _, m := range missing[:min(20, len(missing))] {
			t.Logf("missing %s", m)
		}
		for _, m := range extra[:min(20, len(extra))] {
			t.Logf("extra   %s", m)
		}
		return
	}
	// Same set: the order should be the contract's too.
	i := 0
	for _, w := range want {
		if _, ok := knownMissing[w.Page+"|"+w.From+"|"+w.To]; ok {
			continue
		}
		if k(got[i]) != k(w) {
			t.Errorf("edge %d is %+v, want %+v (order differs)", i, got[i], w)
			break
		}
		i++
	}
}

// TestContractCounts checks the per-app figures of the edge contract: the
// bindings analysed per kind, snippets (extract calls), snippets that do
// not parse, paths with no value and values that are not strings.
func TestContractCounts(t *testing.T) {
	t.Parallel()
	type counts struct {
		widget, trigger, action, jsMember int
		snippets, isError                 int
		noValue, nonString                int
	}
	want := map[string]counts{
		"AppsmithNew":       {6409, 432, 270, 243, 7623, 75, 7, 4},
		"NewIdeel-Appsmith": {8474, 1087, 1044, 1302, 12322, 87, 0, 3},
		"rm":                {4146, 483, 962, 779, 7138, 0, 209, 0},
	}
	for _, name := range realApps {
		t.Run(name, func(t *testing.T) {
			app := loadRealApp(t, name)
			var got counts
			for _, p := range app.Pages {
				for b := range p.Bindings() {
					switch b.Kind {
					case BindingWidget:
						got.widget++
					case BindingTrigger:
						got.trigger++
					case BindingAction:
						got.action++
					case BindingJSObject:
						got.jsMember++
					}
					switch b.Loc.Encoding {
					case NoValue:
						got.noValue++
					case JSONOther, Derived:
						got.nonString++
					}
					for _, s := range b.Snippets {
						got.snippets++
						if analysis.Extract(s, 2, nil).IsError {
							got.isError++
						}
					}
				}
			}
			if got != want[name] {
				t.Errorf("counts %+v\nwant   %+v", got, want[name])
			}
		})
	}
}
