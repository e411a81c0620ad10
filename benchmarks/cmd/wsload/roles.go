package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/appsmith-rts/rts/transport/socketio"
	"github.com/prometheus/client_golang/prometheus"
)

// usersMeHandler is the stand-in Appsmith backend: SESSION=u<k> is user k.
func usersMeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/users/me") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		c, err := r.Cookie("SESSION")
		if err != nil || !strings.HasPrefix(c.Value, "u") {
			_, _ = io.WriteString(w, `{"data":{"email":"anonymousUser"}}`)
			return
		}
		k := strings.TrimPrefix(c.Value, "u")
		fmt.Fprintf(w, `{"data":{"email":"u%s@load.test","name":"User %s"}}`, k, k)
	})
}

// startUsersMe serves the stand-in at addr until stop is called.
func startUsersMe(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("stand-in /users/me: %w", err)
	}
	srv := &http.Server{Handler: usersMeHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}

func runUsersMe(cfg *config) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Printf("users-me http://%s/api/v1 pid %d\n", ln.Addr(), os.Getpid())
	srv := &http.Server{Handler: usersMeHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	waitSignal(cfg.timeout)
	return srv.Close()
}

func waitSignal(limit time.Duration) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(limit):
	}
}

// rtsServer runs rts's socketio.Server with the publish endpoint on a
// loopback listener.
type rtsServer struct {
	sio  *socketio.Server
	http *http.Server
	ln   net.Listener
	reg  *prometheus.Registry
}

func startRTS(addr, apiBase string, maxQueue int, rdb *redis.Client) (*rtsServer, error) {
	reg := prometheus.NewRegistry()
	sio, err := socketio.New(socketio.Options{
		APIBaseURL:     apiBase,
		ReleaseVersion: "wsload",
		Registerer:     reg,
		MaxQueueBytes:  maxQueue,
		Redis:          rdb,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/rts/", sio)
	mux.Handle("/rts-publish", sio.PublishHandler())
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = sio.Shutdown(context.Background())
		return nil, err
	}
	s := &rtsServer{sio: sio, ln: ln, reg: reg, http: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

func (s *rtsServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.sio.Shutdown(ctx)
	_ = s.http.Shutdown(ctx)
}

func runServer(cfg *config) error {
	apiBase := cfg.apiBase
	if apiBase == "" {
		apiBase = "http://" + cfg.usersMeAddr + "/api/v1"
	}
	var rdb *redis.Client
	if cfg.redisURL != "" {
		ro, err := redis.ParseURL(cfg.redisURL)
		if err != nil {
			return err
		}
		rdb = redis.NewClient(ro)
		defer rdb.Close()
	}
	s, err := startRTS(cfg.addr, apiBase, cfg.maxQueueBytes, rdb)
	if err != nil {
		return err
	}
	fmt.Printf("rts http://%s pid %d (sockets /rts/, publish /rts-publish, auth %s)\n", s.ln.Addr(), os.Getpid(), apiBase)
	waitSignal(cfg.timeout)
	s.close()
	return nil
}

// memSnapshot is the server process's memory after a full GC.
type memSnapshot struct {
	heapStack  uint64 // HeapInuse + StackInuse
	rss        int64
	goroutines int
}

func snapshot() memSnapshot {
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSnapshot{heapStack: ms.HeapInuse + ms.StackInuse, rss: rssOf(os.Getpid()), goroutines: runtime.NumGoroutine()}
}

// runInProcess runs the server here and the clients in a child process, so
// runtime.MemStats measures the server alone.
func runInProcess(cfg *config) error {
	meLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	me := &http.Server{Handler: usersMeHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = me.Serve(meLn) }()
	defer me.Close()

	s, err := startRTS(cfg.addr, "http://"+meLn.Addr().String()+"/api/v1", cfg.maxQueueBytes, nil)
	if err != nil {
		return err
	}
	defer s.close()
	base := snapshot()

	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	args := []string{"-role", "client", "-target", "http://" + s.ln.Addr().String(), "-no-users-me", "-wait-go", "-json",
		"-conns", strconv.Itoa(cfg.conns), "-room-size", strconv.Itoa(cfg.roomSize),
		"-publishes", strconv.Itoa(cfg.publishes), "-rate", strconv.FormatFloat(cfg.rate, 'f', -1, 64),
		"-concurrency", strconv.Itoa(cfg.concurrency), "-payload", strconv.Itoa(cfg.payload),
		"-churn", strconv.FormatFloat(cfg.churn, 'f', -1, 64), "-churn-conns", strconv.Itoa(cfg.churnConns), "-dial-concurrency", strconv.Itoa(cfg.dialConc),
		"-settle", cfg.settle.String(), "-timeout", (cfg.timeout - 5*time.Second).String(), "-label", "rts (in-process)"}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var idle memSnapshot
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "connected" {
			time.Sleep(cfg.settle)
			idle = snapshot()
			if cfg.memProfile != "" {
				if f, err := os.Create(cfg.memProfile); err == nil {
					_ = pprof.WriteHeapProfile(f)
					_ = f.Close()
				}
			}
			if cfg.cpuProfile != "" {
				if f, err := os.Create(cfg.cpuProfile); err == nil {
					if pprof.StartCPUProfile(f) == nil {
						defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
					}
				}
			}
			_, _ = io.WriteString(stdin, "go\n")
			continue
		}
		out.WriteString(line + "\n")
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("client process: %w", err)
	}
	var rep report
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		return fmt.Errorf("client report %q: %w", out.String(), err)
	}
	if idle.rss == 0 && idle.heapStack == 0 {
		return errors.New("the client never reported its connections")
	}
	n := float64(cfg.conns)
	rep.HeapPerConnBytes = (float64(idle.heapStack) - float64(base.heapStack)) / n
	rep.ServerRSSBeforeMB = float64(base.rss) / (1 << 20)
	rep.ServerRSSAfterMB = float64(idle.rss) / (1 << 20)
	rep.RSSPerConnBytes = float64(idle.rss-base.rss) / n
	rep.GoroutinesPerConn = float64(idle.goroutines-base.goroutines) / n
	rep.SlowConsumers = int(counterValue(s.reg, "rts_ws_slow_consumers_total"))
	rep.print(os.Stdout, cfg.asJSON)
	return nil
}

// counterValue reads a counter without labels from reg.
func counterValue(reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 && mf.GetMetric()[0].Counter != nil {
			return mf.GetMetric()[0].Counter.GetValue()
		}
	}
	return 0
}
