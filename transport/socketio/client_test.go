package socketio

// Tests against the unmodified npm socket.io-client v4 (testdata/node).

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const wait = 10 * time.Second

type presence struct {
	ResourceID string `json:"resourceId"`
	Users      []User `json:"users"`
}

// editors returns a predicate for collab:online_editors of resource with
// exactly the given emails (any order).
func editors(id, resource string, emails ...string) func(msg) bool {
	return func(m msg) bool {
		if m.ID != id || m.Type != "event" || m.Event != EventOnlineEditors || len(m.Args) == 0 {
			return false
		}
		var p presence
		if json.Unmarshal(m.Args[0], &p) != nil || p.ResourceID != resource || len(p.Users) != len(emails) {
			return false
		}
		for _, u := range p.Users {
			if !slices.Contains(emails, u.Email) {
				return false
			}
		}
		return true
	}
}

func TestClientConnectsAndGetsReleaseVersion(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "a", "cookie": "SESSION=alice"})
	c := n.waitFor(isConnect("a"), wait, "connect")
	if c.SID == "" || c.Recovered {
		t.Fatalf("connect: %s", c)
	}
	v := n.waitFor(isEvent("a", EventReleaseVersion), wait, "release version")
	var ver string
	v.arg(t, 0, &ver)
	if ver != "v1.2.3-test" {
		t.Fatalf("release version %q", ver)
	}
	// A second namespace over the same Engine.IO connection (multiplexing)
	// and an unknown namespace.
	n.send(map[string]any{"op": "connect", "id": "p", "nsp": "/page/edit", "multiplexWith": "a"})
	n.waitFor(isConnect("p"), wait, "page connect")
	n.send(map[string]any{"op": "connect", "id": "x", "nsp": "/nope", "multiplexWith": "a"})
	ce := n.waitFor(func(m msg) bool { return m.ID == "x" && m.Type == "connect_error" }, wait, "connect_error")
	if ce.Message != "Invalid namespace" {
		t.Fatalf("connect_error %s", ce)
	}
	if got := e.srv.ConnectionCount(); got != 1 {
		t.Fatalf("%d connections, want 1 (multiplexed)", got)
	}
	// Acknowledged events.
	n.send(map[string]any{"op": "emit", "id": "a", "event": EventStartEdit, "args": []any{"app1"}, "ack": true})
	ack := n.waitFor(func(m msg) bool { return m.ID == "a" && m.Type == "ack" }, wait, "ack")
	var res map[string]any
	ack.arg(t, 0, &res)
	if ack.Error != nil || res["ok"] != true {
		t.Fatalf("ack %s", ack)
	}
}

