package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/pagedsl"
	"github.com/appsmith-rts/rts/pagemigrate"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/report"
)

var migrateHelp = config.Help{
	Usage: "rts migrate APP [--dry-run]",
	About: fmt.Sprintf("Brings every page of the app to page-DSL version %d with Appsmith's own migration steps, "+
		"as Appsmith does when it opens an old page, and writes the app in place: only the page DSLs change, and the "+
		"files are written atomically, all or none. Prints, for each page, its version and the steps that ran. "+
		"A page on which Appsmith's migration fails stops the command before anything is written. "+
		"With --dry-run the changes are printed as a unified diff and nothing is written.", pagedsl.LatestVersion),
	Args: []config.HelpItem{appArgHelp},
	Flags: []config.HelpItem{
		{Name: "--dry-run", Text: "print the diff; change nothing"},
	},
	Exit: "0 migrated (or already up to date, or planned with --dry-run), 1 a page cannot be migrated or writing failed, " +
		"2 bad usage or bad input",
}

// runMigrate: rts migrate APP [--dry-run]
func runMigrate(args []string, stdout, stderr io.Writer) int {
	c := newCLI("migrate", migrateHelp, stdout, stderr)
	dryRun := c.fs.Bool("dry-run", false, "")
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	app, code := c.loadApp(pos[0])
	if app == nil {
		return code
	}
	plan, err := pagemigrate.PlanApp(app)
	if err != nil {
		var pe *pagemigrate.PageError
		if errors.As(err, &pe) {
			return c.fail(1, fmt.Errorf("%s: %w; nothing was written", app.Path, err))
		}
		return c.fail(2, err)
	}
	for _, l := range plan.Layouts {
		fmt.Fprintln(stdout, report.Printable(l.String()))
	}
	if len(plan.Files) == 0 {
		fmt.Fprintf(stdout, "every page is at version %d: nothing to write\n", pagedsl.LatestVersion)
		return 0
	}
	if *dryRun {
		results, err := refactor.Preview(&refactor.Plan{Files: plan.Files})
		if err != nil {
			return c.fail(1, err)
		}
		base := app.Path
		if app.Format == appmodel.FormatExport {
			base = filepath.Dir(base)
		}
		if _, err := io.WriteString(stdout, refactor.UnifiedDiff(base, results, nil)); err != nil {
			return c.fail(1, err)
		}
		return 0
	}
	if err := refactor.ApplyPlan(&refactor.Plan{Files: plan.Files}); err != nil {
		return c.fail(1, err)
	}
	fmt.Fprintf(stdout, "wrote %d files\n", len(plan.Files))
	return 0
}
