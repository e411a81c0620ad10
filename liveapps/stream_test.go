package liveapps

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/store"
)

// streamer hands a memory store's documents over one at a time, as the
// embedded store does, with the text of the document bad broken, or
// failing once it has handed over failAfter documents (0: never).
type streamer struct {
	*store.Memory
	bad       string
	failAfter int
}

func (s streamer) LoadEach(ctx context.Context, appID string, each func(store.Doc)) error {
	docs, err := s.Load(ctx, appID)
	if err != nil {
		return err
	}
	all := append(append([]store.Doc{docs.Application}, docs.Docs...), docs.Libraries...)
	for i, d := range all {
		if s.failAfter > 0 && i == s.failAfter {
			return errors.New("the disk is on fire")
		}
		if d.Key.ID == s.bad {
			d.Text = `{"unpublishedPage":`
		}
		each(d)
	}
	return nil
}

// TestStreamedLoad: an app read from a store that hands its documents over
// while it reads them (parsed meanwhile) has the graph it has when read
// all at once; a document that does not parse makes the app unreadable,
// and a store that fails midway fails the request, its parsers stopped.
func TestStreamedLoad(t *testing.T) {
	ctx := context.Background()
	apps := []*appmodel.App{tinyApp(t)}
	if p, err := shareddata.Path("testdata", "apps", "rm"); err == nil {
		app, err := appmodel.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, app)
	}
	for _, app := range apps {
		mem := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
		whole, _ := openRoom(t, mem)
		id, err := whole.Import(ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		want, err := whole.GraphJSON(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		streamed, _ := openRoom(t, streamer{Memory: mem})
		if got, err := streamed.GraphJSON(ctx, id, ""); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s streamed: %v\n%s\nwant\n%s", app.Name, err, got, want)
		}
		// The embedded store streams for real.
		sq := sqliteStore(t, t.TempDir())
		embedded, _ := openRoom(t, sq)
		sid, err := embedded.Import(ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := openRoom(t, sq)
		if got, err := again.GraphJSON(ctx, sid, ""); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s from the embedded store: %v\n%s\nwant\n%s", app.Name, err, got, want)
		}

		docs, err := mem.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		broken, _ := openRoom(t, streamer{Memory: mem, bad: docs.Docs[0].Key.ID})
		if _, err := broken.GraphJSON(ctx, id, ""); !errors.Is(err, ErrUnreadable) {
			t.Fatalf("%s with a broken document: %v, want ErrUnreadable", app.Name, err)
		}
		failing, _ := openRoom(t, streamer{Memory: mem, failAfter: 2})
		if _, err := failing.GraphJSON(ctx, id, ""); err == nil || errors.Is(err, ErrUnreadable) {
			t.Fatalf("%s from a failing store: %v, want the store's error", app.Name, err)
		}
	}
}
