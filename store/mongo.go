package store

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// fieldVersion is bumped by every write of rts; with updatedAt it makes a
// document's revision (Appsmith bumps updatedAt on every save).
const fieldVersion = "rtsVersion"

// journalColl holds the journal of writes on a server without
// transactions (see journal.go).
const journalColl = "rtsJournal"

// MongoOptions configure OpenMongo. Zero values take the defaults given.
type MongoOptions struct {
	URI string
	// Database holds Appsmith's collections: the URI's database, else
	// "appsmith".
	Database string
	Logger   *slog.Logger
	// Registerer takes the store's metrics; nil: a private registry.
	Registerer prometheus.Registerer
	// SelectTimeout bounds how long a call waits for an unreachable server
	// before failing with ErrUnavailable (default 2s).
	SelectTimeout time.Duration
	// OpTimeout bounds one database round trip (default 30s).
	OpTimeout time.Duration
}

// Mongo is Appsmith's MongoDB. A write is one multi-document transaction
// where the server has them (a replica set), the journal where it has not
// (a standalone server; FerretDB). Changes by others come from a change
// stream, or from polling an indexed updatedAt (ChangedSince).
type Mongo struct {
	log     *slog.Logger
	client  *mongo.Client
	db      *mongo.Database
	o       MongoOptions
	metrics *metrics
	hosts   string

	up     atomic.Bool
	compat atomic.Int32 // see compat.go; 0 until the server answered
	// tx: 0 not known yet, txYes, txNo (writes go through the journal).
	tx      atomic.Int32
	setupMu sync.Mutex
	setUp   bool // indexes ensured and journals settled
	closed  atomic.Bool
	// journalMu makes this process's journal writes one at a time and
	// guards journalPending: a journal write failed half-way.
	journalMu      sync.Mutex
	journalPending bool
}

const (
	txYes = int32(1)
	txNo  = int32(2)
)

// OpenMongo connects to MongoDB. An unreachable server is not an error
// here: calls fail with ErrUnavailable until it answers. A malformed URI
// is. On first contact the store creates the indexes it reads by (and says
// so) and settles any journal an earlier process left.
func OpenMongo(ctx context.Context, o MongoOptions) (*Mongo, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SelectTimeout <= 0 {
		o.SelectTimeout = 2 * time.Second
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 30 * time.Second
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	cs, err := connstring.ParseAndValidate(o.URI)
	if err != nil {
		return nil, fmt.Errorf("store: MongoDB URI: %w", err)
	}
	if o.Database == "" {
		o.Database = cs.Database
	}
	if o.Database == "" {
		o.Database = "appsmith"
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Mongo{log: o.Logger.With("component", "store"), o: o, metrics: m, hosts: strings.Join(cs.Hosts, ",")}
	copts := options.Client().ApplyURI(o.URI).
		SetServerSelectionTimeout(o.SelectTimeout).
		SetConnectTimeout(o.SelectTimeout).
		// Notice a server that came back within a second or two rather
		// than the default ten.
		SetHeartbeatInterval(time.Second).
		SetAppName("rts")
	client, err := mongo.Connect(copts)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s.client, s.db = client, client.Database(o.Database)
	if err := s.ready(ctx); err != nil {
		s.log.Warn("MongoDB not reachable; calls fail until it is", "err", err)
	}
	return s, nil
}

// Database is the database holding Appsmith's collections.
func (s *Mongo) Database() string { return s.o.Database }

func (s *Mongo) Info() Info {
	i := Info{Kind: "mongodb", Where: s.hosts + "/" + s.o.Database, Atomic: "journal"}
	if s.tx.Load() != txNo {
		i.Atomic = "transaction"
	}
	return i
}

func (s *Mongo) Close(ctx context.Context) error {
	s.closed.Store(true)
	return s.client.Disconnect(ctx)
}

func (s *Mongo) coll(name string) *mongo.Collection { return s.db.Collection(name) }

func (s *Mongo) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.o.OpTimeout)
}

