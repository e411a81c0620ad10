package socketio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// clientFrame is a client's frame: fin, opcode, masked with key (nil: not
// masked, which a server must refuse), payload length written in the
// given form (0: the shortest).
func clientFrame(fin bool, op byte, key []byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	var mask byte
	if key != nil {
		mask = 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		f = append(f, mask|byte(n))
	case n <= 0xFFFF:
		f = append(f, mask|126, byte(n>>8), byte(n))
	default:
		f = append(f, mask|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	if key == nil {
		return append(f, payload...)
	}
	f = append(f, key...)
	p := append([]byte(nil), payload...)
	for i := range p {
		p[i] ^= key[i%4]
	}
	return append(f, p...)
}

var testKey = []byte{0x37, 0xfa, 0x21, 0x3d}

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// feedAll feeds data to a fresh frameReader in chunks of size (0: at
// once) and returns the events as strings and the error, if any.
func feedAll(data []byte, chunk, maxPayload int) ([]string, *wsError) {
	var r frameReader
	var out []string
	data = append([]byte(nil), data...)
	if chunk <= 0 {
		chunk = len(data) + 1
	}
	for len(data) > 0 {
		n := min(chunk, len(data))
		piece := append([]byte(nil), data[:n]...) // a read buffer of its own
		data = data[n:]
		stop := false
		err := r.feed(piece, maxPayload, func(ev wsEvent) bool {
			switch ev.op {
			case wsOpText:
				out = append(out, "text:"+string(ev.payload))
			case wsOpBinary:
				out = append(out, fmt.Sprintf("binary:%x", ev.payload))
			case wsOpPing:
				out = append(out, "ping:"+string(ev.payload))
			case wsOpClose:
				out = append(out, fmt.Sprintf("close:%d", ev.code))
				stop = true
			}
			return !stop
		})
		if err != nil {
			return out, err
		}
		if stop {
			break
		}
	}
	return out, nil
}

func TestFrameReader(t *testing.T) {
	long := strings.Repeat("x", 300)
	huge := strings.Repeat("y", 70000)
	for _, tc := range []struct {
		name    string
		data    []byte
		max     int
		want    []string
		wantErr *wsError
	}{
		{"text", clientFrame(true, wsOpText, testKey, []byte("42[\"a\"]")), 1000, []string{`text:42["a"]`}, nil},
		{"two in one read", cat(clientFrame(true, wsOpText, testKey, []byte("2")), clientFrame(true, wsOpText, testKey, []byte("3"))), 1000, []string{"text:2", "text:3"}, nil},
		{"16-bit length", clientFrame(true, wsOpText, testKey, []byte(long)), 1000, []string{"text:" + long}, nil},
		{"64-bit length", clientFrame(true, wsOpText, testKey, []byte(huge)), 100000, []string{"text:" + huge}, nil},
		{"empty text", clientFrame(true, wsOpText, testKey, nil), 1000, []string{"text:"}, nil},
		{"binary", clientFrame(true, wsOpBinary, testKey, []byte{1, 2}), 1000, []string{"binary:0102"}, nil},
		{"fragments", cat(clientFrame(false, wsOpText, testKey, []byte("4")), clientFrame(false, wsOpContinuation, testKey, []byte("2[")),
			clientFrame(true, wsOpContinuation, testKey, []byte("1]"))), 1000, []string{"text:42[1]"}, nil},
		{"ping between fragments", cat(clientFrame(false, wsOpText, testKey, []byte("ab")), clientFrame(true, wsOpPing, testKey, []byte("p")),
			clientFrame(true, wsOpContinuation, testKey, []byte("c"))), 1000, []string{"ping:p", "text:abc"}, nil},
		{"pong ignored", cat(clientFrame(true, wsOpPong, testKey, []byte("x")), clientFrame(true, wsOpText, testKey, []byte("1"))), 1000, []string{"text:1"}, nil},
		{"close without code", clientFrame(true, wsOpClose, testKey, nil), 1000, []string{"close:1005"}, nil},
		{"close 1000 then nothing more", cat(clientFrame(true, wsOpClose, testKey, []byte{0x03, 0xe8}), clientFrame(true, wsOpText, testKey, []byte("1"))), 1000, []string{"close:1000"}, nil},
		{"close 4000 with reason", clientFrame(true, wsOpClose, testKey, []byte{0x0f, 0xa0, 'b', 'y', 'e'}), 1000, []string{"close:4000"}, nil},
		{"unmasked", clientFrame(true, wsOpText, nil, []byte("2")), 1000, nil, errUnmasked},
		{"reserved bits", func() []byte { f := clientFrame(true, wsOpText, testKey, []byte("2")); f[0] |= 0x40; return f }(), 1000, nil, errReservedBits},
		{"reserved opcode", clientFrame(true, 0x3, testKey, []byte("2")), 1000, nil, errReservedOpcode},
		{"reserved control opcode", clientFrame(true, 0xB, testKey, nil), 1000, nil, errReservedOpcode},
		{"fragmented ping", clientFrame(false, wsOpPing, testKey, []byte("p")), 1000, nil, errControlFrame},
		{"ping over 125 bytes", clientFrame(true, wsOpPing, testKey, []byte(long)), 1000, nil, errControlFrame},
		{"continuation first", clientFrame(true, wsOpContinuation, testKey, []byte("x")), 1000, nil, errContinuation},
		{"text inside a fragmented message", cat(clientFrame(false, wsOpText, testKey, []byte("a")), clientFrame(true, wsOpText, testKey, []byte("b"))), 1000, nil, errInterleaved},
		{"frame over the limit", clientFrame(true, wsOpText, testKey, []byte(long)), 100, nil, errTooBig},
		{"fragments over the limit", cat(clientFrame(false, wsOpText, testKey, []byte(long[:60])), clientFrame(true, wsOpContinuation, testKey, []byte(long[:60]))), 100, nil, errTooBig},
		{"64-bit length with the top bit", append([]byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1}, testKey...), 1000, nil, errLength},
		{"invalid UTF-8 text", clientFrame(true, wsOpText, testKey, []byte{'4', 0xff}), 1000, nil, errTextUTF8},
		{"invalid UTF-8 across fragments", cat(clientFrame(false, wsOpText, testKey, []byte{0xe2, 0x82}), clientFrame(true, wsOpContinuation, testKey, []byte{0x28})), 1000, nil, errTextUTF8},
		{"a UTF-8 character split across fragments", cat(clientFrame(false, wsOpText, testKey, []byte{0xe2, 0x82}), clientFrame(true, wsOpContinuation, testKey, []byte{0xac})), 1000, []string{"text:€"}, nil},
		{"close with one byte", clientFrame(true, wsOpClose, testKey, []byte{3}), 1000, nil, errCloseCode},
		{"close 1005 sent", clientFrame(true, wsOpClose, testKey, []byte{0x03, 0xed}), 1000, nil, errCloseCode},
		{"close 999", clientFrame(true, wsOpClose, testKey, []byte{0x03, 0xe7}), 1000, nil, errCloseCode},
		{"close 5000", clientFrame(true, wsOpClose, testKey, []byte{0x13, 0x88}), 1000, nil, errCloseCode},
		{"close reason not UTF-8", clientFrame(true, wsOpClose, testKey, []byte{0x03, 0xe8, 0xff}), 1000, nil, errCloseUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Whole, then one byte per read, then 7 bytes per read: a
			// frame split anywhere reads the same.
			for _, chunk := range []int{0, 1, 7} {
				got, err := feedAll(tc.data, chunk, tc.max)
				if err != tc.wantErr {
					t.Fatalf("chunk %d: error %v, want %v (events %q)", chunk, err, tc.wantErr, got)
				}
				if tc.wantErr == nil && !equalStrings(got, tc.want) {
					t.Fatalf("chunk %d: events %q, want %q", chunk, got, tc.want)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFrameReaderHoldsNothingBetweenMessages: an idle connection's reader
// keeps no buffer once its frames are complete.
func TestFrameReaderHoldsNothingBetweenMessages(t *testing.T) {
	var r frameReader
	f := clientFrame(true, wsOpText, testKey, []byte("42[\"collab:mouse_pointer\"]"))
	if err := r.feed(f[:5], 1000, func(wsEvent) bool { return true }); err != nil || r.partial == nil {
		t.Fatalf("half a frame: err %v, partial %q", err, r.partial)
	}
	n := 0
	if err := r.feed(f[5:], 1000, func(wsEvent) bool { n++; return true }); err != nil || n != 1 {
		t.Fatalf("rest: err %v, %d events", err, n)
	}
	if r.partial != nil || r.msg != nil || r.msgOp != 0 {
		t.Fatalf("reader holds %q, %q, %d after a complete message", r.partial, r.msg, r.msgOp)
	}
}

// FuzzFrameReader feeds arbitrary client bytes (untrusted) split at an
// arbitrary point: the reader must never panic, never deliver a message
// over the limit, and read the same events and error whether the bytes
// come in one read or two.
func FuzzFrameReader(f *testing.F) {
	f.Add(clientFrame(true, wsOpText, testKey, []byte(`42["collab:start_edit","a"]`)), 3)
	f.Add(cat(clientFrame(false, wsOpText, testKey, []byte("4")), clientFrame(true, wsOpPing, testKey, []byte("p")),
		clientFrame(true, wsOpContinuation, testKey, []byte("2"))), 9)
	f.Add(clientFrame(true, wsOpClose, testKey, []byte{0x03, 0xe8, 'o', 'k'}), 1)
	f.Add(clientFrame(true, wsOpText, testKey, bytes.Repeat([]byte("z"), 200)), 100)
	f.Add(append([]byte{0x81, 0xFF, 0, 0, 0, 0, 0, 0, 1, 0}, testKey...), 4)
	f.Add(clientFrame(true, wsOpText, nil, []byte("2")), 0)
	f.Add([]byte{0x81}, 0)
	const maxPayload = 128
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		whole, errWhole := feedAll(data, 0, maxPayload)
		for _, ev := range whole {
			if len(ev) > len("binary:")+2*maxPayload {
				t.Fatalf("event over the limit: %d bytes", len(ev))
			}
		}
		if split <= 0 || split >= len(data) {
			return
		}
		var r frameReader
		var parts []string
		stop := false
		handle := func(ev wsEvent) bool {
			switch ev.op {
			case wsOpText:
				parts = append(parts, "text:"+string(ev.payload))
			case wsOpBinary:
				parts = append(parts, fmt.Sprintf("binary:%x", ev.payload))
			case wsOpPing:
				parts = append(parts, "ping:"+string(ev.payload))
			case wsOpClose:
				parts = append(parts, fmt.Sprintf("close:%d", ev.code))
				stop = true
			}
			return !stop
		}
		buf := append([]byte(nil), data...)
		err := r.feed(buf[:split], maxPayload, handle)
		if err == nil && !stop {
			err = r.feed(buf[split:], maxPayload, handle)
		}
		if err != errWhole || !equalStrings(parts, whole) {
			t.Fatalf("split at %d: %q %v; whole: %q %v", split, parts, err, whole, errWhole)
		}
	})
}

// rawWS is a client over a bare TCP connection, for frames a WebSocket
// library would not send.
type rawWS struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRawWS(t *testing.T, e *testEnv) *rawWS {
	t.Helper()
	addr := strings.TrimPrefix(e.hs.URL, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET /rts/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: SESSION=alice\r\n\r\n", addr)
	w := &rawWS{t: t, c: c, br: bufio.NewReader(c)}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := w.br.ReadString('\n')
		if err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		if line == "\r\n" {
			break
		}
	}
	if op, p := w.next(); op != wsOpText || !strings.HasPrefix(string(p), "0{") {
		t.Fatalf("first frame %d %q", op, p)
	}
	return w
}

// next reads one server frame.
func (w *rawWS) next() (byte, []byte) {
	w.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		w.t.Fatalf("read: %v", err)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		_, _ = io.ReadFull(w.br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, _ = io.ReadFull(w.br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(w.br, p); err != nil {
		w.t.Fatalf("read payload: %v", err)
	}
	return h[0] & 0x0f, p
}

// until reads frames until one with opcode op whose payload starts with
// prefix, answering Engine.IO pings.
func (w *rawWS) until(op byte, prefix string) []byte {
	w.t.Helper()
	for {
		got, p := w.next()
		w.t.Logf("frame %d %q", got, p)
		if got == op && strings.HasPrefix(string(p), prefix) {
			return p
		}
		if got == wsOpText && string(p) == "2" {
			_, _ = w.c.Write(clientFrame(true, wsOpText, testKey, []byte("3")))
		}
		if got == wsOpClose && op != wsOpClose {
			w.t.Fatalf("closed (%x) while waiting for %d %q", p, op, prefix)
		}
	}
}

// TestWebSocketFraming drives the server's own frame reader from a bare
// TCP client: a message written one byte at a time, a fragmented message
// with a ping between its fragments, a WebSocket ping (answered with a
// pong), and the RFC 6455 violations that close the connection with their
// code.
func TestWebSocketFraming(t *testing.T) {
	e := newEnv(t, nil)
	w := dialRawWS(t, e)
	for _, b := range clientFrame(true, wsOpText, testKey, []byte("40")) {
		if _, err := w.c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	w.until(wsOpText, "40{")
	_, _ = w.c.Write(cat(clientFrame(false, wsOpText, testKey, []byte(`421["collab:start`)), clientFrame(true, wsOpPing, testKey, []byte("hi")),
		clientFrame(true, wsOpContinuation, testKey, []byte(`_edit","app1"]`))))
	if p := w.until(wsOpPong, ""); string(p) != "hi" {
		t.Fatalf("pong %q", p)
	}
	if ack := w.until(wsOpText, "43"); string(ack) != `431[{"ok":true}]` {
		t.Fatalf("ack %q", ack)
	}
	_, _ = w.c.Write(clientFrame(true, wsOpClose, testKey, []byte{0x0f, 0xa0}))
	if p := w.until(wsOpClose, ""); !bytes.Equal(p, []byte{0x0f, 0xa0}) {
		t.Fatalf("close echo %x, want the client's 4000", p)
	}

	for _, tc := range []struct {
		name  string
		frame []byte
		code  int
	}{
		{"unmasked", clientFrame(true, wsOpText, nil, []byte("40")), CloseProtocolError},
		{"reserved opcode", clientFrame(true, 0x3, testKey, nil), CloseProtocolError},
		{"oversized ping", clientFrame(true, wsOpPing, testKey, bytes.Repeat([]byte("p"), 126)), CloseProtocolError},
		{"continuation first", clientFrame(true, wsOpContinuation, testKey, []byte("40")), CloseProtocolError},
		{"invalid close code", clientFrame(true, wsOpClose, testKey, []byte{0x03, 0xee}), CloseProtocolError},
		{"invalid UTF-8", clientFrame(true, wsOpText, testKey, []byte{'4', '2', 0xc3}), closeInvalidPayload},
		{"over MaxPayload", clientFrame(true, wsOpText, testKey, bytes.Repeat([]byte("a"), DefaultMaxPayload+1)), closeTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := dialRawWS(t, e)
			_, _ = w.c.Write(tc.frame)
			p := w.until(wsOpClose, "")
			if len(p) < 2 || int(binary.BigEndian.Uint16(p)) != tc.code {
				t.Fatalf("close %x, want code %d", p, tc.code)
			}
		})
	}
	waitUntil(t, 10*time.Second, "every connection closed", func() bool { return e.srv.ConnectionCount() == 0 })
}

// TestIdleConnectionHasNoGoroutine: a connected editor that sends nothing
// has no reader goroutine on the server: its socket waits in the poller,
// and a reader runs only while its bytes are read.
func TestIdleConnectionHasNoGoroutine(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PingInterval = time.Hour })
	if e.srv.poll == nil {
		t.Skip("no epoll on this system: one reader goroutine per connection")
	}
	var cs []*rawClient
	for range 20 {
		c := dialRaw(t, e, "SESSION=alice", nil)
		c.write("40")
		c.readUntil("40{")
		cs = append(cs, c)
	}
	if polled := e.srv.poll.watching(); polled != len(cs) {
		t.Fatalf("%d connections in the poller, want %d", polled, len(cs))
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "(*conn).readBlocking") {
		t.Fatalf("a goroutine blocked in a read:\n%s", stacks)
	}
	for _, c := range cs {
		c.write(`421["collab:start_edit","app1"]`)
		if ack := c.readUntil("43"); ack != `431[{"ok":true}]` {
			t.Fatalf("ack %q", ack)
		}
	}
}
