package loadgen

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
)

// TestPageSaveTrace: the trace holds every page of the shared apps that
// has widget bindings, each binding once, and the written files are what
// wrk.lua reads: one JSON value per line, a "# app/page N" line per page.
func TestPageSaveTrace(t *testing.T) {
	pages, err := LoadPageBindings("")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]PageBindings{}
	total := 0
	for _, p := range pages {
		byName[p.App+"/"+p.Page] = p
		seen := map[string]bool{}
		for _, s := range p.Scripts {
			if s == "" || s != strings.TrimSpace(s) || seen[s] {
				t.Fatalf("%s/%s: script %q empty, untrimmed or repeated", p.App, p.Page, s)
			}
			seen[s] = true
		}
		total += len(p.Scripts)
	}
	// The largest page of the shared apps (rm's MassUpdate) and a small one.
	if n := len(byName["rm/MassUpdate"].Scripts); n < 400 {
		t.Errorf("rm/MassUpdate has %d distinct widget bindings, want over 400", n)
	}
	if len(pages) < 50 || total < 5000 {
		t.Errorf("%d pages, %d scripts: the shared apps have more", len(pages), total)
	}
	if !strings.Contains(TraceStats(pages), "largest rm/MassUpdate") {
		t.Errorf("stats: %s", TraceStats(pages))
	}

	// An edit parses as the original did and is a new text.
	for _, s := range byName["rm/MassUpdate"].Scripts[:50] {
		e := EditScript(s, "7")
		if e == s || analysis.Extract(e, 2, nil).IsError != analysis.Extract(s, 2, nil).IsError {
			t.Errorf("edit of %q changes whether it parses", s)
		}
	}

	c := &Corpus{
		Extract:  []ExtractCase{{Script: "Api1.data", EvalVersion: 2}, {Script: "Api1.data", EvalVersion: 2}, {Script: "a\nb", EvalVersion: 1}},
		Refactor: []RefactorCase{{Script: "Api1.data", OldName: "Api1", NewName: "Api2", EvalVersion: 2}},
	}
	dir := t.TempDir()
	if err := WriteTrace(dir, pages[:2], c); err != nil {
		t.Fatal(err)
	}
	lines := func(name string) []string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []string
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			out = append(out, sc.Text())
		}
		return out
	}
	pl := lines("pages.txt")
	if want := 2 + len(pages[0].Scripts) + len(pages[1].Scripts); len(pl) != want || !strings.HasPrefix(pl[0], "# "+pages[0].App+"/"+pages[0].Page+" ") {
		t.Fatalf("pages.txt: %d lines, want %d; first %q", len(pl), want, pl[0])
	}
	var first string
	if err := json.Unmarshal([]byte(pl[1]), &first); err != nil || first != pages[0].Scripts[0] {
		t.Errorf("pages.txt line 2 %q: %v", pl[1], err)
	}
	if sl := lines("scripts.txt"); len(sl) != 1 || sl[0] != `"Api1.data"` {
		t.Errorf("scripts.txt: %q (distinct, eval version 2 only)", sl)
	}
	if rl := lines("refactor.txt"); len(rl) != 1 || rl[0] != `{"evalVersion":2,"isJSObject":false,"newName":"Api2","oldName":"Api1","script":"Api1.data"}` {
		t.Errorf("refactor.txt: %q", rl)
	}
}
