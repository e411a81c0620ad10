package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// Engine.IO v4 packet types, as the first byte of a text frame.
const (
	eioOpen    byte = '0'
	eioClose   byte = '1'
	eioPing    byte = '2'
	eioPong    byte = '3'
	eioMessage byte = '4'
	eioUpgrade byte = '5'
	eioNoop    byte = '6'
)

// Socket.IO v5 packet types (the first byte after the Engine.IO '4').
const (
	sioConnect      = 0
	sioDisconnect   = 1
	sioEvent        = 2
	sioAck          = 3
	sioConnectError = 4
	sioBinaryEvent  = 5
	sioBinaryAck    = 6
)

// Decoding errors. They are values so tests and callers can compare them.
var (
	errEmptyPacket    = errors.New("socketio: empty packet")
	errUnknownType    = errors.New("socketio: unknown packet type")
	errBadAttachments = errors.New("socketio: illegal attachments")
	errBadAckID       = errors.New("socketio: illegal ack id")
	errBadNamespace   = errors.New("socketio: illegal namespace")
	errInvalidPayload = errors.New("socketio: invalid payload")
	errReservedEvent  = errors.New("socketio: reserved event name")
)

const (
	maxAttachments    = 10   // socket.io-parser's default maxAttachments
	maxAckIDDigits    = 15   // fits in a JS safe integer and in int64
	maxNamespaceBytes = 256  // namespaces are short; anything longer is hostile
	maxEventNameBytes = 1024 // event names are short too
)

// reservedEvents are the names socket.io-parser refuses in an EVENT packet.
var reservedEvents = [...]string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// isReservedEvent reports whether name is one of the event names socket.io
// reserves; the client's decoder rejects an EVENT packet carrying one (and
// drops the connection with "parse error"), so the server never sends them
// and refuses to receive them.
func isReservedEvent(name string) bool {
	for _, r := range reservedEvents {
		if name == r {
			return true
		}
	}
	return false
}

// eioPacket is one Engine.IO packet of a text frame.
type eioPacket struct {
	Type byte
	Data []byte // aliases the frame
}

// decodeEIO splits a text WebSocket frame into its Engine.IO packet. Over the
// WebSocket transport one frame carries exactly one packet (no payload
// separators), so the type is the first byte and the rest is the data.
func decodeEIO(frame []byte) (eioPacket, error) {
	if len(frame) == 0 {
		return eioPacket{}, errEmptyPacket
	}
	t := frame[0]
	if t < eioOpen || t > eioNoop {
		return eioPacket{}, errUnknownType
	}
	return eioPacket{Type: t, Data: frame[1:]}, nil
}

// sioPacket is one decoded Socket.IO packet.
//
// The wire format (protocol v5) is
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
//
// where the namespace is present only when it is not "/" and the data is a
// JSON object (CONNECT, CONNECT_ERROR), an array (EVENT, ACK) or absent
// (DISCONNECT).
type sioPacket struct {
	Type        int
	Attachments int             // binary packets only
	Nsp         string          // "/" when absent on the wire
	ID          int64           // ack id, -1 when absent
	Data        json.RawMessage // raw JSON, nil when absent
}

