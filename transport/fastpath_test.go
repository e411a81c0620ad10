package transport

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseHead(t *testing.T) {
	t.Parallel()
	const ok = "POST /rts-api/v1/ast/single-script-data HTTP/1.1\r\nHost: 127.0.0.1:8091\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
	headLen := strings.Index(ok, "\r\n\r\n") + 4
	tests := []struct {
		name string
		in   string
		n    int  // head length; 0: more bytes needed
		fast bool // false: the connection goes to net/http
	}{
		{"plain", ok, headLen, true},
		{"every prefix of the head waits", ok[:headLen-1], 0, true},
		{"request line only", ok[:strings.Index(ok, "\r\n")+2], 0, true},
		{"empty", "", 0, true},
		{"a P", "P", 0, true},
		{"a G", "G", 0, false},
		{"GET", "GET /rts-api/v1/health-check HTTP/1.1\r\n\r\n", 0, false},
		{"lower-case method", strings.Replace(ok, "POST", "post", 1), 0, false},
		{"other path", strings.Replace(ok, "single-script-data", "single-script-datum", 1), 0, false},
		{"path with a query", strings.Replace(ok, "single-script-data", "single-script-data?x=1", 1), 0, false},
		{"path in another case", strings.Replace(ok, "single-script-data", "Single-Script-Data", 1), 0, false},
		{"absolute form", strings.Replace(ok, "/rts-api", "http://h/rts-api", 1), 0, false},
		{"HTTP/1.0", strings.Replace(ok, "HTTP/1.1", "HTTP/1.0", 1), 0, false},
		{"no target", "POST HTTP/1.1\r\n", 0, false}, // found by FuzzParseHead: the method and the version overlap
		{"empty target", "POST  HTTP/1.1\r\n", 0, false},
		{"two spaces", strings.Replace(ok, "POST ", "POST  ", 1), 0, false},
		{"bare LF in the request line", strings.Replace(ok, "HTTP/1.1\r\n", "HTTP/1.1\n", 1), 0, false},
		{"bare LF ending the head", strings.Replace(ok, "\r\n\r\n", "\r\n\n", 1), 0, false},
		{"a long request line that cannot be ours", "POST /" + strings.Repeat("a", 200), 0, false},
		{"lower-case names", strings.ToLower(ok[:headLen]) + "{}", 0, false}, // the method too
		{"lower-case header names", strings.Replace(strings.Replace(ok, "Host:", "host:", 1), "Content-Length:", "content-length:", 1), headLen, true},
		{"no Host", strings.Replace(ok, "Host: 127.0.0.1:8091\r\n", "", 1), 0, false},
		{"two Hosts", strings.Replace(ok, "Host: 127.0.0.1:8091\r\n", "Host: a\r\nHost: a\r\n", 1), 0, false},
		{"empty Host", strings.Replace(ok, "Host: 127.0.0.1:8091", "Host: ", 1), 0, false},
		{"Host with user info", strings.Replace(ok, "Host: 127.0.0.1:8091", "Host: u@h", 1), 0, false},
		{"IPv6 Host", strings.Replace(ok, "Host: 127.0.0.1:8091", "Host: [::1]:8091", 1), headLen - 4, true},
		{"no Content-Length", strings.Replace(ok, "Content-Length: 2\r\n", "", 1), 0, false},
		{"two Content-Lengths", strings.Replace(ok, "Content-Length: 2\r\n", "Content-Length: 2\r\nContent-Length: 2\r\n", 1), 0, false},
		{"signed Content-Length", strings.Replace(ok, "Content-Length: 2", "Content-Length: +2", 1), 0, false},
		{"Content-Length list", strings.Replace(ok, "Content-Length: 2", "Content-Length: 2, 2", 1), 0, false},
		{"huge Content-Length", strings.Replace(ok, "Content-Length: 2", "Content-Length: 99999999999999999999", 1), 0, false},
		{"Content-Length with spaces around", strings.Replace(ok, "Content-Length: 2", "Content-Length:   2  ", 1), headLen + 4, true},
		{"chunked", strings.Replace(ok, "Content-Length: 2", "Transfer-Encoding: chunked", 1), 0, false},
		{"Expect", strings.Replace(ok, "Content-Type", "Expect: 100-continue\r\nContent-Type", 1), 0, false},
		{"Upgrade", strings.Replace(ok, "Content-Type", "Upgrade: websocket\r\nContent-Type", 1), 0, false},
		{"Connection: close", strings.Replace(ok, "Content-Type", "Connection: close\r\nContent-Type", 1), 0, false},
		{"Connection: keep-alive", strings.Replace(ok, "Content-Type", "Connection: Keep-Alive\r\nContent-Type", 1), headLen + 24, true},
		{"folded line", strings.Replace(ok, "Content-Type: application/json\r\n", "Content-Type: application/json\r\n continued\r\n", 1), 0, false},
		{"space before the colon", strings.Replace(ok, "Content-Type:", "Content-Type :", 1), 0, false},
		{"no colon", strings.Replace(ok, "Content-Type:", "Content-Type", 1), 0, false},
		{"empty name", strings.Replace(ok, "Content-Type:", ":", 1), 0, false},
		{"control byte in a value", strings.Replace(ok, "application/json", "application/\x01json", 1), 0, false},
		{"non-ASCII in a value", strings.Replace(ok, "application/json", "application/jsön", 1), 0, false},
		{"tab in a value", strings.Replace(ok, "application/json", "application/\tjson", 1), headLen + 1, true},
		{"NUL in a name", strings.Replace(ok, "Content-Type", "Content\x00Type", 1), 0, false},
	}
	paths := DefaultFastPaths
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h fastHead
			n, fast := parseHead([]byte(tc.in), paths, &h)
			if n != tc.n || fast != tc.fast {
				t.Errorf("parseHead = %d, %v; want %d, %v", n, fast, tc.n, tc.fast)
			}
		})
	}
}

