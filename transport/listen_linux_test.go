//go:build linux

package transport

import (
	"net"
	"net/http"
	"syscall"
	"testing"
)

// The connections a Server accepts have Go's default keep-alive, set once
// on the listening socket and inherited by each accepted one.
func TestListenerKeepAlive(t *testing.T) {
	t.Parallel()
	srv := NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: http.NotFoundHandler()})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	defer srv.ln.Close()
	client, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := srv.ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		name       string
		level, opt int
		want       int
	}{
		{"SO_KEEPALIVE", syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
		{"TCP_KEEPIDLE", syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 15},
		{"TCP_KEEPINTVL", syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, 15},
		{"TCP_KEEPCNT", syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 9},
		{"TCP_NODELAY", syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1},
	} {
		var got int
		var gerr error
		if err := raw.Control(func(fd uintptr) { got, gerr = syscall.GetsockoptInt(int(fd), o.level, o.opt) }); err != nil {
			t.Fatal(err)
		}
		if gerr != nil {
			t.Fatalf("%s: %v", o.name, gerr)
		}
		if got != o.want {
			t.Errorf("accepted connection: %s = %d, want %d", o.name, got, o.want)
		}
	}
}
