package benchmarks

import (
	"fmt"
	"strings"

	"github.com/appsmith-rts/rts/depgraph"
)

// scaleApp makes a bigger app out of a real one for benchmarks: factor
// copies of every page, the entities of copy k renamed Name_k and every
// snippet rewritten to refer to the renamed entities, so the copies are as
// distinct as different pages of a real app (no snippet is shared between
// copies, which would flatter the analysis cache).
func scaleApp(pages []depgraph.PageInput, factor int) []depgraph.PageInput {
	out := make([]depgraph.PageInput, 0, len(pages)*factor)
	for k := 0; k < factor; k++ {
		for _, p := range pages {
			names := map[string]bool{}
			for _, e := range p.Entities {
				names[e.Name] = true
			}
			rename := func(name string) string {
				if k == 0 {
					return name
				}
				return fmt.Sprintf("%s_%d", name, k)
			}
			cp := depgraph.PageInput{Name: p.Name, Entities: make([]depgraph.Entity, len(p.Entities)), Bindings: make([]depgraph.Binding, len(p.Bindings))}
			if k > 0 {
				cp.Name = fmt.Sprintf("%s #%d", p.Name, k)
			}
			for i, e := range p.Entities {
				e.Name = rename(e.Name)
				cp.Entities[i] = e
			}
			for i, b := range p.Bindings {
				b.Entity = rename(b.Entity)
				b.Node = rename(depgraph.NodeEntity(b.Node)) + strings.TrimPrefix(b.Node, depgraph.NodeEntity(b.Node))
				snippets := make([]string, len(b.Snippets))
				for j, s := range b.Snippets {
					snippets[j] = renameWords(s, names, rename)
				}
				b.Snippets = snippets
				cp.Bindings[i] = b
			}
			out = append(out, cp)
		}
	}
	return out
}

// renameWords renames the identifier tokens of code that are entity names
// and not property names (not after a dot). It is a generator for test
// data, not a refactoring: strings are renamed too, which does not matter
// for load measurements.
func renameWords(code string, names map[string]bool, rename func(string) string) string {
	var b strings.Builder
	i := 0
	for i < len(code) {
		c := code[i]
		if !isWordStart(c) {
			b.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(code) && isWordPart(code[j]) {
			j++
		}
		word := code[i:j]
		if names[word] && (i == 0 || code[i-1] != '.') {
			word = rename(word)
		}
		b.WriteString(word)
		i = j
	}
	return b.String()
}

func isWordStart(c byte) bool {
	return c == '_' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isWordPart(c byte) bool { return isWordStart(c) || ('0' <= c && c <= '9') }
