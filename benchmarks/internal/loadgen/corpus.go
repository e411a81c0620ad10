// Package loadgen owns what drives any server speaking the RTS HTTP API —
// ours or Appsmith's Node RTS — with the same real scripts, for the load
// commands (cmd/rtsload, cmd/tracegen, cmd/dslreplay) and the benchmarks:
// the conformance corpus (corpus.go), its HTTP requests (request.go), the
// load with exact latency percentiles (load.go), the page-save trace of the
// shared apps (pagesave.go), and the one-at-a-time replay of the DSL corpus
// against /rts-api/v1/dsl/migrate (dslreplay.go).
package loadgen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/appsmith-rts/rts/internal/shareddata"
)

// ExtractCase is one identifier-extraction input (op "extract").
type ExtractCase struct {
	Script      string
	EvalVersion int
	// Invalid is the corpus' invalidIdentifiers, nil when absent. The HTTP
	// endpoints never carry it (Appsmith passes {}), so only the in-process
	// benchmarks use it.
	Invalid map[string]bool
}

// RefactorCase is one single-script rename input (op "refactor").
type RefactorCase struct {
	Script      string
	OldName     string
	NewName     string
	IsJSObject  bool
	EvalVersion int
}

// Corpus holds the inputs of the conformance corpus, by operation, in file
// and line order. Expected answers are not kept: correctness is the
// conformance tests' business, this package measures speed.
type Corpus struct {
	Extract  []ExtractCase
	Refactor []RefactorCase
	JSObject []string // JS object bodies (op "jsobject")
	Files    []string // the files read
}

// corpusLine is the part of a corpus line the benchmarks need.
type corpusLine struct {
	Input struct {
		Op                 string         `json:"op"`
		Script             string         `json:"script"`
		EvalVersion        *int           `json:"evalVersion"`
		InvalidIdentifiers map[string]any `json:"invalidIdentifiers"`
		OldName            string         `json:"oldName"`
		NewName            string         `json:"newName"`
		IsJSObject         bool           `json:"isJSObject"`
	} `json:"input"`
}

// DefaultCorpusDir is the shared conformance folder beside the repository.
func DefaultCorpusDir() (string, error) {
	return shareddata.Path("conformance")
}

// errOtherCorpus stops reading a file whose cases are not RTS calls.
var errOtherCorpus = errors.New("not an RTS corpus")

// LoadCorpus reads every `*.jsonl.gz` file of dir (in name order; dir ""
// means DefaultCorpusDir) and sorts the inputs by their "op". Files named
// `quirks-*` are skipped: they hold a handful of hand-written demonstrations
// of the reference's bugs, not real scripts; so are files whose cases have
// no "op" (other corpora share the folder, e.g. the DSL migrations'). It
// fails on an unknown op and when the folder holds no case at all.
func LoadCorpus(dir string) (*Corpus, error) {
	if dir == "" {
		d, err := DefaultCorpusDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl.gz"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	c := &Corpus{}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "quirks-") {
			continue
		}
		err := shareddata.ReadJSONLines(f, func(line int, l *corpusLine) error {
			in := &l.Input
			ev := 2 // the endpoints' default
			if in.EvalVersion != nil {
				ev = *in.EvalVersion
			}
			switch in.Op {
			case "":
				return errOtherCorpus
			case "extract":
				var invalid map[string]bool
				if in.InvalidIdentifiers != nil {
					invalid = make(map[string]bool, len(in.InvalidIdentifiers))
					for k := range in.InvalidIdentifiers {
						invalid[k] = true
					}
				}
				c.Extract = append(c.Extract, ExtractCase{Script: in.Script, EvalVersion: ev, Invalid: invalid})
			case "refactor":
				c.Refactor = append(c.Refactor, RefactorCase{
					Script: in.Script, OldName: in.OldName, NewName: in.NewName,
					IsJSObject: in.IsJSObject, EvalVersion: ev,
				})
			case "jsobject":
				c.JSObject = append(c.JSObject, in.Script)
			default:
				return fmt.Errorf("%s:%d: unknown op %q", f, line, in.Op)
			}
			return nil
		})
		if errors.Is(err, errOtherCorpus) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.Files = append(c.Files, f)
	}
	if len(c.Extract)+len(c.Refactor)+len(c.JSObject) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		return nil, fmt.Errorf("corpus: no cases in %s (expected *.jsonl.gz files)", dir)
	}
	return c, nil
}

// String summarises the corpus: how many cases of each op, from where.
func (c *Corpus) String() string {
	names := make([]string, len(c.Files))
	for i, f := range c.Files {
		names[i] = filepath.Base(f)
	}
	return fmt.Sprintf("%d extract, %d refactor, %d jsobject cases (%s)",
		len(c.Extract), len(c.Refactor), len(c.JSObject), strings.Join(names, ", "))
}
