package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const benchEvent = "bench:tick"

// client is one load connection. Only its reader goroutine reads; writes
// (pongs from the reader, joins from the driver) share wmu.
type client struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	room    int
	churner bool // a presence churner: its pushes are not counted

	users     atomic.Int32 // users in the last collab:online_editors
	presences atomic.Int64
	closed    atomic.Bool
	closeErr  atomic.Value // error

	mu        sync.Mutex
	latencies []time.Duration // of bench:tick, by the reader
	seqs      int
}

func (c *client) write(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

func roomName(r int) string { return "room-" + strconv.Itoa(r) }

var (
	prefixPresence = []byte(`42["collab:online_editors",`)
	prefixTick     = []byte(`42["` + benchEvent + `",`)
	emailKey       = []byte(`"email"`)
	tsKey          = []byte(`"ts":`)
)

// readLoop answers pings and records presence and push latency.
func (c *client) readLoop() {
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			c.closeErr.Store(err)
			c.closed.Store(true)
			return
		}
		switch {
		case len(b) == 1 && b[0] == '2':
			_ = c.write("3")
		case bytes.HasPrefix(b, prefixTick) && !c.churner:
			now := time.Now().UnixNano()
			if i := bytes.Index(b, tsKey); i >= 0 {
				j := i + len(tsKey)
				k := j
				for k < len(b) && b[k] >= '0' && b[k] <= '9' {
					k++
				}
				if ts, err := strconv.ParseInt(string(b[j:k]), 10, 64); err == nil {
					c.mu.Lock()
					c.latencies = append(c.latencies, time.Duration(now-ts))
					c.seqs++
					c.mu.Unlock()
				}
			}
		case bytes.HasPrefix(b, prefixPresence):
			c.users.Store(int32(bytes.Count(b, emailKey)))
			c.presences.Add(1)
		}
	}
}

