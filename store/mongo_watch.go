package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Watch opens a change stream on the database for Appsmith's collections.
// A server without them (FerretDB answers NotImplemented or FailedToParse,
// a standalone mongod "only supported on replica sets") gets ErrNoStream;
// a token the server no longer has, ErrResumeLost.
func (s *Mongo) Watch(ctx context.Context, after Token) (Stream, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	pipeline := mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "ns.coll", Value: bson.D{{Key: "$in", Value: followed}}}}}}}
	o := options.ChangeStream().SetFullDocument(options.UpdateLookup)
	if after != nil {
		o.SetResumeAfter(bson.Raw(after))
	}
	wctx, cancel := context.WithTimeout(ctx, s.o.OpTimeout)
	defer cancel()
	// The stream outlives wctx: only opening it is bounded.
	cs, err := s.db.Watch(wctx, pipeline, o)
	if err != nil {
		if isUnavailable(err) {
			return nil, s.fail("watch", err)
		}
		var se mongo.ServerError
		if errors.As(err, &se) && (se.HasErrorCode(286) || se.HasErrorCode(260) || se.HasErrorCode(280)) {
			return nil, ErrResumeLost
		}
		return nil, fmt.Errorf("%w: %v", ErrNoStream, err)
	}
	return &mongoStream{s: s, cs: cs}, nil
}

type mongoStream struct {
	s  *Mongo
	cs *mongo.ChangeStream
}

// changeEvent is the part of a change event the store reads.
type changeEvent struct {
	OperationType string `bson:"operationType"`
	NS            struct {
		Coll string `bson:"coll"`
	} `bson:"ns"`
	DocumentKey struct {
		ID bson.RawValue `bson:"_id"`
	} `bson:"documentKey"`
	// FullDocument is absent for a delete and null for an update whose
	// document was deleted before the lookup.
	FullDocument bson.RawValue `bson:"fullDocument"`
}

func (m *mongoStream) Next(ctx context.Context) (Change, error) {
	for m.cs.Next(ctx) {
		var ev changeEvent
		if err := m.cs.Decode(&ev); err != nil {
			m.s.log.Warn("change event not understood", "err", err)
			continue
		}
		k := Key{ev.NS.Coll, idString(ev.DocumentKey.ID)}
		c := Change{Key: k}
		if full, ok := ev.FullDocument.DocumentOK(); ok {
			d, err := toDoc(k.Coll, full)
			if err != nil {
				m.s.log.Warn("changed document not understood", "doc", k, "err", err)
				continue
			}
			c.Doc, c.AppID = &d, d.AppID
		}
		return c, nil
	}
	err := m.cs.Err()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = errors.New("store: change stream ended")
	}
	var se mongo.ServerError
	if errors.As(err, &se) && (se.HasErrorCode(286) || se.HasErrorCode(280)) {
		return Change{}, ErrResumeLost
	}
	return Change{}, m.s.fail("watch", err)
}

func (m *mongoStream) Token() Token {
	if t := m.cs.ResumeToken(); t != nil {
		return Token(t)
	}
	return nil
}

func (m *mongoStream) Close() { m.cs.Close(context.Background()) }
