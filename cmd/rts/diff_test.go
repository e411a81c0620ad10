package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// recipeApp copies the Recipe page of the shared app rm (its busiest page
// but one) into a folder of its own: an app in git format to change.
func recipeApp(t *testing.T) string {
	t.Helper()
	src, err := shareddata.Path("testdata", "apps", "rm")
	if err != nil {
		t.Skip(err)
	}
	dst := t.TempDir()
	copyTree(t, filepath.Join(src, "pages", "Recipe"), filepath.Join(dst, "pages", "Recipe"))
	for _, f := range []string{"application.json", "metadata.json", "theme.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// editWidget sets properties of a widget file and makes them bindings.
func editWidget(t *testing.T, file string, props map[string]string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	paths, _ := w["dynamicBindingPathList"].([]any)
	for k, v := range props {
		w[k] = v
		paths = append(paths, map[string]any{"key": k})
	}
	w["dynamicBindingPathList"] = paths
	out, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDiff compares versions of a real page before and after a change, as
// a pull request would make it.
func TestDiff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, app string)
		code   int
	}{
		{"rename", func(t *testing.T, app string) {
			// The rename rts rename makes: recognised as one, no edge moves.
			var stdout, stderr bytes.Buffer
			if code := run([]string{"rename", app, "GetFilteredRecipeView", "RecipesView"}, &stdout, &stderr); code != 0 {
				t.Fatalf("rename: exit %d: %s", code, stderr.String())
			}
		}, 0},
		{"added-cycle", func(t *testing.T, app string) {
			widgets := filepath.Join(app, "pages", "Recipe", "widgets")
			editWidget(t, filepath.Join(widgets, "Text1Copy.json"), map[string]string{"text": "Recipes of {{ModificationNumberSearch.text}}"})
			editWidget(t, filepath.Join(widgets, "ModificationNumberSearch.json"), map[string]string{"defaultText": "{{Text1Copy.text.length > 3 ? '' : appsmith.store.modificNo}}"})
		}, 1},
		{"deleted-query", func(t *testing.T, app string) {
			// Deleted, but the table and a JS object still read it.
			if err := os.RemoveAll(filepath.Join(app, "pages", "Recipe", "queries", "GetFilteredRecipeView")); err != nil {
				t.Fatal(err)
			}
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			old := recipeApp(t)
			cur := recipeApp(t)
			tt.change(t, cur)
			for _, format := range []string{"text", "json"} {
				var stdout, stderr bytes.Buffer
				code := run([]string{"diff", old, cur, "--format", format}, &stdout, &stderr)
				if code != tt.code {
					t.Errorf("%s: exit %d, want %d (stderr %q)", format, code, tt.code, stderr.String())
				}
				out := bytes.ReplaceAll(stdout.Bytes(), []byte(filepath.Base(old)), []byte("OLD"))
				out = bytes.ReplaceAll(out, []byte(filepath.Base(cur)), []byte("NEW"))
				golden(t, filepath.Join("diff", tt.name+"."+format), string(out))
			}
		})
	}
}

// TestDiffFormats: an export against its own git-format page gives the
// same graph, so no change; a version against itself neither.
func TestDiffSame(t *testing.T) {
	t.Parallel()
	app := filepath.Join("..", "..", "testdata", "apps", "cycles")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", app, app}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "no change to the graph\n"; !bytes.HasPrefix(stdout.Bytes(), []byte(want)) {
		t.Errorf("diff of an app with itself:\n%s", stdout.String())
	}
}
