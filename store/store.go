package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// Appsmith's collection names.
const (
	collApplication = "application"
	collPage        = "newPage"
	collAction      = "newAction"
	collCollection  = "actionCollection"
	collJSLib       = "customJSLib"
)

// appCollections hold an app's documents, linked by applicationId.
var appCollections = []string{collPage, collAction, collCollection}

// Field names the store adds to Appsmith's documents.
const (
	fieldUpdatedAt = "updatedAt"  // Appsmith's own modification time
	fieldVersion   = "rtsVersion" // bumped by every write of this store
)

var (
	// ErrUnavailable: MongoDB cannot be reached (or stopped answering in
	// time). The HTTP layer answers 503; the driver keeps reconnecting.
	ErrUnavailable = errors.New("store: MongoDB unavailable")
	// ErrNotFound: no such application, page or node.
	ErrNotFound = errors.New("store: not found")
	// ErrBadInput: an import body or app that cannot be stored.
	ErrBadInput = errors.New("store: bad input")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)

// Options configure Open. Zero values take the defaults given.
type Options struct {
	// MongoURI of a MongoDB (or MongoDB-wire) server. Empty: an embedded
	// FerretDB over SQLite files in DataDir.
	MongoURI string
	// Database holds Appsmith's collections: the URI's database, else
	// "appsmith".
	Database string
	// DataDir for the embedded server's files (default ./rts-data).
	DataDir string
	Logger  *slog.Logger
	// Registerer takes the store's metrics; nil: a private registry (never
	// the global one).
	Registerer prometheus.Registerer
	// PollInterval is how often documents are checked for changes when the
	// server has no change streams (default 1s).
	PollInterval time.Duration
	// SelectTimeout bounds how long a call waits for an unreachable server
	// before failing with ErrUnavailable (default 2s).
	SelectTimeout time.Duration
	// OpTimeout bounds one database round trip (default 30s; imports of
	// large apps write megabytes).
	OpTimeout time.Duration
	// ScanCache keeps the scans renames make, so that the next rename in an
	// app parses only what changed; nil: a cache of
	// analysis.DefaultScanCacheBytes.
	ScanCache *analysis.ScanCache
}

// Store is rts's connection to Appsmith's MongoDB and the live graphs of
// the apps it has loaded. It is safe for concurrent use.
type Store struct {
	log      *slog.Logger
	client   *mongo.Client
	db       *mongo.Database
	embedded *embeddedServer // nil with a URI
	scratch  string          // the prefix of documents' names in the model, see doc.go
	opts     Options
	metrics  *metrics
	renamer  refactor.Renamer
	events   *dispatcher

	up      atomic.Bool
	compat  atomic.Int32 // see compat.go; 0 until the server answered
	syncMu  sync.Mutex
	syncMod string // "change-stream", "polling", or "" before the first contact

	mu     sync.Mutex // guards apps and closed; see doc.go for the lock order
	apps   map[string]*appState
	closed bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open connects to MongoDB (or starts the embedded FerretDB) and starts
// following changes. An unreachable MongoDB is not an error here: calls fail
// with ErrUnavailable until it answers. A DataDir that cannot be written is.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.SelectTimeout <= 0 {
		o.SelectTimeout = 2 * time.Second
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 30 * time.Second
	}
	if o.DataDir == "" {
		o.DataDir = "rts-data"
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.ScanCache == nil {
		o.ScanCache = analysis.NewScanCache(0)
	}
	s := &Store{log: o.Logger.With("component", "store"), opts: o, apps: map[string]*appState{}, renamer: refactor.Renamer{Scans: o.ScanCache}}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	s.metrics = m

	uri := o.MongoURI
	if uri == "" {
		e, err := startEmbedded(o.DataDir, s.log)
		if err != nil {
			return nil, err
		}
		s.embedded = e
		uri = e.uri
		s.log.Info("embedded FerretDB started", "dataDir", o.DataDir, "uri", uri)
	}
	fail := func(err error) (*Store, error) {
		if s.embedded != nil {
			s.embedded.stop()
		}
		return nil, err
	}
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return fail(fmt.Errorf("store: MongoDB URI: %w", err))
	}
	if o.Database == "" {
		o.Database = cs.Database
	}
	if o.Database == "" {
		o.Database = "appsmith"
	}
	s.opts.Database = o.Database
	copts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(o.SelectTimeout).
		SetConnectTimeout(o.SelectTimeout).
		// Notice a server that came back within a second or two rather
		// than the default ten.
		SetHeartbeatInterval(time.Second).
		SetAppName("rts")
	client, err := mongo.Connect(copts)
	if err != nil {
		return fail(fmt.Errorf("store: connect: %w", err))
	}
	s.client, s.db = client, client.Database(o.Database)
	// Documents are named as files under this prefix in the model; no such
	// folder exists (the planner gets their texts from the model).
	s.scratch = "rts-store"
	if err := s.ping(ctx); err != nil {
		s.log.Warn("MongoDB not reachable; calls fail until it is", "err", err)
	} else {
		s.detectServer(ctx)
		s.ensureIndexes(ctx)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.events = newDispatcher(s.log)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.events.run() }()
	go func() { defer s.wg.Done(); s.syncLoop(runCtx) }()
	return s, nil
}

