package analysis

import (
	"reflect"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		refs   []string
		params []string
		vars   []string
		err    bool
	}{
		// Appsmith's semantics (appsmith-rts.md §4.1).
		{script: "a?.b", refs: []string{"a"}},
		{script: "a.b?.c.d", refs: []string{"a.b"}},
		{script: "a[0][1]", refs: []string{"a[0][1]"}},
		{script: "a[1e3]", refs: []string{"a[1000]"}},
		{script: "a[0x10] + b[1.5] + c[1e21] + d[0.000001] + e[1e-7]", refs: []string{"a[16]", "b[1.5]", "c[1e+21]", "d[0.000001]", "e[1e-7]"}},
		{script: "a[1n]", refs: []string{"a"}},
		{script: "a[b]", refs: []string{"a", "b"}},
		{script: "a['b'].c", refs: []string{"a"}},
		{script: "a[-1]", refs: []string{"a"}},
		{script: "a.b().c", refs: []string{"a.b"}},
		{script: "new Foo.Bar()", refs: []string{"Foo.Bar"}},
		{script: "`${Input1.text}-x`", refs: []string{"Input1.text"}},
		{script: `"Api1.data" + /Api1/.source`, refs: []string{}},
		{script: "this.myVar1", refs: []string{}},
		{script: "Api1.data.map(function(row){ return row.id })", refs: []string{"Api1.data.map"}, params: []string{"row"}},
		{script: "Api1.data = 5", refs: []string{"Api1.data"}},
		{script: "x = Api1.data", refs: []string{"Api1.data"}},
		{script: "(() => { for (x of Api1.data) {} })()", refs: []string{"x", "Api1.data"}},
		{script: "", refs: []string{}},
		{script: "  Api1.data  ", refs: []string{"Api1.data"}},
		{script: "(function abc() { let Api2 = { }; return Api2.data ? str.data + Api1.data : [] })()",
			refs: []string{"str.data", "Api1.data"}, vars: []string{"Api2"}},
		{script: "(() => { const {a} = Api1.data; return a.b })()", refs: []string{"Api1.data"}, vars: []string{""}},
		{script: "({a}) => a.b", refs: []string{}, params: []string{""}},
		{script: "(a, b = 1, ...rest) => a + b + rest", refs: []string{}, params: []string{"a", "b", "rest"}},
		{script: "(a) => (b) => a + b", refs: []string{}, params: []string{"b", "a"}},
		{script: "(() => { const x = (y) => { var z = 1 }; })()", refs: []string{}, params: []string{"y"}, vars: []string{"z", "x"}},
		{script: "(() => { do { Api2.run() } while (Api1.data) })()", refs: []string{"Api1.data", "Api2.run"}},
		{script: "(() => { for (let i = 0; i < Api1.n; i = Api2.step) {} })()", refs: []string{"Api1.n", "Api2.step"}, vars: []string{"i"}},
		// Correct where Appsmith is not: scopes.
		{script: "(() => { const Api1 = 1; return Api1 })() + Api1.data", refs: []string{"Api1.data"}, vars: []string{"Api1"}},
		{script: "(() => { try { Api1.run() } catch (e) { return e.message } })()", refs: []string{"Api1.run"}},
		{script: "[1].map((Input1) => Input1) && Input1.text", refs: []string{"Input1.text"}, params: []string{"Input1"}},
		{script: "(() => { return v; var v = Api1.data })()", refs: []string{"Api1.data"}, vars: []string{"v"}},
		{script: "(() => { { let b = 1 } return b })()", refs: []string{"b"}, vars: []string{"b"}},
		{script: "function ApiNever(abc) { return ApiNever.data }", refs: []string{"ApiNever.data"}, params: []string{"abc"}},
		// Unicode names keep their bytes.
		{script: "JSObject1.requiredDocs.contrat_signé", refs: []string{"JSObject1.requiredDocs.contrat_signé"}},
		{script: "café.x + \\u0041pi1.data", refs: []string{"café.x", "Api1.data"}},
		// Syntax errors and syntax newer than ES2020, which Appsmith rejects.
		{script: "{{Api1.data}}", err: true},
		{script: "Api1.data.", err: true},
		{script: "() => {}()", err: true},
		{script: "Api1.data ??= 1", err: true},
		{script: "a ||= b", err: true},
		{script: "1_000", err: true},
		{script: "class A { x = 1 }", err: true},
		{script: "/a/d", err: true},
		{script: "await Api1.run()", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			got := Extract(tt.script, 2, nil)
			if got.IsError != tt.err {
				t.Fatalf("IsError = %v, want %v (%+v)", got.IsError, tt.err, got)
			}
			if tt.err {
				return
			}
			want := IdentifierInfo{References: tt.refs, FunctionalParams: orEmpty(tt.params), Variables: orEmpty(tt.vars)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestExtractEvalVersion1Unescapes(t *testing.T) {
	t.Parallel()
	script := `Api1.data[\"key\"] + Input1.text`
	if got := Extract(script, 1, nil); got.IsError || !reflect.DeepEqual(got.References, []string{"Api1.data", "Input1.text"}) {
		t.Errorf("v1: %+v", got)
	}
	if got := Extract(script, 2, nil); !got.IsError {
		t.Errorf("v2 should not parse escaped quotes: %+v", got)
	}
}

func TestUnescapeJS(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`a\nb`, "a\nb"},
		{`\"q\" \'s\'`, `"q" 's'`},
		{`\x41\u0042\u{43}\U00000044`, "ABCD"},
		{`\101\0\00`, "A\x00\x00"},
		{`\\n`, `\n`},
		{`\8 \q`, `\8 \q`},
		{`\uD83D\uDE00`, "😀"},
		{`trailing\`, `trailing\`},
	}
	for _, tt := range tests {
		if got := unescapeJS(tt.in); got != tt.want {
			t.Errorf("unescapeJS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeTrimsOneSide(t *testing.T) {
	t.Parallel()
	// Appsmith's regex has no g flag: leading space wins, trailing stays.
	if got := sanitizeScript("  a  ", 2); got != "a  " {
		t.Errorf("got %q", got)
	}
	if got := sanitizeScript("a \u00a0", 2); got != "a" {
		t.Errorf("got %q", got)
	}
}

func TestExtractDeepNestingIsAnError(t *testing.T) {
	t.Parallel()
	for name, script := range map[string]string{
		"parens":   strings.Repeat("(", 100000) + "a" + strings.Repeat(")", 100000),
		"brackets": strings.Repeat("[", 100000),
		"template": strings.Repeat("`${", 50000) + "a" + strings.Repeat("}`", 50000),
		"binary":   strings.Repeat("a+", 500000) + "a",
		"unary":    strings.Repeat("!", 200000) + "a",
	} {
		t.Run(name, func(t *testing.T) {
			got := Extract(script, 2, nil)
			if !got.IsError {
				t.Errorf("want isError for %d bytes nested", len(script))
			}
		})
	}
}

func TestAppendJSNumber(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{
		0: "0", 1: "1", -2: "-2", 1000: "1000", 1.5: "1.5", 0.1: "0.1", 1e21: "1e+21", 1.5e300: "1.5e+300",
		0.000001: "0.000001", 1e-7: "1e-7", 123456789012345680000: "123456789012345680000", 2.5e-8: "2.5e-8",
	} {
		if got := string(AppendJSNumber(nil, v)); got != want {
			t.Errorf("%v: got %q want %q", v, got, want)
		}
	}
}
