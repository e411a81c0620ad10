// Command servedbench measures what a user of `rts serve` waits for, end to
// end through a real server process on loopback: `rts import` of the
// largest shared app, the first and later GET /apps/{id}/graph, a rename of
// its most referenced entity through the HTTP API until the viewer of the
// app's room has heard entity:renamed, the server's idle CPU with every app
// loaded, and its resident memory per loaded app. It does so twice: with
// that app alone in the store, and with 20 apps (the three shared git apps
// imported in turn).
//
//	go run ./benchmarks/cmd/servedbench                      # builds ./cmd/rts
//	go run ./benchmarks/cmd/servedbench -rts /path/to/rts -apps 20 -renames 30 -idle 60s
//	go run ./benchmarks/cmd/servedbench -cold-build          # also: cold build time of the binary
//
// It only needs the apps API, so it measures any rts binary the same way
// (the figures before and after a change).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
	"github.com/appsmith-rts/rts/benchmarks/internal/served"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "servedbench:", err)
		os.Exit(1)
	}
}

type options struct {
	bin       string
	apps      int
	renames   int
	laterGets int
	idle      time.Duration
	env       []string
	coldArgs  []string // serve flags of the cold server (no preloading)
	warm      bool
}

// figures are one store size's measurements.
type figures struct {
	Apps        int           `json:"apps"`
	ImportFirst time.Duration `json:"importFirst"` // NewIdeel into an empty store
	ImportLast  time.Duration `json:"importLast"`  // NewIdeel into the fullest store
	FirstGraph  time.Duration `json:"firstGraph"`  // cold: the app loads on this request
	// Warm: a server that preloads the store's apps; the first graph
	// after they are loaded, and how long after the start that was.
	Preloaded      time.Duration `json:"preloadedAfter,omitempty"`
	WarmFirstGraph time.Duration `json:"warmFirstGraph,omitempty"`
	WarmGraphCPU   time.Duration `json:"warmFirstGraphServerCpu,omitempty"`
	WarmRSS        int64         `json:"warmRssBytes,omitempty"`
	LaterGraphP50  time.Duration `json:"laterGraphP50"`
	LoadAll        time.Duration `json:"loadAll"` // first graph of every app, one after another
	RenameP50      time.Duration `json:"renameP50"`
	RenameP90      time.Duration `json:"renameP90"`
	RenameMax      time.Duration `json:"renameMax"`
	HTTPP50        time.Duration `json:"renameHttpP50"`
	GraphP50       time.Duration `json:"renameGraphChangedP50"` // until graph:changed of the rename
	// CPU time the processes used: load-independent evidence of the work.
	ImportCPU     time.Duration `json:"importCpu"`
	FirstGraphCPU time.Duration `json:"firstGraphServerCpu"`
	RenameCPU     time.Duration `json:"renameServerCpuPerRename"`
	Refs          int           `json:"refactorCount"`
	IdleCPU       float64       `json:"idleCpuPercentOfCore"`
	RSSStart      int64         `json:"rssStartBytes"`
	RSSLoaded     int64         `json:"rssLoadedBytes"`
	Complaints    []string      `json:"logComplaints"`
	// Failed says what could not be measured, and why.
	Failed string `json:"failed,omitempty"`
}

