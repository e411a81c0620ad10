package transport

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/store"
)

// TestAppsAPI drives the apps routes against a real store (the embedded
// FerretDB in a temporary folder): import, list, graph, dependents, a dry
// run, a rename, and the errors.
func TestAppsAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	s := newTestServer(t, Options{Apps: st})

	demo, err := os.ReadFile("../cmd/rts/demo/demo-app.json")
	if err != nil {
		t.Fatal(err)
	}
	res := s.post(t, PathAppsImport, string(demo))
	if res.status != http.StatusCreated {
		t.Fatalf("import: %d %s", res.status, res.body)
	}
	var imported struct{ Data struct{ ID string } }
	json.Unmarshal([]byte(res.body), &imported)
	id := imported.Data.ID
	if id == "" {
		t.Fatalf("import: no id in %s", res.body)
	}
	app := PathApps + "/" + id

	res = s.do(t, request{method: http.MethodGet, path: PathApps})
	if res.status != http.StatusOK || !strings.Contains(res.body, `"name":"Demo"`) {
		t.Errorf("list: %d %s", res.status, res.body)
	}
	res = s.do(t, request{method: http.MethodGet, path: app + "/graph?page=Users"})
	if res.status != http.StatusOK || !strings.Contains(res.body, `"cycles":[["EndInput.defaultText","StartInput.defaultText","EndInput.defaultText"]]`) ||
		!strings.Contains(res.body, `{"page":"Users","from":"UsersTable.tableData","to":"getUsers.data","kind":"binding"}`) {
		t.Errorf("graph: %d %.600s", res.status, res.body)
	}
	res = s.do(t, request{method: http.MethodGet, path: app + "/dependents?page=Users&node=getUsers.data"})
	if res.status != http.StatusOK || !strings.Contains(res.body, `{"node":"UsersTable.tableData","via":["getUsers.data","UsersTable.tableData"]}`) {
		t.Errorf("dependents: %d %s", res.status, res.body)
	}
	res = s.post(t, app+"/rename", `{"page":"Users","oldName":"getUsers","newName":"listUsers","dryRun":true}`)
	if res.status != http.StatusOK || !strings.Contains(res.body, `"dryRun":true`) || !strings.Contains(res.body, `"refactorCount":2`) {
		t.Errorf("dry run: %d %s", res.status, res.body)
	}
	res = s.post(t, app+"/rename", `{"page":"Users","oldName":"getUsers","newName":"listUsers"}`)
	if res.status != http.StatusOK {
		t.Fatalf("rename: %d %s", res.status, res.body)
	}
	res = s.do(t, request{method: http.MethodGet, path: app + "/graph?page=Users"})
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
		{"missing names", "POST", app + "/rename", `{}`, http.StatusBadRequest, `"param":"oldName"`},
		{"unknown app", "GET", PathApps + "/000000000000000000000000/graph", "", http.StatusNotFound, `"success":false`},
		{"unknown page", "GET", app + "/graph?page=Nope", "", http.StatusNotFound, `no page`},
		{"dependents without node", "GET", app + "/dependents", "", http.StatusBadRequest, `"location":"query"`},
		{"bad import", "POST", PathAppsImport, `{"pageList": 5}`, http.StatusBadRequest, `"success":false`},
		{"unknown app route", "GET", app + "/nothing", "", http.StatusNotFound, `Cannot GET`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, request{method: tt.method, path: tt.path, body: tt.body})
			if res.status != tt.status || !strings.Contains(res.body, tt.want) {
				t.Errorf("%d %s, want %d containing %s", res.status, res.body, tt.status, tt.want)
			}
		})
	}
}

func TestAppsAPIWithoutStore(t *testing.T) {
	s := newTestServer(t, Options{})
	res := s.do(t, request{method: http.MethodGet, path: PathApps})
	if res.status != http.StatusServiceUnavailable {
		t.Errorf("%d %s", res.status, res.body)
	}
}
