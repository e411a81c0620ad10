package transport

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// AllowedHosts is the set of Host header values the server answers: its
// defence against DNS rebinding, where a web page on a domain the attacker
// points at 127.0.0.1 talks to rts as a same-origin site. A browser always
// sends the name it resolved, so a Host that is not one of ours means a page
// we never served is driving the browser; it gets 421 on every route, the
// WebSocket upgrade included.
//
// The zero value allows the loopback names only: 127.0.0.1, localhost and
// [::1] (any port, any case).
type AllowedHosts struct {
	any      bool            // "*": the proxy in front checks names
	anyIP    bool            // listening on every interface: any IP literal
	names    map[string]bool // lower case, no port, no trailing dot
	suffixes []string        // "*.example.com" as ".example.com"
}

// NewAllowedHosts allows the names of the listen address (host:port): the
// loopback names and its host, or, when it listens on every interface
// (0.0.0.0, [::], no host), any IP literal, since a rebinding attack needs
// a domain name. extra adds names: "rts.example.com", "*.example.com" (subdomains
// only) or "*" (anything, for a proxy that checks names itself). A port in
// an entry is ignored: the listener already fixes the port.
func NewAllowedHosts(listenAddr string, extra []string) (*AllowedHosts, error) {
	a := &AllowedHosts{}
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		host = listenAddr
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); host == "" || err == nil && ip.IsUnspecified() {
		a.anyIP = true // ":8091" listens on every interface too
	} else {
		a.add(host)
	}
	for _, e := range extra {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case e == "*":
			a.any = true
		case strings.HasPrefix(e, "*."):
			name := normalHost(e[1:])
			if len(name) < 2 || strings.ContainsAny(name[1:], "*/") {
				return nil, fmt.Errorf("allowed host %q: want a name, *.domain or *", e)
			}
			a.suffixes = append(a.suffixes, name)
		default:
			if strings.ContainsAny(e, "*/ ") {
				return nil, fmt.Errorf("allowed host %q: want a name, *.domain or *", e)
			}
			a.add(e)
		}
	}
	return a, nil
}

func (a *AllowedHosts) add(hostport string) {
	if a.names == nil {
		a.names = make(map[string]bool)
	}
	a.names[normalHost(hostport)] = true
}

// normalHost lowers a Host value and drops its port, the brackets of an
// IPv6 literal and a trailing dot ("localhost." is localhost to a resolver).
func normalHost(hostport string) string {
	h := hostport
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[1:i]
		}
	} else if i := strings.IndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// Allows reports whether a request's Host is one of the server's names. An
// empty Host (HTTP/1.0 without one) is allowed: browsers always send one,
// so it cannot come from a rebinding page.
func (a *AllowedHosts) Allows(hostport string) bool {
	if a == nil {
		a = &AllowedHosts{}
	}
	if hostport == "" || a.any {
		return true
	}
	h := normalHost(hostport)
	switch h {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	if a.names[h] {
		return true
	}
	for _, s := range a.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	if a.anyIP {
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	return false
}

// String lists the allowed names for the startup log.
func (a *AllowedHosts) String() string {
	if a == nil {
		a = &AllowedHosts{}
	}
	if a.any {
		return "*"
	}
	var names []string
	for n := range a.names {
		switch n {
		case "localhost", "127.0.0.1", "::1":
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	list := append([]string{"localhost", "127.0.0.1", "[::1]"}, names...)
	for _, s := range a.suffixes {
		list = append(list, "*"+s)
	}
	if a.anyIP {
		list = append(list, "any IP address")
	}
	return strings.Join(list, ", ")
}
