package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		code       int
		stdout     string // substring
		stderrLine string // the whole stderr, one line; "" when not checked
	}{
		{name: "no command", args: nil, code: 2},
		{name: "help", args: []string{"help"}, code: 0, stdout: "serve"},
		{name: "help lists every command", args: []string{"--help"}, code: 0, stdout: "version"},
		{name: "help with a command", args: []string{"help", "diff"}, code: 0, stdout: "usage: rts diff OLD NEW"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2,
			stderrLine: `rts: unknown command "frobnicate" (run 'rts help')`},
		{name: "version", args: []string{"version"}, code: 0, stdout: "rts "},
		{name: "version with argument", args: []string{"version", "x"}, code: 2,
			stderrLine: `rts version: unexpected argument "x"`},
		{name: "serve help", args: []string{"serve", "--help"}, code: 0, stdout: "--addr"},
		{name: "serve unknown flag", args: []string{"serve", "--bogus"}, code: 2,
			stderrLine: "rts serve: flag provided but not defined: -bogus"},
		{name: "serve bad addr", args: []string{"serve", "--addr", "nowhere"}, code: 2,
			stderrLine: `rts serve: --addr "nowhere": want HOST:PORT`},
		{name: "serve bad env port", args: []string{"serve"}, env: map[string]string{"APPSMITH_RTS_PORT": "x"}, code: 2,
			stderrLine: `rts serve: APPSMITH_RTS_PORT: invalid port "x"`},
		{name: "serve bad allowed host", args: []string{"serve"}, env: map[string]string{"APPSMITH_RTS_ALLOWED_HOSTS": "a.example, http://b.example/"}, code: 2,
			stderrLine: `rts serve: APPSMITH_RTS_ALLOWED_HOSTS: allowed host "http://b.example/": want a name, *.domain or *`},
		{name: "serve bad env level", args: []string{"serve"}, env: map[string]string{"APPSMITH_LOG_LEVEL": "loud"}, code: 2,
			stderrLine: `rts serve: APPSMITH_LOG_LEVEL: unknown level "loud" (want debug, info, warn, error or silent)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"APPSMITH_RTS_HOST", "APPSMITH_RTS_PORT", "APPSMITH_RTS_SECRET", "APPSMITH_LOG_LEVEL", "APPSMITH_RTS_ALLOWED_HOSTS"} {
				t.Setenv(k, tt.env[k])
			}
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.stdout)
			}
			if tt.stderrLine != "" && stderr.String() != tt.stderrLine+"\n" {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.stderrLine+"\n")
			}
		})
	}
}

// A port already in use is a clear error and exit 1, not a crash.
func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve", "--addr", ln.Addr().String(), "--no-store", "--log-level", "error"}, &stdout, &stderr)
	if code != 1 || !strings.HasPrefix(stderr.String(), "rts serve: ") || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("exit %d, stderr %q: want 1 and the listen error", code, stderr.String())
	}
}

// TestServeBinary builds rts, starts `rts serve` on a free port, talks to
// it and stops it with a signal, as supervisord or Docker would.
func TestServeBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildRTS(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, base, lines := startServe(t, bin, []string{"APPSMITH_RTS_SECRET=s3cret", "APPSMITH_LOG_LEVEL=info"},
				"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo")
			rest := make(chan string, 1)
			go func() {
				var b strings.Builder
				for lines.Scan() {
					b.WriteString(lines.Text() + "\n")
				}
				rest <- b.String()
			}()

			res, err := http.Get(base + "/rts-api/v1/health-check")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != `{"success":true}` {
				t.Errorf("health check: %d %s", res.StatusCode, body)
			}
			req, _ := http.NewRequest("POST", base+"/rts-api/v1/ast/single-script-data", strings.NewReader(`{"script":"Api1.data"}`))
			req.Header.Set("Content-Type", "application/json")
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
				t.Errorf("without the secret: %v %v", res, err)
			}
			req, _ = http.NewRequest("POST", base+"/rts-api/v1/ast/single-script-data", strings.NewReader(`{"script":"Api1.data"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Rts-Secret", "s3cret")
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
				t.Errorf("with the secret: %v %v", res, err)
			}
			// --demo imported the sample app into the embedded store.
			req, _ = http.NewRequest("GET", base+"/rts-api/v1/apps", nil)
			req.Header.Set("X-Rts-Secret", "s3cret")
			if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
				t.Errorf("apps: %v %v", res, err)
			} else {
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if !strings.Contains(string(body), `"name":"Demo"`) {
					t.Errorf("apps: %s", body)
				}
			}
			http.DefaultClient.CloseIdleConnections()

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			// Stderr is read to its end (the process exited) before Wait,
			// which closes the pipe and would drop what is still unread.
			select {
			case log := <-rest:
				if !strings.Contains(log, "server stopped") {
					t.Errorf("stderr after the listening line:\n%s", log)
				}
			case <-time.After(hangGuard):
				t.Fatalf("still running %v after %v", hangGuard, sig)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit after %v: %v", sig, err)
			}
		})
	}
}

// buildRTS returns the rts binary, built once per run of the tests.
func buildRTS(t *testing.T) string {
	t.Helper()
	bin, err := builtRTS()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// binDir holds the binaries the tests build, removed when they end.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rts-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// builtRTS builds the binary once for all the tests that run it (in
// parallel, nine links of the same binary would only compete for the
// cores); they only execute it.
var builtRTS = sync.OnceValues(func() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go tool on PATH")
	}
	bin := filepath.Join(binDir, "rts")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// startServe runs `rts serve` with args and extra environment, waits for
// its listening line and returns the process, its URL and the rest of its
// stderr; the process is killed when the test ends.
func startServe(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "rts listening on "); ok {
			return cmd, addr, lines
		}
	}
	t.Fatal("no listening line on stderr")
	return nil, "", nil
}
