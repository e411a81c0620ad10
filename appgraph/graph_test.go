package appgraph

import (
	"math/rand"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

var realApps = []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"}

// realAppModels loads each real app once for all the tests, which only
// read it (a large app takes seconds to load under -race).
var realAppModels = map[string]func() (*appmodel.App, error){}

func init() {
	for _, name := range realApps {
		realAppModels[name] = sync.OnceValues(func() (*appmodel.App, error) {
			dir, err := shareddata.Path("testdata", "apps", name)
			if err != nil {
				return nil, err
			}
			return appmodel.LoadDir(dir)
		})
	}
}

// loadRealApp returns the shared model of a real app: read only.
func loadRealApp(t testing.TB, name string) *appmodel.App {
	t.Helper()
	app, err := realAppModels[name]()
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// TestGraphEdgesEqualContractEdges: the graph engine keeps exactly the
// edges the contract defines (compared on page, from, to).
func TestGraphEdgesEqualContractEdges(t *testing.T) {
	t.Parallel()
	for _, name := range realApps {
		t.Run(name, func(t *testing.T) {
			app := loadRealApp(t, name)
			want := map[[3]string]bool{}
			for _, e := range appmodel.Edges(app) {
				want[[3]string{e.Page, e.From, e.To}] = true
			}
			got := map[[3]string]bool{}
			for _, e := range Build(app).Edges() {
				got[[3]string{e.Page, e.From, e.To}] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("graph has %d edges, contract %d", len(got), len(want))
			}
		})
	}
}

// TestGraphIncrementalOnRealApp applies a random sequence of binding edits
// to a real app's graph (new code taken from other bindings of the same
// page, removals, re-additions) and checks after each batch that the
// incrementally kept graph equals one rebuilt from scratch.
func TestGraphIncrementalOnRealApp(t *testing.T) {
	t.Parallel()
	app := loadRealApp(t, "rm")
	input := Input(app)
	g := New(app.Name)
	g.Load(input)
	rng := rand.New(rand.NewSource(7))
	steps := 600
	if testing.Short() {
		steps = 100
	}
	// current[page][node] is the binding as it should now be.
	current := make([]map[string]depgraph.Binding, len(input))
	for i, p := range input {
		current[i] = map[string]depgraph.Binding{}
		for _, b := range p.Bindings {
			current[i][b.Node] = b
		}
	}
	for step := 1; step <= steps; step++ {
		pi := rng.Intn(len(input))
		p := input[pi]
		if len(p.Bindings) < 2 {
			continue
		}
		b := p.Bindings[rng.Intn(len(p.Bindings))]
		switch rng.Intn(4) {
		case 0:
			delete(current[pi], b.Node)
			g.RemoveBinding(p.Name, b.Node)
		default:
			donor := p.Bindings[rng.Intn(len(p.Bindings))]
			b.Snippets = donor.Snippets
			current[pi][b.Node] = b
			g.SetBinding(p.Name, b)
		}
		if step%100 != 0 {
			continue
		}
		fresh := New(app.Name)
		var in []depgraph.PageInput
		for i, p := range input {
			pin := depgraph.PageInput{Name: p.Name, Entities: p.Entities}
			for _, b := range p.Bindings {
				if cur, ok := current[i][b.Node]; ok {
					pin.Bindings = append(pin.Bindings, cur)
				}
			}
			in = append(in, pin)
		}
		fresh.Load(in)
		if !reflect.DeepEqual(g.Edges(), fresh.Edges()) {
			t.Fatalf("step %d: edges differ from a rebuild", step)
		}
		gr, fr := g.Report(), fresh.Report()
		for i := range gr {
			sort.Strings(gr[i].SyntaxErrors)
			sort.Strings(fr[i].SyntaxErrors)
		}
		if !reflect.DeepEqual(gr, fr) {
			t.Fatalf("step %d: reports differ from a rebuild", step)
		}
	}
}
