package socketio

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// FuzzDecodePacket feeds whole WebSocket text frames (an Engine.IO packet,
// usually carrying a Socket.IO packet) to the decoders. They must never
// panic, and whatever decodes must re-encode to a frame that decodes to the
// same packet.
func FuzzDecodePacket(f *testing.F) {
	complete := []string{
		"2", "3", "1", "6", "2probe", "40", `40{"token":"abc"}`, "40/page/edit,",
		`40{"pid":"Xy","offset":"o1f"}`, "41", "41/page/edit,",
		`42["collab:start_edit","app1"]`, `42/page/edit,["collab:mouse_pointer",{"data":{"x":1,"y":2},"pageId":"p"}]`,
		`4212["collab:leave_edit","app1"]`, `43/admin,13["bar"]`, `44{"message":"Invalid namespace"}`,
		`451-["hello",{"_placeholder":true,"num":0}]`, `461-/admin,13[{"_placeholder":true,"num":0}]`,
		`42["graph:changed",{"appId":"a","seq":1},"o1"]`, `42[1,2,3]`,
		`0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
	}
	for _, s := range complete {
		f.Add([]byte(s))
		// Truncated forms: every prefix of the first few bytes and the
		// packet without its last byte.
		for i := 0; i < len(s) && i < 6; i++ {
			f.Add([]byte(s[:i]))
		}
		f.Add([]byte(s[:len(s)-1]))
	}
	f.Add([]byte("42/page/edit"))
	f.Add([]byte("421"))
	f.Add([]byte("45-"))
	f.Add([]byte("4" + "2" + string(bytes.Repeat([]byte("9"), 40)) + `["a"]`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		p, err := decodeEIO(frame)
		if err != nil {
			return
		}
		if p.Type != eioMessage {
			return
		}
		sp, err := decodeSIO(p.Data)
		if err != nil {
			return
		}
		enc := appendSIO(nil, sp)
		if enc[0] != eioMessage {
			t.Fatalf("encoded %q", enc)
		}
		again, err := decodeSIO(enc[1:])
		if err != nil {
			t.Fatalf("re-decoding %q (from %q): %v", enc, frame, err)
		}
		if !reflect.DeepEqual(again, sp) {
			t.Fatalf("round trip of %q: %+v != %+v", frame, again, sp)
		}
		if sp.Type == sioEvent {
			_, _, _ = eventArgs(sp.Data)
		}
	})
}

// FuzzReplaceFields feeds client pointer payloads to replaceFields: it must
// never panic, and for valid JSON what it returns is an object whose "user" and
// "socketId" occur once each, last, with the server's values.
func FuzzReplaceFields(f *testing.F) {
	for _, s := range []string{`{}`, `{"data":{"x":1},"pageId":"p"}`, `{"user":1,"socketId":2}`,
		`{"us\u0065r":1}`, `{"a":"\"user\""}`, `{"user":`, `[]`, `{"x":1}{}`, `{"a":[{"user":1}]}`} {
		f.Add([]byte(s))
	}
	user, sid := []byte(`{"name":"A","email":"a@x"}`), []byte(`"s"`)
	f.Fuzz(func(t *testing.T, obj []byte) {
		got, err := replaceFields(obj, []byte(`"user"`), user, []byte(`"socketId"`), sid)
		if err != nil || !json.Valid(obj) { // the caller passes only objects it decoded
			return
		}
		if !json.Valid(got) {
			t.Fatalf("replaceFields(%q) = %q: not JSON", obj, got)
		}
		keys, vals := members(t, got)
		n := len(keys)
		if n < 2 || keys[n-2] != "user" || keys[n-1] != "socketId" || vals[n-2] != string(user) || vals[n-1] != string(sid) ||
			slices.Contains(keys[:n-2], "user") || slices.Contains(keys[:n-2], "socketId") {
			t.Fatalf("replaceFields(%q) = %q", obj, got)
		}
	})
}
