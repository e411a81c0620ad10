package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/appsmith-rts/rts/appgraph"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/report"
)

// appArgHelp explains the APP argument the same way for every command.
var appArgHelp = config.HelpItem{Name: "APP", Text: "an Appsmith app: a folder in git format (application.json and pages/) " +
	"or an exported application JSON file"}

// cli is what every subcommand shares: its flags, its --help, its error
// lines and the loading of APP arguments.
type cli struct {
	name           string // "graph"
	help           config.Help
	fs             *flag.FlagSet
	stdout, stderr io.Writer
}

func newCLI(name string, help config.Help, stdout, stderr io.Writer) *cli {
	fs := flag.NewFlagSet("rts "+name, flag.ContinueOnError)
	// The flag package would print its own usage; errors are reported here,
	// in one line, and --help prints c.help.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cli{name: name, help: help, fs: fs, stdout: stdout, stderr: stderr}
}

// parse parses flags anywhere among the arguments and wants exactly n
// positional ones (any number when n < 0). ok false means the caller returns code: 0 after --help,
// 2 after a usage error (one line on stderr).
func (c *cli) parse(args []string, n int) (positional []string, code int, ok bool) {
	positional, err := parseInterspersed(c.fs, args)
	if errors.Is(err, flag.ErrHelp) {
		_ = c.help.Write(c.stdout)
		return nil, 0, false
	}
	if err != nil {
		return nil, c.fail(2, err), false
	}
	if n >= 0 && len(positional) != n {
		fmt.Fprintf(c.stderr, "usage: %s (rts %s --help for more)\n", c.help.Usage, c.name)
		return nil, 2, false
	}
	return positional, 0, true
}

// fail writes one line, "rts NAME: message", with what a terminal would
// act on escaped, and returns code.
func (c *cli) fail(code int, err error) int {
	fmt.Fprintf(c.stderr, "rts %s: %s\n", c.name, report.Printable(err.Error()))
	return code
}

func (c *cli) failf(code int, format string, args ...any) int {
	return c.fail(code, fmt.Errorf(format, args...))
}

// loadApp loads an APP argument; a nil app means the caller returns code
// (2: the error is on stderr, naming the file).
func (c *cli) loadApp(path string) (*appmodel.App, int) {
	app, err := appmodel.Load(path)
	if err != nil {
		return nil, c.fail(2, err)
	}
	return app, 0
}

// report loads an APP argument and renders its graph, or one page of it
// (all with page ""); a nil report means the caller returns code.
func (c *cli) report(path, page string) (*appmodel.App, *report.App, int) {
	app, code := c.loadApp(path)
	if app == nil {
		return nil, nil, code
	}
	r, ok := report.FromGraph(appgraph.Build(app), page)
	if !ok {
		return nil, nil, c.failf(2, "%s: no page %q", app.Path, page)
	}
	return app, &r, 0
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

// entityFiles finds the file each entity of an app is stored in, relative
// to the app's folder for the git format (the export file itself for an
// export), for findings that point at a whole entity.
func entityFiles(app *appmodel.App) func(page, entity string) string {
	files := map[[2]string]string{}
	rel := func(f string) string {
		if app.Format == appmodel.FormatGit {
			if r, err := filepath.Rel(app.Path, f); err == nil {
				return r
			}
		}
		return f
	}
	for _, p := range app.Pages {
		for _, w := range p.Widgets {
			files[[2]string{p.Name, w.Name}] = rel(w.File)
		}
		for _, a := range p.Actions {
			files[[2]string{p.Name, a.Name}] = rel(a.File)
		}
		for _, j := range p.JSObjects {
			f := j.BodyLoc.File
			if f == "" {
				f = j.File
			}
			files[[2]string{p.Name, j.Name}] = rel(f)
		}
	}
	return func(page, entity string) string { return files[[2]string{page, entity}] }
}
