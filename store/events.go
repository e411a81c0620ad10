package store

import (
	"log/slog"
	"slices"
	"sync"

	"github.com/appsmith-rts/rts/depgraph"
)

// EventKind says what made a graph change.
type EventKind string

const (
	// EventGraph: documents changed (by others, or a conflict brought
	// fresh ones in) and the graph followed.
	EventGraph EventKind = "graph"
	// EventRenamed: a rename through the store was written.
	EventRenamed EventKind = "renamed"
	// EventImported: an app was imported; its graph is built on first use.
	EventImported EventKind = "imported"
)

// Event is one change to an app's live graph, for the realtime layer
// (graph:changed, entity:renamed). Change holds the edges, cycles and
// unknown references that appeared or went, and the nodes touched; for a
// change that rebuilt the whole graph (a page added, removed or renamed)
// Page is "" and Change lists the edges of every page.
type Event struct {
	AppID         string
	Page          string
	Kind          EventKind
	Change        depgraph.Change
	OldName       string // renames only
	NewName       string
	RefactorCount int
}

// Subscribe calls fn with every event, in the order the changes were made,
// from one goroutine: fn must not block for long (hand the event to a queue
// of your own). fn may call the store. The returned function unsubscribes.
func (s *Store) Subscribe(fn func(ev Event)) (unsubscribe func()) {
	return s.events.subscribe(fn)
}

type dispatcher struct {
	log    *slog.Logger
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []Event
	subs   []subscriber // in subscription order
	next   int
	closed bool
}

type subscriber struct {
	id int
	fn func(Event)
}

func newDispatcher(log *slog.Logger) *dispatcher {
	d := &dispatcher{log: log}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *dispatcher) subscribe(fn func(Event)) func() {
	d.mu.Lock()
	id := d.next
	d.next++
	d.subs = append(d.subs, subscriber{id, fn})
	d.mu.Unlock()
	return func() {
		d.mu.Lock()
		// A new slice: run may be iterating over the old one.
		d.subs = slices.DeleteFunc(slices.Clone(d.subs), func(s subscriber) bool { return s.id == id })
		d.mu.Unlock()
	}
}

// emit queues an event. The queue is unbounded so that a writer holding an
// app's lock never waits for a subscriber.
func (d *dispatcher) emit(ev Event) {
	d.mu.Lock()
	if !d.closed {
		d.queue = append(d.queue, ev)
		d.cond.Signal()
	}
	d.mu.Unlock()
}

func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.cond.Signal()
	d.mu.Unlock()
}

// run delivers queued events until closed, then delivers what is left.
func (d *dispatcher) run() {
	for {
		d.mu.Lock()
		for len(d.queue) == 0 && !d.closed {
			d.cond.Wait()
		}
		batch := d.queue
		d.queue = nil
		closed := d.closed
		subs := d.subs
		d.mu.Unlock()
		for _, ev := range batch {
			for _, sub := range subs {
				d.deliver(sub.fn, ev)
			}
		}
		if closed && len(batch) == 0 {
			return
		}
	}
}

// deliver keeps one failing subscriber from stopping the others.
func (d *dispatcher) deliver(fn func(Event), ev Event) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("event subscriber panicked", "app", ev.AppID, "kind", ev.Kind, "panic", r)
		}
	}()
	fn(ev)
}
