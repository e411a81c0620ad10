// Command httpfloor answers every HTTP/1.1 request on loopback with the same
// small JSON at once, whatever was asked: the least any server can do. Its
// latency under the load tool (benchmarks/wrk/compare.sh's wrk -t2 -c8) is
// what the machine, the scheduler and the tool add to every request, the
// floor below which no server's percentiles can go there.
//
//	taskset -c 0 go run ./benchmarks/cmd/httpfloor -addr 127.0.0.1:18599 &
//	WRK_DATA=/tmp/trace WRK_MODE=single-same taskset -c 1 wrk -t2 -c8 -d8s --latency -s benchmarks/wrk/rts.lua http://127.0.0.1:18599
package main

import (
	"bytes"
	"flag"
	"log"
	"net"
	"strconv"
)

var resp = []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 16\r\n\r\n{\"success\":true}")

func main() {
	addr := flag.String("addr", "127.0.0.1:18599", "address to listen on (loopback)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c)
	}
}

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 0, 1<<16)
	tmp := make([]byte, 1<<16)
	for {
		// A request is its head and Content-Length bytes of body; wrk
		// sends one at a time on each connection.
		for {
			i := bytes.Index(buf, []byte("\r\n\r\n"))
			if i >= 0 {
				n := 0
				if j := bytes.Index(bytes.ToLower(buf[:i]), []byte("content-length:")); j >= 0 {
					k := j + 15
					e := bytes.IndexByte(buf[k:i+2], '\r')
					n, _ = strconv.Atoi(string(bytes.TrimSpace(buf[k : k+e])))
				}
				if len(buf) >= i+4+n {
					buf = append(buf[:0], buf[i+4+n:]...)
					break
				}
			}
			m, err := c.Read(tmp)
			if err != nil {
				return
			}
			buf = append(buf, tmp[:m]...)
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}
