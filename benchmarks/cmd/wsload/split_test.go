package main

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestSplitAlternates: connections through the splitter reach its targets
// in turn, and bytes flow both ways.
func TestSplitAlternates(t *testing.T) {
	var addrs []string
	for i := range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					line, _ := bufio.NewReader(c).ReadString('\n')
					_, _ = c.Write([]byte{byte('A' + i)})
					_, _ = c.Write([]byte(line))
				}()
			}
		}()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &splitter{ln: ln, targets: addrs}
	go s.serve()
	defer s.close()
	var got string
	for range 4 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = c.Write([]byte("hi\n"))
		reply, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || reply[1:] != "hi\n" {
			t.Fatalf("reply %q, %v", reply, err)
		}
		got += reply[:1]
	}
	if got != "ABAB" {
		t.Fatalf("targets in order %q, want ABAB", got)
	}
}
