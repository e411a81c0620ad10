package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/appsmith-rts/rts/depgraph"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// AppSummary is one application of the store.
type AppSummary struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Pages     int       `json:"pages"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// Loaded: the store keeps this app's graph live.
	Loaded bool `json:"loaded"`
}

// ListApps lists the applications that are not deleted, by name.
func (s *Store) ListApps(ctx context.Context) ([]AppSummary, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	proj := bson.D{{Key: "name", Value: 1}, {Key: "pages", Value: 1}, {Key: fieldUpdatedAt, Value: 1},
		{Key: "deleted", Value: 1}, {Key: "deletedAt", Value: 1}}
	rs, err := s.findAll(ctx, collApplication, bson.D{}, proj)
	if err != nil {
		return nil, s.fail("list", err)
	}
	s.mu.Lock()
	loaded := map[string]bool{}
	for id := range s.apps {
		loaded[id] = true
	}
	s.mu.Unlock()
	out := make([]AppSummary, 0, len(rs))
	for _, r := range rs {
		if softDeleted(r) {
			continue
		}
		id := idString(r.Lookup("_id"))
		a := AppSummary{ID: id, Loaded: loaded[id]}
		a.Name, _ = r.Lookup("name").StringValueOK()
		if arr, ok := r.Lookup("pages").ArrayOK(); ok {
			vals, _ := arr.Values()
			a.Pages = len(vals)
		}
		if t, ok := r.Lookup(fieldUpdatedAt).TimeOK(); ok {
			a.UpdatedAt = t.UTC()
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Graph is the app's graph as SPEC §3 prints it, for the whole app or one
// page. The app is loaded on first use and followed from then on.
func (s *Store) Graph(ctx context.Context, appID, page string) (depgraph.AppReport, error) {
	a, err := s.lockApp(ctx, appID)
	if err != nil {
		return depgraph.AppReport{}, err
	}
	defer a.mu.Unlock()
	r, ok := a.graph.Snapshot(page)
	if !ok {
		return depgraph.AppReport{}, fmt.Errorf("%w: no page %q in app %s", ErrNotFound, page, appID)
	}
	return r, nil
}

// Dependents lists, transitively, the binding nodes that depend on node (a
// binding node or any reference, e.g. Api1.data) on a page, each with the
// path it depends by. page "" means the first page that has node's entity.
func (s *Store) Dependents(ctx context.Context, appID, page, node string) ([]depgraph.Path, error) {
	a, err := s.lockApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	if page == "" {
		p, ok := a.graph.FindEntity(depgraph.RootOf(node))
		if !ok {
			return nil, fmt.Errorf("%w: no entity %q in app %s", ErrNotFound, depgraph.RootOf(node), appID)
		}
		page = p
	}
	paths, ok := a.graph.Dependents(page, node)
	if !ok {
		return nil, fmt.Errorf("%w: no page %q in app %s", ErrNotFound, page, appID)
	}
	return paths, nil
}
