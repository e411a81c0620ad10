package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzExportImport: whatever JSON an import body holds, building its
// documents never panics, and every document built is JSON that parses as
// extended JSON or is reported.
func FuzzExportImport(f *testing.F) {
	for _, seed := range []string{
		`{"exportedApplication":{"name":"x"},"pageList":[{"gitSyncId":"g","unpublishedPage":{"name":"P","layouts":[{"dsl":{"widgetName":"M","children":[]},"layoutOnLoadActions":[[{"id":"P_A","name":"A"}]]}]}}],"actionList":[{"id":"P_A","pluginType":"API","unpublishedAction":{"name":"A","pageId":"P"}}],"actionCollectionList":[{"id":"P_J","unpublishedCollection":{"name":"J","pageId":"P","body":"export default {}"}}]}`,
		`{"pageList":[1,"x",null,{"unpublishedPage":[]}],"actionList":{"a":1},"customJSLibList":[{"accessor":["x"]}]}`,
		`{"exportedApplication":[],"pageList":[{"unpublishedPage":{"layouts":[[[]]]}}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if !gjson.Valid(body) || !gjson.Parse(body).IsObject() {
			return
		}
		set, err := exportImport(body, false)
		if err != nil {
			return
		}
		if _, err := set.check("fuzz"); err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("check: %v is not an *InputError", err)
			}
		}
		for _, text := range append(append(append([]string{set.application}, set.pages...), set.actions...), set.collections...) {
			if !gjson.Valid(text) {
				t.Fatalf("built invalid JSON %q from %q", text, body)
			}
			var d bson.D
			if err := bson.UnmarshalExtJSON([]byte(text), false, &d); err == nil {
				encodeD(d)
			}
		}
	})
}

// FuzzSetFields: any pair of texts gives field lists or an error, never a
// panic: set only fields the new text has, unset only fields it lacks.
func FuzzSetFields(f *testing.F) {
	f.Add(`{"a":1,"b":"x"}`, `{"a":1,"b":"y"}`)
	f.Fuzz(func(t *testing.T, before, after string) {
		if !gjson.Valid(before) || !gjson.Valid(after) {
			return
		}
		set, unset, err := setFields(before, after)
		if err != nil {
			return
		}
		keys := map[string]bool{}
		gjson.Parse(after).ForEach(func(k, _ gjson.Result) bool {
			keys[k.Str] = true
			return true
		})
		for _, e := range set {
			if !keys[e.Key] {
				t.Errorf("field %q written but not in %q", e.Key, after)
			}
		}
		for _, k := range unset {
			if keys[k] {
				t.Errorf("field %q unset but in %q", k, after)
			}
		}
	})
}

// FuzzJSONQuote: jsonQuote quotes as encoding/json does (without HTML
// escaping).
func FuzzJSONQuote(f *testing.F) {
	for _, seed := range []string{"", "plain", "a\"b\\c", "tab\tnl\nbs\bff\f\x00\x1f", "\u2028\u2029", "bad \xff utf8", "<&>", "é漢字"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if want, got := strings.TrimSuffix(b.String(), "\n"), jsonQuote(s); got != want {
			t.Errorf("jsonQuote(%q) = %s, want %s", s, got, want)
		}
	})
}