// ready fails fast while MongoDB is down, and on first contact sets the
// database up.
func (s *Mongo) ready(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if !s.up.Load() {
		pctx, cancel := context.WithTimeout(ctx, s.o.SelectTimeout)
		err := s.client.Ping(pctx, nil)
		cancel()
		s.setUpState(err == nil)
		if err != nil {
			return s.fail("ping", err)
		}
	}
	if err := s.detectServer(ctx); err != nil {
		return s.fail("ping", err)
	}
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	if s.setUp {
		return nil
	}
	s.ensureIndexes(ctx)
	r, err := recoverJournals(ctx, s, s.log)
	if err != nil {
		return s.fail("recover", err)
	}
	if r.Finished+r.Undone > 0 {
		s.metrics.recoveries.Add(float64(r.Finished + r.Undone))
	}
	s.setUp = true
	return nil
}

func (s *Mongo) setUpState(up bool) {
	if s.up.Swap(up) != up {
		if up {
			s.log.Info("MongoDB reachable")
		} else {
			s.log.Warn("MongoDB unreachable")
		}
	}
	s.metrics.setUp(up)
}

// ensureIndexes adds the indexes every lookup uses: by applicationId (an
// app's documents), by updatedAt (polling), by uidString (libraries) and
// the journal's. Appsmith creates some under other names, which the server
// may refuse as a conflict: that costs nothing, the index is there.
func (s *Mongo) ensureIndexes(ctx context.Context) {
	want := map[string][]string{
		CollApplication: {fieldUpdatedAt},
		CollPage:        {"applicationId", fieldUpdatedAt},
		CollAction:      {"applicationId", fieldUpdatedAt},
		CollCollection:  {"applicationId", fieldUpdatedAt},
		CollLibrary:     {"uidString"},
		journalColl:     {"journal"},
	}
	for _, c := range []string{CollApplication, CollPage, CollAction, CollCollection, CollLibrary, journalColl} {
		have := map[string]bool{}
		if cur, err := s.coll(c).Indexes().List(ctx); err == nil {
			var specs []struct {
				Key bson.D `bson:"key"`
			}
			if cur.All(ctx, &specs) == nil {
				for _, sp := range specs {
					if len(sp.Key) > 0 {
						have[sp.Key[0].Key] = true
					}
				}
			}
		}
		for _, field := range want[c] {
			if have[field] {
				continue
			}
			ictx, cancel := s.opCtx(ctx)
			_, err := s.coll(c).Indexes().CreateOne(ictx, mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}}})
			cancel()
			if err != nil {
				s.log.Info("index not created; lookups by it scan the collection", "collection", c, "field", field, "err", err)
			} else {
				s.log.Info("index created", "collection", c, "field", field)
			}
		}
	}
}

// isUnavailable tells a server that cannot be reached from one that
// answered with an error.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var sse topology.ServerSelectionError
	return errors.As(err, &sse) || mongo.IsNetworkError(err) || mongo.IsTimeout(err) ||
		errors.Is(err, mongo.ErrClientDisconnected)
}

// fail classifies and counts an error of operation op.
func (s *Mongo) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *ConflictError
	var ie *InputError
	if errors.As(err, &ce) || errors.As(err, &ie) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrClosed) {
		return err
	}
	s.metrics.errors.WithLabelValues(op).Inc()
	if isUnavailable(err) {
		s.setUpState(false)
		return &unavailableError{op: op, err: err}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// --- documents ---

// idValue is the _id an id names: an ObjectID when it is one.
func idValue(id string) any {
	if oid, err := bson.ObjectIDFromHex(id); err == nil {
		return oid
	}
	return id
}

// mongoRev is a document's revision: its updatedAt (type and bytes) and
// rtsVersion.
func mongoRev(r bson.Raw) Rev {
	u := r.Lookup(fieldUpdatedAt)
	n, _ := r.Lookup(fieldVersion).AsInt64OK()
	return Rev(fmt.Sprintf("%02x%x.%d", byte(u.Type), u.Value, n))
}

// revFilter matches the document with this _id only while it is at rev.
func revFilter(id string, rev Rev) (bson.D, error) {
	u, n, ok := strings.Cut(string(rev), ".")
	raw, err := hex.DecodeString(u)
	if !ok || err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("store: not a MongoDB revision: %q", rev)
	}
	ver, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("store: not a MongoDB revision: %q", rev)
	}
	f := bson.D{{Key: "_id", Value: idValue(id)}}
	if bson.Type(raw[0]) == 0 {
		f = append(f, bson.E{Key: fieldUpdatedAt, Value: bson.D{{Key: "$exists", Value: false}}})
	} else {
		f = append(f, bson.E{Key: fieldUpdatedAt, Value: bson.RawValue{Type: bson.Type(raw[0]), Value: raw[1:]}})
	}
	if ver == 0 {
		f = append(f, bson.E{Key: fieldVersion, Value: bson.D{{Key: "$exists", Value: false}}})
	} else {
		f = append(f, bson.E{Key: fieldVersion, Value: ver})
	}
	return f, nil
}

