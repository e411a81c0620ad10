package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/store"
)

// TestImportCommand imports a git-format app into an embedded store and
// checks the id is the last word, and that the store on the same folder
// lists the app.
func TestImportCommand(t *testing.T) {
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
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
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
