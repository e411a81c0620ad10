package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/store"
)

// TestImportCommand imports a git-format app into an embedded store and
// checks the id is the last word, and that the store on the same folder
// lists the app.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", filepath.Join("..", "..", "testdata", "apps", "cycles"), "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	words := strings.Fields(stdout.String())
	id := words[len(words)-1]
	if len(id) != 24 {
		t.Fatalf("last word %q is not an application id: %s", id, stdout.String())
	}
	// The app's page has no DSL version: it is migrated as it is imported,
	// and one line says so.
	if s := stderr.String(); s != "rts import: migrated Form: version none -> 94, steps 0..93 (94 steps)\n" {
		t.Errorf("stderr: %q", s)
	}
	st, err := store.OpenSQLite(context.Background(), data, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	apps, err := st.List(context.Background())
	if err != nil || len(apps) != 1 || apps[0].ID != id || apps[0].Pages != 1 {
		t.Errorf("store lists %+v, %v", apps, err)
	}
	if code := run([]string{"import", "/nonexistent/app", "--data", data}, &stdout, &stderr); code != 2 {
		t.Errorf("missing app: exit %d", code)
	}
}

// TestImportWhileServing: `rts import --data D` while `rts serve --data D`
// runs writes through SQLite's lock, says so, and the server lists the
// app at once.
func TestImportWhileServing(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	base := startInProcess(t, func(c *config.Config) { c.DataDir = data; c.Demo = true })
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", filepath.Join("..", "..", "testdata", "apps", "cycles"), "--data", data}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "importing through SQLite's lock") || !strings.Contains(stderr.String(), "rts serve") {
		t.Errorf("stderr: %q", stderr.String())
	}
	words := strings.Fields(stdout.String())
	id := words[len(words)-1]
	res := call(t, "GET", base+"/rts-api/v1/apps", "")
	if !strings.Contains(res.body, id) || !strings.Contains(res.body, `"name":"Demo"`) {
		t.Errorf("the server lists %s", res.body)
	}
	if res := call(t, "GET", base+"/rts-api/v1/apps/"+id+"/graph", ""); res.status != 200 {
		t.Errorf("graph of the imported app: %d %.200s", res.status, res.body)
	}
}
