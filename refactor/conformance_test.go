package refactor

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

var showDiffs = flag.Int("conformance.show", 0, "print this many differing conformance cases")

type refactorCase struct {
	Input struct {
		Op         string `json:"op"`
		Script     string `json:"script"`
		OldName    string `json:"oldName"`
		NewName    string `json:"newName"`
		IsJSObject bool   `json:"isJSObject"`
	} `json:"input"`
	Expected struct {
		IsSuccess bool `json:"isSuccess"`
		Body      struct {
			Script        string `json:"script"`
			RefactorCount int    `json:"refactorCount"`
			Error         string `json:"error"`
		} `json:"body"`
	} `json:"expected"`
	Source string `json:"source"`
	Quirk  string `json:"quirk"`
}

func TestConformanceRefactor(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"refactor.jsonl.gz", "quirks-synthetic.jsonl.gz"} {
		path, err := shareddata.Path("conformance", file)
		if err != nil {
			t.Fatal(err)
		}
		var plain, plainSame, labelled, labelledSame, shown int
		err = shareddata.ReadJSONLines(path, func(line int, c *refactorCase) error {
			if c.Input.Op != "refactor" {
				return nil // the synthetic file mixes operations
			}
			in := c.Input
			got, err := Script(in.Script, in.OldName, in.NewName, in.IsJSObject)
			var same bool
			if err != nil {
				same = !c.Expected.IsSuccess && c.Expected.Body.Error == "Syntax Error"
			} else {
				same = c.Expected.IsSuccess && got.Script == c.Expected.Body.Script && got.Count == c.Expected.Body.RefactorCount
			}
			if c.Quirk != "" {
				labelled++
				if same {
					labelledSame++
				}
				return nil
			}
			plain++
			if same {
				plainSame++
			} else if shown < *showDiffs {
				shown++
				t.Logf("refactor differs: line %d %s\n%s → %s (js=%v)\nscript: %s\n got: %q %d %v\nwant: %s", line, c.Source,
					in.OldName, in.NewName, in.IsJSObject, clip(in.Script), clip(got.Script), got.Count, err, clip(js(c.Expected)))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rate := 100 * float64(plainSame) / float64(plain)
		t.Logf("%s: %d/%d unlabelled cases identical (%.2f%%); labelled (quirk) cases identical: %d/%d",
			file, plainSame, plain, rate, labelledSame, labelled)
		if file == "refactor.jsonl.gz" && rate < 99.5 {
			t.Errorf("refactor agreement %.2f%% is below 99.5%%", rate)
		}
	}
}

func clip(s string) string {
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return strings.ReplaceAll(s, "\n", "⏎")
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return fmt.Sprint(string(b))
}
