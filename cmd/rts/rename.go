package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/appsmith-rts/rts/refactor"
)

// runRename: rts rename APP OLD NEW [--page NAME] [--dry-run] [--format diff|json]
// Writes the app's files in place, atomically; with --dry-run prints the
// plan and changes nothing. Exit 1 on a conflict, 2 on bad usage or input.
func runRename(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rename", flag.ContinueOnError)
	fs.SetOutput(stderr)
	page := fs.String("page", "", "the page the entity is on (needed when several pages have it)")
	dryRun := fs.Bool("dry-run", false, "print the plan; change nothing")
	format := fs.String("format", "diff", "plan output: diff or json")
	const usage = "rts rename APP OLD NEW [--page NAME] [--dry-run] [--format diff|json]"
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(positional) != 3 {
		fmt.Fprintln(stderr, "usage:", usage)
		return 2
	}
	if *format != "diff" && *format != "json" {
		fmt.Fprintf(stderr, "rts rename: unknown format %q (diff or json)\n", *format)
		return 2
	}
	app, code := loadAppArg(fs, positional[:1], stderr, usage)
	if app == nil {
		return code
	}
	plan, err := refactor.PlanRename(app, *page, positional[1], positional[2])
	if err != nil {
		fmt.Fprintln(stderr, "rts rename:", err)
		var conflict *refactor.Conflict
		var name *refactor.NameError
		if errors.As(err, &conflict) || errors.As(err, &name) {
			return 1
		}
		return 2
	}
	results, err := refactor.Preview(plan)
	if err != nil {
		fmt.Fprintln(stderr, "rts rename:", err)
		return 1
	}
	if *dryRun || *format == "json" {
		if *format == "json" {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			enc.Encode(planJSON(plan, *dryRun))
		} else {
			io.WriteString(stdout, refactor.UnifiedDiff(app.Path, results, plan.Moves))
		}
	}
	if *dryRun {
		return 0
	}
	if err := refactor.ApplyPlan(plan); err != nil {
		fmt.Fprintln(stderr, "rts rename:", err)
		return 1
	}
	if *format == "diff" {
		fmt.Fprintf(stdout, "renamed %s to %s on page %s: %d references, %d files changed, %d moved\n",
			plan.OldName, plan.NewName, plan.Page, plan.RefactorCount, len(plan.Files), len(plan.Moves))
	}
	return 0
}

func planJSON(p *refactor.Plan, dryRun bool) any {
	type move struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	moves := []move{}
	for _, m := range p.Moves {
		moves = append(moves, move{m.From, m.To})
	}
	changes := p.Changes
	if changes == nil {
		changes = []refactor.Change{}
	}
	return map[string]any{
		"app": p.App, "page": p.Page, "oldName": p.OldName, "newName": p.NewName, "kind": p.Kind,
		"refactorCount": p.RefactorCount, "changes": changes, "moves": moves, "dryRun": dryRun,
	}
}
