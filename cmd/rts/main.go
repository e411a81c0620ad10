// Command rts is a drop-in replacement for Appsmith's Node.js Realtime
// Server, plus command-line tools over Appsmith apps. This file only
// dispatches: each subcommand lives in its own file.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. run gets the arguments after its name and
// returns the exit code: 0 ok, 1 the command's finding or a runtime
// failure, 2 bad usage or bad input (with one line on stderr).
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands is every subcommand; a new one is a new file and a line here.
var commands = map[string]command{
	"serve":   {"run the HTTP server (Appsmith's RTS API)", runServe},
	"import":  {"import an app into the store; prints its application id", runImport},
	"graph":   {"print an app's dependency graph", runGraph},
	"lint":    {"report cycles, unknown references and unused entities", runLint},
	"diff":    {"compare two versions of an app: what the change does to its graph", runDiff},
	"rename":  {"rename an entity across an app", runRename},
	"migrate": {"bring an app's pages to the latest page-DSL version", runMigrate},
	"version": {"print the version", runVersion},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		// rts help COMMAND is rts COMMAND --help.
		if len(args) == 2 && args[0] == "help" {
			if _, ok := commands[args[1]]; ok {
				return run([]string{args[1], "--help"}, stdout, stderr)
			}
		}
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rts: unknown command %q (run 'rts help')\n", args[0])
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rts COMMAND [arguments]\n\nrts COMMAND --help (or rts help COMMAND) explains a command.\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands[name].summary)
	}
}
