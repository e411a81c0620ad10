package liveapps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/report"
	"github.com/appsmith-rts/rts/store"
)

// Options configure Open. Zero values take the defaults given.
type Options struct {
	Store  store.Store
	Logger *slog.Logger
	// Registerer takes the room's metrics; nil: a private registry.
	Registerer prometheus.Registerer
	// MemoryBudget bounds the estimated memory of the loaded apps, in
	// bytes: past it the least recently used apps are evicted (default
	// 1 GiB). An app larger than the budget on its own is still served.
	MemoryBudget int64
	// IdleAfter evicts an app nobody asked about for this long (default
	// 1 h; negative: never).
	IdleAfter time.Duration
	// PollInterval is how often a store without change streams is asked
	// for what changed (default 1 s).
	PollInterval time.Duration
	// CompareEvery is how often, while polling, every loaded app is
	// compared with the store in full, which finds documents deleted
	// outright (polling by updatedAt cannot see them) (default 5 min).
	CompareEvery time.Duration
	// ScanCache keeps the scans renames make, so that the next rename in
	// an app parses only what changed; nil: a cache of
	// analysis.DefaultScanCacheBytes.
	ScanCache *analysis.ScanCache
	// Preload loads the store's apps in the background once the room is
	// open, the most recently updated first, while they fit in
	// MemoryBudget (see preload): the first request for an app then finds
	// it loaded.
	Preload bool
}

// Default limits.
const (
	DefaultMemoryBudget = 1 << 30
	DefaultIdleAfter    = time.Hour
)

// Room holds the loaded apps. It is safe for concurrent use.
type Room struct {
	st      store.Store
	log     *slog.Logger
	o       Options
	metrics *metrics
	events  *dispatcher
	renamer refactor.Renamer

	mu     sync.Mutex // guards apps and closed; see doc.go for the lock order
	apps   map[string]*appState
	closed bool

	modeMu sync.Mutex
	mode   string // how changes by others are followed, see Mode

	cancel context.CancelFunc
	wg     sync.WaitGroup
	// preloaded is closed when preloading has ended (at once without
	// Options.Preload).
	preloaded chan struct{}
	applying  sync.WaitGroup // renames whose graph is still following their write
}

// Open starts a room over a store: the event dispatcher, following the
// store's changes, and the eviction of idle apps.
func Open(o Options) (*Room, error) {
	if o.Store == nil {
		return nil, errors.New("liveapps: no store")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	if o.IdleAfter == 0 {
		o.IdleAfter = DefaultIdleAfter
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.CompareEvery <= 0 {
		o.CompareEvery = 5 * time.Minute
	}
	if o.ScanCache == nil {
		o.ScanCache = analysis.NewScanCache(0)
	}
	r := &Room{st: o.Store, log: o.Logger.With("component", "liveapps"), o: o, apps: map[string]*appState{},
		renamer: refactor.Renamer{Scans: o.ScanCache}}
	m, err := newMetrics(o.Registerer, r)
	if err != nil {
		return nil, err
	}
	r.metrics = m
	r.events = newDispatcher(r.log)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(3)
	go func() { defer r.wg.Done(); r.events.run() }()
	go func() { defer r.wg.Done(); r.follow(ctx) }()
	go func() { defer r.wg.Done(); r.janitor(ctx) }()
	r.preloaded = make(chan struct{})
	if o.Preload {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); defer close(r.preloaded); r.preload(ctx) }()
	} else {
		close(r.preloaded)
	}
	return r, nil
}

// Close stops following changes and delivers the events already queued.
// It does not close the store.
func (r *Room) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.applying.Wait()
	r.events.close()
	r.wg.Wait()
}

// Subscribe calls fn with every event, in the order the changes were made,
// from one goroutine: fn must not block for long (hand the event to a
// queue of your own). fn may call the room. The returned function
// unsubscribes.
func (r *Room) Subscribe(fn func(ev Event)) (unsubscribe func()) {
	return r.events.subscribe(fn)
}

