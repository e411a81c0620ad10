package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"Table1.tableData", "Table1.tableData"},
		{"Input1 › text → été", "Input1 › text → été"},
		{"a\x1b[2Jb", `a\u001b[2Jb`},
		{"tab\there\nnl", `tab\u0009here\u000anl`},
		{"c1\u0085", `c1\u0085`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"bad\xffutf8", `bad\ufffdutf8`},
	} {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDotQuote(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"Table1", `"Table1"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash \N`, `"back\\slash \\N"`},
		{"two\nlines", `"two\nlines"`},
		{"esc\x1b", `"esc\\u001b"`},
	} {
		if got := dotQuote(tt.in); got != tt.want {
			t.Errorf("dotQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestWriteDOTLabels: an edge read through several bindings has one path a
// line, at most dotMaxLines lines of at most dotMaxLineChar characters.
func TestWriteDOTLabels(t *testing.T) {
	t.Parallel()
	r := App{App: "a", Pages: []Page{{Name: "P", Entities: []Entity{{Name: "T", Kind: "widget"}, {Name: "q", Kind: "action"}}}}}
	long := "primaryColumns." + strings.Repeat("x", 80) + ".computedValue"
	for _, from := range []string{"T.a", "T.b", "T.c", "T.d", "T.e", "T." + long} {
		r.Edges = append(r.Edges, Edge{Page: "P", From: from, To: "q.data", Kind: "binding"})
	}
	var b bytes.Buffer
	if err := r.WriteDOT(&b); err != nil {
		t.Fatal(err)
	}
	want := `"P/T" -> "P/q" [label="a\nb\nc\n+3 more"];`
	if !strings.Contains(b.String(), want) {
		t.Errorf("DOT lacks %s:\n%s", want, b.String())
	}
	if got := dotLabel([]string{long}); len([]rune(got)) != dotMaxLineChar || !strings.HasSuffix(got, "…") {
		t.Errorf("long label %q", got)
	}
}

// rts graph --format text on the shared example apps has pages with one
// entity (testdata/apps/unknown's Customers).
func TestWriteTextCountsEntities(t *testing.T) {
	t.Parallel()
	r := App{App: "a", Pages: []Page{
		{Name: "One", Entities: []Entity{{Name: "T", Kind: "widget"}}},
		{Name: "Two", Entities: []Entity{{Name: "T", Kind: "widget"}, {Name: "q", Kind: "action"}}},
	}}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "page One: 1 entity\npage Two: 2 entities\n"; b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
