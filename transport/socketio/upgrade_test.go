package socketio

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// recordingConn is the server's end of a pipe, keeping a copy of each
// write.
type recordingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recordingConn) firstWrite() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.writes) == 0 {
		return nil
	}
	return c.writes[0]
}

// hijackWriter hands ServeHTTP the server's end of the pipe.
type hijackWriter struct {
	*httptest.ResponseRecorder
	conn net.Conn
}

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}

// The answer to a WebSocket handshake and the Engine.IO open packet reach
// the client in one write (one read for it, where they were two writes:
// gorilla's answer, then the open packet through the queue). A handshake
// the plain check leaves to gorilla (a Connection header gorilla's parser
// may read differently) is answered by gorilla, with the same answer.
func TestUpgradeAnswerAndOpenInOneWrite(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	const answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	for _, tc := range []struct {
		name       string
		connection string
		oneWrite   bool
	}{
		{"plain", "Upgrade", true},
		{"token list", "keep-alive, Upgrade", true},
		{"left to gorilla", "Upgrade, keep-alive;x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := New(Options{Registerer: prometheus.NewRegistry()})
			if err != nil {
				t.Fatal(err)
			}
			client, server := net.Pipe()
			rec := &recordingConn{Conn: server}
			r := httptest.NewRequest(http.MethodGet, "/rts/?EIO=4&transport=websocket", nil)
			r.Header.Set("Connection", tc.connection)
			r.Header.Set("Upgrade", "websocket")
			r.Header.Set("Sec-WebSocket-Version", "13")
			r.Header.Set("Sec-WebSocket-Key", key)
			served := make(chan struct{})
			go func() {
				defer close(served)
				srv.ServeHTTP(&hijackWriter{httptest.NewRecorder(), rec}, r)
			}()
			br := bufio.NewReader(client)
			var head strings.Builder
			for !strings.HasSuffix(head.String(), "\r\n\r\n") {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("reading the answer: %v (so far %q)", err, head.String())
				}
				head.WriteString(line)
			}
			if head.String() != answer {
				t.Fatalf("answer %q, want %q", head.String(), answer)
			}
			hdr := make([]byte, 2)
			if _, err := br.Read(hdr[:1]); err != nil {
				t.Fatal(err)
			}
			if _, err := br.Read(hdr[1:]); err != nil {
				t.Fatal(err)
			}
			open := make([]byte, hdr[1]&0x7f)
			for n := 0; n < len(open); {
				k, err := br.Read(open[n:])
				if err != nil {
					t.Fatal(err)
				}
				n += k
			}
			if hdr[0] != 0x80|wsOpText || !strings.HasPrefix(string(open), `0{"sid":`) {
				t.Fatalf("first frame %x %q, want the open packet", hdr, open)
			}
			want := answer + string(hdr) + string(open)
			if got := string(rec.firstWrite()); (got == want) != tc.oneWrite {
				t.Fatalf("first write %q; the answer and the open packet in it: %v, want %v", got, got == want, tc.oneWrite)
			}
			<-served
			_ = client.Close()
			if err := srv.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
