package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestDecodeEIO(t *testing.T) {
	tests := []struct {
		in       string
		wantType byte
		wantData string
		wantErr  error
	}{
		{"", 0, "", errEmptyPacket},
		{"2", eioPing, "", nil},
		{"3", eioPong, "", nil},
		{"2probe", eioPing, "probe", nil},
		{"1", eioClose, "", nil},
		{"40", eioMessage, "0", nil},
		{`42["a"]`, eioMessage, `2["a"]`, nil},
		{"6", eioNoop, "", nil},
		{"7", 0, "", errUnknownType},
		{"x", 0, "", errUnknownType},
		{"b4AAA", 0, "", errUnknownType}, // base64 binary is a polling-only form
	}
	for _, tt := range tests {
		p, err := decodeEIO([]byte(tt.in))
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("decodeEIO(%q) error %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && (p.Type != tt.wantType || string(p.Data) != tt.wantData) {
			t.Errorf("decodeEIO(%q) = %c %q, want %c %q", tt.in, p.Type, p.Data, tt.wantType, tt.wantData)
		}
	}
}

func TestDecodeSIO(t *testing.T) {
	tests := []struct {
		in      string
		want    sioPacket
		wantErr error
	}{
		// CONNECT, with and without namespace and auth.
		{"0", sioPacket{Type: sioConnect, Nsp: "/", ID: -1}, nil},
		{`0{"token":"123"}`, sioPacket{Type: sioConnect, Nsp: "/", ID: -1, Data: json.RawMessage(`{"token":"123"}`)}, nil},
		{"0/page/edit,", sioPacket{Type: sioConnect, Nsp: "/page/edit", ID: -1}, nil},
		{"0/page/edit", sioPacket{Type: sioConnect, Nsp: "/page/edit", ID: -1}, nil},
		{`0/admin,{"pid":"p","offset":"o1"}`, sioPacket{Type: sioConnect, Nsp: "/admin", ID: -1, Data: json.RawMessage(`{"pid":"p","offset":"o1"}`)}, nil},
		{`0["x"]`, sioPacket{}, errInvalidPayload},
		{`0"x"`, sioPacket{}, errInvalidPayload},
		// DISCONNECT.
		{"1", sioPacket{Type: sioDisconnect, Nsp: "/", ID: -1}, nil},
		{"1/page/edit,", sioPacket{Type: sioDisconnect, Nsp: "/page/edit", ID: -1}, nil},
		{"1{}", sioPacket{}, errInvalidPayload},
		// EVENT.
		{`2["hello",1]`, sioPacket{Type: sioEvent, Nsp: "/", ID: -1, Data: json.RawMessage(`["hello",1]`)}, nil},
		{`2/page/edit,["collab:mouse_pointer",{"pageId":"p"}]`, sioPacket{Type: sioEvent, Nsp: "/page/edit", ID: -1, Data: json.RawMessage(`["collab:mouse_pointer",{"pageId":"p"}]`)}, nil},
		{`212["foo"]`, sioPacket{Type: sioEvent, Nsp: "/", ID: 12, Data: json.RawMessage(`["foo"]`)}, nil},
		{`2/admin,7["foo"]`, sioPacket{Type: sioEvent, Nsp: "/admin", ID: 7, Data: json.RawMessage(`["foo"]`)}, nil},
		{`2[1,2]`, sioPacket{Type: sioEvent, Nsp: "/", ID: -1, Data: json.RawMessage(`[1,2]`)}, nil},
		{`2[]`, sioPacket{}, errInvalidPayload},
		{`2{}`, sioPacket{}, errInvalidPayload},
		{`2[{}]`, sioPacket{}, errInvalidPayload},
		{`2`, sioPacket{}, errInvalidPayload},
		{`2["connect"]`, sioPacket{}, errReservedEvent},
		{`2["disconnect",1]`, sioPacket{}, errReservedEvent},
		{`2["a"`, sioPacket{}, errInvalidPayload},
		{`2["a"]x`, sioPacket{}, errInvalidPayload},
		{`21234567890123456["a"]`, sioPacket{}, errBadAckID},
		// ACK.
		{`3/admin,13["bar"]`, sioPacket{Type: sioAck, Nsp: "/admin", ID: 13, Data: json.RawMessage(`["bar"]`)}, nil},
		{`31[]`, sioPacket{Type: sioAck, Nsp: "/", ID: 1, Data: json.RawMessage(`[]`)}, nil},
		{`31{}`, sioPacket{}, errInvalidPayload},
		// CONNECT_ERROR.
		{`4{"message":"Not authorized"}`, sioPacket{Type: sioConnectError, Nsp: "/", ID: -1, Data: json.RawMessage(`{"message":"Not authorized"}`)}, nil},
		{`4"legacy"`, sioPacket{Type: sioConnectError, Nsp: "/", ID: -1, Data: json.RawMessage(`"legacy"`)}, nil},
		// Binary forms.
		{`51-["hello",{"_placeholder":true,"num":0}]`, sioPacket{Type: sioBinaryEvent, Attachments: 1, Nsp: "/", ID: -1, Data: json.RawMessage(`["hello",{"_placeholder":true,"num":0}]`)}, nil},
		{`61-/admin,13[{"_placeholder":true,"num":0}]`, sioPacket{Type: sioBinaryAck, Attachments: 1, Nsp: "/admin", ID: 13, Data: json.RawMessage(`[{"_placeholder":true,"num":0}]`)}, nil},
		{`5-["a"]`, sioPacket{}, errBadAttachments},
		{`5x-["a"]`, sioPacket{}, errBadAttachments},
		{`50-["a"]`, sioPacket{}, errBadAttachments},
		{`599-["a"]`, sioPacket{}, errBadAttachments},
		{`51`, sioPacket{}, errBadAttachments},
		// Garbage.
		{"", sioPacket{}, errEmptyPacket},
		{"7", sioPacket{}, errUnknownType},
		{"a", sioPacket{}, errUnknownType},
	}
	for _, tt := range tests {
		got, err := decodeSIO([]byte(tt.in))
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("decodeSIO(%q) error %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("decodeSIO(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		// Round trip: what decodes, encodes back to an equivalent packet.
		enc := appendSIO(nil, got)
		again, err := decodeSIO(enc[1:])
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip of %q via %q: %+v, %v", tt.in, enc, again, err)
		}
	}
}

func TestEncoders(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{string(encodeOpen("abc", 25000, 20000, 1000000)), `0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`},
		{string(encodeConnect("/", "s1", "p1")), `40{"sid":"s1","pid":"p1"}`},
		{string(encodeConnect("/page/edit", "s1", "")), `40/page/edit,{"sid":"s1"}`},
		{string(encodeConnectError("/nope", "Invalid namespace")), `44/nope,{"message":"Invalid namespace"}`},
		{string(encodeEvent("/", "info:release_version", []byte(`"v1"`))), `42["info:release_version","v1"]`},
		{string(encodeEvent("/page/edit", "collab:leave_edit", []byte(`"sid"`))), `42/page/edit,["collab:leave_edit","sid"]`},
		{string(encodeEvent("/", `we"ird`)), `42["we\"ird"]`},
		{string(encodeEvent("/", "graph:changed", []byte(`{"seq":1}`), formatOffset(35))), `42["graph:changed",{"seq":1},"oz"]`},
		{string(encodeAck("/", 3, []byte(`{"ok":true}`))), `433[{"ok":true}]`},
		{string(encodeAck("/page/edit", 0)), `43/page/edit,0[]`},
		{string(appendSIO(nil, sioPacket{Type: sioDisconnect, Nsp: "/page/edit", ID: -1})), `41/page/edit,`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got  %s\nwant %s", tt.got, tt.want)
		}
	}
}

