package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/appsmith-rts/rts/refactor"
)

// batchRequest is POST /rts-api/v1/refactor/batch: one rename over every
// binding the backend would otherwise send one entity-refactor call each.
type batchRequest struct {
	OldName     *string                `json:"oldName"`
	NewName     *string                `json:"newName"`
	EvalVersion json.RawMessage        `json:"evalVersion"`
	Entities    []refactor.BatchEntity `json:"entities"`
}

type batchResponse struct {
	Success bool         `json:"success"`
	Data    batchOutcome `json:"data"`
}

type batchOutcome struct {
	Edits         []refactor.BatchEdit `json:"edits"`
	RefactorCount int                  `json:"refactorCount"`
}

func (h *Handler) serveBatch(x *exchange) {
	raw, ok := h.readRaw(x)
	if !ok {
		return
	}
	var req batchRequest
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&req); err != nil {
			x.sendError(http.StatusBadRequest, "Malformed JSON: "+err.Error())
			return
		}
	}
	var errs []fieldError
	if req.OldName == nil {
		errs = append(errs, fieldError{param: "oldName", msg: msgOldName})
	}
	if req.NewName == nil {
		errs = append(errs, fieldError{param: "newName", msg: msgNewName})
	}
	if req.Entities == nil {
		errs = append(errs, fieldError{param: "entities", msg: "Entities are required: a list of {name, kind, bindings}"})
	}
	if len(errs) > 0 {
		x.sendValidation(errs)
		return
	}
	if !h.heavy(x) {
		return
	}
	defer h.gate.leave()
	edits, total, err := h.renamer.Batch(*req.OldName, *req.NewName, req.Entities)
	if errors.Is(err, refactor.ErrInvalidName) {
		x.sendValidation([]fieldError{{param: "newName", msg: msgNewNameInvalid}})
		return
	}
	if err != nil {
		panic(err)
	}
	out, err := marshalNoEscape(batchResponse{Success: true, Data: batchOutcome{Edits: edits, RefactorCount: total}})
	if err != nil {
		panic(err)
	}
	if len(out) > h.maxAnswer {
		h.tooLarge(x, "answer_bytes", answerTooLarge(h.maxAnswer))
		return
	}
	x.out = append(x.out[:0], out...)
	x.send(http.StatusOK)
}

// marshalNoEscape encodes v as JSON.stringify would: no HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
