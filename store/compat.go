package store

import (
	"bytes"
	"context"
	"math"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FerretDB v1 refuses some documents MongoDB takes and Appsmith writes:
// arrays directly inside arrays (a page's layoutOnLoadActions is a list of
// sets of actions), keys containing "." or starting with "$", repeated keys
// and infinite numbers. For such a server the store writes those parts in a
// reversible form and reads them back as they were, so the model and every
// byte offset into a document's text see the original shape:
//
//	[[a], [b]]          → [{"__rtsArray": [a]}, {"__rtsArray": [b]}]
//	{"a.b": 1}          → {"__rtsKey_a%2Eb": 1}
//	Infinity            → {"__rtsDouble": "Infinity"}
//
// Repeated keys keep their first value, the one the model reads. Against
// MongoDB documents are written as they are; reading undoes the encoding
// wherever it is found, so data written through FerretDB can move to
// MongoDB.
const (
	encMarker      = "__rts"
	encArray       = "__rtsArray"
	encKeyPfx      = "__rtsKey_"
	encDouble      = "__rtsDouble"
	compatPlain    = int32(1)
	compatFerretDB = int32(2)
)

var keyEscaper = strings.NewReplacer("%", "%25", ".", "%2E", "$", "%24")

// detectServer asks the server what it is, once it answers.
func (s *Mongo) detectServer(ctx context.Context) error {
	if s.compat.Load() != 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.SelectTimeout)
	defer cancel()
	raw, err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return err
	}
	mode := compatPlain
	if _, err := raw.LookupErr("ferretdbVersion"); err == nil {
		mode = compatFerretDB
	}
	if s.compat.CompareAndSwap(0, mode) && mode == compatFerretDB {
		s.log.Info("server is FerretDB: nested arrays and dotted keys are stored encoded")
	}
	return nil
}

func (s *Mongo) encoding() bool { return s.compat.Load() == compatFerretDB }

// encodeDoc makes a document one the server accepts.
func (s *Mongo) encodeDoc(d bson.D) bson.D {
	if !s.encoding() {
		return d
	}
	return encodeD(d)
}

func encodeD(d bson.D) bson.D {
	out := make(bson.D, 0, len(d))
	seen := make(map[string]bool, len(d))
	for _, e := range d {
		k := e.Key
		if seen[k] {
			continue
		}
		seen[k] = true
		if strings.Contains(k, ".") || strings.HasPrefix(k, "$") || strings.HasPrefix(k, encMarker) {
			k = encKeyPfx + keyEscaper.Replace(k)
		}
		out = append(out, bson.E{Key: k, Value: encodeV(e.Value, false)})
	}
	return out
}

func encodeV(v any, inArray bool) any {
	switch v := v.(type) {
	case bson.D:
		return encodeD(v)
	case bson.A:
		a := make(bson.A, len(v))
		for i, x := range v {
			a[i] = encodeV(x, true)
		}
		if inArray {
			return bson.D{{Key: encArray, Value: a}}
		}
		return a
	case float64:
		if math.IsInf(v, 1) {
			return bson.D{{Key: encDouble, Value: "Infinity"}}
		}
		if math.IsInf(v, -1) {
			return bson.D{{Key: encDouble, Value: "-Infinity"}}
		}
	}
	return v
}

// decodeRaw undoes the encoding in a document read from the server.
func decodeRaw(r bson.Raw) bson.Raw {
	if !bytes.Contains(r, []byte(encMarker)) {
		return r
	}
	var d bson.D
	if err := bson.Unmarshal(r, &d); err != nil {
		return r
	}
	out, err := bson.Marshal(decodeD(d))
	if err != nil {
		return r
	}
	return out
}

func decodeD(d bson.D) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		k := e.Key
		if rest, ok := strings.CutPrefix(k, encKeyPfx); ok {
			k = unescapeKey(rest)
		}
		out = append(out, bson.E{Key: k, Value: decodeV(e.Value)})
	}
	return out
}

func decodeV(v any) any {
	switch v := v.(type) {
	case bson.D:
		if len(v) == 1 {
			switch v[0].Key {
			case encArray:
				if a, ok := v[0].Value.(bson.A); ok {
					return decodeV(a)
				}
			case encDouble:
				switch v[0].Value {
				case "Infinity":
					return math.Inf(1)
				case "-Infinity":
					return math.Inf(-1)
				}
			}
		}
		return decodeD(v)
	case bson.A:
		a := make(bson.A, len(v))
		for i, x := range v {
			a[i] = decodeV(x)
		}
		return a
	}
	return v
}

func unescapeKey(k string) string {
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] == '%' && i+2 < len(k) {
			switch k[i+1 : i+3] {
			case "25":
				b.WriteByte('%')
				i += 2
				continue
			case "2E":
				b.WriteByte('.')
				i += 2
				continue
			case "24":
				b.WriteByte('$')
				i += 2
				continue
			}
		}
		b.WriteByte(k[i])
	}
	return b.String()
}
