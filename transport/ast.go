package transport

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/refactor"
)

// Validation messages of Appsmith's express-validator rules (routes/ast_routes.ts).
const (
	msgScript     = "Script is required and can only be a string"
	msgScripts    = "Multiple scripts are required"
	msgOldName    = "OldName is required and can only be a string"
	msgNewName    = "NewName is required and can only be a string"
	msgIsJSObject = "isJSObject is required and can only be a boolean"
	// The rest are ours. Appsmith does not check script elements (it hangs)
	// nor names (it splices any text into the code).
	msgScriptItem     = "Every script must be a string"
	msgOldNameInvalid = "OldName must be a JavaScript identifier or identifiers joined by dots"
	msgNewNameInvalid = "NewName must be a JavaScript identifier or identifiers joined by dots"
)

// validDotted is refactor's rule for names: identifiers joined by dots.
func validDotted(name string) bool {
	for seg := range strings.SplitSeq(name, ".") {
		if !analysis.IsValidIdentifier(seg) {
			return false
		}
	}
	return true
}

// fieldError is one express-validator v6 ValidationError.
type fieldError struct {
	param    string
	msg      string
	value    []byte // raw JSON of the value; nil when the field is absent
	location string // "body" when empty
}

// sendValidation answers Appsmith's 400 validation envelope: data.error
// holds the first message, validationErrors every error in rule order.
func (x *exchange) sendValidation(errs []fieldError) {
	b := append(x.out[:0], `{"success":false,"message":"Validation error","data":{"error":[`...)
	b = appendString(b, errs[0].msg)
	b = append(b, `],"validationErrors":[`...)
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if e.value != nil {
			b = append(b, `"value":`...)
			b = appendJSValue(b, e.value)
			b = append(b, ',')
		}
		b = append(b, `"msg":`...)
		b = appendString(b, e.msg)
		b = append(b, `,"param":`...)
		b = appendString(b, e.param)
		loc := e.location
		if loc == "" {
			loc = "body"
		}
		b = append(b, `,"location":`...)
		b = appendString(b, loc)
		b = append(b, '}')
	}
	x.out = append(b, "]}}"...)
	x.send(http.StatusBadRequest)
}

// check returns the error for a field of the wrong kind, or false.
func (b *body) check(v span, param, msg string, ok bool) (fieldError, bool) {
	if ok {
		return fieldError{}, false
	}
	e := fieldError{param: param, msg: msg}
	if v.kind != kindAbsent {
		e.value = b.raw(v)
	}
	return e, true
}

// evalVersionOf is Appsmith's `evalVersion || 2` followed by its
// `evalVersion > 1` test: 0 or absent is 2, above 1 is 2, other numbers
// are the legacy version 1. A non-number counts as absent.
func (b *body) evalVersionOf() int {
	if b.evalVersion.kind != kindNumber {
		return 2
	}
	if f := b.number(b.evalVersion); f != 0 && f <= 1 {
		return 1
	}
	return 2
}

