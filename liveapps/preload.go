package liveapps

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/appsmith-rts/rts/store"
)

// preload loads the store's apps one after another, the most recently
// updated first, so that the first request for an app finds its graph
// built and the whole app's graph rendered (a large app takes a few
// hundred milliseconds of CPU to load, its graph tens to render; a
// rendered graph is a copy). It never evicts an app to make room: it
// stops at the first app that takes the loaded apps over MemoryBudget,
// and drops that one. One app at a time, so requests meanwhile keep a
// core; an app a request already loaded is skipped.
func (r *Room) preload(ctx context.Context) {
	start := time.Now()
	list, err := r.st.List(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Info("preloading apps: the store cannot list them; each loads on first use", "err", err)
		}
		return
	}
	slices.SortStableFunc(list, func(x, y store.AppInfo) int { return cmp.Compare(y.UpdatedAt.UnixNano(), x.UpdatedAt.UnixNano()) })
	loaded := 0
	for rank, info := range list {
		if ctx.Err() != nil {
			return
		}
		// Preloaded apps count as used at the start, the later in this
		// order the earlier: past the budget, the least recently updated
		// go first, not the first loaded.
		fits, err := r.preloadOne(ctx, info.ID, start.Add(-time.Duration(rank)))
		switch {
		case errors.Is(err, context.Canceled) || ctx.Err() != nil:
			return
		case err != nil:
			r.log.Info("preloading an app failed; it loads on first use", "app", info.ID, "err", err)
		case !fits:
			r.log.Info("preloading apps stopped: the next would go over the memory budget",
				"loaded", loaded, "apps", len(list), "budget", r.o.MemoryBudget)
			return
		default:
			loaded++
		}
	}
	r.log.Info("apps preloaded", "apps", loaded, "took", time.Since(start).Round(time.Millisecond))
}

// preloadOne loads an app unless it is in the room already. fits is false
// when, loaded, it took the room over the budget: it is dropped again.
func (r *Room) preloadOne(ctx context.Context, id string, used time.Time) (fits bool, err error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return true, context.Canceled
	}
	if r.apps[id] != nil {
		r.mu.Unlock()
		return true, nil
	}
	a := &appState{id: id}
	r.apps[id] = a
	r.mu.Unlock()
	a.lastUsed.Store(used.UnixNano())
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := r.load(ctx, a); err != nil {
		r.forget(a)
		return true, err
	}
	if _, total := r.estimate(a); total > r.o.MemoryBudget {
		r.drop(a)
		return false, nil
	}
	// The whole app's graph is what the graph page asks for first.
	if _, err := a.graphJSON(""); err != nil {
		return true, err
	}
	return true, nil
}