func run() error {
	var o options
	fs := flag.NewFlagSet("servedbench", flag.ContinueOnError)
	fs.StringVar(&o.bin, "rts", "", "the rts binary to measure (default: go build ./cmd/rts)")
	fs.IntVar(&o.apps, "apps", 20, "apps in the large store")
	fs.IntVar(&o.renames, "renames", 20, "renames measured (back and forth)")
	fs.IntVar(&o.laterGets, "gets", 20, "later graph requests measured")
	fs.DurationVar(&o.idle, "idle", 60*time.Second, "how long idle CPU is measured")
	cold := fs.Bool("cold-build", false, "measure a cold build of ./cmd/rts (own empty GOCACHE; modules already downloaded)")
	asJSON := fs.Bool("json", false, "print JSON")
	coldArgs := fs.String("cold-args", "--no-preload", "serve flags of the cold server, which must load the app on its first request (\"\" for binaries before preloading)")
	fs.BoolVar(&o.warm, "warm", true, "also measure the first graph on a server that preloads the store's apps")
	keep := fs.String("data", "", "keep the stores under this folder (default: a temporary folder, removed)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	root := *keep
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "servedbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(root)
	}
	var coldBuild time.Duration
	if o.bin == "" || *cold {
		bin := filepath.Join(root, "rts")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/rts")
		if *cold {
			cache := filepath.Join(root, "gocache")
			cmd.Env = append(os.Environ(), "GOCACHE="+cache)
			defer os.RemoveAll(cache)
		}
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
		if *cold {
			coldBuild = time.Since(start)
		}
		if o.bin == "" {
			o.bin = bin
		}
	}
	o.env = []string{"APPSMITH_LOG_LEVEL=info"}
	o.coldArgs = strings.Fields(*coldArgs)

	var gitApps []string
	for _, n := range []string{"NewIdeel-Appsmith", "AppsmithNew", "rm"} {
		p, err := shareddata.Path("testdata", "apps", n)
		if err != nil {
			return err
		}
		gitApps = append(gitApps, p)
	}
	target, err := appmodel.Load(gitApps[0])
	if err != nil {
		return err
	}
	page, name, refs := served.MostReferenced(target)
	fmt.Fprintf(os.Stderr, "rename target: %s on page %s (%d edges point at it)\n", name, page, refs)

	var all []figures
	sizes := []int{1}
	if o.apps != 1 {
		sizes = append(sizes, o.apps)
	}
	for _, n := range sizes {
		dir := filepath.Join(root, fmt.Sprintf("store-%d", n))
		f, err := measure(o, dir, gitApps, n, page, name)
		if err != nil {
			return fmt.Errorf("%d apps: %w", n, err)
		}
		all = append(all, f)
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"coldBuild": coldBuild, "stores": all})
	}
	printTable(all, coldBuild)
	return nil
}

