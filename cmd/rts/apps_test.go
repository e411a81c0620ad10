package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/config"
)

// startInProcess runs the whole server in this process on a free port
// with the embedded store in a temporary folder, stopped when the test
// ends; it returns its base URL.
func startInProcess(t *testing.T, mod func(*config.Config)) string {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), ShutdownTimeout: hangGuard, ReleaseVersion: "test",
		MemoryBudget: config.DefaultMemoryBudget, AppIdle: config.DefaultAppIdle}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, err := startNode(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	return "http://" + n.addr().String()
}

type apiResponse struct {
	status int
	body   string
}

func call(t *testing.T, method, url, body string) apiResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResponse{res.StatusCode, string(b)}
}

// TestAppsAPI drives the apps routes of the real server (live apps over
// the embedded store): import, list, graph, dependents, a dry run, a
// rename, and the errors.
func TestAppsAPI(t *testing.T) {
	t.Parallel()
	// Not preloading: the list says the app is not loaded until asked.
	base := startInProcess(t, func(c *config.Config) { c.NoPreload = true })
	demo, err := os.ReadFile("demo/demo-app.json")
	if err != nil {
		t.Fatal(err)
	}
	res := call(t, "POST", base+"/rts-api/v1/apps/import", string(demo))
	if res.status != http.StatusCreated {
		t.Fatalf("import: %d %s", res.status, res.body)
	}
	var imported struct{ Data struct{ ID string } }
	json.Unmarshal([]byte(res.body), &imported)
	id := imported.Data.ID
	if id == "" {
		t.Fatalf("import: no id in %s", res.body)
	}
	app := base + "/rts-api/v1/apps/" + id

	res = call(t, "GET", base+"/rts-api/v1/apps", "")
	if res.status != http.StatusOK || !strings.Contains(res.body, `"name":"Demo"`) || !strings.Contains(res.body, `"loaded":false`) {
		t.Errorf("list: %d %s", res.status, res.body)
	}
	res = call(t, "GET", app+"/graph?page=Users", "")
	if res.status != http.StatusOK || !strings.Contains(res.body, `"cycles":[["EndInput.defaultText","StartInput.defaultText","EndInput.defaultText"]]`) ||
		!strings.Contains(res.body, `{"page":"Users","from":"UsersTable.tableData","to":"getUsers.data","kind":"binding"}`) {
		t.Errorf("graph: %d %.600s", res.status, res.body)
	}
	if again := call(t, "GET", app+"/graph?page=Users", ""); again.body != res.body {
		t.Error("the graph answered twice differs")
	}
	res = call(t, "GET", app+"/dependents?page=Users&node=getUsers.data", "")
	if res.status != http.StatusOK || !strings.Contains(res.body, `{"node":"UsersTable.tableData","via":["getUsers.data","UsersTable.tableData"]}`) {
		t.Errorf("dependents: %d %s", res.status, res.body)
	}
	res = call(t, "POST", app+"/rename", `{"page":"Users","oldName":"getUsers","newName":"listUsers","dryRun":true}`)
	if res.status != http.StatusOK || !strings.Contains(res.body, `"dryRun":true`) || !strings.Contains(res.body, `"refactorCount":2`) {
		t.Errorf("dry run: %d %s", res.status, res.body)
	}
	res = call(t, "POST", app+"/rename", `{"page":"Users","oldName":"getUsers","newName":"listUsers"}`)
	if res.status != http.StatusOK {
		t.Fatalf("rename: %d %s", res.status, res.body)
	}
	res = call(t, "GET", app+"/graph?page=Users", "")
	if !strings.Contains(res.body, `"to":"listUsers.data"`) || strings.Contains(res.body, `"to":"getUsers.data"`) {
		t.Errorf("graph after rename: %.400s", res.body)
	}
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"name taken", "POST", app + "/rename", `{"page":"Users","oldName":"listUsers","newName":"saveUser"}`, http.StatusConflict, `already the name of action saveUser`},
		{"reserved word", "POST", app + "/rename", `{"page":"Users","oldName":"listUsers","newName":"class"}`, http.StatusBadRequest, `reserved word`},
		{"not an editor name", "POST", app + "/rename", `{"page":"Users","oldName":"listUsers","newName":"list users"}`, http.StatusBadRequest, `letters, digits and _`},
		{"too long", "POST", app + "/rename", `{"page":"Users","oldName":"listUsers","newName":"` + strings.Repeat("a", 31) + `"}`, http.StatusBadRequest, `30 characters`},
		{"prototype", "POST", app + "/rename", `{"page":"Users","oldName":"listUsers","newName":"__proto__"}`, http.StatusBadRequest, `every JavaScript object`},
		{"no such entity", "POST", app + "/rename", `{"page":"Users","oldName":"nobody","newName":"somebody"}`, http.StatusConflict, `no entity`},
		{"missing names", "POST", app + "/rename", `{}`, http.StatusBadRequest, `"param":"oldName"`},
		{"unknown app", "GET", base + "/rts-api/v1/apps/000000000000000000000000/graph", "", http.StatusNotFound, `"success":false`},
		{"unknown page", "GET", app + "/graph?page=Nope", "", http.StatusNotFound, `no page`},
		{"dependents without node", "GET", app + "/dependents", "", http.StatusBadRequest, `"location":"query"`},
		{"bad import", "POST", base + "/rts-api/v1/apps/import", `{"pageList": 5}`, http.StatusBadRequest, `"success":false`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, tt.method, tt.path, tt.body)
			if res.status != tt.status || !strings.Contains(res.body, tt.want) {
				t.Errorf("%d %s, want %d containing %s", res.status, res.body, tt.status, tt.want)
			}
		})
	}
	metrics := call(t, "GET", base+"/metrics", "").body
	for _, m := range []string{"rts_live_apps_loaded 1", "rts_live_renames_total{outcome=\"written\"} 1", "rts_live_apps_bytes"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("metrics lack %q", m)
		}
	}
}

// TestServeHealthyStart: `rts serve` on a fresh folder, then again on the
// same folder with its apps, logs nothing that reads like an error.
func TestServeHealthyStart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRTS(t)
	data := t.TempDir()
	for _, run := range []string{"fresh folder", "same folder again"} {
		cmd, base, lines := startServe(t, bin, []string{"APPSMITH_LOG_LEVEL=debug", "APPSMITH_API_BASE_URL=http://127.0.0.1:1/api/v1"},
			"--addr", "127.0.0.1:0", "--data", data, "--demo")
		logs := &logLines{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for lines.Scan() {
				logs.add(lines.Text())
			}
		}()
		var apps struct{ Data []struct{ ID string } }
		json.Unmarshal([]byte(call(t, "GET", base+"/rts-api/v1/apps", "").body), &apps)
		if len(apps.Data) != 1 {
			t.Fatalf("%s: apps %+v", run, apps)
		}
		if res := call(t, "GET", base+"/rts-api/v1/apps/"+apps.Data[0].ID+"/graph", ""); res.status != http.StatusOK {
			t.Fatalf("%s: graph %d", run, res.status)
		}
		cmd.Process.Signal(os.Interrupt)
		<-done // stderr read to its end before Wait closes the pipe
		cmd.Wait()
		for _, l := range logs.lines {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") || strings.Contains(strings.ToLower(l), "fail") {
				t.Errorf("%s: %s", run, l)
			}
		}
	}
}
