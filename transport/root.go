package transport

import (
	"net/http"
	"strings"
)

// Root joins what `rts serve` answers on one port: the HTTP API (and
// /metrics), Socket.IO at /rts, and the graph page everywhere else. A nil
// sockets or page handler answers 404 there through the API handler.
// The API's allowed hosts cover every route: a request for another name
// gets the API's 421, so neither the page nor a WebSocket upgrade answers it.
func Root(api *Handler, sockets, page http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case !api.hosts.Allows(r.Host):
			api.ServeHTTP(w, r)
		case sockets != nil && (p == "/rts" || strings.HasPrefix(p, "/rts/")):
			sockets.ServeHTTP(w, r)
		case page != nil && !isAPIPath(p):
			page.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// isAPIPath: the API's routes match case-insensitively, as Express's do.
func isAPIPath(p string) bool {
	return p == PathMetrics || len(p) >= len(apiPrefix) && strings.EqualFold(p[:len(apiPrefix)], apiPrefix)
}
