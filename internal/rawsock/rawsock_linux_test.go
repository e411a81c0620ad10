package rawsock

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestConsume checks the bookkeeping of partial writes: what is
// left of the two buffers after n bytes went out.
func TestConsume(t *testing.T) {
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
			r := &Conn{}
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

// TestOverTCP writes more than a socket's buffers hold (so that
// writes wait with the poller part way), reads it back, and checks the
// errors net.Conn gives: io.EOF at the end, a timeout past a deadline.
func TestOverTCP(t *testing.T) {
	server, client := tcpPair(t)
	r := New(server)
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
	if err := r.Write(head, body); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(nil, []byte("tail")); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(nil, nil); err != nil {
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
	n, err := r.Read(buf, 0)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	// A spinning read gets what comes, during its spin or after it.
	go func() { _, _ = client.Write([]byte("pong")) }()
	n, err = r.Read(buf, time.Millisecond)
	if err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("spinning read %q, %v", buf[:n], err)
	}
	if err := server.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(buf, time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	if err := server.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	client.Close()
	if n, err := r.Read(buf, time.Millisecond); n != 0 || err != io.EOF {
		t.Fatalf("read after close: %d, %v, want io.EOF", n, err)
	}
}

// TestOnlySockets: a connection that is not a polled socket is
// read and written as it is.
func TestOnlySockets(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if New(a) != nil {
		t.Fatal("raw I/O for a pipe")
	}
}