func TestInjectFields(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{`{}`, `{"seq":7}`, false},
		{` { } `, `{"seq":7}`, false},
		{`{"a":1}`, `{"a":1,"seq":7}`, false},
		{"{\n  \"a\": [1, 2]\n}\n", `{"a": [1, 2],"seq":7}`, false},
		{`{"seq":"old"}`, `{"seq":"old","seq":7}`, false},
		{`[1]`, ``, true},
		{``, ``, true},
		{`{`, ``, true},
	}
	for _, tt := range tests {
		got, err := injectFields([]byte(tt.in), []byte(`"seq"`), []byte("7"))
		if (err != nil) != tt.err || string(got) != tt.want {
			t.Errorf("injectFields(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err == nil {
			var v map[string]any
			if err := json.Unmarshal(got, &v); err != nil || v["seq"] != float64(7) {
				t.Errorf("injectFields(%q) = %q: not JSON with seq 7 winning (%v)", tt.in, got, err)
			}
		}
	}
}

func TestOffsets(t *testing.T) {
	for _, off := range []uint64{1, 35, 36, 1 << 40, 1<<64 - 1} {
		var s string
		if err := json.Unmarshal(formatOffset(off), &s); err != nil {
			t.Fatal(err)
		}
		got, ok := parseOffset(s)
		if !ok || got != off {
			t.Errorf("parseOffset(%q) = %d, %v; want %d", s, got, ok, off)
		}
	}
	for _, s := range []string{"", "o", "v1.2.3", "1", "o-1", "o!", "ozzzzzzzzzzzzzzzzzz", "O1"} {
		if _, ok := parseOffset(s); ok {
			t.Errorf("parseOffset(%q) accepted", s)
		}
	}
}