// FuzzParseHead holds the fast path's reader to net/http's: whatever it
// takes, net/http reads as the same request (method, target, Host,
// Content-Length, headers), and it never takes what net/http refuses.
//
//	go test -run '^$' -fuzz FuzzParseHead ./transport/
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"POST /rts-api/v1/ast/multiple-script-data HTTP/1.1\r\nHost: localhost:8091\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n",
		"POST /rts-api/v1/ast/entity-refactor HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\nx-rts-secret: s\r\nX-Appsmith-Request-Id: 1\r\naccept: */*\r\n\r\n",
		"POST /rts-api/v1/ast/single-script-data HTTP/1.1\r\nHost: [::1]:1\r\nContent-Length: 5\r\nPragma: no-cache\r\nX-a: 1\r\nx-A: 2\r\nConnection: keep-alive\r\n\r\n",
		"POST /rts-api/v1/ast/single-script-data HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nFoo_bar: \t x \t\r\nUser-Agent: ReactorNetty/1.1\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var h fastHead
		n, fast := parseHead(in, DefaultFastPaths, &h)
		if !fast || n == 0 {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in[:n])))
		if err != nil {
			t.Fatalf("the fast path takes what net/http refuses (%v):\n%q", err, in[:n])
		}
		got := fastRequest(in[:n], &h)
		if req.Method != got.Method || req.RequestURI != got.RequestURI || req.URL.String() != got.URL.String() ||
			req.Host != got.Host || req.ContentLength != got.ContentLength || req.Close || !sameHeader(req.Header, got.Header) {
			t.Fatalf("read differently:\nnet/http %s %s %q %d close=%v %v\nfast     %s %s %q %d %v\n%q",
				req.Method, req.RequestURI, req.Host, req.ContentLength, req.Close, req.Header,
				got.Method, got.RequestURI, got.Host, got.ContentLength, got.Header, in[:n])
		}
	})
}