// Mode says how changes by others are followed: "none" (rts is the
// store's only writer), "change-stream", "polling", or "" before the
// store first answered.
func (r *Room) Mode() string {
	r.modeMu.Lock()
	defer r.modeMu.Unlock()
	return r.mode
}

func (r *Room) setMode(mode, why string) {
	r.modeMu.Lock()
	changed := r.mode != mode
	r.mode = mode
	r.modeMu.Unlock()
	if changed {
		if why != "" {
			r.log.Info("following changes by others", "mode", mode, "reason", why)
		} else {
			r.log.Info("following changes by others", "mode", mode)
		}
	}
}

// lockApp returns the app, loaded, with its mutex held.
func (r *Room) lockApp(ctx context.Context, id string) (*appState, error) {
	for {
		a, err := r.appFor(id)
		if err != nil {
			return nil, err
		}
		a.lastUsed.Store(time.Now().UnixNano())
		a.mu.Lock()
		if a.loaded {
			return a, nil
		}
		if !r.current(a) {
			// Evicted (or its load failed) while this waited: the map may
			// hold a newer one.
			a.mu.Unlock()
			continue
		}
		if err := r.load(ctx, a); err != nil {
			a.mu.Unlock()
			r.forget(a)
			return nil, err
		}
		r.evictOver(a)
		return a, nil
	}
}

// appFor is the app's entry in the map, added if missing.
func (r *Room) appFor(id string) (*appState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, store.ErrClosed
	}
	a := r.apps[id]
	if a == nil {
		a = &appState{id: id}
		r.apps[id] = a
	}
	return a, nil
}

// current says whether a is still the map's entry for its app.
func (r *Room) current(a *appState) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.apps[a.id] == a
}

// forget removes a from the map unless it got loaded.
func (r *Room) forget(a *appState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.apps[a.id] == a && !a.ready.Load() {
		delete(r.apps, a.id)
	}
}

// load reads every document of the app and builds its model and graph;
// a.mu is held. It evicts nothing: the caller decides (see evictOver).
func (r *Room) load(ctx context.Context, a *appState) error {
	start := time.Now()
	a.docs, a.byFile, a.seq, a.names = map[store.Key]*document{}, map[string]*document{}, 0, newNameIndex()
	all, parseErr, err := r.readDocuments(ctx, a)
	if err != nil {
		return err
	}
	if parseErr != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, parseErr)
	}
	for _, d := range all {
		a.put(d)
	}
	if a.appDoc.app.Deleted {
		return fmt.Errorf("%w: application %q is deleted", store.ErrNotFound, a.id)
	}
	a.assemble()
	a.graph = appgraph.Build(a.model)
	a.loaded = true
	a.ready.Store(true)
	a.rendered, a.awaiting = nil, nil
	a.bytes = estimateBytes(a)
	took := time.Since(start)
	r.metrics.loads.Observe(took.Seconds())
	r.log.Info("app loaded", "app", a.id, "name", a.model.Name, "pages", len(a.model.Pages), "documents", len(a.docs),
		"took", took.Round(time.Millisecond), "estimatedBytes", a.bytes)
	return nil
}

// readDocuments reads an app's documents and parses them: the
// application, its documents, its libraries, in the store's order. A
// store that hands documents over as it reads them (store.Streamer) has
// them parsed meanwhile. err is the store's, parseErr the documents'.
func (r *Room) readDocuments(ctx context.Context, a *appState) (all []*document, parseErr, err error) {
	s, ok := r.st.(store.Streamer)
	if !ok {
		docs, err := r.st.Load(ctx, a.id)
		if err != nil {
			return nil, nil, err
		}
		all = make([]*document, 0, len(docs.Docs)+len(docs.Libraries)+1)
		all = append(all, a.newDocument(docs.Application))
		for _, d := range docs.Docs {
			all = append(all, a.newDocument(d))
		}
		for _, d := range docs.Libraries {
			all = append(all, a.newDocument(d))
		}
		return all, parseAll(all), nil
	}
	errs := map[*document]error{}
	var mu sync.Mutex
	queue := make(chan *document, 64)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range queue {
				if err := d.parse(); err != nil {
					mu.Lock()
					errs[d] = err
					mu.Unlock()
				}
			}
		}()
	}
	err = s.LoadEach(ctx, a.id, func(sd store.Doc) {
		d := a.newDocument(sd)
		all = append(all, d)
		queue <- d
	})
	close(queue)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	var joined []error
	for _, d := range all {
		if e := errs[d]; e != nil {
			joined = append(joined, e)
		}
	}
	return all, errors.Join(joined...), nil
}

