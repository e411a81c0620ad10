package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// The attacks of issue 13 against `rts serve` with its default settings
// (loopback, the embedded store, no secret): each must be refused with a
// JSON answer the client can read.

// TestDNSRebinding is a web page on a rebinding domain (attacker.example
// resolving to 127.0.0.1): its requests carry that Host and Origin. None
// may reach the apps API, the page or the sockets.
func TestDNSRebinding(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRTS(t)
	_, base, lines := startServe(t, bin, nil, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo")
	go discardLines(lines)
	u, _ := url.Parse(base)
	foreign := "rebind.attacker.example:" + u.Port()
	origin := "http://" + foreign

	appID := demoAppID(t, base)
	renameBody := `{"page":"Users","oldName":"getUsers","newName":"listUsers","dryRun":false}`
	for _, rq := range []struct{ method, path, body string }{
		{"GET", "/rts-api/v1/apps", ""},
		{"POST", "/rts-api/v1/apps/import", `{}`},
		{"POST", "/rts-api/v1/apps/" + appID + "/rename", renameBody},
		{"GET", "/rts-api/v1/apps/" + appID + "/graph", ""},
		{"POST", "/rts-api/v1/ast/single-script-data", `{"script":"Api1.data"}`},
		{"GET", "/rts-api/v1/health-check", ""},
		{"GET", "/metrics", ""},
		{"GET", "/", ""},
	} {
		t.Run(rq.method+" "+rq.path, func(t *testing.T) {
			req, _ := http.NewRequest(rq.method, base+rq.path, strings.NewReader(rq.body))
			req.Host = foreign
			req.Header.Set("Origin", origin)
			if rq.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusMisdirectedRequest || !isErrorEnvelope(body) {
				t.Errorf("Host %s: %d %.200s, want 421 with the JSON envelope", foreign, res.StatusCode, body)
			}
		})
	}
	// The rename did not happen: the entity still has its old name.
	if got := get(t, base+"/rts-api/v1/apps/"+appID+"/graph?page=Users"); !strings.Contains(got, `"getUsers"`) {
		t.Errorf("after the refused rename the graph lacks getUsers: %.300s", got)
	}

	t.Run("WebSocket upgrade", func(t *testing.T) {
		status, head := rawUpgrade(t, u.Host, foreign, origin)
		if status != http.StatusMisdirectedRequest {
			t.Errorf("upgrade with Host %s: status %d, want 421\n%s", foreign, status, head)
		}
		// The server's own name still upgrades.
		if status, head := rawUpgrade(t, u.Host, u.Host, "http://"+u.Host); status != http.StatusSwitchingProtocols {
			t.Errorf("upgrade with Host %s: status %d, want 101\n%s", u.Host, status, head)
		}
	})
	for _, own := range []string{u.Host, "localhost:" + u.Port(), "LOCALHOST:" + u.Port()} {
		req, _ := http.NewRequest("GET", base+"/rts-api/v1/apps", nil)
		req.Host = own
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("Host %s: %d, want 200", own, res.StatusCode)
		}
	}
}

