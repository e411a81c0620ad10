package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"
)

// MemoryOptions configure NewMemory.
type MemoryOptions struct {
	// Standalone plays a standalone MongoDB: no change streams (Watch
	// answers ErrNoStream; follow it with ChangedSince) and no
	// multi-document transactions (writes go through the journal).
	// Otherwise it plays a replica set: change streams with resume
	// tokens, one transaction per write.
	Standalone bool
	// OplogSize is how many changes a stream can resume across (default
	// 10,000); older tokens get ErrResumeLost.
	OplogSize int
	Logger    *slog.Logger
}

// Memory is the memory store: the documents in maps, for tests, playing a
// MongoDB replica set or a standalone server (see MemoryOptions). Beyond
// the Store interface it lets a test be another writer (Edit, Insert,
// Delete), break the open change streams (BreakStreams), crash in the
// middle of a journal write (CrashAfter) and start again on the same data
// (Reopen).
type Memory struct {
	d       *memData
	o       MemoryOptions
	log     *slog.Logger
	closed  atomic.Bool
	crashed atomic.Bool
	// steps left before a simulated crash, or a failure; < 0: none
	crashIn atomic.Int64
	failIn  atomic.Int64
	// journalPending: a journal write failed half-way in this process;
	// the next write settles it first.
	journalPending atomic.Bool
	writeMu        sync.Mutex // one journal write at a time, as one rts process would
}

// memData is the data a Memory holds and a Reopen keeps.
type memData struct {
	mu       sync.Mutex
	docs     map[Key]*memDoc
	clock    int64 // the last updatedAt handed out, in ms: strictly rising
	revs     int64
	oplog    []memOp
	first    int64 // seq of oplog[0]
	next     int64 // seq of the next change
	notify   chan struct{}
	breaks   int64 // BreakStreams calls: a stream opened before one fails
	journals map[string]*journal
	held     chan struct{} // while not nil, Watch waits for it to close
}

type memDoc struct {
	doc     Doc
	updated int64
}

type memOp struct {
	seq int64
	ch  Change
}

