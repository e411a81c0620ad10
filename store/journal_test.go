package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// crashing is a casServer that dies after a number of journal steps
// (saving the intent, writing a document, dropping the journal): the step
// after them and everything later fail, as calls of a killed process
// never happen.
type crashing struct {
	casServer
	left int
	// before runs before each step, with its number (from 0).
	before func(step int)
	step   int
}

var errKilled = errors.New("killed")

func (c *crashing) tick() error {
	if c.before != nil {
		c.before(c.step)
	}
	c.step++
	if c.left == 0 {
		return errKilled
	}
	c.left--
	return nil
}

func (c *crashing) replace(ctx context.Context, k Key, rev Rev, old, text string, next Rev, at time.Time) (bool, error) {
	if err := c.tick(); err != nil {
		return false, err
	}
	return c.casServer.replace(ctx, k, rev, old, text, next, at)
}

func (c *crashing) saveJournal(ctx context.Context, j *journal) error {
	if err := c.tick(); err != nil {
		return err
	}
	return c.casServer.saveJournal(ctx, j)
}

func (c *crashing) dropJournal(ctx context.Context, id string) error {
	if err := c.tick(); err != nil {
		return err
	}
	return c.casServer.dropJournal(ctx, id)
}

// journaled are the stores that write through the journal: the memory
// store as a standalone server, and MongoDB on FerretDB (no
// transactions). reopen is a new start of rts on the same data.
type journaled struct {
	name   string
	open   func(t *testing.T) (Store, casServer)
	reopen func(t *testing.T, s Store) Store
}

func journaledStores() []journaled {
	return []journaled{
		{"memory-standalone",
			func(t *testing.T) (Store, casServer) {
				m := NewMemory(MemoryOptions{Standalone: true, Logger: testLogger(t)})
				return m, m
			},
			func(t *testing.T, s Store) Store {
				m, _, err := s.(*Memory).Reopen(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				return m
			}},
		{"mongodb",
			func(t *testing.T) (Store, casServer) {
				m, err := OpenMongo(context.Background(), MongoOptions{URI: testURI, Database: testDB(t), Logger: testLogger(t), SelectTimeout: testSelectTimeout})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { m.Close(context.Background()) })
				return m, m
			},
			func(t *testing.T, s Store) Store {
				m, err := OpenMongo(context.Background(), MongoOptions{URI: testURI, Database: s.(*Mongo).Database(), Logger: testLogger(t), SelectTimeout: testSelectTimeout})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { m.Close(context.Background()) })
				// OpenMongo settles the journal on first contact.
				if _, err := m.List(context.Background()); err != nil {
					t.Fatal(err)
				}
				return m
			}},
	}
}

// threePuts marks three documents of the tiny app.
func threePuts(docs *AppDocs, marker string) []Put {
	var puts []Put
	for _, d := range docs.Docs[:3] {
		puts = append(puts, Put{Key: d.Key, Rev: d.Rev, Old: d.Text,
			Text: strings.Replace(d.Text, `"unpublished`, `"rtsMark":"`+marker+`","unpublished`, 1)})
	}
	return puts
}

func marked(t *testing.T, s Store, puts []Put, marker string) int {
	t.Helper()
	keys := make([]Key, len(puts))
	for i, p := range puts {
		keys[i] = p.Key
	}
	docs, err := s.Get(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		if gjson.Get(d.Text, "rtsMark").Str == marker {
			n++
		}
	}
	return n
}

// TestJournalCrashAtEveryStep kills a three-document journal write after
// each of its steps and starts again: every time the documents end all
// written or all untouched, and no journal is left. Killed before its
// intent was saved, the write never happened; after, it is finished.
func TestJournalCrashAtEveryStep(t *testing.T) {
	for _, js := range journaledStores() {
		t.Run(js.name, func(t *testing.T) {
			const steps = 5 // save, three documents, drop
			for k := 0; k <= steps; k++ {
				s, srv := js.open(t)
				set := tinySet(t)
				if _, err := s.Import(context.Background(), set); err != nil {
					t.Fatal(err)
				}
				docs, err := s.Load(context.Background(), set.AppID)
				if err != nil {
					t.Fatal(err)
				}
				puts := threePuts(docs, "renamed")
				_, err = journalWrite(context.Background(), &crashing{casServer: srv, left: k}, puts, testLogger(t))
				if k < steps && !errors.Is(err, errKilled) || k == steps && err != nil {
					t.Fatalf("killed after %d steps: %v", k, err)
				}
				after := js.reopen(t, s)
				n := marked(t, after, puts, "renamed")
				want := 3
				if k == 0 {
					want = 0
				}
				if n != want {
					t.Errorf("killed after %d steps: %d of 3 documents written after the restart, want %d", k, n, want)
				}
				if left, _ := after.(casServer).journals(context.Background()); len(left) != 0 {
					t.Errorf("killed after %d steps: %d journals left", k, len(left))
				}
			}
		})
	}
}