// TestAllowedHostsSetting: behind a proxy the server's public name is
// allowed with APPSMITH_RTS_ALLOWED_HOSTS.
func TestAllowedHostsSetting(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRTS(t)
	_, base, lines := startServe(t, bin, []string{"APPSMITH_RTS_ALLOWED_HOSTS=rts.example.com, *.internal.example"},
		"--addr", "127.0.0.1:0", "--no-store")
	go discardLines(lines)
	for host, want := range map[string]int{
		"rts.example.com":       200,
		"a.b.internal.example":  200,
		"internal.example":      421,
		"rts.example.com.evil":  421,
		"127.0.0.1":             200,
		"evil.rts.example.com":  421,
		"rts.example.com:12345": 200,
	} {
		req, _ := http.NewRequest("GET", base+"/rts-api/v1/health-check", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}

// TestUnboundedWork is one multiple-script-data request of 1,200,000
// scripts (4.8 MB): refused at once with a JSON error, not analysed into a
// 90 MB answer; four at once leave the server serving.
func TestUnboundedWork(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRTS(t)
	cmd, base, lines := startServe(t, bin, nil, "--addr", "127.0.0.1:0", "--no-store")
	go discardLines(lines)
	body := `{"scripts":[` + strings.Repeat(`"a",`, 1_200_000-1) + `"a"]}`
	results := make(chan string, 4)
	for range 4 {
		go func() {
			res, err := http.Post(base+"/rts-api/v1/ast/multiple-script-data", "application/json", strings.NewReader(body))
			if err != nil {
				results <- err.Error()
				return
			}
			defer res.Body.Close()
			// Read at most 1 MB: the refusal is short; the analysed answer is not.
			b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			if res.StatusCode != http.StatusRequestEntityTooLarge || !isErrorEnvelope(b) ||
				!strings.Contains(string(b), "1200000 scripts") {
				results <- fmt.Sprintf("%d %.200s", res.StatusCode, b)
				return
			}
			results <- ""
		}()
	}
	for range 4 {
		if r := <-results; r != "" {
			t.Errorf("1,200,000 scripts: %s, want 413 naming the count and the limit", r)
		}
	}
	if got := get(t, base+"/rts-api/v1/health-check"); got != `{"success":true}` {
		t.Errorf("health check after: %s", got)
	}
	// Memory, not time: the four bodies, and nothing like the 3 GB of
	// analysing them.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Skipf("peak RSS not readable: %v", err)
	}
	var peakKB int
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscan(v, &peakKB)
		}
	}
	t.Logf("peak RSS %d kB", peakKB)
	if peakKB == 0 || peakKB > 300<<10 {
		t.Errorf("peak RSS %d kB, want under 300 MB", peakKB)
	}
}

// TestReadable413 is a client that writes its whole 6 MB body before it
// reads (Python's urllib does): it must read the JSON 413, not a broken
// pipe or a reset.
func TestReadable413(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRTS(t)
	_, base, lines := startServe(t, bin, nil, "--addr", "127.0.0.1:0", "--no-store")
	go discardLines(lines)
	u, _ := url.Parse(base)
	for _, size := range []int{6 << 20, 5<<20 + 1} {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		var req bytes.Buffer
		fmt.Fprintf(&req, "POST /rts-api/v1/ast/single-script-data HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", u.Host, size)
		req.WriteString(`{"script":"`)
		req.Write(bytes.Repeat([]byte("a"), size-len(`{"script":""}`)))
		req.WriteString(`"}`)
		c.SetDeadline(time.Now().Add(hangGuard))
		if _, err := c.Write(req.Bytes()); err != nil {
			t.Errorf("%d bytes: writing the body: %v", size, err)
			c.Close()
			continue
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("%d bytes: reading the answer: %v", size, err)
			c.Close()
			continue
		}
		b, err := io.ReadAll(res.Body)
		c.Close()
		want := `{"success":false,"message":"Request body is larger than 5 MB","data":{"error":"Request body is larger than 5 MB"}}`
		if err != nil || res.StatusCode != http.StatusRequestEntityTooLarge || string(b) != want {
			t.Errorf("%d bytes: %d %s (%v), want 413 %s", size, res.StatusCode, b, err, want)
		}
	}
}

// discardLines reads the server's log so that it never blocks writing.
func discardLines(lines *bufio.Scanner) {
	for lines.Scan() {
	}
}

func isErrorEnvelope(b []byte) bool {
	var env struct {
		Success *bool  `json:"success"`
		Message string `json:"message"`
		Data    struct {
			Error string `json:"error"`
		} `json:"data"`
	}
	return json.Unmarshal(b, &env) == nil && env.Success != nil && !*env.Success && env.Message != "" && env.Data.Error != ""
}

func get(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func demoAppID(t *testing.T, base string) string {
	t.Helper()
	var list struct {
		Data []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(get(t, base+"/rts-api/v1/apps")), &list); err != nil || len(list.Data) == 0 {
		t.Fatalf("apps list: %v %+v", err, list)
	}
	return list.Data[0].ID
}

// rawUpgrade asks for a Socket.IO WebSocket at /rts with the given Host
// and Origin and returns the status and the head of the answer.
func rawUpgrade(t *testing.T, addr, host, origin string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangGuard))
	fmt.Fprintf(c, "GET /rts/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host, origin)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("upgrade answer: %v", err)
	}
	var head strings.Builder
	res.Header.Write(&head)
	return res.StatusCode, head.String()
}
