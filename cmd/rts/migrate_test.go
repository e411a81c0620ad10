package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// TestMigrateCommand: on a copy of a shared git-format app at version 90,
// --dry-run prints each page's steps and a diff and writes nothing; the
// real run writes the files; a second run has nothing to do.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	src, err := shareddata.Path("testdata", "apps", "rm")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rm")
	copyTree(t, src, dir)
	page := filepath.Join(dir, "pages", "Page1", "Page1.json")
	before, _ := os.ReadFile(page)

	var stdout, stderr bytes.Buffer
	if code := run([]string{"migrate", dir, "--dry-run"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--dry-run: exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"Page1: version 90 -> 94, steps 90..93 (4 steps)\n",
		"--- a/pages/Page1/Page1.json\n+++ b/pages/Page1/Page1.json\n",
		"-          \"version\": 90,\n+          \"version\": 94,\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--dry-run output lacks %q", want)
		}
	}
	if after, _ := os.ReadFile(page); !bytes.Equal(after, before) {
		t.Error("--dry-run wrote the page")
	}

	stdout.Reset()
	if code := run([]string{"migrate", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Page1: version 90 -> 94") || !strings.Contains(stdout.String(), "wrote ") {
		t.Errorf("stdout: %s", stdout.String())
	}
	if after, _ := os.ReadFile(page); !bytes.Contains(after, []byte(`"version": 94,`)) {
		t.Error("the page was not written")
	}

	stdout.Reset()
	if code := run([]string{"migrate", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Page1: version 94, nothing to migrate\n") ||
		!strings.HasSuffix(stdout.String(), "every page is at version 94: nothing to write\n") {
		t.Errorf("second run: %s", stdout.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestMigrateRefusesABrokenPage: a page on which Appsmith's migration
// throws gets one line naming it, exit 1, and no file is written, the
// good pages' included.
func TestMigrateRefusesABrokenPage(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "app.json")
	export := `{"exportedApplication":{"name":"A"},"pageList":[` +
		`{"unpublishedPage":{"name":"Old","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":92,"children":[]}}]}},` +
		`{"unpublishedPage":{"name":"Broken","layouts":[{"dsl":{"widgetName":"MainContainer","widgetId":"0","type":"CANVAS_WIDGET","version":20,"children":[null]}}]}}]}`
	if err := os.WriteFile(file, []byte(export), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"migrate", file}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	s := stderr.String()
	if strings.Count(s, "\n") != 1 || !strings.Contains(s, `page "Broken"`) || !strings.Contains(s, "nothing was written") {
		t.Errorf("stderr %q: want one line naming the page", s)
	}
	if b, _ := os.ReadFile(file); string(b) != export {
		t.Error("the export was written")
	}
}

// TestMigrateHandWrittenApp: an app whose widgets have no widgetId nor a
// DSL version (written by hand) is migrated from scratch, its widgets
// matched to their files by name, and its findings stay the same.
func TestMigrateHandWrittenApp(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cycles")
	copyTree(t, filepath.Join("..", "..", "testdata", "apps", "cycles"), dir)
	var lintBefore, stdout, stderr bytes.Buffer
	run([]string{"lint", dir}, &lintBefore, &stderr)
	if code := run([]string{"migrate", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "Form: version none -> 94, steps 0..93 (94 steps)\n") {
		t.Errorf("stdout: %s", stdout.String())
	}
	var lintAfter bytes.Buffer
	run([]string{"lint", dir}, &lintAfter, &stderr)
	if lintAfter.String() != lintBefore.String() {
		t.Errorf("lint before:\n%s\nafter:\n%s", lintBefore.String(), lintAfter.String())
	}
}
