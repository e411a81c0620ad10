package main

import (
	"io"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/report"
)

var lintHelp = config.Help{
	Usage: "rts lint APP [--page NAME]",
	About: "Reports what is wrong in an app, one finding per line as `page › entity › property: severity: message`, " +
		"then a summary line. Errors: cycles (bindings that depend on themselves) and unknown references " +
		"(names that are no entity, local or global; misspellings and entities of other pages are said as such). " +
		"Warnings: unused queries and JS objects (nothing refers to them and they do not run on page load), with their file.",
	Args:  []config.HelpItem{appArgHelp},
	Flags: []config.HelpItem{{Name: "--page NAME", Text: "only this page"}},
	Exit:  "0 no errors (warnings allowed), 1 a cycle or an unknown reference, 2 bad usage or bad input",
}

// runLint: rts lint APP [--page NAME]
func runLint(args []string, stdout, stderr io.Writer) int {
	c := newCLI("lint", lintHelp, stdout, stderr)
	page := c.fs.String("page", "", "")
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	app, rep, code := c.report(pos[0], *page)
	if rep == nil {
		return code
	}
	n, err := rep.WriteLint(stdout, report.LintOptions{File: entityFiles(app)})
	if err != nil {
		return c.fail(1, err)
	}
	if n.Errors() > 0 {
		return 1
	}
	return 0
}
