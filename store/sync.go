package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const (
	modeChangeStream = "change-stream"
	modePolling      = "polling"
	// pointLookups is how many documents fetchByID reads one by one
	// before it asks for all of them in one query.
	pointLookups = 64
)

// syncLoop follows what others write to the loaded apps. It waits for the
// first contact with MongoDB, then tries a change stream on the database;
// a server without them (FerretDB answers NotImplemented or FailedToParse,
// a standalone mongod "only supported on replica sets") gets polling.
func (s *Store) syncLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	for {
		if err := s.ping(ctx); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
	cs, err := s.watch(ctx, nil)
	if err == nil {
		s.setMode(modeChangeStream, nil)
		s.followStream(ctx, cs)
		return
	}
	s.setMode(modePolling, err)
	s.pollLoop(ctx)
}

func (s *Store) setMode(mode string, why error) {
	s.syncMu.Lock()
	s.syncMod = mode
	s.syncMu.Unlock()
	if why != nil {
		s.log.Info("sync mode chosen", "mode", mode, "interval", s.opts.PollInterval, "reason", why.Error())
	} else {
		s.log.Info("sync mode chosen", "mode", mode)
	}
}

// pollLoop checks the loaded apps for changes. A poll reads the version
// fields of every document of the loaded apps, and on FerretDB that costs a
// decode of every document of the three collections (its SQLite backend
// filters nothing but _id itself): the wait after a poll is therefore at
// least three times what the poll took, so that polling a large database
// uses at most a quarter of a core, at the price of noticing changes later.
func (s *Store) pollLoop(ctx context.Context) {
	wait := s.opts.PollInterval
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		start := time.Now()
		if len(s.loadedApps()) == 0 {
			// Nothing to compare: still keep rts_store_up honest.
			s.ping(ctx)
		} else if err := s.pollAll(ctx, "poll"); err != nil && ctx.Err() == nil {
			s.log.Debug("poll failed", "err", err)
		}
		took := time.Since(start)
		s.metrics.pollSeconds.Set(took.Seconds())
		next := max(s.opts.PollInterval, 3*took)
		if next > s.opts.PollInterval && wait == s.opts.PollInterval {
			s.log.Info("polling slowed down: a poll reads every document", "took", took, "interval", next)
		}
		wait = next
	}
}

// pollAll compares the version of every document of the loaded apps with
// the one in memory, reads the documents that differ (or are new) and
// applies them. The reads happen without the apps' locks, so a rename or a
// page view is never held up by a slow or absent server.
func (s *Store) pollAll(ctx context.Context, source string) error {
	type snap struct {
		a     *appState
		gen   uint64
		known map[docKey]version
		seen  map[docKey]bool
		// changed lists, per collection, the ids to read whole.
		changed map[string][]bson.RawValue
	}
	var snaps []*snap
	byID := map[string]*snap{}
	for _, a := range s.loadedApps() {
		a.mu.Lock()
		if a.loaded {
			sn := &snap{a: a, gen: a.gen, known: make(map[docKey]version, len(a.docs)),
				seen: map[docKey]bool{}, changed: map[string][]bson.RawValue{}}
			for k, d := range a.docs {
				if k.coll != collJSLib {
					sn.known[k] = d.ver
				}
			}
			snaps = append(snaps, sn)
			byID[a.id] = sn
		}
		a.mu.Unlock()
	}
	if len(snaps) == 0 {
		return nil
	}
	check := func(sn *snap, coll string, r bson.Raw) {
		k := docKey{coll, idString(r.Lookup("_id"))}
		sn.seen[k] = true
		if v, ok := sn.known[k]; !ok || !v.equal(versionOf(r)) {
			sn.changed[coll] = append(sn.changed[coll], r.Lookup("_id"))
		}
	}
	proj := bson.D{{Key: "_id", Value: 1}, {Key: "applicationId", Value: 1}, {Key: fieldUpdatedAt, Value: 1}, {Key: fieldVersion, Value: 1}}
	for _, sn := range snaps {
		r, err := s.findOne(ctx, collApplication, bson.D{{Key: "_id", Value: idValue(sn.a.id)}})
		if err != nil {
			return s.fail("poll", err)
		}
		if r != nil {
			check(sn, collApplication, r)
		}
	}
	appIDs := make([]string, 0, len(snaps))
	for _, sn := range snaps {
		appIDs = append(appIDs, sn.a.id)
	}
	for _, c := range appCollections {
		rs, err := s.findAll(ctx, c, bson.D{{Key: "applicationId", Value: bson.D{{Key: "$in", Value: appIDs}}}}, proj)
		if err != nil {
			return s.fail("poll", err)
		}
		for _, r := range rs {
			appID, _ := r.Lookup("applicationId").StringValueOK()
			if sn := byID[appID]; sn != nil {
				check(sn, c, r)
			}
		}
	}
	for _, sn := range snaps {
		var fs []fetched
		for k := range sn.known {
			if !sn.seen[k] {
				fs = append(fs, fetched{key: k})
			}
		}
		for _, c := range append([]string{collApplication}, appCollections...) {
			if ids := sn.changed[c]; len(ids) > 0 {
				got, err := s.fetchByID(ctx, c, ids)
				if err != nil {
					return s.fail("poll", err)
				}
				fs = append(fs, got...)
			}
		}
		if len(fs) == 0 {
			continue
		}
		libs, err := s.fetchLibraries(ctx, fs)
		if err != nil {
			return s.fail("poll", err)
		}
		fs = append(fs, libs...)
		a := sn.a
		a.mu.Lock()
		// An update since the snapshot may be newer than what was read:
		// the next poll compares with it.
		if a.gen == sn.gen && a.loaded {
			s.applyAndEmit(a, fs, source)
		}
		a.mu.Unlock()
	}
	return nil
}

