package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
		r.add(&socket{c: c, h: srv.root, id: fmt.Sprint("s", i)}, uint64(i+1))
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
		r.list = nil // built from the members, as after a leave
		srv.root.presenceLocked(r)
		sh.mu.Unlock()
		for _, c := range conns {
			clear(c.q)
			c.q, c.qbytes = c.q[:0], 0
		}
	}
}

// BenchmarkPresenceListJoin is a joiner's list in a room of 100 whose
// list was built: the join extends it (room.add), and the list is taken.
//
//	go test -run '^$' -bench PresenceListJoin -benchmem ./transport/socketio/
func BenchmarkPresenceListJoin(b *testing.B) {
	users := make([]*User, 100)
	for i := range users {
		users[i] = &User{Name: fmt.Sprint("User ", i), Email: fmt.Sprintf("u%d@bench.appsmith.test", i)}
	}
	srv, r, _ := presenceRoom(b, "650000000000000000000000", users[:99])
	joiner := &socket{c: heldConn(srv, users[99]), h: srv.root, id: "joiner"}
	full := srv.root.listLocked(r).b
	b.ReportAllocs()
	for b.Loop() {
		r.remove(joiner)
		r.list = full[:len(full):len(full)] // the list of the 99, as before the join
		r.add(joiner, 100)
		_ = srv.root.listLocked(r)
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
	other.add(&socket{c: conns[0], h: srv.root, id: "x"}, 1)
	srv.root.presenceLocked(other) // app2's list: another key
	r.add(&socket{c: heldConn(srv, carol), h: srv.root, id: "s-carol"}, 3)
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

// The room keeps its built list while nobody leaves: a join extends it
// with the joiner (nothing for a second tab of a listed user or a member
// who is not signed in), a leave drops it, and at every step it is the
// list built afresh from the members. A list already sent is never
// changed by a later join.
func TestPresenceListKept(t *testing.T) {
	alice, bob, carol := &User{"Alice", "alice@x"}, &User{"Bob", "bob@x"}, &User{"Carol", "carol@x"}
	type step struct {
		leave int   // index into joined of the member who leaves; -1: a join
		user  *User // the joiner's user (nil: not signed in)
		same  bool  // the list must be the previous one, the same bytes
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"joins", []step{{-1, alice, false}, {-1, bob, false}, {-1, carol, false}}},
		{"first to an empty list", []step{{-1, nil, true}, {-1, alice, false}}},
		{"second tab", []step{{-1, alice, false}, {-1, bob, false}, {-1, alice, true}}},
		{"not signed in", []step{{-1, alice, false}, {-1, nil, true}, {-1, bob, false}}},
		{"leave then join", []step{{-1, alice, false}, {-1, bob, false}, {0, nil, false}, {-1, alice, false}}},
		{"first tab leaves", []step{{-1, alice, false}, {-1, bob, false}, {-1, alice, true}, {0, nil, false}, {-1, carol, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, r, _ := presenceRoom(t, "app1", nil)
			h := srv.root
			var joined []*socket
			prev := h.listLocked(r).b
			for i, st := range tc.steps {
				before := string(prev)
				if st.leave >= 0 {
					r.remove(joined[st.leave])
				} else {
					s := &socket{c: heldConn(srv, st.user), h: h, id: fmt.Sprint("s", i)}
					joined = append(joined, s)
					r.nextJoin++
					r.add(s, r.nextJoin)
				}
				got := h.listLocked(r).b
				if want := h.buildList(r); !bytes.Equal(got, want) {
					t.Fatalf("step %d: list %s, built afresh %s", i, got, want)
				}
				if string(prev) != before {
					t.Fatalf("step %d changed the list sent before it: %s, was %s", i, prev, before)
				}
				if same := len(got) > 0 && len(prev) > 0 && &got[0] == &prev[0]; same != st.same {
					t.Fatalf("step %d: the previous list kept = %v, want %v", i, same, st.same)
				}
				if again := h.listLocked(r).b; &again[0] != &got[0] {
					t.Fatalf("step %d: an unchanged room built its list again", i)
				}
				prev = got
			}
		})
	}
}

// Any sequence of joins and leaves, with second tabs and members who are
// not signed in, leaves the kept list equal to the one built afresh.
func TestPresenceListKeptRandom(t *testing.T) {
	// A name holding another user's email member, or its own: escaped,
	// it must not count as that user being listed.
	users := []*User{nil, {"A", "a@x"}, {"B", "b@x"}, {"C", "c@x"}, {`"D"`, "d@x"},
		{`x","email":"e@x"}`, "f@x"}, {"E", "e@x"}, {"A2", "ba@x"}}
	srv, r, _ := presenceRoom(t, "app1", nil)
	h := srv.root
	rng := rand.New(rand.NewPCG(1, 2))
	var members []*socket
	for i := range 2000 {
		if len(members) > 0 && rng.IntN(3) == 0 {
			k := rng.IntN(len(members))
			r.remove(members[k])
			members = append(members[:k], members[k+1:]...)
		} else {
			s := &socket{c: heldConn(srv, users[rng.IntN(len(users))]), h: h, id: fmt.Sprint("s", i)}
			members = append(members, s)
			r.nextJoin++
			r.add(s, r.nextJoin)
		}
		if rng.IntN(2) == 0 { // the list is not built after every change
			continue
		}
		if got, want := h.listLocked(r).b, h.buildList(r); !bytes.Equal(got, want) {
			t.Fatalf("step %d: list %s, built afresh %s", i, got, want)
		}
	}
}
