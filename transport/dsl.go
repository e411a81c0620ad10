package transport

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/appsmith-rts/rts/pagedsl"
)

// The page-DSL routes a current Appsmith backend calls: the latest DSL
// version, and the migration of a page's DSL to it (pagedsl does the
// work, as Appsmith's migrateDSL).

// Paths of the DSL routes.
const (
	PathDSLVersion = "/rts-api/v1/dsl/version"
	PathDSLMigrate = "/rts-api/v1/dsl/migrate"
)

// msgSomethingWrong is the message of Appsmith's 500 answer when its
// migration throws (the exception text is never sent).
const msgSomethingWrong = "Something went wrong"

var dslVersionAnswer = `{"success":true,"data":{"version":` + strconv.Itoa(pagedsl.LatestVersion) + `}}`

func (h *Handler) serveDSLVersion(x *exchange) {
	x.sendRaw(http.StatusOK, dslVersionAnswer)
}

// serveDSLMigrate migrates the posted DSL and answers
// {"success":true,"data":<DSL>}, or Appsmith's 500 envelope when its
// migration throws on this input. A body Express would refuse with an
// HTML page (malformed JSON, a top-level primitive) gets our JSON 400; a
// body not declared JSON counts as {}, as with Express (whose migration
// then throws).
func (h *Handler) serveDSLMigrate(x *exchange) {
	// A large page's body and answer are read and written in buffers
	// kept for pages: the exchange's own are too small for it, and new
	// ones would be allocated and zeroed for every such page.
	smallIn, smallOut := x.in, x.out
	defer func() {
		if cap(x.in) > cap(smallIn) {
			putPageBuffer(x.in)
			x.in = smallIn
		}
		if cap(x.out) > cap(smallOut) {
			putPageBuffer(x.out)
			x.out = smallOut
		}
	}()
	if n := x.r.ContentLength; n >= int64(cap(x.in)) && n < maxPageBuffer {
		x.in = getPageBuffer(int(n) + 1)
	}
	in, ok := h.readRaw(x)
	if !ok {
		return
	}
	in = bytes.TrimPrefix(in, []byte("\uFEFF"))
	var dsl any
	if len(in) == 0 {
		dsl = pagedsl.NewObject()
	} else {
		// The body stays unchanged until the answer is sent: the decoded page
		// may read it instead of a copy.
		v, err := pagedsl.DecodeShared(in)
		if err != nil {
			x.sendError(http.StatusBadRequest, "Malformed JSON: "+err.Error())
			return
		}
		// Once answered (the answer is copied into x.out), the page's
		// memory is the next page's: nothing of it is kept.
		defer pagedsl.Recycle(v)
		switch v.(type) {
		case *pagedsl.Object, *pagedsl.Array:
		default:
			x.sendError(http.StatusBadRequest, errNotObject.msg)
			return
		}
		dsl = v
	}
	// A large page is heavy work like a large script: it waits for a turn
	// rather than crowding out the backend's everyday calls.
	if len(in) > heavyBodyBytes {
		if !h.heavy(x) {
			return
		}
		defer h.gate.leave()
	}
	out, err := pagedsl.Migrate(dsl)
	if err != nil {
		var jsErr *pagedsl.JSError
		if !errors.As(err, &jsErr) {
			// Not Appsmith's behaviour but a bug of the port: logged, and
			// answered as Appsmith answers a failed migration.
			h.log.LogAttrs(context.Background(), slog.LevelError, "page DSL migration failed",
				slog.String("error", err.Error()))
		}
		x.sendError(http.StatusInternalServerError, msgSomethingWrong)
		return
	}
	// Sized for the page, which migrations grow a little.
	size := len(in) + len(in)/8 + 64
	if size > cap(x.out) && size < maxPageBuffer {
		x.out = getPageBuffer(size)
	}
	b := slices.Grow(x.out[:0], size)
	b = append(b, `{"success":true,"data":`...)
	b = pagedsl.AppendEncode(b, out)
	x.out = append(b, '}')
	x.send(http.StatusOK)
}

// pageBuffers holds buffers of large pages (*[]byte) between migrations.
// sync.Pool lets the collector drop them, so an idle server keeps none,
// unlike the exchange pool, which keeps only small buffers for good.
var pageBuffers sync.Pool

// maxPageBuffer is the largest buffer kept for pages.
const maxPageBuffer = 4 << 20

// getPageBuffer returns an empty buffer of capacity at least n.
func getPageBuffer(n int) []byte {
	if p, ok := pageBuffers.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]byte, 0, n)
}

func putPageBuffer(b []byte) {
	if cap(b) <= maxPageBuffer {
		b = b[:0]
		pageBuffers.Put(&b)
	}
}
