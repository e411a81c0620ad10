package transport

import "bytes"

// fastHead is what parseHead finds in a request head the fast path serves
// (see fastpath.go). Offsets are into the head's bytes.
type fastHead struct {
	path          string // one of the fast paths: a constant, not the request's bytes
	host          [2]int // the Host value's start and end
	contentLength int64
	lines         [][4]int // every header line: name start, name end, value start, value end
}

// maxFastHeaders bounds the header lines of a request the fast path takes;
// a request with more goes to net/http.
const maxFastHeaders = 64

// parseHead reads the request head at the start of b. It returns the
// head's length through its blank line when b holds all of it, 0 when
// more bytes are needed, and ok false when the request is not one the
// fast path serves, so that the connection goes to net/http, which
// answers everything (errors included) as it always has. The fast path
// takes only what it can read without doubt: `POST <one of paths>
// HTTP/1.1`, CRLF line ends, header names of token characters, values of
// visible ASCII, exactly one Host of plain host characters, exactly one
// Content-Length of digits, and none of Transfer-Encoding, Expect,
// Upgrade, or a Connection other than keep-alive. A bare LF, a folded
// line or anything else unusual is net/http's to judge.
func parseHead(b []byte, paths []string, h *fastHead) (n int, ok bool) {
	const method = "POST "
	if len(b) < len(method) {
		return 0, bytes.HasPrefix([]byte(method), b)
	}
	if !bytes.HasPrefix(b, []byte(method)) {
		return 0, false
	}
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 {
		// The request line is incomplete: it must still be able to become
		// one of ours.
		return 0, len(b) <= len(method)+maxPathLen(paths)+len(" HTTP/1.1\r")
	}
	if eol == 0 || b[eol-1] != '\r' {
		return 0, false
	}
	line := b[:eol-1]
	const proto = " HTTP/1.1"
	if len(line) < len(method)+len(proto) || !bytes.HasSuffix(line, []byte(proto)) {
		return 0, false
	}
	target := line[len(method) : len(line)-len(proto)]
	h.path = ""
	for _, p := range paths {
		if string(target) == p {
			h.path = p
			break
		}
	}
	if h.path == "" {
		return 0, false
	}
	h.lines = h.lines[:0]
	h.contentLength = -1
	hosts := 0
	i := eol + 1
	for {
		rest := b[i:]
		eol := bytes.IndexByte(rest, '\n')
		if eol < 0 {
			return 0, true
		}
		if eol == 0 || rest[eol-1] != '\r' {
			return 0, false
		}
		line := rest[:eol-1]
		next := i + eol + 1
		if len(line) == 0 {
			if hosts != 1 || h.contentLength < 0 {
				return 0, false
			}
			return next, true
		}
		if len(h.lines) == maxFastHeaders {
			return 0, false
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return 0, false
		}
		name := line[:colon]
		for _, c := range name {
			if !isTokenByte(c) {
				return 0, false
			}
		}
		vs, ve := colon+1, len(line)
		for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
			vs++
		}
		for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
			ve--
		}
		value := line[vs:ve]
		for _, c := range value {
			if (c < ' ' && c != '\t') || c > '~' {
				return 0, false
			}
		}
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			hosts++
			if hosts > 1 || len(value) == 0 {
				return 0, false
			}
			for _, c := range value {
				if !isHostByte(c) {
					return 0, false
				}
			}
			h.host = [2]int{i + vs, i + ve}
		case bytes.EqualFold(name, []byte("Content-Length")):
			if h.contentLength >= 0 || len(value) == 0 || len(value) > 18 {
				return 0, false
			}
			var cl int64
			for _, c := range value {
				if c < '0' || c > '9' {
					return 0, false
				}
				cl = cl*10 + int64(c-'0')
			}
			h.contentLength = cl
		case bytes.EqualFold(name, []byte("Connection")):
			if !bytes.EqualFold(value, []byte("keep-alive")) {
				return 0, false
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")),
			bytes.EqualFold(name, []byte("Expect")),
			bytes.EqualFold(name, []byte("Upgrade")):
			return 0, false
		}
		h.lines = append(h.lines, [4]int{i, i + colon, i + vs, i + ve})
		i = next
	}
}

func maxPathLen(paths []string) int {
	n := 0
	for _, p := range paths {
		n = max(n, len(p))
	}
	return n
}

// isTokenByte: RFC 9110's tchar, what a header name is made of.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

// isHostByte: what a Host of a name or an address and a port is made of;
// anything else (percent escapes, user info) is left to net/http.
func isHostByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'
}

// isCanonicalKey reports whether net/http's canonical form of the header
// name b (token bytes) is b itself: upper case first and after each
// hyphen, lower case elsewhere.
func isCanonicalKey(b []byte) bool {
	upper := true
	for _, c := range b {
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return false
		}
		upper = c == '-'
	}
	return true
}