// dial opens one connection, connects to "/" and joins its room.
func dial(ctx context.Context, d *websocket.Dialer, wsURL string, k, room int, churner bool) (*client, error) {
	hdr := http.Header{"Cookie": {"SESSION=u" + strconv.Itoa(k)}}
	ws, resp, err := d.DialContext(ctx, wsURL, hdr)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws, room: room, churner: churner}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, b, err := ws.ReadMessage(); err != nil || len(b) == 0 || b[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("no open packet: %v", err)
	}
	if err := c.write("40"); err != nil {
		ws.Close()
		return nil, err
	}
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("no CONNECT answer: %w", err)
		}
		if bytes.HasPrefix(b, []byte("40")) {
			break
		}
		if len(b) == 1 && b[0] == '2' {
			_ = c.write("3")
		}
	}
	_ = ws.SetReadDeadline(time.Time{})
	if err := c.write(`42["collab:start_edit","` + roomName(room) + `"]`); err != nil {
		ws.Close()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

// runClient drives the server at c.target and returns the report.
func runClient(cfg *config) (*report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	rep := &report{Server: cfg.label, Conns: cfg.conns, RoomSize: cfg.roomSize}
	if rep.Server == "" {
		rep.Server = cfg.target
	}
	// Several comma-separated targets (nodes sharing Redis) take the
	// connections in turn; pushes go to the first, so on the others every
	// push crosses nodes.
	targets := strings.Split(cfg.target, ",")
	var wsURLs []string
	for _, tg := range targets {
		base, err := url.Parse(tg)
		if err != nil || base.Host == "" {
			return nil, fmt.Errorf("bad -target %q", tg)
		}
		if h := base.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
			return nil, fmt.Errorf("-target must be on loopback, not %q", h)
		}
		wsURLs = append(wsURLs, "ws://"+base.Host+"/rts/?EIO=4&transport=websocket")
	}
	wsURL := func(k int) string { return wsURLs[k%len(wsURLs)] }
	pubURL := cfg.publishURL
	if pubURL == "" {
		pubURL = strings.TrimRight(targets[0], "/") + "/rts-publish"
	}
	if !cfg.noUsersMe {
		stop, err := startUsersMe(cfg.usersMeAddr)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	rssBefore := rssOf(cfg.serverPID)

	// Phase 1: connect and join, dial-concurrency at a time.
	rooms := (cfg.conns + cfg.roomSize - 1) / cfg.roomSize
	rep.Rooms = rooms
	clients := make([]*client, cfg.conns)
	dialer := &websocket.Dialer{
		HandshakeTimeout: 30 * time.Second,
		NetDialContext:   (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		ReadBufferSize:   4096,
		WriteBufferSize:  1024,
	}
	start := time.Now()
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range cfg.dialConc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= cfg.conns || ctx.Err() != nil {
					return
				}
				cl, err := dial(ctx, dialer, wsURL(k), k, k/cfg.roomSize, false)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				clients[k] = cl
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, cl := range clients {
			if cl != nil {
				cl.ws.Close()
			}
		}
	}()
	if n := failed.Load(); n > 0 {
		return nil, fmt.Errorf("%d of %d connections failed; first: %v", n, cfg.conns, firstErr.Load())
	}
	rep.ConnectSeconds = time.Since(start).Seconds()

	// Phase 2: presence settles when every client saw its full room.
	want := func(k int) int32 {
		return int32(min(cfg.roomSize, cfg.conns-(k/cfg.roomSize)*cfg.roomSize))
	}
	for {
		settled := true
		for k, cl := range clients {
			if cl.closed.Load() {
				return nil, fmt.Errorf("connection %d closed during presence: %v", k, cl.closeErr.Load())
			}
			if cl.users.Load() != want(k) {
				settled = false
				break
			}
		}
		if settled {
			break
		}
		if ctx.Err() != nil {
			return nil, errors.New("presence did not settle before -timeout")
		}
		time.Sleep(50 * time.Millisecond)
	}
	rep.PresenceSeconds = time.Since(start).Seconds() - rep.ConnectSeconds
	for _, cl := range clients {
		rep.PresenceMsgs += cl.presences.Load()
	}

	// Phase 3: idle memory.
	time.Sleep(cfg.settle)
	if cfg.serverPID > 0 {
		after := rssOf(cfg.serverPID)
		rep.ServerRSSBeforeMB = float64(rssBefore) / (1 << 20)
		rep.ServerRSSAfterMB = float64(after) / (1 << 20)
		rep.RSSPerConnBytes = float64(after-rssBefore) / float64(cfg.conns)
	}
	if cfg.waitGo {
		fmt.Println("connected") // the in-process parent measures now
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if strings.TrimSpace(line) != "go" {
			return nil, errors.New("parent went away")
		}
	}

	// Phase 4: pushes (paced or saturating) with presence churn.
	total := rooms * cfg.publishes
	expected := 0
	for r := range rooms {
		expected += cfg.publishes * int(want(r*cfg.roomSize))
	}
	rep.Publishes, rep.Expected = total, expected
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, Proxy: nil}}
	pad := strings.Repeat("x", cfg.payload)
	jobs := make(chan int)
	var pubErrs atomic.Int64
	pubStart := time.Now()
	var pwg sync.WaitGroup
	for range cfg.concurrency {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for i := range jobs {
				body := fmt.Sprintf(`{"room":"app:%s","event":%q,"payload":{"i":%d,"pad":%q,"ts":%d}}`,
					roomName(i%rooms), benchEvent, i, pad, time.Now().UnixNano())
				resp, err := httpc.Post(pubURL, "application/json", strings.NewReader(body))
				if err != nil {
					pubErrs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					pubErrs.Add(1)
				}
			}
		}()
	}
	// Presence churn: extra connections (not counted) hop between rooms;
	// each hop is a leave and a join, so two collab:online_editors
	// broadcasts to full rooms.
	stopChurn := make(chan struct{})
	var churns atomic.Int64
	var cwg sync.WaitGroup
	if cfg.churn > 0 && cfg.churnConns > 0 {
		churners := make([]*client, 0, cfg.churnConns)
		for i := range cfg.churnConns {
			cl, err := dial(ctx, dialer, wsURL(cfg.conns+i), cfg.conns+i, i%rooms, true)
			if err != nil {
				return nil, fmt.Errorf("churn connection: %w", err)
			}
			churners = append(churners, cl)
		}
		defer func() {
			for _, cl := range churners {
				cl.ws.Close()
			}
		}()
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			t := time.NewTicker(time.Duration(float64(time.Second) / cfg.churn))
			defer t.Stop()
			for {
				select {
				case <-stopChurn:
					return
				case <-t.C:
					cl := churners[rand.IntN(len(churners))]
					cl.room = (cl.room + 1 + rand.IntN(max(1, rooms-1))) % rooms
					_ = cl.write(`42["collab:start_edit","` + roomName(cl.room) + `"]`)
					churns.Add(1)
				}
			}
		}()
	}
	var tick <-chan time.Time
	if cfg.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.rate))
		defer t.Stop()
		tick = t.C
	}
feed:
	for i := range total {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				break feed
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	pwg.Wait()
	rep.PublishSeconds = time.Since(pubStart).Seconds()
	// Wait for the deliveries (or 10 s of nothing new).
	var got int
	lastChange, lastGot := time.Now(), -1
	for {
		got = 0
		for _, cl := range clients {
			cl.mu.Lock()
			got += cl.seqs
			cl.mu.Unlock()
		}
		if got != lastGot {
			lastGot, lastChange = got, time.Now()
		}
		if got >= expected || time.Since(lastChange) > 10*time.Second || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stopChurn)
	cwg.Wait()
	deliverSeconds := time.Since(pubStart).Seconds()
	if got >= expected {
		deliverSeconds = lastChange.Sub(pubStart).Seconds()
	}
	var all []time.Duration
	for _, cl := range clients {
		cl.mu.Lock()
		all = append(all, cl.latencies...)
		cl.mu.Unlock()
		if cl.closed.Load() {
			rep.Disconnected++
		}
	}
	rep.Delivered = got
	rep.PublishErrors = int(pubErrs.Load())
	rep.Churns = int(churns.Load())
	rep.MsgsPerSec = float64(got) / deliverSeconds
	rep.setLatencies(all)
	return rep, nil
}

// rssOf returns the resident set size of pid in bytes (0 if unknown).
func rssOf(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
