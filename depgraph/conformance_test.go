package depgraph

import (
	"encoding/json"
	"flag"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

var showDiffs = flag.Int("conformance.show", 0, "print this many differing conformance cases")

type extractCase struct {
	Input struct {
		Script             string          `json:"script"`
		EvalVersion        int             `json:"evalVersion"`
		InvalidIdentifiers map[string]any  `json:"invalidIdentifiers"`
	} `json:"input"`
	Expected struct {
		References       []string  `json:"references"`
		FunctionalParams []string  `json:"functionalParams"`
		Variables        []*string `json:"variables"`
		IsError          bool      `json:"isError"`
	} `json:"expected"`
	Source string `json:"source"`
	Quirk  string `json:"quirk"`
}

// agreement counts identical answers on cases with and without quirk labels.
type agreement struct {
	name                     string
	plain, plainSame         int
	labelled, labelledSame   int
	shown                    int
}

func (a *agreement) add(t *testing.T, quirk string, same bool, diff func() string) {
	if quirk == "" {
		a.plain++
		if same {
			a.plainSame++
		} else if a.shown < *showDiffs {
			a.shown++
			t.Logf("%s differs:\n%s", a.name, diff())
		}
		return
	}
	a.labelled++
	if same {
		a.labelledSame++
	}
}

func (a *agreement) check(t *testing.T, min float64) {
	rate := 100 * float64(a.plainSame) / float64(a.plain)
	t.Logf("%s: %d/%d unlabelled cases identical (%.2f%%); labelled (quirk) cases identical: %d/%d",
		a.name, a.plainSame, a.plain, rate, a.labelledSame, a.labelled)
	if rate < min {
		t.Errorf("%s agreement %.2f%% is below %.2f%%", a.name, rate, min)
	}
}

func TestConformanceExtract(t *testing.T) {
	path, err := shareddata.Path("conformance", "extract.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	a := agreement{name: "extract"}
	err = shareddata.ReadJSONLines(path, func(line int, c *extractCase) error {
		var invalid map[string]bool
		if c.Input.InvalidIdentifiers != nil {
			invalid = make(map[string]bool, len(c.Input.InvalidIdentifiers))
			for k := range c.Input.InvalidIdentifiers {
				invalid[k] = true
			}
		}
		got := Extract(c.Input.Script, c.Input.EvalVersion, invalid)
		want := IdentifierInfo{
			References:       c.Expected.References,
			FunctionalParams: c.Expected.FunctionalParams,
			IsError:          c.Expected.IsError,
		}
		want.Variables = []string{}
		for _, v := range c.Expected.Variables {
			if v == nil {
				want.Variables = append(want.Variables, "")
			} else {
				want.Variables = append(want.Variables, *v)
			}
		}
		same := reflect.DeepEqual(got, want)
		a.add(t, c.Quirk, same, func() string {
			return fmt.Sprintf("line %d %s\nscript: %s\n got: %s\nwant: %s", line, c.Source,
				clip(c.Input.Script), js(got), js(want))
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a.check(t, 99.5)
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return strings.ReplaceAll(s, "\n", "⏎")
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
