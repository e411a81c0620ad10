package socketio

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// ackError emits event with args for id and returns the ack's error text
// ("" for {"ok":true}).
func ackError(t *testing.T, n *nodeClient, id, event string, args ...any) string {
	t.Helper()
	before := len(n.all(func(m msg) bool { return m.ID == id && m.Type == "ack" }))
	n.send(map[string]any{"op": "emit", "id": id, "event": event, "args": args, "ack": true})
	n.waitCount(func(m msg) bool { return m.ID == id && m.Type == "ack" }, before+1, wait, id+" ack")
	acks := n.all(func(m msg) bool { return m.ID == id && m.Type == "ack" })
	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	acks[before].arg(t, 0, &res)
	if res.OK != (res.Error == "") {
		t.Fatalf("ack %s", acks[before])
	}
	return res.Error
}

// TestSecretGuardsAppRooms: with Options.Secret set, only sockets that
// present it (CONNECT auth {secret} or the x-rts-secret header) receive the
// app rooms' pushes; without a signed-in user they may join app rooms only
// with it (issue 13: a socket with no credentials joined app:<id> and read
// entity:renamed / graph:changed). Presence stays cookie-authenticated.
func TestSecretGuardsAppRooms(t *testing.T) {
	const secret = "s3cret"
	type client struct {
		id      string
		nsp     string
		cookie  string
		auth    map[string]any
		headers map[string]string
		ackErr  string // of collab:start_edit app1 (or page p1 in /page/edit)
		pushed  bool   // receives the push to app:app1
		listed  bool   // appears in the room's editor list
	}
	cases := []struct {
		name    string
		opts    func(*Options)
		clients []client
	}{
		{
			// The attack of issue 13: no Appsmith backend, anonymous
			// viewers admitted, a secret set.
			name: "standalone",
			opts: func(o *Options) { o.APIBaseURL = ""; o.AnonymousViewers = true; o.Secret = secret },
			clients: []client{
				{id: "none", ackErr: "secret required"},
				{id: "wrong", auth: map[string]any{"secret": "s3cre"}, ackErr: "secret required"},
				{id: "number", auth: map[string]any{"secret": 42}, ackErr: "secret required"},
				{id: "auth", auth: map[string]any{"secret": secret}, pushed: true},
				{id: "header", headers: map[string]string{"x-rts-secret": secret}, pushed: true},
			},
		},
		{
			name: "with backend",
			opts: func(o *Options) { o.Secret = secret },
			clients: []client{
				{id: "anon", ackErr: "secret required"},
				{id: "viewer", auth: map[string]any{"secret": secret}, pushed: true},
				{id: "alice", cookie: "SESSION=alice", listed: true},
				{id: "bob", cookie: "SESSION=bob", auth: map[string]any{"secret": secret}, pushed: true, listed: true},
				{id: "carol-page", nsp: "/page/edit", cookie: "SESSION=carol", listed: true},
				{id: "viewer-page", nsp: "/page/edit", auth: map[string]any{"secret": secret}, ackErr: "unauthenticated"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			n := startNode(t, e.hs.URL)
			var appEditors, pageEditors []string
			for _, c := range tc.clients {
				cmd := map[string]any{"op": "connect", "id": c.id}
				if c.nsp != "" {
					cmd["nsp"] = c.nsp
				}
				if c.cookie != "" {
					cmd["cookie"] = c.cookie
				}
				if c.auth != nil {
					cmd["auth"] = c.auth
				}
				if c.headers != nil {
					cmd["headers"] = c.headers
				}
				n.send(cmd)
				n.waitFor(isConnect(c.id), wait, c.id+" connect")
				room := "app1"
				if c.nsp == "/page/edit" {
					room = "p1"
				}
				if got := ackError(t, n, c.id, EventStartEdit, room); got != c.ackErr {
					t.Fatalf("%s: start_edit answered %q, want %q", c.id, got, c.ackErr)
				}
				if c.listed {
					email := strings.TrimPrefix(c.cookie, "SESSION=") + "@x"
					if room == "p1" {
						pageEditors = append(pageEditors, email)
						n.waitFor(editors(c.id, room, pageEditors...), wait, c.id+" sees the page's editors")
					} else {
						appEditors = append(appEditors, email)
						n.waitFor(editors(c.id, room, appEditors...), wait, c.id+" sees the app's editors")
					}
				}
			}
			e.publish("app:app1", "entity:renamed", map[string]any{"appId": "app1", "oldName": "A", "newName": "B"})
			// Publish has queued the push to every member before it returns,
			// so an ack asked for now arrives after it: once it is seen, a
			// socket that has not had the push never will.
			for _, c := range tc.clients {
				if got := ackError(t, n, c.id, EventLeaveEdit, "none"); got != "" {
					t.Fatalf("%s: leave_edit answered %q", c.id, got)
				}
			}
			for _, c := range tc.clients {
				got := n.all(isEvent(c.id, "entity:renamed"))
				if c.pushed && len(got) != 1 {
					t.Errorf("%s presented the secret but received %v", c.id, got)
				}
				if !c.pushed && len(got) != 0 {
					t.Errorf("%s has no secret but received %v", c.id, got)
				}
			}
		})
	}
}

// TestPointerForgeryDropped: a pointer's client-supplied "user" and
// "socketId" (issue 13) reach the room only as the server's values, read
// off the wire so that duplicates would show.
func TestPointerForgeryDropped(t *testing.T) {
	e := newEnv(t, nil)
	alice := dialRaw(t, e, "SESSION=alice", nil)
	bob := dialRaw(t, e, "SESSION=bob", nil)
	var aliceSID string
	for _, c := range []*rawClient{alice, bob} {
		c.write("40/page/edit,")
		got := c.readUntil("40/page/edit,")
		if c == alice {
			var v struct{ SID string }
			_ = json.Unmarshal([]byte(strings.TrimPrefix(got, "40/page/edit,")), &v)
			aliceSID = v.SID
		}
		c.write(`42/page/edit,1["collab:start_edit","p1"]`)
		c.readUntil("43/page/edit,1")
	}
	alice.write(`42/page/edit,["collab:mouse_pointer",{"user":{"name":"Mallory","email":"m@x"},"socketId":"forged",` +
		`"data":{"x":1,"y":2},"socket\u0049d":"forged2","pageId":"p1"}]`)
	frame := bob.readUntil(`42/page/edit,["collab:mouse_pointer"`)
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(strings.TrimPrefix(frame, "42/page/edit,")), &args); err != nil || len(args) != 2 {
		t.Fatalf("pointer frame %q", frame)
	}
	keys, vals := members(t, args[1])
	want := []string{"data", "pageId", "user", "socketId"}
	if !slices.Equal(keys, want) {
		t.Fatalf("pointer members %q, want %q: %s", keys, want, args[1])
	}
	if vals[2] != `{"name":"Alice","email":"alice@x"}` || vals[3] != `"`+aliceSID+`"` {
		t.Fatalf("pointer %s: not alice's user and socket id %s", args[1], aliceSID)
	}
}
