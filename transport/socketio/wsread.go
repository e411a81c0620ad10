package socketio

import (
	"encoding/binary"
	"unicode/utf8"
)

// The read side of RFC 6455 for a server, our own rather than gorilla's: a
// connection's reader is a goroutine only while bytes are waiting (see
// poller), and between reads an idle connection keeps no read buffer, no
// bufio and no gorilla Conn — only a frameReader, a few words, that holds
// bytes only while a frame or a fragmented message is incomplete.

// WebSocket opcodes (RFC 6455 §5.2).
const (
	wsOpContinuation = 0x0
	wsOpText         = 0x1
	wsOpBinary       = 0x2
	wsOpClose        = 0x8
	wsOpPing         = 0x9
	wsOpPong         = 0xA
)

// WebSocket close codes the reader sends (RFC 6455 §7.4.1).
const (
	closeNormal          = 1000
	closeNoStatus        = 1005 // never sent: a close frame without a code
	closeInvalidPayload  = 1007
	closePolicyViolation = 1008
	closeTooBig          = 1009
)

// wsError is a violation of RFC 6455 by the client: the connection is
// closed with code and text.
type wsError struct {
	code int
	text string
}

func (e *wsError) Error() string { return e.text }

var (
	errReservedBits   = &wsError{CloseProtocolError, "reserved bits set"}
	errReservedOpcode = &wsError{CloseProtocolError, "reserved opcode"}
	errUnmasked       = &wsError{CloseProtocolError, "unmasked client frame"}
	errLength         = &wsError{CloseProtocolError, "invalid payload length"}
	errControlFrame   = &wsError{CloseProtocolError, "fragmented or oversized control frame"}
	errContinuation   = &wsError{CloseProtocolError, "continuation frame outside a message"}
	errInterleaved    = &wsError{CloseProtocolError, "new message before the previous one ended"}
	errCloseCode      = &wsError{CloseProtocolError, "invalid close code"}
	errCloseUTF8      = &wsError{closeInvalidPayload, "invalid UTF-8 in close reason"}
	errTextUTF8       = &wsError{closeInvalidPayload, "invalid UTF-8 in text message"}
	errTooBig         = &wsError{closeTooBig, "message too big"}
)

// wsFrame is one parsed client frame; payload is unmasked in place and
// aliases the buffer it was parsed from.
type wsFrame struct {
	fin     bool
	op      byte
	payload []byte
}

// parseFrame parses the frame at the start of b. It returns n == 0 when b
// holds only part of a frame (read more), or an error when the frame
// breaks RFC 6455 or carries more than maxPayload bytes. The payload is
// unmasked in place.
func parseFrame(b []byte, maxPayload int) (f wsFrame, n int, err *wsError) {
	if len(b) < 2 {
		return f, 0, nil
	}
	b0, b1 := b[0], b[1]
	if b0&0x70 != 0 { // no extension was negotiated
		return f, 0, errReservedBits
	}
	f.fin, f.op = b0&0x80 != 0, b0&0x0f
	switch f.op {
	case wsOpContinuation, wsOpText, wsOpBinary:
	case wsOpClose, wsOpPing, wsOpPong:
		if !f.fin || b1&0x7f > 125 {
			return f, 0, errControlFrame
		}
	default:
		return f, 0, errReservedOpcode
	}
	if b1&0x80 == 0 { // §5.1: a client masks every frame
		return f, 0, errUnmasked
	}
	hdr := 2
	var length uint64
	switch l := b1 & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return f, 0, nil
		}
		length, hdr = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return f, 0, nil
		}
		length, hdr = binary.BigEndian.Uint64(b[2:]), 10
		if length>>63 != 0 {
			return f, 0, errLength
		}
	default:
		length = uint64(l)
	}
	if length > uint64(maxPayload) {
		return f, 0, errTooBig
	}
	total := hdr + 4 + int(length)
	if len(b) < total {
		return f, 0, nil
	}
	key := b[hdr : hdr+4]
	f.payload = b[hdr+4 : total]
	maskBytes(key, f.payload)
	return f, total, nil
}

// maskBytes XORs p with the 4-byte key (RFC 6455 §5.3).
func maskBytes(key, p []byte) {
	k := binary.LittleEndian.Uint32(key)
	k8 := uint64(k) | uint64(k)<<32
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k8)
	}
	for ; i < len(p); i++ {
		p[i] ^= key[i&3]
	}
}

