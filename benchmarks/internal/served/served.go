// Package served owns the served path measured from outside: a real `rts
// serve` process, its HTTP API on loopback and a Socket.IO viewer of an app
// room. These pieces serve cmd/servedbench (issue 12's figures) and the
// rename benchmarks, and work against any rts binary that speaks the apps
// API, so a figure can be taken before and after a change with the same
// tool.
package served

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
)

// MostReferenced is the page and root name of the entity of app that the
// most edges point at (ties broken by name): the costliest rename.
func MostReferenced(app *appmodel.App) (page, name string, refs int) {
	count := map[[2]string]int{}
	for _, e := range appmodel.Edges(app) {
		count[[2]string{e.Page, depgraph.RootOf(e.To)}]++
	}
	var best [2]string
	for k, c := range count {
		if c > count[best] || c == count[best] && k[0]+k[1] < best[0]+best[1] {
			best = k
		}
	}
	return best[0], best[1], count[best]
}

// Served is a running `rts serve`.
type Served struct {
	Cmd  *exec.Cmd
	Base string // http://host:port, as the listening line prints it
	// Log holds every stderr line after the listening line.
	logMu sync.Mutex
	log   []string
	done  chan struct{}
}

// StartServed runs bin serve with args (add --addr 127.0.0.1:0) and waits
// for its listening line.
func StartServed(bin string, env []string, args ...string) (*Served, error) {
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Served{Cmd: cmd, done: make(chan struct{})}
	lines := bufio.NewScanner(stderr)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	var before []string
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "rts listening on "); ok {
			s.Base = addr
			break
		}
		before = append(before, lines.Text())
	}
	if s.Base == "" {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("rts serve printed no listening line:\n%s", strings.Join(before, "\n"))
	}
	s.log = before
	go func() {
		defer close(s.done)
		for lines.Scan() {
			s.logMu.Lock()
			s.log = append(s.log, lines.Text())
			s.logMu.Unlock()
		}
	}()
	return s, nil
}

// Log is what the server wrote to stderr so far.
func (s *Served) Log() []string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]string(nil), s.log...)
}

// Stop ends the server with SIGTERM and waits for it (SIGKILL after 30 s).
func (s *Served) Stop() error {
	s.Cmd.Process.Signal(os.Interrupt)
	exited := make(chan error, 1)
	go func() { exited <- s.Cmd.Wait() }()
	select {
	case err := <-exited:
		<-s.done
		return err
	case <-time.After(30 * time.Second):
		s.Cmd.Process.Kill()
		return errors.New("rts serve did not stop within 30 s of SIGINT")
	}
}

// CPUTime is the user+system time the process has used so far (Linux).
func (s *Served) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses.
	rest := string(b[bytes.LastIndexByte(b, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// RSS is the process's resident memory in bytes (Linux).
func (s *Served) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// Call makes one API call and decodes the envelope's data into out (when
// not nil). A status other than 2xx is an error carrying the body.
func Call(c *http.Client, method, url, body string, out any) error {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %.300s", method, url, res.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, out)
}

// RoomEvent is one push a Watcher heard.
type RoomEvent struct {
	Name string
	Data map[string]any
	At   time.Time
}

// Watcher is a Socket.IO viewer of one app room (room app:<id>), as the
// graph page is: Engine.IO v4 over a WebSocket, namespace "/",
// collab:start_edit with the app id.
type Watcher struct {
	ws     *websocket.Conn
	wmu    sync.Mutex
	Events chan RoomEvent
	done   chan struct{}
}

// WatchApp connects to base's /rts and joins the app's room.
func WatchApp(ctx context.Context, base, appID string) (*Watcher, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/rts/?EIO=4&transport=websocket"
	ws, res, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	w := &Watcher{ws: ws, Events: make(chan RoomEvent, 1024), done: make(chan struct{})}
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	read := func() (string, error) {
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return "", err
			}
			if string(b) == "2" {
				w.write("3")
				continue
			}
			return string(b), nil
		}
	}
	fail := func(err error) (*Watcher, error) { ws.Close(); return nil, err }
	if m, err := read(); err != nil || !strings.HasPrefix(m, "0{") {
		return fail(fmt.Errorf("no Engine.IO open packet (%q): %v", m, err))
	}
	w.write("40")
	if m, err := read(); err != nil || !strings.HasPrefix(m, "40") {
		return fail(fmt.Errorf("no Socket.IO connect answer (%q): %v", m, err))
	}
	w.write(`421["collab:start_edit",` + strconv.Quote(appID) + `]`)
	for {
		m, err := read()
		if err != nil {
			return fail(err)
		}
		if strings.HasPrefix(m, "431") {
			break
		}
	}
	ws.SetReadDeadline(time.Time{})
	go w.readLoop()
	return w, nil
}

func (w *Watcher) write(s string) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	w.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

func (w *Watcher) readLoop() {
	defer close(w.done)
	defer close(w.Events)
	for {
		_, b, err := w.ws.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		if string(b) == "2" {
			w.write("3")
			continue
		}
		if !bytes.HasPrefix(b, []byte("42[")) {
			continue
		}
		var args []json.RawMessage
		if json.Unmarshal(b[2:], &args) != nil || len(args) < 2 {
			continue
		}
		ev := RoomEvent{At: at}
		json.Unmarshal(args[0], &ev.Name)
		json.Unmarshal(args[1], &ev.Data)
		select {
		case w.Events <- ev:
		default: // nobody reads: drop rather than stall the socket
		}
	}
}

// Close disconnects.
func (w *Watcher) Close() {
	w.ws.Close()
	<-w.done
}

// WaitEvent returns the first event named name for which ok holds, or an
// error after timeout (a hang guard, not a measurement).
func (w *Watcher) WaitEvent(name string, timeout time.Duration, ok func(RoomEvent) bool) (RoomEvent, error) {
	deadline := time.After(timeout)
	for {
		select {
		case ev, open := <-w.Events:
			if !open {
				return RoomEvent{}, errors.New("socket closed")
			}
			if ev.Name == name && (ok == nil || ok(ev)) {
				return ev, nil
			}
		case <-deadline:
			return RoomEvent{}, fmt.Errorf("no %s within %v", name, timeout)
		}
	}
}
