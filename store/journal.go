package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// A server without multi-document transactions (a standalone MongoDB, or
// the memory store playing one) writes each document on its own, guarded
// by its revision. The journal makes such a write all-or-nothing across a
// crash of rts:
//
//  1. every document is read and compared with the revision the write was
//     planned on: one that moved fails the write, nothing written;
//  2. the intent is written: for every document its revision before and
//     the one it will have after, its text before and after (one journal
//     document per document, then a header naming how many: a journal
//     without its header never started);
//  3. the documents are written one by one, each guarded by its revision;
//  4. the header and its entries are deleted.
//
// A document found moved at step 3 (another writer got in between) undoes
// what was written and fails the write with *ConflictError. A crash leaves
// the journal; the next start (and any later write, after a server that
// stopped answering) finishes it: when every document is at its revision
// before or after, the rest are written; when one is at neither (someone
// wrote it since), the ones written are put back. Either way the app ends
// fully renamed or untouched — even when the dead process's last write
// reaches the server after the restart (see settle).
//
// The journal assumes one rts writes a standalone server: a starting rts
// settles every journal it finds. Several rts nodes on one MongoDB need a
// replica set, whose transactions they use instead.

// casServer is a document server with single-document compare-and-set
// and somewhere to keep the journal.
type casServer interface {
	get(ctx context.Context, keys []Key) ([]Doc, error)
	// replace writes text over the document if it is still at rev, giving
	// it revision next; ok is false when the document moved. old is the
	// text at rev. Rev "" means the document must not exist (an insert),
	// text "" deletes it.
	replace(ctx context.Context, k Key, rev Rev, old, text string, next Rev, at time.Time) (ok bool, err error)
	// nextRev is the revision replace gives a document at rev when
	// written at the given time.
	nextRev(rev Rev, at time.Time) Rev
	saveJournal(ctx context.Context, j *journal) error
	dropJournal(ctx context.Context, id string) error
	journals(ctx context.Context) ([]*journal, error)
}

// journal is one guarded write's intent.
type journal struct {
	ID   string
	At   time.Time
	Docs []journalDoc
}

type journalDoc struct {
	Key           Key
	Before, After Rev
	Old, Text     string
}

// journalWrite writes puts through the journal; see above.
func journalWrite(ctx context.Context, srv casServer, puts []Put, log *slog.Logger) ([]Doc, error) {
	keys := make([]Key, len(puts))
	for i, p := range puts {
		keys[i] = p.Key
	}
	cur, err := srv.get(ctx, keys)
	if err != nil {
		return nil, err
	}
	ce := &ConflictError{}
	for i, p := range puts {
		if cur[i].Rev != p.Rev {
			ce.Changed = append(ce.Changed, cur[i])
		}
	}
	if len(ce.Changed) > 0 {
		return nil, ce
	}
	at := time.Now()
	// The random part keeps IDs apart when two writers (two processes on
	// one database too) start a journal in the same nanosecond.
	j := &journal{ID: fmt.Sprintf("%x-%016x", at.UnixNano(), rand.Uint64()), At: at}
	for _, p := range puts {
		j.Docs = append(j.Docs, journalDoc{Key: p.Key, Before: p.Rev, After: srv.nextRev(p.Rev, at), Old: p.Old, Text: p.Text})
	}
	if err := srv.saveJournal(ctx, j); err != nil {
		return nil, err
	}
	// From here on the write runs to its end whoever gave up waiting for
	// it (each step still has its own time limit): a request cancelled
	// half-way would leave the documents half-written until the journal
	// is settled.
	ctx = context.WithoutCancel(ctx)
	for i, d := range j.Docs {
		ok, err := srv.replace(ctx, d.Key, d.Before, d.Old, d.Text, d.After, at)
		if err != nil {
			// The journal stays: the next write or start settles it.
			return nil, err
		}
		if !ok {
			if err := undo(ctx, srv, j.Docs[:i]); err != nil {
				return nil, err
			}
			if err := srv.dropJournal(ctx, j.ID); err != nil {
				return nil, err
			}
			now, err := srv.get(ctx, []Key{d.Key})
			if err != nil {
				return nil, err
			}
			return nil, &ConflictError{Changed: now}
		}
	}
	if err := srv.dropJournal(ctx, j.ID); err != nil {
		return nil, err
	}
	return srv.get(ctx, keys)
}

