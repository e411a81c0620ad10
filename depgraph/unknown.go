package depgraph

import (
	"strings"
	"unicode/utf8"
)

// isUnknown reports whether ref, made by node n, names nothing known.
func (g *Graph) isUnknown(p *page, n *node, ref string) bool {
	root := RootOf(ref)
	if p.byName[root] != nil || g.libraries[root] || g.env.IsGlobal != nil && g.env.IsGlobal(root) {
		return false
	}
	// Appsmith generates table column code that ends in
	// `tableData.length > 0 ? … : <column>`: a dead branch naming the
	// column, never an entity.
	if n.kind == KindBinding {
		if rest, ok := strings.CutSuffix(n.name, "."+root+".computedValue"); ok && strings.HasSuffix(rest, ".primaryColumns") {
			return false
		}
	}
	return true
}

// classify explains an unknown reference.
func (g *Graph) classify(p *page, from, ref string) Unknown {
	u := Unknown{Page: p.name, From: from, Ref: ref, Reason: "unknown"}
	root := RootOf(ref)
	for _, q := range g.pages {
		if q != p && g.entityPages[root][q] {
			u.Reason, u.OtherPage = "other-page", q.name
			return u
		}
	}
	best, bestDist := "", 3
	if len(root) >= 3 {
		lower := strings.ToLower(root)
		for _, e := range p.entities {
			// An ASCII name keeps its length in lower case: one 3 or more
			// bytes longer or shorter is at distance 3 without lowering it.
			if diff := len(e.Name) - len(lower); (diff >= 3 || diff <= -3) && isASCII(e.Name) {
				continue
			}
			d := editDistance(lower, strings.ToLower(e.Name), 3)
			if d < bestDist || d == bestDist && d < 3 && e.Name < best {
				best, bestDist = e.Name, d
			}
		}
	}
	if best != "" {
		u.Reason, u.Suggestion = "misspelt", best
	}
	return u
}

// editDistance is the Levenshtein distance of a and b, or max when it is at
// least max (the search is cut short there).
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= max {
			return max
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
