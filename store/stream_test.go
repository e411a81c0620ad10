package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// next reads one change, with a hang guard.
func next(t *testing.T, s Stream) (Change, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.Next(ctx)
}

// TestMemoryStreamResume: the memory store as a replica set streams other
// writers' changes (and deletes); a stream that breaks resumes after its
// token without losing what happened meanwhile; a token older than the
// log is refused with ErrResumeLost.
func TestMemoryStreamResume(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(MemoryOptions{OplogSize: 4, Logger: testLogger(t)})
	set := tinySet(t)
	if _, err := m.Import(ctx, set); err != nil {
		t.Fatal(err)
	}
	docs, _ := m.Load(ctx, set.AppID)
	st, err := m.Watch(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	page := docs.Docs[0]
	mark := func(n string) func(string) string {
		return func(s string) string { return strings.Replace(s, `"unpublished`, `"edit":"`+n+`","unpublished`, 1) }
	}
	m.Edit(page.Key, mark("1"))
	c, err := next(t, st)
	if err != nil || c.Key != page.Key || c.Doc == nil || !strings.Contains(c.Doc.Text, `"edit":"1"`) || c.AppID != set.AppID {
		t.Fatalf("first change: %+v %v", c, err)
	}
	tok := st.Token()

	m.BreakStreams()
	if _, err := next(t, st); err == nil {
		t.Fatal("a broken stream went on")
	}
	m.Edit(page.Key, mark("2"))
	m.Delete(docs.Docs[1].Key)
	st, err = m.Watch(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	c, err = next(t, st)
	if err != nil || !strings.Contains(c.Doc.Text, `"edit":"2"`) {
		t.Fatalf("after resuming: %+v %v", c, err)
	}
	c, err = next(t, st)
	if err != nil || c.Key != docs.Docs[1].Key || c.Doc != nil {
		t.Fatalf("the delete: %+v %v", c, err)
	}
	tok = st.Token()

	// More changes than the log keeps, then resume from before them.
	for i := range 6 {
		m.Edit(page.Key, mark(string(rune('a'+i))))
	}
	if _, err := m.Watch(ctx, tok); !errors.Is(err, ErrResumeLost) {
		t.Errorf("resume across a gap: %v", err)
	}
	// A stream that was open across the gap finds out on its next read.
	if _, err := next(t, st); !errors.Is(err, ErrResumeLost) {
		t.Errorf("an open stream across a gap: %v", err)
	}
}

// TestMemoryWritesStream: rts's own writes show in the stream too (as they
// do in MongoDB's): a follower recognises them by their revision.
func TestMemoryWritesStream(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(MemoryOptions{Logger: testLogger(t)})
	set := tinySet(t)
	m.Import(ctx, set)
	docs, _ := m.Load(ctx, set.AppID)
	st, _ := m.Watch(ctx, nil)
	d := docs.Docs[0]
	w, err := m.Write(ctx, []Put{{Key: d.Key, Rev: d.Rev, Old: d.Text, Text: strings.Replace(d.Text, `"unpublished`, `"x":1,"unpublished`, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := next(t, st)
	if err != nil || c.Doc == nil || c.Doc.Rev != w[0].Rev {
		t.Errorf("own write in the stream: %+v %v", c, err)
	}
}