// fastRequest builds the request serveOne builds from a parsed head.
func fastRequest(head []byte, h *fastHead) *http.Request {
	fc := &fastConn{buf: append([]byte(nil), head...), w: len(head), head: *h, ctx: context.Background()}
	var got *http.Request
	fc.f = &fastFront{hs: &http.Server{Handler: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = r
		panic(http.ErrAbortHandler) // nothing to answer to
	})}, log: slog.New(slog.DiscardHandler)}
	fc.serveOne(len(head))
	return got
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// exchangeRaw writes in to a new connection to addr, reads n answers and
// tells each as its status line, its headers but Date, sorted, and its
// body; then whether the connection is still open: a health check sent
// after them is answered, or the server has closed it.
func exchangeRaw(t *testing.T, addr, in string, n int) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(hangGuard))
	// Written while the answers are read: a server may answer before it
	// has read everything, and may close without reading it all.
	go func() { _, _ = io.WriteString(c, in) }()
	br := bufio.NewReader(c)
	var out strings.Builder
	for i := range n {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			fmt.Fprintf(&out, "answer %d: %v\n", i, err)
			return out.String()
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Fprintf(&out, "%s %s chunked=%v\n", res.Proto, res.Status, slices.Contains(res.TransferEncoding, "chunked"))
		keys := make([]string, 0, len(res.Header))
		for k := range res.Header {
			if k != "Date" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&out, "%s: %q\n", k, res.Header[k])
		}
		fmt.Fprintf(&out, "%s (%v)\n", b, err)
	}
	_, _ = io.WriteString(c, "GET /rts-api/v1/health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	if res, err := http.ReadResponse(br, nil); err == nil {
		fmt.Fprintf(&out, "then open: %s\n", res.Status)
		res.Body.Close()
	} else {
		out.WriteString("then closed\n")
	}
	return out.String()
}

// TestFastPathMatchesNetHTTP sends the same bytes to a server with the
// fast path and to one without, on one connection each, and wants the
// same answers, header for header, and the same end of the connection.
func TestFastPathMatchesNetHTTP(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{MaxBodyBytes: 4096, Secret: "s3", AllowedHosts: nil})
	var servers [2]string
	for i, paths := range [][]string{nil, {}} {
		srv := NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: h, FastPaths: paths})
		servers[i] = runUntilCleanup(t, srv)
	}
	post := func(path, body string, extra ...string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-rts-secret: s3\r\nContent-Type: application/json\r\n" +
			strings.Join(extra, "") + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	var big strings.Builder
	big.WriteString(`{"scripts":[`)
	for i := range 60 {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `"Api%d.data.map(u => u.name + Input%d.text)"`, i, i)
	}
	big.WriteString(`]}`)
	single := post(PathSingleScript, `{"script":"Api1.data"}`)
	health := "GET /rts-api/v1/health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	tests := []struct {
		name string
		in   string
		n    int
	}{
		{"single", single, 1},
		{"multiple, a large answer", post(PathMultipleScript, big.String()), 1},
		{"refactor", post(PathEntityRefactor, `{"script":"Api1.data","oldName":"Api1","newName":"Api2","isJSObject":false}`), 1},
		{"three on one connection", single + post(PathMultipleScript, `{"scripts":["a.b","c"]}`) + single, 3},
		{"validation error", post(PathSingleScript, `{}`), 1},
		{"malformed", post(PathSingleScript, `{"script":`), 1},
		{"empty body", post(PathSingleScript, ``), 1},
		{"not JSON: the body is not read", strings.Replace(single, "application/json", "text/plain", 1) + single, 2},
		{"too large: drained, kept", post(PathMultipleScript, `{"scripts":["`+strings.Repeat("x", 5000)+`"]}`) + single, 2},
		{"no secret", strings.Replace(single, "x-rts-secret: s3\r\n", "", 1), 1},
		{"other host", strings.Replace(single, "Host: 127.0.0.1", "Host: example.com", 1), 1},
		{"lower-case names, repeated, Pragma", post(PathSingleScript, `{"script":"x"}`, "x-a: 1\r\nX-A: 2\r\npragma: no-cache\r\nconnection: keep-alive\r\n"), 1},
		{"net/http's from the second on", single + health + single, 3},
		{"net/http's from the first on", health + single, 2},
		{"chunked", "POST " + PathSingleScript + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-rts-secret: s3\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n16\r\n{\"script\":\"Api1.data\"}\r\n0\r\n\r\n" + single, 2},
		{"100-continue", strings.Replace(single, "Content-Type", "Expect: 100-continue\r\nContent-Type", 1), 2}, // the 100 and the answer
		{"Connection: close", strings.Replace(single, "Content-Type", "Connection: close\r\nContent-Type", 1) + single, 1},
		{"HTTP/1.0", strings.Replace(single, "HTTP/1.1", "HTTP/1.0", 1), 1},
		{"bare LF", strings.ReplaceAll(single, "\r\n", "\n"), 1},
		{"unknown route", post("/rts-api/v1/ast/nothing", `{}`), 1},
		{"a head larger than the fast path's buffer", post(PathSingleScript, `{"script":"a"}`, "X-Big: "+strings.Repeat("b", 40<<10)+"\r\n") + single, 2},
		{"a head larger than net/http's limit", post(PathSingleScript, `{"script":"a"}`, "X-Big: "+strings.Repeat("b", 70<<10)+"\r\n"), 1},
		{"DSL migration", post(PathDSLMigrate, `{"version":82,"widgetName":"MainContainer","type":"CANVAS_WIDGET","children":[]}`), 1},
		{"DSL migration, not a page", post(PathDSLMigrate, `[1]`), 1},
		{"batch rename", post(PathRefactorBatch, `{"oldName":"Api1","newName":"Api2","entities":[{"name":"Text1","kind":"widget","bindings":{"text":"{{Api1.data}}"}}]}`), 1},
		{"garbage", "POST " + PathSingleScript + " HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", 1},
		{"two Content-Lengths", strings.Replace(single, "Content-Type", "Content-Length: 22\r\nContent-Type", 1), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fast := exchangeRaw(t, servers[0], tc.in, tc.n)
			std := exchangeRaw(t, servers[1], tc.in, tc.n)
			if fast != std {
				t.Errorf("fast path:\n%s\nnet/http:\n%s", fast, std)
			}
			if strings.Contains(std, "answer 0:") {
				t.Errorf("no answer:\n%s", std)
			}
		})
	}
}

