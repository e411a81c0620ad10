package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Paths of the Appsmith-compatible AST endpoints (reference §2.2–2.4).
const (
	PathHealth   = "/rts-api/v1/health-check"
	PathSingle   = "/rts-api/v1/ast/single-script-data"
	PathMultiple = "/rts-api/v1/ast/multiple-script-data"
	PathRefactor = "/rts-api/v1/ast/entity-refactor"
)

// Endpoint selects what the load generator sends.
type Endpoint string

const (
	// Single: one single-script-data request per extract script.
	Single Endpoint = "single"
	// Multiple: multiple-script-data requests carrying Batch scripts each.
	Multiple Endpoint = "multiple"
	// Refactor: one entity-refactor request per rename case.
	Refactor Endpoint = "refactor"
	// Mixed: of every 10 requests, 4 single, 5 refactor and 1 multiple —
	// roughly a rename burst (one entity-refactor per binding) followed by
	// the layout update's multiple-script-data call (reference §5.3–5.4).
	Mixed Endpoint = "mixed"
)

// MaxBatch bounds -batch: a multiple-script-data body must stay far below
// the servers' 5 MB limit.
const MaxBatch = 5000

// maxBody is the servers' request body limit (Appsmith: express 5 MB).
const maxBody = 5 << 20

// mixPattern is the order of requests of Mixed, repeated.
var mixPattern = [...]Endpoint{Multiple, Refactor, Single, Refactor, Single, Refactor, Single, Refactor, Single, Refactor}

// ParseEndpoint accepts "single", "multiple", "refactor" or "mixed".
func ParseEndpoint(s string) (Endpoint, error) {
	switch e := Endpoint(s); e {
	case Single, Multiple, Refactor, Mixed:
		return e, nil
	}
	return "", fmt.Errorf("unknown endpoint %q (want single, multiple, refactor or mixed)", s)
}

// Request is one prepared HTTP request: a POST of Body (JSON) to Path.
type Request struct {
	Endpoint Endpoint // Single, Multiple or Refactor
	Path     string
	Body     []byte
	Scripts  int // scripts the request asks the server to analyse
}

// singleBody, multipleBody and refactorBody are the request bodies the Java
// backend sends (reference §2.2–2.4).
type singleBody struct {
	Script      string `json:"script"`
	EvalVersion int    `json:"evalVersion"`
}

type multipleBody struct {
	Scripts     []string `json:"scripts"`
	EvalVersion int      `json:"evalVersion"`
}

type refactorBody struct {
	Script      string `json:"script"`
	OldName     string `json:"oldName"`
	NewName     string `json:"newName"`
	IsJSObject  bool   `json:"isJSObject"`
	EvalVersion int    `json:"evalVersion"`
}

// Generator hands out requests built from the corpus. All bodies are encoded
// once, up front, so that the load generator spends its CPU on sending, not
// on JSON encoding. It is safe for concurrent use.
type Generator struct {
	endpoint Endpoint
	batch    int
	single   []Request
	multiple []Request
	refactor []Request
}

// NewGenerator prepares the requests of endpoint e from corpus c. batch is
// the number of scripts per multiple-script-data request (Multiple and Mixed).
func NewGenerator(c *Corpus, e Endpoint, batch int) (*Generator, error) {
	if _, err := ParseEndpoint(string(e)); err != nil {
		return nil, err
	}
	g := &Generator{endpoint: e, batch: batch}
	needSingle := e == Single || e == Mixed
	needMultiple := e == Multiple || e == Mixed
	needRefactor := e == Refactor || e == Mixed
	if (needSingle || needMultiple) && len(c.Extract) == 0 {
		return nil, fmt.Errorf("endpoint %s needs extract cases; the corpus has none", e)
	}
	if needRefactor && len(c.Refactor) == 0 {
		return nil, fmt.Errorf("endpoint %s needs refactor cases; the corpus has none", e)
	}
	if needSingle {
		g.single = make([]Request, 0, len(c.Extract))
		for _, x := range c.Extract {
			b, err := encode(singleBody{Script: x.Script, EvalVersion: x.EvalVersion})
			if err != nil {
				return nil, err
			}
			if len(b) > maxBody {
				continue
			}
			g.single = append(g.single, Request{Endpoint: Single, Path: PathSingle, Body: b, Scripts: 1})
		}
	}
	if needMultiple {
		if batch < 1 || batch > MaxBatch {
			return nil, fmt.Errorf("batch %d out of range 1..%d", batch, MaxBatch)
		}
		// Consecutive windows of the corpus, the last one wrapping around,
		// so every script is sent once per ceil(n/batch) requests.
		n := len(c.Extract)
		m := (n + batch - 1) / batch
		g.multiple = make([]Request, 0, m)
		scripts := make([]string, batch)
		for k := 0; k < m; k++ {
			for t := range scripts {
				scripts[t] = c.Extract[(k*batch+t)%n].Script
			}
			// One evalVersion per request, as the Java backend sends the
			// app's (null → 2).
			b, err := encode(multipleBody{Scripts: scripts, EvalVersion: 2})
			if err != nil {
				return nil, err
			}
			if len(b) > maxBody {
				return nil, fmt.Errorf("batch %d makes a %d-byte body, over the servers' 5 MB limit", batch, len(b))
			}
			g.multiple = append(g.multiple, Request{Endpoint: Multiple, Path: PathMultiple, Body: b, Scripts: batch})
		}
	}
	if needRefactor {
		g.refactor = make([]Request, 0, len(c.Refactor))
		for _, x := range c.Refactor {
			b, err := encode(refactorBody(x))
			if err != nil {
				return nil, err
			}
			if len(b) > maxBody {
				continue
			}
			g.refactor = append(g.refactor, Request{Endpoint: Refactor, Path: PathRefactor, Body: b, Scripts: 1})
		}
	}
	return g, nil
}

// Endpoint is the generator's endpoint.
func (g *Generator) Endpoint() Endpoint { return g.endpoint }

// Batch is the number of scripts per multiple-script-data request.
func (g *Generator) Batch() int { return g.batch }

// Distinct is how many different requests the generator cycles through.
func (g *Generator) Distinct() int { return len(g.single) + len(g.multiple) + len(g.refactor) }

// Request returns the i-th request. The sequence cycles through the corpus
// in order; the same i always gives the same request.
func (g *Generator) Request(i uint64) *Request {
	switch g.endpoint {
	case Single:
		return &g.single[i%uint64(len(g.single))]
	case Multiple:
		return &g.multiple[i%uint64(len(g.multiple))]
	case Refactor:
		return &g.refactor[i%uint64(len(g.refactor))]
	}
	// Mixed: position p of round j; the k-th request of its kind in the
	// pattern takes element j*weight+k of that kind.
	p := i % uint64(len(mixPattern))
	j := i / uint64(len(mixPattern))
	kind := mixPattern[p]
	var weight, ordinal uint64
	for q, e := range mixPattern {
		if e != kind {
			continue
		}
		if uint64(q) < p {
			ordinal++
		}
		weight++
	}
	idx := j*weight + ordinal
	switch kind {
	case Single:
		return &g.single[idx%uint64(len(g.single))]
	case Multiple:
		return &g.multiple[idx%uint64(len(g.multiple))]
	default:
		return &g.refactor[idx%uint64(len(g.refactor))]
	}
}

// encode writes v as compact JSON without HTML escaping (as JSON.stringify
// does), without the trailing newline.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
