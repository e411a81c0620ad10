package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-rts/rts/depgraph"
)

// recordingApps answers the apps routes from fixed values and records
// what they asked. transport's own part is tested here: routes, request
// validation, the JSON of answers and the status of each error kind. The
// whole chain (live apps over the embedded store) is tested through the
// real server in cmd/rts (TestAppsAPI).
type recordingApps struct {
	mu      sync.Mutex
	renames []RenameRequest
	err     error
	body    string
}

func (a *recordingApps) ListApps(context.Context) ([]AppSummary, error) {
	return []AppSummary{{ID: "a1", Name: "Demo", Pages: 2, UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}, a.err
}

func (a *recordingApps) Graph(_ context.Context, appID, page string) (json.RawMessage, error) {
	return json.RawMessage(`{"app":"` + appID + "/" + page + `"}`), a.err
}

func (a *recordingApps) Dependents(_ context.Context, appID, page, node string) ([]depgraph.Path, error) {
	return []depgraph.Path{{Node: "Table1.tableData", Via: []string{node, "Table1.tableData"}}}, a.err
}

func (a *recordingApps) Rename(_ context.Context, req RenameRequest) (*RenameResult, error) {
	a.mu.Lock()
	a.renames = append(a.renames, req)
	a.mu.Unlock()
	if a.err != nil {
		return nil, a.err
	}
	return &RenameResult{AppID: req.AppID, Page: "Users", OldName: req.OldName, NewName: req.NewName, Kind: "action",
		DryRun: req.DryRun, RefactorCount: 2, Documents: []string{"newAction/x"},
		Changes: []RenameChange{{Entity: "getUsers", Path: "name", Kind: "name", Document: "newAction/x", Count: 1, Before: "getUsers", After: "listUsers"}}}, nil
}

func (a *recordingApps) ImportExport(_ context.Context, r io.Reader) (string, error) {
	b, _ := io.ReadAll(r)
	a.body = string(b)
	return "new1", a.err
}

func TestAppsRoutes(t *testing.T) {
	t.Parallel()
	apps := &recordingApps{}
	s := newTestServer(t, Options{Apps: apps})
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"list", "GET", PathApps, "", 200, `{"success":true,"data":[{"id":"a1","name":"Demo","pages":2,"updatedAt":"2026-01-02T03:04:05Z","loaded":false}]}`},
		{"graph", "GET", PathApps + "/a1/graph?page=Users", "", 200, `{"success":true,"data":{"app":"a1/Users"}}`},
		{"dependents", "GET", PathApps + "/a1/dependents?page=Users&node=getUsers.data", "", 200,
			`{"success":true,"data":{"dependents":[{"node":"Table1.tableData","via":["getUsers.data","Table1.tableData"]}],"node":"getUsers.data","page":"Users"}}`},
		{"rename", "POST", PathApps + "/a1/rename", `{"page":"Users","oldName":"getUsers","newName":"listUsers","dryRun":true}`, 200,
			`{"success":true,"data":{"appId":"a1","page":"Users","oldName":"getUsers","newName":"listUsers","kind":"action","dryRun":true,` +
				`"changes":[{"entity":"getUsers","path":"name","kind":"name","document":"newAction/x","count":1,"before":"getUsers","after":"listUsers"}],` +
				`"refactorCount":2,"documents":["newAction/x"]}}`},
		{"import", "POST", PathAppsImport, `{"exportedApplication":{}}`, 201, `{"success":true,"data":{"id":"new1"}}`},
		{"missing names", "POST", PathApps + "/a1/rename", `{}`, 400, `"param":"oldName"`},
		{"malformed rename", "POST", PathApps + "/a1/rename", `{"oldName":`, 400, `Malformed JSON`},
		{"dependents without node", "GET", PathApps + "/a1/dependents", "", 400, `"location":"query"`},
		{"unknown app route", "GET", PathApps + "/a1/nothing", "", 404, `Cannot GET`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, request{method: tt.method, path: tt.path, body: tt.body})
			if res.status != tt.status || !strings.Contains(res.body, tt.want) {
				t.Errorf("%d %s\nwant %d containing %s", res.status, res.body, tt.status, tt.want)
			}
		})
	}
	if len(apps.renames) != 1 || apps.renames[0] != (RenameRequest{AppID: "a1", Page: "Users", OldName: "getUsers", NewName: "listUsers", DryRun: true}) {
		t.Errorf("renames asked: %+v", apps.renames)
	}
	if apps.body != `{"exportedApplication":{}}` {
		t.Errorf("import body %q", apps.body)
	}
}

