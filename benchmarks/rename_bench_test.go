package benchmarks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/benchmarks/internal/served"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/transport"
)

// renameTarget is the largest shared app and its most referenced entity.
func renameTarget(b *testing.B) (*appmodel.App, string, string) {
	b.Helper()
	dir, err := shareddata.Path("testdata", "apps", "NewIdeel-Appsmith")
	if err != nil {
		b.Fatal(err)
	}
	app, err := appmodel.LoadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	page, name, _ := served.MostReferenced(app)
	return app, page, name
}

// BenchmarkRenameWholeApp plans the rename of the largest app's most
// referenced entity and applies it in memory (files read, edits applied,
// nothing written): the server-side cost of one rename.
func BenchmarkRenameWholeApp(b *testing.B) {
	b.Run("warm", func(b *testing.B) { benchRenameWholeApp(b, false) })
	// cold: the first rename after the app is loaded, every scan parsed.
	b.Run("cold", func(b *testing.B) { benchRenameWholeApp(b, true) })
}

func benchRenameWholeApp(b *testing.B, cold bool) {
	app, page, name := renameTarget(b)
	r := refactor.NewRenamer(0) // as the store holds one
	b.ReportAllocs()
	b.ResetTimer()
	var refs int
	for b.Loop() {
		if cold {
			r = refactor.NewRenamer(0)
		}
		plan, err := r.PlanRename(app, page, name, name+"Renamed")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := refactor.Preview(plan); err != nil {
			b.Fatal(err)
		}
		refs = plan.RefactorCount
	}
	b.ReportMetric(float64(refs), "refs")
}

// BenchmarkRenameOneCallPerBinding is the same rename done Appsmith's way:
// one entity-refactor HTTP call to our own server (loopback, keep-alive)
// for every `{{ }}` token of the page and every JS object body, 16 at a
// time as the backend's connection pool allows.
func BenchmarkRenameOneCallPerBinding(b *testing.B) {
	app, pageName, name := renameTarget(b)
	page := app.Page(pageName)
	type call struct {
		Script     string `json:"script"`
		OldName    string `json:"oldName"`
		NewName    string `json:"newName"`
		IsJSObject bool   `json:"isJSObject"`
	}
	var bodies [][]byte
	for bd := range page.Bindings() {
		if bd.Kind == appmodel.BindingJSObject {
			continue
		}
		for _, s := range bd.Snippets {
			body, _ := json.Marshal(call{s, name, name + "Renamed", false})
			bodies = append(bodies, body)
		}
	}
	for _, j := range page.JSObjects {
		body, _ := json.Marshal(call{j.Body, name, name + "Renamed", true})
		bodies = append(bodies, body)
	}
	sort.Slice(bodies, func(i, j int) bool { return len(bodies[i]) > len(bodies[j]) })
	h, err := transport.NewHandler(transport.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	url := srv.URL + transport.PathEntityRefactor
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		next := make(chan []byte)
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for body := range next {
					res, err := client.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						continue
					}
					var out bytes.Buffer
					out.ReadFrom(res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						b.Errorf("status %d: %s", res.StatusCode, out.String())
					}
				}
			}()
		}
		for _, body := range bodies {
			next <- body
		}
		close(next)
		wg.Wait()
	}
	b.ReportMetric(float64(len(bodies)), "calls")
}
