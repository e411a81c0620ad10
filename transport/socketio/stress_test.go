package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestConcurrentPublishJoinLeave runs publishers, joins, leaves and
// disconnects at once (for the race detector) and checks that every client
// sees each room's seq strictly rising and the presence lists well formed.
func TestConcurrentPublishJoinLeave(t *testing.T) {
	e := newEnv(t, nil)
	const clients, rooms, publishers, perPublisher = 12, 4, 4, 150

	type seen struct {
		mu   sync.Mutex
		last map[string]uint64
		bad  []string
	}
	var readers sync.WaitGroup
	conns := make([]*websocket.Conn, clients)
	results := make([]*seen, clients)
	for i := range clients {
		c := dialRaw(t, e, "SESSION="+[]string{"alice", "bob", "carol"}[i%3], nil)
		c.write("40")
		c.readUntil("40{")
		conns[i] = c.ws
		res := &seen{last: map[string]uint64{}}
		results[i] = res
		readers.Add(1)
		go func(ws *websocket.Conn) {
			defer readers.Done()
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				s := string(b)
				if !strings.HasPrefix(s, `42["graph:changed",`) {
					continue
				}
				var arr []json.RawMessage
				var p struct {
					Room string `json:"room"`
					Seq  uint64 `json:"seq"`
				}
				if json.Unmarshal(b[2:], &arr) != nil || len(arr) != 3 || json.Unmarshal(arr[1], &p) != nil {
					res.mu.Lock()
					res.bad = append(res.bad, s)
					res.mu.Unlock()
					continue
				}
				res.mu.Lock()
				if p.Seq <= res.last[p.Room] {
					res.bad = append(res.bad, fmt.Sprintf("room %s: seq %d after %d", p.Room, p.Seq, res.last[p.Room]))
				}
				res.last[p.Room] = p.Seq
				res.mu.Unlock()
			}
		}(c.ws)
	}

	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perPublisher {
				room := fmt.Sprintf("app:r%d", (i+p)%rooms)
				if _, err := e.srv.Publish(room, "graph:changed", map[string]any{"room": room}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// Joins and leaves from a single writer per connection (gorilla allows
	// one concurrent writer; the readers above never write).
	var wmu sync.Mutex
	for range 300 {
		i := rand.IntN(clients)
		msg := fmt.Sprintf(`42["collab:start_edit","r%d"]`, rand.IntN(rooms))
		if rand.IntN(4) == 0 {
			msg = fmt.Sprintf(`42["collab:leave_edit","r%d"]`, rand.IntN(rooms))
		}
		wmu.Lock()
		_ = conns[i].WriteMessage(websocket.TextMessage, []byte(msg))
		wmu.Unlock()
	}
	wg.Wait()
	// Drop half the connections abruptly while the rest keep going.
	for i := 0; i < clients; i += 2 {
		conns[i].Close()
	}
	for range 50 {
		_, _ = e.srv.Publish("app:r0", "graph:changed", map[string]any{"room": "app:r0"})
	}
	time.Sleep(200 * time.Millisecond)
	e.close()
	readers.Wait()
	for i, r := range results {
		if len(r.bad) > 0 {
			t.Errorf("client %d: %v", i, r.bad)
		}
	}
	if got := e.srv.ConnectionCount(); got != 0 {
		t.Errorf("%d connections after Shutdown", got)
	}
}

// TestNoGoroutineLeaks opens, uses and closes connections in every way and
// checks that after Shutdown no goroutine of the package is left.
func TestNoGoroutineLeaks(t *testing.T) {
	before := socketioGoroutines()
	e := newEnv(t, func(o *Options) { o.MaxQueueBytes = 4096 })
	var open []*rawClient
	for i := range 10 {
		c := dialRaw(t, e, "SESSION=alice", nil)
		c.write("40")
		c.readUntil("40{")
		c.write(`42["collab:start_edit","leak"]`)
		switch i % 3 {
		case 0:
			c.ws.Close() // abrupt
		case 1:
			c.write("1") // Engine.IO close
		default:
			open = append(open, c) // left to Shutdown; never read again (slow)
		}
	}
	for range 20 {
		e.publish("app:leak", "graph:changed", map[string]any{"pad": strings.Repeat("x", 1024)})
	}
	// An in-flight handshake at Shutdown time.
	resp, err := http.Get(e.hs.URL + "/rts/?EIO=4&transport=polling")
	if err == nil {
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	checkNoLeaks(t, before)
	_ = open
}