// TestAppsErrors: each kind of error gets its status and its details.
func TestAppsErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err    error
		status int
		want   string
	}{
		{&AppsError{Kind: AppsBadInput, Err: errors.New("cannot rename to \"class\": a JavaScript reserved word")}, 400, `reserved word`},
		{&AppsError{Kind: AppsNotFound, Err: errors.New("no page")}, 404, `"success":false`},
		{&AppsError{Kind: AppsConflict, Err: errors.New("taken"), Where: []string{"page Users"}}, 409, `{"success":false,"message":"taken","data":{"error":"taken","where":["page Users"]}}`},
		{&AppsError{Kind: AppsConflict, Err: errors.New("changed"), Documents: []string{"newPage/1"}}, 409, `{"success":false,"message":"changed","data":{"documents":["newPage/1"],"error":"changed"}}`},
		{&AppsError{Kind: AppsUnavailable, Err: errors.New("down")}, 503, `The store is unavailable`},
		{errors.New("a document cannot be read"), 500, `Something went wrong`},
	} {
		s := newTestServer(t, Options{Apps: &recordingApps{err: tt.err}})
		res := s.post(t, PathApps+"/a1/rename", `{"oldName":"a","newName":"b"}`)
		if res.status != tt.status || !strings.Contains(res.body, tt.want) {
			t.Errorf("%v: %d %s, want %d containing %s", tt.err, res.status, res.body, tt.status, tt.want)
		}
		if !json.Valid([]byte(res.body)) {
			t.Errorf("%v: not JSON: %s", tt.err, res.body)
		}
	}
}

func TestAppsAPIWithoutStore(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	res := s.do(t, request{method: http.MethodGet, path: PathApps})
	if res.status != http.StatusServiceUnavailable {
		t.Errorf("%d %s", res.status, res.body)
	}
}

// TestAppPusher: the payloads of SPEC §5, in order, to the app's room.
func TestAppPusher(t *testing.T) {
	t.Parallel()
	pub := &recordingPublisher{}
	p := &AppPusher{Publisher: pub}
	p.Push(AppEvent{AppID: "a1", Page: "Users", Kind: "renamed", OldName: "getUsers", NewName: "listUsers", RefactorCount: 3})
	p.Push(AppEvent{AppID: "a1", Page: "Users", Kind: "graph", Reason: "renamed",
		Change: depgraph.Change{Nodes: []string{"Table1.tableData"}, EdgesAdded: []depgraph.Edge{{Page: "Users", From: "Table1.tableData", To: "listUsers.data"}}}})
	p.Push(AppEvent{AppID: "a1", Kind: "resync"})
	want := []string{
		`app:a1 entity:renamed {"appId":"a1","newName":"listUsers","oldName":"getUsers","page":"Users","refactorCount":3}`,
		`app:a1 graph:changed {"appId":"a1","changed":["Table1.tableData"],"cycles":{"found":[],"resolved":[]},` +
			`"edges":{"added":[{"page":"Users","from":"Table1.tableData","to":"listUsers.data","kind":"binding"}],"removed":[]},` +
			`"page":"Users","reason":"renamed","unknown":{"found":[],"resolved":[]}}`,
		`app:a1 graph:resync {"appId":"a1","reason":"events dropped: the server fell behind"}`,
	}
	if strings.Join(pub.got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pushed:\n%s\nwant:\n%s", strings.Join(pub.got, "\n"), strings.Join(want, "\n"))
	}
}

type recordingPublisher struct{ got []string }

func (p *recordingPublisher) Publish(room, event string, payload any) (uint64, error) {
	b, err := json.Marshal(payload)
	p.got = append(p.got, room+" "+event+" "+string(b))
	return uint64(len(p.got)), err
}
