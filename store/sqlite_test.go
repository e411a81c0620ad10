package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openSQLite(t *testing.T, dir, owner string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), dir, SQLiteOptions{Logger: testLogger(t), Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// TestSQLiteFolder: the folder is 0700 and every file in it 0600, however
// the folder was before; what is written is there after a reopen.
func TestSQLiteFolder(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := openSQLite(t, dir, "test")
	set := tinySet(t)
	if _, err := s.Import(ctx, set); err != nil {
		t.Fatal(err)
	}
	docs, _ := s.Load(ctx, set.AppID)
	d := docs.Docs[0]
	if _, err := s.Write(ctx, []Put{{Key: d.Key, Rev: d.Rev, Old: d.Text, Text: strings.Replace(d.Text, `"unpublished`, `"kept":1,"unpublished`, 1)}}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", fi.Mode().Perm())
	}
	files, _ := os.ReadDir(dir)
	if len(files) < 3 {
		t.Errorf("files: %v", files)
	}
	for _, f := range files {
		fi, _ := f.Info()
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f.Name(), fi.Mode().Perm())
		}
	}
	s.Close(ctx)
	again := openSQLite(t, dir, "test")
	got, err := again.Get(ctx, []Key{d.Key})
	if err != nil || !strings.Contains(got[0].Text, `"kept":1`) {
		t.Errorf("after reopening: %v %.100s", err, got[0].Text)
	}
}

// TestSQLiteTwoProcesses: a second opener (rts import while rts serve
// runs) learns who holds the folder, and both write: SQLite serialises
// them, nothing is lost.
func TestSQLiteTwoProcesses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server := openSQLite(t, dir, "rts serve, pid 1")
	if server.SharedWith() != "" {
		t.Errorf("first opener shares with %q", server.SharedWith())
	}
	cli := openSQLite(t, dir, "rts import")
	if cli.SharedWith() != "rts serve, pid 1" {
		t.Errorf("second opener sees %q", cli.SharedWith())
	}
	set := tinySet(t)
	if _, err := server.Import(ctx, set); err != nil {
		t.Fatal(err)
	}
	docs, _ := server.Load(ctx, set.AppID)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 5 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			s, err := BuildImport(tinyApp(t))
			if err == nil {
				_, err = cli.Import(ctx, s)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			d := docs.Docs[i]
			cur, _ := server.Get(ctx, []Key{d.Key})
			_, err := server.Write(ctx, []Put{{Key: d.Key, Rev: cur[0].Rev, Old: cur[0].Text,
				Text: strings.Replace(cur[0].Text, `"unpublished`, `"n":1,"unpublished`, 1)}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	list, _ := server.List(ctx)
	if len(list) != 6 {
		t.Errorf("%d apps, want 6", len(list))
	}
}

// TestSQLiteNotADatabase: a folder whose rts.db is something else is
// refused with an error naming it.
func TestSQLiteNotADatabase(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SQLiteFile), []byte(strings.Repeat("not sqlite ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenSQLite(context.Background(), dir, SQLiteOptions{Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), SQLiteFile) {
		t.Errorf("OpenSQLite = %v", err)
	}
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	for _, d := range []string{file, filepath.Join(file, "below")} {
		if _, err := OpenSQLite(context.Background(), d, SQLiteOptions{Logger: testLogger(t)}); err == nil || !strings.Contains(err.Error(), d) {
			t.Errorf("OpenSQLite(%s) = %v", d, err)
		}
	}
}

// TestMigrateFerretDB: a folder written by the FerretDB default of
// earlier rts versions (here: FerretDB itself, through the MongoDB store,
// with a nested array and a dotted key it had to store encoded) opens as
// the embedded store with every document as MongoDB gave it, and the old
// files kept aside.
func TestMigrateFerretDB(t *testing.T) {
	if realMongo {
		t.Skip("runs its own FerretDB")
	}
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := startFerret(dir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	old, err := OpenMongo(ctx, MongoOptions{URI: srv.uri, Database: "appsmith", Logger: testLogger(t), SelectTimeout: testSelectTimeout})
	if err != nil {
		t.Fatal(err)
	}
	set := tinySet(t)
	if _, err := old.Import(ctx, set); err != nil {
		t.Fatal(err)
	}
	home := set.Docs[0]
	odd := strings.Replace(home.Text, `"unpublished`, `"nested":[[1,2],[3]],"a.b":{"$date":"2020-01-02T03:04:05Z"},"n":{"$numberLong":"9007199254740993"},"unpublished`, 1)
	if _, err := old.Write(ctx, []Put{{Key: home.Key, Rev: mustGet(t, old, home.Key).Rev, Old: mustGet(t, old, home.Key).Text, Text: odd}}); err != nil {
		t.Fatal(err)
	}
	want, err := old.Load(ctx, set.AppID)
	if err != nil {
		t.Fatal(err)
	}
	old.Close(ctx)
	srv.stop()

	s := openSQLite(t, dir, "test")
	got, err := s.Load(ctx, set.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Application.Text != want.Application.Text || len(got.Docs) != len(want.Docs) || len(got.Libraries) != 1 {
		t.Fatalf("migrated app differs:\n got %s\nwant %s", got.Application.Text, want.Application.Text)
	}
	for i := range want.Docs {
		if got.Docs[i].Text != want.Docs[i].Text {
			t.Errorf("%s migrated as\n%s\nwant\n%s", want.Docs[i].Key, got.Docs[i].Text, want.Docs[i].Text)
		}
	}
	if !strings.Contains(mustGet(t, s, home.Key).Text, `"nested":[[1,2],[3]]`) {
		t.Error("the nested array was not decoded")
	}
	if _, err := os.Stat(filepath.Join(dir, ferretBackup, "appsmith.sqlite")); err != nil {
		t.Errorf("old files not kept: %v", err)
	}
	if list, _ := s.List(ctx); len(list) != 1 {
		t.Errorf("apps after migration: %+v", list)
	}
}

func mustGet(t *testing.T, s Store, k Key) Doc {
	t.Helper()
	d, err := s.Get(context.Background(), []Key{k})
	if err != nil {
		t.Fatal(err)
	}
	return d[0]
}
