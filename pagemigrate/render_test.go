package pagemigrate

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/appsmith-rts/rts/pagedsl"
	"github.com/tidwall/gjson"
)

// TestRenderKeepsUnchangedText: unchanged members keep their old bytes
// (number spelling, empty-array style); changed ones are printed at the
// right indentation; sorted keys in the git format.
func TestRenderKeepsUnchangedText(t *testing.T) {
	cases := []struct {
		name, old, new string
		sorted         bool
		want           string
	}{
		{"number spelling kept", "{\n\t\"a\": 1.0,\n\t\"b\": [\n\n\t]\n}", `{"a":1,"b":[]}`, false, "{\n\t\"a\": 1.0,\n\t\"b\": [\n\n\t]\n}"},
		{"changed member", "{\n  \"a\": 1.0,\n  \"v\": 90\n}", `{"a":1,"v":94}`, false, "{\n  \"a\": 1.0,\n  \"v\": 94\n}"},
		{"new member sorted", "{\n  \"b\": 1,\n  \"d\": 2\n}", `{"b":1,"d":2,"c":{"x":[1]}}`, true, "{\n  \"b\": 1,\n  \"c\": {\n    \"x\": [\n      1\n    ]\n  },\n  \"d\": 2\n}"},
		{"new member in JS order", "{\n  \"b\": 1,\n  \"d\": 2\n}", `{"b":1,"d":2,"c":3}`, false, "{\n  \"b\": 1,\n  \"d\": 2,\n  \"c\": 3\n}"},
		{"removed member", "{\n  \"b\": 1,\n  \"d\": 2.50\n}", `{"d":2.5}`, false, "{\n  \"d\": 2.50\n}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := pagedsl.Decode([]byte(c.new))
			if err != nil {
				t.Fatal(err)
			}
			pr := printer{indent: indentUnit(c.old), sortKeys: c.sorted}
			if got := pr.render(v, gjson.Parse(c.old), ""); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// FuzzRender: whatever the old text and the new value, the rendered text
// is JSON holding exactly the new value.
func FuzzRender(f *testing.F) {
	f.Add(`{"a":1.0,"b":[{"c":"d"}],"e":{}}`, `{"a":1,"b":[{"c":"x"},2],"f":null}`)
	f.Add(`[1,2,3]`, `[1,{"a":[]},3]`)
	f.Add(`{"widgetName":"T","children":[{"type":"CANVAS_WIDGET"}]}`, `{"widgetName":"T","children":[]}`)
	f.Fuzz(func(t *testing.T, old, new string) {
		nv, err := pagedsl.Decode([]byte(new))
		if err != nil {
			return
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(old), "", "\t") != nil {
			return
		}
		for _, sorted := range []bool{false, true} {
			out := printer{indent: "\t", sortKeys: sorted}.render(nv, gjson.Parse(pretty.String()), "")
			got, err := pagedsl.Decode([]byte(out))
			if err != nil {
				t.Fatalf("rendered text is not JSON: %v\n%s", err, out)
			}
			if !equalValues(got, nv) {
				t.Fatalf("rendered %s, want the value of %s", out, new)
			}
		}
	})
}
