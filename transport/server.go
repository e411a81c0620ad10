package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ServerOptions configures a Server.
type ServerOptions struct {
	// Addr is the listen address, host:port; port 0 picks a free port.
	Addr string
	// Handler answers the requests, usually a *Handler.
	Handler http.Handler
	// Logger receives the server's own errors. Nil discards.
	Logger *slog.Logger
	// ShutdownTimeout bounds how long Run waits for in-flight requests after
	// its context ends (0: 10 s).
	ShutdownTimeout time.Duration
	// FastPaths are the POST routes a connection's requests are served on
	// without net/http while they are plain (see fastpath.go); nil:
	// DefaultFastPaths, empty: none. Handler must answer them without
	// Hijack, Flush, trailers or a Transfer-Encoding of its own.
	FastPaths []string
	// UpgradePaths are the path prefixes whose WebSocket handshakes the
	// fast path hands to Handler itself (see fastupgrade.go), when there
	// are FastPaths; nil: DefaultUpgradePaths, empty: none.
	UpgradePaths []string
}

// Server is the HTTP listener of `rts serve`, with the timeouts Appsmith's
// RTS uses and a graceful stop.
type Server struct {
	hs       *http.Server
	log      *slog.Logger
	timeout  time.Duration
	addr     string
	ln       net.Listener
	paths    []string
	upgrades []string
	front    *fastFront // nil: net/http serves every connection
	stopOnce sync.Once
	stopped  chan struct{} // closed when Shutdown has finished
	stopErr  error
}

// NewServer returns a Server that is not listening yet.
func NewServer(o ServerOptions) *Server {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	paths := o.FastPaths
	if paths == nil {
		paths = DefaultFastPaths
	}
	upgrades := o.UpgradePaths
	if upgrades == nil {
		upgrades = DefaultUpgradePaths
	}
	return &Server{
		paths:    paths,
		upgrades: upgrades,
		hs: &http.Server{
			Handler: o.Handler,
			// Appsmith sets keepAliveTimeout 60 s so that its keep-alive
			// outlives the Java pool's 30 s idle time; headers must come
			// quickly (Appsmith allows 61 s, which only helps slowloris).
			IdleTimeout:       60 * time.Second,
			ReadHeaderTimeout: 10 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
			ConnContext:       corkContext,
		},
		log:     log,
		timeout: timeout,
		addr:    o.Addr,
		stopped: make(chan struct{}),
	}
}

// Listen binds the address; Addr then tells the port chosen.
func (s *Server) Listen() error {
	if s.ln != nil {
		return nil
	}
	ln, err := listenConfig.Listen(context.Background(), "tcp", s.addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr is the bound address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Run listens (unless Listen was called) and serves until ctx ends, then
// stops gracefully: no new connections, in-flight requests finish within
// the shutdown timeout, after which the rest are cut. It returns nil after
// a graceful stop, also when Shutdown was called directly.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	served := make(chan error, 1)
	var ln net.Listener = s.ln
	if len(s.paths) > 0 {
		s.front = newFastFront(s.ln, s.hs, s.log, s.paths)
		s.front.upgrades = s.upgrades
		ln = s.front
	}
	go func() { served <- s.hs.Serve(corkListener{ln}) }()

	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		<-s.stopped // Serve returns as soon as Shutdown starts; wait for the drain
		return s.stopErr
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	err := s.Shutdown(sctx)
	<-served
	return err
}

// Shutdown stops the server: it closes the listener and idle connections,
// waits for in-flight requests until ctx ends, then closes what remains.
// Only the first call does the work; later calls wait for it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		defer close(s.stopped)
		err := s.hs.Shutdown(ctx)
		if err == nil && s.front != nil {
			err = s.front.shutdown(ctx)
		}
		if err != nil {
			s.log.Warn("shutdown timed out; closing the remaining connections", "error", err)
			_ = s.hs.Close()
			if s.front != nil {
				s.front.closeAll()
			}
			s.stopErr = fmt.Errorf("shutdown: %w", err)
		}
		if s.ln != nil {
			_ = s.ln.Close() // when Serve never ran
		}
	})
	select {
	case <-s.stopped: // always so for the caller that did the work
		return s.stopErr
	default:
	}
	select {
	case <-s.stopped:
		return s.stopErr
	case <-ctx.Done():
		return ctx.Err()
	}
}
