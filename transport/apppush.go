package transport

import (
	"log/slog"

	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/report"
)

// AppEvent is a change to an app's live graph, to push to the editors of
// the app (Socket.IO room app:<id>). The wiring adapts the live-apps
// room's events to it.
type AppEvent struct {
	AppID string
	// Page is "" for a change that rebuilt the whole graph.
	Page string
	// Kind is "graph" (the graph changed), "renamed" (a rename was
	// written; its graph change follows as a "graph" event), "imported" or
	// "resync" (events were dropped: viewers must fetch the graph again).
	Kind string
	// Reason of a "graph" event: "renamed" after a rename, "" when
	// others wrote.
	Reason        string
	Change        depgraph.Change
	OldName       string // renamed only
	NewName       string
	RefactorCount int
}

// Publisher sends one event to a room (transport/socketio.Server).
type Publisher interface {
	Publish(room, event string, payload any) (uint64, error)
}

// AppPusher turns app events into the pushes of SPEC §5: entity:renamed
// as soon as a rename is written, graph:changed after any change to the
// graph (the rename's right after its entity:renamed), graph:resync when
// events were lost. Publish only queues bytes per connection, so the
// caller is never held up by a slow editor.
type AppPusher struct {
	Publisher Publisher
	Logger    *slog.Logger
}

// Push publishes ev to its app's room.
func (p *AppPusher) Push(ev AppEvent) {
	room := "app:" + ev.AppID
	switch ev.Kind {
	case "resync":
		p.publish(room, "graph:resync", map[string]any{"appId": ev.AppID, "reason": "events dropped: the server fell behind"})
		return
	case "renamed":
		p.publish(room, "entity:renamed", map[string]any{
			"appId": ev.AppID, "page": ev.Page, "oldName": ev.OldName, "newName": ev.NewName,
			"refactorCount": ev.RefactorCount,
		})
		return
	}
	reason := ev.Kind
	if ev.Reason != "" {
		reason = ev.Reason
	}
	ch := ev.Change
	p.publish(room, "graph:changed", map[string]any{
		"appId":   ev.AppID,
		"page":    ev.Page,
		"reason":  reason,
		"changed": orEmpty(ch.Nodes),
		"edges":   map[string]any{"added": report.Edges(ch.EdgesAdded), "removed": report.Edges(ch.EdgesRemoved)},
		"cycles":  map[string]any{"found": pathsOrEmpty(ch.CyclesFound), "resolved": pathsOrEmpty(ch.CyclesResolved)},
		"unknown": map[string]any{"found": report.Unknowns(ch.UnknownFound), "resolved": report.Unknowns(ch.UnknownResolved)},
	})
}

func (p *AppPusher) publish(room, event string, payload map[string]any) {
	if _, err := p.Publisher.Publish(room, event, payload); err != nil && p.Logger != nil {
		p.Logger.Warn("push failed", "room", room, "event", event, "error", err)
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func pathsOrEmpty(p [][]string) [][]string {
	if p == nil {
		return [][]string{}
	}
	return p
}