func TestObjectJSON(t *testing.T) {
	good := []any{nil, map[string]any{"a": 1}, json.RawMessage(` {"a":1} `), []byte(`{}`), struct{ A int }{1}}
	for _, p := range good {
		if _, err := objectJSON(p); err != nil {
			t.Errorf("objectJSON(%v): %v", p, err)
		}
	}
	bad := []any{json.RawMessage(`[1]`), json.RawMessage(`{"a":`), "string", 42, []int{1}, json.RawMessage(``), func() {}}
	for _, p := range bad {
		if _, err := objectJSON(p); err == nil {
			t.Errorf("objectJSON(%#v) accepted", p)
		}
	}
}

// members lists the top-level keys of a JSON object in order (duplicates
// included), each with its raw value: what a first-key-wins parser and
// JSON.parse (last wins) each see.
func members(t testing.TB, obj []byte) (keys []string, vals []string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%q is not an object", obj)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%q: %v", obj, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("%q: %v", obj, err)
		}
		keys = append(keys, tok.(string))
		vals = append(vals, string(raw))
	}
	return keys, vals
}

// TestReplaceFields: a pointer's client-supplied "user" / "socketId" never
// survive next to the server's (issue 13: the forgery came first, so a
// first-key-wins parser read it), however the key is spelt.
func TestReplaceFields(t *testing.T) {
	user := []byte(`{"name":"Alice","email":"alice@x"}`)
	sid := []byte(`"sid1"`)
	tests := []struct {
		name, in string
		keys     []string // want, in order
		err      bool
	}{
		{"clean", `{"data":{"x":1},"pageId":"p1"}`, []string{"data", "pageId", "user", "socketId"}, false},
		{"forged both", `{"user":{"name":"Mallory","email":"m@x"},"data":{"x":1},"socketId":"forged","pageId":"p1"}`,
			[]string{"data", "pageId", "user", "socketId"}, false},
		{"escaped key", `{"us\u0065r":{"email":"m@x"},"pageId":"p1","socket\u0049d":"x"}`, []string{"pageId", "user", "socketId"}, false},
		{"duplicates", `{"user":1,"user":2,"pageId":"p1"}`, []string{"pageId", "user", "socketId"}, false},
		{"nested user kept", `{"data":{"user":"inner","socketId":"inner"},"pageId":"p1"}`, []string{"data", "pageId", "user", "socketId"}, false},
		{"other escapes kept", `{"d\u0061ta":"a\"b","pageId":"p1"}`, []string{"data", "pageId", "user", "socketId"}, false},
		{"only forged", ` {"user":null} `, []string{"user", "socketId"}, false},
		{"empty", `{}`, []string{"user", "socketId"}, false},
		{"array", `["user"]`, nil, true},
		{"trailing", `{"user":1}{}`, nil, true},
		{"truncated", `{"user":`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceFields([]byte(tt.in), []byte(`"user"`), user, []byte(`"socketId"`), sid)
			if (err != nil) != tt.err {
				t.Fatalf("replaceFields(%q) error %v, want error %v", tt.in, err, tt.err)
			}
			if err != nil {
				return
			}
			keys, vals := members(t, got)
			if !slices.Equal(keys, tt.keys) {
				t.Fatalf("replaceFields(%q) = %s: keys %q, want %q", tt.in, got, keys, tt.keys)
			}
			if vals[len(vals)-2] != string(user) || vals[len(vals)-1] != string(sid) {
				t.Fatalf("replaceFields(%q) = %s: not the server's user and socket id", tt.in, got)
			}
			// The other members are the client's, unchanged.
			var in, out map[string]any
			_ = json.Unmarshal([]byte(tt.in), &in)
			_ = json.Unmarshal(got, &out)
			delete(in, "user")
			delete(in, "socketId")
			delete(out, "user")
			delete(out, "socketId")
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("replaceFields(%q) = %s: other members changed", tt.in, got)
			}
		})
	}
}
