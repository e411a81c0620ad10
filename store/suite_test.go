package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// impl opens a fresh, empty store of one implementation for a test.
type impl struct {
	name string
	open func(t *testing.T) Store
}

func implementations() []impl {
	return []impl{
		{"sqlite", func(t *testing.T) Store {
			s, err := OpenSQLite(context.Background(), t.TempDir(), SQLiteOptions{Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(context.Background()) })
			return s
		}},
		{"memory", func(t *testing.T) Store { return NewMemory(MemoryOptions{Logger: testLogger(t)}) }},
		{"memory-standalone", func(t *testing.T) Store {
			return NewMemory(MemoryOptions{Standalone: true, Logger: testLogger(t)})
		}},
		{"mongodb", func(t *testing.T) Store {
			s, err := OpenMongo(context.Background(), MongoOptions{URI: testURI, Database: testDB(t), Logger: testLogger(t), SelectTimeout: testSelectTimeout})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(context.Background()) })
			return s
		}},
	}
}

// forEach runs a test of the shared suite on every implementation.
func forEach(t *testing.T, test func(t *testing.T, s Store)) {
	for _, im := range implementations() {
		t.Run(im.name, func(t *testing.T) { test(t, im.open(t)) })
	}
}

func docOf(t *testing.T, docs []Doc, coll, path, value string) Doc {
	t.Helper()
	for _, d := range docs {
		if d.Key.Coll == coll && gjson.Get(d.Text, path).Str == value {
			return d
		}
	}
	t.Fatalf("no %s document with %s = %q", coll, path, value)
	return Doc{}
}

func importTiny(t *testing.T, s Store) (*ImportSet, *AppDocs) {
	t.Helper()
	ctx := context.Background()
	set := tinySet(t)
	id, err := s.Import(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if id != set.AppID {
		t.Fatalf("Import returned %q, the set is %q", id, set.AppID)
	}
	docs, err := s.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return set, docs
}

// TestImportLoadList: an imported app is listed, and loads back with
// every document as the import prepared it (same keys, same text) and its
// library.
func TestImportLoadList(t *testing.T) {
	forEach(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		set, docs := importTiny(t, s)
		list, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != set.AppID || list[0].Name != "tiny" || list[0].Pages != 2 || list[0].UpdatedAt.IsZero() {
			t.Fatalf("List = %+v", list)
		}
		if docs.Application.Key != (Key{CollApplication, set.AppID}) || docs.Application.Rev == "" {
			t.Errorf("application = %+v", docs.Application.Key)
		}
		want := map[Key]string{}
		for _, d := range set.Docs {
			want[d.Key] = d.Text
		}
		if len(docs.Docs) != len(want) {
			t.Fatalf("loaded %d documents, imported %d", len(docs.Docs), len(want))
		}
		for _, d := range docs.Docs {
			w, ok := want[d.Key]
			if !ok {
				t.Errorf("loaded %s, not imported", d.Key)
				continue
			}
			if gjson.Get(d.Text, "unpublishedPage").Raw != gjson.Get(w, "unpublishedPage").Raw ||
				gjson.Get(d.Text, "unpublishedAction").Raw != gjson.Get(w, "unpublishedAction").Raw ||
				gjson.Get(d.Text, "unpublishedCollection").Raw != gjson.Get(w, "unpublishedCollection").Raw {
				t.Errorf("%s loads back different:\n got %.300s\nwant %.300s", d.Key, d.Text, w)
			}
			if d.AppID != set.AppID || d.Rev == "" {
				t.Errorf("%s: app %q rev %q", d.Key, d.AppID, d.Rev)
			}
		}
		if len(docs.Libraries) != 1 || !strings.Contains(docs.Libraries[0].Text, "uidString") {
			t.Errorf("libraries = %+v", docs.Libraries)
		}
		if _, err := s.Load(ctx, "65f000000000000000000000"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Load of an unknown app: %v", err)
		}
		got, err := s.Get(ctx, []Key{{CollPage, "65f000000000000000000000"}, docs.Docs[0].Key})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Text != "" || got[0].Rev != "" || got[1].Text != docs.Docs[0].Text || got[1].Rev != docs.Docs[0].Rev {
			t.Errorf("Get = %+v", got)
		}
	})
}

