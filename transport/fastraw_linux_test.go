package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestRawIOConsume checks the bookkeeping of partial writes: what is
// left of the two buffers after n bytes went out.
func TestRawIOConsume(t *testing.T) {
	a, b := []byte("abcd"), []byte("efghij")
	cases := []struct {
		name    string
		a, b    []byte
		written []int // successive partial writes
		left    string
	}{
		{"nothing written", a, b, nil, "abcdefghij"},
		{"inside the first", a, b, []int{3}, "defghij"},
		{"the first exactly", a, b, []int{4}, "efghij"},
		{"into the second", a, b, []int{5}, "fghij"},
		{"two steps", a, b, []int{2, 5}, "hij"},
		{"everything", a, b, []int{10}, ""},
		{"only a second buffer", nil, b, []int{1}, "fghij"},
		{"only a first buffer", a, nil, []int{1, 1}, "cd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &rawIO{}
			for _, p := range [2][]byte{c.a, c.b} {
				if len(p) > 0 {
					r.iov[r.niov].Base = &p[0]
					r.iov[r.niov].SetLen(len(p))
					r.niov++
				}
			}
			if r.niov == 1 {
				r.iov[1], r.iov[0] = r.iov[0], syscall.Iovec{}
			}
			for _, n := range c.written {
				r.consume(n)
			}
			var left []byte
			for i := 2 - r.niov; i < 2; i++ {
				v := r.iov[i]
				left = append(left, unsafeBytes(v.Base, int(v.Len))...)
			}
			if string(left) != c.left {
				t.Fatalf("left %q, want %q", left, c.left)
			}
		})
	}
}

func unsafeBytes(p *byte, n int) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice(p, n)
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := ln.Accept(); ch <- res{c, err} }()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.c.Close(); client.Close() })
	return r.c, client
}

// TestRawIOOverTCP writes more than a socket's buffers hold (so that
// writes wait with the poller part way), reads it back, and checks the
// errors net.Conn gives: io.EOF at the end, a timeout past a deadline.
func TestRawIOOverTCP(t *testing.T) {
	server, client := tcpPair(t)
	r := newRawIO(server)
	if r == nil {
		t.Fatal("no raw I/O for a TCP connection")
	}
	head := []byte("HTTP/1.1 200 OK\r\n\r\n")
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MB
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		got <- b
	}()
	if err := r.write(head, body); err != nil {
		t.Fatal(err)
	}
	if err := r.write(nil, []byte("tail")); err != nil {
		t.Fatal(err)
	}
	if err := r.write(nil, nil); err != nil {
		t.Fatal(err)
	}
	server.(*net.TCPConn).CloseWrite()
	want := append(append(append([]byte(nil), head...), body...), "tail"...)
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("read %d bytes, want %d (the same)", len(b), len(want))
	}

	// Reads: what the client sent, then a deadline, then the end.
	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := r.read(buf, 0)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	// A spinning read gets what comes, during its spin or after it.
	go func() { _, _ = client.Write([]byte("pong")) }()
	n, err = r.read(buf, time.Millisecond)
	if err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("spinning read %q, %v", buf[:n], err)
	}
	if err := server.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.read(buf, time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	if err := server.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	client.Close()
	if n, err := r.read(buf, time.Millisecond); n != 0 || err != io.EOF {
		t.Fatalf("read after close: %d, %v, want io.EOF", n, err)
	}
}

// TestRawIOOnlySockets: a connection that is not a polled socket is
// read and written as it is.
func TestRawIOOnlySockets(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if newRawIO(a) != nil {
		t.Fatal("raw I/O for a pipe")
	}
}

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
