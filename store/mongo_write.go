package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/appsmith-rts/rts/internal/parallel"
)

// MongoDB writes: one transaction where the server has them, the journal
// (journal.go) where it has not; imports.

func (s *Mongo) Write(ctx context.Context, puts []Put) ([]Doc, error) {
	for _, p := range puts {
		if err := checkSize(p.Key, p.Text); err != nil {
			return nil, err
		}
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if s.tx.Load() != txNo {
		docs, err := s.writeTx(ctx, puts)
		if !notSupported(err) {
			if err == nil {
				s.tx.Store(txYes)
			}
			return docs, s.fail("write", err)
		}
		s.tx.Store(txNo)
		s.log.Info("the server has no multi-document transactions: writes go through the journal", "reason", err.Error())
	}
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	if err := s.settlePending(ctx); err != nil {
		return nil, err
	}
	docs, err := journalWrite(ctx, s, puts, s.log)
	var ce *ConflictError
	if err != nil && !errors.As(err, &ce) {
		s.journalPending = true
	}
	return docs, s.fail("write", err)
}

// settlePending settles a journal write of this process that failed
// half-way (the server stopped answering) before anything reads or writes
// its documents again; journalMu is held.
func (s *Mongo) settlePending(ctx context.Context) error {
	if !s.journalPending {
		return nil
	}
	if _, err := recoverJournals(ctx, s, s.log); err != nil {
		return s.fail("recover", err)
	}
	s.journalPending = false
	return nil
}

// notSupported says whether an error is a server refusing transactions:
// a standalone mongod (IllegalOperation, "Transaction numbers are only
// allowed on a replica set member or mongos") or FerretDB (FailedToParse
// on startTransaction).
func notSupported(err error) bool {
	if err == nil {
		return false
	}
	var se mongo.ServerError
	if errors.As(err, &se) && (se.HasErrorCode(20) || se.HasErrorCode(9) || se.HasErrorCode(115)) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "Transaction numbers") || strings.Contains(msg, "startTransaction") ||
		strings.Contains(msg, "transactions are not supported")
}

// writeTx writes every put in one multi-document transaction.
func (s *Mongo) writeTx(ctx context.Context, puts []Put) ([]Doc, error) {
	sess, err := s.client.StartSession()
	if err != nil {
		return nil, err
	}
	defer sess.EndSession(context.WithoutCancel(ctx))
	at := time.Now()
	var conflict []Key
	_, err = sess.WithTransaction(ctx, func(tctx context.Context) (any, error) {
		conflict = conflict[:0]
		for _, p := range puts {
			ok, err := s.replace(tctx, p.Key, p.Rev, p.Old, p.Text, nextMongoRev(p.Rev, at), at)
			if err != nil {
				return nil, err
			}
			if !ok {
				conflict = append(conflict, p.Key)
			}
		}
		if len(conflict) > 0 {
			return nil, errConflictAbort
		}
		return nil, nil
	})
	if errors.Is(err, errConflictAbort) {
		now, err := s.get(ctx, conflict)
		if err != nil {
			return nil, err
		}
		return nil, &ConflictError{Changed: now}
	}
	if err != nil {
		return nil, err
	}
	keys := make([]Key, len(puts))
	for i, p := range puts {
		keys[i] = p.Key
	}
	return s.get(ctx, keys)
}

var errConflictAbort = errors.New("store: conflict: transaction aborted")

