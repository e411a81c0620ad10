package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/store"
)

// runImport: rts import APP [--data DIR | --mongo URI] writes an app (git
// format or exported JSON) into the store as Appsmith stores it and prints
// the new application id as the last word of its output.
func runImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", config.DefaultDataDir, "the embedded store's folder")
	mongo := fs.String("mongo", os.Getenv("APPSMITH_MONGODB_URI"), "Appsmith's MongoDB (APPSMITH_MONGODB_URI)")
	app, code := loadAppArg(fs, args, stderr, "rts import APP [--data DIR | --mongo URI]")
	if app == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(ctx, store.Options{MongoURI: *mongo, DataDir: *data, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "rts import:", err)
		return 1
	}
	defer st.Close(context.Background())
	id, err := st.Import(ctx, app)
	if err != nil {
		fmt.Fprintln(stderr, "rts import:", err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %q (%d pages) as application %s\n", app.Name, len(app.Pages), id)
	return 0
}