// decodeSIO decodes a Socket.IO packet (the data of an Engine.IO message
// packet). It follows socket.io-parser's Decoder.decodeString, including its
// payload validity rules, and never panics on any input.
func decodeSIO(b []byte) (sioPacket, error) {
	p := sioPacket{ID: -1, Nsp: "/"}
	if len(b) == 0 {
		return p, errEmptyPacket
	}
	if b[0] < '0' || b[0] > '6' {
		return p, errUnknownType
	}
	p.Type = int(b[0] - '0')
	i := 1
	if p.Type == sioBinaryEvent || p.Type == sioBinaryAck {
		start := i
		for i < len(b) && b[i] != '-' {
			if b[i] < '0' || b[i] > '9' {
				return p, errBadAttachments
			}
			i++
		}
		if i == len(b) || i == start || i-start > 4 {
			return p, errBadAttachments
		}
		n, _ := strconv.Atoi(string(b[start:i]))
		if n < 1 || n > maxAttachments {
			return p, errBadAttachments
		}
		p.Attachments = n
		i++ // the '-'
	}
	if i < len(b) && b[i] == '/' {
		start := i
		for i < len(b) && b[i] != ',' {
			i++
		}
		if i-start > maxNamespaceBytes {
			return p, errBadNamespace
		}
		p.Nsp = string(b[start:i])
		if i < len(b) {
			i++ // the ','
		}
	}
	if i < len(b) && b[i] >= '0' && b[i] <= '9' {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i-start > maxAckIDDigits {
			return p, errBadAckID
		}
		id, err := strconv.ParseInt(string(b[start:i]), 10, 64)
		if err != nil {
			return p, errBadAckID
		}
		p.ID = id
	}
	if i < len(b) {
		data := b[i:]
		if !json.Valid(data) {
			return p, errInvalidPayload
		}
		p.Data = json.RawMessage(data)
	}
	if err := checkPayload(p.Type, p.Data); err != nil {
		return p, err
	}
	return p, nil
}

// checkPayload applies socket.io-parser's isPayloadValid.
func checkPayload(typ int, data json.RawMessage) error {
	first := firstByte(data)
	switch typ {
	case sioConnect:
		if data != nil && first != '{' {
			return errInvalidPayload
		}
	case sioDisconnect:
		if data != nil {
			return errInvalidPayload
		}
	case sioConnectError:
		if data != nil && first != '{' && first != '"' {
			return errInvalidPayload
		}
	case sioEvent, sioBinaryEvent:
		if first != '[' {
			return errInvalidPayload
		}
		name, ok, err := eventName(data)
		if err != nil {
			return err
		}
		if ok && isReservedEvent(name) {
			return errReservedEvent
		}
	case sioAck, sioBinaryAck:
		if first != '[' {
			return errInvalidPayload
		}
	}
	return nil
}

func firstByte(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// eventName returns the first element of an EVENT array when it is a string
// (ok=false when it is a number, which the protocol allows and this server
// ignores). Any other first element, or an empty array, is invalid.
func eventName(data json.RawMessage) (name string, ok bool, err error) {
	var first json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return "", false, errInvalidPayload
	}
	if !dec.More() {
		return "", false, errInvalidPayload
	}
	if err := dec.Decode(&first); err != nil {
		return "", false, errInvalidPayload
	}
	switch firstByte(first) {
	case '"':
		if err := json.Unmarshal(first, &name); err != nil {
			return "", false, errInvalidPayload
		}
		return name, true, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "", false, nil
	}
	return "", false, errInvalidPayload
}

// eventArgs splits a valid EVENT payload into its name and arguments.
func eventArgs(data json.RawMessage) (name string, args []json.RawMessage, err error) {
	var all []json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil || len(all) == 0 {
		return "", nil, errInvalidPayload
	}
	if err := json.Unmarshal(all[0], &name); err != nil {
		return "", nil, errInvalidPayload
	}
	if len(name) > maxEventNameBytes {
		return "", nil, errInvalidPayload
	}
	return name, all[1:], nil
}

