package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/appsmith-rts/rts/internal/config"
	"github.com/appsmith-rts/rts/report"
	"github.com/appsmith-rts/rts/store"
)

// runImport: rts import APP [--data DIR | --mongo URI] writes an app (git
// format or exported JSON) into the store as Appsmith stores it and prints
// the new application id as the last word of its output.
var importHelp = config.Help{
	Usage: "rts import APP [--data DIR | --mongo URI]",
	About: "Writes an app into the store as Appsmith stores it and prints its new application id as the last word. " +
		"Pages older than the latest page-DSL version are migrated on the way in (one line each on stderr), as " +
		"Appsmith migrates a page when it is opened. A running rts serve on the same store picks it up.",
	Args: []config.HelpItem{appArgHelp},
	Flags: []config.HelpItem{
		{Name: "--data DIR", Text: "the embedded store's folder (default ./rts-data)"},
		{Name: "--mongo URI", Text: "Appsmith's MongoDB instead (APPSMITH_MONGODB_URI)"},
	},
	Exit: "0 imported, 1 the store failed, 2 bad usage or bad input",
}

func runImport(args []string, stdout, stderr io.Writer) int {
	c := newCLI("import", importHelp, stdout, stderr)
	data := c.fs.String("data", config.DefaultDataDir, "")
	mongo := c.fs.String("mongo", os.Getenv("APPSMITH_MONGODB_URI"), "")
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	app, code := c.loadApp(pos[0])
	if app == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	set, err := store.BuildImportWith(app, store.ImportOptions{MigratePages: true})
	if err != nil {
		fmt.Fprintln(stderr, "rts import:", err)
		return 2
	}
	// Old pages are migrated on the way in, as Appsmith migrates a page
	// when it is opened; one line each says so.
	for _, l := range set.Migrated {
		fmt.Fprintf(stderr, "rts import: migrated %s\n", report.Printable(l.String()))
	}
	for _, err := range set.NotMigrated {
		fmt.Fprintf(stderr, "rts import: %s; imported as it is\n", report.Printable(err.Error()))
	}
	st, err := openStore(ctx, *mongo, *data, "rts import", log, nil)
	if err != nil {
		fmt.Fprintln(stderr, "rts import:", err)
		return 1
	}
	defer st.Close(context.Background())
	if sq, ok := st.(*store.SQLite); ok && sq.SharedWith() != "" {
		// SQLite serialises the two writers: the import waits for a write
		// of the server in progress, and the server lists the app at once.
		fmt.Fprintf(stderr, "rts import: %s is open in %s: importing through SQLite's lock\n", sq.Dir(), sq.SharedWith())
	}
	id, err := st.Import(ctx, set)
	if err != nil {
		fmt.Fprintln(stderr, "rts import:", err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %q (%d pages) as application %s\n", app.Name, len(app.Pages), id)
	return 0
}
