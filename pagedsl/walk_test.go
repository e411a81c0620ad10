package pagedsl

import (
	"strings"
	"testing"
)

// runJS runs fn as a step would run, turning a throw into its message.
func runJS(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = r.(*JSError).Msg
		}
	}()
	fn()
	return ""
}

func mustDecodeObject(t *testing.T, s string) *Object {
	t.Helper()
	v, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.(*Object)
}

func TestTraversals(t *testing.T) {
	const tree = `{"widgetName":"root","children":[{"widgetName":"A","type":"X","children":[{"widgetName":"A1","type":"X"}]},` +
		`{"widgetName":"B","type":"Y","children":[{"widgetName":"B1","type":"X","children":null}]},5,"s",[1]]}`
	mark := func(w *Object) { w.Set("seen", true) }
	tests := []struct {
		name, in string
		walk     func(root *Object)
		want     string // encoded result, or the thrown message prefixed by "throws: "
	}{
		{"traverse visits every descendant, not the root", tree,
			func(r *Object) { traverse(r, mark) },
			`{"widgetName":"root","children":[{"widgetName":"A","type":"X","children":[{"widgetName":"A1","type":"X","seen":true}],"seen":true},` +
				`{"widgetName":"B","type":"Y","children":[{"widgetName":"B1","type":"X","children":null,"seen":true}],"seen":true},5,"s",[1]]}`},
		{"forEachWidget includes the root", `{"children":[{"type":"X"}]}`,
			func(r *Object) { forEachWidget(r, "type", mark) },
			`{"children":[{"type":"X","seen":true}],"seen":true}`},
		{"mapUntilMatch stops below a match", tree,
			func(r *Object) { mapUntilMatch(r, func(w *Object) bool { return isType(w, "X") }, mark) },
			`{"widgetName":"root","children":[{"widgetName":"A","type":"X","children":[{"widgetName":"A1","type":"X"}],"seen":true},` +
				`{"widgetName":"B","type":"Y","children":[{"widgetName":"B1","type":"X","children":null,"seen":true}]},5,"s",[1]]}`},
		{"mapChildren optional on null children leaves undefined", `{"a":1,"children":null}`,
			func(r *Object) { mapChildren(r, true, func(c any) any { return c }) },
			`{"a":1}`},
		{"mapChildren required on missing children throws", `{"a":1}`,
			func(r *Object) { mapChildren(r, false, func(c any) any { return c }) },
			"throws: TypeError: Cannot read properties of undefined (reading 'map')"},
		{"a null child throws reading type", `{"children":[null]}`,
			func(r *Object) { traverse(r, mark) },
			"throws: TypeError: Cannot read properties of null (reading 'type')"},
		{"string children throw", `{"children":[{"children":"abc"}]}`,
			func(r *Object) { traverse(r, mark) },
			"throws: TypeError: string.children.map is not a function"},
		{"forEachChild on an object throws", `{"children":{}}`,
			func(r *Object) { forEachChild(r, true, func(any) {}) },
			"throws: TypeError: object.children.forEach is not a function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := mustDecodeObject(t, tt.in)
			got := runJS(func() { tt.walk(root) })
			if got == "" {
				got = string(Encode(root))
			} else {
				got = "throws: " + got
			}
			if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want) {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	if hasChildren(mustDecodeObject(t, `{"children":[]}`)) || !hasChildren(mustDecodeObject(t, `{"children":"x"}`)) {
		t.Error("hasChildren")
	}
}

func TestMigrationHelpers(t *testing.T) {
	opts := fixedOptions()
	m := &migration{rnd: opts.Rand, now: opts.Now}
	k := m.reactKey("p")
	if len(k) != 11 || k[0] != 'p' || strings.Trim(k[1:], keyAlphabet) != "" {
		t.Errorf("reactKey = %q", k)
	}
	if m.nowMillis() != 1700000000000 {
		t.Errorf("nowMillis = %v", m.nowMillis())
	}
	if got := runJS(func() { throwPlain("SyntaxError: x") }); got != "SyntaxError: x" {
		t.Errorf("throwPlain gave %q", got)
	}
}