// boolOf reads what express-validator's isBoolean() accepts: true, false,
// the strings "true", "false", "1", "0" and the numbers 1 and 0. Unlike
// Appsmith, which then tests JavaScript truthiness, "false" and "0" mean
// false here.
func (b *body) boolOf(v span) (val, ok bool) {
	switch v.kind {
	case kindTrue:
		return true, true
	case kindFalse:
		return false, true
	case kindNumber:
		switch b.number(v) {
		case 1:
			return true, true
		case 0:
			return false, true
		}
	case kindString:
		switch b.str(v) { // decoded: "\u0074rue" is "true" to JavaScript too
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	return false, false
}

func (h *Handler) serveSingle(x *exchange) {
	var b body
	if !h.readJSON(x, &b) {
		return
	}
	if e, bad := b.check(b.script, "script", msgScript, b.script.kind == kindString); bad {
		x.sendValidation([]fieldError{e})
		return
	}
	ver := b.evalVersionOf()
	raw := b.buf[b.script.start+1 : b.script.end-1]
	out := append(x.out[:0], `{"success":true,"data":`...)
	if enc, ok := h.cache.get(ver, raw); ok {
		h.cache.count(1, 0)
		out = append(out, enc...)
	} else {
		if len(b.buf) > heavyBodyBytes {
			if !h.heavy(x) {
				return
			}
			defer h.gate.leave()
		}
		h.cache.count(0, 1)
		info := h.extract(b.str(b.script), ver, nil)
		n := len(out)
		out = appendInfo(out, &info)
		h.cache.put(ver, raw, out[n:])
	}
	x.out = append(out, '}')
	if len(x.out) > h.maxAnswer {
		h.tooLarge(x, "answer_bytes", answerTooLarge(h.maxAnswer))
		return
	}
	x.send(http.StatusOK)
}

func answerTooLarge(limit int) string {
	return "The answer would be larger than " + sizeText(int64(limit)) + "; send fewer or smaller scripts per request"
}

func (h *Handler) serveMultiple(x *exchange) {
	if h.saved != nil && x.r.ContentLength > 0 && x.r.ContentLength < savedMaxBody {
		x.in = h.saved.bufs.fit(x.in, int(x.r.ContentLength)+1) // +1: readBody's room to see the end
	}
	in, ok := h.readRaw(x)
	if !ok {
		return
	}
	if h.saved != nil && len(in) > 0 {
		if e, p, s := h.saved.take(in); e != nil && h.serveSaved(x, in, e, p, s) {
			return
		}
	}
	var b body
	scan := &x.scan
	scan.limit = h.maxScripts
	if !parseJSONScan(x, in, &b, scan) {
		return
	}
	items, lazy := scan.lazyItems(&b)
	if !lazy {
		// Anything but a list of strings within the limit is answered from
		// the strict reading, errors included.
		if !x.strict(&b) {
			return
		}
		var count int
		items, count = b.arrayItems(b.scripts, h.maxScripts)
		if e, bad := b.check(b.scripts, "scripts", msgScripts, b.scripts.kind == kindArray && count > 0); bad {
			x.sendValidation([]fieldError{e})
			return
		}
		if count > h.maxScripts {
			h.tooLarge(x, "scripts", strconv.Itoa(count)+" scripts in one request; the limit is "+strconv.Itoa(h.maxScripts))
			return
		}
		var errs []fieldError
		for i, it := range items {
			if it.kind != kindString {
				errs = append(errs, fieldError{param: "scripts[" + strconv.Itoa(i) + "]", msg: msgScriptItem, value: b.raw(it)})
			}
		}
		if len(errs) > 0 {
			x.sendValidation(errs)
			return
		}
	}
	ver := b.evalVersionOf()
	answers, size, err := h.extractAll(x, b.buf, items, ver, lazy, 0)
	if !h.extracted(x, &b, err) {
		return
	}
	keep := lazy && h.saved != nil && len(items) >= savedMinScripts
	if keep {
		x.out = h.saved.bufs.fit(x.out, size+len(`{"success":true,"data":[]}`))
	}
	out := slices.Grow(x.out[:0], size+len(`{"success":true,"data":[]}`))
	out = append(out, `{"success":true,"data":[`...)
	spans := x.spans[:0]
	for i, a := range answers {
		if i > 0 {
			out = append(out, ',')
		}
		if keep {
			spans = append(spans, int32(items[i].start), int32(items[i].end), int32(len(out)), int32(len(out)+len(a)))
		}
		out = append(out, a...)
	}
	x.out, x.spans = append(out, "]}"...), spans
	x.send(http.StatusOK)
	if keep {
		h.saved.put(x, nil, in, ver, scan.at, scan.close)
	}
}

// extracted answers the errors of extractAll; it reports whether there
// was none.
func (h *Handler) extracted(x *exchange, b *body, err error) bool {
	switch err {
	case nil:
		return true
	case errAnswerBig:
		h.tooLarge(x, "answer_bytes", answerTooLarge(h.maxAnswer))
	case errMalformed:
		if x.strict(b) {
			panic("transport: the strict reader accepts a script the lazy one found malformed")
		}
	case errAnswered:
	default:
		x.timedOut(http.StatusServiceUnavailable)
	}
	return false
}

// serveSaved answers a multiple-script-data request from e, the kept save
// sharing its first p and last s bytes with the body in (see savedPage),
// reading and looking up only the scripts between. It reports false, and
// gives e back, when the body is not a save e can answer; the request is
// then read as any other.
func (h *Handler) serveSaved(x *exchange, in []byte, e *savedPage, p, s int) bool {
	items, first, last, ok := e.resync(in, p, s, h.maxScripts, x.scan.items[:0])
	x.scan.items = items[:0]
	if !ok {
		h.saved.giveBack(e)
		return false
	}
	n, delta := e.scripts(), len(in)-len(e.body)
	// The kept answers: scripts [0, first) and [last, n) of e, each a
	// block of e's answer, commas included.
	var head, tail []byte
	if first > 0 {
		head = e.answer[e.ansStart(0):e.ansEnd(first-1)]
	}
	if last < n {
		tail = e.answer[e.ansStart(last):e.ansEnd(n-1)]
	}
	known := len(head) + len(tail)
	if groups := bool2int(len(head) > 0) + bool2int(len(items) > 0) + bool2int(len(tail) > 0); groups > 1 {
		known += groups - 1
	}
	// A script between that is e's script at the same place, byte for
	// byte, has e's answer there: when a page comes back after saves of
	// others, the scripts between the edits of its last save and of this
	// one are many, and the cache may have dropped them meanwhile.
	kept, rest, reused := x.keptAnswers(in, e, items, first, last)
	if reused > 0 {
		for i, a := range kept {
			if a != nil {
				known += len(a)
			}
			if i > 0 {
				known++ // the comma before it
			}
		}
		known -= max(len(rest)-1, 0) // extractAll counts the commas between the rest
	}
	answers, size, err := h.extractAll(x, in, rest, e.ver, true, known)
	if b := (body{buf: in}); !h.extracted(x, &b, err) {
		h.saved.giveBack(e)
		return true
	}
	h.saved.hits.Inc()
	h.saved.scripts.Add(float64(first + n - last + reused))
	x.out = h.saved.bufs.fit(x.out, size+len(`{"success":true,"data":[]}`))
	out := slices.Grow(x.out[:0], size+len(`{"success":true,"data":[]}`))
	out = append(out, `{"success":true,"data":[`...)
	spans := slices.Grow(x.spans[:0], 4*(first+len(items)+n-last))
	if first > 0 {
		shift := int32(len(out) - e.ansStart(0))
		spans = append(spans, e.spans[:4*first]...)
		for k := 2; k < len(spans); k += 4 {
			spans[k] += shift
			spans[k+1] += shift
		}
		out = append(out, head...)
	}
	for i, it := range items {
		var a []byte
		if reused > 0 && kept[i] != nil {
			a = kept[i]
		} else {
			a, answers = answers[0], answers[1:]
		}
		if len(out) > len(`{"success":true,"data":[`) {
			out = append(out, ',')
		}
		spans = append(spans, int32(it.start), int32(it.end), int32(len(out)), int32(len(out)+len(a)))
		out = append(out, a...)
	}
	if last < n {
		if len(out) > len(`{"success":true,"data":[`) {
			out = append(out, ',')
		}
		shift := int32(len(out) - e.ansStart(last))
		from := len(spans)
		spans = append(spans, e.spans[4*last:]...)
		for k := from; k < len(spans); k += 4 {
			spans[k] += int32(delta)
			spans[k+1] += int32(delta)
			spans[k+2] += shift
			spans[k+3] += shift
		}
		out = append(out, tail...)
	}
	x.out, x.spans = append(out, "]}"...), spans
	x.send(http.StatusOK)
	h.saved.put(x, e, in, e.ver, e.at, e.close+delta)
	return true
}

// keptAnswers pairs the scripts items, read between e's scripts [0,
// first) and [last, n), with e's scripts [first, last) when they are as
// many: kept[i] is e's answer for items[i] when the two are the same bytes
// (then the same script, valid as e's was, at the same eval version), and
// rest are the items it does not answer. reused counts the kept answers;
// with none, kept is nil and rest is items.
func (x *exchange) keptAnswers(in []byte, e *savedPage, items []span, first, last int) (kept [][]byte, rest []span, reused int) {
	if len(items) == 0 || len(items) != last-first {
		return nil, items, 0
	}
	kept = slices.Grow(x.kept[:0], len(items))[:len(items)]
	rest = x.rest[:0]
	for i, it := range items {
		j := first + i
		if bytes.Equal(in[it.start:it.end], e.body[e.bodyStart(j):e.bodyEnd(j)]) {
			kept[i] = e.answer[e.ansStart(j):e.ansEnd(j):e.ansEnd(j)]
			reused++
		} else {
			kept[i] = nil
			rest = append(rest, it)
		}
	}
	x.kept, x.rest = kept, rest
	if reused == 0 {
		return nil, items, 0
	}
	return kept, rest, reused
}

func bool2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// arrayItems lists the elements of an array span, at most limit of them,
// and counts them all; nil and 0 for other kinds.
func (b *body) arrayItems(v span, limit int) ([]span, int) {
	if v.kind != kindArray {
		return nil, 0
	}
	i := skipWS(b.buf, v.start+1)
	if b.buf[i] == ']' {
		return nil, 0
	}
	items := make([]span, 0, min(limit, 64))
	for n := 1; ; n++ {
		i = skipWS(b.buf, i)
		var end int
		if b.buf[i] == '"' {
			end = endOfValidString(b.buf, i)
		} else {
			end, _ = skipValue(b.buf, i) // the body parsed, so no error
		}
		if n <= limit {
			items = append(items, span{kind: kindOf(b.buf[i]), start: i, end: end})
		}
		i = skipWS(b.buf, end)
		if b.buf[i] == ']' {
			return items, n
		}
		i++ // ','
	}
}

// endOfValidString returns the offset after the closing quote of the
// string at b[i], which parseBody has already checked: the first quote
// after an even run of backslashes.
func endOfValidString(b []byte, i int) int {
	for i++; ; i++ {
		i += bytes.IndexByte(b[i:], '"')
		k := i
		for k > 0 && b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}

var errTimeout = errors.New("request timed out")

// uncachedScriptBytes: entity-refactor renames binding scripts shorter than
// this without the scan cache. Their scan costs microseconds, while a kept
// index costs about 1.3 KB of live heap and twice that in RSS: on the
// rename corpus (7,880 distinct bindings, 96 % of them shorter than this)
// caching them took the server under wrk from 43 to 72 MB of RSS for no
// measurable throughput. JS object bodies and longer scripts, whose parse
// is what the cache saves, still use it; so do the live apps' renames,
// which scan an app's snippets again on every rename.
const uncachedScriptBytes = 256

func (h *Handler) serveRefactor(x *exchange) {
	var b body
	if !h.readJSON(x, &b) {
		return
	}
	isJSObject, boolOK := b.boolOf(b.isJSObject)
	var errs [4]fieldError
	n := 0
	for _, c := range [...]struct {
		v     span
		param string
		msg   string
		ok    bool
	}{
		{b.script, "script", msgScript, b.script.kind == kindString},
		{b.oldName, "oldName", msgOldName, b.oldName.kind == kindString},
		{b.newName, "newName", msgNewName, b.newName.kind == kindString},
		{b.isJSObject, "isJSObject", msgIsJSObject, boolOK},
	} {
		if e, bad := b.check(c.v, c.param, c.msg, c.ok); bad {
			errs[n] = e
			n++
		}
	}
	if n > 0 {
		x.sendValidation(errs[:n])
		return
	}
	// Appsmith splices any text in as the new name; refactor refuses names
	// that are not identifiers, and this says which field was wrong.
	oldName, newName := b.str(b.oldName), b.str(b.newName)
	if !validDotted(oldName) {
		errs[n] = fieldError{param: "oldName", msg: msgOldNameInvalid, value: b.raw(b.oldName)}
		n++
	}
	if !validDotted(newName) {
		errs[n] = fieldError{param: "newName", msg: msgNewNameInvalid, value: b.raw(b.newName)}
		n++
	}
	if n > 0 {
		x.sendValidation(errs[:n])
		return
	}
	if len(b.buf) > heavyBodyBytes {
		if !h.heavy(x) {
			return
		}
		defer h.gate.leave()
	}
	script := b.str(b.script)
	rn := h.renamer
	if !isJSObject && len(script) < uncachedScriptBytes {
		rn = refactor.Renamer{}
	}
	res, err := h.refactorScript(rn, script, oldName, newName, isJSObject)
	if errors.Is(err, refactor.ErrSyntax) {
		x.sendRaw(http.StatusOK, `{"success":false,"data":{"error":"Syntax Error"}}`)
		return
	}
	if errors.Is(err, refactor.ErrInvalidName) { // should validDotted ever disagree
		x.sendError(http.StatusBadRequest, "OldName and NewName must be JavaScript identifiers joined by dots")
		return
	}
	if err != nil {
		panic(err) // answered as Appsmith's 500 by finish, and logged
	}
	out := append(x.out[:0], `{"success":true,"data":{"script":`...)
	out = appendString(out, res.Script)
	out = append(out, `,"refactorCount":`...)
	out = strconv.AppendInt(out, int64(res.Count), 10)
	x.out = append(out, "}}"...)
	if len(x.out) > h.maxAnswer {
		h.tooLarge(x, "answer_bytes", answerTooLarge(h.maxAnswer))
		return
	}
	x.send(http.StatusOK)
}
