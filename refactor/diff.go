package refactor

import (
	"fmt"
	"path/filepath"
	"strings"
)

// UnifiedDiff renders a plan's file changes and moves as a unified diff
// with three lines of context, paths relative to base.
func UnifiedDiff(base string, results []FileResult, moves []Move) string {
	var b strings.Builder
	rel := func(p string) string {
		if r, err := filepath.Rel(base, p); err == nil {
			return r
		}
		return p
	}
	for _, r := range results {
		fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n", rel(r.File), rel(r.File))
		writeHunks(&b, r.Before, r.After)
	}
	for _, m := range moves {
		fmt.Fprintf(&b, "rename from %s\nrename to %s\n", rel(m.From), rel(m.To))
	}
	return b.String()
}

// writeHunks diffs two texts line by line. Renames change lines in place
// and rarely add or remove any, so a common prefix/suffix per region is
// enough: changed lines are found by a plain LCS on the differing middle.
func writeHunks(b *strings.Builder, before, after string) {
	a, c := splitLines(before), splitLines(after)
	ops := diffLines(a, c)
	const ctx = 3
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// Extend over a run of context if another change follows within 2*ctx.
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run < len(ops) && run-end <= 2*ctx {
				end = run
				continue
			}
			end = min(end+ctx, len(ops))
			break
		}
		hunk := ops[start:end]
		var aStart, aLen, cStart, cLen int
		aStart, cStart = -1, -1
		for _, o := range hunk {
			if o.kind != '+' {
				if aStart < 0 {
					aStart = o.a
				}
				aLen++
			}
			if o.kind != '-' {
				if cStart < 0 {
					cStart = o.c
				}
				cLen++
			}
		}
		fmt.Fprintf(b, "@@ -%d,%d +%d,%d @@\n", aStart+1, aLen, cStart+1, cLen)
		for _, o := range hunk {
			line := ""
			if o.kind == '+' {
				line = c[o.c]
			} else {
				line = a[o.a]
			}
			b.WriteByte(o.kind)
			b.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				b.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
}

type lineOp struct {
	kind byte // ' ', '-', '+'
	a, c int  // line indexes
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines is a line diff: common prefix and suffix, then an LCS table on
// the middle (small for renames, which touch few lines).
func diffLines(a, c []string) []lineOp {
	pre := 0
	for pre < len(a) && pre < len(c) && a[pre] == c[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(c)-pre && a[len(a)-1-suf] == c[len(c)-1-suf] {
		suf++
	}
	var ops []lineOp
	for i := 0; i < pre; i++ {
		ops = append(ops, lineOp{' ', i, i})
	}
	ma, mc := a[pre:len(a)-suf], c[pre:len(c)-suf]
	if len(ma)*len(mc) > 4_000_000 {
		// Too big for a table: show the middle as replaced.
		for i := range ma {
			ops = append(ops, lineOp{'-', pre + i, 0})
		}
		for j := range mc {
			ops = append(ops, lineOp{'+', 0, pre + j})
		}
	} else {
		lcs := make([][]int, len(ma)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(mc)+1)
		}
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mc) - 1; j >= 0; j-- {
				if ma[i] == mc[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		var dels, adds []lineOp
		flush := func() {
			ops = append(ops, dels...)
			ops = append(ops, adds...)
			dels, adds = dels[:0], adds[:0]
		}
		for i < len(ma) || j < len(mc) {
			switch {
			case i < len(ma) && j < len(mc) && ma[i] == mc[j]:
				flush()
				ops = append(ops, lineOp{' ', pre + i, pre + j})
				i++
				j++
			case j < len(mc) && (i == len(ma) || lcs[i][j+1] >= lcs[i+1][j]):
				adds = append(adds, lineOp{'+', pre + i, pre + j})
				j++
			default:
				dels = append(dels, lineOp{'-', pre + i, pre + j})
				i++
			}
		}
		flush()
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, lineOp{' ', len(a) - suf + k, len(c) - suf + k})
	}
	return ops
}
