package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got ---\n%s--- want ---\n%s", name, got, want)
	}
}

// TestLintSmallApps runs `rts lint` on the hand-written apps under
// ../../testdata/apps: one per finding (cycles, unknown references,
// unused entities).
func TestLintSmallApps(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		app  string
		code int
	}{
		{"cycles", 1},
		{"unknown", 1},
		{"unused", 0},
	} {
		t.Run(tt.app, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"lint", filepath.Join("..", "..", "testdata", "apps", tt.app)}, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			golden(t, filepath.Join("lint", tt.app+".txt"), stdout.String())
		})
	}
}

func TestGraphSmallApp(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "dot", "text"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"graph", "--format", format, filepath.Join("..", "..", "testdata", "apps", "cycles")}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr.String())
		}
		golden(t, filepath.Join("graph", "cycles."+format), stdout.String())
	}
}

// TestGraphSharedApps: rts graph prints SPEC §3's JSON for every shared
// app, with as many edges as the expected edge files list.
func TestGraphSharedApps(t *testing.T) {
	t.Parallel()
	for app, edges := range map[string]int{"AppsmithNew": 8016, "NewIdeel-Appsmith": 7621, "rm": 5159} {
		dir, err := shareddata.Path("testdata", "apps", app)
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := run([]string{"graph", dir}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", app, code, stderr.String())
		}
		var out struct {
			App   string
			Pages []struct{ Name string }
			Edges []struct{ Page, From, To, Kind string }
		}
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v", app, err)
		}
		if len(out.Edges) != edges || len(out.Pages) == 0 || out.App != app {
			t.Errorf("%s: %d edges, %d pages, app %q", app, len(out.Edges), len(out.Pages), out.App)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"graph"},
		{"graph", "/nonexistent/app"},
		{"graph", "--format", "svg", filepath.Join("..", "..", "testdata", "apps", "cycles")},
		{"rename", filepath.Join("..", "..", "testdata", "apps", "cycles"), "Text1"},
		{"lint", filepath.Join("..", "..", "appmodel", "testdata", "broken", "json")},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); stderr.Len() == 0 || lines > 1 {
			t.Errorf("%v: want one line on stderr, got %q", args, stderr.String())
		}
	}
}

func TestRenameCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "apps", "unused")
	copyTree(t, src, dir)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"rename", dir, "getUsers", "listUsers", "--dry-run"}, &stdout, &stderr); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "+\tload: async () => listUsers.run(),") {
		t.Errorf("dry run diff:\n%s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "pages", "Home", "queries", "getUsers")); err != nil {
		t.Fatalf("dry run changed files: %v", err)
	}
	stdout.Reset()
	if code := run([]string{"rename", dir, "getUsers", "listUsers"}, &stdout, &stderr); code != 0 {
		t.Fatalf("rename: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "pages", "Home", "queries", "listUsers", "metadata.json")); err != nil {
		t.Errorf("folder not renamed: %v", err)
	}
	stderr.Reset()
	if code := run([]string{"rename", dir, "listUsers", "Users", "--format", "json"}, &stdout, &stderr); code != 1 {
		t.Errorf("conflict with JS object Users: exit %d, want 1 (%s)", code, stderr.String())
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
