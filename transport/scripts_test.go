package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzScriptScan checks the lazy reading of the scripts array against the
// strict reader and encoding/json: a body the lazy reader rejects is
// malformed; one it accepts, with every listed string checked, is valid
// JSON whose scripts are those the strict reader and encoding/json find;
// and when a listed string fails its check, the body is malformed.
func FuzzScriptScan(f *testing.F) {
	for _, s := range []string{
		`{"scripts":["a","b"]}`, `{"scripts":["a\"b","c\\"]}`, `{"scripts":["a\\\"b\\","\\\\"]}`,
		`{"scripts":["\x","b"]}`, `{"scripts":["\u12G4"]}`, `{"scripts":["a` + "\n" + `b"]}`, `{"scripts":["a", "b]}`,
		`{"scripts":["a",1,{"b":"]"}]}`, `{"scripts":[]}`, `{"scripts":["a"],"scripts":["b"]}`,
		`{"scr\u0069pts":["a"],"scripts":["b\u0041"]}`, `{"scripts":["a"],"evalVersion":2}`, `{"scripts":["a"]`,
		`{"scripts":["a\\"]}`, `{"scripts":["\ud83d\ude00",""]}`, ` { "scripts" : [ "a" , "b" ] } `, `{"x":{"scripts":["a"]}}`,
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, limit uint8) {
		if !utf8.Valid(in) || len(in) == 0 || bytes.HasPrefix(in, []byte("\uFEFF")) {
			return
		}
		var strict, lazy body
		strictErr := parseBody(in, &strict)
		scan := scriptScan{limit: int(limit)}
		lazyErr := parseBodyScan(in, &lazy, &scan)
		if lazyErr != nil {
			if strictErr == nil {
				t.Fatalf("%q: the lazy reader rejects it (%v), the strict one accepts it", in, lazyErr)
			}
			return
		}
		items, ok := scan.lazyItems(&lazy)
		if !ok {
			return // the route reads such bodies again, strictly
		}
		allValid := true
		for _, it := range items {
			allValid = allValid && checkString(in, it)
		}
		if !allValid {
			if strictErr == nil {
				t.Fatalf("%q: a listed string fails its check, but the strict reader accepts the body", in)
			}
			return
		}
		if strictErr != nil || !json.Valid(in) {
			t.Fatalf("%q: every listed string is valid, but strict reader: %v, encoding/json valid: %v", in, strictErr, json.Valid(in))
		}
		want, count := strict.arrayItems(strict.scripts, scan.limit)
		if lazy.scripts != strict.scripts || count != scan.count || !slices.Equal(want, items) {
			t.Fatalf("%q: lazy scripts %v %v (%d), strict %v %v (%d)", in, lazy.scripts, items, scan.count, strict.scripts, want, count)
		}
		var m map[string]any
		if json.Unmarshal(in, &m) != nil {
			return // a number out of float64 range
		}
		arr, _ := m["scripts"].([]any)
		if len(arr) != scan.count {
			t.Fatalf("%q: %d scripts, encoding/json %d", in, scan.count, len(arr))
		}
		for i, it := range items {
			if got := lazy.str(it); got != arr[i] {
				t.Fatalf("%q: script %d is %q, encoding/json %q", in, i, got, arr[i])
			}
		}
	})
}

// TestMultipleMalformedScripts: a malformed script in a page save is
// answered as the strict reader would, naming the first error, whether its
// neighbours come from the cache or not; and a script that differs from a
// cached one only by what follows it is not taken for it.
func TestMultipleMalformedScripts(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	warm := `{"scripts":["Api1.data","Api2.data \"x\"","c\\\\"]}`
	if res := srv.post(t, multiple, warm); res.status != 200 {
		t.Fatalf("warming the cache: %d %s", res.status, res.body)
	}
	for _, in := range []string{
		`{"scripts":["Api1.data","\x"]}`,
		`{"scripts":["Api1.data","Api2.data \"x\"","a\u12G4"]}`,
		`{"scripts":["Api1.data","a` + "\t" + `b"]}`,
		`{"scripts":["Api1.data","c\\\\"],"evalVersion":}`,
		`{"scripts":["Api1.data","c\\\\" "Api1.data"]}`,
		`{"scripts":["Api1.data","c\\\\","x]}`,
		`{"scripts":["Api1.data","\x",7]}`,
		`{"scripts":["\x"],"scripts":["Api1.data"]}`,
		`{"scripts":["Api1.data","\x"],"evalVersion":1,"evalVersion":`,
	} {
		var b body
		err := parseBody([]byte(in), &b)
		if err == nil {
			t.Fatalf("%s: the strict reader accepts it", in)
		}
		want := `{"success":false,"message":"Malformed JSON: ` + err.Error() + `","data":{"error":"Malformed JSON: ` + err.Error() + `"}}`
		if res := srv.post(t, multiple, in); res.status != 400 || res.body != want {
			t.Errorf("%s:\n got %d %s\nwant 400 %s", in, res.status, res.body, want)
		}
	}
	// Valid bodies the fast path does not take: answered as before.
	for in, want := range map[string]string{
		`{"scripts":["Api1.data",7]}`: `"param":"scripts[1]"`,
		`{"scripts":[]}`:              msgScripts,
		`{"scripts":"Api1.data"}`:     msgScripts,
	} {
		if res := srv.post(t, multiple, in); res.status != 400 || !strings.Contains(res.body, want) {
			t.Errorf("%s: %d %s", in, res.status, res.body)
		}
	}
	// The same bytes as a cached script, then more: a new script.
	res := srv.post(t, multiple, `{"scripts":["Api1.data","Api1.data.x"]}`)
	want := `{"success":true,"data":[{"references":["Api1.data"],"functionalParams":[],"variables":[],"isError":false},` +
		`{"references":["Api1.data.x"],"functionalParams":[],"variables":[],"isError":false}]}`
	if res.status != 200 || res.body != want {
		t.Errorf("a cached script's prefix: %d %s", res.status, res.body)
	}
}

