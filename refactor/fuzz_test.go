package refactor

import (
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
)

// FuzzScript: a rename never panics, and when the input parsed and
// something was renamed, the output parses too.
func FuzzScript(f *testing.F) {
	for _, s := range []string{
		"Api1.data", "{Api1}", "Api1?.data.x", "JSObject1?.myFun1()", "(Api1) => Api1",
		"export default {\n\tf: () => Api1.run(),\n\tg: \"export default\"\n}",
		"`${Api1.data}` + Api1[0]", "(() => { try {} catch (Api1) { Api1 } })()",
		"x => ({Api1, y: Api1.z})", "Api1 . data", "'é' + Api1 + café",
	} {
		f.Add(s, "Api1", "Api2", false)
		f.Add(s, "Api1.data", "Api1.rows", true)
		f.Add(s, "JSObject1.myFun1", "JSObject1.myFun2", false)
	}
	f.Fuzz(func(t *testing.T, script, oldName, newName string, js bool) {
		got, err := Script(script, oldName, newName, js)
		if err == ErrInvalidName && validDotted(oldName) && validDotted(newName) {
			t.Fatalf("valid names %q, %q rejected", oldName, newName)
		}
		if err != nil || got.Count == 0 {
			return
		}
		var perr error
		if js {
			_, perr = analysis.ScanJSObject(got.Script, "x", "")
		} else {
			_, perr = analysis.ScanScript(got.Script, "x", "")
		}
		if perr != nil {
			t.Fatalf("rename of %q→%q made %q from %q, which does not parse", oldName, newName, got.Script, script)
		}
	})
}

// FuzzBatch: a batch rename over a template value or JS object never
// panics, and a value that changed contains the new name.
func FuzzBatch(f *testing.F) {
	for _, s := range []string{
		"{{Api1.data}}", "x {{ {a: Api1} }} y {{Api1", "{{ {{Api1}} }}", "{{`${Api1.x}`}}}}",
		"export default {\n\tf: () => Api1.run()\n}",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, value string, js bool) {
		kind := "widget"
		if js {
			kind = "jsobject"
		}
		edits, total, err := Batch("Api1", "Users", []BatchEntity{{Name: "W", Kind: kind, Bindings: []BatchBinding{{Path: "p", Value: value}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edits {
			if e.RefactorCount <= 0 || !strings.Contains(e.Value, "Users") {
				t.Fatalf("edit without the new name: %+v", e)
			}
		}
		if total < 0 {
			t.Fatal("negative count")
		}
	})
}