// TestFastResponseHeaders holds the fast path's answers to net/http's for
// what a handler may do: no Content-Length (small or chunked), a wrong
// one, no Content-Type (sniffed), 204, Connection: close, several writes.
func TestFastResponseHeaders(t *testing.T) {
	t.Parallel()
	handlers := map[string]http.HandlerFunc{
		"small":   func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") },
		"nothing": func(w http.ResponseWriter, r *http.Request) {},
		"html":    func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html><body>x</body></html>") },
		"chunked": func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("ab"), 3000)) },
		"pieces": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("a"))
			w.Write(bytes.Repeat([]byte("b"), 9000))
			w.Write([]byte("c"))
		},
		"declared": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "9002")
			w.Write([]byte("a"))
			w.Write(bytes.Repeat([]byte("b"), 9000))
			w.Write([]byte("c"))
		},
		"short": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "abc")
		},
		"long": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2")
			io.WriteString(w, "abc")
		},
		"bad length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "x")
			io.WriteString(w, "abc")
		},
		"204": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "a/b")
			w.WriteHeader(204)
			io.WriteString(w, "abc")
		},
		"304": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "a/b")
			w.WriteHeader(304)
		},
		"103": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a>")
			w.WriteHeader(103)
			io.WriteString(w, "x")
		},
		"599": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599); io.WriteString(w, "x") },
		"close": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, "x")
		},
		"changed after": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			w.Header().Set("X-Late", "1")
			io.WriteString(w, "x")
		},
		"header values": func(w http.ResponseWriter, r *http.Request) {
			w.Header()["X-Multi"] = []string{"a", " b ", "c\nd"}
			w.Header()["bad name"] = []string{"x"}
			io.WriteString(w, "x")
		},
		"body unread": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") },
		"body closed": func(w http.ResponseWriter, r *http.Request) { r.Body.Close(); io.WriteString(w, "x") },
		"panic":       func(w http.ResponseWriter, r *http.Request) { panic("boom") },
		"echo": func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %q %d %q %v %q %q", r.Method, r.RequestURI, r.Host, r.ContentLength, b, err, r.Header.Get("X-A"), r.Header.Values("Cache-Control"))
		},
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers[r.Header.Get("X-Handler")](w, r)
	})
	var servers [2]string
	for i, paths := range [][]string{{"/p"}, {}} {
		srv := NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: mux, FastPaths: paths})
		servers[i] = runUntilCleanup(t, srv)
	}
	names := make([]string, 0, len(handlers))
	for k := range handlers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := "0123456789"
			if name == "body unread" {
				body = strings.Repeat("z", 100<<10) // discarded after the answer
			}
			req := "POST /p HTTP/1.1\r\nHost: h\r\nX-Handler: " + name + "\r\nX-A: 1\r\nPragma: no-cache\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
			n := 2
			if name == "103" {
				n = 3
			}
			next := "POST /p HTTP/1.1\r\nHost: h\r\nX-Handler: small\r\nContent-Length: 0\r\n\r\n"
			fast := exchangeRaw(t, servers[0], req+next, n)
			std := exchangeRaw(t, servers[1], req+next, n)
			if fast != std {
				t.Errorf("fast path:\n%s\nnet/http:\n%s", fast, std)
			}
		})
	}
}