func TestPresenceTwoUsers(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	for _, u := range []string{"alice", "bob"} {
		n.send(map[string]any{"op": "connect", "id": u, "cookie": "SESSION=" + u})
		n.waitFor(isConnect(u), wait, u+" connect")
	}
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice", "app1", "alice@x"), wait, "alice alone")
	n.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice", "app1", "alice@x", "bob@x"), wait, "alice sees bob")
	m := n.waitFor(editors("bob", "app1", "alice@x", "bob@x"), wait, "bob sees alice")
	var p presence
	m.arg(t, 0, &p)
	if p.Users[0] != (User{Name: "Alice", Email: "alice@x"}) || p.Users[1] != (User{Name: "Bob", Email: "bob@x"}) {
		t.Fatalf("users not in join order with names: %+v", p.Users)
	}

	// A second tab of alice: deduplicated by email.
	n.send(map[string]any{"op": "connect", "id": "alice2", "cookie": "SESSION=alice"})
	n.waitFor(isConnect("alice2"), wait, "alice2 connect")
	n.send(map[string]any{"op": "emit", "id": "alice2", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice2", "app1", "alice@x", "bob@x"), wait, "dedup")

	// Joining another app leaves app1 first: alice's first tab moves.
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app2"}})
	n.waitFor(editors("alice", "app2", "alice@x"), wait, "alice in app2")
	// bob leaves: the room hears it.
	n.send(map[string]any{"op": "emit", "id": "bob", "event": EventLeaveEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice2", "app1", "alice@x"), wait, "bob left")
	// A disconnect is a leave too.
	n.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app2"}})
	n.waitFor(editors("alice", "app2", "alice@x", "bob@x"), wait, "bob in app2")
	n.send(map[string]any{"op": "disconnect", "id": "bob"})
	waitUntil(t, wait, "presence after disconnect", func() bool {
		all := n.all(func(m msg) bool { return m.ID == "alice" && m.Type == "event" && m.Event == EventOnlineEditors })
		return len(all) > 0 && editors("alice", "app2", "alice@x")(all[len(all)-1])
	})
}

func TestPointerRelay(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	for _, u := range []string{"alice", "bob", "carol"} {
		n.send(map[string]any{"op": "connect", "id": u, "nsp": "/page/edit", "cookie": "SESSION=" + u})
		n.waitFor(isConnect(u), wait, u+" connect")
	}
	join := func(u, page string, others ...string) {
		n.send(map[string]any{"op": "emit", "id": u, "event": EventStartEdit, "args": []any{page}})
		n.waitFor(editors(u, page, append(others, u+"@x")...), wait, u+" joins "+page)
	}
	join("alice", "p1")
	join("bob", "p1", "alice@x")
	join("carol", "p2")
	alice := n.waitFor(isConnect("alice"), wait, "alice")

	pointer := map[string]any{"data": map[string]any{"x": 10, "y": 20}, "pageId": "p1"}
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventMousePointer, "args": []any{pointer}})
	got := n.waitFor(isEvent("bob", EventMousePointer), wait, "pointer at bob")
	var ev struct {
		Data     map[string]float64 `json:"data"`
		PageID   string             `json:"pageId"`
		User     User               `json:"user"`
		SocketID string             `json:"socketId"`
	}
	got.arg(t, 0, &ev)
	if ev.Data["x"] != 10 || ev.Data["y"] != 20 || ev.PageID != "p1" || ev.User != (User{"Alice", "alice@x"}) || ev.SocketID != alice.SID {
		t.Fatalf("relayed pointer %s (alice sid %s)", got, alice.SID)
	}
	// Not to a room the sender is not in: alice → p2 reaches nobody.
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventMousePointer, "args": []any{
		map[string]any{"data": map[string]any{"x": 1, "y": 1}, "pageId": "p2"}}})
	// The ack'ed form reports why.
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventMousePointer, "ack": true, "args": []any{
		map[string]any{"data": map[string]any{"x": 1, "y": 1}, "pageId": "p2"}}})
	ack := n.waitFor(func(m msg) bool { return m.ID == "alice" && m.Type == "ack" }, wait, "pointer ack")
	var res struct{ Error string }
	ack.arg(t, 0, &res)
	if res.Error != "not in room" {
		t.Fatalf("ack %s", ack)
	}
	// Rate limit: a burst of 100 relays at most ~30 (+1 for refill).
	for i := range 100 {
		n.send(map[string]any{"op": "emit", "id": "bob", "event": EventMousePointer, "args": []any{
			map[string]any{"data": map[string]any{"x": i, "y": i}, "pageId": "p1"}}})
	}
	// The last pointer of the burst is over the rate: it is held, not
	// dropped, and arrives once a token is due.
	bob := n.waitFor(isConnect("bob"), wait, "bob")
	n.waitFor(func(m msg) bool {
		var p struct {
			Data     map[string]float64 `json:"data"`
			SocketID string             `json:"socketId"`
		}
		return isEvent("alice", EventMousePointer)(m) && json.Unmarshal(m.Args[0], &p) == nil && p.SocketID == bob.SID && p.Data["x"] == 99
	}, wait, "bob's last pointer at alice")
	n.send(map[string]any{"op": "emit", "id": "bob", "event": EventLeaveEdit, "args": []any{"p1"}})
	// Leaving /page/edit sends collab:leave_edit with the socket id, then presence.
	n.waitFor(func(m msg) bool {
		if !isEvent("alice", EventLeaveEdit)(m) {
			return false
		}
		var sid string
		return json.Unmarshal(m.Args[0], &sid) == nil && sid == bob.SID
	}, wait, "collab:leave_edit with bob's socket id")
	n.waitFor(editors("alice", "p1", "alice@x"), wait, "presence after leave")
	// 30 at once plus 30/s refill while the burst arrives; the two
	// refused pointers of alice's above are counted as dropped too.
	relayed := 100 - (int(e.counter("rts_ws_pointer_events_dropped_total")) - 2)
	if relayed < 25 || relayed > 70 {
		t.Fatalf("%d of 100 pointer events relayed, want about 30 (rate limit)", relayed)
	}
	// Those alice was not written in time were conflated into newer ones.
	fromBob := len(n.all(func(m msg) bool {
		var p struct {
			SocketID string `json:"socketId"`
		}
		return isEvent("alice", EventMousePointer)(m) && json.Unmarshal(m.Args[0], &p) == nil && p.SocketID == bob.SID
	}))
	if fromBob < 1 || fromBob > relayed || int(e.counter("rts_ws_conflated_messages_total")) < relayed-fromBob {
		t.Fatalf("alice received %d of bob's %d relayed pointers, %v conflated", fromBob, relayed, e.counter("rts_ws_conflated_messages_total"))
	}
	if c := n.all(isEvent("carol", EventMousePointer)); len(c) != 0 {
		t.Fatalf("carol received pointers of another page: %v", c)
	}
	if e.counter("rts_ws_pointer_events_dropped_total") < 30 {
		t.Fatalf("dropped counter %v", e.counter("rts_ws_pointer_events_dropped_total"))
	}
}