// Close stops following changes, delivers the events already queued and
// disconnects; the embedded server, if any, is stopped last.
func (s *Store) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.events.close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	// Disconnecting first lets the embedded server stop at once instead of
	// waiting for idle connections to time out.
	err := s.client.Disconnect(ctx)
	if s.embedded != nil {
		s.embedded.stop()
	}
	return err
}

// SyncMode says how the store follows changes: "change-stream", "polling",
// or "" while MongoDB has not been reached yet.
func (s *Store) SyncMode() string {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.syncMod
}

// Database is the database holding Appsmith's collections.
func (s *Store) Database() string { return s.opts.Database }

// URI is the embedded server's address ("" with an external MongoDB).
func (s *Store) URI() string {
	if s.embedded == nil {
		return ""
	}
	return s.embedded.uri
}

func (s *Store) coll(name string) *mongo.Collection { return s.db.Collection(name) }

// opCtx bounds one database call.
func (s *Store) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.OpTimeout)
}

func (s *Store) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.SelectTimeout)
	defer cancel()
	err := s.client.Ping(ctx, nil)
	s.setUp(err == nil)
	return err
}

// ready fails fast while MongoDB is known to be down, re-checking it.
func (s *Store) ready(ctx context.Context) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !s.up.Load() {
		if err := s.ping(ctx); err != nil {
			return s.fail("ping", err)
		}
	}
	if err := s.detectServer(ctx); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

func (s *Store) setUp(up bool) {
	if s.up.Swap(up) != up {
		if up {
			s.log.Info("MongoDB reachable")
		} else {
			s.log.Warn("MongoDB unreachable")
		}
	}
	s.metrics.setUp(up)
}

// ensureIndexes adds the applicationId indexes every lookup uses. Appsmith
// creates its own under other names, which the server may refuse as a
// conflict: that, like any failure here, only costs speed.
func (s *Store) ensureIndexes(ctx context.Context) {
	for _, c := range appCollections {
		ctx, cancel := s.opCtx(ctx)
		_, err := s.coll(c).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "applicationId", Value: 1}}})
		cancel()
		if err != nil {
			s.log.Debug("index not created", "collection", c, "err", err)
		}
	}
}

// unavailableError is a call that failed because MongoDB did not answer.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("store: %s: MongoDB unavailable: %v", e.op, e.err)
}

func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

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
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	s.metrics.errors.WithLabelValues(op).Inc()
	if isUnavailable(err) {
		s.setUp(false)
		return &unavailableError{op: op, err: err}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
