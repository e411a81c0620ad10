package socketio

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkIdleConnMemory measures what an idle editor costs the server:
// b.N connections, each signed in with its own cookie, connected to both
// namespaces and editing one app and one page (rooms of 100), as
// siobench's editors are; then, after several GCs, the Go stacks and live
// heap per connection (stack-B/conn, heap-B/conn). The clients are raw
// TCP connections of this process that own no goroutine, and nothing is
// read from them, so every goroutine and stack measured is the server's;
// their heap (about 5 KiB each) is included in heap-B/conn.
//
//	go test -run '^$' -bench IdleConnMemory -benchtime 5000x ./transport/socketio/
func BenchmarkIdleConnMemory(b *testing.B) {
	e := newEnvLeaks(b, func(o *Options) {
		o.PingInterval = time.Hour // idle: no pings while measuring
	}, true)
	// Every cookie is a user (testUsers does not have b.N of them).
	users := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie("SESSION")
		fmt.Fprintf(w, `{"data":{"email":"%s@x","name":"%s"}}`, c.Value, c.Value)
	})
	e.backend.Config.Handler = users
	addr := strings.TrimPrefix(e.hs.URL, "http://")
	before := memSnapshot()
	conns := make([]net.Conn, 0, b.N)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	b.ResetTimer()
	for i := range b.N {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /rts/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: SESSION=u%d\r\n\r\n", addr, i)
		br := bufio.NewReader(c)
		if status, err := br.ReadString('\n'); err != nil || !strings.Contains(status, " 101 ") {
			b.Fatalf("upgrade %d: %q %v", i, status, err)
		}
		room := fmt.Sprintf("%024x", i/100)
		for _, p := range []string{"40", "40/page/edit,", `42["collab:start_edit","` + room + `"]`,
			`42/page/edit,["collab:start_edit","` + room + `"]`} {
			if _, err := c.Write(maskedTextFrame(p)); err != nil {
				b.Fatal(err)
			}
		}
	}
	waitUntil(b, time.Minute, "every editor in a room", func() bool {
		return e.counter("rts_ws_sockets", "namespace", nspPage) == float64(b.N)
	})
	// Read what the server sent (the editor lists), so that no writer is
	// left blocked on a full socket, and let the writers end.
	buf := make([]byte, 64<<10)
	for range 3 {
		for _, c := range conns {
			for {
				_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
		}
		time.Sleep(writerLinger + 100*time.Millisecond)
	}
	b.StopTimer()
	after := memSnapshot()
	n := float64(b.N)
	b.ReportMetric(float64(after.StackInuse-before.StackInuse)/n, "stack-B/conn")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/conn")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/conn")
}

type memStats struct {
	runtime.MemStats
	goroutines int
}

// memSnapshot reads the memory after enough GCs for idle goroutines'
// stacks to have shrunk (one halving per GC).
func memSnapshot() memStats {
	for range 5 {
		runtime.GC()
	}
	var m memStats
	runtime.ReadMemStats(&m.MemStats)
	m.goroutines = runtime.NumGoroutine()
	return m
}

// maskedTextFrame is a client's text frame (masked with a zero key, which
// leaves the payload as it is).
func maskedTextFrame(p string) []byte {
	n := len(p)
	var f []byte
	if n < 126 {
		f = []byte{0x81, 0x80 | byte(n), 0, 0, 0, 0}
	} else {
		f = []byte{0x81, 0x80 | 126, byte(n >> 8), byte(n), 0, 0, 0, 0}
	}
	return append(f, p...)
}
