package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/appsmith-rts/rts/internal/rawsock"
)

// leanClient posts requests one at a time over one HTTP/1.1 keep-alive
// connection, written and read by the calling goroutine: the request's
// head and body leave in one writev, the answer is read into one buffer.
// It is the DSL replay's default client because net/http's costs the
// client about as much CPU per request as a fast server spends on the
// request (measured with rts: 100-150 µs a request against rts's 240):
// its connection's read and write loops are goroutines that hand every
// request and answer over to each other (futex wake-ups), the body
// leaves in a 4 KB write and then the rest (two wake-ups of the server
// where one would do), and every read and write through net.Conn wakes
// the runtime's sysmon, which then polls every 20 µs on the client's one
// core. All of it is the measuring tool's time, the same for every
// server, and it was counted in each server's wall time; a server that
// answers in 250 µs shows it far more than one that answers in 2.5 ms.
// The lean client speaks only what the replay needs: POST with a
// Content-Length, answers with a Content-Length, chunked or ending with
// the connection.
type leanClient struct {
	addr    string // host:port to dial
	host    string // the Host header
	timeout time.Duration

	conn net.Conn
	raw  *rawsock.Conn // conn's raw I/O (internal/rawsock); nil: through conn
	// reused: conn has carried an answer, so a failure before any byte
	// of the next answer may be the server closing an idle connection;
	// the request is then sent once more on a new one, as net/http does.
	reused   bool
	stopWait func() bool // undoes the context.AfterFunc of conn

	head []byte
	buf  []byte // read buffer; unread bytes are buf[r:w]
	r, w int
	body []byte // the last answer's body
	// nread counts the bytes read, to tell whether an attempt got any.
	nread int64
	// spin: how long a raw read tries again before it waits with the
	// poller (DSLReplayConfig.Spin).
	spin time.Duration
}

// errLeanProtocol is an answer the lean client cannot read.
var errLeanProtocol = errors.New("malformed HTTP answer")

func newLeanClient(host string, timeout time.Duration) *leanClient {
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, "80")
	}
	return &leanClient{addr: addr, host: host, timeout: timeout, buf: make([]byte, 64<<10)}
}

func (c *leanClient) close() {
	if c.conn != nil {
		c.stopWait()
		_ = c.conn.Close()
		c.conn, c.raw, c.reused = nil, nil, false
	}
	c.r, c.w = 0, 0
}

// post sends body to path and reads the answer: its status (0 when no
// answer came) and body (valid until the next post).
func (c *leanClient) post(ctx context.Context, path, secret string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		retry := c.reused && attempt == 0
		status, got, err := c.once(ctx, path, secret, body)
		if err == nil {
			return status, c.body, nil
		}
		c.close()
		if got || !retry || ctx.Err() != nil {
			return status, nil, err
		}
	}
}

// once is one attempt of post; got reports whether any byte of an answer
// came.
func (c *leanClient) once(ctx context.Context, path, secret string, body []byte) (status int, got bool, err error) {
	if c.conn == nil {
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, false, err
		}
		c.conn, c.raw = conn, rawsock.New(conn)
		// A cancel ends a request that waits for its answer at once.
		c.stopWait = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, false, err
	}
	h := append(c.head[:0], "POST "...)
	h = append(h, path...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, c.host...)
	h = append(h, "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: "...)
	h = strconv.AppendInt(h, int64(len(body)), 10)
	h = append(h, "\r\nContent-Type: application/json\r\n"...)
	if secret != "" {
		h = append(h, "X-Rts-Secret: "...)
		h = append(h, secret...)
		h = append(h, "\r\n"...)
	}
	h = append(h, "\r\n"...)
	c.head = h
	if err := c.write(h, body); err != nil {
		return 0, false, err
	}
	before := c.nread
	status, length, chunked, keep, err := c.readHead()
	if err != nil {
		return 0, c.nread > before, err
	}
	switch {
	case chunked:
		err = c.readChunked()
	case length >= 0:
		err = c.readN(length)
	default:
		keep = false
		err = c.readToEOF()
	}
	if err != nil {
		return status, true, err
	}
	if !keep {
		c.close()
	} else {
		c.reused = true
	}
	return status, true, nil
}

func (c *leanClient) read(p []byte) (int, error) {
	if c.raw != nil {
		return c.raw.Read(p, c.spin)
	}
	return c.conn.Read(p)
}

// write sends head and then body, in one writev when it can.
func (c *leanClient) write(head, body []byte) error {
	if c.raw != nil && len(body) > 0 {
		return c.raw.Write(head, body)
	}
	bufs := net.Buffers{head, body}
	_, err := bufs.WriteTo(c.conn)
	return err
}

