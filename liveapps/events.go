package liveapps

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
	// EventRenamed: a rename through the room was written (its graph
	// change follows as an EventGraph with Reason EventRenamed).
	EventRenamed EventKind = "renamed"
	// EventImported: an app was imported; its graph is built on first use.
	EventImported EventKind = "imported"
	// EventResync: events for the app were dropped (subscribers fell
	// behind): whoever shows its graph must fetch it again.
	EventResync EventKind = "resync"
)

// Event is one change to an app's live graph, for the realtime layer
// (graph:changed, entity:renamed). Change holds the edges, cycles and
// unknown references that appeared or went, and the nodes touched; for a
// change that rebuilt the whole graph (a page added, removed or renamed)
// Page is "" and Change lists the edges of every page.
type Event struct {
	AppID string
	Page  string
	Kind  EventKind
	// Reason is what made an EventGraph: EventRenamed after a rename
	// through the room, "" when others wrote.
	Reason        EventKind
	Change        depgraph.Change
	OldName       string // renames only
	NewName       string
	RefactorCount int
}

// maxQueued bounds the events waiting for subscribers. Past it the queue
// collapses to one EventResync per app: a writer holding an app's lock
// never waits for a subscriber, and memory stays bounded.
const maxQueued = 4096

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

// emit queues an event without waiting.
func (d *dispatcher) emit(ev Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if len(d.queue) >= maxQueued {
		seen := map[string]bool{}
		var resync []Event
		for _, q := range append(d.queue, ev) {
			if !seen[q.AppID] {
				seen[q.AppID] = true
				resync = append(resync, Event{AppID: q.AppID, Kind: EventResync})
			}
		}
		d.log.Warn("graph events dropped: subscribers fell behind; viewers are told to fetch the graph again", "dropped", len(d.queue)+1, "apps", len(resync))
		d.queue = resync
	} else {
		d.queue = append(d.queue, ev)
	}
	d.cond.Signal()
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
