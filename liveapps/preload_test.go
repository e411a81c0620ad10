package liveapps

import (
	"context"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/store"
)

// TestPreload: a room that preloads has the store's apps loaded before
// anyone asks, the most recently updated first, and stops at the memory
// budget without evicting what it loaded.
func TestPreload(t *testing.T) {
	ctx := context.Background()
	st, ids := threeApps(t)
	one := appBytes(t, st, ids[0])

	tests := []struct {
		name   string
		budget int64
		loaded []bool // by ids
	}{
		{"all fit", 0, []bool{true, true, true}},
		{"two fit: the newest", 2*one + one/2, []bool{false, true, true}},
		{"none fits", one / 2, []bool{false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, reg := openRoom(t, st, func(o *Options) { o.Preload, o.MemoryBudget = true, tc.budget })
			select {
			case <-r.preloaded:
			case <-time.After(time.Minute):
				t.Fatal("preloading did not end within a minute")
			}
			list, err := r.ListApps(ctx)
			if err != nil {
				t.Fatal(err)
			}
			loaded := map[string]bool{}
			for _, a := range list {
				loaded[a.ID] = a.Loaded
			}
			for i, id := range ids {
				if loaded[id] != tc.loaded[i] {
					t.Errorf("app %d (of 3, oldest first) loaded %v, want %v", i+1, loaded[id], tc.loaded[i])
				}
			}
			if n := counter(t, reg, "rts_live_apps_evicted_total", "budget"); n != 0 {
				t.Errorf("preloading evicted %v apps", n)
			}
			// A preloaded app answers as a loaded one; one left out loads.
			for _, id := range ids {
				if _, err := r.Graph(ctx, id, ""); err != nil {
					t.Errorf("graph of %s: %v", id, err)
				}
			}
		})
	}
}

// threeApps is a memory store with three tiny apps, oldest first.
func threeApps(t *testing.T) (store.Store, []string) {
	t.Helper()
	st := store.NewMemory(store.MemoryOptions{Logger: testLogger()})
	var ids []string
	for range 3 {
		set, err := store.BuildImport(tinyApp(t))
		if err != nil {
			t.Fatal(err)
		}
		id, err := st.Import(context.Background(), set)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		time.Sleep(3 * time.Millisecond) // distinct updatedAt (milliseconds)
	}
	return st, ids
}

// appBytes is what the budget counts for one loaded app.
func appBytes(t *testing.T, st store.Store, id string) int64 {
	t.Helper()
	r, _ := openRoom(t, st)
	defer r.Close()
	if _, err := r.Graph(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	return r.Usage().Bytes
}

// TestPreloadEvictionOrder: when a request loads an app the preload left
// out and the budget is exceeded, the preloaded app updated least recently
// is evicted, not the one preloaded first.
func TestPreloadEvictionOrder(t *testing.T) {
	ctx := context.Background()
	st, ids := threeApps(t)
	one := appBytes(t, st, ids[0])
	r, _ := openRoom(t, st, func(o *Options) { o.Preload, o.MemoryBudget = true, 2*one+one/2 })
	<-r.preloaded
	if _, err := r.Graph(ctx, ids[0], ""); err != nil {
		t.Fatal(err)
	}
	list, err := r.ListApps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, a := range list {
		loaded[a.ID] = a.Loaded
	}
	if want := []bool{true, false, true}; loaded[ids[0]] != want[0] || loaded[ids[1]] != want[1] || loaded[ids[2]] != want[2] {
		t.Errorf("loaded (oldest first) %v %v %v, want %v", loaded[ids[0]], loaded[ids[1]], loaded[ids[2]], want)
	}
}
