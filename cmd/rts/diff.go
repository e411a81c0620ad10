package main

import (
	"io"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/report"
)

var diffHelp = config.Help{
	Usage: "rts diff OLD NEW [--format text|json]",
	About: "Compares two versions of an app, e.g. the base and the head of a pull request on a git-connected app: " +
		"entities added, removed and renamed (a rename is recognised when the new entity's references match the old " +
		"one's), edges added and removed, and the cycles and unknown references the new version introduces or fixes. " +
		"The two versions may be in different formats.",
	Args: []config.HelpItem{
		{Name: "OLD", Text: "the app before: a folder in git format or an exported application JSON file"},
		{Name: "NEW", Text: "the app after, the same way"},
	},
	Flags: []config.HelpItem{{Name: "--format FORMAT", Text: "text or json (default text)"}},
	Exit:  "0 nothing new is wrong, 1 the new version adds a cycle or an unknown reference, 2 bad usage or bad input",
}

// runDiff: rts diff OLD NEW [--format text|json]
func runDiff(args []string, stdout, stderr io.Writer) int {
	c := newCLI("diff", diffHelp, stdout, stderr)
	format := c.fs.String("format", "text", "")
	pos, code, ok := c.parse(args, 2)
	if !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		return c.failf(2, "unknown format %q (text or json)", *format)
	}
	var reports [2]*report.App
	for i, path := range pos {
		var code int
		if _, reports[i], code = c.report(path, ""); reports[i] == nil {
			return code
		}
	}
	d := report.Compare(*reports[0], *reports[1])
	write := d.WriteText
	if *format == "json" {
		write = d.WriteJSON
	}
	if err := write(stdout); err != nil {
		return c.fail(1, err)
	}
	if d.Fails() {
		return 1
	}
	return 0
}