// measure builds a store of n apps in dir and measures the served path on
// it.
func measure(o options, dir string, gitApps []string, n int, page, name string) (figures, error) {
	f := figures{Apps: n}
	fmt.Fprintf(os.Stderr, "== %d app(s): importing\n", n)
	for i := range n {
		start := time.Now()
		cmd := exec.Command(o.bin, "import", gitApps[i%len(gitApps)], "--data", dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return f, fmt.Errorf("rts import: %v\n%s", err, out)
		}
		took := time.Since(start)
		if i == 0 {
			f.ImportFirst = took
			f.ImportCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		if i%len(gitApps) == 0 {
			f.ImportLast = took
		}
	}
	if o.warm {
		if err := measureWarm(o, dir, filepath.Base(gitApps[0]), n, &f); err != nil {
			return f, fmt.Errorf("warm: %w", err)
		}
	}
	srv, err := served.StartServed(o.bin, o.env, append([]string{"--addr", "127.0.0.1:0", "--data", dir}, o.coldArgs...)...)
	if err != nil {
		return f, err
	}
	defer srv.Stop()
	base := srv.Base
	c := &http.Client{Timeout: 5 * time.Minute}
	var apps []struct{ ID, Name string }
	if err := served.Call(c, "GET", base+"/rts-api/v1/apps", "", &apps); err != nil {
		return f, err
	}
	if len(apps) != n {
		return f, fmt.Errorf("the store lists %d apps, want %d", len(apps), n)
	}
	var id string
	for _, a := range apps {
		if a.Name == filepath.Base(gitApps[0]) && id == "" {
			id = a.ID
		}
	}
	time.Sleep(time.Second)
	if f.RSSStart, err = srv.RSS(); err != nil {
		return f, err
	}

	graph := base + "/rts-api/v1/apps/" + id + "/graph"
	cpu0, _ := srv.CPUTime()
	start := time.Now()
	if err := served.Call(c, "GET", graph, "", nil); err != nil {
		f.Failed = fmt.Sprintf("first graph failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
		f.Complaints = complaints(srv)
		return f, nil
	}
	f.FirstGraph = time.Since(start)
	cpu1, _ := srv.CPUTime()
	f.FirstGraphCPU = cpu1 - cpu0
	fmt.Fprintf(os.Stderr, "first graph %v; loading the other apps\n", f.FirstGraph)
	start = time.Now()
	for _, a := range apps {
		if a.ID != id {
			if err := served.Call(c, "GET", base+"/rts-api/v1/apps/"+a.ID+"/graph", "", nil); err != nil {
				f.Failed = fmt.Sprintf("loading every app: %v", err)
				f.Complaints = complaints(srv)
				return f, nil
			}
		}
	}
	f.LoadAll = time.Since(start) + f.FirstGraph
	var later []time.Duration
	for range o.laterGets {
		start := time.Now()
		if err := served.Call(c, "GET", graph, "", nil); err != nil {
			return f, err
		}
		later = append(later, time.Since(start))
	}
	f.LaterGraphP50 = loadgen.Summarize(later).P50

	ctx := context.Background()
	w, err := served.WatchApp(ctx, base, id)
	if err != nil {
		return f, err
	}
	defer w.Close()
	var e2e, httpOnly, graphed []time.Duration
	names := []string{name, name + "Renamed"}
	rcpu0, _ := srv.CPUTime()
	for i := range o.renames {
		from, to := names[i%2], names[(i+1)%2]
		body := fmt.Sprintf(`{"page":%q,"oldName":%q,"newName":%q}`, page, from, to)
		var res struct{ RefactorCount int }
		start := time.Now()
		if err := served.Call(c, "POST", base+"/rts-api/v1/apps/"+id+"/rename", body, &res); err != nil {
			return f, err
		}
		answered := time.Since(start)
		ev, err := w.WaitEvent("entity:renamed", 2*time.Minute, func(ev served.RoomEvent) bool {
			return ev.Data["newName"] == to
		})
		if err != nil {
			return f, err
		}
		httpOnly = append(httpOnly, answered)
		e2e = append(e2e, max(answered, ev.At.Sub(start)))
		f.Refs = res.RefactorCount
		// The next rename waits, as a user would, for the graph to follow
		// this one (graph:changed; older servers send it with the same
		// reason right after entity:renamed).
		g, err := w.WaitEvent("graph:changed", 2*time.Minute, func(ev served.RoomEvent) bool {
			return ev.Data["reason"] == "renamed"
		})
		if err != nil {
			return f, err
		}
		graphed = append(graphed, g.At.Sub(start))
	}
	rcpu1, _ := srv.CPUTime()
	f.RenameCPU = (rcpu1 - rcpu0) / time.Duration(max(o.renames, 1))
	f.GraphP50 = loadgen.Summarize(graphed).P50
	s := loadgen.Summarize(e2e)
	f.RenameP50, f.RenameP90, f.RenameMax = s.P50, s.P90, s.Max
	f.HTTPP50 = loadgen.Summarize(httpOnly).P50
	fmt.Fprintf(os.Stderr, "renames: p50 %v; idle for %v\n", f.RenameP50, o.idle)

	if f.RSSLoaded, err = srv.RSS(); err != nil {
		return f, err
	}
	time.Sleep(5 * time.Second)
	idle0, err := srv.CPUTime()
	if err != nil {
		return f, err
	}
	t0 := time.Now()
	time.Sleep(o.idle)
	idle1, err := srv.CPUTime()
	if err != nil {
		return f, err
	}
	f.IdleCPU = 100 * float64(idle1-idle0) / float64(time.Since(t0))
	f.Complaints = complaints(srv)
	return f, nil
}

// measureWarm starts a server that preloads the store's apps, waits until
// the list says every app is loaded and takes the first graph of the app
// named name.
func measureWarm(o options, dir, name string, n int, f *figures) error {
	fmt.Fprintf(os.Stderr, "warm server: waiting for %d app(s) to be preloaded\n", n)
	start := time.Now()
	srv, err := served.StartServed(o.bin, o.env, "--addr", "127.0.0.1:0", "--data", dir)
	if err != nil {
		return err
	}
	defer srv.Stop()
	c := &http.Client{Timeout: 5 * time.Minute}
	var id string
	for {
		var apps []struct {
			ID, Name string
			Loaded   bool
		}
		if err := served.Call(c, "GET", srv.Base+"/rts-api/v1/apps", "", &apps); err != nil {
			return err
		}
		loaded := 0
		for _, a := range apps {
			if a.Loaded {
				loaded++
			}
			if a.Name == name && id == "" {
				id = a.ID
			}
		}
		if len(apps) != n {
			return fmt.Errorf("the store lists %d apps, want %d", len(apps), n)
		}
		if loaded == n {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("%d of %d apps preloaded after 5 minutes", loaded, len(apps))
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.Preloaded = time.Since(start)
	time.Sleep(time.Second)
	if f.WarmRSS, err = srv.RSS(); err != nil {
		return err
	}
	cpu0, _ := srv.CPUTime()
	t0 := time.Now()
	if err := served.Call(c, "GET", srv.Base+"/rts-api/v1/apps/"+id+"/graph", "", nil); err != nil {
		return err
	}
	f.WarmFirstGraph = time.Since(t0)
	cpu1, _ := srv.CPUTime()
	f.WarmGraphCPU = cpu1 - cpu0
	fmt.Fprintf(os.Stderr, "preloaded after %v; first graph %v\n", f.Preloaded, f.WarmFirstGraph)
	return nil
}

// complaints are the server's log lines that read like trouble.
func complaints(srv *served.Served) []string {
	var out []string
	for _, l := range srv.Log() {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
			out = append(out, l)
		}
	}
	return out
}

func printTable(all []figures, coldBuild time.Duration) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
	row := func(what string, get func(figures) string) {
		fmt.Printf("| %s |", what)
		for _, f := range all {
			fmt.Printf(" %s |", get(f))
		}
		fmt.Println()
	}
	fmt.Printf("| what |")
	for _, f := range all {
		fmt.Printf(" %d app(s) in the store |", f.Apps)
	}
	fmt.Println()
	fmt.Println("|---|" + strings.Repeat("---|", len(all)))
	row("`rts import` NewIdeel-Appsmith (empty store / fullest)", func(f figures) string {
		return ms(f.ImportFirst) + " / " + ms(f.ImportLast)
	})
	row("first graph, NewIdeel-Appsmith, cold (loads on this request)", func(f figures) string { return ms(f.FirstGraph) })
	row("first graph, NewIdeel-Appsmith, warm (server preloaded; preloading took)", func(f figures) string {
		return ms(f.WarmFirstGraph) + " (" + ms(f.Preloaded) + ")"
	})
	row("later graph p50", func(f figures) string { return ms(f.LaterGraphP50) })
	row("first graph of every app", func(f figures) string { return ms(f.LoadAll) })
	row("rename, HTTP answer p50", func(f figures) string { return ms(f.HTTPP50) })
	row("rename, push heard p50 / p90 / max", func(f figures) string {
		return ms(f.RenameP50) + " / " + ms(f.RenameP90) + " / " + ms(f.RenameMax)
	})
	row("rename, graph:changed heard p50", func(f figures) string { return ms(f.GraphP50) })
	row("references renamed", func(f figures) string { return fmt.Sprint(f.Refs) })
	row("CPU: `rts import` / server for the first graph, cold / warm / server per rename", func(f figures) string {
		return ms(f.ImportCPU) + " / " + ms(f.FirstGraphCPU) + " / " + ms(f.WarmGraphCPU) + " / " + ms(f.RenameCPU)
	})
	row("idle CPU, all apps loaded", func(f figures) string { return fmt.Sprintf("%.2f %% of a core", f.IdleCPU) })
	row("RSS at start / all loaded", func(f figures) string {
		return fmt.Sprintf("%.0f / %.0f MiB", float64(f.RSSStart)/(1<<20), float64(f.RSSLoaded)/(1<<20))
	})
	row("RSS, warm server with every app preloaded", func(f figures) string {
		return fmt.Sprintf("%.0f MiB", float64(f.WarmRSS)/(1<<20))
	})
	row("RSS per loaded app", func(f figures) string {
		return fmt.Sprintf("%.1f MiB", float64(f.RSSLoaded-f.RSSStart)/float64(f.Apps)/(1<<20))
	})
	if coldBuild > 0 {
		fmt.Printf("\ncold build of ./cmd/rts (empty GOCACHE): %.1f s\n", coldBuild.Seconds())
	}
	for _, f := range all {
		if f.Failed != "" {
			fmt.Printf("not measured (%d apps): %s\n", f.Apps, f.Failed)
		}
		for _, c := range f.Complaints {
			fmt.Printf("log (%d apps): %s\n", f.Apps, c)
		}
	}
}
