package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

// sharedApp is one of the real apps, imported once for the package.
type sharedApp struct {
	name, path string
	db         string // each app in a database of its own, as FerretDB scans whole collections
	id         string
	offline    *appmodel.App
	importTime time.Duration
}

var (
	sharedOnce sync.Once
	shared     []*sharedApp
	sharedErr  error
)

// importShared imports the three git apps and the two exports into one
// database (the exports through ImportExport, as the HTTP API does).
func importShared(t *testing.T) []*sharedApp {
	t.Helper()
	sharedOnce.Do(func() {
		var apps []*sharedApp
		gitApps := []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"}
		if raceEnabled {
			gitApps = []string{"rm"}
		}
		for _, n := range gitApps {
			p, err := shareddata.Path("testdata", "apps", n)
			if err != nil {
				sharedErr = err
				return
			}
			apps = append(apps, &sharedApp{name: n, path: p})
		}
		for _, n := range []string{"CommunityIssuesExport.json", "TableMigrationAppExported.json"} {
			p, err := shareddata.Path("testdata", "exported", n)
			if err != nil {
				sharedErr = err
				return
			}
			apps = append(apps, &sharedApp{name: n, path: p})
		}
		for i, a := range apps {
			a.db = fmt.Sprintf("shared_%d", i)
			s, err := Open(context.Background(), Options{MongoURI: testURI, Database: a.db})
			if err != nil {
				sharedErr = err
				return
			}
			defer s.Close(context.Background())
			if a.offline, err = appmodel.Load(a.path); err != nil {
				sharedErr = err
				return
			}
			start := time.Now()
			if strings.HasSuffix(a.path, ".json") {
				f, ferr := os.Open(a.path)
				if ferr != nil {
					sharedErr = ferr
					return
				}
				a.id, err = s.ImportExport(context.Background(), f)
				f.Close()
			} else {
				a.id, err = s.Import(context.Background(), a.offline)
			}
			if err != nil {
				sharedErr = err
				return
			}
			a.importTime = time.Since(start)
		}
		shared = apps
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

type edgeKey struct{ page, from, to, kind string }

func edgeSet(r depgraph.AppReport) map[edgeKey]bool {
	m := map[edgeKey]bool{}
	for _, e := range r.Edges {
		m[edgeKey{e.Page, e.From, e.To, e.Kind}] = true
	}
	return m
}

func entitySet(r depgraph.AppReport) map[string][]string {
	m := map[string][]string{}
	for _, p := range r.Pages {
		for _, e := range p.Entities {
			m[p.Name] = append(m[p.Name], e.Kind+" "+e.Name+" "+e.Type)
		}
		sort.Strings(m[p.Name])
	}
	return m
}

// TestImportedGraphEqualsOffline: an app imported into the store and loaded
// back gives the graph the files give: same pages, entities, edges (page,
// from, to, kind), cycles and unknown references.
func TestImportedGraphEqualsOffline(t *testing.T) {
	apps := importShared(t)
	for _, a := range apps {
		t.Run(a.name, func(t *testing.T) {
			// Polling is not under test here: it would only compete with
			// the loads being timed.
			s := openTest(t, a.db, func(o *Options) { o.PollInterval = time.Hour })
			want, _ := appmodel.BuildGraph(a.offline).Snapshot("")
			start := time.Now()
			got, err := s.Graph(context.Background(), a.id, "")
			if err != nil {
				t.Fatal(err)
			}
			load := time.Since(start)
			t.Logf("%s: %d pages, %d edges; import %v, graph load from the store %v",
				a.name, len(got.Pages), len(got.Edges), a.importTime.Round(time.Millisecond), load.Round(time.Millisecond))
			if len(want.Edges) == 0 {
				t.Fatal("the offline graph has no edges: nothing compared")
			}
			ge, we := edgeSet(got), edgeSet(want)
			if !reflect.DeepEqual(ge, we) {
				n := 0
				for e := range we {
					if !ge[e] && n < 10 {
						t.Errorf("missing edge %v", e)
						n++
					}
				}
				for e := range ge {
					if !we[e] && n < 20 {
						t.Errorf("extra edge %v", e)
						n++
					}
				}
				t.Fatalf("store graph has %d edges, offline %d", len(ge), len(we))
			}
			if g, w := entitySet(got), entitySet(want); !reflect.DeepEqual(g, w) {
				t.Errorf("entities differ:\nstore   %v\noffline %v", g, w)
			}
			gp := map[string]depgraph.PageJSON{}
			for _, p := range got.Pages {
				gp[p.Name] = p
			}
			for _, wp := range want.Pages {
				p := gp[wp.Name]
				if !reflect.DeepEqual(p.Cycles, wp.Cycles) || !reflect.DeepEqual(p.Unknown, wp.Unknown) || !reflect.DeepEqual(p.Unused, wp.Unused) {
					t.Errorf("page %s: cycles/unknown/unused differ", wp.Name)
				}
			}
		})
	}
}

func TestListApps(t *testing.T) {
	apps := importShared(t)
	byID := map[string]AppSummary{}
	for _, a := range apps {
		s := openTest(t, a.db)
		list, err := s.ListApps(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			byID[a.ID] = a
		}
	}
	for _, a := range apps {
		got, ok := byID[a.id]
		if !ok {
			t.Errorf("%s not listed", a.name)
			continue
		}
		if got.Name != a.offline.Name || got.Pages != len(a.offline.Pages) || got.UpdatedAt.IsZero() {
			t.Errorf("%s listed as %+v; want name %q, %d pages", a.name, got, a.offline.Name, len(a.offline.Pages))
		}
	}
}

func TestDependentsAndNotFound(t *testing.T) {
	s := openTest(t, testDB(t))
	ctx := context.Background()
	app, err := appmodel.Load(tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Import(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := appmodel.BuildGraph(app).Dependents("Home", "Table1.pageSize")
	got, err := s.Dependents(ctx, id, "", "Table1.pageSize")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("dependents = %v, want %v", got, want)
	}
	for _, err := range []error{
		func() error { _, err := s.Graph(ctx, "65f000000000000000000000", ""); return err }(),
		func() error { _, err := s.Graph(ctx, "not-an-id", ""); return err }(),
		func() error { _, err := s.Graph(ctx, id, "NoSuchPage"); return err }(),
		func() error { _, err := s.Dependents(ctx, id, "", "Nobody.data"); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	}
	page, err := s.Graph(ctx, id, "Page2")
	if err != nil || len(page.Pages) != 1 || page.Pages[0].Name != "Page2" {
		t.Errorf("Graph(Page2) = %+v, %v", page, err)
	}
}

// TestTinyImportKeepsLibrariesAndOnLoad: the custom JS library and the JS
// function that runs on load survive the import (they decide what is
// unknown and unused).
func TestTinyImportKeepsLibrariesAndOnLoad(t *testing.T) {
	s := openTest(t, testDB(t))
	app, err := appmodel.Load(tinyApp(t))
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Import(context.Background(), app)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Graph(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := appmodel.BuildGraph(app).Snapshot("")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("store graph differs from offline:\nstore   %+v\noffline %+v", got, want)
	}
}

func TestImportBadInput(t *testing.T) {
	s := openTest(t, testDB(t))
	ctx := context.Background()
	for _, body := range []string{
		``,
		`{`,
		`[]`,
		`{"pageList": [{"unpublishedPage": {"name": "P", "layouts": [{"dsl": {"children": [{"type": "X"}]}}]}}]}`,
		`{"exportedApplication": {"name": "x"}, "pageList": [], "actionList": [{"unpublishedAction": {"name": "A", "pageId": "nowhere"}}]}`,
		`{"exportedApplication": {"name": "x"}, "pageList": "not a list"` + strings.Repeat(" ", 10),
		`{"exportedApplication": {"name": "x"}, "pageList": [{"unpublishedPage": {"name": "P", "layouts": [{"dsl": {"widgetName": "M", "k": 1e999999}}]}}]}`,
	} {
		_, err := s.ImportExport(ctx, strings.NewReader(body))
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrBadInput) {
			t.Errorf("ImportExport(%.60q) = %v, want an *InputError", body, err)
		}
	}
	if _, err := s.Import(ctx, nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("Import(nil) = %v", err)
	}
	list, err := s.ListApps(ctx)
	if err != nil || len(list) != 0 {
		t.Errorf("bad imports left apps behind: %v %v", list, err)
	}
}
