package pagemigrate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/pagedsl"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/tidwall/gjson"
)

// copyShared copies a shared app (a folder or a file) into a temporary
// folder and returns the copy's path.
func copyShared(t *testing.T, elem ...string) string {
	t.Helper()
	src, err := shareddata.Path(elem...)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assembled migrates nothing: it puts every page of a git app together
// as planGit does and returns the trees by page name.
func assembled(t *testing.T, app *appmodel.App) map[string]*pagedsl.Object {
	t.Helper()
	out := map[string]*pagedsl.Object{}
	for _, p := range app.Pages {
		v, err := pagedsl.Decode([]byte(p.JSON.Get("unpublishedPage.layouts.0.dsl").Raw))
		if err != nil {
			t.Fatal(err)
		}
		root := v.(*pagedsl.Object)
		if _, err := assemble(p, root, map[string]bool{}); err != nil {
			t.Fatal(err)
		}
		out[p.Name] = root
	}
	return out
}

// TestGitAppRoundTrip: a git-format app at version 90 is migrated in
// place; afterwards every page is at 94, the widget tree read back from
// the files is the tree Appsmith's steps make from the old one, a second
// run has nothing to do, and only files of the page DSLs changed.
func TestGitAppRoundTrip(t *testing.T) {
	dir := copyShared(t, "testdata", "apps", "rm")
	before := readTree(t, dir)
	app, err := appmodel.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for name, root := range assembled(t, app) {
		out, err := pagedsl.Migrate(root)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want[name] = pagedsl.Encode(out)
	}
	plan, err := PlanApp(app)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Layouts) != len(app.Pages) {
		t.Fatalf("%d layouts reported for %d pages", len(plan.Layouts), len(app.Pages))
	}
	for _, l := range plan.Layouts {
		if l.From != "90" || StepsText(l.Ran) != "steps 90..93 (4 steps)" {
			t.Errorf("%s: from %s, %s; want 90 and steps 90..93", l.Page, l.From, StepsText(l.Ran))
		}
	}
	if err := refactor.ApplyPlan(&refactor.Plan{Files: plan.Files}); err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{}
	for _, f := range plan.Files {
		changed[f.File] = true
	}
	for path, text := range readTree(t, dir) {
		if !changed[path] && text != before[path] {
			t.Errorf("%s changed but is not in the plan", path)
		}
		if changed[path] && (!strings.Contains(path, string(filepath.Separator)+"pages"+string(filepath.Separator)) || !strings.HasSuffix(path, ".json")) {
			t.Errorf("%s: not a page or widget file", path)
		}
	}
	again, err := appmodel.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, root := range assembled(t, again) {
		if !equalJSON(t, pagedsl.Encode(root), want[name]) {
			t.Errorf("%s: the files hold another tree than the migrated one", name)
		}
	}
	plan2, err := PlanApp(again)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan2.Files) != 0 {
		t.Errorf("second run plans %d file changes", len(plan2.Files))
	}
	for _, l := range plan2.Layouts {
		if len(l.Ran) != 0 || l.From != "94" {
			t.Errorf("second run: %s", l)
		}
	}
}

func equalJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	va, err1 := pagedsl.Decode(a)
	vb, err2 := pagedsl.Decode(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return equalValues(va, vb)
}

