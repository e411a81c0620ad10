package web

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The browser test drives the page in a real (headless) Chromium through
// test/graph.test.mjs, against a stand-in server (standin_test.go) that
// serves the page and the apps API over hand-written apps. It needs Node
// (with npm) and Chromium; without them it is skipped, except under CI
// (env CI set), where a missing tool is a failure.
//
//   go test ./web -run TestBrowser -v     # prints the screenshot paths
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium); RTS_LIVE_URL (a
// real `rts serve` with the apps API and Socket.IO wired: enables the live
// subtest, see test/graph.test.mjs).

const (
	// The hand-written apps the page is tested on.
	tinyApp   = "../appmodel/testdata/tiny"
	cyclesApp = "../testdata/apps/cycles"
	// The largest page of the shared apps (338 entities).
	largeApp  = "../../shared/testdata/apps/NewIdeel-Appsmith"
	largePage = "Opportunity Details Auto"
	// An export whose one page of 85 entities was a hairball.
	issuesApp  = "../../shared/testdata/exported/CommunityIssuesExport.json"
	issuesPage = "Issues"
)

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// need skips the test when a tool is missing, or fails it under CI.
func need(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing (CI must install it: see web/README.md)", what)
	}
	t.Skipf("%s is missing: skipping the browser test", what)
}

func run(t *testing.T, ctx context.Context, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s: %v", name, strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// newer reports whether any file under dir changed after t.
func newer(dir string, t time.Time) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil && fi.ModTime().After(t) {
				found = true
				return filepath.SkipAll
			}
		}
		return nil
	})
	return found
}

// ensureBuilt installs the page's packages when they are missing (npm ci)
// and builds dist/ when it is missing or older than its sources.
func ensureBuilt(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := os.Stat("node_modules/playwright-core/package.json"); err != nil {
		run(t, ctx, ".", nil, "npm", "ci", "--no-audit", "--no-fund")
	}
	fi, err := os.Stat("dist/app.js")
	if err != nil || newer("src", fi.ModTime()) || newer("build.mjs", fi.ModTime()) || newer("package-lock.json", fi.ModTime()) {
		run(t, ctx, ".", nil, "npm", "run", "build")
	}
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: not with -short")
	}
	_, nodeErr := exec.LookPath("node")
	need(t, "node", nodeErr == nil)
	_, npmErr := exec.LookPath("npm")
	need(t, "npm", npmErr == nil)
	_, chromeErr := os.Stat(chromiumPath())
	need(t, "chromium ("+chromiumPath()+")", chromeErr == nil)

	// A hang guard only: on a loaded 2-core machine the whole run takes minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ensureBuilt(t, ctx)

	// The apps: copies, since the test renames through the page.
	tmp := t.TempDir()
	var apps []*fakeApp
	for _, src := range []struct{ id, dir string }{{"tiny", tinyApp}, {"cycles", cyclesApp}} {
		dst := filepath.Join(tmp, filepath.Base(src.dir))
		copyTree(t, src.dir, dst)
		a, err := loadFakeApp(src.id, dst, false)
		if err != nil {
			t.Fatalf("loading %s: %v", src.dir, err)
		}
		apps = append(apps, a)
	}
	env := []string{
		"RTS_APP=tiny", "RTS_PAGE=Home",
		"RTS_CYCLES_APP=cycles", "RTS_CYCLES_PAGE=Form",
	}
	// The big pages whose labels must be readable as drawn: the largest
	// page of the shared apps, and the export that was a hairball.
	// Read-only: no copy.
	var big []string
	for _, b := range []struct{ id, path, page string }{{"newideel", largeApp, largePage}, {"issues", issuesApp, issuesPage}} {
		start := time.Now()
		a, err := loadFakeApp(b.id, b.path, true)
		if err != nil {
			t.Fatalf("loading %s (../shared beside the repository): %v", b.path, err)
		}
		t.Logf("loaded %s in %v", b.path, time.Since(start).Round(time.Millisecond))
		apps = append(apps, a)
		big = append(big, b.id+"|"+b.page)
	}
	env = append(env, "RTS_BIG_PAGES="+strings.Join(big, ";"))

	// The page as the binary serves it, from the dist/ just built: the
	// test binary embedded dist/ when it was compiled, possibly before the
	// build above, so the same handler code serves the files on disk.
	s := &standIn{page: newHandler(load(os.DirFS("dist"))), apps: apps}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	env = append(env, "RTS_URL="+srv.URL, "CHROMIUM_PATH="+chromiumPath())
	// The live subtest runs against the real server: `rts serve --demo` on
	// the embedded store, with the page just built embedded in it.
	env = append(env, "RTS_LIVE_URL="+startRTS(t, ctx), "RTS_LIVE_PAGE=Users")

	out := run(t, ctx, ".", env, "node", "--test", "--test-reporter=spec", "test/")
	t.Log("\n" + out)
	if !strings.Contains(out, "screenshot:") {
		t.Errorf("the node test saved no screenshot")
	}
}

// TestStandIn serves the stand-in until interrupted, for looking at the
// page by hand: RTS_WEB_STANDIN=127.0.0.1:8092 go test ./web -run TestStandIn -timeout 0
func TestStandIn(t *testing.T) {
	addr := os.Getenv("RTS_WEB_STANDIN")
	if addr == "" {
		t.Skip("set RTS_WEB_STANDIN=host:port to serve the stand-in by hand")
	}
	tmp := t.TempDir()
	var apps []*fakeApp
	for _, src := range []struct{ id, dir string }{{"tiny", tinyApp}, {"cycles", cyclesApp}, {"issues", issuesApp}} {
		dst := filepath.Join(tmp, filepath.Base(src.dir))
		copyTree(t, src.dir, dst)
		a, err := loadFakeApp(src.id, dst, false)
		if err != nil {
			t.Fatalf("loading %s: %v", src.dir, err)
		}
		apps = append(apps, a)
	}
	// The shared apps, read-only: renames there are refused.
	for _, name := range []string{"NewIdeel-Appsmith", "rm", "AppsmithNew"} {
		a, err := loadFakeApp(name, filepath.Join("..", "..", "shared", "testdata", "apps", name), true)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		apps = append(apps, a)
	}
	// dist/ is read again on every request: `npm run watch` and reload.
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		newHandler(load(os.DirFS("dist"))).ServeHTTP(w, r)
	})
	s := &standIn{page: page, apps: apps}
	t.Logf("serving the stand-in at http://%s/", addr)
	if err := http.ListenAndServe(addr, s.handler()); err != nil {
		t.Fatal(err)
	}
}

// startRTS builds the rts binary (embedding dist/ as built) and runs
// `rts serve --demo` on a free port with its store in a temporary folder;
// it returns the server's URL.
func startRTS(t *testing.T, ctx context.Context) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rts")
	run(t, ctx, ".", nil, "go", "build", "-o", bin, "../cmd/rts")
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	cmd.Env = append(os.Environ(), "APPSMITH_LOG_LEVEL=warn", "APPSMITH_API_BASE_URL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "rts listening on "); ok {
			go io.Copy(io.Discard, stderr)
			return addr
		}
	}
	t.Fatal("rts serve printed no listening line")
	return ""
}
