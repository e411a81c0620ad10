package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

// PageBindings is what the Java backend sends to multiple-script-data when
// a page's layout is saved (PageLoadActionsUtil → AstService
// getPossibleReferencesFromDynamicBinding): the `{{ }}` contents of every
// widget binding path of the page, trimmed, each once (it keeps them in a
// Set), in page order.
type PageBindings struct {
	App, Page string
	Scripts   []string
}

// LoadPageBindings reads the apps in git format under dir ("" means the
// shared apps beside the repository) and returns every page that has at
// least one binding, apps in name order, pages in app order.
func LoadPageBindings(dir string) ([]PageBindings, error) {
	if dir == "" {
		d, err := shareddata.Path("testdata", "apps")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []PageBindings
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		app, err := appmodel.Load(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, p := range app.Pages {
			pb := PageBindings{App: e.Name(), Page: p.Name}
			seen := map[string]bool{}
			for b := range p.Bindings() {
				if b.Kind != appmodel.BindingWidget {
					continue
				}
				for _, s := range b.Snippets {
					s = strings.TrimSpace(s)
					if s != "" && !seen[s] {
						seen[s] = true
						pb.Scripts = append(pb.Scripts, s)
					}
				}
			}
			if len(pb.Scripts) > 0 {
				out = append(out, pb)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no page with bindings under %s", dir)
	}
	return out, nil
}

// EditScript is the edit a page-save trace makes to one binding per save:
// a comment naming the save appended on a line of its own. The result is a
// script no server has seen, which parses exactly as the original did and
// costs the same to analyse.
func EditScript(script, tag string) string { return script + "\n// edit " + tag }

// WriteTrace writes what the wrk scripts of benchmarks/wrk read, one JSON
// value per line:
//   - pages.txt: per page, a line "# app/page N" and its N scripts as JSON
//     strings (the page-save trace: wrk.lua sends them all, one edited);
//   - scripts.txt: the extraction corpus' distinct scripts as JSON strings
//     (single-script-data and multiple-script-data loads);
//   - refactor.txt: entity-refactor request bodies from the rename corpus.
func WriteTrace(dir string, pages []PageBindings, c *Corpus) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, fill func(w *bufio.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		if err := fill(w); err != nil {
			f.Close()
			return err
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	line := func(w io.Writer, v any) error {
		b, err := encode(v) // JSON without HTML escaping; never a raw newline
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	err := write("pages.txt", func(w *bufio.Writer) error {
		for _, p := range pages {
			fmt.Fprintf(w, "# %s/%s %d\n", p.App, p.Page, len(p.Scripts))
			for _, s := range p.Scripts {
				if err := line(w, s); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = write("scripts.txt", func(w *bufio.Writer) error {
		seen := map[string]bool{}
		for _, e := range c.Extract {
			if e.EvalVersion != 2 || seen[e.Script] {
				continue
			}
			seen[e.Script] = true
			if err := line(w, e.Script); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return write("refactor.txt", func(w *bufio.Writer) error {
		for _, r := range c.Refactor {
			body := map[string]any{"script": r.Script, "oldName": r.OldName, "newName": r.NewName, "isJSObject": r.IsJSObject, "evalVersion": r.EvalVersion}
			if err := line(w, body); err != nil {
				return err
			}
		}
		return nil
	})
}

// TraceStats describes a page-save trace for the README.
func TraceStats(pages []PageBindings) string {
	total, bytes, largest, name := 0, 0, 0, ""
	for _, p := range pages {
		total += len(p.Scripts)
		for _, s := range p.Scripts {
			bytes += len(s)
		}
		if len(p.Scripts) > largest {
			largest, name = len(p.Scripts), p.App+"/"+p.Page
		}
	}
	return fmt.Sprintf("%d pages, %d scripts (%d KB), %.0f scripts per page on average, largest %s with %d",
		len(pages), total, bytes>>10, float64(total)/float64(len(pages)), name, largest)
}