// appendSIO appends the Engine.IO message packet carrying p ("4" + the
// Socket.IO encoding) to dst.
func appendSIO(dst []byte, p sioPacket) []byte {
	dst = append(dst, eioMessage, byte('0'+p.Type))
	if p.Type == sioBinaryEvent || p.Type == sioBinaryAck {
		dst = strconv.AppendInt(dst, int64(p.Attachments), 10)
		dst = append(dst, '-')
	}
	if p.Nsp != "" && p.Nsp != "/" {
		dst = append(dst, p.Nsp...)
		dst = append(dst, ',')
	}
	if p.ID >= 0 {
		dst = strconv.AppendInt(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// encodeEvent returns the Engine.IO frame of an EVENT packet
// 42[<nsp>,]["event",arg…]. Each arg must be valid JSON.
func encodeEvent(nsp, event string, args ...[]byte) []byte {
	n := 8 + len(nsp) + len(event)
	for _, a := range args {
		n += len(a) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, eioMessage, '0'+sioEvent)
	if nsp != "/" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	b = append(b, '[')
	b = appendJSONString(b, event)
	for _, a := range args {
		b = append(b, ',')
		b = append(b, a...)
	}
	return append(b, ']')
}

// encodeConnect returns the CONNECT answer 40[<nsp>,]{"sid":…[,"pid":…]}.
func encodeConnect(nsp, sid, pid string) []byte {
	b := make([]byte, 0, 64+len(nsp))
	b = append(b, eioMessage, '0'+sioConnect)
	if nsp != "/" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	b = append(b, `{"sid":`...)
	b = appendJSONString(b, sid)
	if pid != "" {
		b = append(b, `,"pid":`...)
		b = appendJSONString(b, pid)
	}
	return append(b, '}')
}

// encodeConnectError returns 44[<nsp>,]{"message":…}.
func encodeConnectError(nsp, message string) []byte {
	b := make([]byte, 0, 32+len(nsp)+len(message))
	b = append(b, eioMessage, '0'+sioConnectError)
	if nsp != "/" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	b = append(b, `{"message":`...)
	b = appendJSONString(b, message)
	return append(b, '}')
}

// encodeAck returns 43[<nsp>,]<id>[arg…].
func encodeAck(nsp string, id int64, args ...[]byte) []byte {
	b := make([]byte, 0, 32)
	b = append(b, eioMessage, '0'+sioAck)
	if nsp != "/" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	b = strconv.AppendInt(b, id, 10)
	b = append(b, '[')
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, a...)
	}
	return append(b, ']')
}

// encodeOpen returns the Engine.IO open packet.
func encodeOpen(sid string, pingInterval, pingTimeout int64, maxPayload int) []byte {
	b := make([]byte, 0, 128)
	b = append(b, eioOpen)
	b = append(b, `{"sid":`...)
	b = appendJSONString(b, sid)
	b = append(b, `,"upgrades":[],"pingInterval":`...)
	b = strconv.AppendInt(b, pingInterval, 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, pingTimeout, 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, int64(maxPayload), 10)
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// replaceFields is injectFields for a client's object: members of obj whose
// key (after JSON unescaping, so "us\u0065r" counts as "user") is one of
// the injected keys are dropped first, so every reader — JSON.parse keeps
// the last duplicate, other parsers the first — sees only the server's
// values. The other members keep their order and bytes. obj must be JSON
// the caller has decoded (only then is the fast path's verdict sound).
func replaceFields(obj []byte, kv ...[]byte) ([]byte, error) {
	obj = bytes.TrimSpace(obj)
	if bytes.IndexByte(obj, '\\') < 0 {
		found := false
		for i := 0; i+1 < len(kv); i += 2 {
			found = found || bytes.Contains(obj, kv[i])
		}
		if !found { // no member can carry an injected key: nothing to drop
			return injectFields(obj, kv...)
		}
	}
	drop := make(map[string]bool, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		var k string
		if err := json.Unmarshal(kv[i], &k); err != nil {
			return nil, err
		}
		drop[k] = true
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errInvalidPayload
	}
	out := make([]byte, 0, len(obj)+64)
	out = append(out, '{')
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errInvalidPayload
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errInvalidPayload
		}
		if drop[key] {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, jsonString(key)...)
		out = append(out, ':')
		out = append(out, raw...)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errInvalidPayload
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errInvalidPayload
	}
	return injectFields(append(out, '}'), kv...)
}

// injectFields appends "key":value members to the JSON object obj (which the
// caller has validated) and returns a new slice. Appending at the end makes
// the injected members win over same-named members of obj, because
// JSON.parse keeps the last duplicate.
func injectFields(obj []byte, kv ...[]byte) ([]byte, error) {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, errInvalidPayload
	}
	n := len(obj)
	for _, x := range kv {
		n += len(x) + 4
	}
	out := make([]byte, 0, n)
	body := bytes.TrimSpace(obj[1 : len(obj)-1])
	out = append(out, '{')
	out = append(out, body...)
	for i := 0; i+1 < len(kv); i += 2 {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, kv[i]...) // already a JSON string
		out = append(out, ':')
		out = append(out, kv[i+1]...)
	}
	return append(out, '}'), nil
}
