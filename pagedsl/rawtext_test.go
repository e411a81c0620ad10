package pagedsl

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestTableStepsRawText checks the table steps that look for their
// needle in a value's text before decoding it (steps 89, 90 and 93),
// lazily decoded against eagerly decoded, on the values that decide:
// a validation or computedValue that holds what is replaced, that holds
// something else, that is an array (with and without the prefix as an
// item) or a primitive (the `in` operator throws).
func TestTableStepsRawText(t *testing.T) {
	prefix := "{{T.processedTableData.map((currentRow, currentIndex) => ("
	bound := "{{\n  (\n    (editedValue, currentRow, currentIndex, isNewRow) => (\n x > 1" +
		fillTemplate(validSuffixV2, "T", "a", "index")
	rule := "{{ x.length > 2 " + fillTemplate(ruleSuffixV3, "T", "a", "index")
	cases := []struct {
		name       string
		validation any
		computed   any
		changes    bool // the migration rewrites something
	}{
		{"valid suffix replaced", map[string]any{"isColumnEditableCellValid": bound, "other": "padding padding"}, "plain", true},
		{"rule suffix replaced", map[string]any{"regex": rule, "min": 1.0}, "plain", true},
		{"validation without the needle", map[string]any{"regex": "{{ x.length > 2 }} and some padding", "min": 1.0}, "plain", false},
		{"needle but another table", map[string]any{"regex": strings.ReplaceAll(rule, "T.", "U."), "max": 2.0}, "plain", false},
		{"validation array", []any{"regex", "{{ a binding long enough to defer }}"}, "plain", false},
		{"validation string throws", "a truthy primitive validation", "plain", false},
		{"validation empty", map[string]any{}, "plain", false},
		{"computed value rewritten", map[string]any{}, prefix + " currentRow[\"a\"]))}}", true},
		{"computed value another table", map[string]any{}, strings.ReplaceAll(prefix, "T.", "U.") + " currentRow.a))}}", false},
		{"computed value not a binding", map[string]any{}, "processedTableData.map((currentRow, currentIndex) => ( is text", false},
		{"computed value array with the prefix throws", map[string]any{}, []any{prefix, "closes the binding }}"}, false},
		{"computed value array without it", map[string]any{}, []any{"{{ one }}", "some other item here"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := map[string]any{
				"version": 89.0,
				"children": []any{map[string]any{
					"type": "TABLE_WIDGET_V2", "widgetName": "T",
					"primaryColumns": map[string]any{
						"a": map[string]any{"id": "a", "computedValue": c.computed, "validation": c.validation},
						"b": map[string]any{"id": "b", "computedValue": "{{ untouched binding }}", "validation": map[string]any{"regex": "{{ untouched }}"}},
					},
				}},
			}
			// As JSON.stringify writes it ('>' unescaped), so that the
			// strings stay text when decoded lazily.
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(page); err != nil {
				t.Fatal(err)
			}
			data := bytes.TrimSpace(buf.Bytes())
			sameAsEager(t, data)
			v, _ := eagerDecode(data)
			out, err := MigrateWith(v, fixedOptions())
			if err == nil {
				before, _ := eagerDecode(data)
				changed := string(Encode(out.(*Object).Get("children"))) != string(Encode(before.(*Object).Get("children")))
				if changed != c.changes {
					t.Errorf("migration changed the table: %v, want %v", changed, c.changes)
				}
			}
		})
	}
}
