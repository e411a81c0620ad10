package analysis

import (
	"testing"
)

// FuzzExtract: analysis never panics or hangs, whatever the text, and an
// unparsable script is an error with empty lists.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"Api1.data", "a?.b.c", "(() => { const {a} = Api1.data; return a.b })()", "{{Api1.data}}",
		"function(){ try { x() } catch (e) { e.message } }()", "`${a}${b[0]}`", "a[1e3]", "Api1.data[\\\"k\\\"]",
		"class A extends B { m() { return super.m() } }", "for (const [k, v] of Object.entries(o)) {}",
		"new.target", "x => ({...y, [z]: 1})", "/(?<y>\\d)/u.test(s)", "é😀.a",
	} {
		f.Add(s, 2)
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, script string, evalVersion int) {
		info := Extract(script, evalVersion, nil)
		if info.IsError && (len(info.References) > 0 || len(info.Variables) > 0 || len(info.FunctionalParams) > 0) {
			t.Fatalf("error with results: %+v", info)
		}
	})
}

// FuzzParseJSObject: members' ranges always lie inside the body.
func FuzzParseJSObject(f *testing.F) {
	for _, s := range []string{
		"export default {\n\tmyVar1: [],\n\tmyFun1: () => {},\n\tasync myFun2(a, b = 1) { await x }\n}",
		"export default { get x() { return 1 }, 'k-1': (a || b), [k]: !(c) }",
		"export default {...Base, f: new Date}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		props, err := ParseJSObject(body)
		if err != nil {
			return
		}
		for _, p := range props {
			if p.Start < 0 || p.Start > p.End || p.End > len(body) || p.KeyStart < 0 || p.KeyEnd > len(body) ||
				p.ValueStart < 0 || p.ValueStart > p.ValueEnd || p.ValueEnd > len(body) {
				t.Fatalf("bad ranges %+v in %q", p, body)
			}
		}
	})
}