// frameReader reassembles a client's frames into messages across reads.
// It holds memory only while a frame or a fragmented message is
// incomplete.
type frameReader struct {
	partial []byte // the start of a frame the last read ended in
	msg     []byte // the fragments so far of a fragmented message
	msgOp   byte   // its opcode (wsOpText or wsOpBinary); 0: none
}

// wsEvent is what a client's frames amount to, for the connection.
type wsEvent struct {
	op      byte   // wsOpText, wsOpBinary (a whole message), wsOpPing, wsOpClose
	payload []byte // the message, the ping's payload; valid until the next feed
	code    int    // wsOpClose: the client's close code (closeNoStatus when it sent none)
}

// feed parses the frames in data (what one read returned) and calls
// handle for every complete message, ping and close, in order. It stops
// at the first error, or when handle returns false (the connection ends).
// data may be modified (unmasked in place).
func (r *frameReader) feed(data []byte, maxPayload int, handle func(wsEvent) bool) *wsError {
	if len(r.partial) > 0 {
		r.partial = append(r.partial, data...)
		data = r.partial
	}
	for len(data) > 0 {
		f, n, err := parseFrame(data, maxPayload)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		data = data[n:]
		ev, ok, err := r.frame(f, maxPayload)
		if err != nil {
			return err
		}
		if ok && !handle(ev) {
			r.partial = nil
			return nil
		}
	}
	switch {
	case len(data) == 0:
		r.partial = nil
	case &data[0] != firstAddr(r.partial):
		// Keep only the unparsed tail (its own copy: data may be the
		// caller's read buffer, and the frames before it are done).
		r.partial = append([]byte(nil), data...)
	}
	return nil
}

// firstAddr is &b[0], or nil for an empty b.
func firstAddr(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

// frame applies one parsed frame: a whole message or control frame is an
// event (ok); a fragment is kept until its message ends.
func (r *frameReader) frame(f wsFrame, maxPayload int) (ev wsEvent, ok bool, err *wsError) {
	switch f.op {
	case wsOpText, wsOpBinary:
		if r.msgOp != 0 {
			return ev, false, errInterleaved
		}
		if !f.fin {
			r.msgOp = f.op
			r.msg = append([]byte(nil), f.payload...)
			return ev, false, nil
		}
		return r.message(f.op, f.payload)
	case wsOpContinuation:
		if r.msgOp == 0 {
			return ev, false, errContinuation
		}
		if len(r.msg)+len(f.payload) > maxPayload {
			return ev, false, errTooBig
		}
		r.msg = append(r.msg, f.payload...)
		if !f.fin {
			return ev, false, nil
		}
		op, msg := r.msgOp, r.msg
		r.msgOp, r.msg = 0, nil
		return r.message(op, msg)
	case wsOpPing:
		return wsEvent{op: wsOpPing, payload: f.payload}, true, nil
	case wsOpClose:
		code, err := closeCode(f.payload)
		if err != nil {
			return ev, false, err
		}
		return wsEvent{op: wsOpClose, code: code}, true, nil
	}
	return ev, false, nil // a pong: nothing to do
}

func (r *frameReader) message(op byte, p []byte) (wsEvent, bool, *wsError) {
	if op == wsOpText && !utf8.Valid(p) {
		return wsEvent{}, false, errTextUTF8
	}
	return wsEvent{op: op, payload: p}, true, nil
}

// closeCode validates a close frame's payload (RFC 6455 §5.5.1, §7.4) and
// returns its code.
func closeCode(p []byte) (int, *wsError) {
	switch {
	case len(p) == 0:
		return closeNoStatus, nil
	case len(p) == 1:
		return 0, errCloseCode
	}
	code := int(binary.BigEndian.Uint16(p))
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011,
		code >= 3000 && code <= 4999:
	default: // 1004-1006 and 1015 are reserved; the rest unassigned
		return 0, errCloseCode
	}
	if !utf8.Valid(p[2:]) {
		return 0, errCloseUTF8
	}
	return code, nil
}

// appendCloseFrame appends a server close frame with code and text (no
// code at all for closeNoStatus). text is cut to fit a control frame.
func appendCloseFrame(buf []byte, code int, text string) []byte {
	if code == closeNoStatus {
		return append(buf, 0x80|wsOpClose, 0)
	}
	if len(text) > 123 {
		text = text[:123]
	}
	buf = append(buf, 0x80|wsOpClose, byte(2+len(text)), byte(code>>8), byte(code))
	return append(buf, text...)
}