// ErrUnreadable: an app's documents are stored but cannot be read as an
// Appsmith app.
var ErrUnreadable = errors.New("liveapps: the app's documents cannot be read")

// loadedApps lists the loaded apps.
func (r *Room) loadedApps() []*appState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*appState, 0, len(r.apps))
	for _, a := range r.apps {
		out = append(out, a)
	}
	return out
}

// drop forgets a loaded app; a.mu is held.
func (r *Room) drop(a *appState) {
	a.loaded = false
	a.ready.Store(false)
	a.docs, a.byFile, a.model, a.graph, a.names, a.appDoc, a.rendered, a.awaiting = nil, nil, nil, nil, nil, nil, nil, nil
	r.mu.Lock()
	if r.apps[a.id] == a {
		delete(r.apps, a.id)
	}
	r.mu.Unlock()
}

// estimate is the loaded apps and their estimated memory, keep's (whose
// mutex the caller holds) included; apps busy right now are not counted.
func (r *Room) estimate(keep *appState) ([]*appState, int64) {
	apps := r.loadedApps()
	var total int64
	for _, a := range apps {
		if a == keep {
			total += keep.bytes
			continue
		}
		if a.mu.TryLock() {
			total += a.bytes
			a.mu.Unlock()
		}
	}
	return apps, total
}

// evictOver evicts the least recently used apps other than keep while the
// loaded apps' estimate is over the budget. Apps busy right now are
// skipped (never waited for: keep's mutex is held).
func (r *Room) evictOver(keep *appState) {
	apps, total := r.estimate(keep)
	if total <= r.o.MemoryBudget {
		return
	}
	slices.SortFunc(apps, func(x, y *appState) int { return cmp.Compare(x.lastUsed.Load(), y.lastUsed.Load()) })
	for _, a := range apps {
		if total <= r.o.MemoryBudget {
			return
		}
		if a == keep || !a.mu.TryLock() {
			continue
		}
		if a.loaded {
			total -= a.bytes
			r.log.Info("app evicted: over the memory budget", "app", a.id, "estimatedBytes", a.bytes, "budget", r.o.MemoryBudget)
			r.drop(a)
			r.metrics.evictions.WithLabelValues("budget").Inc()
		}
		a.mu.Unlock()
	}
}

// janitor evicts apps idle for longer than IdleAfter and reads again the
// documents the feed is slow to show (see await).
func (r *Room) janitor(ctx context.Context) {
	every := awaitTimeout / 2
	if r.o.IdleAfter > 0 {
		every = min(every, r.o.IdleAfter/2)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.settleAwaited(ctx)
		if r.o.IdleAfter < 0 {
			continue
		}
		cutoff := time.Now().Add(-r.o.IdleAfter).UnixNano()
		for _, a := range r.loadedApps() {
			if a.lastUsed.Load() >= cutoff || !a.mu.TryLock() {
				continue
			}
			if a.loaded && a.lastUsed.Load() < cutoff {
				r.log.Info("app evicted: idle", "app", a.id, "idleFor", r.o.IdleAfter)
				r.drop(a)
				r.metrics.evictions.WithLabelValues("idle").Inc()
			}
			a.mu.Unlock()
		}
	}
}

// Usage is what the loaded apps hold.
type Usage struct {
	Apps  int
	Bytes int64 // estimated
}

// Usage reports the loaded apps and their estimated memory.
func (r *Room) Usage() Usage {
	var u Usage
	for _, a := range r.loadedApps() {
		a.mu.Lock()
		if a.loaded {
			u.Apps++
			u.Bytes += a.bytes
		}
		a.mu.Unlock()
	}
	return u
}

