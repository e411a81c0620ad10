package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/store"
	"github.com/appsmith-rts/rts/transport"
	"github.com/appsmith-rts/rts/transport/socketio"
	"github.com/appsmith-rts/rts/web"
)

// demoApp is a small app (two pages, a cycle, a misspelt reference, an
// unused query) that `rts serve --demo` imports so a newcomer sees a graph.
//
//go:embed demo/demo-app.json
var demoApp string

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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	reg := prometheus.NewRegistry()
	var apps transport.Apps
	var st *store.Store
	if !cfg.NoStore {
		st, err = store.Open(ctx, store.Options{MongoURI: cfg.MongoURI, DataDir: cfg.DataDir, Logger: log, Registerer: reg})
		if err != nil {
			fmt.Fprintf(stderr, "rts serve: %v\n", err)
			return 1
		}
		defer st.Close(context.Background())
		apps = st
		if cfg.Demo {
			if err := importDemo(ctx, st, log); err != nil {
				fmt.Fprintf(stderr, "rts serve: demo app: %v\n", err)
				return 1
			}
		}
	}
	api, err := transport.NewHandler(transport.Options{Logger: log, Registerer: reg, Secret: cfg.Secret, Apps: apps})
	if err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 1
	}
	sock, err := socketio.New(socketio.Options{
		APIBaseURL: cfg.APIBaseURL, ReleaseVersion: cfg.ReleaseVersion, AllowedOrigins: cfg.AllowedOrigins,
		Logger: log.With("component", "socketio"), Registerer: reg,
		// Without an Appsmith backend nobody can sign in; the graph page
		// still gets live pushes, read-only.
		AnonymousViewers: cfg.APIBaseURL == "",
	})
	if err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 1
	}
	if cfg.APIBaseURL == "" {
		log.Info("no APPSMITH_API_BASE_URL: sockets are anonymous read-only viewers (graph pushes, no presence)")
	}
	if st != nil {
		defer pushGraphChanges(st, sock, log)()
	}
	srv := transport.NewServer(transport.ServerOptions{
		Addr: cfg.Addr, Handler: transport.Root(api, sock, web.Handler()), Logger: log, ShutdownTimeout: cfg.ShutdownTimeout,
	})
	if err := srv.Listen(); err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "rts listening on http://%s\n", srv.Addr())
	if st != nil {
		fmt.Fprintf(stderr, "graph page: http://%s/\n", srv.Addr())
	}

	runErr := srv.Run(ctx)
	// HTTP requests are drained; WebSockets are hijacked connections the
	// HTTP server does not track, so they are closed (going away) here.
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := sock.Shutdown(sctx); err != nil {
		log.Warn("closing sockets", "error", err)
	}
	if runErr != nil {
		log.Error("server stopped", "error", runErr)
		return 1
	}
	log.Info("server stopped")
	return 0
}

// importDemo imports the demo app unless the store already has it.
func importDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	list, err := st.ListApps(ctx)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.Name == "Demo" {
			log.Info("demo app present", "id", a.ID)
			return nil
		}
	}
	id, err := st.ImportExport(ctx, strings.NewReader(demoApp))
	if err != nil {
		return err
	}
	log.Info("demo app imported", "id", id)
	return nil
}
