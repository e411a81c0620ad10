package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/transport"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(args, os.Getenv)
	if errors.Is(err, config.ErrHelp) {
		config.Usage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 2
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var lh slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.LogFormat == "json" {
		lh = slog.NewJSONHandler(stderr, opts)
	}
	log := slog.New(lh)

	reg := prometheus.NewRegistry()
	h, err := transport.NewHandler(transport.Options{Logger: log, Registerer: reg, Secret: cfg.Secret})
	if err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 1
	}
	srv := transport.NewServer(transport.ServerOptions{
		Addr: cfg.Addr, Handler: h, Logger: log, ShutdownTimeout: cfg.ShutdownTimeout,
	})
	if err := srv.Listen(); err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "rts listening on http://%s\n", srv.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Run(ctx); err != nil {
		log.Error("server stopped", "error", err)
		return 1
	}
	log.Info("server stopped")
	return 0
}
