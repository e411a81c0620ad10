package web

import (
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var built = fstest.MapFS{
	".keep":      {Data: nil},
	"index.html": {Data: []byte("<!doctype html><title>rts</title>")},
	"app.js":     {Data: []byte("console.log(1)")},
	"app.css":    {Data: []byte("body{}")},
}

func TestHandlerServesThePage(t *testing.T) {
	h := newHandler(load(built))
	for _, tc := range []struct {
		path, ctype, want string
	}{
		{"/", "text/html", "<!doctype html>"},
		{"/index.html", "text/html", "<!doctype html>"},
		{"/app.js", "javascript", "console.log"},
		{"/app.css", "text/css", "body{}"},
	} {
		r := get(t, h, http.MethodGet, tc.path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", tc.path, r.StatusCode)
		}
		if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, tc.ctype) {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, ct, tc.ctype)
		}
		if b := body(t, r); !strings.HasPrefix(b, tc.want) {
			t.Errorf("GET %s: body %q", tc.path, b)
		}
		if r.Header.Get("Cache-Control") != "no-cache" || r.Header.Get("ETag") == "" {
			t.Errorf("GET %s: Cache-Control %q ETag %q", tc.path, r.Header.Get("Cache-Control"), r.Header.Get("ETag"))
		}
		// Revalidation answers 304.
		r2 := get(t, h, http.MethodGet, tc.path, "If-None-Match", r.Header.Get("ETag"))
		if r2.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", tc.path, r2.StatusCode)
		}
	}
	if r := get(t, h, http.MethodHead, "/"); r.StatusCode != http.StatusOK || body(t, r) != "" {
		t.Errorf("HEAD /: %d", r.StatusCode)
	}
}

func TestHandlerNotFound(t *testing.T) {
	h := newHandler(load(built))
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/.keep"},
		{http.MethodGet, "/nope.js"},
		{http.MethodGet, "/rts/"},
		{http.MethodPost, "/"},
		{http.MethodDelete, "/app.js"},
	} {
		r := get(t, h, tc.method, tc.path)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", tc.method, tc.path, r.StatusCode)
			continue
		}
		var env struct {
			Success bool   `json:"success"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(body(t, r)), &env); err != nil {
			t.Errorf("%s %s: body is not JSON: %v", tc.method, tc.path, err)
		}
		if want := "Cannot " + tc.method + " " + tc.path; env.Success || env.Message != want {
			t.Errorf("%s %s: %+v, want message %q", tc.method, tc.path, env, want)
		}
	}
}

func TestHandlerNotBuilt(t *testing.T) {
	h := newHandler(load(fstest.MapFS{".keep": {Data: nil}}))
	r := get(t, h, http.MethodGet, "/")
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("GET / without a build: %d, want 503", r.StatusCode)
	}
	if b := body(t, r); !strings.Contains(b, NotBuiltMessage) {
		t.Errorf("GET / without a build says %q", b)
	}
	if r := get(t, h, http.MethodGet, "/app.js"); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET /app.js without a build: %d, want 404", r.StatusCode)
	}
}

// The embedded page: whichever state dist/ was in when this test binary
// was compiled, `/` answers accordingly.
func TestHandlerEmbedded(t *testing.T) {
	r := get(t, Handler(), http.MethodGet, "/")
	b := body(t, r)
	switch {
	case Built() && (r.StatusCode != http.StatusOK || !strings.Contains(b, "app.js")):
		t.Errorf("built page: GET / %d %q", r.StatusCode, b[:min(len(b), 200)])
	case !Built() && (r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(b, NotBuiltMessage)):
		t.Errorf("page not built: GET / %d %q", r.StatusCode, b[:min(len(b), 200)])
	}
	t.Logf("embedded page built: %v", Built())
}

// TestFavicon: /favicon.ico is an ICO holding a 32×32 PNG, served whether
// or not the page was built.
func TestFavicon(t *testing.T) {
	for _, h := range []http.Handler{newHandler(load(built)), newHandler(assets{})} {
		res := get(t, h, "GET", "/favicon.ico")
		b := body(t, res)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/x-icon" {
			t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if len(b) < 22 || b[0] != 0 || b[1] != 0 || b[2] != 1 || b[4] != 1 || b[6] != 32 || b[7] != 32 {
			t.Fatalf("not an ICO with one 32×32 image: % x", b[:min(len(b), 22)])
		}
		img, err := png.Decode(strings.NewReader(b[22:]))
		if err != nil {
			t.Fatalf("the icon's image: %v", err)
		}
		if r := img.Bounds(); r.Dx() != 32 || r.Dy() != 32 {
			t.Errorf("icon is %v", r)
		}
	}
}
