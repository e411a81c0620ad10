package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
)

// runGraph: rts graph APP [--format json|dot|text] [--page NAME]
func runGraph(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "json", "output format: json, dot or text")
	page := fs.String("page", "", "only this page")
	report, code := loadReport(fs, args, stderr, "graph", "rts graph APP [--format json|dot|text] [--page NAME]", page)
	if report == nil {
		return code
	}
	var err error
	switch *format {
	case "json":
		err = report.WriteJSON(stdout)
	case "dot":
		err = report.WriteDOT(stdout)
	case "text":
		err = report.WriteText(stdout)
	default:
		fmt.Fprintf(stderr, "rts graph: unknown format %q (json, dot or text)\n", *format)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "rts graph:", err)
		return 1
	}
	return 0
}

// runLint: rts lint APP — cycles, unknown references and unused entities,
// one per line; exit 1 when there is any cycle or unknown reference.
func runLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	page := fs.String("page", "", "only this page")
	report, code := loadReport(fs, args, stderr, "lint", "rts lint APP [--page NAME]", page)
	if report == nil {
		return code
	}
	errs, err := report.WriteLint(stdout)
	if err != nil {
		fmt.Fprintln(stderr, "rts lint:", err)
		return 1
	}
	if errs > 0 {
		return 1
	}
	return 0
}

// loadReport loads the APP argument and renders its graph, or one page of
// it. A nil report means the caller returns code.
func loadReport(fs *flag.FlagSet, args []string, stderr io.Writer, cmd, usage string, page *string) (*depgraph.AppReport, int) {
	app, code := loadAppArg(fs, args, stderr, usage)
	if app == nil {
		return nil, code
	}
	report, ok := appmodel.BuildGraph(app).Snapshot(*page)
	if !ok {
		fmt.Fprintf(stderr, "rts %s: %s: no page %q\n", cmd, app.Path, *page)
		return nil, 2
	}
	return &report, 0
}

// loadAppArg parses flags around one APP argument (flags may come before
// or after it) and loads the app. A nil app means the caller returns code.
func loadAppArg(fs *flag.FlagSet, args []string, stderr io.Writer, usage string) (*appmodel.App, int) {
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, 2
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "usage:", usage)
		return nil, 2
	}
	app, err := appmodel.Load(positional[0])
	if err != nil {
		fmt.Fprintln(stderr, "rts:", err)
		return nil, 2
	}
	return app, 0
}

// parseInterspersed lets flags follow positional arguments, as
// `rts rename APP OLD NEW --dry-run` reads naturally.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
