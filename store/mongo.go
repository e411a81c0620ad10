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
