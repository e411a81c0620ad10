package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/appsmith-rts/rts/depgraph"
)

// Apps is what the apps routes need from the live apps. Its types are
// transport's own: the wiring (cmd/rts) adapts the live-apps room to
// them, and classifies its errors as *AppsError.
type Apps interface {
	ListApps(ctx context.Context) ([]AppSummary, error)
	// Graph is the JSON of the app's graph (SPEC §3), as it is sent.
	Graph(ctx context.Context, appID, page string) (json.RawMessage, error)
	Dependents(ctx context.Context, appID, page, node string) ([]depgraph.Path, error)
	Rename(ctx context.Context, req RenameRequest) (*RenameResult, error)
	ImportExport(ctx context.Context, r io.Reader) (string, error)
}

// AppSummary is one app of GET /rts-api/v1/apps.
type AppSummary struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Pages     int       `json:"pages"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// Loaded: the server holds this app's graph in memory.
	Loaded bool `json:"loaded"`
}

// RenameRequest is a POST /rts-api/v1/apps/{appId}/rename.
type RenameRequest struct {
	AppID, Page, OldName, NewName string
	DryRun                        bool
}

// RenameResult is the plan of a rename and, unless it was a dry run, what
// was written.
type RenameResult struct {
	AppID         string         `json:"appId"`
	Page          string         `json:"page"`
	OldName       string         `json:"oldName"`
	NewName       string         `json:"newName"`
	Kind          string         `json:"kind"`
	DryRun        bool           `json:"dryRun"`
	Changes       []RenameChange `json:"changes"`
	RefactorCount int            `json:"refactorCount"`
	// Documents written, or that would be (collection/_id).
	Documents []string `json:"documents"`
}

// RenameChange is one renamed place.
type RenameChange struct {
	Entity   string `json:"entity"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	Document string `json:"document"`
	Count    int    `json:"count"`
	Before   string `json:"before"`
	After    string `json:"after"`
}

// AppsErrorKind says how the apps API answers an error.
type AppsErrorKind int

const (
	// AppsBadInput: 400 (an import that is not an app, a name that cannot
	// be used).
	AppsBadInput AppsErrorKind = iota + 1
	// AppsNotFound: 404 (no such app, page or entity).
	AppsNotFound
	// AppsConflict: 409 (a name taken, or documents changed by someone
	// else since they were read).
	AppsConflict
	// AppsUnavailable: 503 (the database does not answer).
	AppsUnavailable
)

// AppsError is an error of the apps API, classified. Errors of other
// types are the server's fault (500, logged).
type AppsError struct {
	Kind AppsErrorKind
	Err  error
	// Documents changed by someone else (a conflict with other writers).
	Documents []string
	// Where names what is in the way (a rename that cannot be made).
	Where []string
}

func (e *AppsError) Error() string { return e.Err.Error() }
func (e *AppsError) Unwrap() error { return e.Err }

// Apps routes. The app id is a path segment; the metrics label keeps the
// pattern so label values stay bounded.
const (
	PathApps          = "/rts-api/v1/apps"
	PathAppsImport    = "/rts-api/v1/apps/import"
	labelAppGraph     = "/rts-api/v1/apps/{appId}/graph"
	labelAppDependent = "/rts-api/v1/apps/{appId}/dependents"
	labelAppRename    = "/rts-api/v1/apps/{appId}/rename"
	// MaxImportBytes bounds an imported export file, which can be much
	// larger than an analysis request.
	MaxImportBytes = 64 << 20
)

// appRoute matches /rts-api/v1/apps/{appId}/{graph|dependents|rename}.
func appRoute(path string) (routeID, string) {
	rest, ok := strings.CutPrefix(path, PathApps+"/")
	if !ok {
		return routeUnmatched, ""
	}
	id, action, ok := strings.Cut(rest, "/")
	if !ok || id == "" || strings.Contains(action, "/") {
		return routeUnmatched, ""
	}
	switch action {
	case "graph":
		return routeAppGraph, id
	case "dependents":
		return routeAppDependents, id
	case "rename":
		return routeAppRename, id
	}
	return routeUnmatched, ""
}

func (h *Handler) appID(x *exchange) string {
	_, id := appRoute(x.r.URL.Path)
	return id
}

func (h *Handler) serveApps(x *exchange) {
	if !h.needApps(x) {
		return
	}
	list, err := h.apps.ListApps(x.r.Context())
	if err != nil {
		h.sendStoreError(x, err)
		return
	}
	if list == nil {
		list = []AppSummary{}
	}
	h.sendData(x, http.StatusOK, list)
}

func (h *Handler) serveImport(x *exchange) {
	if !h.needApps(x) {
		return
	}
	r := x.r
	if !isJSON(r.Header.Get("Content-Type")) {
		x.sendError(http.StatusUnsupportedMediaType, "An import is an exported application JSON (Content-Type: application/json)")
		return
	}
	if r.ContentLength > MaxImportBytes {
		x.w.Header().Set("Connection", "close")
		x.sendError(http.StatusRequestEntityTooLarge, "Request body is larger than "+sizeText(MaxImportBytes))
		return
	}
	body, err := readBody(r.Body, nil, r.ContentLength, MaxImportBytes)
	if errors.Is(err, errTooLarge) {
		x.w.Header().Set("Connection", "close")
		x.sendError(http.StatusRequestEntityTooLarge, "Request body is larger than "+sizeText(MaxImportBytes))
		return
	}
	if err != nil {
		x.sendError(http.StatusBadRequest, "Request body could not be read")
		return
	}
	id, err := h.apps.ImportExport(r.Context(), bytes.NewReader(body))
	if err != nil {
		h.sendStoreError(x, err)
		return
	}
	h.sendData(x, http.StatusCreated, map[string]string{"id": id})
}