// replace writes one document guarded by its revision: only the
// top-level fields that differ from old ($set and $unset), so the BSON
// types of the rest stay as stored.
func (s *Mongo) replace(ctx context.Context, k Key, rev Rev, old, text string, next Rev, at time.Time) (bool, error) {
	_, n, _ := strings.Cut(string(next), ".")
	ver, _ := strconv.ParseInt(n, 10, 64)
	wctx, cancel := s.opCtx(ctx)
	defer cancel()
	c := s.coll(k.Coll)
	if rev == "" {
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(text), false, &d); err != nil {
			return false, &InputError{Err: fmt.Errorf("%s: %w", k, err)}
		}
		d = append(dropKeys(d, fieldUpdatedAt, fieldVersion), bson.E{Key: fieldUpdatedAt, Value: bson.NewDateTimeFromTime(at)}, bson.E{Key: fieldVersion, Value: ver})
		_, err := c.InsertOne(wctx, s.encodeDoc(d))
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, err
	}
	filter, err := revFilter(k.ID, rev)
	if err != nil {
		return false, err
	}
	if text == "" {
		res, err := c.DeleteOne(wctx, filter)
		if err != nil {
			return false, err
		}
		return res.DeletedCount == 1, nil
	}
	set, unset, err := setFields(old, text)
	if err != nil {
		return false, &InputError{Err: fmt.Errorf("%s: %w", k, err)}
	}
	set = append(s.encodeDoc(dropKeys(set, fieldUpdatedAt, fieldVersion)),
		bson.E{Key: fieldUpdatedAt, Value: bson.NewDateTimeFromTime(at)}, bson.E{Key: fieldVersion, Value: ver})
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		u := bson.D{}
		for _, f := range unset {
			u = append(u, bson.E{Key: f, Value: ""})
		}
		update = append(update, bson.E{Key: "$unset", Value: u})
	}
	res, err := c.UpdateOne(wctx, filter, update)
	if err != nil {
		return false, err
	}
	return res.MatchedCount == 1, nil
}

func dropKeys(d bson.D, keys ...string) bson.D {
	out := d[:0:0]
	for _, e := range d {
		drop := false
		for _, k := range keys {
			drop = drop || e.Key == k
		}
		if !drop {
			out = append(out, e)
		}
	}
	return out
}

// setFields lists the top-level fields whose JSON differs from before to
// after, with their values parsed from after, and the fields after no
// longer has.
func setFields(before, after string) (set bson.D, unset []string, err error) {
	old := map[string]string{}
	gjson.Parse(before).ForEach(func(k, v gjson.Result) bool {
		old[k.Str] = v.Raw
		return true
	})
	changed := map[string]bool{}
	gjson.Parse(after).ForEach(func(k, v gjson.Result) bool {
		if raw, ok := old[k.Str]; !ok || raw != v.Raw {
			changed[k.Str] = true
		}
		delete(old, k.Str)
		return true
	})
	var doc bson.D
	if err := bson.UnmarshalExtJSON([]byte(after), false, &doc); err != nil {
		return nil, nil, err
	}
	for _, e := range doc {
		if changed[e.Key] && e.Key != "_id" {
			set = append(set, e)
		}
	}
	for k := range old {
		if k != "_id" && k != fieldUpdatedAt && k != fieldVersion {
			unset = append(unset, k)
		}
	}
	return set, unset, nil
}

func (s *Mongo) nextRev(rev Rev, at time.Time) Rev { return nextMongoRev(rev, at) }

// The journal: a header {_id: id, journal: id, n, at} and one entry per
// document and side {_id: "id/i/old" or "id/i/new", journal: id, i, coll,
// docId, before, after, text}. The header is written last: a journal
// without one never started its writes, and is dropped.
func (s *Mongo) saveJournal(ctx context.Context, j *journal) error {
	var entries []any
	for i, d := range j.Docs {
		for _, side := range []struct{ name, text string }{{"old", d.Old}, {"new", d.Text}} {
			entries = append(entries, bson.D{
				{Key: "_id", Value: j.ID + "/" + strconv.Itoa(i) + "/" + side.name}, {Key: "journal", Value: j.ID},
				{Key: "i", Value: i}, {Key: "side", Value: side.name}, {Key: "coll", Value: d.Key.Coll}, {Key: "docId", Value: d.Key.ID},
				{Key: "before", Value: string(d.Before)}, {Key: "after", Value: string(d.After)}, {Key: "text", Value: side.text},
			})
		}
	}
	wctx, cancel := s.opCtx(ctx)
	defer cancel()
	c := s.coll(journalColl)
	for _, e := range entries {
		if _, err := c.InsertOne(wctx, e); err != nil {
			return err
		}
	}
	_, err := c.InsertOne(wctx, bson.D{{Key: "_id", Value: j.ID}, {Key: "journal", Value: j.ID}, {Key: "header", Value: true},
		{Key: "n", Value: len(j.Docs)}, {Key: "at", Value: bson.NewDateTimeFromTime(j.At)}})
	return err
}

