package transport

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/refactor"
)

// testServer is a Handler behind a real loopback listener.
// hangGuard bounds a wait that ends by itself unless the code under test
// hangs: long enough that no loaded machine reaches it, so it never
// measures speed.
const hangGuard = time.Minute

type testServer struct {
	*httptest.Server
	reg *prometheus.Registry
}

func newTestServer(t *testing.T, o Options) *testServer {
	t.Helper()
	reg := prometheus.NewRegistry()
	if o.Registerer == nil {
		o.Registerer = reg
	}
	h, err := NewHandler(o)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return &testServer{Server: startFastTestServer(t, h), reg: reg}
}

// startFastTestServer serves h as `rts serve` does, the fast path in
// front of net/http, under an httptest.Server (its URL, client and
// listener).
func startFastTestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	front := newFastFront(srv.Listener, srv.Config, slog.New(slog.DiscardHandler), DefaultFastPaths)
	srv.Listener = corkListener{front}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		front.closeAll()
		front.connsDone.Wait()
	})
	return srv
}

// request is one HTTP call; a POST without a Content-Type header entry is
// sent as application/json, an entry with an empty value sends none.
type request struct {
	method, path, body string
	header             map[string]string
}

type response struct {
	status int
	header http.Header
	body   string
}

func (s *testServer) do(t *testing.T, rq request) response {
	t.Helper()
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, s.URL+rq.path, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rq.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, rq.path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (s *testServer) post(t *testing.T, path, body string) response {
	t.Helper()
	return s.do(t, request{path: path, body: body})
}

const (
	single   = PathSingleScript
	multiple = PathMultipleScript
	rename   = PathEntityRefactor
)

// Bodies from appsmith-rts.md §2 and §4.3, byte for byte.
const (
	healthOK          = `{"success":true}`
	singleEmptyObject = `{"success":false,"message":"Validation error","data":{"error":["Script is required and can only be a string"],"validationErrors":[{"msg":"Script is required and can only be a string","param":"script","location":"body"}]}}`
	refactorEmpty     = `{"success":false,"message":"Validation error","data":{"error":["Script is required and can only be a string"],"validationErrors":[` +
		`{"msg":"Script is required and can only be a string","param":"script","location":"body"},` +
		`{"msg":"OldName is required and can only be a string","param":"oldName","location":"body"},` +
		`{"msg":"NewName is required and can only be a string","param":"newName","location":"body"},` +
		`{"msg":"isJSObject is required and can only be a boolean","param":"isJSObject","location":"body"}]}}`
	syntaxErrorBody = `{"success":false,"data":{"error":"Syntax Error"}}`
	errorInfo       = `{"success":true,"data":{"references":[],"functionalParams":[],"variables":[],"isError":true}}`
)

func TestAPI(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	tests := []struct {
		name string
		req  request
		code int
		want string
	}{
		// Health check.
		{"health", request{method: "GET", path: PathHealthCheck}, 200, healthOK},
		{"health HEAD", request{method: "HEAD", path: PathHealthCheck}, 200, ""},
		{"health trailing slash", request{method: "GET", path: PathHealthCheck + "/"}, 200, healthOK},
		{"health other case", request{method: "GET", path: "/RTS-API/v1/Health-Check"}, 200, healthOK},
		{"health query ignored", request{method: "GET", path: PathHealthCheck + "?x=1"}, 200, healthOK},

		// single-script-data (§2.2, §4.1).
		{"single §2.2 example",
			request{path: single, body: `{"script":"(function abc() { let Api2 = { }; return Api2.data ? str.data + Api1.data : [] })()"}`}, 200,
			`{"success":true,"data":{"references":["str.data","Api1.data"],"functionalParams":[],"variables":["Api2"],"isError":false}}`},
		{"single evalVersion 2",
			request{path: single, body: `{"script":"Api1.data.map(function(row){ return row.id })","evalVersion":2}`}, 200,
			`{"success":true,"data":{"references":["Api1.data.map"],"functionalParams":["row"],"variables":[],"isError":false}}`},
		{"single destructuring variable is null",
			request{path: single, body: `{"script":"(() => { const {a} = Api1.data; return a.b })()"}`}, 200,
			`{"success":true,"data":{"references":["Api1.data"],"functionalParams":[],"variables":[null],"isError":false}}`},
		{"single destructured param is empty string",
			request{path: single, body: `{"script":"({a}) => Api1.data"}`}, 200,
			`{"success":true,"data":{"references":["Api1.data"],"functionalParams":[""],"variables":[],"isError":false}}`},
		{"single syntax error", request{path: single, body: `{"script":"Api1.data +"}`}, 200, errorInfo},
		{"single ES2021 is a syntax error", request{path: single, body: `{"script":"Api1.data ??= 1"}`}, 200, errorInfo},
		{"single empty script", request{path: single, body: `{"script":""}`}, 200,
			`{"success":true,"data":{"references":[],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single evalVersion 1 unescapes",
			request{path: single, body: `{"script":"Api1.data[\\\"key\\\"]","evalVersion":1}`}, 200,
			`{"success":true,"data":{"references":["Api1.data"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single evalVersion 0.5 is legacy too",
			request{path: single, body: `{"script":"Api1.data[\\\"key\\\"]","evalVersion":0.5}`}, 200,
			`{"success":true,"data":{"references":["Api1.data"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single evalVersion 2 does not unescape",
			request{path: single, body: `{"script":"Api1.data[\\\"key\\\"]","evalVersion":2}`}, 200, errorInfo},
		{"single evalVersion 0 is 2",
			request{path: single, body: `{"script":"Api1.data[\\\"key\\\"]","evalVersion":0}`}, 200, errorInfo},
		{"single evalVersion non-number is 2",
			request{path: single, body: `{"script":"Api1.data[\\\"key\\\"]","evalVersion":"1"}`}, 200, errorInfo},
		{"single evalVersion null is 2",
			request{path: single, body: `{"script":"Api1.data[\\\"key\\\"]","evalVersion":null}`}, 200, errorInfo},
		{"single non-ASCII and escapes round-trip",
			request{path: single, body: `{"script":"Ünïcode.dätä + \"<&>\u2028\" + 😀.x"}`}, 200, errorInfo},
		{"single duplicate key: last wins", request{path: single, body: `{"script":5,"script":"Api1.data"}`}, 200,
			`{"success":true,"data":{"references":["Api1.data"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single escaped key", request{path: single, body: `{"scr\u0069pt":"Api1"}`}, 200,
			`{"success":true,"data":{"references":["Api1"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single content type with params and case",
			request{path: single, body: `{"script":"Api1"}`, header: map[string]string{"Content-Type": "Application/JSON; charset=UTF-8"}}, 200,
			`{"success":true,"data":{"references":["Api1"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single byte order mark", request{path: single, body: "\uFEFF" + `{"script":"Api1"}`}, 200,
			`{"success":true,"data":{"references":["Api1"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"single unknown keys skipped",
			request{path: single, body: `{"x":{"y":[1,-2.5e+3,true,false,null,{"z":"\"}"}]},"script":"Api1"}`}, 200,
			`{"success":true,"data":{"references":["Api1"],"functionalParams":[],"variables":[],"isError":false}}`},

		// single-script-data validation (§4.3).
		{"single {}", request{path: single, body: `{}`}, 400, singleEmptyObject},
		{"single empty body", request{path: single, body: ``}, 400, singleEmptyObject},
		{"single top-level array", request{path: single, body: `["Api1"]`}, 400, singleEmptyObject},
		{"single keys are case-sensitive", request{path: single, body: `{"Script":"Api1"}`}, 400, singleEmptyObject},
		{"single not declared JSON is {}",
			request{path: single, body: `{"script":"Api1"}`, header: map[string]string{"Content-Type": "text/plain"}}, 400, singleEmptyObject},
		{"single without Content-Type is {}",
			request{path: single, body: `{"script":"Api1"}`, header: map[string]string{"Content-Type": ""}}, 400, singleEmptyObject},
		{"single script 5", request{path: single, body: `{"script":5}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Script is required and can only be a string"],"validationErrors":[{"value":5,"msg":"Script is required and can only be a string","param":"script","location":"body"}]}}`},
		{"single script null", request{path: single, body: `{"script":null}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Script is required and can only be a string"],"validationErrors":[{"value":null,"msg":"Script is required and can only be a string","param":"script","location":"body"}]}}`},
		{"single script value as JSON.stringify writes it", request{path: single, body: `{"script": { "b" : [ 1.50, 1E21, "<\/>" ], "1": 2, "b": false } }`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Script is required and can only be a string"],"validationErrors":[{"value":{"1":2,"b":false},"msg":"Script is required and can only be a string","param":"script","location":"body"}]}}`},

		// multiple-script-data (§2.3).
		{"multiple §2.3 example",
			request{path: multiple, body: `{"scripts":["(function abc() { return Api1.data })() ","(function abc() { let str = ''; return str ? Api1.data : [] })()"]}`}, 200,
			`{"success":true,"data":[{"references":["Api1.data"],"functionalParams":[],"variables":[],"isError":false},{"references":["Api1.data"],"functionalParams":[],"variables":["str"],"isError":false}]}`},
		{"multiple keeps bad scripts in place",
			request{path: multiple, body: `{"scripts":["Api1.data +","Api2.data"],"evalVersion":2}`}, 200,
			`{"success":true,"data":[{"references":[],"functionalParams":[],"variables":[],"isError":true},{"references":["Api2.data"],"functionalParams":[],"variables":[],"isError":false}]}`},
		{"multiple one script", request{path: multiple, body: `{"scripts":["Api1"]}`}, 200,
			`{"success":true,"data":[{"references":["Api1"],"functionalParams":[],"variables":[],"isError":false}]}`},
		{"multiple []", request{path: multiple, body: `{"scripts":[ ]}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Multiple scripts are required"],"validationErrors":[{"value":[],"msg":"Multiple scripts are required","param":"scripts","location":"body"}]}}`},
		{"multiple {}", request{path: multiple, body: `{}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Multiple scripts are required"],"validationErrors":[{"msg":"Multiple scripts are required","param":"scripts","location":"body"}]}}`},
		{"multiple string", request{path: multiple, body: `{"scripts":"Api1"}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Multiple scripts are required"],"validationErrors":[{"value":"Api1","msg":"Multiple scripts are required","param":"scripts","location":"body"}]}}`},
		{"multiple non-string elements", request{path: multiple, body: `{"scripts":["Api1",5,null]}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["Every script must be a string"],"validationErrors":[` +
				`{"value":5,"msg":"Every script must be a string","param":"scripts[1]","location":"body"},` +
				`{"value":null,"msg":"Every script must be a string","param":"scripts[2]","location":"body"}]}}`},

		// entity-refactor (§2.4, §4.2).
		{"refactor R1", request{path: rename, body: `{"script":"ApiNever","oldName":"ApiNever","newName":"ApiForever","isJSObject":false,"evalVersion":2}`}, 200,
			`{"success":true,"data":{"script":"ApiForever","refactorCount":1}}`},
		{"refactor R2", request{path: rename, body: `{"script":"ApiNever.data","oldName":"ApiNever","newName":"ApiForever","isJSObject":false}`}, 200,
			`{"success":true,"data":{"script":"ApiForever.data","refactorCount":1}}`},
		{"refactor R8 keeps the tab", request{path: rename, body: `{"script":"\tApiNever.data","oldName":"ApiNever","newName":"ApiForever","isJSObject":false}`}, 200,
			`{"success":true,"data":{"script":"\tApiForever.data","refactorCount":1}}`},
		{"refactor R9", request{path: rename, body: `{"script":"ApiNever.data + ApiNever.data","oldName":"ApiNever","newName":"ApiForever","isJSObject":false}`}, 200,
			`{"success":true,"data":{"script":"ApiForever.data + ApiForever.data","refactorCount":2}}`},
		{"refactor R6 dotted", request{path: rename, body: `{"script":"ApiNever.data + ApiNever.dat","oldName":"ApiNever.data","newName":"ApiNever.input","isJSObject":false}`}, 200,
			`{"success":true,"data":{"script":"ApiNever.input + ApiNever.dat","refactorCount":1}}`},
		{"refactor count 0 is success", request{path: rename, body: `{"script":"x.Api1 + \"Api1\"","oldName":"Api1","newName":"Api2","isJSObject":false}`}, 200,
			`{"success":true,"data":{"script":"x.Api1 + \"Api1\"","refactorCount":0}}`},
		{"refactor JS object", request{path: rename, body: `{"script":"export default {\n\tmyVar1: [],\n\tsearch: () => Input1Copy.text\n}","oldName":"Input1Copy","newName":"Input1","isJSObject":true}`}, 200,
			`{"success":true,"data":{"script":"export default {\n\tmyVar1: [],\n\tsearch: () => Input1.text\n}","refactorCount":1}}`},
		{"refactor R12 syntax error", request{path: rename, body: `{"script":"ApiNever++++","oldName":"ApiNever","newName":"ApiForever","isJSObject":true}`}, 200, syntaxErrorBody},
		{"refactor R23 export default without isJSObject", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":false}`}, 200, syntaxErrorBody},
		{"refactor isJSObject \"false\" means false", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":"false"}`}, 200, syntaxErrorBody},
		{"refactor isJSObject 0 means false", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":0}`}, 200, syntaxErrorBody},
		{"refactor isJSObject \"0\" means false", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":"0"}`}, 200, syntaxErrorBody},
		{"refactor isJSObject \"true\"", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":"true"}`}, 200,
			`{"success":true,"data":{"script":"export default {a: Api2}","refactorCount":1}}`},
		{"refactor isJSObject escaped \"true\"", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":"\u0074rue"}`}, 200,
			`{"success":true,"data":{"script":"export default {a: Api2}","refactorCount":1}}`},
		{"refactor isJSObject 1", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":1}`}, 200,
			`{"success":true,"data":{"script":"export default {a: Api2}","refactorCount":1}}`},
		{"refactor isJSObject \"1\"", request{path: rename, body: `{"script":"export default {a: Api1}","oldName":"Api1","newName":"Api2","isJSObject":"1"}`}, 200,
			`{"success":true,"data":{"script":"export default {a: Api2}","refactorCount":1}}`},
		{"refactor writes what JSON.stringify writes",
			request{path: rename, body: `{"script":"Api1.data + \"<a&b>\u2028\u2029\u007f\u0001\\\\/\" + 'é😀'","oldName":"Api1","newName":"Api2","isJSObject":false}`}, 200,
			"{\"success\":true,\"data\":{\"script\":\"Api2.data + \\\"<a&b>\u2028\u2029\u007f\\u0001\\\\\\\\/\\\" + 'é😀'\",\"refactorCount\":1}}"},

		// entity-refactor validation (§4.3).
		{"refactor {}", request{path: rename, body: `{}`}, 400, refactorEmpty},
		{"refactor wrong types", request{path: rename, body: `{"script":"a","oldName":1,"newName":"b","isJSObject":"yes"}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["OldName is required and can only be a string"],"validationErrors":[` +
				`{"value":1,"msg":"OldName is required and can only be a string","param":"oldName","location":"body"},` +
				`{"value":"yes","msg":"isJSObject is required and can only be a boolean","param":"isJSObject","location":"body"}]}}`},
		{"refactor names must be identifiers", request{path: rename, body: `{"script":"a","oldName":"Api1","newName":"Api2; alert(1)","isJSObject":false}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["NewName must be a JavaScript identifier or identifiers joined by dots"],"validationErrors":[` +
				`{"value":"Api2; alert(1)","msg":"NewName must be a JavaScript identifier or identifiers joined by dots","param":"newName","location":"body"}]}}`},
		{"refactor empty and dangling names", request{path: rename, body: `{"script":"a","oldName":"","newName":"JSObject1.","isJSObject":false}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["OldName must be a JavaScript identifier or identifiers joined by dots"],"validationErrors":[` +
				`{"value":"","msg":"OldName must be a JavaScript identifier or identifiers joined by dots","param":"oldName","location":"body"},` +
				`{"value":"JSObject1.","msg":"NewName must be a JavaScript identifier or identifiers joined by dots","param":"newName","location":"body"}]}}`},
		{"refactor non-ASCII identifiers are names", request{path: rename, body: `{"script":"Ápi1.data","oldName":"Ápi1","newName":"$_ñ2","isJSObject":false}`}, 200,
			`{"success":true,"data":{"script":"$_ñ2.data","refactorCount":1}}`},
		{"refactor isJSObject null and 2", request{path: rename, body: `{"script":"a","oldName":"a","newName":null,"isJSObject":2}`}, 400,
			`{"success":false,"message":"Validation error","data":{"error":["NewName is required and can only be a string"],"validationErrors":[` +
				`{"value":null,"msg":"NewName is required and can only be a string","param":"newName","location":"body"},` +
				`{"value":2,"msg":"isJSObject is required and can only be a boolean","param":"isJSObject","location":"body"}]}}`},

		// Where Appsmith answers HTML, hangs or crashes.
		{"malformed JSON", request{path: single, body: `{"script":`}, 400,
			`{"success":false,"message":"Malformed JSON: Unexpected end of JSON input at position 10","data":{"error":"Malformed JSON: Unexpected end of JSON input at position 10"}}`},
		{"trailing data", request{path: single, body: `{"script":"a"} x`}, 400,
			`{"success":false,"message":"Malformed JSON: Unexpected data after JSON value at position 15","data":{"error":"Malformed JSON: Unexpected data after JSON value at position 15"}}`},
		{"raw control character", request{path: rename, body: "{\"script\":\"a\x01\"}"}, 400,
			`{"success":false,"message":"Malformed JSON: Bad control character in string literal at position 12","data":{"error":"Malformed JSON: Bad control character in string literal at position 12"}}`},
		{"whitespace only", request{path: multiple, body: " \n"}, 400,
			`{"success":false,"message":"Malformed JSON: Unexpected end of JSON input at position 2","data":{"error":"Malformed JSON: Unexpected end of JSON input at position 2"}}`},
		{"top-level string", request{path: single, body: `"Api1"`}, 400,
			`{"success":false,"message":"Request body must be a JSON object","data":{"error":"Request body must be a JSON object"}}`},
		{"top-level number", request{path: rename, body: `42`}, 400,
			`{"success":false,"message":"Request body must be a JSON object","data":{"error":"Request body must be a JSON object"}}`},
		{"gzip body", request{path: single, body: `{}`, header: map[string]string{"Content-Encoding": "gzip"}}, 415,
			`{"success":false,"message":"Unsupported Content-Encoding","data":{"error":"Unsupported Content-Encoding"}}`},
		{"unknown route", request{path: "/rts-api/v1/ast/nope", body: `{}`}, 404,
			`{"success":false,"message":"Cannot POST /rts-api/v1/ast/nope","data":{"error":"Cannot POST /rts-api/v1/ast/nope"}}`},
		{"root", request{method: "GET", path: "/"}, 404,
			`{"success":false,"message":"Cannot GET /","data":{"error":"Cannot GET /"}}`},
		{"wrong method on a POST route", request{method: "GET", path: single}, 404,
			`{"success":false,"message":"Cannot GET /rts-api/v1/ast/single-script-data","data":{"error":"Cannot GET /rts-api/v1/ast/single-script-data"}}`},
		{"wrong method on the health check", request{path: PathHealthCheck, body: `{}`}, 404,
			`{"success":false,"message":"Cannot POST /rts-api/v1/health-check","data":{"error":"Cannot POST /rts-api/v1/health-check"}}`},
		{"PUT", request{method: "PUT", path: rename, body: `{}`}, 404,
			`{"success":false,"message":"Cannot PUT /rts-api/v1/ast/entity-refactor","data":{"error":"Cannot PUT /rts-api/v1/ast/entity-refactor"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.do(t, tt.req)
			if res.status != tt.code || res.body != tt.want {
				t.Errorf("got %d\n%s\nwant %d\n%s", res.status, res.body, tt.code, tt.want)
			}
			if ct := res.header.Get("Content-Type"); tt.req.method != "HEAD" && ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestMultipleScriptDataOrder(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	// Enough scripts, of uneven cost, that the workers finish out of order.
	var in, want strings.Builder
	in.WriteString(`{"scripts":[`)
	want.WriteString(`{"success":true,"data":[`)
	for i := range 200 {
		if i > 0 {
			in.WriteByte(',')
			want.WriteByte(',')
		}
		name := "Api" + strings.Repeat("x", i%7) + string(rune('A'+i%26))
		script := name + ".data"
		if i%5 == 0 {
			script = "(function(){ const a = [" + strings.Repeat("1,", 300) + "]; return " + name + ".data })()"
		}
		in.WriteString(`"` + script + `"`)
		vars := `[]`
		if i%5 == 0 {
			vars = `["a"]`
		}
		want.WriteString(`{"references":["` + name + `.data"],"functionalParams":[],"variables":` + vars + `,"isError":false}`)
	}
	in.WriteString(`]}`)
	want.WriteString(`]}`)
	res := srv.post(t, multiple, in.String())
	if res.status != 200 || res.body != want.String() {
		t.Fatalf("got %d %.300s…", res.status, res.body)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	tooLarge := `{"success":false,"message":"Request body is larger than 5 MB","data":{"error":"Request body is larger than 5 MB"}}`

	// Exactly 5 MB is still accepted (body-parser's limit is inclusive).
	body := `{"script":"` + strings.Repeat("a", DefaultMaxBodyBytes-len(`{"script":""}`)) + `"}`
	if res := srv.post(t, single, body); res.status != 200 || !strings.HasPrefix(res.body, `{"success":true,"data":{"references":["aaaa`) {
		t.Errorf("5 MB body: %d %.100s", res.status, res.body)
	}

	// One byte more, declared in Content-Length: refused before reading.
	body = `{"script":"` + strings.Repeat("a", DefaultMaxBodyBytes+1-len(`{"script":""}`)) + `"}`
	if res := srv.post(t, rename, body); res.status != 413 || res.body != tooLarge {
		t.Errorf("5 MB + 1: %d %s", res.status, res.body)
	}

	// Chunked, so the size shows only while reading.
	req, _ := http.NewRequest("POST", srv.URL+multiple, io.MultiReader(strings.NewReader(`{"scripts":["`), bytes.NewReader(make([]byte, DefaultMaxBodyBytes))))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 413 || string(got) != tooLarge {
		t.Errorf("chunked over the limit: %d %s", res.StatusCode, got)
	}

	// The limit is configurable.
	small := newTestServer(t, Options{MaxBodyBytes: 1000})
	if res := small.post(t, single, `{"script":"`+strings.Repeat("a", 1000)+`"}`); res.status != 413 ||
		res.body != `{"success":false,"message":"Request body is larger than 1000 bytes","data":{"error":"Request body is larger than 1000 bytes"}}` {
		t.Errorf("small limit: %d %s", res.status, res.body)
	}
}

func TestDeepNesting(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	deep := map[string]string{
		"parens":   strings.Repeat("(", 100000) + "a" + strings.Repeat(")", 100000),
		"brackets": strings.Repeat("[", 100000),
		"braces":   "(() => " + strings.Repeat("{", 100000) + strings.Repeat("}", 100000) + ")()",
		"calls":    "a" + strings.Repeat("()", 100000),
		"unary":    strings.Repeat("!", 100000) + "a",
	}
	for name, script := range deep {
		t.Run(name, func(t *testing.T) {
			// No clock here: work that grew with the depth faster than
			// linearly would run into the handler's time limit, and the
			// answers below would be 503s.
			q := jsonString(script)
			if res := srv.post(t, single, `{"script":`+q+`}`); res.status != 200 || res.body != errorInfo {
				t.Errorf("single-script-data: %d %.200s", res.status, res.body)
			}
			if res := srv.post(t, multiple, `{"scripts":[`+q+`,"Api1",`+q+`]}`); res.status != 200 ||
				res.body != `{"success":true,"data":[`+errorInfo[23:len(errorInfo)-1]+`,{"references":["Api1"],"functionalParams":[],"variables":[],"isError":false},`+errorInfo[23:len(errorInfo)-1]+`]}` {
				t.Errorf("multiple-script-data: %d %.300s", res.status, res.body)
			}
			for _, js := range []string{"false", "true"} {
				if res := srv.post(t, rename, `{"script":`+q+`,"oldName":"a","newName":"b","isJSObject":`+js+`}`); res.status != 200 || res.body != syntaxErrorBody {
					t.Errorf("entity-refactor isJSObject %s: %d %.200s", js, res.status, res.body)
				}
			}
		})
	}
	// A deeply nested request body (not script) is malformed or ignored, never a crash.
	if res := srv.post(t, single, strings.Repeat("[", 1_000_000)); res.status != 400 {
		t.Errorf("deep JSON body: %d %.200s", res.status, res.body)
	}
	if res := srv.post(t, single, `{"x":`+strings.Repeat("[", 1_000_000)+strings.Repeat("]", 1_000_000)+`,"script":"a"}`); res.status != 200 {
		t.Errorf("deep unknown field: %d %.200s", res.status, res.body)
	}
	if res := srv.post(t, single, `{"script":`+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+`}`); res.status != 400 ||
		!strings.Contains(res.body, `"value":[[[[`) {
		t.Errorf("deep wrong-typed field: %d %.200s", res.status, res.body)
	}
}

// jsonString quotes s for a request body (ASCII scripts only).
func jsonString(s string) string {
	return string(appendString(nil, s))
}

func TestSecret(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{Secret: "s3cr3t"})
	const unauthorized = `{"success":false,"message":"Unauthorized"}`
	ok := map[string]string{"X-Rts-Secret": "s3cr3t"}
	tests := []struct {
		name string
		req  request
		code int
		want string
	}{
		{"health needs no secret", request{method: "GET", path: PathHealthCheck}, 200, healthOK},
		{"health with a wrong secret still answers", request{method: "GET", path: PathHealthCheck, header: map[string]string{"X-Rts-Secret": "no"}}, 200, healthOK},
		{"missing", request{path: single, body: `{"script":"a"}`}, 401, unauthorized},
		{"wrong", request{path: rename, body: `{}`, header: map[string]string{"X-Rts-Secret": "s3cr3"}}, 401, unauthorized},
		{"wrong case of the value", request{path: multiple, body: `{}`, header: map[string]string{"X-Rts-Secret": "S3CR3T"}}, 401, unauthorized},
		{"right", request{path: single, body: `{"script":"a"}`, header: ok}, 200,
			`{"success":true,"data":{"references":["a"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"header name in any case", request{path: single, body: `{"script":"a"}`, header: map[string]string{"x-rts-secret": "s3cr3t"}}, 200,
			`{"success":true,"data":{"references":["a"],"functionalParams":[],"variables":[],"isError":false}}`},
		{"checked before validation", request{path: rename, body: `{}`}, 401, unauthorized},
		{"unknown /rts-api route", request{method: "GET", path: "/rts-api/v1/dsl/versions"}, 401, unauthorized},
		{"unknown /rts-api route with secret", request{method: "GET", path: "/rts-api/v1/dsl/versions", header: ok}, 404,
			`{"success":false,"message":"Cannot GET /rts-api/v1/dsl/versions","data":{"error":"Cannot GET /rts-api/v1/dsl/versions"}}`},
		{"DSL version behind the secret", request{method: "GET", path: PathDSLVersion}, 401, unauthorized},
		{"DSL version with the secret", request{method: "GET", path: PathDSLVersion, header: ok}, 200, `{"success":true,"data":{"version":94}}`},
		{"/rts-api itself", request{method: "GET", path: "/rts-api"}, 401, unauthorized},
		{"other case of the prefix", request{method: "GET", path: "/RTS-API/v1/x"}, 401, unauthorized},
		{"outside /rts-api", request{method: "GET", path: "/rts-apix"}, 404,
			`{"success":false,"message":"Cannot GET /rts-apix","data":{"error":"Cannot GET /rts-apix"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.do(t, tt.req)
			if res.status != tt.code || res.body != tt.want {
				t.Errorf("got %d %s, want %d %s", res.status, res.body, tt.code, tt.want)
			}
		})
	}
	if res := srv.do(t, request{method: "GET", path: PathMetrics}); res.status != 200 {
		t.Errorf("/metrics behind the secret: %d", res.status)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	srv.post(t, single, `{"script":"a"}`)
	srv.post(t, single, `{"script":"a"}`)
	srv.post(t, single, `{}`)
	srv.post(t, "/some/random/path/123", `{}`)
	srv.do(t, request{method: "GET", path: PathHealthCheck})
	res := srv.do(t, request{method: "GET", path: PathMetrics})
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", res.status, res.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`rts_http_requests_total{code="200",route="/rts-api/v1/ast/single-script-data"} 2`,
		`rts_http_requests_total{code="400",route="/rts-api/v1/ast/single-script-data"} 1`,
		`rts_http_requests_total{code="404",route="unmatched"} 1`,
		`rts_http_requests_total{code="200",route="/rts-api/v1/health-check"} 1`,
		`rts_http_request_duration_seconds_bucket{route="/rts-api/v1/ast/single-script-data",le="0.0001"}`,
		`rts_http_request_duration_seconds_count{route="/rts-api/v1/ast/single-script-data"} 3`,
		`rts_http_request_duration_seconds_count{route="unmatched"} 1`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(res.body, "/some/random") {
		t.Error("metrics carry a raw path as a label value")
	}
}

func TestNewHandlerRegistries(t *testing.T) {
	t.Parallel()
	// The caller's own Go collector does not clash with ours.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	if _, err := NewHandler(Options{Registerer: reg}); err != nil {
		t.Errorf("registry with a Go collector: %v", err)
	}
	// A second Handler on the same registry would double-count: refused.
	if _, err := NewHandler(Options{Registerer: reg}); err == nil {
		t.Error("second Handler on one registry: no error")
	}
	// Without a Gatherer, the Registerer must be one.
	if _, err := NewHandler(Options{Registerer: registererOnly{reg}}); err == nil {
		t.Error("Registerer that cannot gather and no Gatherer: no error")
	}
	if _, err := NewHandler(Options{}); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

type registererOnly struct{ prometheus.Registerer }

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := mustHandler(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	const boom = `{"success":false,"message":"Something went wrong","data":{"error":"Something went wrong"}}`
	const secretScript = "TOP_SECRET_SCRIPT.data"

	orig := h.extract
	h.extract = func(script string, v int, inv map[string]bool) analysis.IdentifierInfo {
		if script == secretScript {
			panic("analysis failed on " + script)
		}
		return orig(script, v, inv)
	}
	h.refactorScript = func(_ refactor.Renamer, script, o, n string, js bool) (refactor.ScriptResult, error) {
		var m map[string]int
		//lint:ignore SA5000 the test needs a runtime panic, as a bug would raise
		m["x"]++
		return refactor.ScriptResult{}, nil
	}
	srv := newTestServerHandler(t, h)

	for _, rq := range []request{
		{path: single, body: `{"script":"` + secretScript + `"}`},
		{path: multiple, body: `{"scripts":["a","b","` + secretScript + `","c"]}`},
		{path: multiple, body: `{"scripts":["` + secretScript + `"]}`},
		{path: rename, body: `{"script":"a","oldName":"a","newName":"b","isJSObject":false}`},
	} {
		if res := srv.do(t, rq); res.status != 500 || res.body != boom {
			t.Errorf("%s: got %d %s", rq.body, res.status, res.body)
		}
	}
	// The process is alive and the next request is fine.
	if res := srv.post(t, single, `{"script":"Api1"}`); res.status != 200 {
		t.Errorf("after the panics: %d %s", res.status, res.body)
	}
	if n := strings.Count(logs.String(), `"msg":"panic serving request"`); n != 4 {
		t.Errorf("%d panics logged, want 4:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "assignment to entry in nil map") || !strings.Contains(logs.String(), "goroutine ") {
		t.Errorf("panic log lacks the value or the stack:\n%.2000s", logs.String())
	}
	if strings.Contains(logs.String(), "TOP_SECRET") {
		t.Errorf("panic log quotes the script:\n%.2000s", logs.String())
	}
}

func TestLogsNoSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	srv := newTestServer(t, Options{
		Secret: "hunter2-secret",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	srv.do(t, request{path: single, body: `{"script":"PRIVATE_BODY_MARKER.data"}`,
		header: map[string]string{"X-Rts-Secret": "hunter2-secret", "Cookie": "SESSION=cookie-marker", "X-Appsmith-Request-Id": "req-42"}})
	srv.do(t, request{path: single, body: `{"script":"PRIVATE_BODY_MARKER.data"}`})
	out := logs.String()
	for _, bad := range []string{"PRIVATE_BODY_MARKER", "hunter2", "cookie-marker"} {
		if strings.Contains(out, bad) {
			t.Errorf("log contains %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"method=POST", "route=/rts-api/v1/ast/single-script-data", "status=200", "status=401", "duration=", "request_id=req-42"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// Short binding scripts are renamed without the scan cache (their index
// would cost more memory than their parse costs time); JS object bodies and
// long scripts use it. The answers are the same either way.
func TestRefactorScanCachePolicy(t *testing.T) {
	t.Parallel()
	h := mustHandler(t, Options{})
	long := "Api1.data.map(row => row.id)" + strings.Repeat(" + Api1.data.length", 12)
	if len(long) < uncachedScriptBytes {
		t.Fatalf("long script is %d bytes, want at least %d", len(long), uncachedScriptBytes)
	}
	orig := h.refactorScript
	var cached []bool
	h.refactorScript = func(r refactor.Renamer, script, o, n string, js bool) (refactor.ScriptResult, error) {
		cached = append(cached, r.Scans != nil)
		return orig(r, script, o, n, js)
	}
	srv := newTestServerHandler(t, h)
	for _, tc := range []struct {
		name, body, want string
		cached           bool
	}{
		{"short binding", `{"script":"Api1.data","oldName":"Api1","newName":"Api2","isJSObject":false}`,
			`{"success":true,"data":{"script":"Api2.data","refactorCount":1}}`, false},
		{"short binding that does not parse", `{"script":"Api1.data +","oldName":"Api1","newName":"Api2","isJSObject":false}`,
			`{"success":false,"data":{"error":"Syntax Error"}}`, false},
		{"long binding", `{"script":"` + long + `","oldName":"Api1","newName":"Api2","isJSObject":false}`,
			`{"success":true,"data":{"script":"` + strings.ReplaceAll(long, "Api1", "Api2") + `","refactorCount":13}}`, true},
		{"short JS object", `{"script":"export default { f: () => Api1.run() }","oldName":"Api1","newName":"Api2","isJSObject":true}`,
			`{"success":true,"data":{"script":"export default { f: () => Api2.run() }","refactorCount":1}}`, true},
	} {
		cached = nil
		res := srv.post(t, rename, tc.body)
		if res.status != 200 || res.body != tc.want {
			t.Errorf("%s: %d %s, want 200 %s", tc.name, res.status, res.body, tc.want)
		}
		if len(cached) != 1 || cached[0] != tc.cached {
			t.Errorf("%s: renamed with the scan cache %v, want [%v]", tc.name, cached, tc.cached)
		}
	}
}
