package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/liveapps"
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
	if _, err := transport.NewAllowedHosts(cfg.Addr, cfg.AllowedHosts); err != nil {
		fmt.Fprintf(stderr, "rts serve: APPSMITH_RTS_ALLOWED_HOSTS: %v\n", err)
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

	n, err := startNode(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "rts serve: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "rts listening on http://%s\n", n.addr())
	if n.room != nil {
		fmt.Fprintf(stderr, "graph page: http://%s/\n", n.addr())
	}
	if err := n.run(ctx); err != nil {
		log.Error("server stopped", "error", err)
		return 1
	}
	log.Info("server stopped")
	return 0
}

// node is one running rts: the store and the live apps above it, the HTTP
// API, the sockets and the page on one listener.
type node struct {
	cfg     config.Config
	log     *slog.Logger
	store   store.Store    // nil with --no-store
	room    *liveapps.Room // nil with --no-store
	sockets *socketio.Server
	http    *transport.Server
	closers []func()
}

// startNode opens the store (importing the demo app if asked), builds the
// handlers and binds the listener; run serves until ctx ends.
func startNode(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *node, err error) {
	// n is not the named result: a failing `return nil, err` must not make
	// the deferred cleanup call close on nil (a port in use panicked so).
	n := &node{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	reg := prometheus.NewRegistry()
	// One cache for the renames the HTTP calls and the live apps make.
	scans := analysis.NewScanCache(cfg.ScanCacheMB << 20)
	var apps transport.Apps
	if !cfg.NoStore {
		n.store, err = openStore(ctx, cfg.MongoURI, cfg.DataDir, "rts serve", log, reg)
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, func() { n.store.Close(context.Background()) })
		info := n.store.Info()
		log.Info("store opened", "kind", info.Kind, "where", info.Where, "writes", info.Atomic)
		idle := cfg.AppIdle
		if idle == 0 {
			idle = -1 // never
		}
		n.room, err = liveapps.Open(liveapps.Options{Store: n.store, Logger: log, Registerer: reg,
			MemoryBudget: cfg.MemoryBudget, IdleAfter: idle, ScanCache: scans, Preload: !cfg.NoPreload})
		if err != nil {
			return nil, err
		}
		n.closers = append(n.closers, n.room.Close)
		apps = liveApps{n.room}
		if cfg.Demo {
			if err := importDemo(ctx, n.room, log); err != nil {
				return nil, fmt.Errorf("demo app: %w", err)
			}
		}
	}
	hosts, err := transport.NewAllowedHosts(cfg.Addr, cfg.AllowedHosts)
	if err != nil {
		return nil, fmt.Errorf("APPSMITH_RTS_ALLOWED_HOSTS: %w", err)
	}
	log.Info("answering for hosts", "hosts", hosts.String())
	api, err := transport.NewHandler(handlerOptions(cfg, transport.Options{
		Logger: log, Registerer: reg, Secret: cfg.Secret, Apps: apps, AllowedHosts: hosts, ScanCache: scans,
	}))
	if err != nil {
		return nil, err
	}
	var rdb *redis.Client
	if cfg.RedisURL != "" {
		ro, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("--redis: %w", err)
		}
		rdb = redis.NewClient(ro)
		// Closed after the sockets shut down (closers run in reverse).
		n.closers = append(n.closers, func() { rdb.Close() })
		log.Info("several nodes: rooms, presence and pushes go through Redis", "redis", ro.Addr)
	}
	n.sockets, err = socketio.New(socketio.Options{
		APIBaseURL: cfg.APIBaseURL, ReleaseVersion: cfg.ReleaseVersion, AllowedOrigins: cfg.AllowedOrigins,
		Logger: log.With("component", "socketio"), Registerer: reg, Redis: rdb, Secret: cfg.Secret,
		// Without an Appsmith backend nobody can sign in; the graph page
		// still gets live pushes, read-only.
		AnonymousViewers: cfg.APIBaseURL == "",
	})
	if err != nil {
		return nil, err
	}
	if n.room != nil {
		// Unsubscribe before the room closes (closers run in reverse).
		pusher := &transport.AppPusher{Publisher: n.sockets, Logger: log}
		n.closers = append(n.closers, n.room.Subscribe(func(ev liveapps.Event) { pusher.Push(appEvent(ev)) }))
	}
	n.http = transport.NewServer(transport.ServerOptions{
		Addr: cfg.Addr, Handler: transport.Root(api, n.sockets, web.Handler()), Logger: log, ShutdownTimeout: cfg.ShutdownTimeout,
	})
	if err := n.http.Listen(); err != nil {
		return nil, err
	}
	return n, nil
}

// handlerOptions adds the configured limits to o; zero keeps the
// transport's defaults.
func handlerOptions(cfg config.Config, o transport.Options) transport.Options {
	l := cfg.Limits
	o.MaxBodyBytes = int64(l.MaxBodyMB) << 20
	o.MaxScripts = l.MaxScripts
	o.MaxAnswerBytes = l.MaxAnswerMB << 20
	o.MaxHeavy, o.HeavyQueue = l.MaxHeavy, l.HeavyQueue
	o.ExtractCacheBytes = int64(l.ExtractCacheMB) << 20
	if l.NoExtractCache {
		// The kept page saves are a cache of answers too.
		o.ExtractCacheBytes, o.SavedPagesBytes = -1, -1
	}
	return o
}

func (n *node) addr() net.Addr { return n.http.Addr() }

// run serves until ctx ends, then stops in order: HTTP requests drain;
// WebSockets, which the HTTP server does not track once hijacked, are
// closed going away; the store closes last.
func (n *node) run(ctx context.Context) error {
	defer n.close()
	runErr := n.http.Run(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
	defer cancel()
	if err := n.sockets.Shutdown(sctx); err != nil {
		n.log.Warn("closing sockets", "error", err)
	}
	return runErr
}

func (n *node) close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		n.closers[i]()
	}
	n.closers = nil
}

// importDemo imports the demo app unless the store already has it.
func importDemo(ctx context.Context, room *liveapps.Room, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	list, err := room.ListApps(ctx)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.Name == "Demo" {
			log.Info("demo app present", "id", a.ID)
			return nil
		}
	}
	id, err := room.ImportExport(ctx, strings.NewReader(demoApp))
	if err != nil {
		return err
	}
	log.Info("demo app imported", "id", id)
	return nil
}