func (s *Mongo) dropJournal(ctx context.Context, id string) error {
	wctx, cancel := s.opCtx(ctx)
	defer cancel()
	// The header first: without it the rest is ignored and swept.
	if _, err := s.coll(journalColl).DeleteOne(wctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return err
	}
	_, err := s.coll(journalColl).DeleteMany(wctx, bson.D{{Key: "journal", Value: id}})
	return err
}

func (s *Mongo) journals(ctx context.Context) ([]*journal, error) {
	rctx, cancel := s.opCtx(ctx)
	defer cancel()
	cur, err := s.coll(journalColl).Find(rctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	type entry struct {
		ID      string        `bson:"_id"`
		Journal string        `bson:"journal"`
		Header  bool          `bson:"header"`
		N       int           `bson:"n"`
		At      bson.DateTime `bson:"at"`
		I       int           `bson:"i"`
		Side    string        `bson:"side"`
		Coll    string        `bson:"coll"`
		DocID   string        `bson:"docId"`
		Before  string        `bson:"before"`
		After   string        `bson:"after"`
		Text    string        `bson:"text"`
	}
	var all []entry
	if err := cur.All(rctx, &all); err != nil {
		return nil, err
	}
	byID := map[string]*journal{}
	var order []string
	for _, e := range all {
		if e.Header {
			byID[e.Journal] = &journal{ID: e.Journal, At: e.At.Time(), Docs: make([]journalDoc, e.N)}
			order = append(order, e.Journal)
		}
	}
	orphans := map[string]bool{}
	for _, e := range all {
		j := byID[e.Journal]
		if e.Header {
			continue
		}
		if j == nil || e.I < 0 || e.I >= len(j.Docs) {
			orphans[e.Journal] = true
			continue
		}
		d := &j.Docs[e.I]
		d.Key, d.Before, d.After = Key{e.Coll, e.DocID}, Rev(e.Before), Rev(e.After)
		if e.Side == "old" {
			d.Old = e.Text
		} else {
			d.Text = e.Text
		}
	}
	for id := range orphans {
		if byID[id] == nil {
			// Its writes never started: nothing to settle.
			s.coll(journalColl).DeleteMany(rctx, bson.D{{Key: "journal", Value: id}})
		}
	}
	out := make([]*journal, 0, len(order))
	for _, id := range order {
		out = append(out, byID[id])
	}
	return out, nil
}

func (s *Mongo) Import(ctx context.Context, set *ImportSet) (string, error) {
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	all := append(append(append([]Doc(nil), set.Docs...), set.Libraries...), set.Application)
	docs := make([]any, len(all))
	errs := make([]error, len(all))
	parallel.For(len(all), func(i int) {
		_, raw, err := toBSON(all[i].Text)
		if err != nil {
			errs[i] = &InputError{Err: fmt.Errorf("%s %w", all[i].Key, err)}
			return
		}
		docs[i] = raw
		if s.encoding() {
			var dd bson.D
			if errs[i] = bson.Unmarshal(raw, &dd); errs[i] == nil {
				docs[i] = s.encodeDoc(dd)
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	var order []string
	byColl := map[string][]any{}
	for i, d := range all {
		if byColl[d.Key.Coll] == nil {
			order = append(order, d.Key.Coll)
		}
		byColl[d.Key.Coll] = append(byColl[d.Key.Coll], docs[i])
	}
	var libIDs []any
	for _, c := range order {
		wctx, cancel := s.opCtx(ctx)
		res, err := s.coll(c).InsertMany(wctx, byColl[c])
		cancel()
		if c == CollLibrary && res != nil {
			libIDs = append(libIDs, res.InsertedIDs...)
		}
		if err != nil {
			s.cleanup(ctx, set.AppID, libIDs)
			if isUnavailable(err) {
				return "", s.fail("import", err)
			}
			return "", &InputError{Err: fmt.Errorf("%s documents refused by MongoDB: %w", c, err)}
		}
	}
	s.setUpState(true)
	return set.AppID, nil
}

// cleanup removes what a failed import wrote, as far as it can. The
// application document is written last, so until then the others belong
// to no listed app.
func (s *Mongo) cleanup(ctx context.Context, appID string, libIDs []any) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.OpTimeout)
	defer cancel()
	for _, c := range AppCollections {
		s.coll(c).DeleteMany(ctx, bson.D{{Key: "applicationId", Value: appID}})
	}
	if len(libIDs) > 0 {
		s.coll(CollLibrary).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: libIDs}}}})
	}
}