// TestGuardedWrite: a write at the revisions read lands whole, with new
// revisions and updatedAt set; a write where any document moved since
// lands not at all, and says which moved, with its current text.
func TestGuardedWrite(t *testing.T) {
	forEach(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		_, docs := importTiny(t, s)
		page := docOf(t, docs.Docs, CollPage, "unpublishedPage.name", "Home")
		action := docOf(t, docs.Docs, CollAction, "unpublishedAction.name", "getUsers")
		edit := func(d Doc, marker string) Put {
			text := strings.Replace(d.Text, `"unpublished`, `"rtsTest":"`+marker+`","unpublished`, 1)
			return Put{Key: d.Key, Rev: d.Rev, Old: d.Text, Text: text}
		}
		before := time.Now().Add(-time.Second)
		written, err := s.Write(ctx, []Put{edit(page, "one"), edit(action, "one")})
		if err != nil {
			t.Fatal(err)
		}
		if len(written) != 2 {
			t.Fatalf("Write returned %d documents", len(written))
		}
		for i, d := range written {
			old := []Doc{page, action}[i]
			if d.Key != old.Key || d.Rev == old.Rev || d.Rev == "" || gjson.Get(d.Text, "rtsTest").Str != "one" {
				t.Errorf("written %s: rev %q → %q, %.200s", d.Key, old.Rev, d.Rev, d.Text)
			}
			if at := dateOf(gjson.Get(d.Text, fieldUpdatedAt)); at.Before(before) {
				t.Errorf("%s: updatedAt %v not set by the write", d.Key, at)
			}
		}
		again, _ := s.Get(ctx, []Key{page.Key, action.Key})
		for i := range again {
			if again[i].Rev != written[i].Rev || again[i].Text != written[i].Text {
				t.Errorf("%s reads back as %q, written %q", again[i].Key, again[i].Rev, written[i].Rev)
			}
		}

		// The page moved on; the action did not: neither is written.
		_, err = s.Write(ctx, []Put{edit(written[1], "two"), edit(page, "two")})
		var ce *ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("write on a stale revision: %v", err)
		}
		if len(ce.Changed) != 1 || ce.Changed[0].Key != page.Key || ce.Changed[0].Rev != written[0].Rev ||
			gjson.Get(ce.Changed[0].Text, "rtsTest").Str != "one" {
			t.Errorf("conflict = %+v", ce.Changed)
		}
		now, _ := s.Get(ctx, []Key{page.Key, action.Key})
		for i := range now {
			if now[i].Rev != written[i].Rev || strings.Contains(now[i].Text, `"two"`) {
				t.Errorf("%s was written by a failed write", now[i].Key)
			}
		}

		// A document that does not exist is inserted with Rev "", and only
		// once.
		k := Key{CollPage, "65f0000000000000000000aa"}
		text := `{"_id":{"$oid":"65f0000000000000000000aa"},"applicationId":"` + page.AppID + `","unpublishedPage":{"name":"New"}}`
		ins, err := s.Write(ctx, []Put{{Key: k, Text: text}})
		if err != nil || len(ins) != 1 || ins[0].Rev == "" || ins[0].AppID != page.AppID {
			t.Fatalf("insert: %+v %v", ins, err)
		}
		if _, err := s.Write(ctx, []Put{{Key: k, Text: text}}); !errors.As(err, &ce) {
			t.Errorf("second insert: %v", err)
		}
	})
}

// TestWriteLimits: a document over MongoDB's 16 MB, or text that is not
// JSON, is refused before anything is written.
func TestWriteLimits(t *testing.T) {
	forEach(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		_, docs := importTiny(t, s)
		page := docs.Docs[0]
		big := strings.Replace(page.Text, `"unpublished`, `"big":"`+strings.Repeat("x", MaxDocumentBytes)+`","unpublished`, 1)
		for name, text := range map[string]string{"over 16 MB": big, "not JSON": page.Text[:len(page.Text)-1]} {
			_, err := s.Write(ctx, []Put{{Key: page.Key, Rev: page.Rev, Old: page.Text, Text: text}})
			if !errors.Is(err, ErrBadInput) {
				t.Errorf("%s: %v", name, err)
			}
		}
		now, _ := s.Get(ctx, []Key{page.Key})
		if now[0].Rev != page.Rev {
			t.Error("a refused write changed the document")
		}
	})
}

