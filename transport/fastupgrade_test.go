package transport

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upgradeHandler describes the request it gets (what a WebSocket handler
// sees) and either refuses it with a JSON error (query refuse=1) or
// hijacks the connection, answers 101 with the description, and echoes
// one line.
func upgradeHandler(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/rts/") {
			_, _ = io.WriteString(w, "ok")
			return
		}
		var d strings.Builder
		fmt.Fprintf(&d, "%s %s %s host=%s uri=%s len=%d close=%v te=%v nobody=%v remote=%v srv=%v local=%v|",
			r.Method, r.URL, r.Proto, r.Host, r.RequestURI, r.ContentLength, r.Close, r.TransferEncoding,
			r.Body == http.NoBody, r.RemoteAddr != "", r.Context().Value(http.ServerContextKey) != nil,
			r.Context().Value(http.LocalAddrContextKey) != nil)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Header {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			fmt.Fprintf(&d, "%s=%q|", k, r.Header[k])
		}
		if r.URL.Query().Get("refuse") != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"code":3,"message":"refused"}`+"\n")
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer c.Close()
		if n := brw.Reader.Buffered(); n != 0 {
			t.Errorf("%d bytes buffered at the hijack", n)
		}
		_ = c.SetDeadline(time.Now().Add(hangGuard))
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"+d.String()+"\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		_, _ = io.WriteString(c, "echo "+line)
	})
}

// A WebSocket handshake gets the same request and the same connection
// from the fast path as from net/http, which never sees it; a refused
// one gets net/http's answer and the connection stays open.
func TestFastUpgradeMatchesNetHTTP(t *testing.T) {
	t.Parallel()
	var servers [2]string
	var netHTTPConns [2]atomic.Int32
	for i, paths := range [][]string{nil, {}} {
		srv := NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: upgradeHandler(t), FastPaths: paths})
		srv.hs.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				netHTTPConns[i].Add(1)
			}
		}
		servers[i] = runUntilCleanup(t, srv)
	}
	handshake := "GET /rts/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: SESSION=abc\r\nx-a: 1\r\nX-A: 2\r\n\r\n"
	upgraded := func(addr string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(hangGuard))
		_, _ = io.WriteString(c, handshake)
		br := bufio.NewReader(c)
		var out strings.Builder
		for {
			l, err := br.ReadString('\n')
			out.WriteString(l)
			if err != nil || l == "\r\n" {
				break
			}
		}
		l, _ := br.ReadString('\n')
		out.WriteString(l)
		_, _ = io.WriteString(c, "ping\n")
		rest, err := io.ReadAll(br)
		fmt.Fprintf(&out, "%s(%v)", rest, err)
		return out.String()
	}
	fast, std := upgraded(servers[0]), upgraded(servers[1])
	if fast != std {
		t.Errorf("upgraded, fast path:\n%s\nnet/http:\n%s", fast, std)
	}
	if !strings.Contains(std, "echo ping") || !strings.Contains(std, "Cookie=[\"SESSION=abc\"]") {
		t.Errorf("upgraded: not the handler's transcript:\n%s", std)
	}
	if n := netHTTPConns[0].Load(); n != 0 {
		t.Errorf("net/http served %d connections of the fast server, want 0", n)
	}
	if n := netHTTPConns[1].Load(); n != 1 {
		t.Errorf("net/http served %d connections of the plain server, want 1", n)
	}

	refused := strings.Replace(handshake, "transport=websocket", "transport=websocket&refuse=1", 1)
	for _, tc := range []struct{ name, in string }{
		{"refused", refused},
		{"refused, with a request after it", refused + "POST " + PathSingleScript + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"},
		{"HTTP/1.0", strings.Replace(refused, "HTTP/1.1", "HTTP/1.0", 1)},
		{"two Hosts", strings.Replace(refused, "x-a: 1", "Host: b", 1)},
		{"no Host", strings.Replace(refused, "Host: 127.0.0.1\r\n", "", 1)},
		{"a control byte", strings.Replace(refused, "x-a: 1", "x-a: \x01", 1)},
		{"another path", strings.Replace(refused, "/rts/", "/api/", 1)},
	} {
		n := 1
		if strings.Contains(tc.name, "after") {
			n = 2
		}
		fast, std := exchangeRaw(t, servers[0], tc.in, n), exchangeRaw(t, servers[1], tc.in, n)
		if fast != std {
			t.Errorf("%s, fast path:\n%s\nnet/http:\n%s", tc.name, fast, std)
		}
	}
}
