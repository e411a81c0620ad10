package web

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/report"
)

// standIn is a stand-in for the apps API of `rts serve` (SPEC §4): the four
// JSON routes the page uses, answered by the real project packages
// (appmodel, depgraph, refactor) over apps loaded from folders, plus the
// page itself at `/`. No Socket.IO: /rts gets the page handler's 404, so
// the page shows "live updates unavailable" and must work without pushes.
type standIn struct {
	page http.Handler
	apps []*fakeApp
	// renamed, when set, is told of every applied rename (a harness with
	// a Socket.IO server pushes entity:renamed and graph:changed from it).
	renamed func(appID, page, oldName, newName string, refactorCount int)
}

// fakeApp is one app of the stand-in: a folder in git format or an export
// file. Renames are applied to it, so it must be a copy unless the app is
// read-only.
type fakeApp struct {
	id       string
	dir      string
	readOnly bool

	mu  sync.Mutex
	app *appmodel.App
	g   *depgraph.Graph
}

func loadFakeApp(id, dir string, readOnly bool) (*fakeApp, error) {
	a := &fakeApp{id: id, dir: dir, readOnly: readOnly}
	return a, a.reload()
}

func (a *fakeApp) reload() error {
	app, err := appmodel.Load(a.dir)
	if err != nil {
		return err
	}
	a.app, a.g = app, appgraph.Build(app)
	return nil
}

func (s *standIn) find(id string) *fakeApp {
	for _, a := range s.apps {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (s *standIn) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", s.page)
	mux.HandleFunc("GET /rts-api/v1/apps", s.serveApps)
	mux.HandleFunc("GET /rts-api/v1/apps/{id}/graph", s.withApp(s.serveGraph))
	mux.HandleFunc("GET /rts-api/v1/apps/{id}/dependents", s.withApp(s.serveDependents))
	mux.HandleFunc("POST /rts-api/v1/apps/{id}/rename", s.withApp(s.serveRename))
	return mux
}

func writeData(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "data": data})
}

func writeFail(w http.ResponseWriter, status int, msg string, where []string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	data := map[string]any{"error": msg}
	if len(where) > 0 {
		data["where"] = where
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "message": msg, "data": data})
}

func (s *standIn) withApp(fn func(http.ResponseWriter, *http.Request, *fakeApp)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := s.find(r.PathValue("id"))
		if a == nil {
			writeFail(w, http.StatusNotFound, "no app "+r.PathValue("id"), nil)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		fn(w, r, a)
	}
}

// GET /rts-api/v1/apps → [{id, name, pages: [name…]}]
func (s *standIn) serveApps(w http.ResponseWriter, r *http.Request) {
	type summary struct {
		ID    string   `json:"id"`
		Name  string   `json:"name"`
		Pages []string `json:"pages"`
	}
	out := []summary{}
	for _, a := range s.apps {
		a.mu.Lock()
		sm := summary{ID: a.id, Name: a.app.Name, Pages: []string{}}
		for _, p := range a.app.Pages {
			sm.Pages = append(sm.Pages, p.Name)
		}
		a.mu.Unlock()
		out = append(out, sm)
	}
	writeData(w, out)
}

// GET /rts-api/v1/apps/{id}/graph?page= → SPEC §3
func (s *standIn) serveGraph(w http.ResponseWriter, r *http.Request, a *fakeApp) {
	rep, ok := report.FromGraph(a.g, r.URL.Query().Get("page"))
	if !ok {
		writeFail(w, http.StatusNotFound, "no page "+r.URL.Query().Get("page"), nil)
		return
	}
	writeData(w, rep)
}

// GET /rts-api/v1/apps/{id}/dependents?page=&node= → {dependents:[{node, via}]}
func (s *standIn) serveDependents(w http.ResponseWriter, r *http.Request, a *fakeApp) {
	q := r.URL.Query()
	if q.Get("node") == "" {
		writeFail(w, http.StatusBadRequest, "node is required", nil)
		return
	}
	paths, ok := a.g.Dependents(q.Get("page"), q.Get("node"))
	if !ok {
		writeFail(w, http.StatusNotFound, "no page "+q.Get("page"), nil)
		return
	}
	type dep struct {
		Node string   `json:"node"`
		Via  []string `json:"via"`
	}
	out := make([]dep, 0, len(paths))
	for _, p := range paths {
		out = append(out, dep{Node: p.Node, Via: p.Via})
	}
	writeData(w, map[string]any{"dependents": out})
}

// POST /rts-api/v1/apps/{id}/rename {page, oldName, newName, dryRun} → the
// plan's changes; 400 for a name that cannot be used, 409 for a conflict.
func (s *standIn) serveRename(w http.ResponseWriter, r *http.Request, a *fakeApp) {
	var req struct {
		Page    string `json:"page"`
		OldName string `json:"oldName"`
		NewName string `json:"newName"`
		DryRun  bool   `json:"dryRun"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeFail(w, http.StatusBadRequest, "malformed JSON: "+err.Error(), nil)
		return
	}
	plan, err := refactor.PlanRename(a.app, req.Page, req.OldName, req.NewName)
	if err == nil {
		_, err = refactor.Preview(plan)
	}
	if err == nil && !req.DryRun {
		if a.readOnly {
			writeFail(w, http.StatusForbidden, "this app is read-only in the stand-in", nil)
			return
		}
		if err = refactor.ApplyPlan(plan); err == nil {
			err = a.reload()
		}
	}
	var nameErr *refactor.NameError
	var conflict *refactor.Conflict
	switch {
	case errors.As(err, &nameErr), errors.Is(err, refactor.ErrInvalidName):
		writeFail(w, http.StatusBadRequest, err.Error(), nil)
		return
	case errors.As(err, &conflict):
		writeFail(w, http.StatusConflict, conflict.Reason, conflict.Where)
		return
	case err != nil:
		writeFail(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	if !req.DryRun && s.renamed != nil {
		s.renamed(a.id, plan.Page, plan.OldName, plan.NewName, plan.RefactorCount)
	}
	changes := plan.Changes
	if changes == nil {
		changes = []refactor.Change{}
	}
	writeData(w, map[string]any{
		"page": plan.Page, "oldName": plan.OldName, "newName": plan.NewName, "kind": plan.Kind,
		"dryRun": req.DryRun, "refactorCount": plan.RefactorCount, "changes": changes,
	})
}

// copyTree copies the folder src to dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