// TestJournalUndoneWhenAnotherWroteSince: killed after writing one
// document; before the restart another writer changes a document the
// write had not reached. The restart cannot finish without overwriting
// that change, so it puts the first document back: untouched, and the
// other writer's change kept.
func TestJournalUndoneWhenAnotherWroteSince(t *testing.T) {
	for _, js := range journaledStores() {
		t.Run(js.name, func(t *testing.T) {
			ctx := context.Background()
			s, srv := js.open(t)
			set := tinySet(t)
			if _, err := s.Import(ctx, set); err != nil {
				t.Fatal(err)
			}
			docs, _ := s.Load(ctx, set.AppID)
			puts := threePuts(docs, "renamed")
			if _, err := journalWrite(ctx, &crashing{casServer: srv, left: 2}, puts, testLogger(t)); !errors.Is(err, errKilled) {
				t.Fatal(err)
			}
			// Another writer: a plain guarded write of the third document.
			third := docs.Docs[2]
			other := strings.Replace(third.Text, `"unpublished`, `"otherWriter":true,"unpublished`, 1)
			if _, err := s.Write(ctx, []Put{{Key: third.Key, Rev: third.Rev, Old: third.Text, Text: other}}); err != nil {
				t.Fatal(err)
			}
			after := js.reopen(t, s)
			if n := marked(t, after, puts, "renamed"); n != 0 {
				t.Errorf("%d documents left written", n)
			}
			got, _ := after.Get(ctx, []Key{third.Key})
			if !strings.Contains(got[0].Text, `"otherWriter":true`) {
				t.Error("the other writer's change was lost")
			}
		})
	}
}

// TestJournalConflictMidWrite: another writer changes the second document
// after the check, while the first is being written: the write fails with
// *ConflictError naming it, the first document is put back, the other
// writer's change stays, and no journal is left.
func TestJournalConflictMidWrite(t *testing.T) {
	for _, js := range journaledStores() {
		t.Run(js.name, func(t *testing.T) {
			ctx := context.Background()
			s, srv := js.open(t)
			set := tinySet(t)
			if _, err := s.Import(ctx, set); err != nil {
				t.Fatal(err)
			}
			docs, _ := s.Load(ctx, set.AppID)
			puts := threePuts(docs, "renamed")
			second := docs.Docs[1]
			c := &crashing{casServer: srv, left: -1, before: func(step int) {
				if step == 2 { // the second document's write
					other := strings.Replace(second.Text, `"unpublished`, `"otherWriter":true,"unpublished`, 1)
					if _, err := srv.replace(ctx, second.Key, second.Rev, second.Text, other, srv.nextRev(second.Rev, time.Now()), time.Now()); err != nil {
						t.Error(err)
					}
				}
			}}
			_, err := journalWrite(ctx, c, puts, testLogger(t))
			var ce *ConflictError
			if !errors.As(err, &ce) || len(ce.Changed) != 1 || ce.Changed[0].Key != second.Key {
				t.Fatalf("err = %v", err)
			}
			if n := marked(t, s, puts, "renamed"); n != 0 {
				t.Errorf("%d documents left written", n)
			}
			got, _ := s.Get(ctx, []Key{second.Key})
			if !strings.Contains(got[0].Text, `"otherWriter":true`) {
				t.Error("the other writer's change was lost")
			}
			if left, _ := srv.journals(ctx); len(left) != 0 {
				t.Errorf("%d journals left", len(left))
			}
		})
	}
}

// TestMemoryCrashAndReopen: the memory store's own crash switch, as the
// live-apps tests use it: a write killed half-way leaves the store dead,
// and Reopen finishes the write.
func TestMemoryCrashAndReopen(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(MemoryOptions{Standalone: true, Logger: testLogger(t)})
	set := tinySet(t)
	if _, err := m.Import(ctx, set); err != nil {
		t.Fatal(err)
	}
	docs, _ := m.Load(ctx, set.AppID)
	puts := threePuts(docs, "renamed")
	m.CrashAfter(2)
	if _, err := m.Write(ctx, puts); err == nil || !m.Crashed() {
		t.Fatalf("Write = %v, crashed %v", err, m.Crashed())
	}
	if _, err := m.List(ctx); err == nil {
		t.Error("a crashed store still answers")
	}
	if m.Journals() != 1 {
		t.Errorf("%d journals after the crash", m.Journals())
	}
	again, r, err := m.Reopen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Finished != 1 || again.Journals() != 0 || marked(t, again, puts, "renamed") != 3 {
		t.Errorf("recovery %+v, %d journals, %d written", r, again.Journals(), marked(t, again, puts, "renamed"))
	}
}
