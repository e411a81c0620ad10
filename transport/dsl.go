package transport

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"

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
	in, ok := h.readRaw(x)
	if !ok {
		return
	}
	in = bytes.TrimPrefix(in, []byte("\uFEFF"))
	var dsl any
	if len(in) == 0 {
		dsl = pagedsl.NewObject()
	} else {
		v, err := pagedsl.Decode(in)
		if err != nil {
			x.sendError(http.StatusBadRequest, "Malformed JSON: "+err.Error())
			return
		}
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
	b := slices.Grow(x.out[:0], len(in)+len(in)/8+64)
	b = append(b, `{"success":true,"data":`...)
	b = pagedsl.AppendEncode(b, out)
	x.out = append(b, '}')
	x.send(http.StatusOK)
}
