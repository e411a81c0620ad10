// Package rawsock reads and writes a TCP or Unix socket's descriptor with
// raw system calls inside the runtime poller's callbacks, so that a busy
// request loop (the server's fast path, the DSL replay's client) does not
// wake the runtime's sysmon thread on every read and write, as net.Conn's
// do; deadlines and waiting stay the poller's. It owns only that I/O: what
// is read or written, and when, is the caller's.
package rawsock
