// Command rtsload drives a server speaking the Appsmith RTS HTTP API — rts,
// or Appsmith's Node RTS — with the real scripts of the conformance corpus,
// and reports throughput and exact latency percentiles.
//
//	go run ./benchmarks/cmd/rtsload -url http://127.0.0.1:8091 -endpoint single -c 8 -d 10s
//
// Exit status: 0 when every measured request got a valid answer, 1 when any
// failed (they are counted and reported), 2 for bad usage or an unreachable
// server.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/appsmith-rts/rts/benchmarks/internal/loadgen"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("rtsload", flag.ContinueOnError)
	var (
		base     = fs.String("url", "http://127.0.0.1:8091", "base URL of the server under test")
		endpoint = fs.String("endpoint", "single", "single | multiple | refactor | mixed")
		batch    = fs.Int("batch", 20, "scripts per multiple-script-data request (multiple, mixed)")
		conc     = fs.Int("c", 8, "concurrency: goroutines sending requests over keep-alive connections")
		dur      = fs.Duration("d", 10*time.Second, "measured duration (max 10m)")
		total    = fs.Int64("n", 0, "total measured requests (0: run for -d; with -n and no -d, run until n requests)")
		warmup   = fs.Duration("warmup", time.Second, "warm-up before measuring (not counted)")
		timeout  = fs.Duration("timeout", 10*time.Second, "per-request timeout")
		corpus   = fs.String("corpus", "", "folder of corpus *.jsonl.gz files (default: ../shared/conformance beside the repository)")
		secret   = fs.String("secret", os.Getenv("APPSMITH_RTS_SECRET"), "sent as header x-rts-secret (default $APPSMITH_RTS_SECRET)")
		asJSON   = fs.Bool("json", false, "print one JSON object instead of the text block")
	)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: rtsload [flags]\n\nDrives an RTS-compatible server with the conformance corpus.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "rtsload: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	durSet := false
	fs.Visit(func(f *flag.Flag) { durSet = durSet || f.Name == "d" })
	if *total > 0 && !durSet {
		*dur = 0 // count-bound; Run still stops at MaxDuration
	}

	ep, err := loadgen.ParseEndpoint(*endpoint)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtsload:", err)
		return 2
	}
	c, err := loadgen.LoadCorpus(*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtsload:", err)
		return 2
	}
	gen, err := loadgen.NewGenerator(c, ep, *batch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtsload:", err)
		return 2
	}
	if !*asJSON {
		fmt.Fprintf(os.Stderr, "rtsload: corpus %s; %d distinct requests\n", c, gen.Distinct())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadgen.Run(ctx, loadgen.Config{
		URL: *base, Concurrency: *conc, Duration: *dur, Requests: *total,
		Warmup: *warmup, Secret: *secret, Timeout: *timeout,
	}, gen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtsload:", err)
		return 2
	}
	if *asJSON {
		err = res.WriteJSON(os.Stdout)
	} else {
		err = res.WriteText(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtsload:", err)
		return 2
	}
	if res.Failed() > 0 {
		return 1
	}
	return 0
}
