package liveapps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/appsmith-rts/rts/store"
)

// Following what others write to the loaded apps. The embedded store has
// no other writer: nothing runs. A store with change streams is followed
// by one; when the stream breaks it is reopened after the last change seen
// (resume token), and when the server no longer has that point (a gap)
// every loaded app is compared with the store in full. A store without
// change streams is polled: every PollInterval the documents whose
// updatedAt moved since the last poll (an indexed query), and every
// CompareEvery a full comparison, which also finds documents deleted
// outright.

// pollOverlap re-reads the last moments of each poll: a write whose
// updatedAt was taken just before the previous poll's query may commit
// after it. Documents already seen at their revision cost a comparison.
const pollOverlap = 2 * time.Second

func (r *Room) follow(ctx context.Context) {
	var token store.Token
	compare := false
	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(r.o.PollInterval):
			return true
		}
	}
	for ctx.Err() == nil {
		st, err := r.st.Watch(ctx, token)
		switch {
		case errors.Is(err, store.ErrOnlyWriter):
			r.setMode("none", "")
			return
		case errors.Is(err, store.ErrNoStream):
			r.setMode("polling", err.Error())
			r.poll(ctx)
			return
		case errors.Is(err, store.ErrResumeLost):
			token = nil
			r.log.Info("change stream cannot resume after a gap: comparing every loaded app")
			compare = true
			continue
		case err != nil:
			if ctx.Err() == nil && !errors.Is(err, store.ErrUnavailable) {
				r.log.Warn("change stream did not open; trying again", "err", err)
			}
			if !wait() {
				return
			}
			continue
		}
		r.setMode("change-stream", "")
		if compare {
			// After the fresh stream opened: nothing between is missed.
			compare = false
			r.compareAll(ctx, "compare")
		}
		for {
			c, err := st.Next(ctx)
			if err != nil {
				if t := st.Token(); t != nil {
					token = t
				}
				st.Close()
				if ctx.Err() != nil {
					return
				}
				if errors.Is(err, store.ErrResumeLost) {
					token = nil
					compare = true
					r.log.Info("change stream lost its place: comparing every loaded app")
				} else {
					r.log.Info("change stream broke; reopening after the last change seen", "err", err)
					// Without a place to resume from, what happens until
					// it reopens is found by comparing.
					compare = compare || token == nil
					if !wait() {
						return
					}
				}
				break
			}
			token = st.Token()
			r.takeChange(ctx, c, "stream")
		}
	}
}

// awaitTimeout bounds how long the feed may take to show a revision the
// room took in directly: past it the document is read again.
const awaitTimeout = 30 * time.Second

// await notes that a took d in from elsewhere than the feed, while there
// is a feed; a.mu is held. The feed is in commit order, so until it shows
// d's revision, what it says of the document is older than d: applied, it
// would undo d for a while (a rename's own write, say, until the feed
// catches up with it).
func (r *Room) await(a *appState, d store.Doc) {
	if m := r.Mode(); m != "change-stream" && m != "polling" {
		return
	}
	if a.awaiting == nil {
		a.awaiting = map[store.Key]awaited{}
	}
	a.awaiting[d.Key] = awaited{rev: d.Rev, since: time.Now()}
}

// settleAwaited reads again the documents whose revision the feed has not
// shown within awaitTimeout (it may never: a stream opened after the
// write), and stops waiting for it.
func (r *Room) settleAwaited(ctx context.Context) {
	for _, a := range r.loadedApps() {
		a.mu.Lock()
		var keys []store.Key
		for k, w := range a.awaiting {
			if time.Since(w.since) > awaitTimeout {
				keys = append(keys, k)
			}
		}
		a.mu.Unlock()
		if len(keys) == 0 {
			continue
		}
		docs, err := r.st.Get(ctx, keys)
		if err != nil {
			continue
		}
		a.mu.Lock()
		if a.loaded {
			fs := make([]fetched, len(docs))
			for i := range docs {
				delete(a.awaiting, docs[i].Key)
				fs[i] = fetched{key: docs[i].Key, doc: &docs[i]}
			}
			r.applyOthers(a, fs, "compare")
		}
		a.mu.Unlock()
	}
}

// takeChange applies one change to the loaded apps it concerns: the app
// it names, or any app holding the document (a deleted document names
// none).
func (r *Room) takeChange(ctx context.Context, c store.Change, source string) {
	// Only the app the change names: its cost does not grow with the
	// loaded apps. A deleted document names none, and is looked for in
	// every loaded app; one moved to another app stays in its old app
	// until the next full comparison.
	var apps []*appState
	if c.AppID != "" {
		r.mu.Lock()
		if a := r.apps[c.AppID]; a != nil {
			apps = append(apps, a)
		}
		r.mu.Unlock()
	} else {
		apps = r.loadedApps()
	}
	for _, a := range apps {
		a.mu.Lock()
		_, known := a.docs[c.Key]
		if !a.loaded || a.id != c.AppID && !known {
			a.mu.Unlock()
			continue
		}
		if w, ok := a.awaiting[c.Key]; ok {
			if c.Doc != nil && c.Doc.Rev == w.rev {
				delete(a.awaiting, c.Key)
			}
			a.mu.Unlock()
			continue
		}
		f := fetched{key: c.Key, doc: c.Doc}
		if c.Doc != nil && c.AppID != a.id {
			f.doc = nil // moved to another app: gone from this one
		}
		a.mu.Unlock()
		fs := []fetched{f}
		if f.key.Coll == store.CollApplication && f.doc != nil {
			libs, err := r.libraryChanges(ctx, a, f.doc)
			if err != nil {
				r.log.Info("libraries of a changed application not read; comparing it in full next", "app", a.id, "err", err)
			}
			fs = append(fs, libs...)
		}
		// The lock was let go to read the libraries: a change to another
		// document may have come in meanwhile, which apply keeps.
		a.mu.Lock()
		if a.loaded {
			r.applyOthers(a, fs, source)
		}
		a.mu.Unlock()
	}
}

