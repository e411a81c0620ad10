package refactor

import (
	"runtime"
	"strings"
	"sync"

	"github.com/appsmith-rts/rts/analysis"
)

// BatchEntity is one entity whose bindings a batch rename rewrites. Kind
// "jsobject" means each binding's value is a whole JS object body; any
// other kind means the value is a property value with `{{ }}` bindings.
type BatchEntity struct {
	Name     string         `json:"name"`
	Kind     string         `json:"kind"`
	Bindings []BatchBinding `json:"bindings"`
}

// BatchBinding is one stored value of an entity.
type BatchBinding struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// BatchEdit is a binding value that changed, with the references renamed.
type BatchEdit struct {
	Entity        string `json:"entity"`
	Path          string `json:"path"`
	Value         string `json:"value"`
	RefactorCount int    `json:"refactorCount"`
}

// Batch renames oldName to newName in every binding of entities in one
// pass: what Appsmith's backend does today with one entity-refactor call
// per `{{ }}` binding. Only values containing the old name are parsed, on
// all cores; values that do not parse are left alone (as Appsmith does).
// The edits come back in input order; unchanged values are left out.
// Values that recur within the batch are parsed once.
func Batch(oldName, newName string, entities []BatchEntity) ([]BatchEdit, int, error) {
	return NewRenamer(0).Batch(oldName, newName, entities)
}

// Batch is the package's Batch, with r's cache.
func (r Renamer) Batch(oldName, newName string, entities []BatchEntity) ([]BatchEdit, int, error) {
	if !validDotted(oldName) || !validDotted(newName) {
		return nil, 0, ErrInvalidName
	}
	oldSegs, newSegs := strings.Split(oldName, "."), strings.Split(newName, ".")
	type job struct {
		entity, kind string
		b            *BatchBinding
		out          BatchEdit
		count        int
	}
	var jobs []job
	for _, e := range entities {
		for i := range e.Bindings {
			if strings.Contains(e.Bindings[i].Value, oldSegs[0]) {
				jobs = append(jobs, job{entity: e.Name, kind: e.Kind, b: &e.Bindings[i]})
			}
		}
	}
	run := func(j *job) {
		value, n := r.renameValue(j.b.Value, j.kind == "jsobject", oldSegs, newSegs)
		if n > 0 {
			j.out = BatchEdit{Entity: j.entity, Path: j.b.Path, Value: value, RefactorCount: n}
			j.count = n
		}
	}
	if workers := min(runtime.GOMAXPROCS(0), len(jobs)/16); workers > 1 {
		var wg sync.WaitGroup
		next := make(chan int, len(jobs))
		for i := range jobs {
			next <- i
		}
		close(next)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					run(&jobs[i])
				}
			}()
		}
		wg.Wait()
	} else {
		for i := range jobs {
			run(&jobs[i])
		}
	}
	edits := []BatchEdit{}
	total := 0
	for _, j := range jobs {
		if j.count > 0 {
			edits = append(edits, j.out)
			total += j.count
		}
	}
	return edits, total, nil
}

// renameValue renames in one stored value: a JS object body, or a property
// value whose `{{ }}` snippets are code.
func (r Renamer) renameValue(value string, jsObject bool, oldSegs, newSegs []string) (string, int) {
	var edits []Edit
	count := 0
	if jsObject {
		sc, err := r.Scans.ScanJSObject(value, oldSegs[0], "")
		if err != nil {
			return value, 0
		}
		edits, count = EditsFor(sc, oldSegs, newSegs)
	} else {
		for _, sp := range analysis.TemplateSpans(value) {
			code := value[sp.Start:sp.End]
			if !strings.Contains(code, oldSegs[0]) {
				continue
			}
			sc, err := r.Scans.ScanScript(code, oldSegs[0], "")
			if err != nil {
				continue
			}
			es, n := EditsFor(sc, oldSegs, newSegs)
			for _, e := range es {
				edits = append(edits, Edit{e.Start + sp.Start, e.End + sp.Start, e.New})
			}
			count += n
		}
	}
	if count == 0 {
		return value, 0
	}
	out, err := Apply(value, edits)
	if err != nil {
		return value, 0
	}
	return out, count
}
