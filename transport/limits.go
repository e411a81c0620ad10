package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults of the work limits.
const (
	// DefaultMaxScripts bounds the scripts of one multiple-script-data
	// request. On a layout save the backend sends a page's distinct widget
	// bindings: 455 for the largest page of the shared real apps (rm's
	// MassUpdate), so 10,000 leaves room for pages twenty times larger.
	DefaultMaxScripts = 10_000
	// DefaultMaxAnswerBytes bounds the answer of one analysis request. A
	// 5 MB body cannot honestly need more than about twice its size.
	DefaultMaxAnswerBytes = 16 << 20
	// heavyBodyBytes: a single-script or entity-refactor request with a
	// larger body is heavy (its parse takes milliseconds), smaller ones are
	// the backend's everyday calls and never wait.
	heavyBodyBytes = 64 << 10
	// maxDrainBytes bounds how much of a refused body is read so that the
	// client, which may be writing it all before reading, gets the answer.
	maxDrainBytes = 64 << 20
)

// DefaultMaxHeavy is how many heavy requests (multiple-script-data, batch
// renames, large scripts) run at once: their analyses already spread over
// the cores, so more at once only adds memory.
func DefaultMaxHeavy() int { return max(2, runtime.GOMAXPROCS(0)) }

// heavyGate admits heavy requests: limit at once, up to queue more
// waiting for a turn (until their deadline), and the rest refused at once
// with 503 and Retry-After, so a burst costs bounded memory.
type heavyGate struct {
	run     chan struct{}
	waiting atomic.Int64
	queue   int64
}

func newHeavyGate(limit, queue int) *heavyGate {
	return &heavyGate{run: make(chan struct{}, max(1, limit)), queue: int64(max(0, queue))}
}

var (
	errBusy      = errors.New("too many heavy requests")
	errAnswerBig = errors.New("answer too large")
	errMalformed = errors.New("malformed JSON")
	errAnswered  = errors.New("request refused and answered")
)

// enter waits for a turn. It fails with errBusy when the line is full and
// with errTimeout when the request's time ran out or its client left.
func (g *heavyGate) enter(ctx context.Context, deadline time.Time) error {
	if trySend(g.run) {
		return nil
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return errBusy
	}
	defer g.waiting.Add(-1)
	if sendBefore(ctx, deadline, g.run) {
		return nil
	}
	return errTimeout
}

// trySend puts a token in ch if there is room.
func trySend(ch chan struct{}) bool {
	select {
	case ch <- struct{}{}:
		return true
	default:
		return false
	}
}

// sendBefore puts a token in ch, waiting for room until ctx ends or the
// deadline passes.
func sendBefore(ctx context.Context, deadline time.Time, ch chan struct{}) bool {
	if trySend(ch) {
		return true
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case ch <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

func (g *heavyGate) leave() { <-g.run }

// heavy admits x as a heavy request, answering it itself when it cannot
// run; the caller must call h.gate.leave() after a true result.
func (h *Handler) heavy(x *exchange) bool {
	switch err := h.gate.enter(x.r.Context(), x.deadline); err {
	case nil:
		return true
	case errBusy:
		h.rejected.WithLabelValues("busy").Inc()
		x.w.Header().Set("Retry-After", "1")
		x.sendError(http.StatusServiceUnavailable, "The server is busy with "+strconv.Itoa(cap(h.gate.run))+
			" large requests and "+strconv.FormatInt(h.gate.queue, 10)+" waiting; retry in a second")
	default:
		x.timedOut(http.StatusServiceUnavailable)
	}
	return false
}

// workPool bounds how many goroutines analyse batches at once: GOMAXPROCS-1
// of them (at least one), so that one P is left to the requests. With every
// P busy analysing, Go's scheduler looks for network events only every
// 10 ms, and a small request would wait that long behind a batch. A
// batch's own goroutine waits for a token; helpers join only while tokens
// are free. Tokens are held for a chunk of scripts at a time, so a page
// save with one changed binding waits for a chunk, not a whole batch.
type workPool struct{ tokens chan struct{} }

func newWorkPool(size int) *workPool {
	return &workPool{tokens: make(chan struct{}, max(1, size))}
}

// take waits for a token until ctx ends or the deadline passes.
func (p *workPool) take(ctx context.Context, deadline time.Time) bool {
	return sendBefore(ctx, deadline, p.tokens)
}

func (p *workPool) tryTake() bool { return trySend(p.tokens) }

func (p *workPool) give() { <-p.tokens }

// tooLarge answers 413 for a limit of the analysis routes.
func (h *Handler) tooLarge(x *exchange, reason, msg string) {
	h.rejected.WithLabelValues(reason).Inc()
	x.sendError(http.StatusRequestEntityTooLarge, msg)
}

// drainBody reads what is left of a request body the answer does not use,
// up to maxDrainBytes and the request's deadline, before an error answer
// is written. Closing a connection with unread bytes makes the kernel reset
// it, and a client still writing its body (or reading only once it has
// written all of it, as urllib does) then sees a broken pipe instead of
// the answer. A client that asked to wait for 100 Continue and was not
// sent one has not sent its body and is not asked to. It reports whether
// the body ended; if not, the connection must not be reused.
func (x *exchange) drainBody() bool {
	r := x.r
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if !x.bodyStarted && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return false
	}
	_, err := io.CopyN(io.Discard, r.Body, maxDrainBytes)
	return errors.Is(err, io.EOF)
}