// NewMemory returns an empty memory store.
func NewMemory(o MemoryOptions) *Memory {
	if o.OplogSize <= 0 {
		o.OplogSize = 10000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	d := &memData{docs: map[Key]*memDoc{}, notify: make(chan struct{}), journals: map[string]*journal{}}
	m := &Memory{d: d, o: o, log: o.Logger.With("component", "store")}
	m.crashIn.Store(-1)
	m.failIn.Store(-1)
	return m
}

// Reopen is a new start of rts on the same data (after Close or a
// simulated crash): as a store on a standalone server does when it opens,
// it settles the journals left behind.
func (m *Memory) Reopen(ctx context.Context) (*Memory, Recovery, error) {
	n := &Memory{d: m.d, o: m.o, log: m.log}
	n.crashIn.Store(-1)
	n.failIn.Store(-1)
	var r Recovery
	var err error
	if m.o.Standalone {
		r, err = recoverJournals(ctx, n, n.log)
	}
	return n, r, err
}

// CrashAfter makes this store crash after n more steps of journal writes
// (saving the intent, each document, dropping the journal count one each):
// the step after them fails and every later call answers as a dead
// process would. Only a standalone store journals.
func (m *Memory) CrashAfter(n int) { m.crashIn.Store(int64(n)) }

// FailAfter makes the step after n more journal steps fail once, as a
// server that stops answering for a moment would; the store goes on.
func (m *Memory) FailAfter(n int) { m.failIn.Store(int64(n)) }

// Crashed says whether a planned crash happened.
func (m *Memory) Crashed() bool { return m.crashed.Load() }

// step counts one journal step towards a planned crash.
func (m *Memory) step() error {
	if m.crashed.Load() {
		return errCrashed
	}
	if m.failIn.Load() >= 0 && m.failIn.Add(-1) < 0 {
		return errors.New("store: the server stopped answering (simulated)")
	}
	if m.crashIn.Load() < 0 {
		return nil
	}
	if m.crashIn.Add(-1) < 0 {
		m.crashed.Store(true)
		return errCrashed
	}
	return nil
}

func (m *Memory) alive() error {
	if m.closed.Load() {
		return ErrClosed
	}
	if m.crashed.Load() {
		return errCrashed
	}
	return nil
}

func (m *Memory) Info() Info {
	i := Info{Kind: "memory", Where: "replica set", Atomic: "transaction"}
	if m.o.Standalone {
		i.Where, i.Atomic = "standalone", "journal"
	}
	return i
}

func (m *Memory) Close(context.Context) error {
	m.closed.Store(true)
	m.d.mu.Lock()
	m.d.wake()
	m.d.mu.Unlock()
	return nil
}

// tick is the next updatedAt: now, or 1 ms after the last one.
func (d *memData) tick() time.Time {
	ms := max(time.Now().UnixMilli(), d.clock+1)
	d.clock = ms
	return time.UnixMilli(ms)
}

func (d *memData) newRev() Rev {
	d.revs++
	return Rev("r" + strconv.FormatInt(d.revs, 10))
}

// wake tells waiting streams something happened; d.mu is held.
func (d *memData) wake() {
	close(d.notify)
	d.notify = make(chan struct{})
}

// logChange appends to the oplog; d.mu is held.
func (d *memData) logChange(k Key, doc *Doc, size int) {
	c := Change{Key: k}
	if doc != nil {
		cp := *doc
		c.Doc, c.AppID = &cp, cp.AppID
	}
	d.oplog = append(d.oplog, memOp{seq: d.next, ch: c})
	d.next++
	if over := len(d.oplog) - size; over > 0 {
		d.oplog = slices.Delete(d.oplog, 0, over)
	}
	if len(d.oplog) > 0 {
		d.first = d.oplog[0].seq
	} else {
		d.first = d.next
	}
	d.wake()
}

// set stores a document's new text; d.mu is held.
func (d *memData) set(k Key, text string, rev Rev, at time.Time, oplog int) Doc {
	if text == "" {
		delete(d.docs, k)
		d.logChange(k, nil, oplog)
		return Doc{Key: k}
	}
	doc := Doc{Key: k, Rev: rev, AppID: appIDOf(k, text), Text: text}
	d.docs[k] = &memDoc{doc: doc, updated: at.UnixMilli()}
	d.logChange(k, &doc, oplog)
	return doc
}

func (m *Memory) List(context.Context) ([]AppInfo, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	var out []AppInfo
	for k, d := range m.d.docs {
		if k.Coll == CollApplication {
			if a, ok := appInfo(k.ID, d.doc.Text); ok {
				out = append(out, a)
			}
		}
	}
	sortApps(out)
	return out, nil
}

// settlePending settles a journal write of this store that failed
// half-way; writeMu is held.
func (m *Memory) settlePending(ctx context.Context) error {
	if !m.journalPending.Load() {
		return nil
	}
	if _, err := recoverJournals(ctx, m, m.log); err != nil {
		return err
	}
	m.journalPending.Store(false)
	return nil
}

func (m *Memory) Load(ctx context.Context, appID string) (*AppDocs, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	m.writeMu.Lock()
	err := m.settlePending(ctx)
	m.writeMu.Unlock()
	if err != nil {
		return nil, err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	app := m.d.docs[Key{CollApplication, appID}]
	if app == nil {
		return nil, fmt.Errorf("%w: application %q", ErrNotFound, appID)
	}
	out := &AppDocs{Application: app.doc}
	for k, d := range m.d.docs {
		if d.doc.AppID == appID && k.Coll != CollApplication && k.Coll != CollLibrary {
			out.Docs = append(out.Docs, d.doc)
		}
	}
	slices.SortFunc(out.Docs, func(a, b Doc) int {
		if c := slices.Index(AppCollections, a.Key.Coll) - slices.Index(AppCollections, b.Key.Coll); c != 0 {
			return c
		}
		return strings.Compare(a.Key.ID, b.Key.ID)
	})
	out.Libraries = m.d.libraries(libraryUIDs(app.doc.Text))
	return out, nil
}

// libraries finds libraries by uid; d.mu is held.
func (d *memData) libraries(uids []string) []Doc {
	var out []Doc
	for _, u := range uids {
		var found []Doc
		for k, doc := range d.docs {
			if k.Coll == CollLibrary && gjson.Get(doc.doc.Text, "uidString").Str == u {
				found = append(found, doc.doc)
			}
		}
		slices.SortFunc(found, func(a, b Doc) int { return strings.Compare(a.Key.ID, b.Key.ID) })
		out = append(out, found...)
	}
	return out
}

func (m *Memory) Get(ctx context.Context, keys []Key) ([]Doc, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	return m.get(ctx, keys)
}

func (m *Memory) get(_ context.Context, keys []Key) ([]Doc, error) {
	if m.crashed.Load() {
		return nil, errCrashed
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	out := make([]Doc, len(keys))
	for i, k := range keys {
		if d := m.d.docs[k]; d != nil {
			out[i] = d.doc
		} else {
			out[i] = Doc{Key: k}
		}
	}
	return out, nil
}

func (m *Memory) Libraries(_ context.Context, uids []string) ([]Doc, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	return m.d.libraries(uids), nil
}

func (m *Memory) Write(ctx context.Context, puts []Put) ([]Doc, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	for _, p := range puts {
		if err := checkSize(p.Key, p.Text); err != nil {
			return nil, err
		}
	}
	if m.o.Standalone {
		m.writeMu.Lock()
		defer m.writeMu.Unlock()
		if err := m.settlePending(ctx); err != nil {
			return nil, err
		}
		docs, err := journalWrite(ctx, m, puts, m.log)
		var ce *ConflictError
		if err != nil && !errors.As(err, &ce) {
			m.journalPending.Store(true)
		}
		return docs, err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	ce := &ConflictError{}
	for _, p := range puts {
		cur := m.d.docs[p.Key]
		if cur == nil && p.Rev != "" || cur != nil && cur.doc.Rev != p.Rev {
			d := Doc{Key: p.Key}
			if cur != nil {
				d = cur.doc
			}
			ce.Changed = append(ce.Changed, d)
		}
	}
	if len(ce.Changed) > 0 {
		return nil, ce
	}
	at := m.d.tick()
	out := make([]Doc, len(puts))
	date := relaxedDate(at)
	for i, p := range puts {
		out[i] = m.d.set(p.Key, setUpdatedAt(p.Text, date), m.d.newRev(), at, m.o.OplogSize)
	}
	return out, nil
}

func (m *Memory) Import(_ context.Context, set *ImportSet) (string, error) {
	if err := m.alive(); err != nil {
		return "", err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	docs := append(append(append([]Doc(nil), set.Docs...), set.Libraries...), set.Application)
	for _, d := range docs {
		if m.d.docs[d.Key] != nil {
			return "", &InputError{Err: fmt.Errorf("%s exists already", d.Key)}
		}
	}
	for _, d := range docs {
		at := dateOf(gjson.Get(d.Text, fieldUpdatedAt))
		m.d.set(d.Key, d.Text, m.d.newRev(), at, m.o.OplogSize)
	}
	return set.AppID, nil
}

func (m *Memory) ChangedSince(_ context.Context, since time.Time) ([]Doc, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	var out []Doc
	for k, d := range m.d.docs {
		if k.Coll != CollLibrary && d.updated >= since.UnixMilli() {
			out = append(out, d.doc)
		}
	}
	slices.SortFunc(out, func(a, b Doc) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	return out, nil
}

// --- change streams ---

func (m *Memory) Watch(ctx context.Context, after Token) (Stream, error) {
	if err := m.alive(); err != nil {
		return nil, err
	}
	if m.o.Standalone {
		return nil, ErrNoStream
	}
	m.d.mu.Lock()
	for m.d.held != nil {
		held := m.d.held
		m.d.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-held:
		}
		m.d.mu.Lock()
	}
	defer m.d.mu.Unlock()
	s := &memStream{m: m, pos: m.d.next, breaks: m.d.breaks}
	s.last = Token(strconv.FormatInt(s.pos, 10))
	if after != nil {
		pos, err := strconv.ParseInt(string(after), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("store: not a resume token: %q", after)
		}
		if pos < m.d.first {
			return nil, ErrResumeLost
		}
		s.pos, s.last = pos, after
	}
	return s, nil
}

// BreakStreams makes every open change stream fail, as a dropped
// connection would: a follower reopens it after its token.
func (m *Memory) BreakStreams() {
	m.d.mu.Lock()
	m.d.breaks++
	m.d.wake()
	m.d.mu.Unlock()
}

// HoldStreams makes Watch wait until release is called: with
// BreakStreams, a test makes changes that no stream sees as they happen.
func (m *Memory) HoldStreams() (release func()) {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	if m.d.held == nil {
		m.d.held = make(chan struct{})
	}
	held := m.d.held
	return func() {
		m.d.mu.Lock()
		defer m.d.mu.Unlock()
		if m.d.held == held {
			close(held)
			m.d.held = nil
		}
	}
}

type memStream struct {
	m      *Memory
	pos    int64 // seq of the next change to return
	breaks int64
	last   Token
}

var errStreamBroken = errors.New("store: change stream broken (simulated)")

func (s *memStream) Next(ctx context.Context) (Change, error) {
	d := s.m.d
	for {
		if err := s.m.alive(); err != nil {
			return Change{}, err
		}
		d.mu.Lock()
		switch {
		case d.breaks != s.breaks:
			d.mu.Unlock()
			return Change{}, errStreamBroken
		case s.pos < d.first:
			d.mu.Unlock()
			return Change{}, ErrResumeLost
		case s.pos < d.next:
			op := d.oplog[s.pos-d.first]
			s.pos++
			s.last = Token(strconv.FormatInt(s.pos, 10))
			d.mu.Unlock()
			return op.ch, nil
		}
		wait := d.notify
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return Change{}, ctx.Err()
		case <-wait:
		}
	}
}

func (s *memStream) Token() Token { return s.last }
func (s *memStream) Close()       {}

// --- another writer ---

// Edit changes a document as Appsmith's server would: the text replaced,
// updatedAt bumped, a new revision.
func (m *Memory) Edit(k Key, edit func(text string) string) (Doc, error) {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	cur := m.d.docs[k]
	if cur == nil {
		return Doc{}, fmt.Errorf("%w: %s", ErrNotFound, k)
	}
	at := m.d.tick()
	return m.d.set(k, setUpdatedAt(edit(cur.doc.Text), relaxedDate(at)), m.d.newRev(), at, m.o.OplogSize), nil
}

// Insert adds a document as another writer would.
func (m *Memory) Insert(k Key, text string) Doc {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	at := m.d.tick()
	return m.d.set(k, setUpdatedAt(text, relaxedDate(at)), m.d.newRev(), at, m.o.OplogSize)
}

// Delete removes a document as another writer would.
func (m *Memory) Delete(k Key) {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	if m.d.docs[k] != nil {
		m.d.set(k, "", "", time.Time{}, m.o.OplogSize)
	}
}

// --- single-document writes, for the journal ---

func (m *Memory) replace(_ context.Context, k Key, rev Rev, _, text string, next Rev, at time.Time) (bool, error) {
	if err := m.step(); err != nil {
		return false, err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	cur := m.d.docs[k]
	if cur == nil && rev != "" || cur != nil && cur.doc.Rev != rev {
		return false, nil
	}
	if text != "" {
		text = setUpdatedAt(text, relaxedDate(at))
	}
	m.d.set(k, text, next, at, m.o.OplogSize)
	return true, nil
}

func (m *Memory) nextRev(rev Rev, at time.Time) Rev {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s@%d", rev, at.UnixNano())
	return Rev(fmt.Sprintf("j%x", h.Sum64()))
}

func (m *Memory) saveJournal(_ context.Context, j *journal) error {
	if err := m.step(); err != nil {
		return err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	cp := *j
	cp.Docs = slices.Clone(j.Docs)
	m.d.journals[j.ID] = &cp
	return nil
}

func (m *Memory) dropJournal(_ context.Context, id string) error {
	if err := m.step(); err != nil {
		return err
	}
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	delete(m.d.journals, id)
	return nil
}

func (m *Memory) journals(context.Context) ([]*journal, error) {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	var out []*journal
	for _, j := range m.d.journals {
		cp := *j
		cp.Docs = slices.Clone(j.Docs)
		out = append(out, &cp)
	}
	slices.SortFunc(out, func(a, b *journal) int { return a.At.Compare(b.At) })
	return out, nil
}

// Journals counts the journals waiting to be settled.
func (m *Memory) Journals() int {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	return len(m.d.journals)
}