// fill reads more bytes into the buffer, growing it when it is full.
func (c *leanClient) fill() error {
	if c.r > 0 && c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.w == len(c.buf) {
		if c.r > 0 {
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		} else {
			c.buf = append(c.buf, make([]byte, len(c.buf))...)
		}
	}
	n, err := c.read(c.buf[c.w:])
	c.w += n
	c.nread += int64(n)
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// readHead reads an answer's status line and headers (1xx answers are
// skipped): its status, Content-Length (-1 when none), whether it is
// chunked and whether the connection stays open.
func (c *leanClient) readHead() (status int, length int64, chunked, keep bool, err error) {
	for {
		end := bytes.Index(c.buf[c.r:c.w], []byte("\r\n\r\n"))
		for end < 0 {
			if c.w-c.r > 1<<20 {
				return 0, 0, false, false, errLeanProtocol
			}
			if err := c.fill(); err != nil {
				return 0, 0, false, false, err
			}
			end = bytes.Index(c.buf[c.r:c.w], []byte("\r\n\r\n"))
		}
		head := c.buf[c.r : c.r+end]
		c.r += end + 4
		line, rest, _ := bytes.Cut(head, []byte("\r\n"))
		proto, code, ok := bytes.Cut(line, []byte(" "))
		if !ok || !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(code) < 3 {
			return 0, 0, false, false, errLeanProtocol
		}
		status, err = strconv.Atoi(string(code[:3]))
		if err != nil || status < 100 {
			return 0, 0, false, false, errLeanProtocol
		}
		keep = string(proto) == "HTTP/1.1"
		length = -1
		chunked = false
		for len(rest) > 0 {
			var l []byte
			l, rest, _ = bytes.Cut(rest, []byte("\r\n"))
			name, value, ok := bytes.Cut(l, []byte(":"))
			if !ok {
				return status, 0, false, false, errLeanProtocol
			}
			value = bytes.TrimSpace(value)
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				n, err := strconv.ParseInt(string(value), 10, 64)
				if err != nil || n < 0 {
					return status, 0, false, false, errLeanProtocol
				}
				length = n
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				if !bytes.EqualFold(value, []byte("chunked")) {
					return status, 0, false, false, errLeanProtocol
				}
				chunked = true
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(value, []byte("close")) {
					keep = false
				} else if bytes.EqualFold(value, []byte("keep-alive")) {
					keep = true
				}
			}
		}
		if status >= 200 {
			if status == 204 || status == 304 {
				length, chunked = 0, false
			}
			return status, length, chunked, keep, nil
		}
	}
}

// readN reads an n-byte body.
func (c *leanClient) readN(n int64) error {
	if n > 1<<30 {
		return errLeanProtocol
	}
	c.body = c.body[:0]
	return c.appendN(int(n))
}

// appendN appends the next n bytes of the connection to c.body.
func (c *leanClient) appendN(n int) error {
	if k := min(n, c.w-c.r); k > 0 {
		c.body = append(c.body, c.buf[c.r:c.r+k]...)
		c.r += k
		n -= k
	}
	if n == 0 {
		return nil
	}
	// The rest straight into the body.
	start := len(c.body)
	if cap(c.body)-start < n {
		c.body = append(c.body[:cap(c.body)], make([]byte, start+n-cap(c.body))...)
	}
	c.body = c.body[:start+n]
	for p := c.body[start:]; len(p) > 0; {
		m, err := c.read(p)
		p = p[m:]
		if m == 0 && err == nil {
			err = io.ErrNoProgress
		}
		if len(p) > 0 && err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// line returns the next CRLF-terminated line, without the CRLF.
func (c *leanClient) line() ([]byte, error) {
	for {
		if i := bytes.Index(c.buf[c.r:c.w], []byte("\r\n")); i >= 0 {
			l := c.buf[c.r : c.r+i]
			c.r += i + 2
			return l, nil
		}
		if c.w-c.r > 64<<10 {
			return nil, errLeanProtocol
		}
		if err := c.fill(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// readChunked reads a chunked body (extensions and trailers ignored).
func (c *leanClient) readChunked() error {
	c.body = c.body[:0]
	for {
		l, err := c.line()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(l)), 16, 64)
		if err != nil || n < 0 || n > 1<<30 || int64(len(c.body))+n > 1<<30 {
			return errLeanProtocol
		}
		if n == 0 {
			for { // trailers, up to the empty line
				l, err := c.line()
				if err != nil {
					return err
				}
				if len(l) == 0 {
					return nil
				}
			}
		}
		if err := c.appendN(int(n)); err != nil {
			return err
		}
		l, err = c.line()
		if err != nil {
			return err
		}
		if len(l) != 0 {
			return fmt.Errorf("%w: chunk longer than its size", errLeanProtocol)
		}
	}
}

// readToEOF reads a body that ends with the connection.
func (c *leanClient) readToEOF() error {
	c.body = append(c.body[:0], c.buf[c.r:c.w]...)
	c.r = c.w
	for {
		if len(c.body) > 1<<30 {
			return errLeanProtocol
		}
		if cap(c.body)-len(c.body) < 32<<10 {
			c.body = append(c.body, make([]byte, 32<<10)...)[:len(c.body)]
		}
		m, err := c.read(c.body[len(c.body):cap(c.body)])
		c.body = c.body[:len(c.body)+m]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
