package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/appsmith-rts/rts/internal/config"
)

// leakScanner is the soak's log sink: it looks for forbidden strings in
// every record as it is written (slog writes one record per Write) and keeps
// only what it found, so a long run's debug log costs no memory.
type leakScanner struct {
	forbidden []string
	mu        sync.Mutex
	lines     int
	found     []string
}

func (s *leakScanner) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines++
	for _, f := range s.forbidden {
		if bytes.Contains(p, []byte(f)) && len(s.found) < 5 {
			s.found = append(s.found, string(p))
		}
	}
	return len(p), nil
}

var soakFor = flag.Duration("soak", 5*time.Second, "how long TestSoak loads the server (CI runs it for minutes)")

// hangGuard bounds every wait of the soak that should end by itself: it only
// stops a hung run, so it is far above what any machine needs.
const hangGuard = 2 * time.Minute

// TestSoak runs the whole server in-process under a bounded mixed load for
// -soak (5 s by default; .ci/run runs it longer): analysis and batch renames
// over HTTP, graph and impact queries, whole-app renames and their reversal
// through the store, and sockets that connect, watch the app and disconnect.
// The load goes on past -soak until some socket has received a push (a slow
// machine may need longer for a rename to land while a socket watches).
// Every request must succeed; afterwards goroutines and heap must be back
// near where they were before the load; and the debug log must hold no
// secret, no session cookie and no script.
func TestSoak(t *testing.T) {
	duration := *soakFor
	const (
		secret = "soak-secret-7f3a9c"
		cookie = "soak-cookie-41d2e8"
		marker = "SoakMarkerScript_5b1e"
	)
	logs := &leakScanner{forbidden: []string{secret, cookie, marker}}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: true, Secret: secret,
		ShutdownTimeout: 5 * time.Second, ReleaseVersion: "soak", LogLevel: slog.LevelDebug}
	ctx, cancel := context.WithCancel(context.Background())
	n, err := startNode(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	}()
	base := "http://" + n.addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: hangGuard}
	call := func(method, path, body string) (int, []byte, error) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Rts-Secret", secret)
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res.StatusCode, b, err
	}
	_, body, err := call("GET", "/rts-api/v1/apps", "")
	if err != nil {
		t.Fatal(err)
	}
	var apps struct{ Data []struct{ ID string } }
	json.Unmarshal(body, &apps)
	if len(apps.Data) != 1 {
		t.Fatalf("apps: %s", body)
	}
	app := "/rts-api/v1/apps/" + apps.Data[0].ID
	call("GET", app+"/graph", "") // load the app's graph before the baseline
	client.CloseIdleConnections()
	goroutinesBefore, heapBefore := steady()
	t.Logf("before: %d goroutines, %.1f MiB heap", goroutinesBefore, heapBefore)

	var failures atomic.Int64
	var requests, renames, sockets, pushes atomic.Int64
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 5 {
			t.Errorf(format, args...)
		}
	}
	stop, giveUp := time.Now().Add(duration), time.Now().Add(duration+hangGuard)
	running := func() bool {
		now := time.Now()
		return now.Before(stop) || pushes.Load() == 0 && failures.Load() == 0 && now.Before(giveUp)
	}
	var wg sync.WaitGroup
	scripts := []string{
		"Api1.data.filter(x => x.id === " + marker + ".id)",
		"(() => { const {a} = Input1; return a + " + marker + " })()",
		"JSObject1.myFun1(Table1.selectedRow, moment().format())",
		"[1,2].map(i => i * " + marker + ".n)",
		strings.Repeat("(", 5000) + marker + strings.Repeat(")", 5000),
	}
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for running() {
				s := scripts[rng.Intn(len(scripts))]
				q, _ := json.Marshal(s)
				var path, body string
				want := http.StatusOK
				switch rng.Intn(6) {
				case 0:
					path, body = "/rts-api/v1/ast/single-script-data", `{"script":`+string(q)+`}`
				case 1:
					path, body = "/rts-api/v1/ast/multiple-script-data", `{"scripts":[`+string(q)+`,`+string(q)+`]}`
				case 2:
					path, body = "/rts-api/v1/ast/entity-refactor", `{"script":`+string(q)+`,"oldName":"`+marker+`","newName":"Renamed","isJSObject":false}`
				case 3:
					path, body = "/rts-api/v1/refactor/batch", `{"oldName":"`+marker+`","newName":"Renamed","entities":[{"name":"W","kind":"widget","bindings":[{"path":"p","value":"{{`+strings.Trim(string(q), `"`)+`}}"}]}]}`
				case 4:
					path = app + "/graph?page=Users"
				default:
					path = app + "/dependents?page=Users&node=UsersTable.selectedRow"
				}
				method := "POST"
				if body == "" {
					method = "GET"
				}
				status, b, err := call(method, path, body)
				requests.Add(1)
				if err != nil || status != want {
					fail("%s %s: %d %v %.200s", method, path, status, err, b)
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() { // renames through the store, each undone by the next
		defer wg.Done()
		names := [2]string{"getOrders", "listOrders"}
		for i := 0; running(); i++ {
			body := fmt.Sprintf(`{"page":"Users","oldName":%q,"newName":%q}`, names[i%2], names[(i+1)%2])
			status, b, err := call("POST", app+"/rename", body)
			renames.Add(1)
			if err != nil || status != http.StatusOK {
				fail("rename %d: %d %v %.300s", i, status, err, b)
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
	}()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(100 + w)))
			for running() {
				got, err := watch(base, apps.Data[0].ID, cookie, secret, time.Duration(300+rng.Intn(1500))*time.Millisecond)
				sockets.Add(1)
				pushes.Add(int64(got))
				if err != nil {
					fail("socket: %v", err)
				}
			}
		}(w)
	}
	wg.Wait()
	t.Logf("load: %d requests, %d renames, %d socket sessions, %d pushes received over %v",
		requests.Load(), renames.Load(), sockets.Load(), pushes.Load(), time.Since(stop.Add(-duration)).Round(time.Millisecond))
	if pushes.Load() == 0 {
		t.Error("no socket received a push")
	}

	// The client's idle keep-alive connections hold goroutines on both ends.
	client.CloseIdleConnections()
	goroutinesAfter, heapAfter := settle(goroutinesBefore+5, heapBefore*2+32)
	t.Logf("after: %d goroutines, %.1f MiB heap", goroutinesAfter, heapAfter)
	if goroutinesAfter > goroutinesBefore+5 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d before the load, %d after\n%s", goroutinesBefore, goroutinesAfter, buf[:runtime.Stack(buf, true)])
	}
	if f := os.Getenv("RTS_SOAK_HEAPPROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			pprof.WriteHeapProfile(out)
			out.Close()
		}
	}
	if heapAfter > heapBefore*2+32 {
		t.Errorf("heap: %.1f MiB before the load, %.1f MiB after", heapBefore, heapAfter)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if logs.lines == 0 {
		t.Error("the server logged nothing at debug level")
	}
	for _, line := range logs.found {
		t.Errorf("the log holds a secret, cookie or script: %s", line)
	}
}