// TestExportMigrated: every layout of an old export (published ones
// too) is migrated in place; the text outside the DSLs is untouched and
// unchanged numbers keep their spelling (1.0).
func TestExportMigrated(t *testing.T) {
	file := copyShared(t, "testdata", "exported", "TableMigrationAppExported.json")
	before, _ := os.ReadFile(file)
	app, err := appmodel.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanApp(app)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range plan.Layouts {
		lines = append(lines, l.String())
	}
	wantLines := []string{
		"Credit Card Home: version 52 -> 94, steps 52..93 (42 steps)",
		"Credit Card Home (published layout 1): version 51 -> 94, steps 51..93 (43 steps)",
		"Change color and font: version 52 -> 94, steps 52..93 (42 steps)",
		"Change color and font (published layout 1): version 51 -> 94, steps 51..93 (43 steps)",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
	if err := refactor.ApplyPlan(&refactor.Plan{Files: plan.Files}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(file)
	old, now := gjson.ParseBytes(before), gjson.ParseBytes(after)
	if !now.IsObject() {
		t.Fatal("the export is no longer JSON")
	}
	for i, entry := range now.Get("pageList").Array() {
		for _, side := range []string{"unpublishedPage", "publishedPage"} {
			for j, l := range entry.Get(side + ".layouts").Array() {
				if v := l.Get("dsl.version").Raw; v != "94" {
					t.Errorf("page %d %s layout %d: version %s", i, side, j, v)
				}
				// The expected DSL: Appsmith's steps on the old one.
				orig, _ := pagedsl.Decode([]byte(old.Get("pageList").Array()[i].Get(side + ".layouts").Array()[j].Get("dsl").Raw))
				want, err := pagedsl.Migrate(orig)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := pagedsl.Decode([]byte(l.Get("dsl").Raw))
				if !equalValues(got, want) {
					t.Errorf("page %d %s layout %d: the file holds another DSL than the migrated one", i, side, j)
				}
			}
		}
	}
	// Outside the DSLs nothing moved: the export without its page list is
	// the same text.
	if old.Get("actionList").Raw != now.Get("actionList").Raw || old.Get("exportedApplication").Raw != now.Get("exportedApplication").Raw {
		t.Error("text outside the page DSLs changed")
	}
	if !strings.Contains(string(after), `"leftColumn": 1.0,`) {
		t.Error("unchanged numbers lost their spelling")
	}
}

// TestPageErrorNamesThePage: a page on which Appsmith's migration throws
// (a null child at step 20) stops the plan with an error naming it.
func TestPageErrorNamesThePage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app.json")
	export := `{"exportedApplication":{"name":"A"},"pageList":[` +
		`{"unpublishedPage":{"name":"Good","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":94,"children":[]}}]}},` +
		`{"unpublishedPage":{"name":"Broken","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":20,"children":[null]}}]}}]}`
	if err := os.WriteFile(file, []byte(export), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := appmodel.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = PlanApp(app)
	var pe *PageError
	if !errors.As(err, &pe) || pe.Page != "Broken" {
		t.Fatalf("want a PageError for Broken, got %v", err)
	}
	if !strings.Contains(err.Error(), `page "Broken"`) || !strings.Contains(err.Error(), "Cannot read properties of null") {
		t.Errorf("error %q does not say which page and why", err)
	}
}

// TestMigrateText covers the import path: an old page is migrated, a
// current one is left alone, one that throws is an error.
func TestMigrateText(t *testing.T) {
	cases := []struct {
		name, dsl   string
		changed     bool
		from, steps string
		err         bool
	}{
		{"old", `{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":92,"children":[]}`, true, "92", "steps 92..93 (2 steps)", false},
		{"current", `{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":94,"children":[]}`, false, "94", "", false},
		{"throws", `{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":20,"children":[null]}`, false, "20", "", true},
		{"not json", `{`, false, "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, l, changed, err := MigrateText("P", c.dsl)
			if (err != nil) != c.err {
				t.Fatalf("err = %v, want error %v", err, c.err)
			}
			if err != nil {
				return
			}
			if changed != c.changed || l.From != c.from {
				t.Errorf("changed %v from %s, want %v %s", changed, l.From, c.changed, c.from)
			}
			if changed && (StepsText(l.Ran) != c.steps || gjson.Get(out, "version").Raw != "94") {
				t.Errorf("%s, version %s", StepsText(l.Ran), gjson.Get(out, "version").Raw)
			}
		})
	}
}

// TestGitInlineWidgets: widgets stored inline (the older git format keeps
// the whole tree in the page file; a widget file may hold a canvas's
// inline children) stay inline, migrated, while widgets with files of
// their own go back to them.
func TestGitInlineWidgets(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("application.json", `{"evaluationVersion": 2}`)
	// Step 52 turns ICON_WIDGET into ICON_BUTTON_WIDGET.
	write("pages/Old/Old.json", `{
  "unpublishedPage": {
    "layouts": [
      {
        "dsl": {
          "children": [
            {
              "iconName": "add",
              "parentId": "0",
              "type": "ICON_WIDGET",
              "widgetId": "i1",
              "widgetName": "Icon1"
            }
          ],
          "type": "CANVAS_WIDGET",
          "version": 52,
          "widgetId": "0",
          "widgetName": "MainContainer"
        }
      }
    ],
    "name": "Old"
  }
}
`)
	write("pages/Mixed/Mixed.json", `{"unpublishedPage": {"layouts": [{"dsl": {"type": "CANVAS_WIDGET", "version": 52, "widgetId": "0", "widgetName": "MainContainer"}}], "name": "Mixed"}}`)
	write("pages/Mixed/widgets/Icon2.json", `{"iconName": "add", "parentId": "0", "type": "ICON_WIDGET", "widgetId": "i2", "widgetName": "Icon2"}`)
	app, err := appmodel.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanApp(app)
	if err != nil {
		t.Fatal(err)
	}
	if err := refactor.ApplyPlan(&refactor.Plan{Files: plan.Files}); err != nil {
		t.Fatal(err)
	}
	read := func(rel string) gjson.Result {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return gjson.ParseBytes(b)
	}
	old := read("pages/Old/Old.json").Get("unpublishedPage.layouts.0.dsl")
	if old.Get("version").Raw != "94" || old.Get("children.0.type").Str != "ICON_BUTTON_WIDGET" {
		t.Errorf("inline page: %s", old.Raw)
	}
	mixed := read("pages/Mixed/Mixed.json").Get("unpublishedPage.layouts.0.dsl")
	if mixed.Get("version").Raw != "94" || mixed.Get("children").Exists() {
		t.Errorf("page file: %s", mixed.Raw)
	}
	if icon := read("pages/Mixed/widgets/Icon2.json"); icon.Get("type").Str != "ICON_BUTTON_WIDGET" || icon.Get("children").Exists() {
		t.Errorf("widget file: %s", icon.Raw)
	}
}

// TestMigrateTextDuplicateVersion: the last of duplicate version keys is
// the page's version, as JSON.parse reads it.
func TestMigrateTextDuplicateVersion(t *testing.T) {
	_, l, changed, err := MigrateText("P", `{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":94,"children":[],"version":93}`)
	if err != nil || !changed || l.From != "93" {
		t.Errorf("changed %v from %s, err %v; want a migration from 93", changed, l.From, err)
	}
}
