// Command dslreplay sends every page DSL of the migration corpus
// (../shared/conformance/dsl.jsonl.gz) to a server's
// POST /rts-api/v1/dsl/migrate, one request at a time over one keep-alive
// connection, for a number of rounds, and reports the total time,
// requests per second, exact latency percentiles and its own CPU time —
// so that the same command measures rts and Appsmith's Node RTS. It sends
// with a lean HTTP/1.1 client (loadgen/leanhttp.go), which costs less
// than half the CPU a request of net/http's client; -nethttp sends with
// net/http's.
//
//	go run ./benchmarks/cmd/dslreplay -url http://127.0.0.1:8092 -rounds 3
//
// Exit status: 0 when every measured request got the answer its case calls
// for (200 and "success":true, or Appsmith's 500 where its migration
// throws), 1 when any did not (counted and reported), 2 for bad usage or an
// unreachable server.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dslreplay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		base    = fs.String("url", "http://127.0.0.1:8091", "base URL of the server under test")
		rounds  = fs.Int("rounds", 3, fmt.Sprintf("measured rounds, each the whole corpus (1..%d)", loadgen.MaxRounds))
		warmup  = fs.Int("warmup", 1, "unmeasured rounds first")
		corpus  = fs.String("corpus", "", "the DSL corpus file (default: dsl.jsonl.gz in ../shared/conformance beside the repository)")
		timeout = fs.Duration("timeout", time.Minute, "per-request timeout")
		secret  = fs.String("secret", os.Getenv("APPSMITH_RTS_SECRET"), "sent as header x-rts-secret (default $APPSMITH_RTS_SECRET)")
		asJSON  = fs.Bool("json", false, "print one JSON object instead of the text block")
		netHTTP = fs.Bool("nethttp", false, "send with net/http's client instead of the lean one (costs the client more CPU a request; see leanhttp.go)")
		spin    = fs.Duration("spin", 0, "lean client: wait for each answer spinning up to this long (at most 10ms) before the poller, so that the client's core does not halt (to measure the machine's wake-up time)")
	)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: dslreplay [flags]\n\nSends every page DSL of the corpus to /rts-api/v1/dsl/migrate, one at a time.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dslreplay: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cases, err := loadgen.LoadDSLCorpus(*corpus)
	if err != nil {
		fmt.Fprintln(stderr, "dslreplay:", err)
		return 2
	}
	res, err := loadgen.ReplayDSL(ctx, loadgen.DSLReplayConfig{
		URL: *base, Rounds: *rounds, Warmup: *warmup, Secret: *secret, Timeout: *timeout, NetHTTP: *netHTTP,
		Spin: *spin,
	}, cases)
	if err != nil {
		fmt.Fprintln(stderr, "dslreplay:", err)
		return 2
	}
	if *asJSON {
		err = res.WriteJSON(stdout)
	} else {
		err = res.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dslreplay:", err)
		return 2
	}
	if res.Failed > 0 {
		return 1
	}
	return 0
}
