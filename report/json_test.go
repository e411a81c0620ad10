package report_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/report"
)

// TestJSONAsEncoded: the graph JSON put together from pages encoded apart
// is, byte for byte, FromGraph's report as encoding/json writes it, for
// the whole app and each page of every shared app.
func TestJSONAsEncoded(t *testing.T) {
	t.Parallel()
	for _, path := range [][]string{
		{"testdata", "apps", "NewIdeel-Appsmith"}, {"testdata", "apps", "AppsmithNew"}, {"testdata", "apps", "rm"},
		{"testdata", "exported", "CommunityIssuesExport.json"}, {"testdata", "exported", "TableMigrationAppExported.json"},
	} {
		dir, err := shareddata.Path(path...)
		if err != nil {
			t.Skip(err)
		}
		app, err := appmodel.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		g := appgraph.Build(app)
		for _, page := range append([]string{""}, g.Pages()...) {
			want, ok := report.FromGraph(g, page)
			if !ok {
				t.Fatalf("%s: no page %q", dir, page)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(want); err != nil {
				t.Fatal(err)
			}
			got, ok, err := report.JSON(g, page)
			if err != nil || !ok {
				t.Fatalf("%s page %q: ok %v, %v", dir, page, ok, err)
			}
			if w := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
				t.Fatalf("%s page %q: %d bytes differ from the %d encoding/json writes", dir, page, len(got), len(w))
			}
		}
		if _, ok, _ := report.JSON(g, "no such page"); ok {
			t.Errorf("%s: a page that does not exist was rendered", dir)
		}
	}
}

// TestJSONEmptyApp: an app without pages, or with pages and no edges,
// still reads as JSON with empty lists.
func TestJSONEmptyApp(t *testing.T) {
	t.Parallel()
	g := appgraph.New("empty <&>")
	got, ok, err := report.JSON(g, "")
	if err != nil || !ok || string(got) != `{"app":"empty <&>","pages":[],"edges":[]}` {
		t.Fatalf("%s %v %v", got, ok, err)
	}
	g.AddPage("P")
	g.AddPage("Q")
	got, _, _ = report.JSON(g, "")
	want := `{"app":"empty <&>","pages":[` +
		`{"name":"P","entities":[],"cycles":[],"unknown":[],"unused":[],"syntaxErrors":[]},` +
		`{"name":"Q","entities":[],"cycles":[],"unknown":[],"unused":[],"syntaxErrors":[]}],"edges":[]}`
	if string(got) != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
}
