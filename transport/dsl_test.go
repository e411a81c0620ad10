package transport

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
	"github.com/appsmith-rts/rts/pagedsl"
)

const migrateFailed = `{"success":false,"message":"Something went wrong","data":{"error":"Something went wrong"}}`

func TestDSLRoutes(t *testing.T) {
	srv := newTestServer(t, Options{MaxBodyBytes: 4096})
	tests := []struct {
		name string
		rq   request
		code int
		body string // exact answer, or a prefix when it ends in "…"
	}{
		{"version", request{method: http.MethodGet, path: PathDSLVersion}, 200, `{"success":true,"data":{"version":94}}`},
		{"latest version unchanged, key order kept",
			request{path: PathDSLMigrate, body: `{"version":94,"b":1,"a":[1.50,"<&>"],"2":null}`},
			200, `{"success":true,"data":{"2":null,"version":94,"b":1,"a":[1.5,"<&>"]}}`},
		{"one step: 93 -> 94",
			request{path: PathDSLMigrate, body: `{"version":93,"widgetName":"MainContainer","type":"CANVAS_WIDGET","children":[]}`},
			200, `{"success":true,"data":{"version":94,"widgetName":"MainContainer","type":"CANVAS_WIDGET","children":[]}}`},
		{"string version 83 matches Appsmith's loose check",
			request{path: PathDSLMigrate, body: `{"version":"83","children":[{"type":"CHART_WIDGET","widgetName":"C","allowScroll":true}]}`},
			200, `{"success":true,"data":{"version":94,"children":[{"type":"CHART_WIDGET","widgetName":"C","allowScroll":true,"showDataPointLabel":true,"customEChartConfig":…`},
		{"unknown version unchanged", request{path: PathDSLMigrate, body: `{"version":"abc"}`}, 200, `{"success":true,"data":{"version":"abc"}}`},
		{"Appsmith throws: canvas without a name", request{path: PathDSLMigrate, body: `{}`}, 500, migrateFailed},
		{"empty body is {}", request{path: PathDSLMigrate, body: ``}, 500, migrateFailed},
		{"not declared JSON: read as {}", request{path: PathDSLMigrate, body: `{"version":94}`, header: map[string]string{"Content-Type": "text/plain"}}, 500, migrateFailed},
		{"array body", request{path: PathDSLMigrate, body: `[]`}, 500, migrateFailed},
		{"null in children", request{path: PathDSLMigrate, body: `{"version":20,"children":[null]}`}, 500, migrateFailed},
		{"malformed JSON", request{path: PathDSLMigrate, body: `{"version":`}, 400, `{"success":false,"message":"Malformed JSON: invalid JSON at byte 11: unexpected end of input","data":{"error":"Malformed JSON: invalid JSON at byte 11: unexpected end of input"}}`},
		{"primitive body", request{path: PathDSLMigrate, body: `5`}, 400, `{"success":false,"message":"Request body must be a JSON object","data":{"error":"Request body must be a JSON object"}}`},
		{"over the body limit", request{path: PathDSLMigrate, body: `{"version":94,"x":"` + strings.Repeat("a", 4096) + `"}`}, 413,
			`{"success":false,"message":"Request body is larger than 4096 bytes","data":{"error":"Request body is larger than 4096 bytes"}}`},
		{"GET migrate is Express's 404", request{method: http.MethodGet, path: PathDSLMigrate}, 404, `{"success":false,"message":"Cannot GET /rts-api/v1/dsl/migrate"…`},
		{"POST version is Express's 404", request{path: PathDSLVersion, body: `{}`}, 404, `{"success":false,"message":"Cannot POST /rts-api/v1/dsl/version"…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.do(t, tt.rq)
			want, prefix := strings.CutSuffix(tt.body, "…")
			ok := res.body == want || (prefix && strings.HasPrefix(res.body, want))
			if res.status != tt.code || !ok {
				t.Errorf("got %d %.300s\nwant %d %s", res.status, res.body, tt.code, tt.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestDSLMigrateCorpus sends every page of the shared corpus through the
// route: Appsmith's answer byte for byte where it is deterministic, its
// 500 where it throws.
func TestDSLMigrateCorpus(t *testing.T) {
	path, err := shareddata.Path("conformance", "dsl.jsonl.gz")
	if err != nil {
		t.Skip(err)
	}
	srv := newTestServer(t, Options{})
	type dslCase struct {
		ID               string          `json:"id"`
		Input            json.RawMessage `json:"input"`
		Expected         json.RawMessage `json:"expected"`
		Nondeterministic []string        `json:"nondeterministic"`
		Error            string          `json:"error"`
	}
	n := 0
	err = shareddata.ReadJSONLines(path, func(_ int, c *dslCase) error {
		n++
		res := srv.post(t, PathDSLMigrate, string(c.Input))
		switch {
		case c.Error != "":
			if res.status != 500 || res.body != migrateFailed {
				t.Errorf("%s: Appsmith throws (%s); we answer %d %.200s", c.ID, c.Error, res.status, res.body)
			}
		case len(c.Nondeterministic) > 0:
			if res.status != 200 || !strings.HasPrefix(res.body, `{"success":true,"data":{`) {
				t.Errorf("%s: %d %.200s", c.ID, res.status, res.body)
			}
		default:
			want, err := pagedsl.Decode(c.Expected)
			if err != nil {
				return err
			}
			if w := `{"success":true,"data":` + string(pagedsl.Encode(want)) + `}`; res.status != 200 || res.body != w {
				t.Errorf("%s: answer differs from Appsmith's: %d %.200s", c.ID, res.status, res.body)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 700 {
		t.Errorf("only %d cases", n)
	}
}
