package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedServer answers each request on a connection with the next of
// answers (raw bytes), closing the connection after an answer when close
// is set for it; it records the requests it read.
type scriptedServer struct {
	ln      net.Listener
	mu      sync.Mutex
	reqs    []*http.Request
	bodies  []string
	conns   int
	wg      sync.WaitGroup
	answers []scripted
}

type scripted struct {
	raw   string
	close bool // close the connection after this answer
}

func newScriptedServer(t *testing.T, answers ...scripted) *scriptedServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedServer{ln: ln, answers: answers}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		next := 0
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			br := bufio.NewReader(c)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					break
				}
				body, _ := io.ReadAll(req.Body)
				s.mu.Lock()
				s.reqs = append(s.reqs, req)
				s.bodies = append(s.bodies, string(body))
				s.mu.Unlock()
				if next >= len(s.answers) {
					break
				}
				a := s.answers[next]
				next++
				_, _ = io.WriteString(c, a.raw)
				if a.close {
					break
				}
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); s.wg.Wait() })
	return s
}

// The lean client reads every way an HTTP/1.1 server may frame an answer,
// keeps the connection when it may and sends the request net/http would.
func TestLeanClient(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 200<<10) // larger than the read buffer
	for _, tc := range []struct {
		name    string
		answers []scripted
		want    []string // body of each answer, in order
		status  []int
		conns   int
	}{
		{"content-length, kept", []scripted{
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
			{raw: "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 2\r\nX-A: b\r\n\r\nno"},
		}, []string{"hello", "no"}, []int{200, 500}, 1},
		{"chunked with extension and trailer", []scripted{
			{raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n"},
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"},
		}, []string{"abc0123456789", "z"}, []int{200, 200}, 1},
		{"large body", []scripted{
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 204800\r\n\r\n" + long},
		}, []string{long}, []int{200}, 1},
		{"connection close", []scripted{
			{raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na", close: true},
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"},
		}, []string{"a", "b"}, []int{200, 200}, 2},
		{"body to EOF", []scripted{
			{raw: "HTTP/1.1 200 OK\r\n\r\nuntil the end", close: true},
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"},
		}, []string{"until the end", "b"}, []int{200, 200}, 2},
		{"HTTP/1.0 keep-alive", []scripted{
			{raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\na"},
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"},
		}, []string{"a", "b"}, []int{200, 200}, 1},
		{"100 continue skipped", []scripted{
			{raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		}, []string{"ok"}, []int{200}, 1},
		{"idle connection closed by the server: sent again", []scripted{
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", close: true}, // no Connection: close
			{raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"},
		}, []string{"a", "b"}, []int{200, 200}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScriptedServer(t, tc.answers...)
			c := newLeanClient(s.ln.Addr().String(), time.Minute)
			defer c.close()
			for i, want := range tc.want {
				status, body, err := c.post(context.Background(), "/p", "sec", []byte(`{"n":1}`))
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				if status != tc.status[i] || string(body) != want {
					t.Fatalf("answer %d: %d %.40q, want %d %.40q", i, status, body, tc.status[i], want)
				}
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.conns != tc.conns {
				t.Errorf("%d connections, want %d", s.conns, tc.conns)
			}
			for i, r := range s.reqs {
				if r.Method != "POST" || r.URL.Path != "/p" || r.Header.Get("Content-Type") != "application/json" ||
					r.Header.Get("X-Rts-Secret") != "sec" || r.ContentLength != 7 || s.bodies[i] != `{"n":1}` ||
					r.Host != s.ln.Addr().String() || r.Header.Get("User-Agent") != "Go-http-client/1.1" {
					t.Errorf("request %d: %s %s %v %q", i, r.Method, r.URL, r.Header, s.bodies[i])
				}
			}
		})
	}
}

// Answers it cannot read are errors, never a hang or a wrong body.
func TestLeanClientBadAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, raw string }{
		{"not HTTP", "SSH-2.0-x\r\n\r\n"},
		{"bad status", "HTTP/1.1 abc OK\r\n\r\n"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
		{"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
		{"chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n"},
		{"cut in the head", "HTTP/1.1 200 OK\r\nContent-"},
		{"header without colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScriptedServer(t, scripted{raw: tc.raw, close: true})
			c := newLeanClient(s.ln.Addr().String(), time.Minute)
			defer c.close()
			if status, body, err := c.post(context.Background(), "/p", "", []byte("{}")); err == nil {
				t.Fatalf("answer %d %q read without error", status, body)
			}
			if c.conn != nil {
				t.Error("the connection is kept after a failure")
			}
		})
	}
}

// FuzzLeanAnswer: any bytes as an answer end in an error or in a status
// and a body, without a panic, a hang or a body longer than the answer.
func FuzzLeanAnswer(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nto the end",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		client, server := net.Pipe()
		c := &leanClient{host: "h", timeout: time.Minute, buf: make([]byte, 64), conn: client, stopWait: func() bool { return true }}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = io.Copy(io.Discard, io.LimitReader(server, int64(len("POST /p HTTP/1.1\r\nHost: h\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"))))
			_, _ = server.Write(answer)
			_ = server.Close()
		}()
		_, body, err := c.post(context.Background(), "/p", "", []byte("{}"))
		c.close()
		<-done
		if err == nil && len(body) > len(answer) {
			t.Fatalf("body of %d bytes from an answer of %d", len(body), len(answer))
		}
	})
}

// The replay through the lean client and through net/http's gives the same
// counts and sends the same requests.
func TestReplayDSLClients(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		netHTTP bool
		spin    time.Duration
	}{{false, 0}, {true, 0}, {false, time.Millisecond}} {
		srv := newMigrateServer(t, nil)
		res, err := ReplayDSL(context.Background(), DSLReplayConfig{URL: srv.URL, Rounds: 2, Secret: "s", NetHTTP: tc.netHTTP, Spin: tc.spin}, mustLoad(t, threeDSLs...))
		if err != nil {
			t.Fatal(err)
		}
		if res.OK != 6 || res.Failed != 0 || srv.conns.Load() != 1 || srv.secret.Load() != "s" {
			t.Errorf("netHTTP %v, spin %v: ok %d failed %d (%s), %d connections", tc.netHTTP, tc.spin, res.OK, res.Failed, res.FirstError, srv.conns.Load())
		}
		if !bytes.Contains([]byte(res.Stopped), []byte("2 rounds")) {
			t.Errorf("stopped %q", res.Stopped)
		}
	}
}