// nextMongoRev is the revision a write of rts at `at` gives a document at
// rev: updatedAt = at, rtsVersion + 1.
func nextMongoRev(rev Rev, at time.Time) Rev {
	_, n, _ := strings.Cut(string(rev), ".")
	ver, _ := strconv.ParseInt(n, 10, 64)
	var ms [8]byte
	binary.LittleEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	return Rev(fmt.Sprintf("%02x%x.%d", byte(bson.TypeDateTime), ms[:], ver+1))
}

// toDoc renders a document read from the server.
func toDoc(coll string, r bson.Raw) (Doc, error) {
	r = decodeRaw(r)
	text, err := bson.MarshalExtJSON(r, false, false)
	if err != nil {
		return Doc{}, fmt.Errorf("%s document cannot be rendered as JSON: %w", coll, err)
	}
	k := Key{coll, idString(r.Lookup("_id"))}
	return Doc{Key: k, Rev: mongoRev(r), AppID: appIDOf(k, string(text)), Text: string(text)}, nil
}

func (s *Mongo) findAll(ctx context.Context, coll string, filter, projection any) ([]Doc, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	o := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	if projection != nil {
		o.SetProjection(projection)
	}
	cur, err := s.coll(coll).Find(ctx, filter, o)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out []Doc
	for cur.Next(ctx) {
		d, err := toDoc(coll, cur.Current)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	s.setUpState(true)
	return out, nil
}

func (s *Mongo) List(ctx context.Context) ([]AppInfo, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	proj := bson.D{{Key: "name", Value: 1}, {Key: "pages", Value: 1}, {Key: fieldUpdatedAt, Value: 1},
		{Key: "deleted", Value: 1}, {Key: "deletedAt", Value: 1}}
	docs, err := s.findAll(ctx, CollApplication, bson.D{}, proj)
	if err != nil {
		return nil, s.fail("list", err)
	}
	var out []AppInfo
	for _, d := range docs {
		if a, ok := appInfo(d.Key.ID, d.Text); ok {
			out = append(out, a)
		}
	}
	sortApps(out)
	return out, nil
}

func (s *Mongo) Load(ctx context.Context, appID string) (*AppDocs, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	s.journalMu.Lock()
	err := s.settlePending(ctx)
	s.journalMu.Unlock()
	if err != nil {
		return nil, err
	}
	apps, err := s.get(ctx, []Key{{CollApplication, appID}})
	if err != nil {
		return nil, s.fail("load", err)
	}
	if apps[0].Text == "" {
		return nil, fmt.Errorf("%w: application %q", ErrNotFound, appID)
	}
	out := &AppDocs{Application: apps[0]}
	for _, c := range AppCollections {
		docs, err := s.findAll(ctx, c, bson.D{{Key: "applicationId", Value: appID}}, nil)
		if err != nil {
			return nil, s.fail("load", err)
		}
		out.Docs = append(out.Docs, docs...)
	}
	if out.Libraries, err = s.libraries(ctx, libraryUIDs(apps[0].Text)); err != nil {
		return nil, s.fail("load", err)
	}
	return out, nil
}

func (s *Mongo) Get(ctx context.Context, keys []Key) ([]Doc, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	out, err := s.get(ctx, keys)
	return out, s.fail("get", err)
}

// get reads documents one by one by _id (the one lookup every server,
// FerretDB's SQLite backend included, answers from an index).
func (s *Mongo) get(ctx context.Context, keys []Key) ([]Doc, error) {
	out := make([]Doc, len(keys))
	for i, k := range keys {
		fctx, cancel := s.opCtx(ctx)
		r, err := s.coll(k.Coll).FindOne(fctx, bson.D{{Key: "_id", Value: idValue(k.ID)}}).Raw()
		cancel()
		if errors.Is(err, mongo.ErrNoDocuments) {
			out[i] = Doc{Key: k}
			continue
		}
		if err != nil {
			return nil, err
		}
		if out[i], err = toDoc(k.Coll, r); err != nil {
			return nil, err
		}
	}
	s.setUpState(true)
	return out, nil
}

func (s *Mongo) libraries(ctx context.Context, uids []string) ([]Doc, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	return s.findAll(ctx, CollLibrary, bson.D{{Key: "uidString", Value: bson.D{{Key: "$in", Value: uids}}}}, nil)
}

func (s *Mongo) Libraries(ctx context.Context, uids []string) ([]Doc, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	out, err := s.libraries(ctx, uids)
	return out, s.fail("libraries", err)
}

func (s *Mongo) ChangedSince(ctx context.Context, since time.Time) ([]Doc, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	var out []Doc
	for _, c := range followed {
		docs, err := s.findAll(ctx, c, bson.D{{Key: fieldUpdatedAt, Value: bson.D{{Key: "$gte", Value: bson.NewDateTimeFromTime(since)}}}}, nil)
		if err != nil {
			return nil, s.fail("poll", err)
		}
		out = append(out, docs...)
	}
	return out, nil
}

// --- writes ---

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

// --- import ---

func (s *Mongo) Import(ctx context.Context, set *ImportSet) (string, error) {
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	all := append(append(append([]Doc(nil), set.Docs...), set.Libraries...), set.Application)
	docs := make([]any, len(all))
	errs := make([]error, len(all))
	parallel(len(all), func(i int) {
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

// --- change streams ---

// Watch opens a change stream on the database for Appsmith's collections.
// A server without them (FerretDB answers NotImplemented or FailedToParse,
// a standalone mongod "only supported on replica sets") gets ErrNoStream;
// a token the server no longer has, ErrResumeLost.
func (s *Mongo) Watch(ctx context.Context, after Token) (Stream, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "ns.coll", Value: bson.D{{Key: "$in", Value: followed}}}}}}}
	o := options.ChangeStream().SetFullDocument(options.UpdateLookup)
	if after != nil {
		o.SetResumeAfter(bson.Raw(after))
	}
	wctx, cancel := context.WithTimeout(ctx, s.o.OpTimeout)
	defer cancel()
	// The stream outlives wctx: only opening it is bounded.
	cs, err := s.db.Watch(wctx, pipeline, o)
	if err != nil {
		if isUnavailable(err) {
			return nil, s.fail("watch", err)
		}
		var se mongo.ServerError
		if errors.As(err, &se) && (se.HasErrorCode(286) || se.HasErrorCode(260) || se.HasErrorCode(280)) {
			return nil, ErrResumeLost
		}
		return nil, fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	return &mongoStream{s: s, cs: cs}, nil
}

