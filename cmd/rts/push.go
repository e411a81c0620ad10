package main

import (
	"log/slog"

	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/store"
	"github.com/appsmith-rts/rts/transport/socketio"
)

// pushGraphChanges forwards the store's graph changes to the editors of
// each app (room app:<id>): entity:renamed after a rename, graph:changed
// after any change (SPEC §5). Publish only queues bytes per connection, so
// the store's event goroutine is never held up by a slow editor.
func pushGraphChanges(st *store.Store, sock *socketio.Server, log *slog.Logger) (stop func()) {
	return st.Subscribe(func(ev store.Event) {
		room := "app:" + ev.AppID
		if ev.Kind == store.EventRenamed {
			publish(sock, log, room, "entity:renamed", map[string]any{
				"appId": ev.AppID, "page": ev.Page, "oldName": ev.OldName, "newName": ev.NewName,
				"refactorCount": ev.RefactorCount,
			})
		}
		ch := ev.Change
		publish(sock, log, room, "graph:changed", map[string]any{
			"appId":   ev.AppID,
			"page":    ev.Page,
			"reason":  string(ev.Kind),
			"changed": orEmpty(ch.Nodes),
			"edges":   map[string]any{"added": edgesJSON(ch.EdgesAdded), "removed": edgesJSON(ch.EdgesRemoved)},
			"cycles":  map[string]any{"found": pathsOrEmpty(ch.CyclesFound), "resolved": pathsOrEmpty(ch.CyclesResolved)},
			"unknown": map[string]any{"found": unknownJSON(ch.UnknownFound), "resolved": unknownJSON(ch.UnknownResolved)},
		})
	})
}

func publish(sock *socketio.Server, log *slog.Logger, room, event string, payload map[string]any) {
	if _, err := sock.Publish(room, event, payload); err != nil {
		log.Warn("push failed", "room", room, "event", event, "error", err)
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

func edgesJSON(es []depgraph.Edge) []depgraph.EdgeJSON {
	out := make([]depgraph.EdgeJSON, 0, len(es))
	for _, e := range es {
		out = append(out, depgraph.EdgeJSON{Page: e.Page, From: e.From, To: e.To, Kind: e.Kind.String()})
	}
	return out
}

func unknownJSON(us []depgraph.Unknown) []depgraph.UnknownJSON {
	out := make([]depgraph.UnknownJSON, 0, len(us))
	for _, u := range us {
		out = append(out, depgraph.UnknownJSON{From: u.From, Ref: u.Ref, Reason: u.Reason, Page: u.OtherPage, Suggestion: u.Suggestion})
	}
	return out
}
