package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/tidwall/gjson"
)

// TestImportMigratesOldPages: with MigratePages, pages below the latest
// page-DSL version are stored migrated (every layout of an export, published ones included;
// a git app's assembled widget tree), and the set says which; a page on
// which Appsmith's migration throws is stored as it is and reported.
func TestImportMigratesOldPages(t *testing.T) {
	export, err := shareddata.Path("testdata", "exported", "TableMigrationAppExported.json")
	if err != nil {
		t.Fatal(err)
	}
	gitApp, err := shareddata.Path("testdata", "apps", "rm")
	if err != nil {
		t.Fatal(err)
	}
	broken := `{"exportedApplication":{"name":"B"},"pageList":[` +
		`{"unpublishedPage":{"name":"Broken","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":20,"children":[null]}}]}}]}`
	cases := []struct {
		name       string
		build      func() (*ImportSet, error)
		migrated   int
		firstLine  string
		notMigrate string
	}{
		{"export", func() (*ImportSet, error) {
			app, err := appmodel.Load(export)
			if err != nil {
				return nil, err
			}
			return BuildImportWith(app, ImportOptions{MigratePages: true})
		}, 4, "Credit Card Home: version 52 -> 94, steps 52..93 (42 steps)", ""},
		{"git", func() (*ImportSet, error) {
			app, err := appmodel.Load(gitApp)
			if err != nil {
				return nil, err
			}
			return BuildImportWith(app, ImportOptions{MigratePages: true})
		}, 27, "Copy From Master: version 90 -> 94, steps 90..93 (4 steps)", ""},
		{"broken", func() (*ImportSet, error) {
			file := filepath.Join(t.TempDir(), "broken.json")
			if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
				return nil, err
			}
			app, err := appmodel.Load(file)
			if err != nil {
				return nil, err
			}
			return BuildImportWith(app, ImportOptions{MigratePages: true})
		}, 0, "", `page "Broken"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, err := c.build()
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Migrated) != c.migrated {
				t.Fatalf("%d layouts migrated, want %d", len(set.Migrated), c.migrated)
			}
			if c.migrated > 0 && set.Migrated[0].String() != c.firstLine {
				t.Errorf("first: %q, want %q", set.Migrated[0].String(), c.firstLine)
			}
			if c.notMigrate != "" {
				if len(set.NotMigrated) != 1 || !strings.Contains(set.NotMigrated[0].Error(), c.notMigrate) {
					t.Errorf("not migrated: %v", set.NotMigrated)
				}
			} else if len(set.NotMigrated) != 0 {
				t.Errorf("not migrated: %v", set.NotMigrated)
			}
			for _, d := range set.Docs {
				if d.Key.Coll != CollPage {
					continue
				}
				for _, side := range []string{"unpublishedPage", "publishedPage"} {
					for _, l := range gjson.Get(d.Text, side+".layouts").Array() {
						v := l.Get("dsl.version").Raw
						if c.notMigrate == "" && v != "94" {
							t.Errorf("%s: stored at version %s", side, v)
						}
						if c.notMigrate != "" && v != "20" {
							t.Errorf("the broken page was changed: version %s", v)
						}
					}
				}
			}
		})
	}
}

// TestImportKeepsPagesByDefault: without MigratePages (the HTTP import,
// the demo app) an old page is stored as it is.
func TestImportKeepsPagesByDefault(t *testing.T) {
	export, err := shareddata.Path("testdata", "exported", "TableMigrationAppExported.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	set, err := BuildExportImport(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Migrated) != 0 {
		t.Errorf("migrated %v", set.Migrated)
	}
	for _, d := range set.Docs {
		if d.Key.Coll == CollPage && gjson.Get(d.Text, "unpublishedPage.layouts.0.dsl.version").Raw == "94" {
			t.Error("a page was migrated")
		}
	}
}
