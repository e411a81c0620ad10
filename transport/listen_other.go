//go:build !linux

package transport

import "net"

// listenConfig is net's default elsewhere: keep-alive is set on each
// accepted connection (see listen_linux.go).
var listenConfig = net.ListenConfig{}
