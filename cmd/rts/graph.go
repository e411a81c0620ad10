package main

import (
	"io"

	"github.com/appsmith-rts/rts/internal/config"
)

var graphHelp = config.Help{
	Usage: "rts graph APP [--format json|dot|text] [--page NAME]",
	About: "Prints the dependency graph of an app: its pages and entities, an edge from each binding " +
		"to each entity it reads, its cycles, unknown references and unused entities. " +
		"json is the graph JSON of the HTTP API; dot is for Graphviz (rts graph APP --format dot | dot -Tsvg > graph.svg); " +
		"text is one line per edge.",
	Args: []config.HelpItem{appArgHelp},
	Flags: []config.HelpItem{
		{Name: "--format FORMAT", Text: "json, dot or text (default json)"},
		{Name: "--page NAME", Text: "only this page"},
	},
	Exit: "0 ok, 2 bad usage or bad input (one line on stderr naming the file)",
}

// runGraph: rts graph APP [--format json|dot|text] [--page NAME]
func runGraph(args []string, stdout, stderr io.Writer) int {
	c := newCLI("graph", graphHelp, stdout, stderr)
	format := c.fs.String("format", "json", "")
	page := c.fs.String("page", "", "")
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	if *format != "json" && *format != "dot" && *format != "text" {
		return c.failf(2, "unknown format %q (json, dot or text)", *format)
	}
	_, rep, code := c.report(pos[0], *page)
	if rep == nil {
		return code
	}
	write := rep.WriteJSON
	switch *format {
	case "dot":
		write = rep.WriteDOT
	case "text":
		write = rep.WriteText
	}
	if err := write(stdout); err != nil {
		return c.fail(1, err)
	}
	return 0
}
