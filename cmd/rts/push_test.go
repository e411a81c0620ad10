package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestServePushesRenames runs `rts serve --demo` and checks, over the
// Engine.IO/Socket.IO wire protocol, that a viewer of the demo app hears
// entity:renamed and graph:changed (with seq) when the app is renamed
// through the HTTP API. (transport/socketio's tests cover the protocol with
// the real socket.io-client.)
func TestServePushesRenames(t *testing.T) {
	t.Parallel()
	_, base, lines := startServe(t, buildRTS(t), []string{"APPSMITH_LOG_LEVEL=warn"}, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo")
	go func() {
		for lines.Scan() {
		}
	}()

	var apps struct{ Data []struct{ ID, Name string } }
	getJSON(t, base+"/rts-api/v1/apps", &apps)
	if len(apps.Data) != 1 || apps.Data[0].Name != "Demo" {
		t.Fatalf("apps: %+v", apps)
	}
	appID := apps.Data[0].ID

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/rts/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(hangGuard))
	read := func() string {
		t.Helper()
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if string(msg) == "2" { // Engine.IO ping
				ws.WriteMessage(websocket.TextMessage, []byte("3"))
				continue
			}
			return string(msg)
		}
	}
	if open := read(); !strings.HasPrefix(open, `0{"sid"`) {
		t.Fatalf("open packet %q", open)
	}
	ws.WriteMessage(websocket.TextMessage, []byte("40"))
	if c := read(); !strings.HasPrefix(c, `40{"sid"`) {
		t.Fatalf("connect answer %q", c)
	}
	ws.WriteMessage(websocket.TextMessage, []byte(`421["collab:start_edit","`+appID+`"]`))
	for {
		if m := read(); strings.HasPrefix(m, "431") {
			if strings.Contains(m, "error") && !strings.Contains(m, `"error":""`) {
				t.Fatalf("start_edit refused: %s", m)
			}
			break
		}
	}

	res, err := http.Post(base+"/rts-api/v1/apps/"+appID+"/rename", "application/json",
		strings.NewReader(`{"page":"Users","oldName":"getOrders","newName":"listOrders"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("rename: %d %s", res.StatusCode, body)
	}
	var renamed, changed map[string]any
	for renamed == nil || changed == nil {
		m := read()
		if !strings.HasPrefix(m, "42[") {
			continue
		}
		var args []json.RawMessage
		if err := json.Unmarshal([]byte(m[2:]), &args); err != nil || len(args) < 2 {
			t.Fatalf("event %q", m)
		}
		var name string
		json.Unmarshal(args[0], &name)
		switch name {
		case "entity:renamed":
			json.Unmarshal(args[1], &renamed)
		case "graph:changed":
			json.Unmarshal(args[1], &changed)
		}
	}
	if renamed["oldName"] != "getOrders" || renamed["newName"] != "listOrders" || renamed["appId"] != appID || renamed["refactorCount"] != float64(3) {
		t.Errorf("entity:renamed %v", renamed)
	}
	// seq rises by one per room: the rename's graph:changed follows its
	// entity:renamed.
	if changed["seq"] != renamed["seq"].(float64)+1 || changed["page"] != "Users" {
		t.Errorf("graph:changed %v after entity:renamed %v", changed, renamed)
	}
	unknown, _ := json.Marshal(changed["unknown"])
	if strings.Contains(string(unknown), "getOrders") {
		t.Errorf("a rename's intermediate unknown references leaked into its graph:changed: %s", unknown)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// sioClient speaks just enough Engine.IO/Socket.IO for the tests here.
type sioClient struct {
	t  *testing.T
	ws *websocket.Conn
}

// dialSIO opens a socket to "/" with the CONNECT auth payload (JSON or "")
// and the upgrade headers given.
func dialSIO(t *testing.T, base, auth string, hdr http.Header) *sioClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/rts/?EIO=4&transport=websocket", hdr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &sioClient{t: t, ws: ws}
	if open := c.read(); !strings.HasPrefix(open, `0{"sid"`) {
		t.Fatalf("open packet %q", open)
	}
	ws.WriteMessage(websocket.TextMessage, []byte("40"+auth))
	if m := c.read(); !strings.HasPrefix(m, `40{"sid"`) {
		t.Fatalf("connect answer %q", m)
	}
	return c
}

// read returns the next message, answering pings.
func (c *sioClient) read() string {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatal(err)
		}
		if string(msg) == "2" {
			c.ws.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return string(msg)
	}
}

// call emits event(arg) with ack id and returns the ack's error ("" when
// ok) and the events that arrived before the ack.
func (c *sioClient) call(id int, event, arg string) (string, []string) {
	c.t.Helper()
	a, _ := json.Marshal([]string{event, arg})
	c.ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf("42%d%s", id, a)))
	var events []string
	prefix := fmt.Sprintf("43%d", id)
	for {
		m := c.read()
		if strings.HasPrefix(m, prefix) {
			var res []struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(m[len(prefix):]), &res); err != nil || len(res) != 1 {
				c.t.Fatalf("ack %q", m)
			}
			return res[0].Error, events
		}
		if strings.HasPrefix(m, "42[") {
			var args []json.RawMessage
			var name string
			if json.Unmarshal([]byte(m[2:]), &args) == nil && len(args) > 0 && json.Unmarshal(args[0], &name) == nil {
				events = append(events, name)
			}
		}
	}
}

// TestSecretCoversSockets is issue 13's attack on `rts serve` with
// APPSMITH_RTS_SECRET set and no APPSMITH_API_BASE_URL: a socket without
// credentials must not watch an app room; one that presents the secret (in
// its CONNECT auth or the x-rts-secret header) does.
func TestSecretCoversSockets(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const secret = "s3cret"
	_, base, lines := startServe(t, buildRTS(t), []string{"APPSMITH_RTS_SECRET=" + secret, "APPSMITH_LOG_LEVEL=warn"},
		"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo")
	go discardLines(lines)
	req, _ := http.NewRequest("GET", base+"/rts-api/v1/apps", nil)
	req.Header.Set("x-rts-secret", secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var apps struct{ Data []struct{ ID string } }
	json.NewDecoder(res.Body).Decode(&apps)
	res.Body.Close()
	if len(apps.Data) != 1 {
		t.Fatalf("apps: %+v", apps)
	}
	appID := apps.Data[0].ID

	clients := []struct {
		name    string
		auth    string
		hdr     http.Header
		ackErr  string
		watches bool
	}{
		{name: "no credentials", ackErr: "secret required"},
		{name: "a wrong secret", auth: `{"secret":"s3cre"}`, ackErr: "secret required"},
		{name: "a wrong header", hdr: http.Header{"X-Rts-Secret": {"S3CRET"}}, ackErr: "secret required"},
		{name: "the secret in auth", auth: `{"secret":"` + secret + `"}`, watches: true},
		{name: "the secret in the header", hdr: http.Header{"X-Rts-Secret": {secret}}, watches: true},
	}
	socks := make([]*sioClient, len(clients))
	for i, c := range clients {
		socks[i] = dialSIO(t, base, c.auth, c.hdr)
		if got, _ := socks[i].call(1, "collab:start_edit", appID); got != c.ackErr {
			t.Fatalf("%s: collab:start_edit answered %q, want %q", c.name, got, c.ackErr)
		}
	}
	req, _ = http.NewRequest("POST", base+"/rts-api/v1/apps/"+appID+"/rename",
		strings.NewReader(`{"page":"Users","oldName":"getOrders","newName":"listOrders"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-rts-secret", secret)
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("rename: %d", res.StatusCode)
	}
	// A watcher hears entity:renamed then graph:changed; once one has the
	// second push, both were queued to every member of the room, so an ack
	// asked for afterwards follows them on every socket.
	for i, c := range clients {
		if !c.watches {
			continue
		}
		for {
			m := socks[i].read()
			if strings.HasPrefix(m, `42["graph:changed"`) {
				break
			}
		}
	}
	for i, c := range clients {
		_, events := socks[i].call(2, "collab:leave_edit", appID)
		for _, ev := range events {
			if !c.watches && (ev == "entity:renamed" || ev == "graph:changed") {
				t.Errorf("%s received %s", c.name, ev)
			}
		}
	}
}