// TestFastShutdownClosesIdle: a keep-alive connection resting between
// requests does not hold a graceful stop up.
func TestFastShutdownClosesIdle(t *testing.T) {
	t.Parallel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	srv, base, done := startServer(t, ctx, mustHandler(t, Options{}), hangGuard)
	_ = srv
	client := &http.Client{Transport: &http.Transport{}}
	res, err := client.Post(base+PathSingleScript, "application/json", strings.NewReader(`{"script":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("an idle connection held the stop up")
	}
}

// TestFastHandOverKeepsBuffered: bytes the fast path read past a request
// it served (pipelined requests, net/http's from there) reach net/http.
func TestFastHandOverKeepsBuffered(t *testing.T) {
	t.Parallel()
	srv := startFastTestServer(t, mustHandler(t, Options{}))
	addr := srv.Listener.Addr().String()
	single := "POST " + PathSingleScript + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"script\":\"a\"}"
	health := "GET /rts-api/v1/health-check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	got := exchangeRaw(t, addr, single+health+health+single+"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 5)
	if strings.Count(got, "HTTP/1.1 200 OK") != 4 || strings.Count(got, "HTTP/1.1 404 Not Found") != 1 || !strings.HasSuffix(got, "then closed\n") {
		t.Errorf("got:\n%s", got)
	}
}

// BenchmarkParseHead: the fast path's reading of a page save's head.
func BenchmarkParseHead(b *testing.B) {
	in := []byte("POST /rts-api/v1/ast/multiple-script-data HTTP/1.1\r\nHost: 127.0.0.1:8091\r\nContent-Type: application/json\r\nContent-Length: 14211\r\nUser-Agent: ReactorNetty/1.1.22\r\nAccept: */*\r\n\r\n")
	var h fastHead
	for b.Loop() {
		parseHead(in, DefaultFastPaths, &h)
	}
}

// TestFastPathServes: plain POSTs to the fast routes are answered by the
// fast path, on a connection that keeps it until a request that is not;
// the equality tests above would also pass if it handed everything over.
func TestFastPathServes(t *testing.T) {
	t.Parallel()
	srv := startFastTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%T", w)
	}))
	post := "POST " + PathSingleScript + " HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
	get := "GET " + PathSingleScript + " HTTP/1.1\r\nHost: h\r\n\r\n"
	got := exchangeRaw(t, srv.Listener.Addr().String(), post+post+get+post, 4)
	want := []string{"*transport.fastResponse", "*transport.fastResponse", "*http.response", "*http.response"}
	for _, w := range want {
		i := strings.Index(got, w)
		if i < 0 {
			t.Fatalf("want %s next in:\n%s", w, got)
		}
		got = got[i+len(w):]
	}
}

// TestHandedOverConnOffersSocket: a WebSocket's upgrade request is its
// connection's first, so every WebSocket reaches net/http through the fast
// front; the hijacked connection must still offer its socket, or each
// idle editor costs the Socket.IO poller a blocked reader goroutine. With
// a pipelined request still unread it must not: reading the socket would
// skip those bytes.
func TestHandedOverConnOffersSocket(t *testing.T) {
	t.Parallel()
	srv := startFastTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer c.Close()
		answer := "socket"
		if sc, ok := c.(syscall.Conn); !ok {
			answer = "no syscall.Conn"
		} else if _, err := sc.SyscallConn(); err != nil {
			answer = "refused"
		}
		_, _ = io.WriteString(c, answer)
	}))
	get := "GET /rts HTTP/1.1\r\nHost: h\r\n\r\n"
	for _, tc := range []struct{ name, send, want string }{
		{"upgrade alone", get, "socket"},
		{"bytes after it", get + strings.Repeat("x", 5000), "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			got, _ := io.ReadAll(c)
			if string(got) != tc.want {
				t.Fatalf("hijacked connection: %q, want %q", got, tc.want)
			}
		})
	}
}
