package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/liveapps"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/store"
	"github.com/appsmith-rts/rts/transport"
)

// openStore opens Appsmith's MongoDB when a URI is given, else the
// embedded store in dataDir. owner names this process to another rts on
// the same folder.
func openStore(ctx context.Context, mongoURI, dataDir, owner string, log *slog.Logger, reg prometheus.Registerer) (store.Store, error) {
	if mongoURI != "" {
		return store.OpenMongo(ctx, store.MongoOptions{URI: mongoURI, Logger: log, Registerer: reg})
	}
	return store.OpenSQLite(ctx, dataDir, store.SQLiteOptions{Logger: log, Owner: fmt.Sprintf("%s, pid %d", owner, os.Getpid())})
}

// liveApps adapts the live-apps room to the apps API (transport.Apps):
// transport's types in, the room's errors classified.
type liveApps struct{ room *liveapps.Room }

func (l liveApps) ListApps(ctx context.Context) ([]transport.AppSummary, error) {
	list, err := l.room.ListApps(ctx)
	if err != nil {
		return nil, appsError(err)
	}
	out := make([]transport.AppSummary, len(list))
	for i, a := range list {
		out[i] = transport.AppSummary{ID: a.ID, Name: a.Name, Pages: a.Pages, UpdatedAt: a.UpdatedAt, Loaded: a.Loaded}
	}
	return out, nil
}

func (l liveApps) Graph(ctx context.Context, appID, page string) (json.RawMessage, error) {
	b, err := l.room.GraphJSON(ctx, appID, page)
	return b, appsError(err)
}

func (l liveApps) Dependents(ctx context.Context, appID, page, node string) ([]depgraph.Path, error) {
	p, err := l.room.Dependents(ctx, appID, page, node)
	return p, appsError(err)
}

func (l liveApps) ImportExport(ctx context.Context, r io.Reader) (string, error) {
	id, err := l.room.ImportExport(ctx, r)
	return id, appsError(err)
}

func (l liveApps) Rename(ctx context.Context, req transport.RenameRequest) (*transport.RenameResult, error) {
	res, err := l.room.Rename(ctx, req.AppID, req.Page, req.OldName, req.NewName, req.DryRun)
	if err != nil {
		return nil, appsError(err)
	}
	out := &transport.RenameResult{AppID: res.AppID, Page: res.Page, OldName: res.OldName, NewName: res.NewName,
		Kind: string(res.Kind), DryRun: res.DryRun, RefactorCount: res.RefactorCount, Documents: res.Documents,
		Changes: make([]transport.RenameChange, len(res.Changes))}
	for i, c := range res.Changes {
		out.Changes[i] = transport.RenameChange{Entity: c.Entity, Path: c.Path, Kind: string(c.Kind), Document: c.Document,
			Count: c.Count, Before: c.Before, After: c.After}
	}
	return out, nil
}

// appsError classifies the room's, the store's and the planner's errors
// for the apps API.
func appsError(err error) error {
	if err == nil {
		return nil
	}
	var ce *liveapps.ConflictError
	var pc *refactor.Conflict
	var ne *refactor.NameError
	switch {
	case errors.As(err, &ce):
		return &transport.AppsError{Kind: transport.AppsConflict, Err: err, Documents: ce.Documents}
	case errors.As(err, &pc):
		return &transport.AppsError{Kind: transport.AppsConflict, Err: err, Where: pc.Where}
	case errors.As(err, &ne), errors.Is(err, refactor.ErrInvalidName), errors.Is(err, store.ErrBadInput):
		return &transport.AppsError{Kind: transport.AppsBadInput, Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &transport.AppsError{Kind: transport.AppsNotFound, Err: err}
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrClosed):
		return &transport.AppsError{Kind: transport.AppsUnavailable, Err: err}
	}
	return err
}

// appEvent is a room event as transport pushes it.
func appEvent(ev liveapps.Event) transport.AppEvent {
	return transport.AppEvent{AppID: ev.AppID, Page: ev.Page, Kind: string(ev.Kind), Reason: string(ev.Reason), Change: ev.Change,
		OldName: ev.OldName, NewName: ev.NewName, RefactorCount: ev.RefactorCount}
}
