package main

import (
	"encoding/json"
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