// undo puts back documents written at their After revision. One that has
// moved since keeps what its writer wrote.
func undo(ctx context.Context, srv casServer, docs []journalDoc) error {
	at := time.Now()
	for _, d := range docs {
		if _, err := srv.replace(ctx, d.Key, d.After, d.Text, d.Old, srv.nextRev(d.After, at), at); err != nil {
			return err
		}
	}
	return nil
}

// Recovery is what settling the journals did.
type Recovery struct {
	Finished, Undone int // journals
	Documents        int // documents written while settling
}

// recoverJournals settles every journal left by a crash; see above.
func recoverJournals(ctx context.Context, srv casServer, log *slog.Logger) (Recovery, error) {
	var r Recovery
	js, err := srv.journals(ctx)
	if err != nil {
		return r, err
	}
	for _, j := range js {
		finished, n, err := settle(ctx, srv, j)
		if err != nil {
			return r, err
		}
		r.Documents += n
		if finished {
			r.Finished++
			log.Info("interrupted write finished from the journal", "journal", j.ID, "documents", len(j.Docs), "writtenNow", n)
		} else {
			r.Undone++
			log.Info("interrupted write undone from the journal: another writer changed one of its documents since",
				"journal", j.ID, "documents", len(j.Docs), "putBack", n)
		}
		if err := srv.dropJournal(ctx, j.ID); err != nil {
			return r, err
		}
	}
	return r, nil
}

// settle finishes or undoes one journal. The process that wrote it may
// have died with a write still on its way to the server, which the server
// carries out whenever it gets it: a document may move from its revision
// before to its revision after while this runs. Finishing is unharmed
// (both write the same state; the guard lets one through). Undoing
// therefore also moves every document still at its revision before to a
// fresh one, so that such a write finds it moved and does nothing; any
// guard that fails means something moved, and the journal is looked at
// again.
func settle(ctx context.Context, srv casServer, j *journal) (finished bool, written int, err error) {
	keys := make([]Key, len(j.Docs))
	for i, d := range j.Docs {
		if d.Key.Coll == "" {
			// The header landed without all its entries: its writes never
			// started (they wait for the header to be saved).
			return true, 0, nil
		}
		keys[i] = d.Key
	}
	for attempt := 0; attempt < 100; attempt++ {
		cur, err := srv.get(ctx, keys)
		if err != nil {
			return false, written, err
		}
		var before, after []journalDoc
		other := false
		for i, d := range j.Docs {
			switch cur[i].Rev {
			case d.Before:
				before = append(before, d)
			case d.After:
				after = append(after, d)
			default:
				other = true
			}
		}
		moved := false
		if !other {
			for _, d := range before {
				ok, err := srv.replace(ctx, d.Key, d.Before, d.Old, d.Text, d.After, j.At)
				if err != nil {
					return false, written, err
				}
				if !ok {
					moved = true
					break
				}
				written++
			}
			if !moved {
				return true, written, nil
			}
			continue
		}
		at := time.Now()
		for _, d := range after {
			ok, err := srv.replace(ctx, d.Key, d.After, d.Text, d.Old, srv.nextRev(d.After, at), at)
			if err != nil {
				return false, written, err
			}
			moved = moved || !ok
			written++
		}
		for _, d := range before {
			if d.Before == "" {
				continue // nothing to fence: the document does not exist
			}
			ok, err := srv.replace(ctx, d.Key, d.Before, d.Old, d.Old, srv.nextRev(d.Before, at), at)
			if err != nil {
				return false, written, err
			}
			moved = moved || !ok
		}
		if !moved {
			return false, written, nil
		}
	}
	return false, written, fmt.Errorf("store: journal %s: its documents keep moving; settled next time", j.ID)
}

// errCrashed is what a memory store answers after a simulated crash.
var errCrashed = errors.New("store: crashed (simulated)")