// measure counts goroutines and the heap (in MiB, after a GC).
func measure() (int, float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), float64(ms.HeapAlloc) / (1 << 20)
}

// steady measures once the goroutine count has stopped changing (closed
// connections take a moment to wind down), or after hangGuard.
func steady() (int, float64) {
	g, heap := measure()
	for end := time.Now().Add(hangGuard); time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		g2, heap2 := measure()
		if g2 == g {
			return g2, heap2
		}
		g, heap = g2, heap2
	}
	return g, heap
}

// settle waits (up to hangGuard) for goroutines and heap to drop to the
// given bounds, and returns the last counts.
func settle(maxGoroutines int, maxHeap float64) (int, float64) {
	g, heap := measure()
	for end := time.Now().Add(hangGuard); (g > maxGoroutines || heap > maxHeap) && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		g, heap = measure()
	}
	return g, heap
}

// watch opens a socket as the graph page does (Engine.IO/Socket.IO over a
// WebSocket, with a session cookie the server has no backend to check and
// the secret in the CONNECT auth, without which a server with a secret
// pushes nothing), joins the app's room, counts pushes for d, and
// disconnects.
func watch(base, appID, cookie, secret string, d time.Duration) (int, error) {
	hdr := http.Header{"Cookie": {"SESSION=" + cookie}}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/rts/?EIO=4&transport=websocket", hdr)
	if err != nil {
		return 0, err
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(hangGuard))
	if _, open, err := ws.ReadMessage(); err != nil || !bytes.HasPrefix(open, []byte(`0{`)) {
		return 0, fmt.Errorf("open: %q %v", open, err)
	}
	ws.WriteMessage(websocket.TextMessage, []byte(`40{"secret":"`+secret+`"}`))
	ws.WriteMessage(websocket.TextMessage, []byte(`42["collab:start_edit","`+appID+`"]`))
	got := 0
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		ws.SetReadDeadline(end)
		_, msg, err := ws.ReadMessage()
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				break
			}
			return got, err
		}
		switch {
		case string(msg) == "2":
			ws.WriteMessage(websocket.TextMessage, []byte("3"))
		case bytes.HasPrefix(msg, []byte(`42["graph:changed"`)), bytes.HasPrefix(msg, []byte(`42["entity:renamed"`)):
			got++
		}
	}
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	return got, nil
}