func TestAnonymousSocketSeesNothing(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "alice", "cookie": "SESSION=alice"})
	n.send(map[string]any{"op": "connect", "id": "anon", "cookie": "SESSION=stranger"})
	n.send(map[string]any{"op": "connect", "id": "nocookie"})
	n.send(map[string]any{"op": "connect", "id": "expired", "cookie": "SESSION=expired"})
	for _, id := range []string{"alice", "anon", "nocookie", "expired"} {
		n.waitFor(isConnect(id), wait, id+" connect")
		n.waitFor(isEvent(id, EventReleaseVersion), wait, id+" release version")
	}
	for _, id := range []string{"anon", "nocookie", "expired"} {
		n.send(map[string]any{"op": "emit", "id": id, "event": EventStartEdit, "args": []any{"app1"}, "ack": true})
		ack := n.waitFor(func(m msg) bool { return m.ID == id && m.Type == "ack" }, wait, id+" ack")
		var res struct{ Error string }
		ack.arg(t, 0, &res)
		if res.Error != "unauthenticated" {
			t.Fatalf("%s ack %s", id, ack)
		}
	}
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice", "app1", "alice@x"), wait, "alice alone")
	e.publish("app:app1", "graph:changed", map[string]any{"appId": "app1"})
	n.waitFor(isEvent("alice", "graph:changed"), wait, "alice gets the push")
	time.Sleep(100 * time.Millisecond)
	for _, id := range []string{"anon", "nocookie", "expired"} {
		if got := n.all(func(m msg) bool { return m.ID == id && m.Type == "event" && m.Event != EventReleaseVersion }); len(got) != 0 {
			t.Fatalf("unauthenticated %s received %v", id, got)
		}
	}
	if got := n.all(func(m msg) bool { return m.Event == EventOnlineEditors && !editors("alice", "app1", "alice@x")(m) }); len(got) != 0 {
		t.Fatalf("unexpected presence: %v", got)
	}
	if !strings.Contains(e.logs.String(), "refused the session") || strings.Contains(e.logs.String(), "expired") {
		t.Fatalf("the 401 should be logged without the cookie:\n%s", e.logs.String())
	}
}

