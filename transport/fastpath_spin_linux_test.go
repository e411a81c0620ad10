package transport

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestIdleConnectionDoesNotSpin: a client that pauses between requests
// makes the fast path spin for its next request at most once in 1, 2, 4,
// 8 ... waits, a connection never spins while another is open (idleSpin),
// and every answer is right with or without spins.
func TestIdleConnectionDoesNotSpin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		pause    time.Duration
		other    bool // a second connection stays open meanwhile
		minSpins int64
		maxSpins int64 // -1: any
	}{
		// Waits 1, 3, 7, 15 of 19 spin; up to 8 allows a spin that a
		// loaded machine starts so late that the next request lands in it.
		// Without the back-off all 19 would.
		{"pausing client", 2 * time.Millisecond, false, 1, 8},
		{"quick client", 0, false, 1, -1},
		{"quick client beside another", 0, true, 0, 1}, // the other's one wait before the client connects
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				w.Write(b)
			}))
			front := newFastFront(srv.Listener, srv.Config, slog.New(slog.DiscardHandler), DefaultFastPaths)
			front.rawUnderRace = true // CI runs only -race: the spin must run there too
			srv.Listener = front
			srv.Start()
			defer func() {
				srv.Close()
				front.closeAll()
				front.connsDone.Wait()
			}()
			exchange := func(c net.Conn, br *bufio.Reader, body string) {
				t.Helper()
				fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", PathSingleScript, len(body), body)
				res, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(got) != body {
					t.Fatalf("answer %q, want %q", got, body)
				}
			}
			if tc.other {
				// Answered, so the fast path serves it until it closes.
				o, err := net.Dial("tcp", srv.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer o.Close()
				exchange(o, bufio.NewReader(o), "{}")
			}
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for i := range 20 {
				exchange(c, br, fmt.Sprintf(`{"n":%d}`, i))
				time.Sleep(tc.pause)
			}
			n := front.spins.Load()
			if tc.maxSpins >= 0 && n > tc.maxSpins {
				t.Errorf("%d spins for 19 waits of %v, want at most %d", n, tc.pause, tc.maxSpins)
			}
			if n < tc.minSpins {
				t.Errorf("%d spins for 19 waits of %v, want at least %d", n, tc.pause, tc.minSpins)
			}
		})
	}
}
