package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/report"
)

var renameHelp = config.Help{
	Usage: "rts rename APP OLD NEW [--page NAME] [--dry-run] [--format diff|json]",
	About: "Renames the entity OLD (Api1) or the JS object member OLD (JSObject1.myFun1) to NEW across the whole app: " +
		"every reference (scope-aware; never inside strings, comments or property names), the names passed as strings " +
		"to showModal, closeModal and resetWidget, the entity's stored name and keys, and the files and folders named " +
		"after it. The files are written atomically, all or none. With --dry-run the plan is printed and nothing changes.",
	Args: []config.HelpItem{
		appArgHelp,
		{Name: "OLD", Text: "the entity or member to rename"},
		{Name: "NEW", Text: "its new name: an identifier not taken on the page, not reserved, not a global"},
	},
	Flags: []config.HelpItem{
		{Name: "--page NAME", Text: "the page the entity is on (needed when several pages have one of that name)"},
		{Name: "--dry-run", Text: "print the plan; change nothing"},
		{Name: "--format FORMAT", Text: "how the plan is printed: diff (a unified diff) or json (default diff)"},
	},
	Exit: "0 renamed (or planned, with --dry-run), 1 refused: a conflict or a name that cannot be used, 2 bad usage or bad input",
}

// runRename: rts rename APP OLD NEW [--page NAME] [--dry-run] [--format diff|json]
// Writes the app's files in place, atomically; with --dry-run prints the
// plan and changes nothing.
func runRename(args []string, stdout, stderr io.Writer) int {
	c := newCLI("rename", renameHelp, stdout, stderr)
	page := c.fs.String("page", "", "")
	dryRun := c.fs.Bool("dry-run", false, "")
	format := c.fs.String("format", "diff", "")
	pos, code, ok := c.parse(args, 3)
	if !ok {
		return code
	}
	if *format != "diff" && *format != "json" {
		return c.failf(2, "unknown format %q (diff or json)", *format)
	}
	app, code := c.loadApp(pos[0])
	if app == nil {
		return code
	}
	plan, err := refactor.PlanRename(app, *page, pos[1], pos[2])
	if err != nil {
		var conflict *refactor.Conflict
		var name *refactor.NameError
		if errors.As(err, &conflict) || errors.As(err, &name) || errors.Is(err, refactor.ErrInvalidName) {
			return c.fail(1, err)
		}
		return c.fail(2, err)
	}
	results, err := refactor.Preview(plan)
	if err != nil {
		return c.fail(1, err)
	}
	if *dryRun || *format == "json" {
		if *format == "json" {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(planJSON(plan, *dryRun)); err != nil {
				return c.fail(1, err)
			}
		} else if _, err := io.WriteString(stdout, refactor.UnifiedDiff(app.Path, results, plan.Moves)); err != nil {
			return c.fail(1, err)
		}
	}
	if *dryRun {
		return 0
	}
	if err := refactor.ApplyPlan(plan); err != nil {
		return c.fail(1, err)
	}
	if *format == "diff" {
		fmt.Fprintf(stdout, "renamed %s to %s on page %s: %d references, %d files changed, %d moved\n",
			report.Printable(plan.OldName), report.Printable(plan.NewName), report.Printable(plan.Page),
			plan.RefactorCount, len(plan.Files), len(plan.Moves))
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
