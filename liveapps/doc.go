// Package liveapps holds each loaded app in memory — its documents, the
// model assembled from them, its dependency graph and an index of where
// names occur — and is the only way the server reads or renames an app: it
// loads an app once from the store (store.Store), keeps it in step with
// what others write (a change stream, or polling), plans renames with
// refactor on the app in memory, writes them through the store in one
// guarded, all-or-nothing write, updates the graph from the documents
// written and emits the events the realtime layer pushes. The cost of an
// operation on one app does not depend on how many other apps the store
// holds: everything is read by application id, and nothing is polled that
// only rts writes. Apps nobody uses are evicted: those idle for IdleAfter,
// and the least recently used while the loaded apps' estimated memory is
// over MemoryBudget. docs/live-apps.md describes the room.
package liveapps

// Lock order: an app's mutex, then Room.mu, then the event queue's mutex.
// Each loaded app has a mutex that guards its documents, model, graph and
// name index; it is held across the I/O of loading and renaming that app,
// so the model never moves under a plan (changes by others are read
// without it and take it only to apply). Room.mu guards only the map of
// apps: it is held briefly, never while waiting for an app's mutex (an
// eviction only tries an app's mutex) or doing I/O. Events are queued while
// an app's mutex is held, so that they leave in the order the changes were
// made, and one goroutine delivers them with no lock held, so a subscriber
// may call back into the room.