// TestConcurrentWrites: of writers racing on the same revision, exactly
// one wins.
func TestConcurrentWrites(t *testing.T) {
	forEach(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		_, docs := importTiny(t, s)
		d := docs.Docs[0]
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				text := strings.Replace(d.Text, `"unpublished`, fmt.Sprintf(`"writer":%d,"unpublished`, i), 1)
				_, errs[i] = s.Write(ctx, []Put{{Key: d.Key, Rev: d.Rev, Old: d.Text, Text: text}})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			var ce *ConflictError
			switch {
			case err == nil:
				won++
			case !errors.As(err, &ce):
				t.Errorf("a racing write failed otherwise: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d writers won", won)
		}
	})
}

// TestChangedSince: the documents written at or after a time, by
// updatedAt.
func TestChangedSince(t *testing.T) {
	forEach(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		_, docs := importTiny(t, s)
		d := docs.Docs[1]
		// updatedAt has millisecond resolution: the import's must be
		// before the mark.
		time.Sleep(2 * time.Millisecond)
		mark := time.Now()
		text := strings.Replace(d.Text, `"unpublished`, `"changed":true,"unpublished`, 1)
		if _, err := s.Write(ctx, []Put{{Key: d.Key, Rev: d.Rev, Old: d.Text, Text: text}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ChangedSince(ctx, mark)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Key != d.Key || !strings.Contains(got[0].Text, `"changed":true`) {
			t.Errorf("ChangedSince = %d documents: %+v", len(got), got)
		}
		if got, _ := s.ChangedSince(ctx, time.Now().Add(time.Hour)); len(got) != 0 {
			t.Errorf("changed in the future: %d", len(got))
		}
	})
}

// TestWatchKinds: what following a store means for each kind.
func TestWatchKinds(t *testing.T) {
	want := map[string]error{"sqlite": ErrOnlyWriter, "memory-standalone": ErrNoStream, "mongodb": ErrNoStream}
	for _, im := range implementations() {
		t.Run(im.name, func(t *testing.T) {
			st, err := im.open(t).Watch(context.Background(), nil)
			if w, ok := want[im.name]; ok {
				if !errors.Is(err, w) {
					t.Errorf("Watch = %v, want %v", err, w)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
		})
	}
}

// TestImportBadInput: bodies that are not exports are refused, naming the
// problem, and nothing is stored.
func TestImportBadInput(t *testing.T) {
	for _, body := range []string{
		``,
		`{`,
		`[]`,
		`{"pageList": [{"unpublishedPage": {"name": "P", "layouts": [{"dsl": {"children": [{"type": "X"}]}}]}}]}`,
		`{"exportedApplication": {"name": "x"}, "pageList": [], "actionList": [{"unpublishedAction": {"name": "A", "pageId": "nowhere"}}]}`,
		`{"exportedApplication": {"name": "x"}, "pageList": "not a list"` + strings.Repeat(" ", 10),
		`{"exportedApplication": {"name": "x"}, "pageList": [{"unpublishedPage": {"name": "P", "layouts": [{"dsl": {"widgetName": "M", "k": 1e999999}}]}}]}`,
		`{"exportedApplication": {"name": "x"}, "pageList": [{"unpublishedPage": {"name": "P", "layouts": [{"dsl": {"widgetName": "M", "k": "` +
			strings.Repeat("x", MaxDocumentBytes) + `"}}]}}]}`,
	} {
		_, err := BuildExportImport(strings.NewReader(body))
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrBadInput) {
			t.Errorf("BuildExportImport(%.60q) = %v, want an *InputError", body, err)
		}
	}
	if _, err := BuildImport(nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("BuildImport(nil) = %v", err)
	}
}

// TestImportSharedExports: the real exports import and load back on every
// store.
func TestImportSharedExports(t *testing.T) {
	path := sharedPath(t, "testdata", "exported", "CommunityIssuesExport.json")
	forEach(t, func(t *testing.T, s Store) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		set, err := BuildExportImport(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(context.Background(), set); err != nil {
			t.Fatal(err)
		}
		docs, err := s.Load(context.Background(), set.AppID)
		if err != nil {
			t.Fatal(err)
		}
		if len(docs.Docs) != len(set.Docs) {
			t.Errorf("loaded %d of %d documents", len(docs.Docs), len(set.Docs))
		}
	})
}

func sharedPath(t *testing.T, parts ...string) string {
	t.Helper()
	p, err := shareddata.Path(parts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