// applyAndEmit applies documents changed by others and queues the events.
// An application that was deleted is dropped: the next call loads it again
// or answers not found.
func (s *Store) applyAndEmit(a *appState, fs []fetched, source string) {
	for _, f := range fs {
		if f.key.coll != collApplication {
			continue
		}
		if f.raw == nil || softDeleted(f.raw) {
			s.log.Info("application deleted; its graph is dropped", "app", a.id)
			s.drop(a)
			return
		}
	}
	n := 0
	for _, f := range fs {
		if f.key.coll != collJSLib {
			n++
		}
	}
	events := s.apply(a, fs, EventGraph)
	s.metrics.synced.WithLabelValues(source).Add(float64(n))
	for _, ev := range events {
		s.events.emit(ev)
	}
}

// drop forgets a loaded app; a.mu is held.
func (s *Store) drop(a *appState) {
	a.loaded = false
	a.gen++
	s.mu.Lock()
	if s.apps[a.id] == a {
		delete(s.apps, a.id)
	}
	s.mu.Unlock()
}

func softDeleted(r bson.Raw) bool {
	if d := r.Lookup("deletedAt"); !d.IsZero() && d.Type != bson.TypeNull {
		return true
	}
	b, ok := r.Lookup("deleted").BooleanOK()
	return ok && b
}

// fetchByID reads whole documents; the ones asked for but not found are
// returned as gone. A few are read one by one: a lookup by _id alone is the
// only one FerretDB's SQLite backend does not answer by decoding the whole
// collection.
func (s *Store) fetchByID(ctx context.Context, coll string, ids []bson.RawValue) ([]fetched, error) {
	var rs []bson.Raw
	if len(ids) <= pointLookups {
		for _, id := range ids {
			r, err := s.findOne(ctx, coll, bson.D{{Key: "_id", Value: id}})
			if err != nil {
				return nil, err
			}
			if r != nil {
				rs = append(rs, r)
			}
		}
	} else {
		var err error
		rs, err = s.findAll(ctx, coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, nil)
		if err != nil {
			return nil, err
		}
	}
	found := map[string]bool{}
	out := make([]fetched, 0, len(ids))
	for _, r := range rs {
		id := idString(r.Lookup("_id"))
		found[id] = true
		out = append(out, fetched{key: docKey{coll, id}, raw: r})
	}
	for _, id := range ids {
		if k := idString(id); !found[k] {
			out = append(out, fetched{key: docKey{coll, k}})
		}
	}
	return out, nil
}

// fetchLibraries reads the custom JS libraries of a changed application
// document, which the model needs alongside it.
func (s *Store) fetchLibraries(ctx context.Context, fs []fetched) ([]fetched, error) {
	for _, f := range fs {
		if f.key.coll != collApplication || f.raw == nil {
			continue
		}
		var uids []string
		arr, _ := f.raw.Lookup("unpublishedCustomJSLibs").ArrayOK()
		vals, _ := arr.Values()
		for _, v := range vals {
			if doc, ok := v.DocumentOK(); ok {
				if u, ok := doc.Lookup("uidString").StringValueOK(); ok {
					uids = append(uids, u)
				}
			}
		}
		if len(uids) == 0 {
			return nil, nil
		}
		rs, err := s.findAll(ctx, collJSLib, bson.D{{Key: "uidString", Value: bson.D{{Key: "$in", Value: uids}}}}, nil)
		if err != nil {
			return nil, err
		}
		out := make([]fetched, 0, len(rs))
		for _, r := range rs {
			out = append(out, fetched{key: docKey{collJSLib, idString(r.Lookup("_id"))}, raw: r})
		}
		return out, nil
	}
	return nil, nil
}