// TestCachedPageSaveSkipsTheHeavyLine: a page save whose scripts are all
// cached is answered while heavy requests fill the gate and its line; one
// with a new script still waits for its turn like any batch.
func TestCachedPageSaveSkipsTheHeavyLine(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{MaxHeavy: 1, HeavyQueue: -1})
	srv := newTestServerHandler(t, h)
	page := `{"scripts":["Api1.data","Table1.selectedRow.id","Input1.text"]}`
	if res := srv.post(t, multiple, page); res.status != 200 {
		t.Fatalf("first save: %d %s", res.status, res.body)
	}
	entered, release := blockExtracts(h, "BLOCK")
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.post(t, multiple, `{"scripts":["BLOCK"]}`)
	}()
	<-entered
	if res := srv.post(t, multiple, page); res.status != 200 {
		t.Errorf("a save of cached scripts while the gate is full: %d %s", res.status, res.body)
	}
	if res := srv.post(t, multiple, `{"scripts":["Api1.data","Api9.data"]}`); res.status != 503 {
		t.Errorf("a save with a new script while the gate is full: %d %s", res.status, res.body)
	}
	close(release)
	<-done
}

// TestCorkedAnswers: answers of every size arrive whole over a Server's
// keep-alive connection, one after the other.
func TestCorkedAnswers(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{})
	s := NewServer(ServerOptions{Addr: "127.0.0.1:0", Handler: h})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Run(t.Context()) }()
	url := "http://" + s.Addr().String() + multiple
	for _, n := range []int{1, 20, 300, 1, 2000, 5} { // answers of 80 B to 170 KB
		var in strings.Builder
		in.WriteString(`{"scripts":[`)
		want := `{"success":true,"data":[`
		for i := range n {
			if i > 0 {
				in.WriteByte(',')
				want += ","
			}
			in.WriteString(`"Api` + strings.Repeat("x", i%50) + `.data"`)
			want += `{"references":["Api` + strings.Repeat("x", i%50) + `.data"],"functionalParams":[],"variables":[],"isError":false}`
		}
		in.WriteString(`]}`)
		want += "]}"
		res, err := httpClient.Post(url, "application/json", strings.NewReader(in.String()))
		if err != nil {
			t.Fatalf("%d scripts: %v", n, err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || string(got) != want {
			t.Fatalf("%d scripts: %d %v, %d bytes, want %d", n, res.StatusCode, err, len(got), len(want))
		}
	}
}

var httpClient = &http.Client{Timeout: hangGuard}

// fakeConn records the writes a corkConn passes on.
type fakeConn struct {
	net.Conn
	writes [][]byte
	fail   bool
	closed bool
}

func (c *fakeConn) Write(p []byte) (int, error) {
	if c.fail {
		return 0, errors.New("broken")
	}
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}
func (c *fakeConn) Close() error                     { c.closed = true; return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

func TestCorkConn(t *testing.T) {
	t.Parallel()
	fc := &fakeConn{}
	c := &corkConn{Conn: fc}
	_, _ = c.Write([]byte("plain"))
	c.cork()
	_, _ = c.Write([]byte("head "))
	_, _ = c.Write([]byte("body "))
	if len(fc.writes) != 1 {
		t.Fatalf("corked writes went out: %q", fc.writes)
	}
	big := bytes.Repeat([]byte("x"), corkBytes)
	if n, err := c.Write(big); n != len(big) || err != nil {
		t.Fatalf("large write: %d %v", n, err)
	}
	_, _ = c.Write([]byte(" tail"))
	c.uncork()
	if got := string(bytes.Join(fc.writes, nil)); got != "plainhead body "+string(big)+" tail" {
		t.Fatalf("bytes out of order or lost: %.60q…", got)
	}
	if c.pending != nil || c.corked {
		t.Fatal("uncork kept its buffer")
	}

	broken := &fakeConn{}
	c = &corkConn{Conn: broken}
	c.cork()
	_, _ = c.Write([]byte("held"))
	broken.fail = true
	c.uncork()
	if !broken.closed {
		t.Error("a held-back write that failed left the connection open")
	}
}

// TestCorkConnSyscallConn: a connection accepted by the server's listener
// still offers its socket (syscall.Conn), which the WebSocket endpoint
// needs to read and write it without a goroutine per connection; a
// wrapped connection without one says so.
func TestCorkConnSyscallConn(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cl := corkListener{ln}
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			_, _ = c.Write([]byte("x"))
			time.Sleep(100 * time.Millisecond)
		}
	}()
	c, err := cl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatal("accepted connection does not implement syscall.Conn")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := raw.Control(func(f uintptr) { fd = f }); err != nil || fd == 0 {
		t.Fatalf("Control: fd %d, %v", fd, err)
	}
	if _, err := (&corkConn{Conn: &fakeConn{}}).SyscallConn(); err == nil {
		t.Fatal("a connection without a socket returned a RawConn")
	}
}
