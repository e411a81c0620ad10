package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// TestKillDuringRenames kills a real `rts serve` (SIGKILL) at random
// moments of a stream of renames, again and again, and after each restart
// checks that the app is fully renamed or untouched and that every binding
// resolves as it did: no edge to the name the app no longer has, as many
// edges and unknown references as at the start. Twice: on the embedded
// store (one SQLite transaction per rename) and on a MongoDB without
// transactions (FerretDB, the real wire server: every rename goes through
// the journal). The kill moments are drawn within the time a rename takes
// on this machine, measured as the test runs, so the test holds on a slow
// machine as on a fast one.
func TestKillDuringRenames(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills and restarts rts serve many times")
	}
	bin := buildRTS(t)
	export, err := shareddata.Path("testdata", "exported", "CommunityIssuesExport.json")
	if err != nil {
		t.Fatal(err)
	}
	tries := 10
	if s := os.Getenv("RTS_KILL_TRIES"); s != "" {
		fmt.Sscan(s, &tries)
	}
	for _, backend := range []string{"embedded", "mongodb-journal"} {
		t.Run(backend, func(t *testing.T) {
			args := []string{"--data", t.TempDir()}
			if backend == "mongodb-journal" {
				args = []string{"--mongo", startFerret(t)}
			}
			if out, err := exec.Command(bin, append([]string{"import", export}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("rts import: %v\n%s", err, out)
			}
			killDuringRenames(t, bin, args, tries)
		})
	}
}

// startFerret builds and runs FerretDB as a process of its own
// (internal/tools/ferretdb, built without the race detector: the real
// wire server, at its own speed, outliving every rts started against it)
// and returns its URI.
func startFerret(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "ferretdb")
	if out, err := exec.Command(goTool, "build", "-o", bin, "../../internal/tools/ferretdb").CombinedOutput(); err != nil {
		t.Fatalf("go build ferretdb: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-dir", t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("ferretdb printed no URI: %v", err)
	}
	return strings.TrimSpace(line) + "appsmith"
}

// graphState is what the check reads from GET /graph.
type graphState struct {
	entities map[string]bool // page/name
	edgesTo  map[string]int  // root of each edge's target
	edges    int
	unknown  int
}

func readGraph(t *testing.T, base, id string) graphState {
	t.Helper()
	res := call(t, "GET", base+"/rts-api/v1/apps/"+id+"/graph", "")
	if res.status != http.StatusOK {
		t.Fatalf("graph: %d %.300s", res.status, res.body)
	}
	var g struct {
		Data struct {
			Pages []struct {
				Name     string
				Entities []struct{ Name string }
				Unknown  []json.RawMessage
			}
			Edges []struct{ To string }
		}
	}
	if err := json.Unmarshal([]byte(res.body), &g); err != nil {
		t.Fatal(err)
	}
	s := graphState{entities: map[string]bool{}, edgesTo: map[string]int{}, edges: len(g.Data.Edges)}
	for _, p := range g.Data.Pages {
		for _, e := range p.Entities {
			s.entities[e.Name] = true
		}
		s.unknown += len(p.Unknown)
	}
	for _, e := range g.Data.Edges {
		root, _, _ := strings.Cut(e.To, ".")
		s.edgesTo[root]++
	}
	return s
}

func killDuringRenames(t *testing.T, bin string, args []string, tries int) {
	names := [2]string{"fetch_label_config", "labelConfig"}
	serve := func() (*exec.Cmd, string, *logLines) {
		cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
		cmd.Env = append(os.Environ(), "APPSMITH_LOG_LEVEL=info")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logs := &logLines{}
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
			if addr, ok := strings.CutPrefix(sc.Text(), "rts listening on "); ok {
				go func() {
					for sc.Scan() {
						logs.add(sc.Text())
					}
				}()
				return cmd, addr, logs
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no listening line:\n%s", logs)
		return nil, "", nil
	}
	cmd, base, _ := serve()
	var apps struct{ Data []struct{ ID string } }
	json.Unmarshal([]byte(call(t, "GET", base+"/rts-api/v1/apps", "").body), &apps)
	if len(apps.Data) != 1 {
		t.Fatalf("apps: %+v", apps)
	}
	id := apps.Data[0].ID
	start := readGraph(t, base, id)
	if !start.entities[names[0]] || start.edgesTo[names[0]] == 0 {
		t.Fatalf("the app has no %s", names[0])
	}
	// How long a rename takes here: the kills are drawn within it.
	t0 := time.Now()
	for i := range 4 {
		if res := call(t, "POST", base+"/rts-api/v1/apps/"+id+"/rename",
			fmt.Sprintf(`{"oldName":%q,"newName":%q}`, names[i%2], names[(i+1)%2])); res.status != http.StatusOK {
			t.Fatalf("rename: %d %s", res.status, res.body)
		}
	}
	per := time.Since(t0) / 4
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	recovered := 0
	for try := range tries {
		// Renames back and forth until the kill.
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			cur := readGraphQuiet(base, id, names)
			c := &http.Client{Timeout: time.Minute}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				from, to := names[cur], names[1-cur]
				req, _ := http.NewRequest("POST", base+"/rts-api/v1/apps/"+id+"/rename",
					strings.NewReader(fmt.Sprintf(`{"oldName":%q,"newName":%q}`, from, to)))
				req.Header.Set("Content-Type", "application/json")
				res, err := c.Do(req)
				if err != nil {
					return // killed
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					cur = 1 - cur
				}
			}
		}()
		time.Sleep(time.Duration(rng.Int63n(int64(3*per) + 1)))
		cmd.Process.Kill()
		cmd.Wait()
		close(stop)
		wg.Wait()

		var logs *logLines
		cmd, base, logs = serve()
		got := readGraph(t, base, id)
		a, b := got.entities[names[0]], got.entities[names[1]]
		if a == b || a && got.edgesTo[names[1]] > 0 || b && got.edgesTo[names[0]] > 0 {
			t.Fatalf("try %d: half renamed: entities %s=%v %s=%v, edges to them %d and %d",
				try, names[0], a, names[1], b, got.edgesTo[names[0]], got.edgesTo[names[1]])
		}
		if got.edges != start.edges || got.unknown != start.unknown {
			t.Fatalf("try %d: %d edges and %d unknown references, at the start %d and %d", try, got.edges, got.unknown, start.edges, start.unknown)
		}
		if logs.has("from the journal") {
			recovered++
		}
		if bad := logs.complaints(); len(bad) > 0 {
			t.Errorf("try %d: the restart logged:\n%s", try, strings.Join(bad, "\n"))
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Logf("%d kills (renames took %v each here); %d restarts settled an interrupted write from the journal", tries, per.Round(time.Millisecond), recovered)
}

// readGraphQuiet says which of the two names the app has now (0 or 1).
func readGraphQuiet(base, id string, names [2]string) int {
	res, err := http.Get(base + "/rts-api/v1/apps/" + id + "/graph")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if strings.Contains(string(b), `"name":"`+names[1]+`"`) {
		return 1
	}
	return 0
}

// logLines collects a process's stderr.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *logLines) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// complaints are lines that read like trouble (a healthy start has none:
// running without APPSMITH_API_BASE_URL is a mode, logged at INFO).
func (l *logLines) complaints() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, x := range l.lines {
		if strings.Contains(x, "level=WARN") || strings.Contains(x, "level=ERROR") {
			out = append(out, x)
		}
	}
	return out
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