func (h *Handler) serveAppGraph(x *exchange) {
	if !h.needApps(x) {
		return
	}
	graph, err := h.apps.Graph(x.r.Context(), h.appID(x), x.r.URL.Query().Get("page"))
	if err != nil {
		h.sendStoreError(x, err)
		return
	}
	// The graph is kept rendered (a large app's is over a megabyte): it
	// is written as it is, not copied into the answer's buffer.
	x.sendDataRaw(graph)
}

type pathJSON struct {
	Node string   `json:"node"`
	Via  []string `json:"via"`
}

func (h *Handler) serveAppDependents(x *exchange) {
	if !h.needApps(x) {
		return
	}
	q := x.r.URL.Query()
	node, page := q.Get("node"), q.Get("page")
	if node == "" {
		x.sendValidation([]fieldError{{param: "node", msg: "node is required: a binding node or a reference, e.g. Api1.data", location: "query"}})
		return
	}
	paths, err := h.apps.Dependents(x.r.Context(), h.appID(x), page, node)
	if err != nil {
		h.sendStoreError(x, err)
		return
	}
	out := make([]pathJSON, 0, len(paths))
	for _, p := range paths {
		out = append(out, pathJSON{Node: p.Node, Via: p.Via})
	}
	h.sendData(x, http.StatusOK, map[string]any{"node": node, "page": page, "dependents": out})
}

type renameRequest struct {
	Page    string  `json:"page"`
	OldName *string `json:"oldName"`
	NewName *string `json:"newName"`
	DryRun  bool    `json:"dryRun"`
}

func (h *Handler) serveAppRename(x *exchange) {
	if !h.needApps(x) {
		return
	}
	raw, ok := h.readRaw(x)
	if !ok {
		return
	}
	var req renameRequest
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &req); err != nil {
			x.sendError(http.StatusBadRequest, "Malformed JSON: "+err.Error())
			return
		}
	}
	var errs []fieldError
	if req.OldName == nil || *req.OldName == "" {
		errs = append(errs, fieldError{param: "oldName", msg: msgOldName})
	}
	if req.NewName == nil || *req.NewName == "" {
		errs = append(errs, fieldError{param: "newName", msg: msgNewName})
	}
	if len(errs) > 0 {
		x.sendValidation(errs)
		return
	}
	res, err := h.apps.Rename(x.r.Context(), RenameRequest{AppID: h.appID(x), Page: req.Page, OldName: *req.OldName,
		NewName: *req.NewName, DryRun: req.DryRun})
	if err != nil {
		h.sendStoreError(x, err)
		return
	}
	h.sendData(x, http.StatusOK, res)
}

func (h *Handler) needApps(x *exchange) bool {
	if h.apps == nil {
		x.sendError(http.StatusServiceUnavailable, "The apps API needs a store; this server runs without one")
		return false
	}
	return true
}

// conflictAnswer is the error envelope of sendError with more in data; a
// struct, not a map, so that its keys come in the envelope's order.
type conflictAnswer struct {
	Success bool           `json:"success"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}

// sendStoreError answers an error of the apps API: a missing app or page
// 404, bad input or an unusable name 400, a rename in the way of another
// entity or of concurrent edits 409, the database down 503.
func (h *Handler) sendStoreError(x *exchange, err error) {
	var ae *AppsError
	switch {
	case errors.As(err, &ae) && ae.Kind == AppsConflict:
		data := map[string]any{"error": err.Error()}
		switch {
		case ae.Documents != nil:
			data["documents"] = ae.Documents
		case ae.Where != nil:
			data["where"] = ae.Where
		default:
			data["where"] = []string{}
		}
		h.sendJSON(x, http.StatusConflict, conflictAnswer{Message: err.Error(), Data: data})
	case errors.As(err, &ae) && ae.Kind == AppsBadInput:
		x.sendError(http.StatusBadRequest, err.Error())
	case errors.As(err, &ae) && ae.Kind == AppsNotFound:
		x.sendError(http.StatusNotFound, err.Error())
	case errors.As(err, &ae) && ae.Kind == AppsUnavailable:
		x.sendError(http.StatusServiceUnavailable, "The store is unavailable: "+err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		x.timedOut(http.StatusServiceUnavailable)
	default:
		// A document that cannot be read, a database command error: the
		// server's fault, logged without the request's data.
		h.log.Error("apps API failed", "route", x.r.URL.Path, "error", err)
		x.sendError(http.StatusInternalServerError, "Something went wrong")
	}
}

func (h *Handler) sendData(x *exchange, status int, data any) {
	h.sendJSON(x, status, struct {
		Success bool `json:"success"`
		Data    any  `json:"data"`
	}{true, data})
}

func (h *Handler) sendJSON(x *exchange, status int, v any) {
	out, err := marshalNoEscape(v)
	if err != nil {
		panic(err)
	}
	x.out = append(x.out[:0], out...)
	x.send(status)
}