// libraryChanges reads the custom JS libraries a changed application
// document names, and marks gone the ones the app held that it no longer
// names.
func (r *Room) libraryChanges(ctx context.Context, a *appState, appDoc *store.Doc) ([]fetched, error) {
	uids := libraryUIDs(appDoc.Text)
	docs, err := r.st.Libraries(ctx, uids)
	if err != nil {
		return nil, err
	}
	var fs []fetched
	keep := map[store.Key]bool{}
	for i := range docs {
		keep[docs[i].Key] = true
		fs = append(fs, fetched{key: docs[i].Key, doc: &docs[i]})
	}
	a.mu.Lock()
	for k := range a.docs {
		if k.Coll == store.CollLibrary && !keep[k] {
			fs = append(fs, fetched{key: k})
		}
	}
	a.mu.Unlock()
	return fs, nil
}

// applyOthers applies documents changed by others and queues the events.
// An application deleted is dropped: the next request loads it again or
// answers not found. a.mu is held.
func (r *Room) applyOthers(a *appState, fs []fetched, source string) {
	for _, f := range fs {
		if f.key.Coll == store.CollApplication && (f.doc == nil || softDeleted(f.doc.Text)) {
			r.log.Info("application deleted; its graph is dropped", "app", a.id)
			r.drop(a)
			return
		}
	}
	n := 0
	for _, f := range fs {
		if old := a.docs[f.key]; f.key.Coll != store.CollLibrary && (old == nil || f.doc == nil || old.rev != f.doc.Rev) {
			n++
		}
	}
	events, bad := a.apply(fs, EventGraph)
	r.reportUnreadable(a, bad)
	r.metrics.synced.WithLabelValues(source).Add(float64(n))
	for _, ev := range events {
		r.events.emit(ev)
	}
}

// compareAll reads every loaded app from the store again and applies what
// differs: documents changed, added or gone.
func (r *Room) compareAll(ctx context.Context, source string) {
	for _, a := range r.loadedApps() {
		if ctx.Err() != nil {
			return
		}
		docs, err := r.st.Load(ctx, a.id)
		a.mu.Lock()
		if !a.loaded {
			a.mu.Unlock()
			continue
		}
		if errors.Is(err, store.ErrNotFound) {
			r.log.Info("application gone; its graph is dropped", "app", a.id)
			r.drop(a)
			a.mu.Unlock()
			continue
		}
		if err != nil {
			a.mu.Unlock()
			r.log.Info("comparing a loaded app with the store failed; next time", "app", a.id, "err", err)
			continue
		}
		clear(a.awaiting)
		seen := map[store.Key]bool{}
		var fs []fetched
		all := append(append([]store.Doc{docs.Application}, docs.Docs...), docs.Libraries...)
		for i := range all {
			d := &all[i]
			seen[d.Key] = true
			if old := a.docs[d.Key]; old == nil || old.rev != d.Rev {
				fs = append(fs, fetched{key: d.Key, doc: d})
			}
		}
		for k := range a.docs {
			if !seen[k] {
				fs = append(fs, fetched{key: k})
			}
		}
		if len(fs) > 0 {
			r.applyOthers(a, fs, source)
		}
		a.mu.Unlock()
	}
}

// poll follows a store without change streams.
func (r *Room) poll(ctx context.Context) {
	since := time.Now().Add(-pollOverlap)
	lastCompare := time.Now()
	t := time.NewTicker(r.o.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if len(r.loadedApps()) == 0 {
			since = time.Now().Add(-pollOverlap)
			continue
		}
		if time.Since(lastCompare) >= r.o.CompareEvery {
			lastCompare = time.Now()
			r.compareAll(ctx, "compare")
		}
		start := time.Now()
		docs, err := r.st.ChangedSince(ctx, since)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, store.ErrUnavailable) {
				r.log.Info("poll failed; next time", "err", err)
			}
			continue
		}
		since = start.Add(-pollOverlap)
		for i := range docs {
			d := &docs[i]
			r.takeChange(ctx, store.Change{Key: d.Key, AppID: d.AppID, Doc: d}, "poll")
		}
	}
}

// --- what the room reads in Appsmith's documents beyond the model ---

// libraryUIDs are the uidStrings of the libraries an application installs.
func libraryUIDs(appText string) []string {
	var out []string
	gjson.Get(appText, "unpublishedCustomJSLibs").ForEach(func(_, l gjson.Result) bool {
		if u := l.Get("uidString"); u.Type == gjson.String {
			out = append(out, u.Str)
		}
		return true
	})
	return out
}

// softDeleted: deletedAt set, or the older boolean deleted.
func softDeleted(text string) bool {
	r := gjson.GetMany(text, "deletedAt", "deleted")
	return r[0].Exists() && r[0].Type != gjson.Null || r[1].Type == gjson.True
}

func jsonQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
