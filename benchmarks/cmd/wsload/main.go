// Command wsload is a load generator for the realtime endpoint: it opens
// many Socket.IO (Engine.IO v4 WebSocket) connections in rooms, drives
// Appsmith presence (collab:start_edit / leave_edit, collab:online_editors)
// and server pushes, and reports fan-out latency, delivered messages per
// second and memory per idle connection. It speaks the protocol itself with
// gorilla/websocket, so the same run works against rts and against a
// socket.io server (benchmarks/node-socketio).
//
//	go run ./benchmarks/cmd/wsload                          # in-process rts, 10,000 connections
//	go run ./benchmarks/cmd/wsload -conns 2000 -rate 0      # saturate fan-out
//	go run ./benchmarks/cmd/wsload -role users-me -addr 127.0.0.1:18080 &
//	go run ./benchmarks/cmd/wsload -role server -addr 127.0.0.1:18091 -api-base http://127.0.0.1:18080/api/v1 &
//	go run ./benchmarks/cmd/wsload -target http://127.0.0.1:18091 -server-pid $!
//
// Roles: "inprocess" (the default when -target is empty) runs rts's
// socketio.Server in this process and the clients in a child process (so
// the memory measured with runtime.MemStats is the server's alone);
// "client" drives an external server at -target (memory from
// /proc/<-server-pid>/status); "server" runs rts's socketio.Server alone
// (with the optional publish endpoint) and "users-me" runs the stand-in
// Appsmith /users/me, for comparisons with external servers; "split"
// relays each new connection at -addr to the next node of -target in
// turn (a one-port load client, such as siobench, on two nodes).
//
// Each connection authenticates with its own cookie SESSION=u<k> against
// the stand-in /users/me (a client role starts one itself at -users-me-addr
// unless -no-users-me), connects to "/" and joins app:room-<k / room-size>.
// Pushes go through the server's publish endpoint (POST {room, event,
// payload} to -publish-url): the payload carries the send time and every
// receiver records now − sent. Everything runs on loopback and stops by
// itself (-timeout).
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"
)

type config struct {
	role          string
	target        string
	publishURL    string
	addr          string
	apiBase       string
	usersMeAddr   string
	noUsersMe     bool
	conns         int
	roomSize      int
	publishes     int
	rate          float64
	concurrency   int
	payload       int
	churn         float64
	churnConns    int
	dialConc      int
	serverPID     int
	settle        time.Duration
	timeout       time.Duration
	asJSON        bool
	label         string
	maxQueueBytes int
	memProfile    string
	cpuProfile    string
	waitGo        bool // client under an in-process parent: wait for "go" on stdin
	redisURL      string
}

func main() {
	os.Exit(run())
}

func run() int {
	var c config
	fs := flag.NewFlagSet("wsload", flag.ContinueOnError)
	fs.StringVar(&c.role, "role", "", `inprocess | client | server | users-me | split (default: inprocess without -target, client with it)`)
	fs.StringVar(&c.target, "target", "", "base URL of the server under test, e.g. http://127.0.0.1:8091 (the socket path is /rts/); several, comma-separated, share the connections and pushes go to the first (cross-node fan-out)")
	fs.StringVar(&c.redisURL, "redis", "", "role server: join other nodes through this Redis")
	fs.StringVar(&c.publishURL, "publish-url", "", "publish endpoint (default: <target>/rts-publish)")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address (roles server, users-me, inprocess)")
	fs.StringVar(&c.apiBase, "api-base", "", "APIBaseURL of the server (role server; inprocess: the stand-in)")
	fs.StringVar(&c.usersMeAddr, "users-me-addr", "127.0.0.1:18080", "where a client role starts the stand-in /users/me")
	fs.BoolVar(&c.noUsersMe, "no-users-me", false, "client role: do not start the stand-in /users/me")
	fs.IntVar(&c.conns, "conns", 10000, "connections")
	fs.IntVar(&c.roomSize, "room-size", 100, "connections per room")
	fs.IntVar(&c.publishes, "publishes", 20, "pushes per room in the measured phase")
	fs.Float64Var(&c.rate, "rate", 200, "pushes per second overall (0: as fast as -concurrency publishers go)")
	fs.IntVar(&c.concurrency, "concurrency", 8, "concurrent publish requests")
	fs.IntVar(&c.payload, "payload", 256, "padding bytes in each push")
	fs.Float64Var(&c.churn, "churn", 20, "presence changes per second during the push phase (a churn connection moves to another room)")
	fs.IntVar(&c.churnConns, "churn-conns", 10, "extra connections that move between rooms (their pushes are not counted)")
	fs.IntVar(&c.dialConc, "dial-concurrency", 100, "connections being opened at once")
	fs.IntVar(&c.serverPID, "server-pid", 0, "client role: pid of the server, for its RSS before and after connecting")
	fs.DurationVar(&c.settle, "settle", 2*time.Second, "idle time before measuring memory")
	fs.DurationVar(&c.timeout, "timeout", 110*time.Second, "hard limit of the whole run")
	fs.BoolVar(&c.asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&c.label, "label", "", "name of the server in the report (default: rts or the target)")
	fs.IntVar(&c.maxQueueBytes, "max-queue-bytes", 0, "server MaxQueueBytes (roles server, inprocess; 0: default 1 MiB)")
	fs.StringVar(&c.memProfile, "memprofile", "", "inprocess: write the server's heap profile at idle to this file")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "inprocess: write the server's CPU profile of the push phase to this file")
	fs.BoolVar(&c.waitGo, "wait-go", false, "internal: wait for a line on stdin before pushing")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: wsload [flags]\n\nLoad generator for the Socket.IO endpoint (rts or socket.io).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "wsload: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if c.role == "" {
		c.role = "inprocess"
		if c.target != "" {
			c.role = "client"
		}
	}
	if c.conns < 1 || c.roomSize < 1 || c.publishes < 0 || c.concurrency < 1 || c.dialConc < 1 || c.timeout <= 0 {
		fmt.Fprintln(os.Stderr, "wsload: -conns, -room-size, -concurrency, -dial-concurrency and -timeout must be positive")
		return 2
	}
	if c.timeout > 10*time.Minute {
		c.timeout = 10 * time.Minute
	}
	raiseFileLimit(c.conns + 5000)

	var err error
	switch c.role {
	case "inprocess":
		err = runInProcess(&c)
	case "client":
		if c.target == "" {
			fmt.Fprintln(os.Stderr, "wsload: -role client needs -target")
			return 2
		}
		var rep *report
		rep, err = runClient(&c)
		if err == nil {
			rep.print(os.Stdout, c.asJSON)
		}
	case "server":
		err = runServer(&c)
	case "users-me":
		err = runUsersMe(&c)
	case "split":
		err = runSplit(&c)
	default:
		fmt.Fprintf(os.Stderr, "wsload: unknown -role %q\n", c.role)
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		return 1
	}
	return 0
}

// raiseFileLimit lifts RLIMIT_NOFILE to at least want (10,000 sockets need
// about 25,000 descriptors with both ends in one process); the hard limit
// can only be raised with privileges, so it falls back to the hard limit.
func raiseFileLimit(want int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur >= uint64(want) {
		return
	}
	next := lim
	next.Cur = uint64(want)
	if next.Max < next.Cur {
		next.Max = next.Cur
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err == nil {
		return
	}
	next = lim
	next.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err == nil && int(lim.Max) < want {
		fmt.Fprintf(os.Stderr, "wsload: open-file limit is %d (wanted %d); raise `ulimit -n` for more connections\n", lim.Max, want)
	}
}
