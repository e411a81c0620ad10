// Command tracegen writes the request data the wrk scripts of
// benchmarks/wrk send: the page-save trace from the shared apps (every
// widget binding of a page per request, as the Java backend sends on each
// layout save) and the scripts of the conformance corpus.
//
//	go run ./benchmarks/cmd/tracegen -out /tmp/rts-trace
//
// Exit status: 0 written, 1 a read or write failed, 2 bad usage.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("tracegen", flag.ContinueOnError)
	out := fs.String("out", "", "folder to write pages.txt, scripts.txt and refactor.txt into (required)")
	apps := fs.String("apps", "", "folder of apps in git format (default: ../shared/testdata/apps beside the repository)")
	corpus := fs.String("corpus", "", "folder of corpus *.jsonl.gz files (default: ../shared/conformance)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: tracegen -out DIR [-apps DIR] [-corpus DIR]")
		return 2
	}
	pages, err := loadgen.LoadPageBindings(*apps)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tracegen: %v\n", err)
		return 1
	}
	c, err := loadgen.LoadCorpus(*corpus)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tracegen: %v\n", err)
		return 1
	}
	if err := loadgen.WriteTrace(*out, pages, c); err != nil {
		fmt.Fprintf(os.Stderr, "tracegen: %v\n", err)
		return 1
	}
	fmt.Printf("%s: %s\n", *out, loadgen.TraceStats(pages))
	return 0
}
