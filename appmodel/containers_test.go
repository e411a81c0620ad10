package appmodel

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/tidwall/gjson"
)

// TestContainersSameInEveryFormat: the widget tree of an export, whole,
// and the git format's files with their parentIds place widgets alike.
func TestContainersSameInEveryFormat(t *testing.T) {
	export, err := shareddata.Path("testdata", "exported", "CommunityIssuesExport.json")
	if err != nil {
		t.Skip(err)
	}
	app, err := Load(export)
	if err != nil {
		t.Fatal(err)
	}
	tree := app.Page("Issues").Containers()
	// Without the tree: each widget's own object, children stripped, as
	// the git format stores it; only parentId is left to place it.
	p := app.Page("Issues")
	flat := &Page{Name: p.Name}
	for _, w := range p.Widgets {
		c := *w
		stripped := gjson.Parse(stripChildren(w.JSON))
		c.JSON = stripped
		flat.Widgets = append(flat.Widgets, &c)
	}
	if got := flat.Containers(); !reflect.DeepEqual(got, tree) {
		t.Errorf("by parentId %v\nby the tree %v", got, tree)
	}
}

// stripChildren keeps a widget's canvases with their ids but none of their
// children, as a git-format widget file holds them.
func stripChildren(w gjson.Result) string {
	var kids []string
	w.Get("children").ForEach(func(_, c gjson.Result) bool {
		if c.Get("type").Str == "CANVAS_WIDGET" {
			kids = append(kids, `{"type":"CANVAS_WIDGET","widgetId":`+c.Get("widgetId").Raw+`,"children":[]}`)
		}
		return true
	})
	return `{"widgetName":` + w.Get("widgetName").Raw + `,"parentId":` + strconv.Quote(w.Get("parentId").Str) +
		`,"children":[` + strings.Join(kids, ",") + `]}`
}

func TestContainers(t *testing.T) {
	for _, tt := range []struct {
		name       string
		path       []string // under ../shared, or nil for testdata/tiny
		page       string
		widgets    int // with a container
		some       map[string]string
		topLevel   []string // in no container
		containers int      // distinct containers
	}{
		// Git format without parentId: the folder widgets/Container1/ does
		// not place Input1, as it does not for Appsmith or the store.
		{name: "git without parentId", page: "Home", widgets: -1,
			topLevel: []string{"Container1", "Input1", "Table1"}},
		// parentId names the canvas inlined in the modal's own file.
		{name: "git parentId", path: []string{"testdata", "apps", "rm"}, page: "Recipe",
			some:     map[string]string{"AssociateRecipeSetButton": "AsssociateRecipeSetModal", "Tabs1": "AsssociateRecipeSetModal", "AssociateRecipeSetTable": "Tabs1"},
			topLevel: []string{"AsssociateRecipeSetModal", "CreateRecipeButton"}},
		// An export's DSL tree: canvases between widgets and their children.
		{name: "export", path: []string{"testdata", "exported", "CommunityIssuesExport.json"}, page: "Issues", widgets: 59, containers: 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := "testdata/tiny"
			if tt.path != nil {
				var err error
				if path, err = shareddata.Path(tt.path...); err != nil {
					t.Skip(err)
				}
			}
			app, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			p := app.Page(tt.page)
			if p == nil {
				t.Fatalf("no page %s", tt.page)
			}
			got := p.Containers()
			if tt.widgets < 0 && len(got) != 0 || tt.widgets > 0 && len(got) != tt.widgets {
				t.Errorf("%d widgets in a container, want %d", len(got), tt.widgets)
			}
			for w, c := range tt.some {
				if got[w] != c {
					t.Errorf("%s is in %q, want %q", w, got[w], c)
				}
			}
			for _, w := range tt.topLevel {
				if c, ok := got[w]; ok {
					t.Errorf("%s is in %q, want the main canvas", w, c)
				}
			}
			names := map[string]bool{}
			for _, w := range p.Widgets {
				names[w.Name] = true
			}
			distinct := map[string]bool{}
			for w, c := range got {
				if !names[c] || c == w {
					t.Errorf("%s is in %q: not another widget of the page", w, c)
				}
				distinct[c] = true
			}
			if tt.containers > 0 && len(distinct) != tt.containers {
				t.Errorf("%d containers, want %d", len(distinct), tt.containers)
			}
		})
	}
}

// TestLoadRefusesWhatIsNotAFile: devices, FIFOs and links to them get one
// error naming the file, without a read that blocks or never ends.
func TestLoadRefusesWhatIsNotAFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "app.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	// A git-format app whose page file is a link to /dev/zero.
	app := filepath.Join(dir, "app")
	page := filepath.Join(app, "pages", "Page1")
	if err := os.MkdirAll(page, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "application.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(page, "Page1.json")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{"/dev/zero", "/dev/zero: not a regular file (a device)"},
		{fifo, fifo + ": not a regular file (a named pipe)"},
		{link, link + ": not a regular file (a device)"},
		{app, filepath.Join(page, "Page1.json") + ": not a regular file (a device)"},
	} {
		_, err := Load(tt.path)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Load(%s) = %v, want %q", tt.path, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%s): error of several lines", tt.path)
		}
	}
}

func TestLoadRefusesLargeFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A sparse file: its size is all that is checked.
	if err := os.Truncate(f, MaxFileBytes+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f); err == nil || !strings.HasSuffix(err.Error(), "larger than 64 MiB") {
		t.Errorf("Load(big) = %v", err)
	}
}
