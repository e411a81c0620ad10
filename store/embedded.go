package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// embeddedServer is FerretDB v1 over SQLite, in this process, on a loopback
// port: the same driver code then talks to it as to a real MongoDB. It has
// neither change streams nor transactions (the store polls, and guards its
// writes by version instead).
type embeddedServer struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// startEmbedded checks that dir can hold the database files, then starts
// the server. SQLite would otherwise fail only at the first write, long
// after start, with an error that does not name the folder.
func startEmbedded(dir string, log *slog.Logger) (*embeddedServer, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: data folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("store: data folder %q cannot be created: %w", abs, err)
	}
	probe, err := os.CreateTemp(abs, ".rts-write-check-*")
	if err != nil {
		return nil, fmt.Errorf("store: data folder %q is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		// FerretDB logs every failed command (a missing change stream
		// included) at warning level: keep only its errors.
		Logger:    slog.New(errorsOnly{log.Handler()}),
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		return nil, fmt.Errorf("store: embedded FerretDB in %q: %w", abs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &embeddedServer{uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		f.Run(ctx)
	}()
	return e, nil
}

func (e *embeddedServer) stop() {
	e.cancel()
	<-e.done
}

// errorsOnly passes on only error records.
type errorsOnly struct{ slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}

func (h errorsOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return errorsOnly{h.Handler.WithAttrs(as)}
}

func (h errorsOnly) WithGroup(name string) slog.Handler {
	return errorsOnly{h.Handler.WithGroup(name)}
}
