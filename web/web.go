// Package web is the page `rts serve` shows at `/`: the dependency graph of
// an app, drawn live in the browser, with impact queries and renames. The
// page's source lives beside this file (src/, bundled by esbuild into dist/,
// which `make web` builds) and dist/ is embedded, so the binary serves the
// page with nothing else installed; a binary built before the page answers
// `/` with a 503 page saying how to build it. The page talks to the server
// only through the apps API and Socket.IO at /rts; web/README.md says which
// calls and events.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// IndexFile is the page's entry point inside dist/.
const IndexFile = "index.html"

// NotBuiltMessage is what `/` answers (503) when the binary was built
// without the page.
const NotBuiltMessage = "the web page was not built: run make web"

// file is one embedded asset, ready to serve.
type file struct {
	body  []byte
	ctype string
	etag  string
}

// assets holds every servable file of dist/ (dot files excluded) by URL
// path ("/index.html", "/app.js").
type assets map[string]file

func load(fsys fs.FS) assets {
	a := assets{}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		sum := sha256.Sum256(b)
		a["/"+p] = file{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return a
}

// Built reports whether the binary embeds the built page.
func Built() bool {
	_, err := fs.Stat(dist, "dist/"+IndexFile)
	return err == nil
}

// Handler serves the page: index.html at `/` (and `/index.html`), the
// other files of dist/ at their names, and the icon at /favicon.ico. Other paths get a JSON 404 in the
// API's envelope; methods other than GET and HEAD get the same 404, as the
// API answers them. Responses carry an ETag and `Cache-Control: no-cache`
// (the file names carry no hash), so a browser revalidates and a rebuilt
// binary is picked up at once. When the page was not built, `/` answers 503
// with NotBuiltMessage.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: embedded dist: " + err.Error()) // cannot happen: dist is embedded
	}
	return newHandler(load(sub))
}

func newHandler(a assets) http.Handler {
	_, built := a["/"+IndexFile]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/" {
			p = "/" + IndexFile
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			notFound(w, r)
			return
		}
		if p == FaviconPath {
			serveFavicon(w, r)
			return
		}
		if p == "/"+IndexFile && !built {
			notBuilt(w)
			return
		}
		f, ok := a[p]
		if !ok {
			notFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if p == "/"+IndexFile {
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
		}
		// ServeContent answers If-None-Match with 304, ranges and HEAD.
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(f.body))
	})
}

// serveFavicon answers /favicon.ico, built or not: browsers ask for it on
// every page of the server, the API's included.
func serveFavicon(w http.ResponseWriter, r *http.Request) {
	ico := favicon()
	h := w.Header()
	h.Set("Content-Type", "image/x-icon")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, FaviconPath, time.Time{}, bytes.NewReader(ico))
}

func notFound(w http.ResponseWriter, r *http.Request) {
	msg := "Cannot " + r.Method + " " + r.URL.Path
	q := jsonString(msg)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"success":false,"message":` + q + `,"data":{"error":` + q + `}}`))
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rts: page not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3em;color:#222}code{background:#eee;padding:.1em .3em}</style>
</head><body><h1>rts</h1>
<p><strong>` + NotBuiltMessage + `</strong></p>
<p>This binary was built without the dependency-graph page. Build it with
<code>make web</code> (which runs <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>)
and rebuild or rerun <code>rts serve</code>. The HTTP API under <code>/rts-api/v1/</code>
and Socket.IO at <code>/rts</code> work without it.</p>
</body></html>
`

func notBuilt(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(notBuiltPage))
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