// --- change streams ---

// changeEvent is the part of a change stream event the store reads.
type changeEvent struct {
	OperationType string `bson:"operationType"`
	NS            struct {
		Coll string `bson:"coll"`
	} `bson:"ns"`
	DocumentKey struct {
		ID bson.RawValue `bson:"_id"`
	} `bson:"documentKey"`
	// FullDocument is absent for a delete and null for an update whose
	// document was deleted before the lookup.
	FullDocument bson.RawValue `bson:"fullDocument"`
}

// document is the event's full document, or nil when there is none.
func (ev *changeEvent) document() bson.Raw {
	if d, ok := ev.FullDocument.DocumentOK(); ok {
		return decodeRaw(d)
	}
	return nil
}

// watch opens a change stream on the database for Appsmith's collections,
// from resume when it is not nil.
func (s *Store) watch(ctx context.Context, resume bson.Raw) (*mongo.ChangeStream, error) {
	pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "ns.coll", Value: bson.D{{Key: "$in",
		Value: []string{collApplication, collPage, collAction, collCollection}}}}}}}}
	o := options.ChangeStream().SetFullDocument(options.UpdateLookup)
	if resume != nil {
		o.SetResumeAfter(resume)
	}
	wctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	// The stream outlives wctx: only opening it is bounded.
	if err := s.detectServer(wctx); err != nil {
		return nil, err
	}
	cs, err := s.db.Watch(wctx, pipeline, o)
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// followStream applies change events as they come. When the stream breaks
// it is reopened after the last event seen, and every loaded app is
// compared in full (as a poll does) so nothing missed in between is lost;
// if it cannot be reopened with a server error, polling takes over.
func (s *Store) followStream(ctx context.Context, cs *mongo.ChangeStream) {
	for {
		for cs.Next(ctx) {
			var ev changeEvent
			if err := cs.Decode(&ev); err != nil {
				s.log.Warn("change event not understood", "err", err)
				continue
			}
			s.handleChange(ctx, ev)
		}
		err := cs.Err()
		resume := cs.ResumeToken()
		cs.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		s.fail("watch", err)
		s.log.Warn("change stream broke; reopening", "err", err)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.opts.PollInterval):
			}
			next, err := s.watch(ctx, resume)
			if err == nil {
				s.setUp(true)
				cs = next
				break
			}
			if !isUnavailable(err) {
				if resume != nil {
					resume = nil // the token may have expired: start afresh
					continue
				}
				s.setMode(modePolling, err)
				s.pollLoop(ctx)
				return
			}
		}
		s.pollAll(ctx, "watch")
	}
}

// handleChange applies one change event to the loaded app it belongs to.
func (s *Store) handleChange(ctx context.Context, ev changeEvent) {
	id := idString(ev.DocumentKey.ID)
	k := docKey{ev.NS.Coll, id}
	full := ev.document()
	appID := ""
	switch {
	case k.coll == collApplication:
		appID = id
	case full != nil:
		appID, _ = full.Lookup("applicationId").StringValueOK()
	}
	for _, a := range s.loadedApps() {
		a.mu.Lock()
		_, known := a.docs[k]
		mine := a.loaded && (a.id == appID || known)
		if !mine {
			a.mu.Unlock()
			continue
		}
		f := fetched{key: k, raw: full}
		if full != nil {
			if other, _ := full.Lookup("applicationId").StringValueOK(); k.coll != collApplication && other != a.id {
				f.raw = nil // moved to another app: gone from this one
			}
		}
		fs := []fetched{f}
		if k.coll == collApplication && f.raw != nil {
			a.mu.Unlock()
			libs, err := s.fetchLibraries(ctx, fs)
			if err != nil {
				s.fail("watch", err)
			}
			a.mu.Lock()
			fs = append(fs, libs...)
			if !a.loaded {
				a.mu.Unlock()
				continue
			}
		}
		s.applyAndEmit(a, fs, "watch")
		a.mu.Unlock()
	}
}
