package transport

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/transport/socketio"
)

func TestAllowedHosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen  string
		extra   []string
		allowed []string
		refused []string
	}{
		{listen: "127.0.0.1:8091",
			allowed: []string{"127.0.0.1:8091", "127.0.0.1", "localhost:8091", "LocalHost", "localhost.:8091", "[::1]:8091", "[::1]", "::1", ""},
			refused: []string{"rebind.attacker.example:8091", "attacker.example", "127.0.0.1.nip.io", "localhost.attacker.example",
				"10.0.0.5:8091", "[::2]:8091", "127.0.0.2"}},
		{listen: "appsmith-rts:8091",
			allowed: []string{"appsmith-rts:8091", "APPSMITH-RTS", "localhost"},
			refused: []string{"appsmith-rts.attacker.example", "rts"}},
		{listen: "0.0.0.0:8091",
			allowed: []string{"10.0.0.5:8091", "192.168.1.20", "[fe80::1]:8091", "localhost:8091"},
			refused: []string{"rebind.attacker.example:8091", "10.0.0.5.nip.io"}},
		{listen: ":8091",
			allowed: []string{"10.0.0.5:8091", "localhost"},
			refused: []string{"rebind.attacker.example"}},
		{listen: "[::]:8091",
			allowed: []string{"10.0.0.5", "[2001:db8::1]:8091"},
			refused: []string{"my-laptop.example"}},
		{listen: "127.0.0.1:8091", extra: []string{"rts.example.com", " *.corp.example ", "Other.Example:443"},
			allowed: []string{"rts.example.com", "RTS.example.com:8443", "a.corp.example", "a.b.corp.example:1", "other.example"},
			refused: []string{"corp.example", "xcorp.example", "rts.example.com.attacker.example", "evil-rts.example.com"}},
		{listen: "127.0.0.1:8091", extra: []string{"*"},
			allowed: []string{"anything.example", "rebind.attacker.example:8091"}},
	}
	for _, tt := range tests {
		a, err := NewAllowedHosts(tt.listen, tt.extra)
		if err != nil {
			t.Fatalf("NewAllowedHosts(%q, %q): %v", tt.listen, tt.extra, err)
		}
		for _, h := range tt.allowed {
			if !a.Allows(h) {
				t.Errorf("listen %s + %q: Host %q refused, want allowed", tt.listen, tt.extra, h)
			}
		}
		for _, h := range tt.refused {
			if a.Allows(h) {
				t.Errorf("listen %s + %q: Host %q allowed, want refused", tt.listen, tt.extra, h)
			}
		}
	}
	var zero *AllowedHosts
	if !zero.Allows("localhost:1") || zero.Allows("example.com") {
		t.Error("nil AllowedHosts: want the loopback names only")
	}
	for _, bad := range []string{"http://rts.example.com", "a/b", "*.", "**.example", "a*.example", "*.a*b"} {
		if _, err := NewAllowedHosts("127.0.0.1:1", []string{bad}); err == nil {
			t.Errorf("entry %q: no error", bad)
		}
	}
	a, _ := NewAllowedHosts("127.0.0.1:1", []string{"b.example", "a.example", "*.c.example"})
	if got := a.String(); got != "localhost, 127.0.0.1, [::1], a.example, b.example, *.c.example" {
		t.Errorf("String() = %q", got)
	}
}

// TestRootRefusesForeignHosts: through Root, a foreign Host gets the JSON
// 421 on the API, the page and Socket.IO (no upgrade), and is counted.
func TestRootRefusesForeignHosts(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{})
	sockets, err := socketio.New(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>page</html>") })
	srv := httptest.NewServer(Root(h, sockets, page))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	const foreign = "rebind.attacker.example"
	want := `{"success":false,"message":"Misdirected request: this server does not answer for host \"rebind.attacker.example\"; its names are set with APPSMITH_RTS_ALLOWED_HOSTS",` +
		`"data":{"error":"Misdirected request: this server does not answer for host \"rebind.attacker.example\"; its names are set with APPSMITH_RTS_ALLOWED_HOSTS"}}`

	for _, path := range []string{"/", "/index.html", "/rts/?EIO=4&transport=polling", PathHealthCheck, PathApps, PathMetrics, "/nowhere"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Host = foreign
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusMisdirectedRequest || string(b) != want {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, b)
		}
	}
	upgrade := func(host string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(hangGuard))
		fmt.Fprintf(c, "GET /rts/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nOrigin: http://%[1]s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Status
	}
	if got := upgrade(foreign + ":80"); got != "421 Misdirected Request" {
		t.Errorf("WebSocket upgrade for %s: %s, want 421", foreign, got)
	}
	if got := upgrade(addr); got != "101 Switching Protocols" {
		t.Errorf("WebSocket upgrade for %s: %s, want 101", addr, got)
	}
	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "<html>page</html>" {
		t.Errorf("own host, page: %d %s", res.StatusCode, b)
	}
	metrics := get(t, srv, PathMetrics)
	for _, line := range []string{
		`rts_http_rejected_total{reason="host"} 8`,
		`rts_http_requests_total{code="421",route="unmatched"} 5`,
		`rts_http_requests_total{code="421",route="/rts-api/v1/health-check"} 1`,
	} {
		if !strings.Contains(metrics, line+"\n") {
			t.Errorf("metrics lack %s", line)
		}
	}
}

func get(t *testing.T, srv *httptest.Server, path string) string {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// FuzzAllowedHosts: any Host value is answered yes or no without a panic,
// and the loopback listener's default answers yes only for its own names.
func FuzzAllowedHosts(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8091", "localhost", "[::1]:1", "::1", "LOCALHOST.", "attacker.example",
		"localhost.attacker.example", "[localhost]", "[", "]:", ":", "127.0.0.1:", "a:b:c", "xn--e1afmkfd", "localhost\x00"} {
		f.Add(s)
	}
	a, err := NewAllowedHosts("127.0.0.1:8091", []string{"*.corp.example", "rts.example.com"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !a.Allows(host) {
			return
		}
		name := strings.ToLower(host)
		if strings.HasPrefix(name, "[") {
			if i := strings.IndexByte(name, ']'); i > 0 {
				name = name[1:i]
			}
		} else if i := strings.LastIndexByte(name, ':'); i >= 0 && strings.Count(name, ":") == 1 {
			name = name[:i]
		}
		name = strings.TrimSuffix(name, ".")
		switch {
		case host == "", name == "localhost", name == "127.0.0.1", name == "::1", name == "rts.example.com",
			strings.HasSuffix(name, ".corp.example"):
		default:
			t.Fatalf("Host %q allowed", host)
		}
		_, _ = NewAllowedHosts(host, []string{host})
	})
}
