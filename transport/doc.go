// Package transport owns what rts speaks on the network: the HTTP API that
// Appsmith's Java backend calls (byte-compatible with Appsmith's Node.js
// RTS: envelopes, validation messages, status codes), the apps API and the
// pushes of app changes, the Prometheus /metrics endpoint, and the server
// lifecycle (listen, serve, graceful stop): Handler answers the requests,
// Server runs a Handler on a listener, reading plain POSTs to the routes
// the Java backend calls itself and handing every other connection to
// net/http (fastpath.go). The JSON of the API is read and
// written by hand (jsonin.go, jsonout.go) so that it matches what Node's
// JSON.parse and JSON.stringify do, which encoding/json does not
// (case-folded keys, HTML escaping).
package transport
