package appmodel

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

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
		// The folder says it: widgets/Container1/Input1.json has no parentId.
		{name: "git folders", page: "Home", widgets: 1, some: map[string]string{"Input1": "Container1"},
			topLevel: []string{"Container1", "Table1"}, containers: 1},
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
			if tt.widgets > 0 && len(got) != tt.widgets {
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
