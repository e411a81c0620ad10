package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func corpusFile(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, `{"id":"p1","fromVersion":80,"input":{"version":80,"children":[]},"expected":{"version":94}}`+"\n")
	io.WriteString(zw, `{"id":"p2","fromVersion":12,"input":{"version":12,"boom":1},"expected":null,"error":"TypeError"}`+"\n")
	zw.Close()
	path := filepath.Join(t.TempDir(), "dsl.jsonl.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// server answers like the migrate route when right is true, 404 otherwise.
func server(t *testing.T, right bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case !right || r.URL.Path != "/rts-api/v1/dsl/migrate":
			http.Error(w, "Cannot POST", http.StatusNotFound)
		case bytes.Contains(body, []byte("boom")):
			w.WriteHeader(500)
			io.WriteString(w, `{"success":false,"message":"Something went wrong","data":{"error":"Something went wrong"}}`)
		default:
			io.WriteString(w, `{"success":true,"data":`+string(body)+`}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRun(t *testing.T) {
	t.Parallel()
	corpus := corpusFile(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"all right", []string{"-url", server(t, true), "-corpus", corpus, "-rounds", "2"}, 0,
			"requests    4: ok 4, failed 0 (status 200×2 500×2)", ""},
		{"json", []string{"-url", server(t, true), "-corpus", corpus, "-rounds", "1", "-json"}, 0, `"ok":2,`, ""},
		{"wrong answers", []string{"-url", server(t, false), "-corpus", corpus, "-rounds", "1"}, 1,
			"first error p1: HTTP 404, want 200", ""},
		{"unknown flag", []string{"-nope"}, 2, "", "flag provided but not defined"},
		{"argument", []string{"extra"}, 2, "", `unexpected argument "extra"`},
		{"zero rounds", []string{"-url", server(t, true), "-corpus", corpus, "-rounds", "0"}, 2, "", "rounds must be within"},
		{"missing corpus", []string{"-corpus", filepath.Join(t.TempDir(), "x.gz")}, 2, "", "no such file"},
		{"unreachable", []string{"-url", "http://127.0.0.1:1", "-corpus", corpus}, 2, "", "did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
}