type mongoStream struct {
	s  *Mongo
	cs *mongo.ChangeStream
}

// changeEvent is the part of a change event the store reads.
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

func (m *mongoStream) Next(ctx context.Context) (Change, error) {
	for m.cs.Next(ctx) {
		var ev changeEvent
		if err := m.cs.Decode(&ev); err != nil {
			m.s.log.Warn("change event not understood", "err", err)
			continue
		}
		k := Key{ev.NS.Coll, idString(ev.DocumentKey.ID)}
		c := Change{Key: k}
		if full, ok := ev.FullDocument.DocumentOK(); ok {
			d, err := toDoc(k.Coll, full)
			if err != nil {
				m.s.log.Warn("changed document not understood", "doc", k, "err", err)
				continue
			}
			c.Doc, c.AppID = &d, d.AppID
		}
		return c, nil
	}
	err := m.cs.Err()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = errors.New("store: change stream ended")
	}
	var se mongo.ServerError
	if errors.As(err, &se) && (se.HasErrorCode(286) || se.HasErrorCode(280)) {
		return Change{}, ErrResumeLost
	}
	return Change{}, m.s.fail("watch", err)
}

func (m *mongoStream) Token() Token {
	if t := m.cs.ResumeToken(); t != nil {
		return Token(t)
	}
	return nil
}

func (m *mongoStream) Close() { m.cs.Close(context.Background()) }