// AppSummary is one application of the store.
type AppSummary struct {
	ID        string
	Name      string
	Pages     int
	UpdatedAt time.Time
	// Loaded: the room holds this app's graph.
	Loaded bool
}

// ListApps lists the applications that are not deleted, by name.
func (r *Room) ListApps(ctx context.Context) ([]AppSummary, error) {
	list, err := r.st.List(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	loaded := map[string]bool{}
	for id, a := range r.apps {
		loaded[id] = a.ready.Load()
	}
	r.mu.Unlock()
	out := make([]AppSummary, len(list))
	for i, a := range list {
		out[i] = AppSummary{ID: a.ID, Name: a.Name, Pages: a.Pages, UpdatedAt: a.UpdatedAt, Loaded: loaded[a.ID]}
	}
	return out, nil
}

// Graph is the app's graph as SPEC §3 prints it, for the whole app or one
// page. The app is loaded on first use and followed from then on.
func (r *Room) Graph(ctx context.Context, appID, page string) (report.App, error) {
	a, err := r.lockApp(ctx, appID)
	if err != nil {
		return report.App{}, err
	}
	defer a.mu.Unlock()
	rep, ok := report.FromGraph(a.graph, page)
	if !ok {
		return report.App{}, fmt.Errorf("%w: no page %q in app %s", store.ErrNotFound, page, appID)
	}
	return rep, nil
}

// GraphJSON is Graph rendered as JSON (no HTML escaping), kept until the
// app's graph changes: a viewer that loads the graph again costs a copy.
func (r *Room) GraphJSON(ctx context.Context, appID, page string) ([]byte, error) {
	a, err := r.lockApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	return a.graphJSON(page)
}

// graphJSON renders the graph of a page ("" the app) once per change of
// the graph; a.mu is held.
func (a *appState) graphJSON(page string) ([]byte, error) {
	if b, ok := a.rendered[page]; ok {
		return b, nil
	}
	b, ok, err := report.JSON(a.graph, page)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: no page %q in app %s", store.ErrNotFound, page, a.id)
	}
	if a.rendered == nil {
		a.rendered = map[string][]byte{}
	}
	a.rendered[page] = b
	return b, nil
}

// Dependents lists, transitively, the binding nodes that depend on node (a
// binding node or any reference, e.g. Api1.data) on a page, each with the
// path it depends by. page "" means the first page that has node's entity.
func (r *Room) Dependents(ctx context.Context, appID, page, node string) ([]depgraph.Path, error) {
	a, err := r.lockApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	if page == "" {
		p, ok := a.graph.FindEntity(depgraph.RootOf(node))
		if !ok {
			return nil, fmt.Errorf("%w: no entity %q in app %s", store.ErrNotFound, depgraph.RootOf(node), appID)
		}
		page = p
	}
	paths, ok := a.graph.Dependents(page, node)
	if !ok {
		return nil, fmt.Errorf("%w: no page %q in app %s", store.ErrNotFound, page, appID)
	}
	return paths, nil
}

// Import stores an app loaded by appmodel.Load (see store.BuildImport)
// and returns its id. Its graph is built on first use.
func (r *Room) Import(ctx context.Context, app *appmodel.App) (string, error) {
	set, err := store.BuildImport(app)
	if err != nil {
		return "", err
	}
	return r.importSet(ctx, set)
}

// ImportExport stores an app from the body of an Appsmith export.
func (r *Room) ImportExport(ctx context.Context, body io.Reader) (string, error) {
	set, err := store.BuildExportImport(body)
	if err != nil {
		return "", err
	}
	return r.importSet(ctx, set)
}

func (r *Room) importSet(ctx context.Context, set *store.ImportSet) (string, error) {
	id, err := r.st.Import(ctx, set)
	if err != nil {
		return "", err
	}
	r.log.Info("app imported", "app", id, "name", set.Name, "documents", len(set.Docs)+1)
	r.events.emit(Event{AppID: id, Kind: EventImported})
	return id, nil
}