// pushes returns the seqs of graph:changed events received by id, checking
// that each carries an offset as its last argument.
func pushes(t *testing.T, n *nodeClient, id, event string) []uint64 {
	t.Helper()
	var seqs []uint64
	for _, m := range n.all(isEvent(id, event)) {
		var p struct {
			Seq uint64 `json:"seq"`
		}
		m.arg(t, 0, &p)
		var off string
		m.arg(t, len(m.Args)-1, &off)
		if len(m.Args) != 2 || !strings.HasPrefix(off, "o") {
			t.Fatalf("push without an offset as last argument: %s", m)
		}
		seqs = append(seqs, p.Seq)
	}
	return seqs
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func TestPublishSeqRises(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	for _, u := range []string{"alice", "bob"} {
		n.send(map[string]any{"op": "connect", "id": u, "cookie": "SESSION=" + u})
		n.send(map[string]any{"op": "emit", "id": u, "event": EventStartEdit, "args": []any{"app1"}})
	}
	n.waitFor(editors("alice", "app1", "alice@x", "bob@x"), wait, "both in app1")
	n.waitFor(editors("bob", "app1", "alice@x", "bob@x"), wait, "both in app1")
	for i := range 20 {
		payload := any(map[string]any{"appId": "app1", "i": i})
		if i%2 == 1 {
			payload = json.RawMessage(`{"appId":"app1","seq":"overwritten"}`)
		}
		if seq := e.publish("app:app1", "graph:changed", payload); seq != uint64(i+1) {
			t.Fatalf("Publish returned seq %d, want %d", seq, i+1)
		}
	}
	e.publish("app:other", "graph:changed", map[string]any{}) // another room's seq
	for _, u := range []string{"alice", "bob"} {
		n.waitFor(func(m msg) bool {
			return isEvent(u, "graph:changed")(m) && strings.Contains(string(m.Args[0]), `"seq":20`)
		}, wait, u+" seq 20")
		if got := pushes(t, n, u, "graph:changed"); !slices.Equal(got, seqRange(1, 20)) {
			t.Fatalf("%s got seqs %v", u, got)
		}
	}
	// Also through the optional HTTP endpoint.
	resp, err := e.hs.Client().Post(e.hs.URL+"/rts-publish", "application/json",
		strings.NewReader(`{"room":"app:app1","event":"entity:renamed","payload":{"oldName":"A","newName":"B"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Seq uint64 }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if out.Seq != 21 {
		t.Fatalf("publish endpoint seq %d", out.Seq)
	}
	m := n.waitFor(isEvent("alice", "entity:renamed"), wait, "renamed")
	var ren map[string]any
	m.arg(t, 0, &ren)
	if ren["newName"] != "B" || ren["seq"] != float64(21) {
		t.Fatalf("renamed %s", m)
	}
}

func TestRecoveryReplaysMissedEvents(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "bob", "cookie": "SESSION=bob"})
	n.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app1"}})
	n.send(map[string]any{"op": "connect", "id": "alice", "cookie": "SESSION=alice"})
	first := n.waitFor(isConnect("alice"), wait, "connect")
	n.send(map[string]any{"op": "emit", "id": "alice", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(editors("alice", "app1", "alice@x", "bob@x"), wait, "joined")
	e.publish("app:app1", "graph:changed", map[string]any{"n": 1})
	n.waitFor(isEvent("alice", "graph:changed"), wait, "push 1")

	n.send(map[string]any{"op": "drop", "id": "alice"})
	n.waitFor(func(m msg) bool { return m.ID == "alice" && m.Type == "disconnect" }, wait, "disconnect")
	waitUntil(t, wait, "session kept", func() bool { return e.srv.sessions.len() == 1 })
	n.waitFor(editors("bob", "app1", "bob@x"), wait, "bob sees alice leave")
	for i := 2; i <= 4; i++ {
		e.publish("app:app1", "graph:changed", map[string]any{"n": i})
	}
	e.publish("app:app2", "graph:changed", map[string]any{"n": "not alice's room"})
	e.publish("email:alice@x", "notification", map[string]any{"n": "alice's own room"})
	n.send(map[string]any{"op": "reconnect", "id": "alice"})
	again := n.waitFor(func(m msg) bool { return isConnect("alice")(m) && m.Recovered }, wait, "recovered connect")
	if again.SID != first.SID {
		t.Fatalf("recovered socket id %q, want the old %q", again.SID, first.SID)
	}
	e.publish("app:app1", "graph:changed", map[string]any{"n": 5})
	n.waitFor(func(m msg) bool {
		return isEvent("alice", "graph:changed")(m) && strings.Contains(string(m.Args[0]), `"seq":5`)
	}, wait, "live push after recovery")
	n.waitFor(func(m msg) bool {
		return isEvent("bob", "graph:changed")(m) && strings.Contains(string(m.Args[0]), `"seq":5`)
	}, wait, "bob's push 5")
	if got := pushes(t, n, "alice", "graph:changed"); !slices.Equal(got, seqRange(1, 5)) {
		t.Fatalf("alice got seqs %v, want 1..5 exactly once", got)
	}
	if got := pushes(t, n, "bob", "graph:changed"); !slices.Equal(got, seqRange(1, 5)) {
		t.Fatalf("bob got seqs %v", got)
	}
	if got := n.all(isEvent("alice", "notification")); len(got) != 1 {
		t.Fatalf("the email room's push replayed %d times", len(got))
	}
	// Rooms are restored: presence includes alice again, no second release version.
	n.waitFor(editors("bob", "app1", "alice@x", "bob@x"), wait, "alice back in the room")
	if v := n.all(isEvent("alice", EventReleaseVersion)); len(v) != 1 {
		t.Fatalf("release version sent %d times", len(v))
	}
	if e.counter("rts_ws_recoveries_total", "result", "recovered") != 1 {
		t.Fatal("recovery not counted")
	}

	// A drop before any push reached the client: its last offset is the
	// release version string, and recovery still replays from the join.
	n.send(map[string]any{"op": "connect", "id": "carol", "cookie": "SESSION=carol"})
	n.send(map[string]any{"op": "emit", "id": "carol", "event": EventStartEdit, "args": []any{"app3"}})
	n.waitFor(editors("carol", "app3", "carol@x"), wait, "carol joined")
	n.send(map[string]any{"op": "drop", "id": "carol"})
	n.waitFor(func(m msg) bool { return m.ID == "carol" && m.Type == "disconnect" }, wait, "carol disconnect")
	waitUntil(t, wait, "carol's session", func() bool { return e.srv.sessions.len() == 1 })
	e.publish("app:app3", "graph:changed", map[string]any{"n": 1})
	e.publish("app:app3", "graph:changed", map[string]any{"n": 2})
	n.send(map[string]any{"op": "reconnect", "id": "carol"})
	n.waitFor(func(m msg) bool { return isConnect("carol")(m) && m.Recovered }, wait, "carol recovered")
	waitUntil(t, wait, "carol's missed pushes", func() bool { return len(n.all(isEvent("carol", "graph:changed"))) == 2 })
	if got := pushes(t, n, "carol", "graph:changed"); !slices.Equal(got, seqRange(1, 2)) {
		t.Fatalf("carol got %v", got)
	}
}

// resyncs returns the graph:resync payloads received by id.
func resyncs(t *testing.T, n *nodeClient, id string) []map[string]string {
	var out []map[string]string
	for _, m := range n.all(isEvent(id, EventResync)) {
		var p map[string]string
		m.arg(t, 0, &p)
		out = append(out, p)
	}
	return out
}

func TestResyncWithBogusPid(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "a", "cookie": "SESSION=alice", "auth": map[string]any{"pid": "bogus", "offset": "o1"}})
	c := n.waitFor(isConnect("a"), wait, "connect")
	if c.Recovered {
		t.Fatal("a bogus pid recovered")
	}
	n.waitFor(isEvent("a", EventResync), wait, "resync")
	n.send(map[string]any{"op": "emit", "id": "a", "event": EventStartEdit, "args": []any{"app1"}})
	n.waitFor(func(m msg) bool {
		return isEvent("a", EventResync)(m) && strings.Contains(string(m.Args[0]), `"appId":"app1"`)
	}, wait, "resync for app1")
	got := resyncs(t, n, "a")
	want := []map[string]string{{"reason": ResyncUnknownSession}, {"appId": "app1", "reason": ResyncUnknownSession}}
	if len(got) != 2 || got[0]["reason"] != want[0]["reason"] || got[0]["appId"] != "" || got[1]["appId"] != "app1" || got[1]["reason"] != want[1]["reason"] {
		t.Fatalf("resyncs %v, want %v", got, want)
	}
	// Rejoining the same app does not repeat it.
	n.send(map[string]any{"op": "emit", "id": "a", "event": EventStartEdit, "args": []any{"app1"}, "ack": true})
	n.waitFor(func(m msg) bool { return m.ID == "a" && m.Type == "ack" }, wait, "ack")
	if len(resyncs(t, n, "a")) != 2 {
		t.Fatal("resync repeated")
	}
}

func TestResyncAfterWindowOrTruncation(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.RecoveryWindow = 2 * time.Second
		o.HistorySize = 3
	})
	n := startNode(t, e.hs.URL)
	start := func(id, user, app string) {
		n.send(map[string]any{"op": "connect", "id": id, "cookie": "SESSION=" + user})
		n.waitFor(isConnect(id), wait, id+" connect")
		n.send(map[string]any{"op": "emit", "id": id, "event": EventStartEdit, "args": []any{app}})
		n.waitFor(editors(id, app, user+"@x"), wait, id+" joined")
		e.publish("app:"+app, "graph:changed", map[string]any{})
		n.waitFor(isEvent(id, "graph:changed"), wait, id+" push")
		n.send(map[string]any{"op": "drop", "id": id})
		n.waitFor(func(m msg) bool { return m.ID == id && m.Type == "disconnect" }, wait, id+" disconnect")
	}
	// Too late: the window (2 s) has passed.
	start("late", "alice", "app1")
	time.Sleep(2500 * time.Millisecond)
	n.send(map[string]any{"op": "reconnect", "id": "late"})
	c := n.waitFor(func(m msg) bool { return isConnect("late")(m) }, wait, "late reconnect")
	if c.Recovered {
		t.Fatal("recovered after the window")
	}
	// The client rejoins its app, as the editor does on connect.
	n.send(map[string]any{"op": "emit", "id": "late", "event": EventStartEdit, "args": []any{"app1"}})
	r := n.waitFor(func(m msg) bool {
		return isEvent("late", EventResync)(m) && strings.Contains(string(m.Args[0]), `"appId":"app1"`)
	}, wait, "resync after window")
	var p map[string]string
	r.arg(t, 0, &p)
	if p["reason"] != ResyncSessionExpired && p["reason"] != ResyncUnknownSession {
		t.Fatalf("reason %q", p["reason"])
	}

	// History truncated: more events missed than the room keeps (3).
	start("trunc", "bob", "app2")
	for range 5 {
		e.publish("app:app2", "graph:changed", map[string]any{})
	}
	n.send(map[string]any{"op": "reconnect", "id": "trunc"})
	c = n.waitFor(isConnect("trunc"), wait, "trunc reconnect")
	if c.Recovered {
		t.Fatal("recovered although the history lost events")
	}
	r = n.waitFor(isEvent("trunc", EventResync), wait, "resync (truncated)")
	r.arg(t, 0, &p)
	if p["reason"] != ResyncHistoryTruncated || p["appId"] != "app2" {
		t.Fatalf("resync %s", r)
	}
	if got := len(n.all(isEvent("trunc", "graph:changed"))); got != 1 {
		t.Fatalf("a fresh session replayed events: %d", got)
	}
}

func TestSlowConsumerIsCutRoomKeepsFlowing(t *testing.T) {
	const maxQueue = 256 << 10
	e := newEnv(t, func(o *Options) { o.MaxQueueBytes = maxQueue })
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "bob", "cookie": "SESSION=bob", "summary": []string{"graph:changed"}})
	n.send(map[string]any{"op": "emit", "id": "bob", "event": EventStartEdit, "args": []any{"app1"}})

	// A raw client that joins and then never reads again.
	raw := dialRaw(t, e, "SESSION=alice", nil)
	raw.write("40")
	raw.readUntil("40{")
	raw.write(`42["collab:start_edit","app1"]`)
	raw.readUntil(`42["collab:online_editors"`)
	n.waitFor(editors("bob", "app1", "alice@x", "bob@x"), wait, "both in the room")

	// Publish in small batches, each waiting for bob to catch up, so bob's
	// backlog (8 × 16 KiB) stays below the queue bound while the raw
	// client's grows until its kernel buffers and then its queue are full.
	payload := map[string]any{"blob": strings.Repeat("x", 16<<10)}
	var last uint64
	bobAt := func(seq uint64) func(msg) bool {
		return func(m msg) bool { return isEvent("bob", "graph:changed")(m) && m.Seq != nil && *m.Seq == seq }
	}
	for e.counter("rts_ws_slow_consumers_total") == 0 {
		if last >= 4000 {
			t.Fatal("the client that does not read was never cut off")
		}
		for range 8 {
			last = e.publish("app:app1", "graph:changed", payload)
		}
		n.waitFor(bobAt(last), wait, fmt.Sprintf("bob at seq %d", last))
	}
	for range 8 { // the room keeps flowing after the cut
		last = e.publish("app:app1", "graph:changed", payload)
	}
	n.waitFor(bobAt(last), wait, "bob receives the last push")
	if d := n.all(func(m msg) bool { return m.Type == "disconnect" }); len(d) != 0 {
		t.Fatalf("bob was disconnected: %v", d)
	}
	var seqs []uint64
	for _, m := range n.all(isEvent("bob", "graph:changed")) {
		seqs = append(seqs, *m.Seq)
	}
	if !slices.Equal(seqs, seqRange(1, last)) {
		t.Fatalf("bob missed pushes: got %d of %d", len(seqs), last)
	}
	// The raw client's connection is closed: draining it ends in an error.
	_ = raw.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var err error
	for err == nil {
		_, _, err = raw.ws.ReadMessage()
	}
	if strings.Contains(err.Error(), "timeout") {
		t.Fatalf("slow consumer still connected: %v", err)
	}
	t.Logf("cut after %d pushes of 16 KiB; the reader that never read ends with: %v", last, err)
	if got := e.counter("rts_ws_slow_consumers_total"); got != 1 {
		t.Fatalf("slow consumers %v", got)
	}
	waitUntil(t, wait, "connection gauge", func() bool { return e.counter("rts_ws_connections") == 1 })
	n.waitFor(editors("bob", "app1", "bob@x"), wait, "presence after the cut")
}

func TestHeartbeatKeepsClientConnected(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.PingInterval = 100 * time.Millisecond
		o.PingTimeout = 1500 * time.Millisecond
	})
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "a", "cookie": "SESSION=alice"})
	n.waitFor(isConnect("a"), wait, "connect")
	// Forty ping/pong rounds; without pongs the server would close after
	// 1.6 s. The timeout leaves a client process on a loaded machine time
	// to answer each ping.
	time.Sleep(4 * time.Second)
	if d := n.all(func(m msg) bool { return m.Type == "disconnect" }); len(d) != 0 {
		t.Fatalf("disconnected: %v", d)
	}
	if e.srv.ConnectionCount() != 1 {
		t.Fatal("connection lost")
	}
}

func TestShutdownSendsGoingAway(t *testing.T) {
	e := newEnv(t, nil)
	n := startNode(t, e.hs.URL)
	n.send(map[string]any{"op": "connect", "id": "a", "cookie": "SESSION=alice"})
	n.waitFor(isConnect("a"), wait, "connect")
	raw := dialRaw(t, e, "", nil)
	raw.write("40")
	raw.readUntil("40{")
	e.close()
	d := n.waitFor(func(m msg) bool { return m.ID == "a" && m.Type == "disconnect" }, wait, "disconnect")
	if d.Reason != "transport close" {
		t.Fatalf("disconnect reason %q", d.Reason)
	}
	_ = raw.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = raw.ws.ReadMessage()
	}
	if ce, ok := err.(interface{ Error() string }); !ok || !strings.Contains(ce.Error(), "1001") {
		t.Fatalf("close: %v, want 1001 going away", err)
	}
}

// TestAnonymousViewers: a standalone server (no Appsmith backend) that
// admits anonymous viewers lets them into app rooms to receive pushes, but
// never into presence lists; with a backend, the option changes nothing.
func TestAnonymousViewers(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.APIBaseURL = ""; o.AnonymousViewers = true })
	n := startNode(t, e.hs.URL)
	for _, id := range []string{"page1", "page2"} {
		n.send(map[string]any{"op": "connect", "id": id})
		n.waitFor(isConnect(id), wait, id+" connect")
		n.send(map[string]any{"op": "emit", "id": id, "event": EventStartEdit, "args": []any{"app1"}, "ack": true})
		ack := n.waitFor(func(m msg) bool { return m.ID == id && m.Type == "ack" }, wait, id+" ack")
		var res struct{ Error string }
		ack.arg(t, 0, &res)
		if res.Error != "" {
			t.Fatalf("%s ack %s", id, ack)
		}
	}
	e.publish("app:app1", "entity:renamed", map[string]any{"appId": "app1", "oldName": "A", "newName": "B"})
	for _, id := range []string{"page1", "page2"} {
		n.waitFor(isEvent(id, "entity:renamed"), wait, id+" gets the push")
	}
	for _, m := range n.all(func(m msg) bool { return m.Event == EventOnlineEditors }) {
		if strings.Contains(string(m.Args[0]), "@") {
			t.Fatalf("anonymous viewers listed as editors: %s", m)
		}
	}

	withBackend := newEnv(t, func(o *Options) { o.AnonymousViewers = true })
	m := startNode(t, withBackend.hs.URL)
	m.send(map[string]any{"op": "connect", "id": "anon"})
	m.waitFor(isConnect("anon"), wait, "anon connect")
	m.send(map[string]any{"op": "emit", "id": "anon", "event": EventStartEdit, "args": []any{"app1"}, "ack": true})
	ack := m.waitFor(func(x msg) bool { return x.ID == "anon" && x.Type == "ack" }, wait, "anon ack")
	var res struct{ Error string }
	ack.arg(t, 0, &res)
	if res.Error != "unauthenticated" {
		t.Fatalf("with a backend, anonymous sockets must stay out: %s", ack)
	}
}
