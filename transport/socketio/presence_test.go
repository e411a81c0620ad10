package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// presenceRoom builds a server whose "/" hub has room app:<id> with the
// given users as members, in this join order. Their connections never
// write (a writer is marked running), so what the room is sent stays in
// their queues.
func presenceRoom(tb testing.TB, id string, users []*User) (*Server, *room, []*conn) {
	tb.Helper()
	srv, err := New(Options{Registerer: prometheus.NewRegistry()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	sh := srv.root.shardFor(prefixApp + id)
	r := sh.getOrCreate(prefixApp + id)
	var conns []*conn
	for i, u := range users {
		c := heldConn(srv, u)
		conns = append(conns, c)
		r.members[&socket{c: c, h: srv.root, id: fmt.Sprint("s", i)}] = uint64(i + 1)
	}
	return srv, r, conns
}

// The editor list is byte for byte what socket.io's JSON.stringify (and
// encoding/json) gives for {resourceId, users}: users in join order,
// deduplicated by email, anonymous members left out, names and ids with
// quotes, HTML characters and non-ASCII escaped as encoding/json does.
func TestPresenceListEncoding(t *testing.T) {
	users := []*User{
		{Name: `Zoë "Z" <admin> & co`, Email: "zoe@x"},
		nil, // an unauthenticated member: not listed
		{Name: "Bob", Email: "bob@x"},
		{Name: "Zoë again", Email: "zoe@x"}, // a second tab of zoe: listed once, first
		{Name: "Ann\u2028", Email: "ann@x"},
	}
	srv, r, conns := presenceRoom(t, `a"b<c>`, users)
	sh := srv.root.shardFor(r.name)
	sh.mu.Lock()
	srv.root.presenceLocked(r)
	sh.mu.Unlock()
	want, _ := json.Marshal(struct {
		ResourceID string `json:"resourceId"`
		Users      []User `json:"users"`
	}{`a"b<c>`, []User{*users[0], *users[2], *users[4]}})
	wantPkt := string(encodeEvent(nspRoot, EventOnlineEditors, want))
	for i, c := range conns {
		if len(c.q) != 1 || string(c.q[0].b) != wantPkt {
			t.Fatalf("member %d was sent %q, want one %s", i, c.q, wantPkt)
		}
	}
}

// BenchmarkPresenceList builds and queues one editor list of a room of 100
// signed-in editors (what every join, leave and reconnect in the room
// costs, once per presenceWindow).
//
//	go test -run '^$' -bench PresenceList -benchmem ./transport/socketio/
func BenchmarkPresenceList(b *testing.B) {
	users := make([]*User, 100)
	for i := range users {
		users[i] = &User{Name: fmt.Sprint("User ", i), Email: fmt.Sprintf("u%d@bench.appsmith.test", i)}
	}
	srv, r, conns := presenceRoom(b, "650000000000000000000000", users)
	sh := srv.root.shardFor(r.name)
	b.ReportAllocs()
	for b.Loop() {
		sh.mu.Lock()
		srv.root.presenceLocked(r)
		sh.mu.Unlock()
		for _, c := range conns {
			clear(c.q)
			c.q, c.qbytes = c.q[:0], 0
		}
	}
}

// A member whose writer is behind (it has not been sent the room's last
// list yet) gets only the room's newest list, in the old one's place;
// other messages and other rooms' lists stay.
func TestPresenceListConflation(t *testing.T) {
	alice, bob, carol := &User{"Alice", "alice@x"}, &User{"Bob", "bob@x"}, &User{"Carol", "carol@x"}
	srv, r, conns := presenceRoom(t, "app1", []*User{alice, bob})
	other := &room{name: prefixApp + "app2", members: map[*socket]uint64{}}
	sh := srv.root.shardFor(r.name)
	send := func() {
		sh.mu.Lock()
		srv.root.presenceLocked(r)
		sh.mu.Unlock()
	}
	send()
	ptr := outMsg{b: []byte(`42/page/edit,["collab:mouse_pointer",{}]`), key: "sender1"}
	conns[0].enqueue(ptr)
	other.members[&socket{c: conns[0], h: srv.root, id: "x"}] = 1
	srv.root.presenceLocked(other) // app2's list: another key
	r.members[&socket{c: heldConn(srv, carol), h: srv.root, id: "s-carol"}] = 3
	send()
	got := queued(conns[0])
	if len(got) != 3 || !strings.Contains(got[0], `"resourceId":"app1"`) || !strings.Contains(got[0], "carol@x") ||
		got[1] != string(ptr.b) || !strings.Contains(got[2], `"resourceId":"app2"`) {
		t.Fatalf("queue %q: want app1's newest list (with carol) in the first list's place, the pointer, app2's list", got)
	}
	if got := queued(conns[1]); len(got) != 1 || !strings.Contains(got[0], "carol@x") {
		t.Fatalf("queue %q: want only app1's newest list", got)
	}
}
