package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServer runs a Server on a free loopback port and returns its base
// URL and the channel Run's result arrives on.
func startServer(t *testing.T, ctx context.Context, h http.Handler, shutdown time.Duration) (*Server, string, <-chan error) {
	t.Helper()
	srv := NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: h, ShutdownTimeout: shutdown})
	if err := srv.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	return srv, "http://" + srv.Addr().String(), done
}

// runUntilCleanup listens with srv and runs it until the test ends; it
// returns the address it listens on.
func runUntilCleanup(tb testing.TB, srv *Server) string {
	tb.Helper()
	if err := srv.Listen(); err != nil {
		tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	tb.Cleanup(func() { stop(); <-done })
	return srv.Addr().String()
}

// blocking delegates to h, first waiting for release when the request
// carries X-Block, so that a test holds a request in flight.
func blocking(h http.Handler, entered chan<- struct{}, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Block") != "" {
			entered <- struct{}{}
			<-release
		}
		h.ServeHTTP(w, r)
	})
}

func mustHandler(t *testing.T, o Options) *Handler {
	t.Helper()
	h, err := NewHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestServerGracefulShutdown(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	srv, base, done := startServer(t, ctx, blocking(mustHandler(t, Options{}), entered, release), hangGuard)

	type result struct {
		status int
		body   string
		err    error
	}
	inFlight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+PathSingleScript, strings.NewReader(`{"script":"Api1.data"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Block", "1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			inFlight <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		inFlight <- result{res.StatusCode, string(b), err}
	}()
	<-entered

	stop() // what SIGTERM does in `rts serve`
	// New connections are refused while the request is still in flight.
	deadline := time.Now().Add(hangGuard)
	for {
		c, err := net.DialTimeout("tcp", srv.Addr().String(), hangGuard)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts after the stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned %v before the in-flight request finished", err)
	case <-time.After(50 * time.Millisecond):
	}

	close(release)
	r := <-inFlight
	want := `{"success":true,"data":{"references":["Api1.data"],"functionalParams":[],"variables":[],"isError":false}}`
	if r.err != nil || r.status != 200 || r.body != want {
		t.Errorf("in-flight request: %d %q %v", r.status, r.body, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after a graceful stop", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Run did not return after the drain")
	}
}

func TestServerShutdownTimeout(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	ctx, stop := context.WithCancel(context.Background())
	_, base, done := startServer(t, ctx, blocking(mustHandler(t, Options{}), entered, release), 100*time.Millisecond)

	clientErr := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", base+PathHealthCheck, nil)
		req.Header.Set("X-Block", "1")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		clientErr <- err
	}()
	<-entered
	// The request is held until the test ends: Run returns only because
	// its shutdown timeout gave up on it.
	stop()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "shutdown") {
			t.Errorf("Run = %v, want a shutdown timeout error", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Run did not return after its shutdown timeout")
	}
	if err := <-clientErr; err == nil {
		t.Error("the cut request succeeded")
	}
}

func TestServerShutdownCalledDirectly(t *testing.T) {
	t.Parallel()
	srv, base, done := startServer(t, context.Background(), mustHandler(t, Options{}), time.Second)
	res, err := http.Get(base + PathHealthCheck)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestServerListenError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := NewServer(ServerOptions{Addr: ln.Addr().String(), Handler: http.NotFoundHandler()})
	if err := srv.Listen(); err == nil {
		t.Error("Listen on a taken port: no error")
	}
	if err := srv.Run(context.Background()); err == nil {
		t.Error("Run on a taken port: no error")
	}
	if srv.Addr() != nil {
		t.Error("Addr before a successful Listen is not nil")
	}
}

// TestNoGoroutineLeak runs a server's whole life, with parallel analyses
// and idle keep-alive connections, and expects every goroutine to end. Not
// parallel: it counts the process's goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		ctx, stop := context.WithCancel(context.Background())
		_, base, done := startServer(t, ctx, mustHandler(t, Options{}), hangGuard)
		tr := &http.Transport{MaxIdleConnsPerHost: 16}
		client := &http.Client{Transport: tr}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := range 10 {
					// Enough never-seen scripts that helpers join the analysis.
					var body strings.Builder
					body.WriteString(`{"scripts":["Api1.data","(() => Api3.data)()","x +"`)
					for k := range 3 * parallelMin {
						fmt.Fprintf(&body, `,"Api%d_%d.data + Api%d"`, i, k, k)
					}
					body.WriteString(`]}`)
					res, err := client.Post(base+PathMultipleScript, "application/json", strings.NewReader(body.String()))
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
		}
		wg.Wait()
		// Closed first: a connection the client dialed but never used is
		// StateNew to the server, which Shutdown waits on for 5 s.
		tr.CloseIdleConnections()
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	deadline := time.Now().Add(hangGuard)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			var b bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlowBody is a client that sends its headers and then stalls: the
// request's time limit answers it instead of holding the connection.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{RequestTimeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"script\":", PathSingleScript)
	c.SetReadDeadline(time.Now().Add(hangGuard))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	want := `{"success":false,"message":"Request timed out","data":{"error":"Request timed out"}}`
	if res.StatusCode != 408 || string(b) != want || !res.Close {
		t.Errorf("got %d close=%v %s", res.StatusCode, res.Close, b)
	}
}

func TestExtractAllStopsAtTheDeadline(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{ExtractCacheBytes: -1})
	for _, n := range []int{1, 50} {
		var in strings.Builder
		in.WriteString(`{"scripts":[`)
		for i := range n {
			if i > 0 {
				in.WriteByte(',')
			}
			fmt.Fprintf(&in, `"Api%d.data"`, i)
		}
		in.WriteString(`]}`)
		var b body
		if err := parseBody([]byte(in.String()), &b); err != nil {
			t.Fatal(err)
		}
		items, _ := b.arrayItems(b.scripts, n)
		x := &exchange{r: httptest.NewRequest("POST", "/", nil), deadline: time.Now().Add(-time.Second)}
		if _, _, err := h.extractAll(x, b.buf, items, 2, false, 0); !errors.Is(err, errTimeout) {
			t.Errorf("%d scripts past the deadline: %v", n, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		x = &exchange{r: httptest.NewRequest("POST", "/", nil).WithContext(ctx), deadline: time.Now().Add(time.Hour)}
		if _, _, err := h.extractAll(x, b.buf, items, 2, false, 0); !errors.Is(err, errTimeout) {
			t.Errorf("%d scripts, client gone: %v", n, err)
		}
	}
}

// TestBurst is the Java backend renaming an entity: about a hundred
// concurrent small POSTs over a pool of 100 keep-alive connections.
func TestBurst(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	tr := &http.Transport{MaxConnsPerHost: 100, MaxIdleConnsPerHost: 100}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: hangGuard}
	var wg sync.WaitGroup
	for g := range 100 {
		wg.Go(func() {
			for i := range 10 {
				name := fmt.Sprintf("Api%d_%d", g, i)
				path, body, want := PathEntityRefactor,
					`{"script":"`+name+`.data + x","oldName":"`+name+`","newName":"New`+name+`","isJSObject":false}`,
					`{"success":true,"data":{"script":"New`+name+`.data + x","refactorCount":1}}`
				if i%3 == 1 {
					path, body, want = PathSingleScript, `{"script":"`+name+`.data"}`,
						`{"success":true,"data":{"references":["`+name+`.data"],"functionalParams":[],"variables":[],"isError":false}}`
				}
				res, err := client.Post(srv.URL+path, "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || string(got) != want {
					t.Errorf("%s: %d %s, want %s", name, res.StatusCode, got, want)
				}
			}
		})
	}
	wg.Wait()
}
