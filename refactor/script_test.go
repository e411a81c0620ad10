package refactor

import (
	"errors"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
)

func TestScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script, old, new string
		js                     bool
		want                   string
		count                  int
		err                    error
	}{
		// Appsmith's own cases (appsmith-rts.md §4.2).
		{name: "bare", script: "ApiNever", old: "ApiNever", new: "ApiForever", want: "ApiForever", count: 1},
		{name: "comment, function name and string untouched",
			script: "//   ApiNever  \n function ApiNever(abc) {let foo = \"ApiNever\" +     ApiNever.data; \n if(true) { return ApiNever }}",
			old:    "ApiNever", new: "ApiForever",
			want:  "//   ApiNever  \n function ApiNever(abc) {let foo = \"ApiNever\" +     ApiForever.data; \n if(true) { return ApiForever }}",
			count: 2},
		{name: "dotted", script: "ApiNever.data + ApiNever.dat", old: "ApiNever.data", new: "ApiNever.input", want: "ApiNever.input + ApiNever.dat", count: 1},
		{name: "leading tab kept", script: "\tApiNever.data", old: "ApiNever", new: "ApiForever", want: "\tApiForever.data", count: 1},
		{name: "offsets shift", script: "Api1.a + Api1.b", old: "Api1", new: "LongerName", want: "LongerName.a + LongerName.b", count: 2},
		{name: "property and string untouched", script: `x.Api1 + "Api1"`, old: "Api1", new: "Api2", want: `x.Api1 + "Api1"`, count: 0},
		{name: "computed", script: "x[Api1]", old: "Api1", new: "Api2", want: "x[Api2]", count: 1},
		{name: "template", script: "`${Api1.data}`", old: "Api1", new: "Api2", want: "`${Api2.data}`", count: 1},
		{name: "computed member is not a dotted match", script: `JSObject1["myFun1"]()`, old: "JSObject1.myFun1", new: "JSObject1.myFun2", want: `JSObject1["myFun1"]()`, count: 0},
		{name: "JS object", js: true,
			script: "export default {\n\tsearch: () => Input1Copy.text.length ? select_repair_db.data : Input1Copy.text\n}",
			old:    "Input1Copy", new: "Input1",
			want:  "export default {\n\tsearch: () => Input1.text.length ? select_repair_db.data : Input1.text\n}",
			count: 2},
		{name: "syntax error", script: "ApiNever++++", old: "ApiNever", new: "X", js: true, err: ErrSyntax},
		{name: "export default is not a binding", script: "export default {a: 1}", old: "a", new: "b", err: ErrSyntax},
		{name: "newer syntax", script: "Api1.data ??= 2", old: "Api1", new: "Api2", err: ErrSyntax},
		// Correct where Appsmith is not.
		{name: "array index", script: "Api1[0] + Api1[1].x", old: "Api1", new: "Api2", want: "Api2[0] + Api2[1].x", count: 2},
		{name: "shorthand keeps its key", script: "storeValue('k', {Api1, x: 1})", old: "Api1", new: "Api2", want: "storeValue('k', {Api1: Api2, x: 1})", count: 1},
		{name: "optional chain kept", script: "JSObject1?.myFun1()", old: "JSObject1.myFun1", new: "JSObject1.myFun2", want: "JSObject1?.myFun2()", count: 1},
		{name: "whitespace kept", script: "Auth?.role && Auth . role()", old: "Auth.role", new: "Auth.roleRenamed", want: "Auth?.roleRenamed && Auth . roleRenamed()", count: 2},
		{name: "three segments", script: "A.b.c + A.b.d", old: "A.b.c", new: "A.b.e", want: "A.b.e + A.b.d", count: 1},
		{name: "parameter shadows in its scope only", script: "((Api1) => Api1)(1) + Api1.data", old: "Api1", new: "Api2", want: "((Api1) => Api1)(1) + Api2.data", count: 1},
		{name: "local shadows in its block only", script: "(() => { { const Api1 = 1; Api1 } return Api1.x })()", old: "Api1", new: "Api2", want: "(() => { { const Api1 = 1; Api1 } return Api2.x })()", count: 1},
		{name: "catch parameter", script: "(() => { try { e.run() } catch (e) { showAlert(e.message) } })()", old: "e", new: "f", want: "(() => { try { f.run() } catch (e) { showAlert(e.message) } })()", count: 1},
		{name: "destructured binding", script: "(([k, v]) => k)(Api1) + k", old: "k", new: "k2", want: "(([k, v]) => k)(Api1) + k2", count: 1},
		{name: "export default in a string stays", js: true,
			script: "export default {\n\tnote: \"export default\",\n\trun: () => Api1.run()\n}", old: "Api1", new: "Api2",
			want: "export default {\n\tnote: \"export default\",\n\trun: () => Api2.run()\n}", count: 1},
		{name: "non-ASCII neighbours", script: "'é' + Api1.data + café", old: "Api1", new: "Api2", want: "'é' + Api2.data + café", count: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Script(tt.script, tt.old, tt.new, tt.js)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if got.Script != tt.want || got.Count != tt.count {
				t.Errorf("got  %q (%d)\nwant %q (%d)", got.Script, got.Count, tt.want, tt.count)
			}
			if got.Count > 0 {
				assertParses(t, got.Script, tt.js)
			}
		})
	}
}

func assertParses(t *testing.T, script string, js bool) {
	t.Helper()
	var err error
	if js {
		_, err = analysis.ParseJSObject(script)
	} else {
		_, err = analysis.ScanScript(script, "x", "")
	}
	if err != nil {
		t.Errorf("renamed script does not parse: %q", script)
	}
}

func TestApplyRejectsOverlap(t *testing.T) {
	t.Parallel()
	if _, err := Apply("abcdef", []Edit{{0, 3, "x"}, {2, 4, "y"}}); err == nil {
		t.Error("overlapping edits applied")
	}
	if got, err := Apply("abcdef", []Edit{{4, 6, "Z"}, {0, 1, "A"}, {0, 1, "A"}}); err != nil || got != "AbcdZ" {
		t.Errorf("got %q, %v", got, err)
	}
}
